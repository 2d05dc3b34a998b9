//! Products, holders and locations through the API in process, with the roles and
//! scopes of each.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::api::Api;
use serde_json::json;

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
    assert_eq!(
        api.get("/api/v1/products/P", &k.tech_p).await.json()["tokens"],
        2
    );
    assert_eq!(
        api.get("/api/v1/products/Nope", &k.operator).await.status,
        404
    );
    assert_eq!(api.get("/api/v1/products", &k.kiosk).await.status, 403);
    let r = api
        .post(
            "/api/v1/products",
            &k.technician,
            json!({"name": "H", "kind": "hotp", "digits": 8}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (
            r.json()["kind"].clone(),
            r.json()["digits"].clone(),
            r.json()["skew"].clone()
        ),
        (json!("hotp"), json!(8), json!(10))
    );
    assert_eq!(
        api.post("/api/v1/products", &k.technician, json!({"name": "H"}))
            .await
            .status,
        409
    );
    assert_eq!(
        api.post(
            "/api/v1/products",
            &k.technician,
            json!({"name": "X", "digits": 3})
        )
        .await
        .status,
        400
    );
    assert_eq!(
        api.post(
            "/api/v1/products",
            &k.technician,
            json!({"name": "X", "kind": "motp"})
        )
        .await
        .status,
        400
    );
    assert_eq!(
        api.post("/api/v1/products", &k.tech_p, json!({"name": "X"}))
            .await
            .status,
        403
    );
    assert_eq!(
        api.post("/api/v1/products", &k.operator, json!({"name": "X"}))
            .await
            .status,
        403
    );

    let v = api.get("/api/v1/holders", &k.operator).await.json();
    assert_eq!(v["items"][0]["ext_id"], "alice");
    let v = api.get("/api/v1/holders/alice", &k.operator).await.json();
    assert_eq!(v["tokens"], json!(["T1"]));
    assert_eq!(
        api.get("/api/v1/holders/bob", &k.operator).await.status,
        404
    );
    let r = api
        .post(
            "/api/v1/holders",
            &k.technician,
            json!({"id": "bob", "label": "Bob"}),
        )
        .await;
    assert_eq!((r.status, r.json()["label"].clone()), (201, json!("Bob")));
    assert_eq!(
        api.post("/api/v1/holders", &k.technician, json!({"id": "bob"}))
            .await
            .status,
        409
    );
    assert_eq!(
        api.post("/api/v1/holders", &k.technician, json!({"id": ""}))
            .await
            .status,
        400
    );
    assert_eq!(
        api.post("/api/v1/holders", &k.operator, json!({"id": "carol"}))
            .await
            .status,
        403
    );
    let v = api
        .get("/api/v1/holders?page=2&page_size=1", &k.operator)
        .await
        .json();
    assert_eq!(
        (v["total"].clone(), v["items"][0]["ext_id"].clone()),
        (json!(2), json!("bob"))
    );

    let v = api.get("/api/v1/locations", &k.operator).await.json();
    assert_eq!(v["total"], 2);
    let r = api
        .post(
            "/api/v1/keys",
            &k.admin,
            json!({"name": "ops-lab", "role": "operator", "locations": ["Lab"]}),
        )
        .await;
    let ops_lab = r.json()["key"].as_str().unwrap().to_string();
    let v = api.get("/api/v1/locations", &ops_lab).await.json();
    assert_eq!(
        (v["total"].clone(), v["items"][0]["name"].clone()),
        (json!(1), json!("Lab"))
    );
    assert_eq!(
        api.get("/api/v1/locations/Lobby", &ops_lab).await.status,
        403
    );
    let v = api.get("/api/v1/locations/Lab", &ops_lab).await.json();
    // Q1 is assigned to Lab, T1 to every location.
    assert_eq!(v["tokens"], json!(["T1", "Q1"]));
    assert_eq!(
        api.post("/api/v1/locations", &k.technician, json!({"name": "Dock"}))
            .await
            .status,
        403
    );
    let r = api
        .post(
            "/api/v1/locations",
            &k.admin,
            json!({"name": "Dock", "tz": "Europe/Paris"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["tz"].clone()),
        (201, json!("Europe/Paris"))
    );
    assert_eq!(
        api.post(
            "/api/v1/locations",
            &k.admin,
            json!({"name": "Moon", "tz": "Mars/Base"})
        )
        .await
        .status,
        400
    );
    api.finish();
}
