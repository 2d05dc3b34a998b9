//! On-device management through the station (`station::device`), in process: tokens
//! burned by the station, then listed, deleted, renamed and reset through sessions over
//! the emulated devices (YubiKey, Nitrokey 3, Molto2, Token2 NFC; the Nitrokey Pro over
//! `HidLink`, as the kernel has no virtual HID). The store learns of it: a deleted slot
//! that held a registered token retires the token after a confirmation, audited with
//! the delete; a rename follows; a family that cannot refuses with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::bench::audit;
use common::requests::program_request;

use std::sync::{Arc, Mutex};

use tokenstation::devices::molto2::{DEFAULT_CUSTOMER_KEY, Molto2};
use tokenstation::devices::session::TokenSession;
use tokenstation::devices::token2_nfc::{Model, Token2Nfc};
use tokenstation::devices::ykoath::OathToken;
use tokenstation::devices::{DeviceError, ManagementOp, ManagementRefusal, ResetOutcome, SlotRef};
use tokenstation::emulator::clock::{DeviceClock, now_ms};
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::molto2::{Molto2Card, Molto2Handle};
use tokenstation::emulator::token2_nfc::Token2NfcCard;
use tokenstation::emulator::ykoath::OathCard;
use tokenstation::model::{Family, TokenStatus};
use tokenstation::otp::{OtpParams, Secret};
use tokenstation::station::device::{ChangeOptions, DeviceEvent, Scripted};
use tokenstation::station::hint::Hint;
use tokenstation::station::jobs::{Answer, Ask};
use tokenstation::station::provision::{BurnOptions, BurnRequest, BurnSeed, Proof};
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::{ErrorClass, Station, StationError};

const HOST_MS: i64 = 1_750_000_000_000;
const HOST: i64 = HOST_MS / 1000;
const READER: &str = "Virtual PCD 00 00";

fn station(dir: &tempfile::TempDir, family: Family) -> Station {
    common::bench::station_with_product(dir, "P", family)
}

/// Burns `serial` into `s` (slot `slot`), answering a typed proof with `code`.
fn burn(st: &mut Station, s: &mut TokenSession, serial: &str, slot: Option<u16>) {
    burn_typed(st, s, serial, slot, &mut |_| Answer::Unavailable);
}

fn burn_typed(
    st: &mut Station,
    s: &mut TokenSession,
    serial: &str,
    slot: Option<u16>,
    answer: &mut dyn FnMut(Ask) -> Answer,
) {
    let now = || HOST;
    let (token, clock) = s.parts();
    let out = st
        .burn(
            token,
            clock,
            BurnRequest {
                product: Some("P".into()),
                serial: Some(serial.into()),
                seed: BurnSeed::New(SeedInput::Generate),
                options: BurnOptions {
                    issuer: Some("ACME".into()),
                    slot,
                    proof: Proof::Auto,
                    ..BurnOptions::default()
                },
                reader: READER.into(),
                now: &now,
            },
            &mut tokenstation::station::jobs::AskWith(answer),
        )
        .unwrap();
    assert_eq!(
        st.token(&out.serial, None).unwrap().status,
        TokenStatus::Active
    );
}

fn oath(card: &OathCard) -> TokenSession {
    let t = OathToken::open(InProcess::card(READER, card.clone()), None).unwrap();
    TokenSession::from_parts(READER, Box::new(t), None)
}

fn status(st: &Station, serial: &str) -> TokenStatus {
    st.token(serial, None).unwrap().status
}

/// An operator answering every confirmation with `confirm` and recording events.
fn operator(
    confirm: Answer,
    events: &Arc<Mutex<Vec<DeviceEvent>>>,
) -> Scripted<impl FnMut(Ask) -> Answer, impl FnMut(DeviceEvent)> {
    let mut confirm = Some(confirm);
    let ev = Arc::clone(events);
    Scripted {
        ask: move |a: Ask| match a {
            Ask::Confirm { .. } => confirm.take().unwrap_or(Answer::Unavailable),
            other => panic!("unexpected question {other:?}"),
        },
        show: move |e| ev.lock().unwrap().push(e),
    }
}

fn quiet() -> Scripted<impl FnMut(Ask) -> Answer, impl FnMut(DeviceEvent)> {
    Scripted {
        ask: |a: Ask| panic!("nothing is asked here: {a:?}"),
        show: |e: DeviceEvent| panic!("nothing is shown here: {e:?}"),
    }
}

