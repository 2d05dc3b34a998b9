//! Helpers for the in-process tests of on-device management through the station: a
//! burn into an open session, operators that answer and record, a refusal checked.

use std::sync::{Arc, Mutex};

use tokenstation::devices::session::TokenSession;
use tokenstation::devices::{DeviceError, ManagementRefusal};
use tokenstation::model::{Family, TokenStatus};
use tokenstation::station::device::{ChangeOptions, DeviceEvent, Scripted};
use tokenstation::station::jobs::{Answer, Ask};
use tokenstation::station::provision::{BurnOptions, BurnRequest, BurnSeed, Proof};
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::{ErrorClass, Station, StationError};

/// The host's time in the tests, ms.
pub const HOST_MS: i64 = 1_750_000_000_000;
/// The host's time in the tests, s.
pub const HOST: i64 = HOST_MS / 1000;
/// The reader named in sessions and messages.
pub const READER: &str = "Virtual PCD 00 00";

/// A store with the programmable product "P" of `family`.
pub fn station(dir: &tempfile::TempDir, family: Family) -> Station {
    super::bench::station_with_product(dir, "P", family)
}

/// Burns `serial` into `s` (slot `slot`) under product "P", issuer ACME; nothing is
/// asked (the code is read back).
pub fn burn(st: &mut Station, s: &mut TokenSession, serial: &str, slot: Option<u16>) {
    burn_typed(st, s, serial, slot, &mut |_| Answer::Unavailable);
}

/// Burns as [`burn`], answering the questions (a typed code) with `answer`.
pub fn burn_typed(
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

/// The token's status.
pub fn status(st: &Station, serial: &str) -> TokenStatus {
    st.token(serial, None).unwrap().status
}

/// An operator answering every confirmation with `confirm` and recording events.
pub fn operator(
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

/// An operator who must not be asked or shown anything.
pub fn quiet() -> Scripted<impl FnMut(Ask) -> Answer, impl FnMut(DeviceEvent)> {
    Scripted {
        ask: |a: Ask| panic!("nothing is asked here: {a:?}"),
        show: |e: DeviceEvent| panic!("nothing is shown here: {e:?}"),
    }
}

/// Change options: `yes` given or not, 2 s for a button.
pub fn opts(yes: bool) -> ChangeOptions {
    ChangeOptions {
        yes,
        wait: std::time::Duration::from_secs(2),
    }
}

/// `e` is the family's refusal `why`, an input error.
pub fn refused(e: &StationError, why: ManagementRefusal) {
    assert!(
        matches!(e, StationError::Device(DeviceError::CannotManage { why: w, .. }) if *w == why),
        "{e}"
    );
    assert_eq!(e.class(), ErrorClass::Input, "{e}");
}
