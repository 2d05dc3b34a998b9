//! `tokenstation key …` through the binary: the key printed once, the table, the life
//! cycle, refusals with their exit codes, and the audit lines.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::Station;

fn setup() -> Station {
    let s = Station::new();
    s.ok(&["location", "add", "Lobby"]);
    s.ok(&["product", "add", "P"]);
    s
}

#[test]
fn add_list_show_and_life_cycle() {
    let s = setup();
    let out = s.ok(&[
        "key",
        "add",
        "door",
        "--role",
        "kiosk",
        "--location",
        "Lobby",
        "--expires",
        "90d",
        "--cidr",
        "10.1.0.0/16",
    ]);
    assert!(out.contains("kiosk, active"), "{out}");
    assert!(out.contains("shown only now"), "{out}");
    let key = out.lines().last().unwrap().trim().to_string();
    assert!(
        key.starts_with("tks_") && key.len() == 4 + 13 + 1 + 52,
        "{key}"
    );
    let v = s.json(&[
        "key",
        "add",
        "web-shop",
        "--role",
        "operator",
        "--product",
        "P",
    ]);
    let id = v["key_id"].as_str().unwrap().to_string();
    assert!(
        v["key"]
            .as_str()
            .unwrap()
            .starts_with(&format!("tks_{id}_"))
    );
    assert_eq!(v["products"], serde_json::json!(["P"]));
    assert!(v.get("secret_hash").is_none());

    let list = s.ok(&["key", "list"]);
    assert!(list.starts_with("KEY_ID"), "{list}");
    assert!(
        list.contains("door") && list.contains("Lobby") && list.contains("10.1.0.0/16"),
        "{list}"
    );
    assert!(!list.contains("tks_"), "keys are never shown again");
    let shown = s.ok(&["key", "show", "web-shop"]);
    assert!(
        shown.contains(&format!("key {id} (web-shop): operator, active")),
        "{shown}"
    );
    assert!(shown.contains("products:  P"), "{shown}");
    let v = s.json(&["key", "show", &id]);
    assert_eq!(v["name"], "web-shop");

    let rotated = s.json(&["key", "rotate", "web-shop"]);
    assert_ne!(rotated["key"], v["key"]);
    assert_eq!(
        s.json(&["key", "suspend", "web-shop"])["status"],
        "suspended"
    );
    assert!(s.ok(&["key", "resume", &id]).contains("is now active"));
    assert!(
        s.ok(&["key", "revoke", "web-shop"])
            .contains("is now revoked")
    );
    let (_, err) = s.fails(&["key", "resume", &id], 2);
    assert!(err.contains("is revoked: it cannot become active"), "{err}");

    let audit = s.json(&["audit", "list", "--action", "key."]);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "key.add",
            "key.add",
            "key.rotate",
            "key.suspend",
            "key.resume",
            "key.revoke"
        ]
    );
    // Key commands are recorded as the operating-system user who ran them.
    let me = common::os_user_name();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["actor"] == me.as_str()),
        "{audit}"
    );
    assert!(!audit.to_string().contains(key.rsplit('_').next().unwrap()));
}

#[test]
fn refusals() {
    let s = setup();
    let (_, err) = s.fails(&["key", "add", "k", "--role", "kiosk"], 2);
    assert!(
        err.contains("a kiosk key needs at least one location"),
        "{err}"
    );
    let (_, err) = s.fails(&["key", "add", "k", "--role", "root"], 2);
    assert!(err.contains("unknown role 'root'"), "{err}");
    let (_, err) = s.fails(
        &["key", "add", "k", "--role", "admin", "--expires", "soon"],
        2,
    );
    assert!(err.contains("not a duration"), "{err}");
    let (_, err) = s.fails(
        &[
            "key",
            "add",
            "k",
            "--role",
            "admin",
            "--cidr",
            "10.0.0.0/99",
        ],
        2,
    );
    assert!(err.contains("CIDR"), "{err}");
    let (_, err) = s.fails(
        &["key", "add", "k", "--role", "kiosk", "--location", "Mars"],
        2,
    );
    assert!(err.contains("location 'Mars' not found"), "{err}");
    let (_, err) = s.fails(&["key", "add", "a b", "--role", "admin"], 2);
    assert!(err.contains("key name 'a b'"), "{err}");
    let (_, err) = s.fails(&["key", "show", "nope"], 2);
    assert!(
        err.contains("API key 'nope' not found (see `tokenstation key list`)"),
        "{err}"
    );
    s.ok(&["key", "add", "k", "--role", "admin"]);
    let (_, err) = s.fails(&["key", "add", "k", "--role", "admin"], 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(s.json(&["key", "list"]).as_array().unwrap().len(), 1);
}
