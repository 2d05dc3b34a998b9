//! Issue 12: every command that takes a serial takes `--product` and says "exists in
//! several products" when the serial is ambiguous — also `holder enrol --token`, the
//! exports, drift, burn --from-store, presence tokens, and `attempt list`; a kiosk
//! verifies a typed `SERIAL CODE` against the token enrolled for it. Through the
//! binary.

#![allow(clippy::unwrap_used)]

mod common;

use common::{RFC_SEED_B32, Station};

/// Products A (TOTP) and B (TOTP), each with a token `X`; A's has the RFC seed.
fn two_products() -> Station {
    let s = Station::new();
    s.ok(&["product", "add", "A"]);
    s.ok(&["product", "add", "B"]);
    s.ok_secret(&["token", "add", "X", "--product", "A"], RFC_SEED_B32);
    s.ok(&["token", "add", "X", "--product", "B", "--generate"]);
    s.ok(&["holder", "add", "h1"]);
    s.ok(&["location", "add", "L"]);
    s
}

fn ambiguous(s: &Station, args: &[&str]) {
    let (_, err) = s.fails(args, 2);
    assert!(
        err.contains("exists in several products (A, B)") && err.contains("--product"),
        "{args:?}: {err}"
    );
}

#[test]
fn every_serial_command_names_the_ambiguity_and_takes_product() {
    let s = two_products();
    let pskc = s.dir.path().join("x.pskcxml");
    let pskc = pskc.to_str().unwrap();
    for args in [
        &["holder", "enrol", "h1", "--token", "X"][..],
        &["export", "uri", "X", "--insecure-plaintext"],
        &["export", "pskc", pskc, "X", "--insecure-plaintext"],
        &["token", "qr", "X"],
        &["token", "unassign", "X", "--holder"],
        &["token", "rename", "X", "Y"],
        &["token", "rm", "X"],
        &["token", "backup-codes", "X"],
        &["token", "unlock", "X"],
        &["location", "add-presence-token", "L", "--serial", "X"],
        &["drift", "show", "X"],
        &["drift", "fix", "X", "--reader", "pcsc:none"],
        &["burn", "--from-store", "X", "--reader", "pcsc:none"],
    ] {
        ambiguous(&s, args);
    }
    // With --product each goes ahead (those that need no hardware).
    let out = s.ok(&["holder", "enrol", "h1", "--token", "X", "--product", "A"]);
    assert!(out.contains("enrolled token X"), "{out}");
    let out = s.ok(&[
        "export",
        "uri",
        "X",
        "--product",
        "A",
        "--insecure-plaintext",
    ]);
    assert!(out.starts_with("otpauth://totp/A:X?"), "{out}");
    // --product belongs to --token.
    s.fails(
        &[
            "holder",
            "enrol",
            "h1",
            "--tag",
            "0011649747",
            "--product",
            "A",
        ],
        2,
    );
}

#[test]
fn kiosk_and_attempts_follow_the_enrolled_token() {
    let s = two_products();
    s.ok(&["holder", "enrol", "h1", "--token", "X", "--product", "A"]);
    s.ok(&["token", "assign", "X", "--product", "A", "--all-locations"]);
    s.ok(&["location", "mode", "L", "code"]);
    s.ok(&[
        "token",
        "activate",
        "X",
        "--product",
        "A",
        "287082",
        "--at",
        "59",
    ]);
    // The kiosk's typed `X CODE` is checked against A's X, the enrolled one.
    let code = s.ok(&["token", "code", "X", "--product", "A"]);
    let out = s
        .cmd(&["kiosk", "--location", "L"])
        .write_stdin(format!("X {}", code.trim()))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("OK #1 IN  h1 at L"), "{text}{out:?}");
    // attempt list --serial X lists both products' X; --product narrows to one token.
    s.fails(&["verify", "X", "--product", "B", "000000"], 1);
    let all = s.json(&["attempt", "list", "--serial", "X"]);
    let a = s.json(&["attempt", "list", "--serial", "X", "--product", "A"]);
    let b = s.json(&["attempt", "list", "--serial", "X", "--product", "B"]);
    let (all, a, b) = (
        all.as_array().unwrap(),
        a.as_array().unwrap(),
        b.as_array().unwrap(),
    );
    assert_eq!(all.len(), a.len() + b.len(), "{all:?}");
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(
        b[0]["status"], "NOT_ACTIVATED",
        "B's X was never activated: {b:?}"
    );
    assert!(a.iter().all(|x| x["status"] == "OK"), "{a:?}");
    s.fails(&["attempt", "list", "--product", "A"], 2);
}
