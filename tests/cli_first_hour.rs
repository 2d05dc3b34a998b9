//! Issue 12 through the binary: the first hour of a new user. Serials in several
//! products, codes for scripts and for people, and the terminal-only decorations.

#![allow(clippy::unwrap_used)]

mod common;

use common::{RFC_SEED_B32, Station};

/// Runs `tokenstation --db <tmp> ARGS` inside a pseudo-terminal (`script`), so that
/// standard output is a terminal; returns what it printed.
fn on_terminal(s: &Station, args: &[&str]) -> String {
    let out = s.on_terminal(args, "");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().replace('\r', "")
}

/// Two products holding one serial `X`; under `A` it has the RFC 6238 seed.
fn two_products() -> Station {
    let s = Station::new();
    s.ok(&["product", "add", "A"]);
    s.ok(&["product", "add", "B"]);
    s.ok_secret(&["token", "add", "X", "--product", "A"], RFC_SEED_B32);
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

#[test]
fn audit_list_pages_by_time_and_nests_its_json() {
    let s = Station::new();
    for i in 0..5 {
        s.ok(&["holder", "add", &format!("h{i}")]);
    }
    let out = s.cmd(&["audit", "list", "--limit", "2"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // init writes lines too: 5 holders and more.
    assert!(err.starts_with("2 of ") && err.contains("--limit"), "{err}");
    let all = s.json(&["audit", "list", "--action", "holder.add"]);
    assert_eq!(all.as_array().unwrap().len(), 5);
    // before/after are JSON, not JSON text
    assert_eq!(all[0]["after"]["ext_id"], "h4", "{all}");
    let (newest, oldest) = (
        all[0]["at"].as_i64().unwrap(),
        all[4]["at"].as_i64().unwrap(),
    );
    let none = s.json(&[
        "audit",
        "list",
        "--to",
        &oldest.to_string(),
        "--action",
        "holder",
    ]);
    assert!(none.as_array().unwrap().is_empty(), "{none}");
    let later = s.json(&["audit", "list", "--from", &(newest + 1).to_string()]);
    assert!(later.as_array().unwrap().is_empty(), "{later}");
    let period = s.json(&[
        "audit",
        "list",
        "--from",
        &oldest.to_string(),
        "--to",
        &(newest + 1).to_string(),
        "--action",
        "holder",
    ]);
    assert_eq!(period.as_array().unwrap().len(), 5);
}

#[test]
fn backup_codes_as_people_type_them() {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    s.ok_secret(&["token", "add", "T", "--product", "P"], RFC_SEED_B32);
    s.ok(&["token", "activate", "T", "287082", "--at", "59"]);
    let v = s.json(&["token", "backup-codes", "T"]);
    let codes: Vec<String> = v["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    // Without the hyphen, lower case: accepted.
    let typed = codes[0].replace('-', "").to_lowercase();
    let v = s.json(&["verify", "T", &typed]);
    assert_eq!(
        (v["status"].clone(), v["method"].clone()),
        ("OK".into(), "backup".into())
    );
    // The same code again: REPLAYED, and no failure counted.
    let (out, _) = s.fails(&["--json", "verify", "T", &codes[0]], 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "REPLAYED", "{v}");
    assert_eq!(s.json(&["token", "show", "T"])["failures"], 0);
    // A second set would void nine unused codes: --replace says so.
    let (_, err) = s.fails(&["token", "backup-codes", "T"], 2);
    assert!(
        err.contains("9 unused backup codes") && err.contains("--replace"),
        "{err}"
    );
    let v = s.json(&["token", "backup-codes", "T", "--replace"]);
    assert_eq!(v["codes"].as_array().unwrap().len(), 10);
    let (out, _) = s.fails(&["verify", "T", &codes[1]], 1);
    assert!(out.starts_with("INVALID_CODE"), "{out}");
}

#[test]
fn output_for_scripts() {
    let s = Station::new();
    // A refused command line under --json: the documented error object on stdout.
    let (out, err) = s.fails(&["--json", "verify", "--bogus"], 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["exit_code"], 2, "{v}");
    assert!(v["error"].as_str().unwrap().contains("--bogus"), "{v}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let (out, _) = s.fails(&["verify", "--bogus"], 2);
    assert!(out.is_empty(), "{out}");

    s.ok(&["product", "add", "P"]);
    s.ok_secret(&["token", "add", "T1", "--product", "P"], RFC_SEED_B32);
    let v = s.json(&["token", "qr", "T1"]);
    assert_eq!(v["serial"], "T1");
    assert!(
        v["uri"].as_str().unwrap().starts_with("otpauth://totp/"),
        "{v}"
    );

    // Clear seeds to stdout need the explicit flag (no terminal to ask on here).
    let (out, err) = s.fails(&["export", "uri"], 2);
    assert!(
        out.is_empty() && err.contains("--insecure-plaintext"),
        "{err}"
    );
    let v = s.json(&["export", "uri", "--insecure-plaintext"]);
    assert_eq!(v["tokens"], 1);
    assert!(v["uris"][0].as_str().unwrap().contains(RFC_SEED_B32), "{v}");
}

#[test]
fn import_reports_name_line_and_serial_and_skip_errors_imports_the_rest() {
    let s = Station::new();
    let list = s.dir.path().join("list.txt");
    std::fs::write(
        &list,
        format!(
            "otpauth://totp/U1?secret={RFC_SEED_B32}\notpauth://totp/U2?secret=%21%21%21\notpauth://totp/U3?secret={RFC_SEED_B32}\n"
        ),
    )
    .unwrap();
    let path = list.to_str().unwrap();
    let (out, err) = s.fails(&["import", "uri", path], 2);
    let bad = out
        .lines()
        .find(|l| l.contains("error"))
        .unwrap_or_default();
    assert!(bad.starts_with("2 "), "LINE filled: {out}");
    assert!(err.contains("--skip-errors"), "{err}");
    assert!(s.json(&["token", "list"]).as_array().unwrap().is_empty());
    let r = s.json(&["import", "uri", path, "--skip-errors"]);
    assert_eq!(
        (r["imported"].clone(), r["errors"].clone()),
        (2.into(), 1.into()),
        "{r}"
    );
    assert_eq!(r["written"], true);
    let row = &r["rows"][1];
    assert_eq!(
        (row["line"].clone(), row["outcome"].clone()),
        (2.into(), "error".into()),
        "{row}"
    );
    assert_eq!(s.json(&["token", "list"]).as_array().unwrap().len(), 2);
}

#[test]
fn help_and_words() {
    let s = Station::new();
    let help = s.ok(&["burn", "--help"]);
    assert!(!help.contains('\u{1b}'), "no terminal styles in a pipe");
    let (own, global) = help.split_once("Global options:").unwrap();
    assert!(
        own.contains("--reader") && !own.contains("--key-file"),
        "{help}"
    );
    assert!(
        global.contains("--db") && global.contains("--json"),
        "{help}"
    );
    assert!(
        !help.contains("TOKENSTATION_KEY_FILE="),
        "no empty [env: X=]: {help}"
    );
    for family in ["ykoath", "nitrokey3", "token2-nfc", "molto2", "nitrokey"] {
        assert!(own.contains(family), "burn --help names {family}");
    }
    let emulate = s.ok(&["emulate", "--help"]);
    for flag in ["--token2-nfc", "--molto2", "--vpcd-slot"] {
        assert!(emulate.contains(flag), "emulate --help names {flag}");
    }
    let (_, err) = s.fails(&["emulate"], 2);
    assert!(
        err.contains("--token2-nfc") && err.contains("--molto2"),
        "{err}"
    );
    // --programmable takes yes/no and true/false.
    s.ok(&["product", "add", "Y", "--programmable", "yes"]);
    s.ok(&["product", "add", "F", "--programmable", "false"]);
    assert_eq!(s.json(&["product", "show", "Y"])["programmable"], true);
    assert_eq!(s.json(&["product", "show", "F"])["programmable"], false);
    let (_, err) = s.fails(&["product", "show", "Nope"], 2);
    assert!(
        err.contains("product 'Nope' not found (see `tokenstation product list`)"),
        "{err}"
    );
    // Plurals.
    s.ok_secret(&["token", "add", "T", "--product", "Y"], RFC_SEED_B32);
    s.ok(&["token", "activate", "T", "287082", "--at", "59"]);
    let out = s.ok(&["verify", "T", "359152", "--at", "89"]);
    assert!(out.contains("offset +0 steps"), "{out}");
    let out = s.ok(&["verify", "T", "969429", "--at", "89"]);
    assert!(out.contains("offset +1 step,"), "{out}");
    let f = s.dir.path().join("one.pskcxml");
    let out = s
        .cmd(&["export", "pskc", f.to_str().unwrap(), "T"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wrote 1 token to"));
}

/// Device secrets follow the one convention: no value in argv; a file, an environment
/// variable, or a flag that asks on a terminal.
#[test]
fn device_secrets_never_travel_in_argv() {
    let s = Station::new();
    // A value after the flag is not taken as the secret: it is refused (usage, exit 2),
    // naming the flag and the ways a PIN may come, never the value.
    let (_, err) = s.fails(
        &[
            "burn",
            "--serial",
            "T1",
            "--product",
            "P",
            "--reader",
            "pcsc:none",
            "--admin-pin",
            "12345678",
        ],
        2,
    );
    assert!(
        err.contains("--admin-pin takes no value") && err.contains("TOKENSTATION_ADMIN_PIN"),
        "{err}"
    );
    assert!(!err.contains("12345678"), "the PIN is not echoed: {err}");
    // The file form is read (first line) and checked as the station checks any key.
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("molto2.key");
    std::fs::write(&key, "not-hex\n").unwrap();
    let k = key.to_str().unwrap();
    let (_, err) = s.fails(
        &[
            "device",
            "info",
            "--reader",
            "pcsc:none",
            "--family",
            "molto2",
            "--molto2-key-file",
            k,
        ],
        2,
    );
    assert!(err.contains("not hex"), "{err}");
    // The flag asks on a terminal; without one it says how scripts give the secret.
    let (_, err) = s.fails(
        &[
            "device",
            "info",
            "--reader",
            "pcsc:none",
            "--family",
            "molto2",
            "--molto2-key",
        ],
        2,
    );
    assert!(
        err.contains("TOKENSTATION_MOLTO2_KEY") && err.contains("--molto2-key-file"),
        "{err}"
    );
}
