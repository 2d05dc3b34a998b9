//! Issue 12 through the binary: the first hour of a new user. Serials in several
//! products, codes for scripts and for people, and the terminal-only decorations.

#![allow(clippy::unwrap_used)]

mod common;

use common::{RFC_SEED_B32, Station};

/// Runs `tokenstation --db <tmp> ARGS` inside a pseudo-terminal (`script`), so that
/// standard output is a terminal; returns what it printed.
fn on_terminal(s: &Station, args: &[&str]) -> String {
    let bin = env!("CARGO_BIN_EXE_tokenstation");
    let mut line = format!("'{bin}' --db '{}'", s.db().display());
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_remove("TOKENSTATION_DB")
        .env_remove("TOKENSTATION_KEY_FILE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().replace('\r', "")
}

/// Two products holding one serial `X`; under `A` it has the RFC 6238 seed.
fn two_products() -> Station {
    let s = Station::new();
    s.ok(&["product", "add", "A"]);
    s.ok(&["product", "add", "B"]);
    s.ok(&[
        "token",
        "add",
        "X",
        "--product",
        "A",
        "--secret",
        RFC_SEED_B32,
    ]);
    s.ok(&["token", "add", "X", "--product", "B", "--generate"]);
    s
}

#[test]
fn a_serial_in_two_products_is_named_with_product_everywhere() {
    let s = two_products();
    // RFC 6238: 287082 at T=59 (6 digits).
    for args in [
        &["verify", "X", "287082", "--at", "59"][..],
        &["token", "activate", "X", "287082", "--at", "59"],
        &["token", "resync", "X", "287082", "359152", "--at", "59"],
        &["token", "show", "X"],
        &["token", "disable", "X"],
        &["token", "code", "X"],
    ] {
        let (_, err) = s.fails(args, 2);
        assert!(
            err.contains("exists in several products (A, B)") && err.contains("--product"),
            "{args:?}: {err}"
        );
    }
    let v = s.json(&[
        "token",
        "activate",
        "X",
        "287082",
        "--at",
        "59",
        "--product",
        "A",
    ]);
    assert_eq!(v["status"], "OK", "{v}");
    // RFC 6238 at T=1111111109: 081804 (6 digits of 07081804).
    let v = s.json(&[
        "verify",
        "X",
        "081804",
        "--at",
        "1111111109",
        "--product",
        "A",
    ]);
    assert_eq!(v["status"], "OK", "{v}");
    // An unknown serial stays a verdict.
    let (out, _) = s.fails(&["verify", "NOPE", "123456"], 1);
    assert!(out.starts_with("UNKNOWN_TOKEN"), "{out}");
}

#[test]
fn token_code_is_bare_for_scripts_and_decorated_for_people() {
    let s = two_products();
    // Not a terminal: only the code, so `$(tokenstation token code X)` works.
    let out = s.ok(&["token", "code", "X", "--product", "A", "--at", "59"]);
    assert_eq!(out, "287082\n");
    let script = format!(
        "set -e; t='{}'; d='{}'; c=$(\"$t\" --db \"$d\" token code X --product A); \"$t\" --db \"$d\" token activate X --product A \"$c\"",
        env!("CARGO_BIN_EXE_tokenstation"),
        s.db().display()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .env_remove("TOKENSTATION_DB")
        .env_remove("TOKENSTATION_KEY_FILE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("OK X"));

    // A terminal: the step, and the seconds left only for the code of now.
    let now = on_terminal(&s, &["token", "code", "X", "--product", "B"]);
    assert!(now.contains("s left)"), "{now}");
    let past = on_terminal(&s, &["token", "code", "X", "--product", "A", "--at", "59"]);
    assert_eq!(past.trim(), "287082  (step 1)");
    let quiet = on_terminal(
        &s,
        &["token", "code", "X", "--product", "A", "-q", "--at", "59"],
    );
    assert_eq!(quiet.trim(), "287082");
}
