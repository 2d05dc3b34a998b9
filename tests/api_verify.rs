//! `POST /api/v1/verify` in process: every verdict is a 200 identical to
//! `tokenstation --json verify`, the formats, the roles and scopes, and the errors.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::body::Body;
use axum::http::Request;
use common::api::{Api, code_at, now, wrong_code};
use serde_json::json;
use tokenstation::station::default_key_file;

#[tokio::test]
async fn every_verdict_is_200() {
    let api = Api::new();
    let ops = api.keys.operator.clone();
    let t = now();
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "T1", "code": code_at(t)}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "OK");
    assert_eq!(r.headers["content-type"], "application/json");
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "T1", "code": code_at(t)}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["status"].clone()),
        (200, json!("REPLAYED"))
    );
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "T2", "code": code_at(t)}),
        )
        .await;
    assert_eq!(r.json()["status"], "NOT_ACTIVATED");
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "NOPE", "code": "123456"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["status"].clone()),
        (200, json!("UNKNOWN_TOKEN"))
    );
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "Q1", "code": code_at(t), "location": "Lobby"}),
        )
        .await;
    assert_eq!(r.json()["status"], "WRONG_LOCATION");
    let wrong = wrong_code(t, 3);
    for _ in 0..5 {
        let r = api
            .post(
                "/api/v1/verify",
                &ops,
                json!({"serial": "Q1", "code": wrong, "location": "Lab"}),
            )
            .await;
        assert_eq!(r.json()["status"], "INVALID_CODE");
    }
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "Q1", "code": code_at(t)}),
        )
        .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["status"], "LIMIT_REACHED");
    assert!(v["retry_after_ms"].as_u64().unwrap() > 800_000, "{v}");
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "T1", "code": code_at(t), "product": "Q"}),
        )
        .await;
    assert_eq!(r.json()["status"], "UNKNOWN_TOKEN");
    api.finish();
}

/// The CLI's verdict on a copy of the store, for the same serial, code and time: its
/// JSON text with the layout's whitespace removed.
fn cli_verdict(
    db: &std::path::Path,
    serial: &str,
    code: &str,
    at: i64,
    location: Option<&str>,
) -> String {
    let mut c = assert_cmd::Command::cargo_bin("tokenstation").unwrap();
    c.env_remove("TOKENSTATION_DB")
        .env_remove("TOKENSTATION_KEY_FILE")
        .env_remove("TOKENSTATION_PASSPHRASE")
        .args(["--json", "--db"])
        .arg(db)
        .args(["verify", serial, code, "--at", &at.to_string()]);
    if let Some(l) = location {
        c.args(["--location", l]);
    }
    let out = c.output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test]
async fn verdicts_are_the_clis() {
    let api = Api::new();
    // A copy of the store for the CLI, made while no write is pending: the main file
    // and its write-ahead log are then the whole store.
    let copy = tempfile::tempdir().unwrap();
    let copy_db = copy.path().join("s.db");
    std::fs::copy(&api.db, &copy_db).unwrap();
    let wal = api.db.with_extension("db-wal");
    if wal.exists() {
        std::fs::copy(&wal, copy_db.with_extension("db-wal")).unwrap();
    }
    std::fs::copy(default_key_file(&api.db), default_key_file(&copy_db)).unwrap();
    let admin = api.keys.admin.clone();
    let t = now();
    let cases: Vec<(&str, String, i64, Option<&str>)> = vec![
        ("T1", code_at(t + 30), t, None),
        ("T1", code_at(t + 30), t, None),
        ("T1", wrong_code(t, 3), t, None),
        ("Q1", code_at(t), t, Some("Lobby")),
        ("T2", code_at(t), t, None),
        ("NOPE", "000000".into(), t, None),
        ("Q1", code_at(t - 30), t, Some("Lab")),
    ];
    for (serial, code, at, location) in cases {
        let body = json!({"serial": serial, "code": code, "at": at, "location": location});
        let r = api.post("/api/v1/verify", &admin, body).await;
        assert_eq!(r.status, 200, "{}", r.text);
        // The same fields, values and order as the CLI prints them.
        let cli = cli_verdict(&copy_db, serial, &code, at, location);
        assert_eq!(r.text, cli, "{serial} {code} at {at}");
    }
    api.finish();
}

