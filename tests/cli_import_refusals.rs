//! Imports through the binary that must be refused, or must keep what the file said
//! (issue 11): bounded, regular input files (exit 2, store unchanged), the Token2
//! interval reaching the product check, URI issuers kept through export, names with
//! control characters, short seeds, unknown columns.

#![allow(clippy::unwrap_used)]

mod common;

use common::{RFC_SEED_B32, Station};
use tokenstation::otp::{Algorithm, Digits, Kind, OtpParams, Secret, totp::totp};

/// The store's audit lines and tokens, to prove a refusal changed nothing.
fn snapshot(s: &Station) -> (usize, serde_json::Value) {
    let audit = s.json(&["audit", "list"]).as_array().unwrap().len();
    (audit, s.json(&["token", "list"]))
}

fn no_raw_escapes(out: &str) {
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\0'),
        "{out:?}"
    );
}

#[test]
fn input_files_are_regular_bounded_and_utf8_or_exit_2() {
    let s = Station::new();
    let before = snapshot(&s);
    let dir = s.dir.path();
    let fifo = dir.join("pipe.csv");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let latin1 = dir.join("latin1.csv");
    std::fs::write(&latin1, b"serial number,secret key\nS\xe9,GEZDGNBV\n").unwrap();
    let big = dir.join("big.txt");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(tokenstation::seeds::MAX_INPUT_BYTES + 1).unwrap(); // sparse
    let dirpath = dir.to_str().unwrap().to_string();
    let cases: &[(&[&str], &str)] = &[
        (
            &["import", "pskc", "/dev/zero"],
            "/dev/zero: not a regular file (a character device)",
        ),
        (
            &[
                "import",
                "csv",
                fifo.to_str().unwrap(),
                "--format",
                "token2",
            ],
            "not a regular file (a FIFO)",
        ),
        (
            &["import", "uri", &dirpath],
            "not a regular file (a directory)",
        ),
        (
            &["import", "uri", "/no/such/seeds.txt"],
            "/no/such/seeds.txt: no such file",
        ),
        (
            &[
                "import",
                "csv",
                latin1.to_str().unwrap(),
                "--format",
                "token2",
            ],
            "latin1.csv: not UTF-8 text",
        ),
        (
            &["import", "uri", big.to_str().unwrap()],
            "big.txt: larger than 134217728 bytes",
        ),
        (
            &[
                "import",
                "pskc",
                "tests/fixtures/pskc/rfc6030-figure6.pskcxml",
                "--transport-key-file",
                "/dev/zero",
            ],
            "/dev/zero: not a regular file",
        ),
    ];
    for (args, want) in cases {
        let (out, err) = s.fails(args, 2);
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && out.is_empty(),
            "{args:?}: {out} {err}"
        );
    }
    assert_eq!(snapshot(&s), before);
}

/// Token2 row at 60 s; its code is `oathtool --totp -s 60`'s.
const T2_60: &str = "serial number,secret key,interval,manufacturer,model\n\
                     T2-0001,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,60,Token2,C202\n";

