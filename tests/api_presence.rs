//! Presence through the API in process: kiosk events with idempotency keys (201, then
//! 200 with the stored event), presence-token submissions, who is in, reports.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::api::{Api, code_at, now};
use serde_json::json;
use tokenstation::station::presence::CredentialKey;

#[tokio::test]
async fn presence() {
    let api = Api::new();
    let k = &api.keys;
    {
        let mut st = api.station();
        st.holder_enrol(
            "alice",
            &CredentialKey::parse_card("04A1B2C3").unwrap(),
            now(),
        )
        .unwrap();
        st.location_add_presence_token("Lab", "Q1", None, now())
            .unwrap();
    }
    let t = now() - 120;
    let tap = json!({"card": "04:a1:b2:c3", "idempotency_key": "lobby-1|04A1B2C3|1", "at": t});
    let r = api
        .post("/api/v1/presence/events", &k.kiosk, tap.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let first = r.json();
    assert_eq!(
        (
            first["outcome"].clone(),
            first["direction"].clone(),
            first["holder"].clone()
        ),
        (json!("recorded"), json!("in"), json!("alice"))
    );
    let r = api.post("/api/v1/presence/events", &k.kiosk, tap).await;
    assert_eq!(r.status, 200, "a replayed key answers the stored event");
    assert_eq!(r.json()["outcome"], "duplicate");
    assert_eq!(r.json()["id"], first["id"]);
    // An unknown card is a refused event, recorded.
    let r = api
        .post(
            "/api/v1/presence/events",
            &k.kiosk,
            json!({"card": "04FFFFFF"}),
        )
        .await;
    assert_eq!(
        (
            r.status,
            r.json()["status"].clone(),
            r.json()["reason"].clone()
        ),
        (201, json!("refused"), json!("UNKNOWN_CREDENTIAL"))
    );
    assert_eq!(
        api.post("/api/v1/presence/events", &k.kiosk, json!({"card": "zz"}))
            .await
            .status,
        400
    );
    assert_eq!(
        api.post(
            "/api/v1/presence/events",
            &k.kiosk,
            json!({"card": "04A1B2C3", "location": "Lab"})
        )
        .await
        .status,
        403
    );
    assert_eq!(
        api.post(
            "/api/v1/presence/events",
            &k.kiosk2,
            json!({"card": "04A1B2C3"})
        )
        .await
        .status,
        400
    );
    assert_eq!(
        api.post(
            "/api/v1/presence/events",
            &k.operator,
            json!({"card": "04A1B2C3", "location": "Lobby"})
        )
        .await
        .status,
        403
    );
    // The admin names the location.
    let r = api
        .post(
            "/api/v1/presence/events",
            &k.admin,
            json!({"location": "Lobby", "tag": "0011649747"}),
        )
        .await;
    assert_eq!(r.json()["reason"], "UNKNOWN_CREDENTIAL");

    // Who is in; reports.
    let v = api.get("/api/v1/presence/now", &k.kiosk).await.json();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["holder"], "alice");
    let v = api
        .get("/api/v1/presence/now?location=Lab", &k.operator)
        .await
        .json();
    assert!(v.as_array().unwrap().is_empty());
    assert_eq!(
        api.get("/api/v1/presence/now", &k.technician).await.status,
        403
    );
    let day = chrono_day(t);
    let r = api
        .get(
            &format!("/api/v1/presence/report?from={day}&to={day}"),
            &k.kiosk,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let holders = r.json()["holders"].as_array().unwrap().clone();
    let alice = holders.iter().find(|h| h["holder"] == "alice").unwrap();
    assert_eq!(alice["open_sessions"], 1, "{alice}");
    let unknown = holders.iter().find(|h| h["holder"].is_null()).unwrap();
    assert_eq!(unknown["refused"], 2, "the unknown card and tag: {unknown}");
    assert_eq!(
        api.get("/api/v1/presence/report?from=x&to=y", &k.kiosk)
            .await
            .status,
        400
    );
    assert_eq!(
        api.get(
            &format!("/api/v1/presence/report?from={day}&to={day}"),
            &k.operator
        )
        .await
        .status,
        400
    );

    // A presence-token code at Lab, submitted by a kiosk there.
    let body = json!({"location": "Lab", "code": code_at(t), "at": t, "holder": "alice", "idempotency_key": "row-1"});
    let r = api
        .post("/api/v1/presence/submit", &k.kiosk2, body.clone())
        .await;
    assert_eq!(
        (r.status, r.json()["status"].clone()),
        (201, json!("OK")),
        "{}",
        r.text
    );
    let r = api.post("/api/v1/presence/submit", &k.kiosk2, body).await;
    assert_eq!(
        (r.status, r.json()["status"].clone()),
        (200, json!("DUPLICATE"))
    );
    let r = api
        .post(
            "/api/v1/presence/submit",
            &k.kiosk2,
            json!({"location": "Lab", "code": code_at(t), "at": t + 3600}),
        )
        .await;
    assert_eq!(
        (
            r.status,
            r.json()["status"].clone(),
            r.json()["reason"].clone()
        ),
        (201, json!("REFUSED"), json!("TIME_MISMATCH"))
    );
    assert_eq!(
        api.post(
            "/api/v1/presence/submit",
            &k.kiosk,
            json!({"location": "Lab", "code": "1", "at": t})
        )
        .await
        .status,
        403
    );
    api.finish();
}

fn chrono_day(t: i64) -> String {
    tokenstation::station::time::rfc3339(t)[..10].to_string()
}
