//! The attempt and audit logs, and API keys managed through the API, in process.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::api::{Api, code_at, now};
use serde_json::json;

#[tokio::test]
async fn logs() {
    let api = Api::new();
    let k = &api.keys;
    let t = now();
    api.post(
        "/api/v1/verify",
        &k.kiosk,
        json!({"serial": "T1", "code": code_at(t)}),
    )
    .await;
    api.post(
        "/api/v1/verify",
        &k.operator,
        json!({"serial": "Q1", "code": "000000"}),
    )
    .await;
    let v = api.get("/api/v1/attempts", &k.operator).await.json();
    let a = v.as_array().unwrap();
    assert!(a.len() >= 2, "{v}");
    assert_eq!(a[0]["serial"], "Q1");
    assert!(
        a.iter().all(|x| x.get("code").is_none()),
        "codes are never stored"
    );
    let v = api
        .get("/api/v1/attempts?serial=T1&limit=1", &k.operator)
        .await
        .json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["location"], "Lobby");
    let r = api
        .get(&format!("/api/v1/attempts?from={}", t + 3600), &k.operator)
        .await;
    assert!(r.json().as_array().unwrap().is_empty());
    assert_eq!(
        api.get("/api/v1/attempts?from=never", &k.operator)
            .await
            .status,
        400
    );
    assert_eq!(api.get("/api/v1/attempts", &k.technician).await.status, 403);
    assert_eq!(api.get("/api/v1/attempts", &k.kiosk).await.status, 403);

    let v = api
        .get("/api/v1/audit?action=key.&limit=2", &k.operator)
        .await
        .json();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["action"], "key.add");
    assert_eq!(api.get("/api/v1/audit", &k.technician).await.status, 403);
    let r = api
        .post(
            "/api/v1/keys",
            &k.admin,
            json!({"name": "ops-lab", "role": "operator", "locations": ["Lab"]}),
        )
        .await;
    let ops_lab = r.json()["key"].as_str().unwrap().to_string();
    assert_eq!(api.get("/api/v1/audit", &ops_lab).await.status, 403);
    let v = api.get("/api/v1/attempts", &ops_lab).await.json();
    assert!(
        v.as_array().unwrap().iter().all(|a| a["location"] == "Lab"),
        "{v}"
    );
    api.finish();
}

