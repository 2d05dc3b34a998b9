//! The compatibility routes in process: Token2 TOTPRadius (`/validate` in its four
//! formats, `api_key` and `api`, `/createuser`, `/api.php?action=listusers`) and
//! privacyIDEA (`/validate/check` JSON-RPC answers and errors, `/validate/radiuscheck`).

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::body::Body;
use axum::http::Request;
use common::api::{Api, code_at, now, wrong_code};
use serde_json::json;
use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};

#[tokio::test]
async fn token2_validate() {
    let api = Api::new();
    let ops = api.keys.operator.clone();
    let t = now();
    let wrong = wrong_code(t, 3);
    let a = &api;
    let get = |q: String| async move { a.call("GET", &format!("/validate?{q}"), None, None).await };
    // format 1: JSON, userid a serial
    let r = get(format!("api_key={ops}&userid=T1&token={wrong}&format=1")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"response": "token is not valid", "userid": "T1", "validation": "false"})
    );
    // format 0 (default): PHP serialize
    let r = get(format!("api_key={ops}&userid=T1&token={wrong}")).await;
    assert_eq!(
        r.text,
        r#"a:3:{s:8:"response";s:18:"token is not valid";s:6:"userid";s:2:"T1";s:10:"validation";s:5:"false";}"#
    );
    // format 2: XML; Token2 Cloud's `api=` spelling
    let r = get(format!("api={ops}&userid=T1&token={wrong}&format=2")).await;
    assert!(
        r.text.contains("<validation>false</validation>"),
        "{}",
        r.text
    );
    assert_eq!(r.headers["content-type"], "application/xml; charset=utf-8");
    // format 3: plain true/false; userid a holder with one active token
    let r = get(format!(
        "api_key={ops}&userid=alice&token={}&format=3",
        code_at(t)
    ))
    .await;
    assert_eq!(r.text, "true");
    let r = get(format!(
        "api_key={ops}&userid=alice&token={}&format=3",
        code_at(t)
    ))
    .await;
    assert_eq!(r.text, "false", "a replay is refused");
    let r = get(format!(
        "api_key={ops}&userid=alice&token={}&format=1",
        code_at(t)
    ))
    .await;
    assert_eq!(r.json()["response"], "token was already used");
    let r = get(format!("api_key={ops}&userid=nobody&token=123456&format=1")).await;
    assert_eq!(r.json()["response"], "unknown user");
    // The key in a header works too; without a key, 401 in Token2's shape.
    let r = api
        .send(
            Request::get(format!("/validate?userid=T1&token={wrong}&format=1"))
                .header("x-api-key", &ops)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.json()["validation"], "false");
    let r = get(format!("userid=T1&token={wrong}&format=1")).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["validation"], "false");
    assert_eq!(r.json()["error"], "unauthorized");
    let r = get(format!("api_key=tks_x&userid=T1&token={wrong}&format=3")).await;
    assert_eq!((r.status, r.text.as_str()), (401, "false"));
    let r = get(format!(
        "api_key={}&userid=T1&token=1&format=1",
        api.keys.technician
    ))
    .await;
    assert_eq!(r.status, 403);
    let r = get(format!("api_key={ops}&token=1")).await;
    assert_eq!(r.status, 400, "userid is required");
    api.finish();
}

