//! Authentication, rate limits and the open routes in process: one 401 answer for
//! every authentication failure, both key headers, 429 with `Retry-After` per key and
//! per client address, `/health`, and the OpenAPI document against the real answers.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::num::NonZeroU32;

use axum::body::Body;
use axum::http::Request;
use common::api::{Api, generous, now};
use serde_json::json;
use tokenstation::api::limit::Rates;
use tokenstation::model::access::Role;
use tokenstation::station::access::KeySpec;

fn with_header(name: &str, value: &str) -> Request<Body> {
    Request::get("/api/v1/tokens")
        .header(name, value)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn one_answer_for_every_authentication_failure() {
    let api = Api::new();
    let t = now();
    let (suspended, revoked, expired, elsewhere) = {
        let mut st = api.station();
        let mut add = |name: &str, cidrs: Vec<String>, expires_at: Option<i64>| {
            let spec = KeySpec {
                name: name.into(),
                role: Role::Operator,
                locations: Vec::new(),
                products: Vec::new(),
                cidrs,
                expires_at,
            };
            st.key_add(&spec, t).unwrap().key.to_string()
        };
        let s = add("s", vec![], None);
        let r = add("r", vec![], None);
        let e = add("e", vec![], Some(t - 1));
        let c = add("c", vec!["10.0.0.0/8".into()], None);
        st.key_suspend("s", t).unwrap();
        st.key_revoke("r", t).unwrap();
        (s, r, e, c)
    };
    let mut wrong = api.keys.operator.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == 'a' { 'b' } else { 'a' });
    let unknown = format!("tks_aaaaaaaaaaaaa_{}", &api.keys.operator[18..]);
    let mut answers = Vec::new();
    answers.push(
        api.send(Request::get("/api/v1/tokens").body(Body::empty()).unwrap())
            .await,
    );
    for key in [
        "",
        "hello",
        unknown.as_str(),
        &wrong,
        &suspended,
        &revoked,
        &expired,
        &elsewhere,
    ] {
        answers.push(api.send(with_header("x-api-key", key)).await);
        answers.push(
            api.send(with_header("authorization", &format!("Bearer {key}")))
                .await,
        );
    }
    answers.push(
        api.send(with_header(
            "authorization",
            &format!("Basic {}", api.keys.operator),
        ))
        .await,
    );
    for a in &answers {
        assert_eq!(a.status, 401);
        assert_eq!(a.text, answers[0].text);
    }
    assert_eq!(answers[0].json()["error"], "unauthorized");
    // The same key in each header, any case of the scheme, is accepted.
    for req in [
        with_header("x-api-key", &api.keys.operator),
        with_header("authorization", &format!("bearer {}", api.keys.operator)),
        with_header("authorization", &format!("Bearer  {} ", api.keys.operator)),
    ] {
        assert_eq!(api.send(req).await.status, 200);
    }
    api.finish();
}

#[tokio::test]
async fn rate_limits_per_key_and_per_address() {
    let n = |v| NonZeroU32::new(v).unwrap();
    let api = Api::with_rates(Rates {
        key_per_minute: n(6),
        key_burst: n(3),
        auth_failures_per_minute: n(2),
    });
    let ops = api.keys.operator.clone();
    for _ in 0..3 {
        assert_eq!(api.get("/api/v1/tokens", &ops).await.status, 200);
    }
    let r = api.get("/api/v1/tokens", &ops).await;
    assert_eq!((r.status, r.error()), (429, "rate_limited".into()));
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    // Verifications count too, and a 429 is an error, not a verdict.
    let r = api
        .post("/api/v1/verify", &ops, json!({"serial": "T1", "code": "1"}))
        .await;
    assert_eq!(r.status, 429);
    // Another key is not affected.
    assert_eq!(api.get("/api/v1/tokens", &api.keys.admin).await.status, 200);
    // Failed authentications from one address: 401, 401, then 429.
    assert_eq!(api.get("/api/v1/tokens", "nope").await.status, 401);
    assert_eq!(api.get("/api/v1/tokens", "nope").await.status, 401);
    let r = api.get("/api/v1/tokens", "nope").await;
    assert_eq!(r.status, 429);
    assert!(r.headers.contains_key("retry-after"));
    // A valid key from that address still works.
    assert_eq!(
        api.get("/api/v1/tokens", &api.keys.technician).await.status,
        200
    );
    // privacyIDEA's route answers its own shape with the same 429.
    let r = api
        .call(
            "GET",
            "/validate/check?serial=T1&pass=1",
            Some("nope"),
            None,
        )
        .await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["result"]["status"], false);
    assert!(r.headers.contains_key("retry-after"));
    api.finish();
}

#[tokio::test]
async fn health_and_openapi() {
    let api = Api::with_rates(generous());
    let r = api.call("GET", "/health", None, None).await;
    assert_eq!((r.status, r.json()["status"].clone()), (200, json!("ok")));
    let r = api.call("GET", "/openapi.json", None, None).await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/health",
        "/api/v1/verify",
        "/api/v1/tokens",
        "/api/v1/tokens/{serial}",
        "/api/v1/tokens/{serial}/{action}",
        "/api/v1/products",
        "/api/v1/products/{name}",
        "/api/v1/holders",
        "/api/v1/holders/{id}",
        "/api/v1/locations",
        "/api/v1/locations/{name}",
        "/api/v1/presence/events",
        "/api/v1/presence/submit",
        "/api/v1/presence/now",
        "/api/v1/presence/report",
        "/api/v1/attempts",
        "/api/v1/audit",
        "/api/v1/keys",
        "/api/v1/keys/{key}",
        "/api/v1/keys/{key}/{action}",
        "/validate",
        "/createuser",
        "/api.php",
        "/validate/check",
        "/validate/radiuscheck",
        "/api/v1/drift",
        "/api/v1/tokens/{serial}/drift",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert_eq!(paths.len(), 27, "{:?}", paths.keys().collect::<Vec<_>>());
    // Every documented native route answers the documented 401 without a key.
    let verify = &paths["/api/v1/verify"]["post"];
    assert!(verify["responses"]["401"].is_object());
    assert!(verify["responses"]["429"].is_object());
    assert_eq!(paths["/health"]["get"]["security"], json!([{}]));
    // The verdict schema has exactly the fields a verdict can carry.
    let props: Vec<String> = doc["components"]["schemas"]["Verdict"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let full = tokenstation::station::Verdict {
        step: Some(1),
        offset: Some(0),
        offset_unit: Some(tokenstation::station::OffsetUnit::Counter),
        drift_steps: Some(0),
        drift_capped: true,
        retry_after_ms: Some(1),
        backup_codes_left: Some(1),
        ..tokenstation::station::Verdict::new(
            tokenstation::station::Status::Ok,
            "S",
            tokenstation::station::Method::Otp,
        )
    };
    let mut fields: Vec<String> = serde_json::to_value(full)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut props_sorted = props.clone();
    props_sorted.sort();
    fields.sort();
    assert_eq!(props_sorted, fields);
    // And the error body's.
    let err: Vec<&String> = doc["components"]["schemas"]["ErrorBody"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let answer = api.call("GET", "/api/v1/tokens", None, None).await.json();
    let got: Vec<&String> = answer.as_object().unwrap().keys().collect();
    assert_eq!(err, got);
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    api.finish();
}
