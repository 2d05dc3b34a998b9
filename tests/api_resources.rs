//! Products, holders, locations, presence, the logs and the keys through the API in
//! process, with the roles and scopes of each.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::api::{Api, code_at, now};
use serde_json::json;
use tokenstation::station::presence::CredentialKey;

#[tokio::test]
async fn catalog() {
    let api = Api::new();
    let k = &api.keys;
    let v = api.get("/api/v1/products", &k.technician).await.json();
    assert_eq!(v["total"], 2);
    assert_eq!(v["items"][0]["name"], "P");
    assert_eq!(v["items"][0]["tokens"], 2);
    assert_eq!(v["items"][0]["algorithm"], "sha1");
    let v = api.get("/api/v1/products", &k.tech_p).await.json();
    assert_eq!(v["total"], 1);
    assert_eq!(api.get("/api/v1/products/Q", &k.tech_p).await.status, 403);
    assert_eq!(api.get("/api/v1/products/P", &k.tech_p).await.json()["tokens"], 2);
    assert_eq!(api.get("/api/v1/products/Nope", &k.operator).await.status, 404);
    assert_eq!(api.get("/api/v1/products", &k.kiosk).await.status, 403);
    let r = api
        .post("/api/v1/products", &k.technician, json!({"name": "H", "kind": "hotp", "digits": 8}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!((r.json()["kind"].clone(), r.json()["digits"].clone(), r.json()["skew"].clone()), (json!("hotp"), json!(8), json!(10)));
    assert_eq!(api.post("/api/v1/products", &k.technician, json!({"name": "H"})).await.status, 409);
    assert_eq!(api.post("/api/v1/products", &k.technician, json!({"name": "X", "digits": 3})).await.status, 400);
    assert_eq!(api.post("/api/v1/products", &k.technician, json!({"name": "X", "kind": "motp"})).await.status, 400);
    assert_eq!(api.post("/api/v1/products", &k.tech_p, json!({"name": "X"})).await.status, 403);
    assert_eq!(api.post("/api/v1/products", &k.operator, json!({"name": "X"})).await.status, 403);

    let v = api.get("/api/v1/holders", &k.operator).await.json();
    assert_eq!(v["items"][0]["ext_id"], "alice");
    let v = api.get("/api/v1/holders/alice", &k.operator).await.json();
    assert_eq!(v["tokens"], json!(["T1"]));
    assert_eq!(api.get("/api/v1/holders/bob", &k.operator).await.status, 404);
    let r = api.post("/api/v1/holders", &k.technician, json!({"id": "bob", "label": "Bob"})).await;
    assert_eq!((r.status, r.json()["label"].clone()), (201, json!("Bob")));
    assert_eq!(api.post("/api/v1/holders", &k.technician, json!({"id": "bob"})).await.status, 409);
    assert_eq!(api.post("/api/v1/holders", &k.technician, json!({"id": ""})).await.status, 400);
    assert_eq!(api.post("/api/v1/holders", &k.operator, json!({"id": "carol"})).await.status, 403);
    let v = api.get("/api/v1/holders?page=2&page_size=1", &k.operator).await.json();
    assert_eq!((v["total"].clone(), v["items"][0]["ext_id"].clone()), (json!(2), json!("bob")));

    let v = api.get("/api/v1/locations", &k.operator).await.json();
    assert_eq!(v["total"], 2);
    let r = api
        .post("/api/v1/keys", &k.admin, json!({"name": "ops-lab", "role": "operator", "locations": ["Lab"]}))
        .await;
    let ops_lab = r.json()["key"].as_str().unwrap().to_string();
    let v = api.get("/api/v1/locations", &ops_lab).await.json();
    assert_eq!((v["total"].clone(), v["items"][0]["name"].clone()), (json!(1), json!("Lab")));
    assert_eq!(api.get("/api/v1/locations/Lobby", &ops_lab).await.status, 403);
    let v = api.get("/api/v1/locations/Lab", &ops_lab).await.json();
    // Q1 is assigned to Lab, T1 to every location.
    assert_eq!(v["tokens"], json!(["T1", "Q1"]));
    assert_eq!(api.post("/api/v1/locations", &k.technician, json!({"name": "Dock"})).await.status, 403);
    let r = api.post("/api/v1/locations", &k.admin, json!({"name": "Dock", "tz": "Europe/Paris"})).await;
    assert_eq!((r.status, r.json()["tz"].clone()), (201, json!("Europe/Paris")));
    assert_eq!(api.post("/api/v1/locations", &k.admin, json!({"name": "Moon", "tz": "Mars/Base"})).await.status, 400);
    api.finish();
}

#[tokio::test]
async fn presence() {
    let api = Api::new();
    let k = &api.keys;
    {
        let mut st = api.station();
        st.holder_enrol("alice", &CredentialKey::parse_card("04A1B2C3").unwrap(), now())
            .unwrap();
        st.location_add_presence_token("Lab", "Q1", None, now()).unwrap();
    }
    let t = now() - 120;
    let tap = json!({"card": "04:a1:b2:c3", "idempotency_key": "lobby-1|04A1B2C3|1", "at": t});
    let r = api.post("/api/v1/presence/events", &k.kiosk, tap.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let first = r.json();
    assert_eq!((first["outcome"].clone(), first["direction"].clone(), first["holder"].clone()), (json!("recorded"), json!("in"), json!("alice")));
    let r = api.post("/api/v1/presence/events", &k.kiosk, tap).await;
    assert_eq!(r.status, 200, "a replayed key answers the stored event");
    assert_eq!(r.json()["outcome"], "duplicate");
    assert_eq!(r.json()["id"], first["id"]);
    // An unknown card is a refused event, recorded.
    let r = api.post("/api/v1/presence/events", &k.kiosk, json!({"card": "04FFFFFF"})).await;
    assert_eq!((r.status, r.json()["status"].clone(), r.json()["reason"].clone()), (201, json!("refused"), json!("UNKNOWN_CREDENTIAL")));
    assert_eq!(api.post("/api/v1/presence/events", &k.kiosk, json!({"card": "zz"})).await.status, 400);
    assert_eq!(api.post("/api/v1/presence/events", &k.kiosk, json!({"card": "04A1B2C3", "location": "Lab"})).await.status, 403);
    assert_eq!(api.post("/api/v1/presence/events", &k.kiosk2, json!({"card": "04A1B2C3"})).await.status, 400);
    assert_eq!(api.post("/api/v1/presence/events", &k.operator, json!({"card": "04A1B2C3", "location": "Lobby"})).await.status, 403);
    // The admin names the location.
    let r = api.post("/api/v1/presence/events", &k.admin, json!({"location": "Lobby", "tag": "0011649747"})).await;
    assert_eq!(r.json()["reason"], "UNKNOWN_CREDENTIAL");

    // Who is in; reports.
    let v = api.get("/api/v1/presence/now", &k.kiosk).await.json();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["holder"], "alice");
    let v = api.get("/api/v1/presence/now?location=Lab", &k.operator).await.json();
    assert!(v.as_array().unwrap().is_empty());
    assert_eq!(api.get("/api/v1/presence/now", &k.technician).await.status, 403);
    let day = chrono_day(t);
    let r = api.get(&format!("/api/v1/presence/report?from={day}&to={day}"), &k.kiosk).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let holders = r.json()["holders"].as_array().unwrap().clone();
    let alice = holders.iter().find(|h| h["holder"] == "alice").unwrap();
    assert_eq!(alice["open_sessions"], 1, "{alice}");
    let unknown = holders.iter().find(|h| h["holder"] == "-").unwrap();
    assert_eq!(unknown["refused"], 2, "the unknown card and tag: {unknown}");
    assert_eq!(api.get("/api/v1/presence/report?from=x&to=y", &k.kiosk).await.status, 400);
    assert_eq!(api.get(&format!("/api/v1/presence/report?from={day}&to={day}"), &k.operator).await.status, 400);

    // A presence-token code at Lab, submitted by a kiosk there.
    let body = json!({"location": "Lab", "code": code_at(t), "at": t, "holder": "alice", "idempotency_key": "row-1"});
    let r = api.post("/api/v1/presence/submit", &k.kiosk2, body.clone()).await;
    assert_eq!((r.status, r.json()["status"].clone()), (201, json!("OK")), "{}", r.text);
    let r = api.post("/api/v1/presence/submit", &k.kiosk2, body).await;
    assert_eq!((r.status, r.json()["status"].clone()), (200, json!("DUPLICATE")));
    let r = api
        .post("/api/v1/presence/submit", &k.kiosk2, json!({"location": "Lab", "code": code_at(t), "at": t + 3600}))
        .await;
    assert_eq!((r.status, r.json()["status"].clone(), r.json()["reason"].clone()), (201, json!("REFUSED"), json!("TIME_MISMATCH")));
    assert_eq!(api.post("/api/v1/presence/submit", &k.kiosk, json!({"location": "Lab", "code": "1", "at": t})).await.status, 403);
    api.finish();
}

fn chrono_day(t: i64) -> String {
    tokenstation::station::time::rfc3339(t)[..10].to_string()
}

#[tokio::test]
async fn logs() {
    let api = Api::new();
    let k = &api.keys;
    let t = now();
    api.post("/api/v1/verify", &k.kiosk, json!({"serial": "T1", "code": code_at(t)})).await;
    api.post("/api/v1/verify", &k.operator, json!({"serial": "Q1", "code": "000000"})).await;
    let v = api.get("/api/v1/attempts", &k.operator).await.json();
    let a = v.as_array().unwrap();
    assert!(a.len() >= 2, "{v}");
    assert_eq!(a[0]["serial"], "Q1");
    assert!(a.iter().all(|x| x.get("code").is_none()), "codes are never stored");
    let v = api.get("/api/v1/attempts?serial=T1&limit=1", &k.operator).await.json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["location"], "Lobby");
    let r = api.get(&format!("/api/v1/attempts?from={}", t + 3600), &k.operator).await;
    assert!(r.json().as_array().unwrap().is_empty());
    assert_eq!(api.get("/api/v1/attempts?from=never", &k.operator).await.status, 400);
    assert_eq!(api.get("/api/v1/attempts", &k.technician).await.status, 403);
    assert_eq!(api.get("/api/v1/attempts", &k.kiosk).await.status, 403);

    let v = api.get("/api/v1/audit?action=key.&limit=2", &k.operator).await.json();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["action"], "key.add");
    assert_eq!(api.get("/api/v1/audit", &k.technician).await.status, 403);
    let r = api
        .post("/api/v1/keys", &k.admin, json!({"name": "ops-lab", "role": "operator", "locations": ["Lab"]}))
        .await;
    let ops_lab = r.json()["key"].as_str().unwrap().to_string();
    assert_eq!(api.get("/api/v1/audit", &ops_lab).await.status, 403);
    let v = api.get("/api/v1/attempts", &ops_lab).await.json();
    assert!(v.as_array().unwrap().iter().all(|a| a["location"] == "Lab"), "{v}");
    api.finish();
}

