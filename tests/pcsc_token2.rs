//! Token2 drivers × emulators through the real pcscd, the emulated tokens served by
//! vsmartcard-vpcd (token-protocols.md §2, §3). Run one at a time: the vpcd slots are
//! shared machine-wide (file lock `tokenstation-vpcd.lock`, `--test-threads=1`).
//!
//! Needs `make deps pcscd`. Without pcscd or the Virtual PCD readers the tests FAIL
//! under `CI=true` and are skipped with a loud message elsewhere.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pcsc::{insert_card as insert, remove_card as remove_and_wait};

use std::time::Duration;

use tokenstation::devices::molto2::{DEFAULT_CUSTOMER_KEY, Molto2};
use tokenstation::devices::token2_nfc::{Model, Token2Nfc};
use tokenstation::devices::{DeviceError, OtpToken, ProgramRequest, TokenClock};
use tokenstation::emulator::clock::{DeviceClock, now_ms};
use tokenstation::emulator::fault::Fault;
use tokenstation::emulator::molto2::{MAX_TRIES, Molto2Card};
use tokenstation::emulator::token2_nfc::Token2NfcCard;
use tokenstation::emulator::vpcd::{VPCD_PORT_0, VPCD_PORT_1};
use tokenstation::otp::{Algorithm, OtpParams, Secret, totp::totp};
use tokenstation::transport::LinkError;
use tokenstation::transport::pcsc::{CardWait, PcscContext};

const WAIT: Option<Duration> = Some(Duration::from_secs(10));

/// The pcscd context, or `None` (skip) outside CI when the stack is missing.
fn stack() -> Option<(common::pcsc::Slots, PcscContext)> {
    common::pcsc::stack("Virtual PCD 00 00")
}

fn request<'a>(slot: Option<u16>, secret: &'a Secret, params: OtpParams) -> ProgramRequest<'a> {
    ProgramRequest {
        slot,
        name: "SN-7",
        secret,
        params,
        counter: 0,
        touch: false,
        overwrite: false,
    }
}

fn host() -> i64 {
    now_ms().div_euclid(1000)
}

#[test]
fn token2_nfc_burn_and_clock_rewrite_through_pcscd() {
    let Some((_g, ctx)) = stack() else { return };
    let card = Token2NfcCard::new(
        Model::C301,
        1234,
        DeviceClock::with_offset(now_ms(), -90_000, 80.0),
    );
    let hook = card.hook();
    let (field, _f, bridge) = insert(&ctx, VPCD_PORT_0, card);
    let mut t = Token2Nfc::new(ctx.connect(&bridge.reader_name()).unwrap());
    let info = t.info().unwrap();
    assert_eq!(info.model.as_deref(), Some("C301-i"));
    assert_eq!(info.serial.as_deref(), Some("86596100001234"));
    assert!((info.clock.unwrap() - (host() - 90)).abs() <= 2);

    let secret = Secret::from_slice(b"12345678901234567890");
    let params = OtpParams {
        algorithm: Algorithm::Sha256,
        ..OtpParams::default()
    };
    t.program(&request(None, &secret, params)).unwrap();
    assert!((t.read_clock().unwrap() - host()).abs() <= 2);
    // The display agrees with the seed at the token's own clock.
    let shown = hook.display_code().unwrap();
    let device_now = hook.clock().unix_seconds_at(now_ms());
    assert!(
        [device_now - 1, device_now, device_now + 1]
            .iter()
            .any(|t| totp(&secret, &params, *t).unwrap() == shown)
    );
    // Clock write on a restricted model: seed wiped by the token, re-sent by the driver.
    t.set_clock(host()).unwrap();
    assert_eq!(hook.writes(), (2, 2));
    assert!(hook.has_seed());
    drop(t);
    remove_and_wait(&ctx, &field, bridge);
}

#[test]
fn token2_nfc_card_pulled_mid_write_names_the_reader() {
    let Some((_g, ctx)) = stack() else { return };
    let card = Token2NfcCard::new(Model::C302, 9, DeviceClock::synced(now_ms()));
    let (field, faults, bridge) = insert(&ctx, VPCD_PORT_1, card);
    let reader = bridge.reader_name();
    let mut t = Token2Nfc::new(ctx.connect(&reader).unwrap());
    t.info().unwrap();
    faults.push(Fault::Pass);
    faults.push(Fault::RemoveCard);
    let secret = Secret::from_slice(b"12345678901234567890");
    let e = t
        .program(&request(None, &secret, OtpParams::default()))
        .unwrap_err();
    assert!(
        matches!(&e, DeviceError::Link(LinkError::CardRemoved { reader: r }) if *r == reader),
        "{e:?}"
    );
    assert!(e.to_string().contains(&reader));
    drop(t);
    assert_eq!(ctx.wait_for(&reader, false, WAIT).unwrap(), CardWait::Empty);
    assert!(!field.is_occupied());
    bridge.stop();
}

#[test]
fn molto2_burn_lockout_and_factory_reset_through_pcscd() {
    let Some((_g, ctx)) = stack() else { return };
    let card = Molto2Card::new(
        "M2PCSC01",
        DeviceClock::with_offset(now_ms(), 45_000, -10.0),
    );
    let hook = card.hook();
    let (field, _f, bridge) = insert(&ctx, VPCD_PORT_0, card);
    let reader = bridge.reader_name();

    let mut m = Molto2::new(ctx.connect(&reader).unwrap(), DEFAULT_CUSTOMER_KEY);
    assert_eq!(m.info().unwrap().serial.as_deref(), Some("M2PCSC01"));
    let secret = Secret::from_slice(b"molto2 over pcscd!!!");
    let params = OtpParams::default();
    m.program(&request(Some(17), &secret, params)).unwrap();
    let slot = &m.list_slots().unwrap()[17];
    assert!(slot.occupied && slot.name.as_deref() == Some("SN-7"));
    let shown = hook.display_code(17).unwrap();
    let now = hook.clock().unix_seconds_at(now_ms());
    assert!((now - 1..=now + 1).any(|t| totp(&secret, &params, t).unwrap() == shown));
    assert!(matches!(
        m.program(&request(Some(17), &secret, params)),
        Err(DeviceError::Occupied { slot, .. }) if slot == "17"
    ));
    drop(m);

    // Wrong key: the countdown, then the lock.
    let mut wrong = Molto2::new(ctx.connect(&reader).unwrap(), b"not the key");
    for left in (0..MAX_TRIES).rev() {
        match wrong.authenticate() {
            Err(DeviceError::AuthFailed { tries_left, device }) => {
                assert_eq!((tries_left, device.as_str()), (Some(left), reader.as_str()));
            }
            other => panic!("{other:?}"),
        }
    }
    // Factory reset: 90 60, then ▲.
    assert!(matches!(
        wrong.erase(None),
        Err(DeviceError::ButtonPress { .. })
    ));
    assert!(hook.press_button());
    wrong.authenticate().unwrap();
    assert!(!hook.has_seed(17));
    wrong.sync_time(None, host()).unwrap();
    let (clock, now) = (wrong.read_clock().unwrap(), host());
    assert!((clock - now).abs() <= 2, "device {clock} host {now}");
    drop(wrong);
    remove_and_wait(&ctx, &field, bridge);
}
