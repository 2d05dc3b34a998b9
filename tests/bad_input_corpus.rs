//! The bad-input corpus (issue 11), names and numbers: one case per class of bad input
//! the issue found and the classes beside them, run through the binary — huge values,
//! control characters in every name field, numbers out of range, negative or
//! overflowing, unknown serials and empty names. Each case checks (see
//! `common::corpus`): no exit 101, no `panicked at`, an answer within the deadline (a
//! hang is killed and fails), a one-line error naming the thing, no raw control
//! character echoed, and for every refusal the store's every row unchanged. The files
//! cases are in `bad_input_files.rs`; input files in `tests/bad_inputs/`.
#![allow(clippy::unwrap_used, clippy::mod_module_files)]

mod common;

use common::RFC_SEED_B32;
use common::corpus::{ESC, file, huge, refused, run, station};

#[test]
fn huge_values_are_refused_at_input_and_cut_on_display() {
    let s = station();
    let w = huge();
    let reader = format!("pcsc:{w}");
    let uri_account = format!("otpauth://totp/Acme:{w}?secret={RFC_SEED_B32}");
    let uri_issuer = format!("otpauth://totp/x?secret={RFC_SEED_B32}&issuer={w}");
    let csv = s.dir.path().join("huge.csv");
    std::fs::write(
        &csv,
        format!("serial,secret,interval\n{w},{RFC_SEED_B32},30\n"),
    )
    .unwrap();
    let csv = csv.display().to_string();
    for (args, names) in [
        (
            vec!["token", "add", &w, "--product", "P", "--generate"],
            "invalid serial",
        ),
        (vec!["token", "rename", "T", &w], "invalid serial"),
        (vec!["product", "add", &w], "invalid product name"),
        (
            vec!["product", "add", "Q", "--vendor", &w],
            "invalid manufacturer",
        ),
        (vec!["product", "edit", "P", "--model", &w], "invalid model"),
        (vec!["holder", "add", &w], "invalid holder id"),
        (
            vec!["holder", "add", "h2", "--label", &w],
            "invalid holder label",
        ),
        (vec!["location", "add", &w], "invalid location name"),
        (
            vec!["location", "readers", "Lobby", "--add", &reader],
            "invalid reader",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &uri_account],
            "invalid account name",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &uri_issuer],
            "invalid issuer",
        ),
        (
            vec!["import", "csv", &csv, "--format", "token2"],
            "invalid serial",
        ),
        (vec!["verify", &w, "123456"], "invalid serial"),
        (vec!["token", "show", &w], "unknown token serial 'WWWW"),
    ] {
        refused(&s, &args, 2, names);
    }
    // What an older store may hold is shown cut, with an ellipsis, and never panics.
    rusqlite::Connection::open(s.db())
        .unwrap()
        .execute("UPDATE holders SET label = ?1", [&w])
        .unwrap();
    let r = run(s.std_cmd(&["holder", "list"]), "holder list");
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("WWW…") && r.stdout.len() < 1000,
        "{}",
        r.stdout.len()
    );
}

#[test]
fn control_characters_are_refused_in_every_name() {
    let s = station();
    let uri = |label: &str| format!("otpauth://totp/{label}?secret={RFC_SEED_B32}");
    let (u1, u2, u3) = (uri("Acme:ev%1B%5B2J"), uri("Acme:a%0Ab"), uri("Acme:a%00b"));
    let u4 = format!("{}&issuer=Ac%07me", uri("x"));
    let bidi = "pay\u{202e}lanigiro";
    for (args, names) in [
        (
            vec!["token", "add", ESC, "--product", "P", "--generate"],
            "invalid serial",
        ),
        (vec!["token", "rename", "T", "a\nb"], "invalid serial"),
        (vec!["product", "add", ESC], "invalid product name"),
        (vec!["product", "add", bidi], "U+202E"),
        (
            vec!["product", "add", "Q", "--vendor", "a\rb"],
            "invalid manufacturer",
        ),
        (
            vec!["product", "add", "Q", "--model", "a\u{7}"],
            "invalid model",
        ),
        (vec!["holder", "add", ESC], "invalid holder id"),
        (
            vec!["holder", "add", "h2", "--label", ESC],
            "invalid holder label",
        ),
        (vec!["location", "add", ESC], "invalid location name"),
        (
            vec![
                "location",
                "readers",
                "Lobby",
                "--add",
                "pcsc:Virtual\u{1b}PCD",
            ],
            "invalid reader",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &u1],
            "U+001B",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &u2],
            "U+000A",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &u3],
            "U+0000",
        ),
        (
            vec!["token", "add", "U", "--product", "P", "--uri", &u4],
            "invalid issuer",
        ),
        (
            vec!["token", "show", ESC],
            "unknown token serial 'ev\\u{1b}[2Jil'",
        ),
    ] {
        refused(&s, &args, 2, names);
    }
    for (kind, name, names) in [
        ("pskc", "c1_serial.pskcxml", "U+009B"),
        ("pskc", "control_serial.pskcxml", "&#27;"),
        ("pskc", "nul_serial.pskcxml", "&#0;"),
        ("csv", "quoted_newline.csv", "U+000A"),
        ("csv", "escape_serial.csv", "U+001B"),
        ("uri", "uri_escape_label.txt", "U+001B"),
        ("uri", "uri_newline_label.txt", "U+000A"),
        ("uri", "uri_nul_label.txt", "U+0000"),
        ("uri", "uri_bell_issuer.txt", "U+0007"),
    ] {
        let path = file(name);
        let mut args = vec!["import", kind, &path];
        if kind == "csv" {
            args.extend(["--format", "token2"]);
        }
        refused(&s, &args, 2, names);
    }
}