#[tokio::test]
async fn formats() {
    let api = Api::new();
    let ops = api.keys.operator.clone();
    let req = |accept: &str, uri: &str| {
        Request::post(uri)
            .header("authorization", format!("Bearer {ops}"))
            .header("content-type", "application/json")
            .header("accept", accept)
            .body(Body::from(
                json!({"serial": "NOPE", "code": "123456"}).to_string(),
            ))
            .unwrap()
    };
    let r = api.send(req("application/xml", "/api/v1/verify")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/xml; charset=utf-8");
    assert!(
        r.text.contains("<status>UNKNOWN_TOKEN</status>"),
        "{}",
        r.text
    );
    assert!(r.text.starts_with("<?xml version=\"1.0\""));
    let r = api.send(req("text/plain", "/api/v1/verify")).await;
    assert_eq!((r.status, r.text.as_str()), (200, "UNKNOWN_TOKEN\n"));
    let r = api
        .send(req("application/json", "/api/v1/verify?format=xml"))
        .await;
    assert!(r.text.contains("<serial>NOPE</serial>"));
    let r = api
        .send(req("text/plain", "/api/v1/verify?format=text"))
        .await;
    assert_eq!(r.text, "UNKNOWN_TOKEN\n");
    // Errors in each format.
    let bad = |accept: &str| {
        Request::post("/api/v1/verify")
            .header("accept", accept)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap()
    };
    let r = api.send(bad("text/plain")).await;
    assert_eq!(r.status, 400);
    let r = api
        .send(
            Request::post("/api/v1/verify")
                .header("accept", "text/plain")
                .header("content-type", "application/json")
                .body(Body::from(json!({"serial": "T1", "code": "1"}).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!((r.status, r.text.as_str()), (401, "unauthorized\n"));
    let r = api
        .send(
            Request::post("/api/v1/verify")
                .header("accept", "application/xml")
                .header("content-type", "application/json")
                .body(Body::from(json!({"serial": "T1", "code": "1"}).to_string()))
                .unwrap(),
        )
        .await;
    assert!(r.text.contains("<error>unauthorized</error>"), "{}", r.text);
    api.finish();
}

#[tokio::test]
async fn roles_and_scopes() {
    let api = Api::new();
    let k = &api.keys;
    let t = now();
    // A kiosk with one location verifies there without naming it.
    let r = api
        .post(
            "/api/v1/verify",
            &k.kiosk,
            json!({"serial": "T1", "code": code_at(t)}),
        )
        .await;
    assert_eq!(r.json()["status"], "OK", "{}", r.text);
    let attempts = api.station().attempts(&Default::default()).unwrap();
    assert_eq!(attempts[0].location.as_deref(), Some("Lobby"));
    // Q1 verifies at Lab only: the kiosk at Lobby gets the verdict, not an error.
    let r = api
        .post(
            "/api/v1/verify",
            &k.kiosk,
            json!({"serial": "Q1", "code": code_at(t)}),
        )
        .await;
    assert_eq!(r.json()["status"], "WRONG_LOCATION");
    // Outside its scope: 403.
    let r = api
        .post(
            "/api/v1/verify",
            &k.kiosk,
            json!({"serial": "Q1", "code": code_at(t), "location": "Lab"}),
        )
        .await;
    assert_eq!((r.status, r.error()), (403, "forbidden".into()));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("limited to locations")
    );
    // Several locations: name one.
    let r = api
        .post(
            "/api/v1/verify",
            &k.kiosk2,
            json!({"serial": "Q1", "code": code_at(t)}),
        )
        .await;
    assert_eq!((r.status, r.error()), (400, "invalid_request".into()));
    let r = api
        .post(
            "/api/v1/verify",
            &k.kiosk2,
            json!({"serial": "Q1", "code": code_at(t), "location": "Lab"}),
        )
        .await;
    assert_eq!(r.json()["status"], "OK", "{}", r.text);
    // Choosing the time or skipping the record: admin only.
    for extra in [json!({"at": t}), json!({"record": false})] {
        let mut body = json!({"serial": "T1", "code": code_at(t)});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let r = api.post("/api/v1/verify", &k.operator, body.clone()).await;
        assert_eq!(r.status, 403, "{body}");
        let r = api.post("/api/v1/verify", &k.admin, body.clone()).await;
        assert_eq!(r.status, 200, "{body}");
    }
    // A dry run counts no failure.
    let wrong = wrong_code(t, 3);
    let r = api
        .post(
            "/api/v1/verify",
            &k.admin,
            json!({"serial": "T1", "code": wrong, "record": false}),
        )
        .await;
    assert_eq!(r.json()["status"], "INVALID_CODE");
    assert_eq!(api.station().token_detail("T1", None).unwrap().failures, 0);
    // Technicians do not verify.
    let r = api
        .post(
            "/api/v1/verify",
            &k.technician,
            json!({"serial": "T1", "code": "1"}),
        )
        .await;
    assert_eq!(r.status, 403);
    // A key limited to a product verifies only its tokens.
    let r = api
        .post(
            "/api/v1/keys",
            &k.admin,
            json!({"name": "ops-q", "role": "operator", "products": ["Q"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ops_q = r.json()["key"].as_str().unwrap().to_string();
    let r = api
        .post(
            "/api/v1/verify",
            &ops_q,
            json!({"serial": "T1", "code": "123456"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = api
        .post(
            "/api/v1/verify",
            &ops_q,
            json!({"serial": "Q1", "code": wrong, "location": "Lab"}),
        )
        .await;
    assert_eq!(r.json()["status"], "INVALID_CODE");
    api.finish();
}

#[tokio::test]
async fn request_errors() {
    let api = Api::new();
    let ops = api.keys.operator.clone();
    let r = api.call("POST", "/api/v1/verify", Some(&ops), None).await;
    assert_eq!((r.status, r.error()), (400, "invalid_request".into()));
    let r = api
        .post("/api/v1/verify", &ops, json!({"serial": "T1"}))
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["message"].as_str().unwrap().contains("code"),
        "{}",
        r.text
    );
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "T1", "code": "1", "bogus": 1}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = api
        .post(
            "/api/v1/verify",
            &api.keys.admin,
            json!({"serial": "T1", "code": "1", "at": "yesterday"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap().contains("RFC 3339"));
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "T1", "code": "1", "location": "Mars"}),
        )
        .await;
    assert_eq!((r.status, r.error()), (404, "not_found".into()));
    let r = api.call("GET", "/api/v1/verify", Some(&ops), None).await;
    assert_eq!((r.status, r.error()), (405, "method_not_allowed".into()));
    let r = api.call("GET", "/api/v1/nothing", Some(&ops), None).await;
    assert_eq!((r.status, r.error()), (404, "not_found".into()));
    api.finish();
}

#[tokio::test]
async fn per_source_delay_by_end_user() {
    let api = Api::new();
    let mut st = api.station();
    st.policy_set("limit.source_free_failures", "3", now())
        .unwrap();
    // A wait long enough that a slow machine cannot outlast it between two requests.
    st.policy_set("limit.source_delay_s", "60", now()).unwrap();
    drop(st);
    let ops = api.keys.operator.clone();
    let t = now();
    let wrong = wrong_code(t, 3);
    let ask = |client: Option<&str>, serial: &str| {
        let mut body = json!({"serial": serial, "code": wrong, "location": "Lobby"});
        if let Some(c) = client {
            body["client"] = json!(c);
        }
        body
    };
    // One end user guesses: 3 failures are free, the 4th starts a wait...
    let mut seen = Vec::new();
    for serial in ["NOPE1", "NOPE2", "NOPE3", "NOPE4", "NOPE5"] {
        let r = api
            .post("/api/v1/verify", &ops, ask(Some("198.51.100.7"), serial))
            .await;
        seen.push(r.json()["status"].as_str().unwrap().to_string());
    }
    assert_eq!(
        seen,
        [
            "UNKNOWN_TOKEN",
            "UNKNOWN_TOKEN",
            "UNKNOWN_TOKEN",
            "UNKNOWN_TOKEN",
            "LIMIT_REACHED"
        ]
    );
    // ...while another user of the same application is not slowed,
    let r = api
        .post("/api/v1/verify", &ops, ask(Some("198.51.100.8"), "T1"))
        .await;
    assert_eq!(r.json()["status"], "INVALID_CODE");
    // nor is the key itself when it names no end user.
    let r = api.post("/api/v1/verify", &ops, ask(None, "T1")).await;
    assert_eq!(r.json()["status"], "INVALID_CODE");
    // The attempt log names the source.
    let v = api.get("/api/v1/attempts?limit=1", &ops).await.json();
    assert!(
        v[0]["source"].as_str().unwrap().starts_with("api-key:"),
        "{v}"
    );
    // A client name with control characters is bad input.
    let r = api
        .post("/api/v1/verify", &ops, ask(Some("a\u{7}b"), "T1"))
        .await;
    assert_eq!(r.status, 400);
    api.finish();
}

#[tokio::test]
async fn a_token_leased_to_another_station_is_refused_naming_the_lease_holder() {
    let api = Api::new();
    let ops = api.keys.operator.clone();
    let t = now();
    api.station()
        .token_lease("T1", None, Some("door-7"), t)
        .unwrap();
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "T1", "code": code_at(t)}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(
        r.text
            .contains("token T1 is leased to station 'door-7': it verifies only there"),
        "{}",
        r.text
    );
    api.station().token_lease("T1", None, None, t).unwrap();
    let r = api
        .post(
            "/api/v1/verify",
            &ops,
            json!({"serial": "T1", "code": code_at(t)}),
        )
        .await;
    assert_eq!(r.json()["status"], "OK", "{}", r.text);
    api.finish();
}