#[tokio::test]
async fn token2_createuser_and_listusers() {
    let api = Api::new();
    let tech = api.keys.technician.clone();
    let r = api
        .call(
            "GET",
            &format!("/createuser?api_key={tech}&format=1&product=P&email=a@b.c"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(
        (v["success"].clone(), v["response"].clone()),
        (json!("true"), json!("user created"))
    );
    let serial = v["userid"].as_str().unwrap().to_string();
    assert!(serial.starts_with('U') && serial.len() == 13, "{serial}");
    let secret = Secret::from_base32(v["hash"].as_str().unwrap()).unwrap();
    let png = v["hashqr"]
        .as_str()
        .unwrap()
        .strip_prefix("data:image/png;base64,")
        .unwrap();
    let png = data_encoding::BASE64.decode(png.as_bytes()).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // The new token activates with a code from its hash, then validates.
    let code =
        OtpKey::new(Algorithm::Sha1, &secret).code_string((now() / 30) as u64 - 1, Digits::SIX);
    let r = api
        .post(
            &format!("/api/v1/tokens/{serial}/activate"),
            &tech,
            json!({"code": code}),
        )
        .await;
    assert_eq!(r.json()["status"], "OK", "{}", r.text);
    // Without a product: the key's only product, else the store's only one (there are two).
    let r = api
        .call(
            "GET",
            &format!("/createuser?api_key={tech}&format=1"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.json()["success"], "false");
    let r = api
        .call(
            "GET",
            &format!("/createuser?api_key={}&format=1", api.keys.tech_p),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api
        .call(
            "GET",
            &format!("/createuser?api_key={}&format=1", api.keys.operator),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 403);

    let r = api
        .call(
            "GET",
            &format!("/api.php?api_key={}&action=listusers", api.keys.operator),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let users = r.json();
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 5);
    let t1 = users.iter().find(|u| u["userid"] == "T1").unwrap();
    assert_eq!(t1["username"], "alice");
    assert!(t1["registration"].as_str().unwrap().ends_with('Z'));
    let r = api
        .call(
            "GET",
            &format!(
                "/api.php?api_key={}&action=deletelocaluser&user=x",
                api.keys.admin
            ),
            None,
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (400, "Error: action not supported (only listusers)")
    );
    api.finish();
}

fn form(uri: &str, key: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header("x-api-key", key)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn privacyidea_check_and_radiuscheck() {
    let api = Api::new();
    let ops = api.keys.operator.clone();
    let t = now();
    let wrong = wrong_code(t, 3);
    let r = api
        .send(form(
            "/validate/check",
            &ops,
            &format!("user=alice&realm=x&pass={}", code_at(t)),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["jsonrpc"], "2.0");
    assert_eq!(
        v["result"],
        json!({"status": true, "value": true, "authentication": "ACCEPT"})
    );
    assert_eq!(
        (
            v["detail"]["message"].clone(),
            v["detail"]["serial"].clone()
        ),
        (json!("matching 1 tokens"), json!("T1"))
    );
    let r = api
        .send(form(
            "/validate/check",
            &ops,
            &format!("serial=T1&pass={}", code_at(t)),
        ))
        .await;
    let v = r.json();
    assert_eq!(
        (r.status, v["result"]["value"].clone()),
        (200, json!(false)),
        "a wrong code is also a 200"
    );
    assert_eq!(v["result"]["authentication"], "REJECT");
    assert_eq!(
        v["detail"]["message"],
        "wrong otp value. previous otp used again"
    );
    let r = api
        .call(
            "GET",
            &format!("/validate/check?serial=Q1&pass={wrong}&location=Lab"),
            Some(&ops),
            None,
        )
        .await;
    assert_eq!(r.json()["detail"]["message"], "wrong otp value");
    // Errors: privacyIDEA's shape with the native status.
    let r = api
        .send(form("/validate/check", "nope", "serial=T1&pass=1"))
        .await;
    assert_eq!(r.status, 401);
    let v = r.json();
    assert_eq!(v["result"]["status"], false);
    assert_eq!(v["result"]["error"]["code"], 4033);
    let r = api.send(form("/validate/check", &ops, "serial=T1")).await;
    assert_eq!(
        (r.status, r.json()["result"]["error"]["code"].clone()),
        (400, json!(905))
    );
    let r = api
        .send(form(
            "/validate/check",
            &api.keys.technician,
            "serial=T1&pass=1",
        ))
        .await;
    assert_eq!(
        (r.status, r.json()["result"]["error"]["code"].clone()),
        (403, json!(303))
    );

    // radiuscheck: 204 accept, 400 reject, no body.
    let next = code_at(t + 30);
    let r = api
        .send(form(
            "/validate/radiuscheck",
            &ops,
            &format!("user=alice&pass={next}"),
        ))
        .await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    let r = api
        .send(form(
            "/validate/radiuscheck",
            &ops,
            &format!("user=alice&pass={next}"),
        ))
        .await;
    assert_eq!((r.status, r.text.as_str()), (400, ""));
    let r = api
        .call(
            "GET",
            &format!(
                "/validate/radiuscheck?serial=Q1&pass={}&location=Lab",
                code_at(t)
            ),
            Some(&ops),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = api
        .send(form("/validate/radiuscheck", "nope", "user=alice&pass=1"))
        .await;
    assert_eq!(r.status, 401);
    api.finish();
}
