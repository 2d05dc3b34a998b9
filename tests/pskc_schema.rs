//! PSKC export is valid against the RFC 6030 XML schema: every protection mode is
//! checked with `pskctool --validate` (oath-toolkit's libpskc, which validates against
//! the RFC's XSD), and a document with an element out of order is refused by it.
//! Needs the `pskctool` package (`make deps`): under CI=true its absence fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use tokenstation::otp::{Algorithm, Digits, Kind, OtpParams, Secret};
use tokenstation::seeds::{Protection, SeedRecord, write_pskc};

fn pskctool() -> Option<&'static str> {
    let found = Command::new("pskctool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some("pskctool");
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and pskctool is missing: run `make deps`");
    }
    eprintln!(
        "\n!!!! SKIPPED: pskctool missing; run `make deps` to validate PSKC against the RFC 6030 schema\n"
    );
    None
}

/// Validates `xml`; returns pskctool's verdict line (`OK` or `FAIL`) and its output.
fn validate(tool: &str, xml: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pskcxml");
    std::fs::write(&path, xml).unwrap();
    let out = Command::new(tool)
        .arg("--validate")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let all = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    (
        stdout.lines().last().unwrap_or_default().trim().to_string(),
        all,
    )
}

fn records() -> Vec<SeedRecord> {
    let mut totp = SeedRecord::new(Secret::from_slice(b"12345678901234567890"));
    totp.serial = Some("C302-000001".into());
    totp.key_id = Some("C302-000001".into());
    totp.manufacturer = Some("Token2".into());
    totp.model = Some("C302-i".into());
    totp.issuer = Some("Acme & Co <test>".into());
    totp.account = Some("alice".into());
    totp.drift_steps = -2;
    let mut hotp = SeedRecord::new(Secret::from_slice(&[7u8; 32]));
    hotp.serial = Some("H-2".into());
    hotp.params = OtpParams {
        kind: Kind::Hotp,
        algorithm: Algorithm::Sha256,
        digits: Digits::EIGHT,
        ..OtpParams::default()
    };
    hotp.counter = 42;
    vec![totp, hotp]
}

#[test]
fn every_protection_is_schema_valid() {
    let Some(tool) = pskctool() else { return };
    let recs = records();
    let psk = [0x11u8; 16];
    for (name, protection) in [
        (
            "pre-shared key",
            Protection::PreSharedKey {
                key: &psk,
                key_name: "Pre-shared-key",
            },
        ),
        (
            "password",
            Protection::Password {
                password: "correct horse",
                iterations: 1000,
            },
        ),
        ("plaintext", Protection::InsecurePlaintext),
    ] {
        let xml = write_pskc(&recs, &protection, &mut |b| b.fill(3)).unwrap();
        let (verdict, all) = validate(tool, &xml);
        assert_eq!(verdict, "OK", "{name}: {all}");
    }
}

#[test]
fn validator_refuses_element_order_violations() {
    let Some(tool) = pskctool() else { return };
    let xml = write_pskc(&records(), &Protection::InsecurePlaintext, &mut |b| {
        b.fill(3)
    })
    .unwrap();
    let start = xml.find("<pskc:DeviceInfo>").unwrap();
    let end = xml.find("</pskc:DeviceInfo>").unwrap() + "</pskc:DeviceInfo>".len();
    let key_end = xml[end..].find("</pskc:Key>").unwrap() + end + "</pskc:Key>".len();
    let swapped = format!(
        "{}{}{}{}",
        &xml[..start],
        &xml[end..key_end],
        &xml[start..end],
        &xml[key_end..]
    );
    let (verdict, all) = validate(tool, &swapped);
    assert_eq!(verdict, "FAIL", "{all}");
}