#[tokio::test]
async fn keys() {
    let api = Api::new();
    let k = &api.keys;
    assert_eq!(api.get("/api/v1/keys", &k.operator).await.status, 403);
    let v = api.get("/api/v1/keys", &k.admin).await.json();
    assert_eq!(v.as_array().unwrap().len(), 6);
    assert!(
        !api.get("/api/v1/keys", &k.admin)
            .await
            .text
            .contains("tks_")
    );
    let r = api
        .post("/api/v1/keys", &k.admin, json!({"name": "door", "role": "kiosk", "locations": ["Lab"], "expires": "90d", "cidrs": ["127.0.0.0/8"]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json();
    let door = created["key"].as_str().unwrap().to_string();
    let id = created["key_id"].as_str().unwrap().to_string();
    assert!(created["expires_at"].as_i64().unwrap() > now() + 89 * 86_400);
    assert_eq!(api.get("/api/v1/presence/now", &door).await.status, 200);
    assert_eq!(
        api.get(&format!("/api/v1/keys/{id}"), &k.admin)
            .await
            .json()["name"],
        "door"
    );
    assert_eq!(
        api.get("/api/v1/keys/door", &k.admin).await.json()["key_id"],
        id.as_str()
    );
    assert_eq!(api.get("/api/v1/keys/nope", &k.admin).await.status, 404);
    for bad in [
        json!({"name": "x", "role": "root"}),
        json!({"name": "x", "role": "kiosk"}),
        json!({"name": "x y", "role": "admin"}),
        json!({"name": "x", "role": "admin", "expires": "soon"}),
        json!({"name": "x", "role": "admin", "cidrs": ["nope"]}),
    ] {
        assert_eq!(
            api.post("/api/v1/keys", &k.admin, bad.clone()).await.status,
            400,
            "{bad}"
        );
    }
    assert_eq!(
        api.post(
            "/api/v1/keys",
            &k.admin,
            json!({"name": "door", "role": "admin"})
        )
        .await
        .status,
        409
    );
    // rotate: the old text is refused at once, the new one works.
    let r = api
        .call(
            "POST",
            &format!("/api/v1/keys/{id}/rotate"),
            Some(&k.admin),
            None,
        )
        .await;
    let new = r.json()["key"].as_str().unwrap().to_string();
    assert_ne!(new, door);
    assert_eq!(api.get("/api/v1/presence/now", &door).await.status, 401);
    assert_eq!(api.get("/api/v1/presence/now", &new).await.status, 200);
    let r = api
        .call("POST", "/api/v1/keys/door/suspend", Some(&k.admin), None)
        .await;
    assert_eq!(r.json()["status"], "suspended");
    assert_eq!(api.get("/api/v1/presence/now", &new).await.status, 401);
    assert_eq!(
        api.call("POST", "/api/v1/keys/door/suspend", Some(&k.admin), None)
            .await
            .status,
        409
    );
    api.call("POST", "/api/v1/keys/door/resume", Some(&k.admin), None)
        .await;
    assert_eq!(api.get("/api/v1/presence/now", &new).await.status, 200);
    let r = api
        .call("DELETE", "/api/v1/keys/door", Some(&k.admin), None)
        .await;
    assert_eq!(r.json()["status"], "revoked");
    assert_eq!(api.get("/api/v1/presence/now", &new).await.status, 401);
    assert_eq!(
        api.call("POST", "/api/v1/keys/door/fly", Some(&k.admin), None)
            .await
            .status,
        404
    );
    // An admin limited to a location cannot manage keys (it could widen its own).
    let r = api
        .post(
            "/api/v1/keys",
            &k.admin,
            json!({"name": "site-admin", "role": "admin", "locations": ["Lab"]}),
        )
        .await;
    let site = r.json()["key"].as_str().unwrap().to_string();
    assert_eq!(api.get("/api/v1/keys", &site).await.status, 403);
    // Every key operation is audited under the admin key.
    let audit = api.station().audit(&Default::default()).unwrap();
    let ops: Vec<&str> = audit
        .iter()
        .filter(|a| a.subject.contains(&id))
        .map(|a| a.action.as_str())
        .collect();
    assert_eq!(
        ops,
        [
            "key.revoke",
            "key.resume",
            "key.suspend",
            "key.rotate",
            "key.add"
        ]
    );
    assert!(
        audit
            .iter()
            .filter(|a| a.subject.contains(&id))
            .all(|a| a.actor.ends_with("(role admin)"))
    );
    api.finish();
}

#[tokio::test]
async fn drift_report_and_one_tokens_drift() {
    let api = Api::new();
    let k = &api.keys;
    let t = now();
    // T1's clock runs one step (30 s) ahead: the verification learns +1.
    let r = api
        .post(
            "/api/v1/verify",
            &k.kiosk,
            json!({"serial": "T1", "code": code_at(t + 30)}),
        )
        .await;
    assert_eq!(r.json()["status"], "OK", "{}", r.json());
    let v = api.get("/api/v1/drift", &k.operator).await.json();
    let rows = v["rows"].as_array().unwrap();
    let t1 = rows.iter().find(|r| r["serial"] == "T1").unwrap();
    assert_eq!(t1["offset_steps"], 1, "{v}");
    let v = api.get("/api/v1/drift?product=Q", &k.operator).await.json();
    assert!(
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["product"] == "Q"),
        "{v}"
    );
    let v = api.get("/api/v1/tokens/T1/drift", &k.operator).await.json();
    assert_eq!(v["serial"], "T1", "{v}");
    assert!(!v["samples"].as_array().unwrap().is_empty(), "{v}");
    // Drift is an operator's: kiosks and technicians are refused; an unknown token is 404.
    assert_eq!(api.get("/api/v1/drift", &k.kiosk).await.status, 403);
    assert_eq!(api.get("/api/v1/drift", &k.technician).await.status, 403);
    assert_eq!(
        api.get("/api/v1/tokens/NOPE/drift", &k.operator)
            .await
            .status,
        404
    );
    assert_eq!(
        api.get("/api/v1/drift?at=yesterday", &k.operator)
            .await
            .status,
        400
    );
    api.finish();
}