#[test]
fn token2_interval_reaches_the_product_check() {
    let s = Station::new();
    s.ok(&["product", "add", "P30"]);
    let csv = s.dir.path().join("t2.csv");
    std::fs::write(&csv, T2_60).unwrap();
    let before = snapshot(&s);
    let args = [
        "import",
        "csv",
        csv.to_str().unwrap(),
        "--format",
        "token2",
        "--product",
        "P30",
    ];
    let (out, err) = s.fails(&args, 2);
    assert!(
        out.contains(
            "the record is totp sha1 6 digits 60 s but product 'P30' is totp sha1 6 digits 30 s"
        ),
        "{out}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(snapshot(&s), before);

    // Without --product: a 60 s product is created and the token shows oathtool's code.
    let r = s.json(&["import", "csv", csv.to_str().unwrap(), "--format", "token2"]);
    assert_eq!(r["imported"], 1, "{r}");
    let p = s.json(&["product", "show", "Token2 C202"]);
    assert_eq!(p["period"], 60, "{p}");
    let code = s.json(&["token", "code", "T2-0001", "--at", "1700000000"]);
    // oathtool 2.6.7: oathtool --totp -s 60 -N @1700000000 3132333435363738393031323334353637383930
    assert_eq!(code["code"], "895298");
    let params = OtpParams {
        kind: Kind::Totp,
        algorithm: Algorithm::Sha1,
        digits: Digits::SIX,
        period: 60,
        t0: 0,
    };
    let seed = Secret::from_base32(RFC_SEED_B32).unwrap();
    for at in [59, 60, 1_111_111_109, 2_000_000_000] {
        let c = s.json(&["token", "code", "T2-0001", "--at", &at.to_string()]);
        assert_eq!(c["code"], totp(&seed, &params, at).unwrap(), "at {at}");
    }
}

#[test]
fn unknown_columns_and_short_seeds_are_reported() {
    let s = Station::new();
    let csv = s.dir.path().join("t2.csv");
    std::fs::write(
        &csv,
        "serial number,secret key,timeinterval,colour\nS1,hex:07,30,blue\n",
    )
    .unwrap();
    let r = s.json(&["import", "csv", csv.to_str().unwrap(), "--format", "token2"]);
    assert_eq!(r["imported"], 1, "{r}");
    assert_eq!(
        r["notes"][0],
        "line 1: column 4 'colour' is not a Token2 column; its values were not imported"
    );
    assert_eq!(
        r["rows"][0]["warnings"][0],
        "line 2 (serial S1): the seed has 1 bytes; RFC 4226 asks for at least 16 (20 recommended)"
    );
    let other = Station::new();
    let out = other
        .cmd(&["import", "csv", csv.to_str().unwrap(), "--format", "token2"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("note: line 1: column 4 'colour'"), "{err}");
}

#[test]
fn uri_issuer_survives_import_and_export() {
    let s = Station::new();
    s.ok(&["product", "add", "Software TOTP", "--vendor", "Acme"]);
    let list = s.dir.path().join("uris.txt");
    let a = format!(
        "otpauth://totp/GitHub:alice?secret={RFC_SEED_B32}&issuer=GitHub&algorithm=SHA1&digits=6&period=30"
    );
    let b = format!("otpauth://totp/bob?secret={RFC_SEED_B32}&algorithm=SHA1&digits=6&period=30");
    std::fs::write(&list, format!("{a}\n{b}\n")).unwrap();
    let r = s.json(&[
        "import",
        "uri",
        list.to_str().unwrap(),
        "--product",
        "Software TOTP",
    ]);
    assert_eq!(r["imported"], 2, "{r}");
    let out = s.ok(&[
        "export",
        "uri",
        "--insecure-plaintext",
        "--product",
        "Software TOTP",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.contains(&a.as_str()), "{out}");
    // No issuer in the URI: the product's maker, as before.
    assert!(
        lines.contains(&format!("otpauth://totp/Acme:bob?secret={RFC_SEED_B32}&issuer=Acme&algorithm=SHA1&digits=6&period=30").as_str()),
        "{out}"
    );
    // And the exported list imports into another store with the same issuers.
    let again = s.dir.path().join("again.txt");
    std::fs::write(&again, &out).unwrap();
    let other = Station::new();
    other.ok(&["product", "add", "Software TOTP", "--vendor", "Acme"]);
    other.json(&[
        "import",
        "uri",
        again.to_str().unwrap(),
        "--product",
        "Software TOTP",
    ]);
    assert_eq!(
        other.ok(&[
            "export",
            "uri",
            "--insecure-plaintext",
            "--product",
            "Software TOTP"
        ]),
        out
    );
}

#[test]
fn control_characters_and_bounds_are_refused_with_the_line() {
    let s = Station::new();
    let before = snapshot(&s);
    let list = s.dir.path().join("evil.txt");
    std::fs::write(
        &list,
        format!(
            "otpauth://totp/ACME:fine?secret={RFC_SEED_B32}\n\
             otpauth://totp/ACME:ev%1B%5B2J%1B%5B31mil?secret={RFC_SEED_B32}\n\
             otpauth://hotp/H:HX?secret={RFC_SEED_B32}&counter=18446744073709551615\n"
        ),
    )
    .unwrap();
    let (out, err) = s.fails(&["import", "uri", list.to_str().unwrap()], 2);
    no_raw_escapes(&out);
    no_raw_escapes(&err);
    assert!(
        out.contains("line 2: invalid serial: it contains the control character U+001B"),
        "{out}"
    );
    assert!(
        out.contains("line 3 (serial HX): invalid counter: 18446744073709551615"),
        "{out}"
    );
    assert_eq!(snapshot(&s), before);

    let csv = s.dir.path().join("evil.csv");
    std::fs::write(
        &csv,
        format!("serial number,secret key,interval\n\"a\nb\",{RFC_SEED_B32},30\nT9,{RFC_SEED_B32},99999999999999\n"),
    )
    .unwrap();
    let (out, _) = s.fails(
        &["import", "csv", csv.to_str().unwrap(), "--format", "token2"],
        2,
    );
    assert!(out.contains("line 2: invalid serial"), "{out}");
    assert!(
        out.contains("line 4 (serial T9): invalid period: 99999999999999"),
        "{out}"
    );
    assert_eq!(snapshot(&s), before);

    let pskc = s.dir.path().join("drift.pskcxml");
    let fig3 = std::fs::read_to_string("tests/fixtures/pskc/rfc6030-figure3.pskcxml").unwrap();
    std::fs::write(
        &pskc,
        fig3.replace("pskc:hotp", "pskc#totp").replace(
            "<Counter>",
            "<TimeDrift><PlainValue>-9223372036854775808</PlainValue></TimeDrift><Counter>",
        ),
    )
    .unwrap();
    let (out, _) = s.fails(&["import", "pskc", pskc.to_str().unwrap()], 2);
    assert!(
        out.contains("key package 12345678 (line 11): invalid TimeDrift"),
        "{out}"
    );
    assert_eq!(snapshot(&s), before);
}
