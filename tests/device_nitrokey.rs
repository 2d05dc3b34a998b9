//! On-device management of a Nitrokey Pro through the station, in process over
//! `HidLink` (the kernel has no virtual HID): slots listed without a PIN, the admin PIN
//! asked only when a command needs it, delete and factory reset retiring the
//! registered tokens (the reset names the OpenPGP card it also resets), and a token
//! with "user password for OTP" whose burn asks for the user PIN to read its code back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::bench::audit;
use common::device::status;

use std::sync::{Arc, Mutex};

use tokenstation::devices::nitrokey::{Nitrokey, NitrokeyToken, Timing};
use tokenstation::devices::session::{Credential, TokenSession};
use tokenstation::devices::{DeviceError, ResetOutcome, SlotRef};
use tokenstation::emulator::hid::VirtualHidDevice;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::nitrokey::{DEFAULT_ADMIN_PIN, DEFAULT_USER_PIN, NitrokeyPro};
use tokenstation::model::{Family, TokenStatus};
use tokenstation::otp::Kind;
use tokenstation::station::device::{ChangeOptions, DeviceEvent, Scripted};
use tokenstation::station::jobs::{Answer, Ask, AskWith};
use tokenstation::station::provision::{BurnOptions, BurnRequest, BurnSeed, Proof, ProofMethod};
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::{Station, StationError};

const HOST: i64 = 1_750_000_000;
const NAME: &str = "/dev/hidraw-virtual (20a0:4108)";

/// The emulated device behind a lock, so the test sees it after a session took it.
#[derive(Clone)]
struct Shared(Arc<Mutex<NitrokeyPro>>);

impl VirtualHidDevice for Shared {
    fn output_report(&mut self, report: &[u8]) {
        self.0.lock().unwrap().output_report(report);
    }
    fn input_report(&mut self) -> Option<Vec<u8>> {
        self.0.lock().unwrap().input_report()
    }
    fn set_feature(&mut self, report: &[u8]) -> Result<(), String> {
        self.0.lock().unwrap().set_feature(report)
    }
    fn get_feature(&mut self, id: u8, len: usize) -> Result<Vec<u8>, String> {
        self.0.lock().unwrap().get_feature(id, len)
    }
}

fn device() -> Shared {
    Shared(Arc::new(Mutex::new(NitrokeyPro::with_host_clock(
        Arc::new(|| HOST * 1000),
    ))))
}

/// A session as `hid:` opens it: the PINs only where given.
fn session(d: &Shared, admin: Option<&str>, user: Option<&str>) -> TokenSession {
    let mut nk = Nitrokey::new(InProcess::hid(NAME, d.clone())).with_timing(Timing::IMMEDIATE);
    if let Some(p) = admin {
        nk = nk.with_admin_pin(p);
    }
    if let Some(p) = user {
        nk = nk.with_user_pin(p);
    }
    let token = NitrokeyToken::new(nk);
    let clock = token.clone();
    TokenSession::from_parts(NAME, Box::new(token), Some(Box::new(clock)))
}

fn station(dir: &tempfile::TempDir) -> Station {
    common::bench::station_with_product(dir, "NK TOTP", Family::Nitrokey)
}

fn burn(
    st: &mut Station,
    s: &mut TokenSession,
    serial: &str,
    slot: u16,
    asker: &mut AskWith<impl FnMut(Ask) -> Answer>,
) -> ProofMethod {
    let now = || HOST;
    let (token, clock) = s.parts();
    st.burn(
        token,
        clock,
        BurnRequest {
            product: Some("NK TOTP".into()),
            serial: Some(serial.into()),
            seed: BurnSeed::New(SeedInput::Generate),
            options: BurnOptions {
                slot: Some(slot),
                proof: Proof::Auto,
                ..BurnOptions::default()
            },
            reader: NAME.into(),
            now: &now,
        },
        asker,
    )
    .unwrap()
    .proof
}

/// Burns `serial` into TOTP slot `slot`, asking nothing.
fn burn_quiet(st: &mut Station, s: &mut TokenSession, serial: &str, slot: u16) -> ProofMethod {
    burn(st, s, serial, slot, &mut AskWith(|a| panic!("{a:?}")))
}

/// An operator giving `pin` when asked for the admin PIN and `yes` to confirmations,
/// recording the questions.
fn operator(
    pin: &'static str,
    asked: &Arc<Mutex<Vec<Ask>>>,
) -> Scripted<impl FnMut(Ask) -> Answer, impl FnMut(DeviceEvent)> {
    let log = Arc::clone(asked);
    Scripted {
        ask: move |a: Ask| {
            log.lock().unwrap().push(a.clone());
            match a {
                Ask::Secret {
                    credential: Credential::AdminPin,
                    ..
                } => Answer::Text(pin.to_string().into()),
                Ask::Confirm { .. } => Answer::Confirmed(true),
                other => panic!("{other:?}"),
            }
        },
        show: |e: DeviceEvent| panic!("a Nitrokey Pro wants no touch: {e:?}"),
    }
}

fn yes() -> ChangeOptions {
    ChangeOptions {
        yes: true,
        wait: std::time::Duration::from_secs(1),
    }
}

