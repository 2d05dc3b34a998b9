//! `tokenstation burn` through the binary, against emulated tokens behind the real
//! pcscd (vsmartcard-vpcd): read-back proof, wrong typed code, card pulled mid-burn
//! (exit 4, no active token, audit entry, rerun succeeds), batch mode. One at a time
//! (`--test-threads=1`; a machine-wide lock guards the vpcd slots).
//!
//! Needs `make deps pcscd`: FAILS under `CI=true` without it, else skips loudly.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Station;
use tokenstation::devices::ykoath::OathToken;
use tokenstation::emulator::VirtualCard;
use tokenstation::emulator::fault::{Fault, Faults};
use tokenstation::emulator::field::Field;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::vpcd::{CardField, VPCD_PORT_0, VpcdBridge};
use tokenstation::emulator::ykoath::OathCard;
use tokenstation::transport::pcsc::{CardWait, PcscContext};

const WAIT: Option<Duration> = Some(Duration::from_secs(10));
const READER: &str = "Virtual PCD 00 00";

fn stack() -> Option<(common::pcsc::Slots, PcscContext)> {
    common::pcsc::stack(READER)
}

fn insert(ctx: &PcscContext, card: &OathCard) -> (CardField, Faults, VpcdBridge) {
    let field = Field::with(Box::new(card.clone()) as Box<dyn VirtualCard>);
    let faults = Faults::new();
    let bridge = VpcdBridge::spawn(VPCD_PORT_0, field.clone(), faults.clone());
    assert!(
        matches!(ctx.wait_for(READER, true, WAIT), Ok(CardWait::Present(_))),
        "card did not appear: {:?}",
        bridge.last_error()
    );
    (field, faults, bridge)
}

fn remove(ctx: &PcscContext, field: &CardField) {
    field.take();
    assert_eq!(ctx.wait_for(READER, false, WAIT).unwrap(), CardWait::Empty);
}

fn station() -> Station {
    let s = Station::new();
    s.ok(&[
        "product",
        "add",
        "YubiKey TOTP",
        "--family",
        "ykoath",
        "--programmable",
        "true",
    ]);
    s
}

fn token_json(s: &Station, serial: &str) -> serde_json::Value {
    s.json(&["token", "show", serial])
}

fn audit(s: &Station, action: &str) -> Vec<serde_json::Value> {
    s.json(&["audit", "list", "--action", action])
        .as_array()
        .unwrap()
        .clone()
}

/// The code the emulated token computes now, asked through its own driver in-process.
fn token_code(card: &OathCard, name: &str) -> String {
    let mut t = OathToken::open(InProcess::card("check", card.clone()), None).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // by name: an OATH credential has no slot number
    t.code_for(name, now).unwrap()
}

#[test]
fn burn_yubikey_with_read_back_then_rerun_after_card_pulled() {
    let Some((_g, ctx)) = stack() else { return };
    let s = station();
    let card = OathCard::yubikey();
    let (field, faults, bridge) = insert(&ctx, &card);

    // 1. a clean burn, proven by reading a code back
    let out = s.json(&[
        "burn",
        "--reader",
        READER,
        "--product",
        "YubiKey TOTP",
        "--serial",
        "YK-0001",
        "--generate",
        "--issuer",
        "ACME",
    ]);
    assert_eq!(out["proof"], "read-back");
    assert_eq!(out["name"], "ACME:YK-0001");
    assert_eq!(out["family"], "ykoath");
    assert_eq!(token_json(&s, "YK-0001")["status"], "active");
    let station_code = s.json(&["token", "code", "YK-0001"])["code"]
        .as_str()
        .unwrap()
        .to_string();
    let device_code = token_code(&card, "ACME:YK-0001");
    let again = s.json(&["token", "code", "YK-0001"])["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        device_code == station_code || device_code == again,
        "step boundary"
    );
    assert_eq!(
        audit(&s, "token.burn")
            .iter()
            .filter(|a| a["action"] == "token.burn")
            .count(),
        1
    );

    // 2. the card is pulled while the seed is written: exit 4, no active token
    faults.push(Fault::Pass); // SELECT
    faults.push(Fault::Pass); // LIST
    faults.push(Fault::RemoveCard); // PUT
    let (_, err) = s.fails(
        &[
            "burn",
            "--reader",
            READER,
            "--product",
            "YubiKey TOTP",
            "--serial",
            "YK-0002",
            "--generate",
        ],
        4,
    );
    assert!(
        err.contains("card removed") || err.contains("removed"),
        "{err}"
    );
    assert_eq!(token_json(&s, "YK-0002")["status"], "unverified");
    let failed = audit(&s, "token.burn.failed");
    assert_eq!(failed.len(), 1);
    let after = &failed[0]["after"]; // nested JSON, not JSON text
    assert_eq!(after["step"], "write");
    assert!(ctx.wait_for(READER, false, WAIT).unwrap() == CardWait::Empty);

    // 3. the same token back in the reader: the same command simply runs again
    field.place(Box::new(card.clone()));
    assert!(matches!(
        ctx.wait_for(READER, true, WAIT).unwrap(),
        CardWait::Present(_)
    ));
    let out = s.json(&[
        "burn",
        "--reader",
        READER,
        "--product",
        "YubiKey TOTP",
        "--serial",
        "YK-0002",
        "--generate",
    ]);
    assert_eq!(out["serial"], "YK-0002");
    assert_eq!(token_json(&s, "YK-0002")["status"], "active");
    assert_eq!(card.applet().names().len(), 2);
    remove(&ctx, &field);
    bridge.stop();
}

