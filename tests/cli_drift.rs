//! `tokenstation drift` through the binary (issue 14): the report (table with
//! sparklines, `--json`), `drift show`, a resync of a token whose clock cannot be
//! written (two codes on standard input) and the refusal to fix a clock without a
//! reader. The clock fix through the binary and the real pcscd: `pcsc_drift_cli.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};

const SEED_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const SEED: &[u8] = b"12345678901234567890";
const T0: i64 = 1_800_000_000;

fn code(t: i64) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(SEED))
        .code_string((t / 30) as u64, Digits::SIX)
}

fn station() -> common::Station {
    let s = common::Station::new();
    s.ok(&[
        "product",
        "add",
        "Token2 C301-i",
        "--family",
        "token2-nfc",
        "--programmable",
        "true",
    ]);
    s.ok(&[
        "product",
        "add",
        "Phone",
        "--family",
        "software",
        "--drift-per-year",
        "30",
    ]);
    for (serial, product) in [("86596100000777", "Token2 C301-i"), ("APP-1", "Phone")] {
        s.cmd(&["token", "add", serial, "--product", product])
            .env("TOKENSTATION_SECRET", SEED_B32)
            .assert()
            .success();
    }
    s
}

#[test]
fn report_show_and_json_fields() {
    let s = station();
    let serial = "86596100000777";
    let t = T0.to_string();
    s.ok(&["token", "activate", serial, &code(T0), "--at", &t]);
    for d in 1..=10i64 {
        let at = T0 + d * 86_400;
        s.ok(&[
            "verify",
            serial,
            &code(at + d * 10),
            "--at",
            &at.to_string(),
        ]);
    }
    let at = (T0 + 11 * 86_400).to_string();
    let table = s.ok(&["drift", "report", "--at", &at]);
    assert!(
        table.contains("SERIAL") && table.contains("EXIT"),
        "{table}"
    );
    assert!(table.contains(serial) && table.contains("s/d"), "{table}");
    assert!(
        table.chars().any(|c| ('▁'..='█').contains(&c)),
        "no sparkline: {table}"
    );
    let j = s.json(&["drift", "report", "--at", &at]);
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(j["tokens"], 2);
    assert_eq!(rows[0]["serial"], serial, "most urgent first: {j}");
    assert_eq!(rows[0]["trend_source"], "fit");
    assert_eq!(rows[0]["fix"], "clock");
    assert_eq!(rows[1]["trend_source"], "product");
    assert_eq!(rows[1]["fix"], "resync");
    let risky = s.json(&["drift", "report", "--at", &at, "--at-risk", "1"]);
    assert_eq!(risky["rows"].as_array().unwrap().len(), 0);
    let risky = s.json(&["drift", "report", "--at", &at, "--at-risk", "100"]);
    assert_eq!(risky["rows"].as_array().unwrap().len(), 1);
    let only = s.json(&["drift", "report", "--at", &at, "--product", "Phone"]);
    assert_eq!(only["rows"][0]["serial"], "APP-1");
    let show = s.ok(&["drift", "show", serial, "--at", &at]);
    assert!(
        show.contains("Theil-Sen") && show.contains("verify"),
        "{show}"
    );
    let d = s.json(&["drift", "show", serial, "--at", &at]);
    assert!(d["fit"]["slope_s_per_day"].as_f64().unwrap() > 5.0, "{d}");
    assert_eq!(d["samples"].as_array().unwrap().len(), 11);
}

#[test]
fn resync_from_two_typed_codes_and_refusals() {
    let s = station();
    let now = tokenstation::station::time::now();
    // the phone's clock is 3 minutes ahead
    let input = format!("{}\n{}\n", code(now + 180), code(now + 210));
    let out = s
        .cmd(&["--json", "drift", "fix", "APP-1"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (j["result"].as_str(), j["method"].as_str()),
        (Some("fixed"), Some("resync"))
    );
    let t = s.json(&["token", "show", "APP-1"]);
    assert!(
        (6..=8).contains(&t["drift_base_steps"].as_i64().unwrap()),
        "{t}"
    );
    // wrong codes: exit 1, nothing learned
    let out = s
        .cmd(&["drift", "fix", "APP-1"])
        .write_stdin("000000\n111111\n")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // a clock to write needs the reader
    let out = s.cmd(&["drift", "fix", "86596100000777"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("86596100000777") && err.contains("--reader"),
        "{err}"
    );
    // a token the store does not know
    let out = s.cmd(&["drift", "fix", "NOPE"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