fn opts(yes: bool) -> ChangeOptions {
    ChangeOptions {
        yes,
        wait: std::time::Duration::from_secs(2),
    }
}

fn refused(e: &StationError, why: ManagementRefusal) {
    assert!(
        matches!(e, StationError::Device(DeviceError::CannotManage { why: w, .. }) if *w == why),
        "{e}"
    );
    assert_eq!(e.class(), ErrorClass::Input, "{e}");
}

#[test]
fn deleting_a_registered_credential_asks_then_retires_the_token_with_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Ykoath);
    let card = OathCard::yubikey();
    let mut s = oath(&card);
    burn(&mut st, &mut s, "YK-0001", None);
    let events = Arc::new(Mutex::new(Vec::new()));
    let now = || HOST + 5;

    // what it holds, with the registered token of each credential
    let seed = Secret::from_slice(b"12345678901234567890");
    let other = program_request(None, "other:x", &seed, OtpParams::default());
    s.manage()
        .program(&other)
        .expect("a credential nobody registered");
    let list = st.device_list(&mut s, &mut quiet()).unwrap();
    assert_eq!(list.family, Family::Ykoath);
    let mine = list
        .entries
        .iter()
        .find(|e| e.held.name.as_deref() == Some("ACME:YK-0001"))
        .unwrap();
    assert_eq!(mine.tokens.len(), 1);
    assert_eq!(
        (mine.tokens[0].serial.as_str(), mine.tokens[0].status),
        ("YK-0001", TokenStatus::Active)
    );
    assert_eq!(mine.held.period, Some(30));
    assert_eq!(mine.held.touch, Some(false));
    let json = serde_json::to_value(&list).unwrap();
    assert_eq!(json["entries"][0]["tokens"].as_array().unwrap().len(), 1);

    // a credential no token is registered for goes without a question
    let d = st
        .device_delete(
            &mut s,
            &SlotRef::Name("other:x".into()),
            opts(false),
            &mut quiet(),
            &now,
        )
        .unwrap();
    assert!(d.retired.is_empty());

    // nobody to ask: refused, nothing deleted, the token stays active
    let which = SlotRef::Name("ACME:YK-0001".into());
    let e = st
        .device_delete(
            &mut s,
            &which,
            opts(false),
            &mut operator(Answer::Unavailable, &events),
            &now,
        )
        .unwrap_err();
    assert!(matches!(e, StationError::NotConfirmed { .. }), "{e}");
    assert_eq!(e.hint(), Some(Hint::Confirm));
    assert!(e.to_string().contains("YK-0001"), "{e}");
    // declined: the same
    let e = st
        .device_delete(
            &mut s,
            &which,
            opts(false),
            &mut operator(Answer::Confirmed(false), &events),
            &now,
        )
        .unwrap_err();
    assert!(matches!(e, StationError::Declined { .. }), "{e}");
    assert_eq!(card.applet().names(), ["ACME:YK-0001"]);
    assert_eq!(status(&st, "YK-0001"), TokenStatus::Active);
    assert_eq!(audit(&st, "device.delete.failed").len(), 2);

    // confirmed: deleted on the device and retired in the store, audited together
    let d = st
        .device_delete(
            &mut s,
            &which,
            opts(false),
            &mut operator(Answer::Confirmed(true), &events),
            &now,
        )
        .unwrap();
    assert_eq!(d.retired.len(), 1);
    assert!(card.applet().names().is_empty());
    assert_eq!(status(&st, "YK-0001"), TokenStatus::Retired);
    let deletes = audit(&st, "device.delete");
    assert_eq!(deletes.len(), 2);
    assert!(
        deletes
            .iter()
            .any(|a| a.contains("\"retired\":[{\"serial\":\"YK-0001\"")),
        "{deletes:?}"
    );
    let retires = audit(&st, "token.retire");
    assert_eq!(retires.len(), 1);
    assert!(
        retires[0].starts_with("token.retire token YK-0001 ")
            && retires[0].contains("\"cause\":\"device.delete\"")
    );
    assert!(
        events.lock().unwrap().is_empty(),
        "a YubiKey wants no touch to delete"
    );

    // refusals with the reason: positions are no slots, unknown names are not found
    let e = st
        .device_delete(&mut s, &SlotRef::Slot(0), opts(true), &mut quiet(), &now)
        .unwrap_err();
    refused(&e, ManagementRefusal::NamedNotNumbered);
    let e = st
        .device_delete(&mut s, &which, opts(true), &mut quiet(), &now)
        .unwrap_err();
    refused(&e, ManagementRefusal::NotFound);
}

