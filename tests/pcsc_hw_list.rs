//! Issue 12, "Burning": `hw list` names the families it can recognise (the ATR, an
//! OATH SELECT), says "token (family unknown: pass --family)" otherwise, and shows a
//! UID only for a card that answers one — no "UID: unreadable … 6E00" lines. Through
//! the binary against emulated cards behind the real pcscd (the vpcd slots held).
//!
//! Needs `make deps pcscd`: FAILS under `CI=true` without it, else skips loudly.

#![allow(clippy::unwrap_used)]
#![cfg(feature = "pcsc")]

mod common;

use common::Station;
use common::pcsc::{insert_card, remove_card};
use tokenstation::devices::token2_nfc::protocol::Model;
use tokenstation::emulator::VirtualCard;
use tokenstation::emulator::clock::{DeviceClock, now_ms};
use tokenstation::emulator::token2_nfc::Token2NfcCard;
use tokenstation::emulator::vpcd::VPCD_PORT_0;
use tokenstation::emulator::ykoath::OathCard;

const READER: &str = "Virtual PCD 00 00";

/// `hw list` text: the lines of `READER`'s entry.
fn entry(s: &Station) -> Vec<String> {
    let out = s.ok(&["hw", "list"]);
    out.lines()
        .skip_while(|l| {
            l.trim_start() != READER && !l.trim_start().starts_with(&format!("{READER} ("))
        })
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(|l| l.trim().to_string())
        .collect()
}

/// `hw list --json`: the card in `READER`.
fn card_json(s: &Station) -> serde_json::Value {
    let v = s.json(&["hw", "list"]);
    v["pcsc"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == READER)
        .unwrap()["card"]
        .clone()
}

fn check(s: &Station, card: impl VirtualCard + 'static, label: &str, family: Option<&str>) {
    let (_slots, ctx) = common::pcsc::stack(READER).unwrap();
    let (field, _faults, bridge) = insert_card(&ctx, VPCD_PORT_0, card);
    let lines = entry(s);
    let json = card_json(s);
    remove_card(&ctx, &field, bridge);
    let first = lines.first().cloned().unwrap_or_default();
    assert_eq!(
        first,
        format!("card: {label} [{}]", family.unwrap_or("-")),
        "{lines:?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("UID:") || l.contains("unreadable")),
        "no UID line for a card that answers none: {lines:?}"
    );
    assert_eq!(json["description"], label, "{json}");
    assert_eq!(
        json["family"],
        family.map_or(serde_json::Value::Null, Into::into)
    );
    assert!(json["uid"].is_null() && json["note"].is_null(), "{json}");
}

#[test]
fn cards_are_named_by_family_and_unknown_tokens_say_so() {
    if common::pcsc::stack(READER).is_none() {
        return;
    }
    let s = Station::new();
    check(&s, OathCard::yubikey(), "YubiKey (OATH)", Some("ykoath"));
    check(
        &s,
        OathCard::nitrokey3(),
        "Nitrokey 3 (OATH)",
        Some("nitrokey3"),
    );
    let token2 = Token2NfcCard::new(Model::C302, 77, DeviceClock::with_offset(now_ms(), 0, 0.0));
    check(&s, token2, "token (family unknown: pass --family)", None);
}
