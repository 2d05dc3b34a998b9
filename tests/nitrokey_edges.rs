//! The Nitrokey edges the vendors' own code knows (vendor-code-audit.md), driver ×
//! emulator in process: 25-byte PINs, per-model timing with busy back-off under a slow
//! device (recorded pauses, no real sleeps), the Storage (CRC mismatch accepted with a
//! warning, GET_DEVICE_STATUS, TOTP slot 14), "user password for OTP", and the
//! management commands (list, delete, rename, factory reset).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::requests::program_request;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokenstation::devices::nitrokey::protocol as p;
use tokenstation::devices::nitrokey::{Model, Nitrokey, NitrokeyToken, Timing, Warning};
use tokenstation::devices::random::RandomSource;
use tokenstation::devices::{
    DeviceError, DeviceManagement, ManagementRefusal, OtpToken, ProgramRequest, ResetConfirmation,
    ResetOutcome, SlotRef, TokenClock,
};
use tokenstation::emulator::hid::VirtualHidDevice;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::nitrokey::NitrokeyPro;
use tokenstation::otp::{Digits, Kind, OtpParams, Secret};

const RFC: &[u8] = b"12345678901234567890";
const NAME: &str = "/dev/hidraw-virtual (20a0:4109)";

fn device() -> NitrokeyPro {
    NitrokeyPro::with_host_clock(Arc::new(|| 59_000))
}

/// A sleeper that records every pause instead of sleeping.
fn recorder() -> (
    Arc<Mutex<Vec<Duration>>>,
    impl FnMut(Duration) + Send + 'static,
) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&log);
    (log, move |d| l.lock().unwrap().push(d))
}

fn request(secret: &Secret, slot: u16) -> ProgramRequest<'_> {
    let params = OtpParams {
        kind: Kind::Totp,
        digits: Digits::new(8).unwrap(),
        ..OtpParams::default()
    };
    program_request(Some(slot), "NK-0001", secret, params)
}

#[test]
fn a_25_character_admin_pin_works_and_a_longer_one_is_refused_before_sending() {
    let pin = "Twenty-five-characters!!!";
    let mut d = device();
    d.set_admin_pin(pin);
    let mut link = InProcess::hid(NAME, d);
    let mut nk = Nitrokey::new(&mut link).with_timing(Timing::IMMEDIATE);
    nk.authenticate_admin(pin).unwrap();
    let e = nk.authenticate_admin(&format!("{pin}?")).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Unsupported { what, .. } if what.contains("26 bytes")),
        "{e}"
    );
    // nothing was sent: no try was burned
    assert_eq!(nk.retry_count().unwrap(), 3);
    drop(nk);
    assert_eq!(link.device().tries(), 3);
}

#[test]
fn storage_timing_rides_out_a_slow_device_with_free_busy_answers_and_back_off() {
    // 300 busy answers after the command: every 11th counts, so the Storage's 55 reads
    // last (30 counted), the Pro's 15 do not.
    for (timing, survives) in [(Timing::STORAGE, true), (Timing::PRO, false)] {
        let mut d = device();
        d.set_busy_reads(300);
        let mut link = InProcess::hid(NAME, d);
        let (log, sleeper) = recorder();
        let mut nk = Nitrokey::new(&mut link)
            .with_timing(timing)
            .with_sleeper(sleeper);
        assert_eq!(nk.status().is_ok(), survives, "{timing:?}");
        let pauses = log.lock().unwrap().clone();
        // first pause, then 10 free busy answers at the base pause, then doubling
        assert_eq!(pauses[0], timing.first);
        assert!(
            pauses[1..11].iter().all(|p| *p == timing.retry),
            "{pauses:?}"
        );
        assert_eq!(pauses[11], (timing.retry * 2).min(timing.max_retry));
        assert_eq!(*pauses.iter().max().unwrap(), timing.max_retry);
    }
    // without free busy answers (the old budget) the Storage's 55 reads are not enough
    let mut d = device();
    d.set_busy_reads(60);
    let mut link = InProcess::hid(NAME, d);
    let strict = Timing {
        free_busy: 0,
        ..Timing::STORAGE
    };
    let mut nk = Nitrokey::new(&mut link)
        .with_timing(strict)
        .with_sleeper(|_| {});
    assert!(matches!(nk.status(), Err(DeviceError::Frame { .. })));
}

