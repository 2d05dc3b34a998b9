//! What the store refuses: every command that writes needs the store's own master key
//! (another store's key, a truncated key, no key file: refused, nothing written), a
//! key file others can read is refused with the `chmod 600` to run, the audit actor
//! is the process's user whatever `$USER` says, and options that take negative numbers
//! take them.
#![allow(clippy::unwrap_used, clippy::mod_module_files)]

mod common;

use common::{Station, dump, os_user_name};

/// The corpus's store (products P and H, holder h1, location Lobby, token T with the
/// RFC seed) with a product Z and T active at all locations.
fn station() -> Station {
    let s = common::corpus::station();
    s.ok(&["product", "add", "Z"]);
    s.ok(&["token", "assign", "T", "--all-locations"]);
    let code = s.json(&["token", "code", "T", "--at", "1111111109"])["code"]
        .as_str()
        .unwrap()
        .to_string();
    s.ok(&["token", "activate", "T", &code, "--at", "1111111109"]);
    s
}

/// Every command that writes, with arguments that would succeed under the right key.
const WRITES: &[&[&str]] = &[
    &["token", "rm", "T", "--force"],
    &["token", "rename", "T", "T2"],
    &["token", "disable", "T"],
    &["token", "lost", "T"],
    &["token", "retire", "T"],
    &["token", "unlock", "T"],
    &["token", "assign", "T", "--holder", "h1"],
    &["token", "assign", "T", "--location", "Lobby"],
    &["token", "add", "N", "--product", "P", "--generate"],
    &["token", "backup-codes", "T"],
    &["token", "resync", "T", "755224", "287082"],
    &["verify", "T", "123456"],
    &["product", "add", "Q"],
    &["product", "edit", "P", "--vendor", "V"],
    &["product", "rm", "Z"],
    &["holder", "add", "h2"],
    &["holder", "enrol", "h1", "--card", "04A1B2C3"],
    &["location", "add", "Lab"],
    &["location", "restrict", "Lobby", "--product", "P"],
    &["location", "unlock", "Lobby"],
    &["location", "mode", "Lobby", "code"],
    &["location", "hours", "Lobby", "--close", "18:00"],
    &["location", "readers", "Lobby", "--add", "stdin"],
    &["policy", "set", "limit.max_failures", "3"],
    &["export", "uri", "--insecure-plaintext"],
];

#[test]
fn every_write_needs_this_stores_key() {
    let s = station();
    let other = Station::new();
    let truncated = s.dir.path().join("truncated.key");
    let text = std::fs::read_to_string(s.key()).unwrap();
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    set_mode(&truncated, 0o600);
    let missing = s.dir.path().join("missing.key");
    for (key, says) in [
        (other.key(), "does not match this store"),
        (truncated.clone(), "truncated.key"),
        (missing.clone(), "missing.key: no such file"),
    ] {
        for args in WRITES {
            let before = dump(&s.db());
            let mut a = vec!["--key-file", key.to_str().unwrap()];
            a.extend_from_slice(args);
            let (out, err) = s.fails(&a, 3);
            assert!(err.contains(says), "{args:?} with {key:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
            assert!(out.is_empty(), "{args:?} printed {out}");
            assert_eq!(dump(&s.db()), before, "{args:?} with {key:?} wrote");
        }
    }
    // Listings need no key.
    for args in [
        &["token", "list"][..],
        &["product", "list"],
        &["holder", "list"],
        &["audit", "list"],
        &["attempt", "list"],
        &["policy", "show"],
    ] {
        let mut a = vec!["--key-file", missing.to_str().unwrap()];
        a.extend_from_slice(args);
        s.ok(&a);
    }
    // And with the right key every one of them goes through (each on a copy).
    for args in WRITES {
        let copy = Station::empty();
        std::fs::copy(s.db(), copy.db()).unwrap();
        std::fs::copy(s.key(), copy.key()).unwrap();
        let before = dump(&copy.db());
        let out = copy.cmd(args).output().unwrap();
        assert_ne!(dump(&copy.db()), before, "{args:?} wrote nothing");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_key_file_others_can_read_is_refused_with_the_fix() {
    let s = station();
    for mode in [0o644, 0o640, 0o604, 0o660, 0o602] {
        set_mode(&s.key(), mode);
        let before = dump(&s.db());
        let (_, err) = s.fails(&["holder", "add", "h2"], 3);
        let key = s.key().display().to_string();
        assert!(
            err.contains(&format!("(mode {mode:04o})"))
                && err.contains(&format!("run `chmod 600 {key}`")),
            "{err}"
        );
        assert_eq!(dump(&s.db()), before);
    }
    set_mode(&s.key(), 0o400);
    s.ok(&["holder", "add", "h2"]);
    set_mode(&s.key(), 0o600);
    s.ok(&["holder", "add", "h3"]);
}

#[test]
fn the_actor_is_the_processs_user_not_dollar_user() {
    let s = station();
    let out = s
        .cmd(&["holder", "add", "h2"])
        .env("USER", "alice")
        .env("LOGNAME", "alice")
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = s
        .cmd(&["holder", "add", "h3"])
        .env_remove("USER")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    assert!(out.status.success());
    let me = os_user_name();
    assert_ne!(me, "alice", "run the tests as another user than alice");
    let audit = s.json(&["audit", "list", "--limit", "2"]);
    for line in audit.as_array().unwrap() {
        assert_eq!(line["actor"], me.as_str(), "{line}");
    }
}

#[test]
fn negative_numbers_are_values() {
    let s = Station::new();
    let p = s.json(&["product", "add", "P", "--t0", "-315619200"]);
    assert_eq!(p["t0"], -315_619_200);
    let p = s.json(&["product", "add", "Q", "--drift-per-year", "-2.5"]);
    assert_eq!(p["drift_per_year"], -2.5);
    // Out of range, a negative value is refused by the rule, not taken for a flag.
    let (_, err) = s.fails(&["product", "add", "R", "--t0", "-99999999999"], 2);
    assert!(err.contains("T0") && err.contains("-99999999999"), "{err}");
    let (_, err) = s.fails(&["policy", "set", "limit.max_failures", "-3"], 2);
    assert!(err.contains("limit.max_failures"), "{err}");
    let (_, err) = s.fails(&["verify", "X", "123456", "--at", "-1"], 1);
    assert!(!err.contains("unexpected argument"), "{err}");
}