#[test]
fn numbers_out_of_range_negative_or_overflowing_are_refused() {
    let s = station();
    let hotp =
        |counter: &str| format!("otpauth://hotp/H:HX?secret={RFC_SEED_B32}&counter={counter}");
    let (c64, c63) = (hotp("18446744073709551615"), hotp("9223372036854775808"));
    let period = format!("otpauth://totp/A:b?secret={RFC_SEED_B32}&period=99999999999999");
    for (args, names) in [
        // The URI: a counter no store can keep, no token can advance.
        (
            vec!["token", "add", "HX", "--product", "H", "--uri", &c64],
            "invalid counter: 18446744073709551615",
        ),
        (
            vec!["token", "add", "HX", "--product", "H", "--uri", &c63],
            "invalid counter: 9223372036854775808",
        ),
        (
            vec!["token", "add", "X", "--product", "P", "--uri", &period],
            "invalid period",
        ),
        (vec!["product", "add", "Q", "--period", "0"], "period"),
        (
            vec!["product", "add", "Q", "--period", "99999999999999"],
            "--period",
        ),
        (vec!["product", "add", "Q", "--period", "86400"], "period"),
        (vec!["product", "add", "Q", "--digits", "11"], "--digits"),
        (vec!["product", "add", "Q", "--t0", "-99999999999"], "T0"),
        (
            vec!["product", "add", "Q", "--t0", "99999999999999999999"],
            "--t0",
        ),
        (
            vec!["product", "add", "Q", "--skew", "4294967295"],
            "window",
        ),
        (
            vec!["product", "add", "Q", "--drift-per-year", "NaN"],
            "drift per year",
        ),
        (
            vec!["product", "add", "Q", "--drift-per-year", "-inf"],
            "drift per year",
        ),
        (
            vec!["policy", "set", "limit.max_failures", "-1"],
            "limit.max_failures",
        ),
        (
            vec!["policy", "set", "limit.cooldown_growth", "NaN"],
            "limit.cooldown_growth",
        ),
        (
            vec![
                "policy",
                "set",
                "limit.cooldown_s",
                "99999999999999999999999",
            ],
            "limit.cooldown_s",
        ),
        (
            vec!["verify", "T", "123456", "--at", "99999999999999999999"],
            "99999999999999999999",
        ),
        (vec!["token", "code", "T", "--at", "-99999999999"], "T0"),
    ] {
        refused(&s, &args, 2, names);
    }
    // Work a look-up would do beyond the policy's bound is refused up front.
    s.ok(&["policy", "set", "lookup.max_codes", "1000"]);
    refused(
        &s,
        &["lookup", "123456", "--from", "0", "--to", "4102444800"],
        2,
        "lookup.max_codes",
    );
    for name in [
        "uri_counter_2_64.txt",
        "uri_counter_2_63.txt",
        "uri_period_overflow.txt",
    ] {
        refused(&s, &["import", "uri", &file(name)], 2, "invalid");
    }
    refused(
        &s,
        &[
            "import",
            "csv",
            &file("interval_overflow.csv"),
            "--format",
            "token2",
        ],
        2,
        "99999999999999",
    );
}

#[test]
fn unknown_serials_and_empty_names_are_named() {
    let s = station();
    for (args, code, names) in [
        (
            vec!["token", "show", "NOPE"],
            2,
            "unknown token serial 'NOPE'",
        ),
        (
            vec!["token", "rm", "NOPE"],
            2,
            "unknown token serial 'NOPE'",
        ),
        (vec!["token", "rename", "NOPE", "X"], 2, "'NOPE'"),
        (vec!["token", "activate", "NOPE", "123456"], 2, "'NOPE'"),
        (vec!["holder", "enrol", "h1", "--token", "NOPE"], 2, "NOPE"),
        (
            vec![
                "location",
                "add-presence-token",
                "Lobby",
                "--serial",
                "NOPE",
            ],
            2,
            "NOPE",
        ),
        (
            vec!["holder", "add", ""],
            2,
            "invalid holder id: it is empty",
        ),
        (
            vec!["product", "add", "  "],
            2,
            "invalid product name: it is empty",
        ),
        (
            vec!["token", "add", "", "--product", "P", "--generate"],
            2,
            "invalid serial",
        ),
        (
            vec!["token", "add", "U", "--product", "NOPE", "--generate"],
            2,
            "product 'NOPE'",
        ),
    ] {
        refused(&s, &args, code, names);
    }
    // A code for an unknown serial is a verdict (exit 1), recorded, on one line.
    let r = run(s.std_cmd(&["verify", "NOPE", "123456"]), "verify NOPE");
    assert_eq!((r.code, r.stdout.trim()), (1, "UNKNOWN_TOKEN NOPE"));
}
