//! Seeds in and out through the binary: RFC 6030 figures, wrong keys, dry runs,
//! duplicates, CSV and URI lists, encrypted export and re-import, QR codes, Ctrl-C.

#![allow(clippy::unwrap_used)]

mod common;

use common::Station;
use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pskc");
const PSK: &str = "12345678901234567890123456789012";

fn fixture(n: u8) -> String {
    format!("{FIX}/rfc6030-figure{n}.pskcxml")
}

fn hotp(seed: &[u8], counter: u64, digits: u8) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(seed))
        .code_string(counter, Digits::new(digits).unwrap())
}

/// (figure, environment (secrets come from the environment, never argv), serial, seed, digits)
type Case<'a> = (u8, &'a [(&'a str, &'a str)], &'a str, &'a [u8], u8);

/// `--json ARGS` with `env` set; stdout parsed, panics with stderr on failure.
fn json_env(s: &Station, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let mut c = s.cmd(&["--json"]);
    c.args(args).envs(env.iter().copied());
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Writes `text` to `name` in the station's directory and returns its path.
fn secret_file(s: &Station, name: &str, text: &str) -> String {
    let p = s.dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn rfc6030_figures_import_with_the_right_codes() {
    let cases: &[Case<'_>] = &[
        (2, &[], "12345678", b"1234", 6),
        (3, &[], "987654321", b"12345678901234567890", 8),
        (5, &[], "987654321", b"12345678901234567890", 8),
        (
            6,
            &[("TOKENSTATION_PSKC_KEY", PSK)],
            "987654321",
            b"12345678901234567890",
            8,
        ),
        (
            7,
            &[("TOKENSTATION_PSKC_PASSWORD", "qwerty")],
            "987654321",
            b"12345678901234567890",
            8,
        ),
    ];
    for &(fig, extra, serial, seed, digits) in cases {
        let s = Station::new();
        let path = fixture(fig);
        let r = json_env(&s, &["import", "pskc", &path], extra);
        assert_eq!(r["written"], true, "figure {fig}: {r}");
        assert_eq!(r["imported"], 1, "figure {fig}: {r}");
        let code = s.json(&["token", "code", serial]);
        assert_eq!(code["code"], hotp(seed, 0, digits), "figure {fig}");
    }
}

#[test]
fn wrong_key_and_password_write_nothing() {
    let s = Station::new();
    let before = s.json(&["audit", "list"]).as_array().unwrap().len();
    let wrong = secret_file(&s, "wrong.key", "00112233445566778899aabbccddeeff\n");
    let (_, err) = s.fails(
        &[
            "import",
            "pskc",
            &fixture(6),
            "--transport-key-file",
            &wrong,
        ],
        2,
    );
    assert!(
        err.contains("does not decrypt") && err.contains("--transport-key"),
        "{err}"
    );
    let pw = secret_file(&s, "wrong.pw", "qwertz\n");
    let (_, err) = s.fails(&["import", "pskc", &fixture(7), "--password-file", &pw], 2);
    assert!(err.contains("password"), "{err}");
    let (_, err) = s.fails(&["import", "pskc", &fixture(6)], 2);
    assert!(err.contains("--transport-key"), "{err}");
    // Secrets never in argv: `--password VALUE` is refused, the value not echoed.
    let (_, err) = s.fails(&["import", "pskc", &fixture(7), "--password", "qwerty"], 2);
    assert!(
        err.contains("--password takes no value") && !err.contains("qwerty"),
        "{err}"
    );
    // A flag that asks, with no terminal to ask on, names the other two ways.
    let (_, err) = s.fails(&["import", "pskc", &fixture(7), "--password"], 2);
    assert!(
        err.contains("TOKENSTATION_PSKC_PASSWORD") && err.contains("--password-file"),
        "{err}"
    );
    let bad = s.dir.path().join("bad.xml");
    std::fs::write(&bad, "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n<KeyPackage>\n</Key>").unwrap();
    let (_, err) = s.fails(&["import", "pskc", bad.to_str().unwrap()], 2);
    assert!(err.contains("line"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(s.json(&["token", "list"]).as_array().unwrap().is_empty());
    assert_eq!(s.json(&["audit", "list"]).as_array().unwrap().len(), before);
}

#[test]
fn dry_run_duplicates_and_product_override() {
    let s = Station::new();
    let r = s.json(&["import", "pskc", &fixture(3), "--dry-run"]);
    assert_eq!(
        (r["written"].clone(), r["imported"].clone()),
        (false.into(), 1.into())
    );
    assert!(s.json(&["token", "list"]).as_array().unwrap().is_empty());
    s.json(&["import", "pskc", &fixture(3)]);
    let r = json_env(
        &s,
        &["import", "pskc", &fixture(6)],
        &[("TOKENSTATION_PSKC_KEY", PSK)],
    );
    assert_eq!(r["duplicates"], 1);
    assert_eq!(r["rows"][0]["outcome"], "duplicate");
    let key = secret_file(&s, "psk.hex", PSK);
    let (out, _) = s.fails(
        &[
            "--json",
            "import",
            "pskc",
            &fixture(6),
            "--transport-key-file",
            &key,
            "--on-duplicate",
            "fail",
        ],
        2,
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["written"], false);
    // --product must agree with the file: figure 3 is 8-digit HOTP.
    s.ok(&["product", "add", "Six", "--kind", "hotp"]);
    let (out, _) = s.fails(
        &["--json", "import", "pskc", &fixture(3), "--product", "Six"],
        2,
    );
    assert!(out.contains("8 digits"), "{out}");
}

#[test]
fn csv_and_uri_lists() {
    let s = Station::new();
    let csv = s.dir.path().join("oath.csv");
    std::fs::write(
        &csv,
        "# serial, key, type, digits, step\nOATH1, 3132333435363738393031323334353637383930, TOTP, 8, 30\nOATH2, 3132333435363738393031323334353637383930, HOTP, 6, 0\n",
    )
    .unwrap();
    let r = s.json(&["import", "csv", csv.to_str().unwrap(), "--format", "oath"]);
    assert_eq!(r["imported"], 2, "{r}");
    assert_eq!(
        s.json(&["token", "code", "OATH1", "--at", "59"])["code"],
        "94287082"
    );
    assert_eq!(s.json(&["token", "code", "OATH2"])["code"], "755224");

    let generic = s.dir.path().join("gen.csv");
    std::fs::write(
        &generic,
        "Badge,Key\nG1,hex:3132333435363738393031323334353637383930\n",
    )
    .unwrap();
    s.fails(
        &[
            "import",
            "csv",
            generic.to_str().unwrap(),
            "--format",
            "generic",
        ],
        2,
    );
    let r = s.json(&[
        "import",
        "csv",
        generic.to_str().unwrap(),
        "--format",
        "generic",
        "--map",
        "Badge=serial,Key=secret",
    ]);
    assert_eq!(r["imported"], 1, "{r}");

    let uris = s.dir.path().join("uris.txt");
    std::fs::write(
        &uris,
        "# two tokens\notpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example\n\notpauth://totp/Example:bob?secret=JBSWY3DP!&issuer=Example\n",
    )
    .unwrap();
    let (out, _) = s.fails(&["--json", "import", "uri", uris.to_str().unwrap()], 2);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["errors"], 1);
    assert!(
        r["rows"][1]["reason"].as_str().unwrap().contains("line 4"),
        "{r}"
    );
    s.fails(&["token", "show", "alice"], 2); // nothing of the failed list was written
}

#[test]
fn encrypted_export_imports_back_identically() {
    let s = Station::new();
    s.ok(&[
        "product",
        "add",
        "P",
        "--vendor",
        "Token2",
        "--model",
        "C302-i",
        "--algorithm",
        "sha256",
        "--digits",
        "8",
        "--period",
        "60",
    ]);
    for i in 0..3 {
        s.ok(&[
            "token",
            "add",
            &format!("T{i}"),
            "--product",
            "P",
            "--generate",
        ]);
    }
    let file = s.dir.path().join("out.pskcxml");
    let r = s.json(&["export", "pskc", file.to_str().unwrap()]);
    let key = r["pre_shared_key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 32);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let xml = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        xml.matches("<pskc:EncryptedValue>").count(),
        3,
        "every secret encrypted"
    );
    s.fails(&["export", "pskc", file.to_str().unwrap()], 2); // never overwrites

    let other = Station::new();
    let r = json_env(
        &other,
        &["import", "pskc", file.to_str().unwrap()],
        &[("TOKENSTATION_PSKC_KEY", &key)],
    );
    assert_eq!(r["imported"], 3, "{r}");
    for i in 0..3 {
        let serial = format!("T{i}");
        let a = s.json(&["token", "code", &serial, "--at", "1700000000"]);
        let b = other.json(&["token", "code", &serial, "--at", "1700000000"]);
        assert_eq!(a["code"], b["code"]);
        assert_eq!(a["code"].as_str().unwrap().len(), 8);
    }
    let audit = s.json(&["audit", "list", "--action", "seed.export"]);
    assert_eq!(audit.as_array().unwrap().len(), 3);

    // Password protection, through the environment.
    let pw_file = s.dir.path().join("pw.pskcxml");
    let mut c = s.cmd(&[
        "export",
        "pskc",
        pw_file.to_str().unwrap(),
        "--password",
        "T1",
    ]);
    c.env("TOKENSTATION_EXPORT_PASSWORD", "correct horse");
    assert!(c.output().unwrap().status.success());
    let third = Station::new();
    let pw = secret_file(&third, "pw", "correct horse\n");
    let r = third.json(&[
        "import",
        "pskc",
        pw_file.to_str().unwrap(),
        "--password-file",
        &pw,
    ]);
    assert_eq!(r["imported"], 1, "{r}");
    // The same password from a file on export.
    let pw_file2 = s.dir.path().join("pw2.pskcxml");
    let pw = secret_file(&s, "export.pw", "correct horse\n");
    s.ok(&[
        "export",
        "pskc",
        pw_file2.to_str().unwrap(),
        "--password-file",
        &pw,
        "T1",
    ]);
    let r = json_env(
        &Station::new(),
        &["import", "pskc", pw_file2.to_str().unwrap()],
        &[("TOKENSTATION_PSKC_PASSWORD", "correct horse")],
    );
    assert_eq!(r["imported"], 1, "{r}");
}

#[test]
fn uri_export_and_qr() {
    let s = Station::new();
    s.ok(&["product", "add", "P", "--vendor", "Acme"]);
    s.ok_secret(
        &["token", "add", "T1", "--product", "P"],
        "JBSWY3DPEHPK3PXP",
    );
    let out = s.ok(&["export", "uri", "--insecure-plaintext"]);
    assert_eq!(
        out.trim(),
        "otpauth://totp/Acme:T1?secret=JBSWY3DPEHPK3PXP&issuer=Acme&algorithm=SHA1&digits=6&period=30"
    );
    let png = s.dir.path().join("t1.png");
    s.ok(&["token", "qr", "T1", "--png", png.to_str().unwrap()]);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let term = s.ok(&["token", "qr", "T1"]);
    assert!(term.contains('█') || term.contains('▀') || term.contains('▄'));
    let audit = s.json(&["audit", "list", "--action", "seed.export"]);
    let formats: Vec<String> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["after"].to_string()) // nested JSON, not JSON text
        .collect();
    assert_eq!(formats.len(), 3, "{formats:?}");
    assert!(formats.iter().any(|f| f.contains("\"qr\"")));
}

#[test]
fn interrupted_import_writes_nothing_or_everything() {
    use tokenstation::seeds::{Protection, SeedRecord, write_pskc};
    let s = Station::new();
    let records: Vec<SeedRecord> = (0..30_000u32)
        .map(|i| {
            let mut r = SeedRecord::new(Secret::from_slice(&[i as u8; 20]));
            r.serial = Some(format!("S{i:06}"));
            r
        })
        .collect();
    let xml = write_pskc(&records, &Protection::InsecurePlaintext, &mut |b| b.fill(7)).unwrap();
    let file = s.dir.path().join("big.pskcxml");
    std::fs::write(&file, xml.as_bytes()).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .args([
            "--db",
            s.db().to_str().unwrap(),
            "--key-file",
            s.key().to_str().unwrap(),
            "import",
            "pskc",
            file.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let n = s.json(&["token", "list"]).as_array().unwrap().len();
    match out.status.code() {
        Some(130) => {
            assert_eq!(n, 0);
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("interrupted: nothing was written")
            );
        }
        Some(0) => assert_eq!(n, 30_000),
        other => panic!(
            "import ended with {other:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}
