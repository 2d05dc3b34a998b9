//! On-device management of numbered profiles and single-seed tokens through the
//! station, in process: Molto2 profiles burned by the station, listed with their
//! registered tokens, deleted by number, and a factory reset that waits for ▲ before it
//! retires anything; a Token2 NFC token that tells its clock and refuses the rest with
//! its reasons.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::bench::audit;
use common::device::{
    HOST, HOST_MS, READER, burn_typed, operator, opts, quiet, refused, station, status,
};

use std::sync::{Arc, Mutex};

use tokenstation::devices::molto2::{DEFAULT_CUSTOMER_KEY, Molto2};
use tokenstation::devices::session::TokenSession;
use tokenstation::devices::token2_nfc::{Model, Token2Nfc};
use tokenstation::devices::{ManagementRefusal, ResetOutcome, SlotRef};
use tokenstation::emulator::clock::{DeviceClock, now_ms};
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::molto2::{Molto2Card, Molto2Handle};
use tokenstation::emulator::token2_nfc::Token2NfcCard;
use tokenstation::model::{Family, TokenStatus};
use tokenstation::station::device::{DeviceEvent, Scripted};
use tokenstation::station::jobs::{Answer, Ask};
use tokenstation::station::{ErrorClass, Station, StationError};

fn molto2_session(card: &Molto2Card) -> TokenSession {
    let m = Molto2::new(InProcess::card(READER, card.clone()), DEFAULT_CUSTOMER_KEY)
        .with_host_clock(|| HOST);
    TokenSession::from_parts(READER, Box::new(m), None)
}

/// A Molto2 whose clock and host time stand still at `HOST`.
fn molto2_card() -> (Molto2Card, Molto2Handle) {
    let card =
        Molto2Card::new("M2V2000123", DeviceClock::synced(HOST_MS)).with_frozen_host_time(HOST_MS);
    let hook = card.hook();
    (card, hook)
}

/// Burns `serial` into profile `slot`, typing the code the display shows.
fn burn_molto2(
    st: &mut Station,
    s: &mut TokenSession,
    hook: &Molto2Handle,
    serial: &str,
    slot: u16,
) {
    burn_typed(st, s, serial, Some(slot), &mut |a| match a {
        Ask::Code { .. } => Answer::Text(hook.display_code(slot).unwrap().into()),
        other => panic!("{other:?}"),
    });
}

#[test]
fn a_molto2_reset_waits_for_the_button_before_it_retires_anything() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Molto2);
    let (card, hook) = molto2_card();
    let mut s = molto2_session(&card);
    burn_molto2(&mut st, &mut s, &hook, "M2-0009", 9);
    let list = st.device_list(&mut s, &mut quiet()).unwrap();
    assert_eq!(list.entries.len(), 100);
    assert_eq!(list.entries[9].held.name.as_deref(), Some("M2-0009"));
    assert_eq!(list.entries[9].tokens[0].serial, "M2-0009");
    assert!(list.entries[8].tokens.is_empty());

    // ▲ never pressed: the reset is not called done, nothing is retired
    let events = Arc::new(Mutex::new(Vec::new()));
    let now = || HOST;
    let mut short = opts(true);
    short.wait = std::time::Duration::from_millis(700);
    let e = st
        .device_reset(
            &mut s,
            short,
            &mut operator(Answer::Unavailable, &events),
            &now,
        )
        .unwrap_err();
    assert!(matches!(e, StationError::ButtonNotPressed { .. }), "{e}");
    assert_eq!(e.class(), ErrorClass::Hardware);
    assert_eq!(status(&st, "M2-0009"), TokenStatus::Active);
    assert_eq!(audit(&st, "device.reset.failed").len(), 1);
    assert!(hook.button_pending());
    hook.press_button(); // the earlier reset runs now: burn again for the next case
    let mut s = molto2_session(&card);
    st.token_set_status("M2-0009", None, TokenStatus::Retired, HOST)
        .unwrap();
    burn_molto2(&mut st, &mut s, &hook, "M2-0010", 10);

    // ▲ pressed when the device asks for it: done, the token retired with the reset
    let h = hook.clone();
    let mut op = Scripted {
        ask: |a: Ask| panic!("{a:?}"),
        show: move |e| {
            assert!(matches!(e, DeviceEvent::PressButton { .. }), "{e:?}");
            assert!(h.press_button());
        },
    };
    let r = st.device_reset(&mut s, opts(true), &mut op, &now).unwrap();
    assert_eq!(r.outcome, ResetOutcome::Done);
    assert_eq!(r.retired[0].serial, "M2-0010");
    assert_eq!(status(&st, "M2-0010"), TokenStatus::Retired);
    assert_eq!(audit(&st, "device.reset").len(), 1);
}

#[test]
fn molto2_profiles_are_deleted_by_number_or_title() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Molto2);
    let (card, hook) = molto2_card();
    let mut s = molto2_session(&card);
    burn_molto2(&mut st, &mut s, &hook, "M2-0003", 3);
    let now = || HOST;
    // an empty profile: not found, refused before any question
    let e = st
        .device_delete(&mut s, &SlotRef::Slot(4), opts(false), &mut quiet(), &now)
        .unwrap_err();
    refused(&e, ManagementRefusal::NotFound);
    let d = st
        .device_delete(&mut s, &SlotRef::Slot(3), opts(true), &mut quiet(), &now)
        .unwrap();
    assert_eq!((d.slot, d.name.as_deref()), (Some(3), Some("M2-0003")));
    assert!(!hook.has_seed(3));
    assert_eq!(status(&st, "M2-0003"), TokenStatus::Retired);
}

#[test]
fn a_token2_nfc_token_tells_its_clock_and_refuses_the_rest_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Token2Nfc);
    let card = Token2NfcCard::new(
        Model::C302,
        5,
        DeviceClock::with_offset(now_ms(), -42_000, 0.0),
    );
    let mut s = TokenSession::from_parts(
        READER,
        Box::new(Token2Nfc::new(InProcess::card(READER, card))),
        None,
    );
    let host = now_ms() / 1000;
    let info = st.device_info(&mut s, &mut quiet(), host).unwrap();
    assert_eq!(info.info.model.as_deref(), Some("C302-i"));
    let off = info.clock_offset.unwrap();
    assert!((-44..=-40).contains(&off), "offset {off}");
    assert!(!info.management.list);
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["family"], "token2-nfc");
    assert!(json["clock_offset"].is_i64());

    let e = st.device_list(&mut s, &mut quiet()).unwrap_err();
    refused(&e, ManagementRefusal::NothingReadable);
    let now = || HOST;
    let e = st
        .device_delete(&mut s, &SlotRef::Slot(0), opts(true), &mut quiet(), &now)
        .unwrap_err();
    refused(&e, ManagementRefusal::NoEraseCommand);
    let e = st
        .device_reset(&mut s, opts(true), &mut quiet(), &now)
        .unwrap_err();
    refused(&e, ManagementRefusal::NoEraseCommand);
    let e = st
        .device_rename(&mut s, &SlotRef::Slot(0), "x", false, &mut quiet(), &now)
        .unwrap_err();
    refused(&e, ManagementRefusal::NoNameStored);
    assert!(s.manage().management().factory_reset.is_none());
}
