//! Every life-cycle action of a token through the API in process, who may do which,
//! and the audit lines naming the key and role that did it.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::api::{Api, code_at, now, wrong_code};
use serde_json::json;
use tokenstation::station::views::AuditFilter;

#[tokio::test]
async fn life_cycle_actions() {
    let api = Api::new();
    let k = &api.keys;
    let t = now();
    // activate (technician): a verdict
    let r = api
        .post(
            "/api/v1/tokens/T2/activate",
            &k.technician,
            json!({"code": wrong_code(t, 3)}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["status"].clone()),
        (200, json!("INVALID_CODE"))
    );
    let r = api
        .post(
            "/api/v1/tokens/T2/activate",
            &k.technician,
            json!({"code": code_at(t)}),
        )
        .await;
    assert_eq!(r.json()["method"], "activate");
    assert_eq!(r.json()["status"], "OK");
    let r = api
        .post(
            "/api/v1/tokens/T2/activate",
            &k.technician,
            json!({"code": code_at(t)}),
        )
        .await;
    assert_eq!((r.status, r.error()), (409, "conflict".into()));
    let r = api
        .post("/api/v1/tokens/T2/activate", &k.technician, json!({}))
        .await;
    assert_eq!(r.status, 400);
    // disable: operator and technician; enable, lost, retire: technician.
    let r = api
        .call("POST", "/api/v1/tokens/T2/disable", Some(&k.operator), None)
        .await;
    assert_eq!(
        (r.status, r.json()["status"].clone()),
        (200, json!("disabled")),
        "{}",
        r.text
    );
    assert_eq!(
        api.call("POST", "/api/v1/tokens/T2/enable", Some(&k.operator), None)
            .await
            .status,
        403
    );
    let r = api
        .call(
            "POST",
            "/api/v1/tokens/T2/enable",
            Some(&k.technician),
            None,
        )
        .await;
    assert_eq!(r.json()["status"], "active");
    let r = api
        .call("POST", "/api/v1/tokens/T2/lost", Some(&k.technician), None)
        .await;
    assert_eq!(r.json()["status"], "lost");
    let r = api
        .call(
            "POST",
            "/api/v1/tokens/T2/retire",
            Some(&k.technician),
            None,
        )
        .await;
    assert_eq!(r.json()["status"], "retired");
    let r = api
        .call(
            "POST",
            "/api/v1/tokens/T2/enable",
            Some(&k.technician),
            None,
        )
        .await;
    assert_eq!((r.status, r.error()), (409, "conflict".into()));
    // unlock and resync: operator. (Q1 verifies only at Lab.)
    let wrong = wrong_code(t, 3);
    for _ in 0..5 {
        api.post(
            "/api/v1/verify",
            &k.operator,
            json!({"serial": "Q1", "code": wrong, "location": "Lab"}),
        )
        .await;
    }
    assert_eq!(
        api.call(
            "POST",
            "/api/v1/tokens/Q1/unlock",
            Some(&k.technician),
            None
        )
        .await
        .status,
        403
    );
    let r = api
        .call("POST", "/api/v1/tokens/Q1/unlock", Some(&k.operator), None)
        .await;
    assert_eq!(r.json(), json!({"serial": "Q1", "cleared": true}));
    let r = api
        .post(
            "/api/v1/tokens/Q1/resync",
            &k.operator,
            json!({"code1": code_at(t + 600), "code2": code_at(t + 630)}),
        )
        .await;
    assert_eq!(
        (r.json()["status"].clone(), r.json()["method"].clone()),
        (json!("OK"), json!("resync")),
        "{}",
        r.text
    );
    let r = api
        .post(
            "/api/v1/tokens/Q1/resync",
            &k.operator,
            json!({"code1": "1"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = api
        .post(
            "/api/v1/tokens/Q1/resync",
            &k.operator,
            json!({"code1": "1", "code2": "2", "at": t}),
        )
        .await;
    assert_eq!(r.status, 403, "choosing the time is admin's");
    // assign: holder, location, every location.
    let r = api
        .post(
            "/api/v1/tokens/Q1/assign",
            &k.technician,
            json!({"holder": "alice"}),
        )
        .await;
    assert_eq!(r.json()["holder"], "alice", "{}", r.text);
    let r = api
        .post(
            "/api/v1/tokens/Q1/assign",
            &k.technician,
            json!({"location": "Lobby"}),
        )
        .await;
    assert_eq!(r.json()["locations"], json!(["Lab", "Lobby"]));
    let r = api
        .post(
            "/api/v1/tokens/Q1/assign",
            &k.technician,
            json!({"all_locations": true}),
        )
        .await;
    assert_eq!(r.json()["locations"], json!(["*"]));
    let r = api
        .post(
            "/api/v1/tokens/Q1/assign",
            &k.technician,
            json!({"holder": "a", "location": "Lab"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = api
        .post(
            "/api/v1/tokens/Q1/assign",
            &k.technician,
            json!({"holder": "nobody"}),
        )
        .await;
    assert_eq!(r.status, 404);
    // backup codes: ten, shown once, and they verify.
    let r = api
        .call(
            "POST",
            "/api/v1/tokens/T1/backup-codes",
            Some(&k.technician),
            None,
        )
        .await;
    let codes = r.json()["codes"].as_array().unwrap().clone();
    assert_eq!(codes.len(), 10);
    let r = api
        .post(
            "/api/v1/verify",
            &k.operator,
            json!({"serial": "T1", "code": codes[0]}),
        )
        .await;
    assert_eq!(
        (r.json()["status"].clone(), r.json()["method"].clone()),
        (json!("OK"), json!("backup"))
    );
    // unknown action, unknown token, bad body.
    let r = api
        .call("POST", "/api/v1/tokens/T1/explode", Some(&k.admin), None)
        .await;
    assert_eq!((r.status, r.error()), (404, "not_found".into()));
    let r = api
        .call("POST", "/api/v1/tokens/NOPE/disable", Some(&k.admin), None)
        .await;
    assert_eq!(r.status, 404);
    let r = api
        .send(
            axum::http::Request::post("/api/v1/tokens/T1/activate")
                .header("authorization", format!("Bearer {}", k.admin))
                .body(axum::body::Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 400);
    // Every change above is audited under the key and role that made it.
    let audit = api.station().audit(&AuditFilter::default()).unwrap();
    let disable = audit.iter().find(|a| a.action == "token.disable").unwrap();
    assert!(
        disable.actor.ends_with("(role operator)"),
        "{}",
        disable.actor
    );
    let retire = audit.iter().find(|a| a.action == "token.retire").unwrap();
    assert!(retire.actor.ends_with("(role technician)"));
    api.finish();
}
