//! `tokenstation drift fix` through the binary and the real pcscd (issue 14): a Token2
//! C301-i running 5 minutes fast in a vsmartcard-vpcd reader has its clock read, set,
//! its seed re-sent (its clock write wipes it) and proven by the typed displayed code.
//! Run one at a time with the other PC/SC tests (`make test`); FAILS under `CI=true`
//! without pcscd, else skips loudly.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};

const SEED_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const SEED: &[u8] = b"12345678901234567890";

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
    s.cmd(&[
        "token",
        "add",
        "86596100000777",
        "--product",
        "Token2 C301-i",
    ])
    .env("TOKENSTATION_SECRET", SEED_B32)
    .assert()
    .success();
    s
}

#[test]
fn token2_clock_fix_through_pcscd() {
    use tokenstation::devices::OtpToken;
    use tokenstation::devices::token2_nfc::{Model, Token2Nfc};
    use tokenstation::emulator::clock::{DeviceClock, now_ms};
    use tokenstation::emulator::link::InProcess;
    use tokenstation::emulator::token2_nfc::Token2NfcCard;
    use tokenstation::emulator::vpcd::VPCD_PORT_1;
    use tokenstation::otp::OtpParams;

    let Some((_g, ctx)) = common::pcsc::stack("Virtual PCD 00 01") else {
        return;
    };
    let s = station();
    // The card holds the store's seed (programmed beforehand) and runs 5 minutes fast.
    let card = Token2NfcCard::new(Model::C301, 777, DeviceClock::synced(now_ms()));
    let hook = card.hook();
    let mut t = Token2Nfc::new(InProcess::card("bench", card.clone()));
    t.info().unwrap();
    t.program(&tokenstation::devices::ProgramRequest {
        slot: None,
        name: "",
        secret: &Secret::from_slice(SEED),
        params: OtpParams::default(),
        counter: 0,
        touch: false,
        overwrite: true,
    })
    .unwrap();
    hook.set_clock(DeviceClock::with_offset(now_ms(), 300_000, 0.0));
    let writes = hook.writes();
    let (field, _faults, bridge) = common::pcsc::insert_card(&ctx, VPCD_PORT_1, card);
    let reader = bridge.reader_name();
    // after the fix the token shows the code of host time: typed in for the proof
    let typed = code(tokenstation::station::time::now() + 3);
    let out = s
        .cmd(&[
            "--json",
            "drift",
            "fix",
            "86596100000777",
            "--reader",
            &reader,
            "--force",
        ])
        .write_stdin(format!("{typed}\n"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["reseeded"], true, "{j}");
    assert_eq!(j["proof"], "typed");
    assert!(
        (j["offset_before_s"].as_i64().unwrap() - 300).abs() <= 2,
        "{j}"
    );
    assert!(j["offset_after_s"].as_i64().unwrap().abs() <= 1, "{j}");
    assert_eq!(hook.writes(), (writes.0 + 1, writes.1 + 1));
    assert!(hook.has_seed() && hook.clock().offset_ms(now_ms()).abs() < 1_500);
    let tok = s.json(&["token", "show", "86596100000777"]);
    assert_eq!(
        (
            tok["drift_steps"].as_i64(),
            tok["drift_base_steps"].as_i64()
        ),
        (Some(0), Some(0))
    );
    let audit = s.ok(&["audit", "list"]);
    for step in [
        "drift.fix.read",
        "drift.fix.clock",
        "drift.fix.proof",
        "drift.fix ",
    ] {
        assert!(audit.contains(step), "{step}: {audit}");
    }
    common::pcsc::remove_card(&ctx, &field, bridge);
}