#[test]
fn the_usb_id_picks_the_model_and_its_timing() {
    assert_eq!(Model::from_usb(0x20a0, 0x4109), Some(Model::Storage));
    assert_eq!(Model::Storage.timing(), Timing::STORAGE);
    assert_eq!(
        Model::from_usb(0x316d, 0x4c4b).map(Model::timing),
        Some(Timing::PRO)
    );
    assert_eq!(Model::from_usb(0x20a0, 0x42b1), None);
}

#[test]
fn storage_reports_through_get_device_status_and_refuses_totp_slot_14() {
    let mut d = device().as_storage();
    d.set_serial(0x0000_BEEF);
    let mut link = InProcess::hid(NAME, d);
    let nk = Nitrokey::new(&mut link)
        .with_model(Model::Storage)
        .with_timing(Timing::IMMEDIATE)
        .with_admin_pin("12345678");
    let mut tok = NitrokeyToken::new(nk);
    // GET_STATUS says 0.1 without serial; the token asks GET_DEVICE_STATUS instead
    let info = tok.info().unwrap();
    assert_eq!(info.model.as_deref(), Some("Nitrokey Storage"));
    assert_eq!(info.serial.as_deref(), Some("0000BEEF"));
    assert_eq!(info.firmware.as_deref(), Some("0.54"));
    // its answer's CRC does not match: accepted, with a warning
    assert_eq!(
        tok.warnings().unwrap(),
        [Warning::AnswerCrc {
            command: "GET_DEVICE_STATUS"
        }]
    );
    assert_eq!(tok.capabilities().slots, Some(17));
    let s = Secret::from_slice(RFC);
    let e = tok.program(&request(&s, 14)).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Unsupported { what, .. } if what.contains("TOTP slot 14")),
        "{e}"
    );
    tok.program(&request(&s, 13)).unwrap();
    assert_eq!(tok.inventory().unwrap().len(), 3 + 14);
}

#[test]
fn storage_firmware_says_ok_to_slot_14_and_stores_nothing() {
    // what the driver protects against, seen at the device
    let mut d = device().as_storage();
    let t = [b'T'; p::PW_LEN];
    let mut send = |r: [u8; 64]| {
        let mut out = vec![0];
        out.extend_from_slice(&r);
        d.set_feature(&out).unwrap();
        p::parse_response(&d.get_feature(0, 65).unwrap()[1..]).unwrap()
    };
    send(p::first_authenticate("12345678", &t).unwrap());
    send(p::send_otp_data(&t, b'N', 0, b"X"));
    send(p::send_otp_data(&t, b'S', 0, RFC));
    let r = send(p::write_to_slot(&t, p::totp_slot(14), 30, 0, b""));
    assert_eq!(r.status, p::status::OK);
    // an unknown SEND_OTP_DATA type answers OK and stages nothing (Pro firmware
    // parse_report); a chunk id past the 40-byte buffer writes at offset 0
    send(p::send_otp_data(&t, b'S', 0, RFC));
    let r = send(p::send_otp_data(&t, b'Q', 0, b"zzzz"));
    assert_eq!(r.status, p::status::OK);
    assert!(r.payload.iter().all(|b| *b == 0));
    let r = send(p::send_otp_data(&t, b'S', 2, b"AB"));
    assert_eq!(&r.payload[..4], b"AB\0\0");
    assert_eq!(d.totp_name(14), None, "nothing stored in TOTP slot 14");
}

