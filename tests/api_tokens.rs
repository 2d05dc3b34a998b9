//! Tokens through the API in process: the paged list, one token, and registration (the
//! seed shown once, its export audited with the key and role), and who may do which.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::api::{Api, now};
use serde_json::json;
use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};
use tokenstation::station::views::AuditFilter;

#[tokio::test]
async fn list_and_show() {
    let api = Api::new();
    let k = &api.keys;
    let r = api.get("/api/v1/tokens?page_size=2", &k.operator).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(
        (
            v["total"].clone(),
            v["page"].clone(),
            v["page_size"].clone()
        ),
        (json!(3), json!(1), json!(2))
    );
    let serials: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials, ["T1", "T2"]);
    let v = api
        .get("/api/v1/tokens?page_size=2&page=2", &k.operator)
        .await
        .json();
    assert_eq!(v["items"][0]["serial"], "Q1");
    let v = api
        .get("/api/v1/tokens?status=active", &k.operator)
        .await
        .json();
    assert_eq!(v["total"], 2);
    let v = api
        .get("/api/v1/tokens?holder=alice", &k.operator)
        .await
        .json();
    assert_eq!(v["items"][0]["serial"], "T1");
    assert_eq!(
        api.get("/api/v1/tokens?status=lost-ish", &k.operator)
            .await
            .status,
        400
    );
    assert_eq!(
        api.get("/api/v1/tokens?page=0", &k.operator).await.status,
        400
    );
    assert_eq!(
        api.get("/api/v1/tokens?page_size=5000", &k.operator)
            .await
            .status,
        400
    );
    assert_eq!(
        api.get("/api/v1/tokens?page=x", &k.operator).await.status,
        400
    );
    // A key limited to P lists P's tokens; naming Q is out of scope.
    let v = api.get("/api/v1/tokens", &k.tech_p).await.json();
    assert_eq!(v["total"], 2);
    assert_eq!(
        api.get("/api/v1/tokens?product=Q", &k.tech_p).await.status,
        403
    );
    // A kiosk does not read tokens.
    assert_eq!(api.get("/api/v1/tokens", &k.kiosk).await.status, 403);

    let r = api.get("/api/v1/tokens/T1", &k.technician).await;
    let v = r.json();
    assert_eq!(
        (v["serial"].clone(), v["status"].clone()),
        (json!("T1"), json!("active"))
    );
    assert_eq!(v["locations"], json!(["*"]));
    assert_eq!(v["holder"], "alice");
    assert_eq!(v["failures"], 0);
    let r = api.get("/api/v1/tokens/NOPE", &k.technician).await;
    assert_eq!((r.status, r.error()), (404, "not_found".into()));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("GET /api/v1/tokens")
    );
    assert_eq!(api.get("/api/v1/tokens/Q1", &k.tech_p).await.status, 403);
    assert_eq!(
        api.get("/api/v1/tokens/T1?product=Q", &k.technician)
            .await
            .status,
        404
    );
    api.finish();
}

#[tokio::test]
async fn create_returns_the_seed_once() {
    let api = Api::new();
    let k = &api.keys;
    let r = api
        .post(
            "/api/v1/tokens",
            &k.technician,
            json!({"serial": "N1", "product": "P"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.json();
    let secret = Secret::from_base32(v["secret"].as_str().unwrap()).unwrap();
    assert_eq!(secret.len(), 20);
    assert!(
        v["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert_eq!(v["status"], "unverified");
    // The seed works: activate with its code.
    let code = OtpKey::new(Algorithm::Sha1, &secret).code_string((now() / 30) as u64, Digits::SIX);
    let r = api
        .post(
            "/api/v1/tokens/N1/activate",
            &k.technician,
            json!({"code": code}),
        )
        .await;
    assert_eq!(r.json()["status"], "OK", "{}", r.text);
    // Shown once: not in the token's detail.
    let shown = api.get("/api/v1/tokens/N1", &k.technician).await.text;
    assert!(!shown.contains(v["secret"].as_str().unwrap()));
    // The export is audited, naming the key and its role.
    let audit = api
        .station()
        .audit(&AuditFilter {
            action: Some("seed.export".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].actor.starts_with("api:") && audit[0].actor.ends_with("(role technician)"),
        "{}",
        audit[0].actor
    );
    let added = api
        .station()
        .audit(&AuditFilter {
            action: Some("token.add".into()),
            subject: Some("N1".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert!(added[0].actor.ends_with("(role technician)"));

    // A given seed, a URI, both, a bad one.
    let r = api
        .post(
            "/api/v1/tokens",
            &k.technician,
            json!({"serial": "N2", "product": "P", "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["secret"], "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    let uri = "otpauth://totp/X:N3?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=X";
    let r = api
        .post(
            "/api/v1/tokens",
            &k.technician,
            json!({"serial": "N3", "product": "P", "uri": uri}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = api
        .post(
            "/api/v1/tokens",
            &k.technician,
            json!({"serial": "N4", "product": "P", "uri": uri, "secret": "GEZDGNBV"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = api
        .post(
            "/api/v1/tokens",
            &k.technician,
            json!({"serial": "N4", "product": "P", "secret": "!!"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = api
        .post(
            "/api/v1/tokens",
            &k.technician,
            json!({"serial": "N1", "product": "P"}),
        )
        .await;
    assert_eq!((r.status, r.error()), (409, "already_exists".into()));
    let r = api
        .post(
            "/api/v1/tokens",
            &k.technician,
            json!({"serial": "N5", "product": "Nope"}),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = api
        .post(
            "/api/v1/tokens",
            &k.tech_p,
            json!({"serial": "N5", "product": "Q"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = api
        .post(
            "/api/v1/tokens",
            &k.operator,
            json!({"serial": "N5", "product": "P"}),
        )
        .await;
    assert_eq!(r.status, 403);
    api.finish();
}
