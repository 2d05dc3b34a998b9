//! `drift fix` in process (issue 14): a Nitrokey Pro drifting on a simulated clock has
//! its clock set (no clock to read, a code read back as proof), tokens whose clock
//! cannot be written are resynchronised with two typed codes, and a fix refuses what it
//! cannot do (no reader for a clock to write, a token the store does not know).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/backend.rs"]
mod backend;

use std::sync::Arc;

use tokenstation::devices::OtpToken;
use tokenstation::devices::nitrokey::{Nitrokey, NitrokeyToken, Timing};
use tokenstation::devices::session::TokenSession;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::nitrokey::NitrokeyPro;
use tokenstation::model::{Family, Product};
use tokenstation::otp::{Algorithm, Digits, OtpKey, OtpParams, Secret};
use tokenstation::station::burn_job::DeviceOptions;
use tokenstation::station::drift::fix::{FixOptions, FixRequest, FixResult};
use tokenstation::station::drift::fix_job::{self, FixOrder};
use tokenstation::station::host_clock::{HostClock, SimulatedClock};
use tokenstation::station::jobs::{Answer, Ask, AskWith, JobMsg};
use tokenstation::station::provision::{BurnOptions, BurnRequest, BurnSeed, Proof, ProofMethod};
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::tokens::SeedInput as TokenSeed;
use tokenstation::station::views::FixMethod;
use tokenstation::station::{KeySource, Station, StationError, Status};

const NAME: &str = "/dev/hidraw-virtual (20a0:4108)";
const SEED: &[u8] = b"12345678901234567890";

fn station(dir: &tempfile::TempDir, products: &[(&str, Family)]) -> Station {
    let db = backend::store_in(dir.path(), "s.db");
    let mut st = Station::init(&db, &KeySource::File(backend::key_for(&db)), 0).unwrap();
    for (name, family) in products {
        st.product_add(
            &Product {
                id: 0,
                name: (*name).into(),
                vendor: None,
                model: None,
                family: *family,
                params: OtpParams::default(),
                programmable: true,
                drift_per_year: None,
                skew: 1,
            },
            0,
        )
        .unwrap();
    }
    st
}

fn nitrokey(sim: &SimulatedClock, ppm: f64) -> NitrokeyToken<InProcess<NitrokeyPro>> {
    let c = sim.clone();
    let mut dev = NitrokeyPro::with_host_clock(Arc::new(move || c.now_ms()));
    dev.set_drift_ppm(ppm);
    NitrokeyToken::new(
        Nitrokey::new(InProcess::hid(NAME, dev))
            .with_timing(Timing::IMMEDIATE)
            .with_admin_pin("12345678"),
    )
}

fn session(tok: &NitrokeyToken<InProcess<NitrokeyPro>>) -> TokenSession {
    TokenSession::from_parts(NAME, Box::new(tok.clone()), Some(Box::new(tok.clone())))
}

fn no_questions() -> AskWith<impl FnMut(Ask) -> Answer> {
    AskWith(|a| panic!("not asked: {a:?}"))
}

#[test]
fn a_drifting_nitrokey_is_set_back_and_proven_by_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, &[("NK TOTP", Family::Nitrokey)]);
    let t0 = 1_800_000_000i64;
    let sim = SimulatedClock::synchronised(t0);
    // 100 ppm fast: 8.64 s a day
    let tok = nitrokey(&sim, 100.0);
    let mut s = session(&tok);
    let (t, c) = s.parts();
    let now = || sim.now();
    st.burn(
        t,
        c,
        BurnRequest {
            product: Some("NK TOTP".into()),
            serial: Some("NK-0001".into()),
            seed: BurnSeed::New(SeedInput::Generate),
            options: BurnOptions {
                slot: Some(2),
                ..BurnOptions::default()
            },
            reader: NAME.into(),
            now: &now,
        },
        &mut no_questions(),
    )
    .unwrap();
    let mut reader = tok.clone();
    for day in 1..=40 {
        sim.set(t0 + day * 86_400 + (day % 4) * 3_600);
        let code = reader.read_code(Some(2), sim.now()).unwrap().unwrap();
        let v = st.verify("NK-0001", &code, None, sim.now(), true).unwrap();
        assert_eq!(v.status, Status::Ok, "day {day}");
    }
    let before = st.token("NK-0001", None).unwrap().drift_steps;
    assert!(
        (10..=13).contains(&before),
        "40 days at 8.64 s: {before} steps"
    );
    let out = match st
        .drift_fix_clock(
            &mut s,
            &FixRequest {
                serial: Some("NK-0001".into()),
                reader: NAME.into(),
                clock: &sim,
                options: FixOptions::default(),
                only: None,
            },
            &mut no_questions(),
        )
        .unwrap()
    {
        FixResult::Fixed(o) => o,
        other => panic!("{other:?}"),
    };
    // no clock to read: nothing compared before, nothing read back; a code proves it
    assert_eq!(
        (
            out.method,
            out.offset_before_s,
            out.offset_after_s,
            out.reseeded,
            out.proof
        ),
        (
            FixMethod::Clock,
            None,
            None,
            false,
            Some(ProofMethod::ReadBack)
        )
    );
    assert_eq!(out.drift_before_steps, [before]);
    let t = st.token("NK-0001", None).unwrap();
    assert_eq!((t.drift_steps, t.drift_base_steps), (0, 0));
    // the device now shows the station's code for host time
    sim.advance(8 * 60);
    let now = sim.now();
    assert_eq!(
        reader.read_code(Some(2), now).unwrap().unwrap(),
        st.token_code("NK-0001", None, now).unwrap().code
    );
    let v = st
        .verify(
            "NK-0001",
            &reader.read_code(Some(2), now).unwrap().unwrap(),
            None,
            now,
            true,
        )
        .unwrap();
    assert_eq!((v.status, v.offset), (Status::Ok, Some(0)));
}