#[test]
fn slots_are_listed_without_a_pin_and_the_pin_is_asked_when_a_delete_needs_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir);
    let d = device();
    let mut s = session(&d, Some(DEFAULT_ADMIN_PIN), None);
    let how = burn_quiet(&mut st, &mut s, "NK-0001", 2);
    assert_eq!(how, ProofMethod::ReadBack);
    burn_quiet(&mut st, &mut s, "NK-0002", 4);
    drop(s);

    // a new session, no PIN given: listing needs none
    let asked = Arc::new(Mutex::new(Vec::new()));
    let mut s = session(&d, None, None);
    let list = st
        .device_list(&mut s, &mut operator("unused", &asked))
        .unwrap();
    assert!(asked.lock().unwrap().is_empty(), "listing asked for a PIN");
    assert_eq!(list.entries.len(), 18);
    // TOTP 2 is listed as slot 5, and holds NK-0001
    let slot5 = &list.entries[5];
    assert_eq!(
        (slot5.held.name.as_deref(), slot5.held.kind),
        (Some("NK-0001"), Some(Kind::Totp))
    );
    assert_eq!(slot5.tokens[0].serial, "NK-0001");
    assert_eq!(list.occupied().count(), 2);

    // a wrong PIN: refused by the device, audited, nothing retired
    let now = || HOST;
    let e = st
        .device_delete(
            &mut s,
            &SlotRef::Slot(5),
            yes(),
            &mut operator("00000000", &asked),
            &now,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            StationError::Device(DeviceError::AuthFailed {
                tries_left: Some(2),
                ..
            })
        ),
        "{e}"
    );
    assert_eq!(status(&st, "NK-0001"), TokenStatus::Active);
    assert_eq!(audit(&st, "device.delete.failed").len(), 1);

    // the right PIN, asked when ERASE_SLOT needs it
    asked.lock().unwrap().clear();
    let mut s = session(&d, None, None);
    let out = st
        .device_delete(
            &mut s,
            &SlotRef::Name("NK-0001".into()),
            yes(),
            &mut operator(DEFAULT_ADMIN_PIN, &asked),
            &now,
        )
        .unwrap();
    assert_eq!(out.slot, Some(5));
    assert_eq!(out.retired[0].serial, "NK-0001");
    assert!(matches!(
        asked.lock().unwrap().as_slice(),
        [Ask::Secret {
            credential: Credential::AdminPin,
            ..
        }]
    ));
    assert_eq!(d.0.lock().unwrap().totp_name(2), None);
    assert_eq!(status(&st, "NK-0001"), TokenStatus::Retired);
    assert_eq!(status(&st, "NK-0002"), TokenStatus::Active);
}

#[test]
fn a_factory_reset_names_the_openpgp_card_and_retires_every_token_it_held() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir);
    let d = device();
    let mut s = session(&d, Some(DEFAULT_ADMIN_PIN), None);
    burn_quiet(&mut st, &mut s, "NK-0001", 0);
    burn_quiet(&mut st, &mut s, "NK-0002", 1);
    drop(s);
    let asked = Arc::new(Mutex::new(Vec::new()));
    let mut s = session(&d, None, None);
    let now = || HOST;
    let r = st
        .device_reset(
            &mut s,
            ChangeOptions {
                yes: false,
                ..yes()
            },
            &mut operator(DEFAULT_ADMIN_PIN, &asked),
            &now,
        )
        .unwrap();
    assert_eq!(r.outcome, ResetOutcome::Done);
    let asked = asked.lock().unwrap();
    let Ask::Confirm { action } = &asked[0] else {
        panic!("{asked:?}")
    };
    assert!(
        action.contains("OpenPGP") && action.contains("NK-0001") && action.contains("NK-0002"),
        "{action}"
    );
    assert!(matches!(
        asked[1],
        Ask::Secret {
            credential: Credential::AdminPin,
            ..
        }
    ));
    assert_eq!(r.retired.len(), 2);
    assert!(d.0.lock().unwrap().totp_name(0).is_none());
    assert_eq!(status(&st, "NK-0002"), TokenStatus::Retired);
    assert_eq!(
        audit(&st, "token.retire").len(),
        2,
        "each token retired with the reset"
    );
}

#[test]
fn a_burn_asks_for_the_user_pin_when_the_token_wants_it_for_codes() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir);
    let d = device();
    d.0.lock().unwrap().set_user_password_for_otp(true);
    let mut s = session(&d, Some(DEFAULT_ADMIN_PIN), None);
    let mut asked = Vec::new();
    let how = burn(
        &mut st,
        &mut s,
        "NK-0003",
        0,
        &mut AskWith(|a: Ask| {
            asked.push(a.clone());
            match a {
                Ask::Secret {
                    credential: Credential::UserPin,
                    ..
                } => Answer::Text(DEFAULT_USER_PIN.to_string().into()),
                other => panic!("{other:?}"),
            }
        }),
    );
    assert_eq!(how, ProofMethod::ReadBack);
    assert_eq!(asked.len(), 1);
    assert_eq!(status(&st, "NK-0003"), TokenStatus::Active);

    // given up front (the session's user PIN), nothing is asked
    let mut s = session(&d, Some(DEFAULT_ADMIN_PIN), Some(DEFAULT_USER_PIN));
    let how = burn_quiet(&mut st, &mut s, "NK-0004", 1);
    assert_eq!(how, ProofMethod::ReadBack);
}