#[test]
fn wrong_typed_code_leaves_no_active_token() {
    let Some((_g, ctx)) = stack() else { return };
    let s = station();
    let card = OathCard::nitrokey3();
    let (field, _faults, bridge) = insert(&ctx, &card);
    let out = s
        .cmd(&[
            "burn",
            "--reader",
            READER,
            "--product",
            "YubiKey TOTP",
            "--serial",
            "NK-1",
            "--generate",
            "--prove",
            "typed",
            "--family",
            "nitrokey3",
        ])
        .write_stdin("000000\n")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // the product is for ykoath: a nitrokey3 token is refused before anything is written
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("family ykoath"), "{stderr}");
    assert!(card.applet().names().is_empty());

    s.ok(&[
        "product",
        "add",
        "NK3 TOTP",
        "--family",
        "nitrokey3",
        "--programmable",
        "true",
    ]);
    let code_typed = "000000";
    let out = s
        .cmd(&[
            "burn",
            "--reader",
            READER,
            "--product",
            "NK3 TOTP",
            "--serial",
            "NK-1",
            "--generate",
            "--prove",
            "typed",
        ])
        .write_stdin(format!("{code_typed}\n"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let device_code = token_code(&card, "NK3 TOTP:NK-1");
    if device_code != code_typed {
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("does not match"), "{stderr}");
        assert_eq!(token_json(&s, "NK-1")["status"], "unverified");
        let failed = audit(&s, "token.burn.failed");
        assert!(failed.iter().any(|a| a["after"]["step"] == "prove"));
    }
    // rerun with read-back: the Nitrokey 3 does not overwrite, the driver deletes first
    let out = s.json(&[
        "burn",
        "--reader",
        READER,
        "--product",
        "NK3 TOTP",
        "--serial",
        "NK-1",
        "--generate",
    ]);
    assert_eq!(out["proof"], "read-back");
    assert_eq!(token_json(&s, "NK-1")["status"], "active");
    assert_eq!(card.applet().names(), ["NK3 TOTP:NK-1"]);
    remove(&ctx, &field);
    bridge.stop();
}

#[test]
fn batch_burns_token_after_token() {
    let Some((_g, ctx)) = stack() else { return };
    let s = station();
    let first = OathCard::yubikey();
    let second = OathCard::yubikey();
    let field: CardField = Field::empty();
    let bridge = VpcdBridge::spawn(VPCD_PORT_0, field.clone(), Faults::new());
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("tokenstation"))
        .env_remove("TOKENSTATION_DB")
        .env_remove("TOKENSTATION_KEY_FILE")
        .arg("--db")
        .arg(s.db())
        .args([
            "--json",
            "burn",
            "--reader",
            READER,
            "--product",
            "YubiKey TOTP",
            "--generate",
            "--batch",
            "--serial-prefix",
            "B-",
            "--start",
            "7",
            "--count",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for card in [&first, &second] {
        field.place(Box::new(card.clone()));
        let deadline = Instant::now() + Duration::from_secs(20);
        while card.applet().names().is_empty() {
            assert!(Instant::now() < deadline, "batch did not burn the token");
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(300));
        remove(&ctx, &field);
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let serials: Vec<&str> = v["burned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials, ["B-0007", "B-0008"]);
    assert_eq!(first.applet().names(), ["YubiKey TOTP:B-0007"]);
    assert_eq!(second.applet().names(), ["YubiKey TOTP:B-0008"]);
    assert!(stderr.contains("present token B-0008"), "{stderr}");
    bridge.stop();
}

#[test]
fn emulate_nitrokey_explains_and_runs_a_demo_burn() {
    let out = assert_cmd::Command::cargo_bin("tokenstation")
        .unwrap()
        .args(["emulate", "--nitrokey"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("no virtual HID"), "{stdout}");
    assert!(stdout.contains("proven by read-back"), "{stdout}");
}