#[test]
fn a_rename_is_followed_by_the_registered_token_where_the_family_can_rename() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Ykoath);
    let card = OathCard::yubikey();
    let mut s = oath(&card);
    burn(&mut st, &mut s, "YK-0002", None);
    let now = || HOST;
    let r = st
        .device_rename(
            &mut s,
            &SlotRef::Name("ACME:YK-0002".into()),
            "ACME:desk-2",
            &mut quiet(),
            &now,
        )
        .unwrap();
    assert_eq!(
        (r.from.as_deref(), r.to.as_str()),
        (Some("ACME:YK-0002"), "ACME:desk-2")
    );
    assert_eq!(r.tokens[0].serial, "YK-0002");
    let list = st.device_list(&mut s, &mut quiet()).unwrap();
    assert_eq!(list.entries[0].held.name.as_deref(), Some("ACME:desk-2"));
    assert_eq!(
        list.entries[0].tokens[0].serial, "YK-0002",
        "the store followed"
    );
    assert_eq!(audit(&st, "device.rename").len(), 1);

    // the Nitrokey 3 Secrets App cannot rename: refused, audited as failed
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Nitrokey3);
    let card = OathCard::nitrokey3();
    card.set_touch(true);
    let mut s = oath(&card);
    burn(&mut st, &mut s, "NK3-1", None);
    let e = st
        .device_rename(
            &mut s,
            &SlotRef::Name("ACME:NK3-1".into()),
            "x",
            &mut quiet(),
            &now,
        )
        .unwrap_err();
    refused(&e, ManagementRefusal::NoRenameCommand);
    assert_eq!(audit(&st, "device.rename.failed").len(), 1);
}

#[test]
fn a_nitrokey3_wants_a_touch_to_delete_and_to_reset() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Nitrokey3);
    let card = OathCard::nitrokey3();
    card.set_touch(true);
    let mut s = oath(&card);
    burn(&mut st, &mut s, "NK3-1", None);
    burn(&mut st, &mut s, "NK3-2", None);
    let events = Arc::new(Mutex::new(Vec::new()));
    let now = || HOST;
    st.device_delete(
        &mut s,
        &SlotRef::Name("ACME:NK3-1".into()),
        opts(true),
        &mut operator(Answer::Unavailable, &events),
        &now,
    )
    .unwrap();
    assert_eq!(status(&st, "NK3-1"), TokenStatus::Retired);
    assert_eq!(
        events.lock().unwrap().as_slice(),
        [DeviceEvent::Touch {
            reader: READER.into(),
            operation: ManagementOp::Delete
        }]
    );
    events.lock().unwrap().clear();

    // a reset always asks, names what it wipes and which tokens it retires
    let asked = Arc::new(Mutex::new(String::new()));
    let a = Arc::clone(&asked);
    let ev = Arc::clone(&events);
    let mut op = Scripted {
        ask: move |q: Ask| match q {
            Ask::Confirm { action } => {
                *a.lock().unwrap() = action;
                Answer::Confirmed(true)
            }
            other => panic!("{other:?}"),
        },
        show: move |e| ev.lock().unwrap().push(e),
    };
    let r = st.device_reset(&mut s, opts(false), &mut op, &now).unwrap();
    assert_eq!(r.outcome, ResetOutcome::Done);
    let q = asked.lock().unwrap().clone();
    assert!(
        q.contains("every OATH credential") && q.contains("NK3-2"),
        "{q}"
    );
    assert_eq!(r.retired.len(), 1);
    assert_eq!(status(&st, "NK3-2"), TokenStatus::Retired);
    assert!(card.applet().names().is_empty());
    assert!(matches!(
        events.lock().unwrap().as_slice(),
        [DeviceEvent::Touch {
            operation: ManagementOp::FactoryReset,
            ..
        }]
    ));
}

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
        .device_rename(&mut s, &SlotRef::Slot(0), "x", &mut quiet(), &now)
        .unwrap_err();
    refused(&e, ManagementRefusal::NoNameStored);
    assert!(s.manage().management().factory_reset.is_none());
}
