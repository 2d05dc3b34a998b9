//! Issue 12, "Burning", for on-device management: a Molto2 rename or delete sends the
//! customer key too, so the station remembers the tries each wrong key leaves and asks
//! (through the operator, [`Ask::LastKeyTry`]) before the try that could lock the
//! device; a no or nobody to ask sends nothing, `yes` sends it, and the right key
//! clears the count. In process against the emulated Molto2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::device::{HOST, HOST_MS, READER, burn_typed, opts, quiet, station};

use tokenstation::devices::SlotRef;
use tokenstation::devices::molto2::{DEFAULT_CUSTOMER_KEY, Molto2};
use tokenstation::devices::session::TokenSession;
use tokenstation::emulator::clock::DeviceClock;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::molto2::{MAX_TRIES, Molto2Card};
use tokenstation::model::Family;
use tokenstation::station::StationError;
use tokenstation::station::device::Scripted;
use tokenstation::station::jobs::{Answer, Ask};

const DEVICE: &str = "M2V2000321";

fn session(card: &Molto2Card, key: &[u8]) -> TokenSession {
    let m = Molto2::new(InProcess::card(READER, card.clone()), key).with_host_clock(|| HOST);
    TokenSession::from_parts(READER, Box::new(m), None)
}

#[test]
fn rename_and_delete_ask_before_the_last_try_of_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, Family::Molto2);
    let card = Molto2Card::new(DEVICE, DeviceClock::synced(HOST_MS)).with_frozen_host_time(HOST_MS);
    let hook = card.hook();
    let mut good = session(&card, DEFAULT_CUSTOMER_KEY);
    burn_typed(&mut st, &mut good, "M-4", Some(4), &mut |a| match a {
        Ask::Code { .. } => Answer::Text(hook.display_code(4).unwrap().into()),
        other => panic!("{other:?}"),
    });
    let now = || HOST;
    let known =
        |st: &tokenstation::station::Station| st.read().key_tries(Family::Molto2, DEVICE).unwrap();
    assert_eq!(known(&st), None);
    // Wrong keys: each rename spends a try and the count is remembered; no question.
    let mut bad = session(&card, b"NOT-THE-RIGHT-K!");
    for left in (1..MAX_TRIES).rev() {
        let e = st
            .device_rename(&mut bad, &SlotRef::Slot(4), "x", false, &mut quiet(), &now)
            .unwrap_err();
        assert!(e.to_string().contains("authentication failed"), "{e}");
        assert_eq!((hook.tries_left(), known(&st)), (left, Some(left)));
    }
    // One try left: the operator is asked; "no" sends nothing.
    let mut asked = Vec::new();
    let mut no = Scripted {
        ask: |a: Ask| {
            asked.push(a);
            Answer::Confirmed(false)
        },
        show: |_| {},
    };
    let e = st
        .device_rename(&mut bad, &SlotRef::Slot(4), "x", false, &mut no, &now)
        .unwrap_err();
    assert!(matches!(e, StationError::Declined { .. }), "{e}");
    assert_eq!(
        asked,
        vec![Ask::LastKeyTry {
            device: format!("Molto2 {DEVICE}"),
            tries_left: 1
        }]
    );
    // A delete (its retiring confirmed) with nobody to answer the last try is
    // refused, naming the device; nothing sent.
    let mut nobody = Scripted {
        ask: |a: Ask| match a {
            Ask::Confirm { .. } => Answer::Confirmed(true),
            _ => Answer::Unavailable,
        },
        show: |_| {},
    };
    let e = st
        .device_delete(&mut bad, &SlotRef::Slot(4), opts(false), &mut nobody, &now)
        .unwrap_err();
    assert!(
        matches!(&e, StationError::NotConfirmed { action }
            if action.contains(&format!("Molto2 {DEVICE}")) && action.contains("locks it")),
        "{e}"
    );
    assert_eq!(hook.tries_left(), 1, "no try was spent");
    // `yes` with the right key: sent, accepted, the count forgotten.
    st.device_rename(
        &mut good,
        &SlotRef::Slot(4),
        "desk",
        true,
        &mut quiet(),
        &now,
    )
    .unwrap();
    assert_eq!((hook.tries_left(), known(&st)), (MAX_TRIES, None));
}