fn code_at(t: i64) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(SEED))
        .code_string((t / 30) as u64, Digits::SIX)
}

#[test]
fn clocks_that_cannot_be_written_are_resynchronised_with_two_codes() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(
        &dir,
        &[
            ("YubiKey TOTP", Family::Ykoath),
            ("Sealed", Family::Generic),
        ],
    );
    let t0 = 1_800_000_015i64;
    for (serial, product) in [("YK-1", "YubiKey TOTP"), ("C200-1", "Sealed")] {
        st.token_add(
            serial,
            product,
            TokenSeed::Secret(Secret::from_slice(SEED)),
            0,
        )
        .unwrap();
    }
    let sim = SimulatedClock::synchronised(t0);
    for serial in ["YK-1", "C200-1"] {
        // the token shows codes 9 steps ahead
        let ahead = sim.now() + 9 * 30;
        let job = fix_job::fix(
            st,
            FixOrder {
                serial: serial.into(),
                product: None,
                reader: None,
                device: DeviceOptions::default(),
                options: FixOptions::default(),
                clock: Arc::new(sim.clone()),
            },
        )
        .unwrap();
        let mut asked = Vec::new();
        let (back, out) = job
            .run(|m| {
                if let JobMsg::Ask { ask, reply } = m {
                    let code = match &ask {
                        Ask::Code { .. } => code_at(ahead),
                        Ask::NextCode { .. } => code_at(ahead + 30),
                        other => panic!("{other:?}"),
                    };
                    asked.push(ask);
                    let _ = reply.send(Answer::Text(zeroize::Zeroizing::new(code)));
                }
            })
            .unwrap();
        st = back;
        let FixResult::Fixed(o) = out.unwrap() else {
            panic!("skipped")
        };
        assert_eq!(o.method, FixMethod::Resync);
        assert_eq!(asked.len(), 2);
        let t = st.token(serial, None).unwrap();
        assert_eq!((t.drift_steps, t.drift_base_steps), (10, 10), "{serial}");
    }
    // the resync is recorded: audit, attempt log and drift history
    let d = st.drift_show("YK-1", None, sim.now()).unwrap();
    assert_eq!(d.samples.len(), 1);
    assert!(d.samples[0].offset_ms > 9 * 30_000);
    assert!(
        st.read()
            .audit_list(&Default::default())
            .unwrap()
            .iter()
            .any(|a| a.action == "token.resync" && a.subject == "token YK-1")
    );
}

#[test]
fn a_fix_refuses_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(
        &dir,
        &[("Token2", Family::Token2Nfc), ("NK TOTP", Family::Nitrokey)],
    );
    st.token_add(
        "T2-1",
        "Token2",
        TokenSeed::Secret(Secret::from_slice(SEED)),
        0,
    )
    .unwrap();
    let sim = SimulatedClock::synchronised(1_800_000_000);
    let job = fix_job::fix(
        st,
        FixOrder {
            serial: "T2-1".into(),
            product: None,
            reader: None,
            device: DeviceOptions::default(),
            options: FixOptions::default(),
            clock: Arc::new(sim.clone()),
        },
    )
    .unwrap();
    let (mut st, out) = job.run(|_| {}).unwrap();
    assert!(
        matches!(out, Err(StationError::ReaderNeeded { .. })),
        "{out:?}"
    );
    // a Nitrokey whose slots name no store token, asked for by another serial
    let tok = nitrokey(&sim, 0.0);
    let mut s = session(&tok);
    let req = FixRequest {
        serial: Some("T2-1".into()),
        reader: NAME.into(),
        clock: &sim,
        options: FixOptions {
            proof: Proof::Auto,
            force: false,
            yes: false,
        },
        only: None,
    };
    let e = st
        .drift_fix_clock(&mut s, &req, &mut no_questions())
        .unwrap_err();
    assert!(matches!(e, StationError::WrongTokenInReader { .. }), "{e}");
    let e = st
        .drift_fix_clock(
            &mut s,
            &FixRequest {
                serial: None,
                ..req
            },
            &mut no_questions(),
        )
        .unwrap_err();
    assert!(
        matches!(e, StationError::UnknownTokenInReader { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("00001C0F"), "{e}");
}