#[tokio::test]
async fn keys() {
    let api = Api::new();
    let k = &api.keys;
    assert_eq!(api.get("/api/v1/keys", &k.operator).await.status, 403);
    let v = api.get("/api/v1/keys", &k.admin).await.json();
    assert_eq!(v.as_array().unwrap().len(), 6);
    assert!(!api.get("/api/v1/keys", &k.admin).await.text.contains("tks_"));
    let r = api
        .post("/api/v1/keys", &k.admin, json!({"name": "door", "role": "kiosk", "locations": ["Lab"], "expires": "90d", "cidrs": ["127.0.0.0/8"]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json();
    let door = created["key"].as_str().unwrap().to_string();
    let id = created["key_id"].as_str().unwrap().to_string();
    assert!(created["expires_at"].as_i64().unwrap() > now() + 89 * 86_400);
    assert_eq!(api.get("/api/v1/presence/now", &door).await.status, 200);
    assert_eq!(api.get(&format!("/api/v1/keys/{id}"), &k.admin).await.json()["name"], "door");
    assert_eq!(api.get("/api/v1/keys/door", &k.admin).await.json()["key_id"], id.as_str());
    assert_eq!(api.get("/api/v1/keys/nope", &k.admin).await.status, 404);
    for bad in [
        json!({"name": "x", "role": "root"}),
        json!({"name": "x", "role": "kiosk"}),
        json!({"name": "x y", "role": "admin"}),
        json!({"name": "x", "role": "admin", "expires": "soon"}),
        json!({"name": "x", "role": "admin", "cidrs": ["nope"]}),
    ] {
        assert_eq!(api.post("/api/v1/keys", &k.admin, bad.clone()).await.status, 400, "{bad}");
    }
    assert_eq!(api.post("/api/v1/keys", &k.admin, json!({"name": "door", "role": "admin"})).await.status, 409);
    // rotate: the old text is refused at once, the new one works.
    let r = api.call("POST", &format!("/api/v1/keys/{id}/rotate"), Some(&k.admin), None).await;
    let new = r.json()["key"].as_str().unwrap().to_string();
    assert_ne!(new, door);
    assert_eq!(api.get("/api/v1/presence/now", &door).await.status, 401);
    assert_eq!(api.get("/api/v1/presence/now", &new).await.status, 200);
    let r = api.call("POST", "/api/v1/keys/door/suspend", Some(&k.admin), None).await;
    assert_eq!(r.json()["status"], "suspended");
    assert_eq!(api.get("/api/v1/presence/now", &new).await.status, 401);
    assert_eq!(api.call("POST", "/api/v1/keys/door/suspend", Some(&k.admin), None).await.status, 409);
    api.call("POST", "/api/v1/keys/door/resume", Some(&k.admin), None).await;
    assert_eq!(api.get("/api/v1/presence/now", &new).await.status, 200);
    let r = api.call("DELETE", "/api/v1/keys/door", Some(&k.admin), None).await;
    assert_eq!(r.json()["status"], "revoked");
    assert_eq!(api.get("/api/v1/presence/now", &new).await.status, 401);
    assert_eq!(api.call("POST", "/api/v1/keys/door/fly", Some(&k.admin), None).await.status, 404);
    // An admin limited to a location cannot manage keys (it could widen its own).
    let r = api.post("/api/v1/keys", &k.admin, json!({"name": "site-admin", "role": "admin", "locations": ["Lab"]})).await;
    let site = r.json()["key"].as_str().unwrap().to_string();
    assert_eq!(api.get("/api/v1/keys", &site).await.status, 403);
    // Every key operation is audited under the admin key.
    let audit = api.station().audit(&Default::default()).unwrap();
    let ops: Vec<&str> = audit
        .iter()
        .filter(|a| a.subject.contains(&id))
        .map(|a| a.action.as_str())
        .collect();
    assert_eq!(ops, ["key.revoke", "key.resume", "key.suspend", "key.rotate", "key.add"]);
    assert!(audit.iter().filter(|a| a.subject.contains(&id)).all(|a| a.actor.ends_with(":admin")));
    api.finish();
}