#[test]
fn user_password_for_otp_needs_the_user_pin_before_get_code() {
    let mut d = device();
    d.set_user_password_for_otp(true);
    d.preload_totp(0, "RFC", RFC, 1, 30);
    let mut link = InProcess::hid(NAME, d);
    {
        // without the user PIN: a typed refusal naming what is needed
        let mut nk = Nitrokey::new(&mut link).with_timing(Timing::IMMEDIATE);
        assert!(nk.status().unwrap().config.user_password);
        nk.set_time(59, true).unwrap();
        let e = nk.get_code(p::totp_slot(0)).unwrap_err();
        assert!(
            matches!(
                &e,
                DeviceError::AuthRequired {
                    what: "GET_CODE",
                    ..
                }
            ),
            "{e}"
        );
    }
    let nk = Nitrokey::new(&mut link)
        .with_timing(Timing::IMMEDIATE)
        .with_random(RandomSource::repeating(vec![7]))
        .with_user_pin("123456");
    let mut tok = NitrokeyToken::new(nk);
    let mut clock = tok.clone();
    clock.set_clock(59).unwrap();
    assert_eq!(
        tok.read_code(Some(3), 59).unwrap().as_deref(),
        Some("94287082")
    );
    // a wrong user PIN costs a user try, not an admin one
    drop(tok);
    drop(clock);
    let mut nk = Nitrokey::new(&mut link).with_timing(Timing::IMMEDIATE);
    let e = nk.authenticate_user("000000").unwrap_err();
    assert!(
        matches!(
            e,
            DeviceError::AuthFailed {
                tries_left: Some(2),
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(nk.retry_count().unwrap(), 3);
}

#[test]
fn management_lists_renames_deletes_and_resets() {
    let mut link = InProcess::hid(NAME, device());
    let nk = Nitrokey::new(&mut link)
        .with_timing(Timing::IMMEDIATE)
        .with_admin_pin("12345678");
    let mut tok = NitrokeyToken::new(nk);
    let caps = tok.management();
    assert!(caps.delete_by_name && caps.delete_by_slot && caps.rename);
    assert_eq!(caps.factory_reset, Some(ResetConfirmation::AdminPin));
    let s = Secret::from_slice(RFC);
    tok.program(&request(&s, 2)).unwrap();
    let held = tok.inventory().unwrap();
    let slot5 = held.iter().find(|c| c.slot == Some(5)).unwrap();
    assert_eq!(
        (
            slot5.name.as_deref(),
            slot5.kind,
            slot5.digits,
            slot5.period
        ),
        (Some("NK-0001"), Some(Kind::Totp), Some(8), Some(30))
    );
    assert_eq!(held.iter().filter(|c| c.occupied).count(), 1);
    // rename keeps the secret: the code stays the same
    tok.rename(&SlotRef::Slot(5), "RENAMED").unwrap();
    let mut clock = tok.clone();
    clock.set_clock(59).unwrap();
    assert_eq!(
        tok.read_code(Some(5), 59).unwrap().as_deref(),
        Some("94287082")
    );
    let e = tok
        .rename(&SlotRef::Slot(5), "sixteen-letters!")
        .unwrap_err();
    assert!(matches!(
        e,
        DeviceError::CannotManage {
            why: ManagementRefusal::NameDoesNotFit,
            ..
        }
    ));
    let e = tok.delete(&SlotRef::Name("NK-0001".into())).unwrap_err();
    assert!(matches!(
        e,
        DeviceError::CannotManage {
            why: ManagementRefusal::NotFound,
            ..
        }
    ));
    tok.delete(&SlotRef::Name("RENAMED".into())).unwrap();
    assert!(tok.inventory().unwrap().iter().all(|c| !c.occupied));
    tok.program(&request(&s, 0)).unwrap();
    assert_eq!(tok.factory_reset().unwrap(), ResetOutcome::Done);
    assert!(tok.inventory().unwrap().iter().all(|c| !c.occupied));
}
