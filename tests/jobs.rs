//! Station jobs driven with no terminal, as a TUI or an API would drive them: a burn
//! through a PN532 on a pseudo-terminal that asks for the code the token displays, a
//! batch, an import that asks for its file's password, a kiosk fed typed lines; and
//! each cancelled while it waits, with nothing half-written.
#![cfg(feature = "serial")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/backend.rs"]
mod backend;

use std::path::PathBuf;
use std::time::Duration;

use tokenstation::devices::presence::ReaderSpec;
use tokenstation::devices::token2_nfc::protocol::Model;
use tokenstation::emulator::clock::{DeviceClock, now_ms};
use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::picc::Picc;
use tokenstation::emulator::pn532::Pn532Emulator;
use tokenstation::emulator::pty::PtyBridge;
use tokenstation::emulator::token2_nfc::{Token2NfcCard, Token2NfcHandle};
use tokenstation::model::{Family, Product, TokenStatus};
use tokenstation::otp::{OtpParams, Secret};
use tokenstation::seeds::{MacCheck, Protection, SeedRecord, write_pskc};
use tokenstation::station::burn_job::{self, BatchOrder, BurnEvent, BurnOrder, DeviceOptions};
use tokenstation::station::import::ImportOptions;
use tokenstation::station::import_job::{self, ImportEvent, PskcSecrets, SeedFile};
use tokenstation::station::jobs::{Answer, Ask, JobMsg};
use tokenstation::station::presence::kiosk::{self, KioskInput, LineKind};
use tokenstation::station::presence::{EventStatus, Mode};
use tokenstation::station::provision::{BurnOptions, BurnSeed, Proof, ProofMethod};
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::views::AuditFilter;
use tokenstation::station::{KeySource, Station, StationError};
use zeroize::Zeroizing;

fn station(dir: &tempfile::TempDir, programmable: bool) -> Station {
    let db = backend::store_in(dir.path(), "s.db");
    let mut st = Station::init(&db, &KeySource::File(backend::key_for(&db)), 0).unwrap();
    st.product_add(
        &Product {
            id: 0,
            name: "T2".into(),
            vendor: Some("Token2".into()),
            model: None,
            family: Family::Token2Nfc,
            params: OtpParams::default(),
            programmable,
            drift_per_year: None,
            skew: 1,
        },
        0,
    )
    .unwrap();
    st
}

/// A Token2 NFC token in the field of an emulated PN532 on a pseudo-terminal.
fn pn532_with_token() -> (PtyBridge, Token2NfcHandle, ReaderSpec) {
    let card = Token2NfcCard::new(Model::C302, 9, DeviceClock::synced(now_ms()));
    let hook = card.hook();
    let field = Field::empty();
    field.place(Picc::iso14443_4(
        &[0x04, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76],
        &Token2NfcCard::ats(),
        Box::new(card),
    ));
    let pty = PtyBridge::spawn(Pn532Emulator::new(field), Faults::new()).unwrap();
    let spec = ReaderSpec::Pn532(pty.path().display().to_string());
    (pty, hook, spec)
}

fn device() -> DeviceOptions {
    DeviceOptions {
        family: Some(Family::Token2Nfc),
        wait: Duration::from_secs(5),
        ..DeviceOptions::default()
    }
}

fn typed() -> BurnOptions {
    BurnOptions {
        proof: Proof::Typed,
        ..BurnOptions::default()
    }
}

fn order(reader: ReaderSpec, serial: &str) -> BurnOrder {
    BurnOrder {
        reader,
        device: device(),
        product: Some("T2".into()),
        serial: Some(serial.into()),
        seed: BurnSeed::New(SeedInput::Generate),
        options: typed(),
    }
}

fn audit(st: &Station, action: &str) -> Vec<String> {
    st.audit(&AuditFilter {
        action: Some(action.into()),
        ..AuditFilter::default()
    })
    .unwrap()
    .into_iter()
    .map(|a| format!("{} {}", a.subject, a.after.unwrap_or_default()))
    .collect()
}

#[test]
fn burn_job_asks_for_the_displayed_code() {
    let dir = tempfile::tempdir().unwrap();
    let (_pty, hook, spec) = pn532_with_token();
    let job = burn_job::burn(station(&dir, true), order(spec, "T2-0001")).unwrap();
    let mut asked = Vec::new();
    let mut burned = Vec::new();
    let (st, out) = job
        .run(|m| match m {
            JobMsg::Ask { ask, reply } => {
                asked.push(ask);
                // the technician reads the display, as the emulator shows it now
                let code = hook.display_code().expect("a seed was written");
                reply.send(Answer::Text(Zeroizing::new(code))).unwrap();
            }
            JobMsg::Event(BurnEvent::Burned { outcome, .. }) => burned.push(outcome.serial),
            JobMsg::Event(_) => {}
        })
        .unwrap();
    let out = out.unwrap();
    assert_eq!(
        asked,
        [Ask::Code {
            serial: "T2-0001".into(),
            digits: 6
        }]
    );
    assert_eq!(burned, ["T2-0001"]);
    assert_eq!(
        (out.proof, out.family),
        (ProofMethod::Typed, Family::Token2Nfc)
    );
    assert_eq!(
        st.token("T2-0001", None).unwrap().status,
        TokenStatus::Active
    );
}

#[test]
fn burn_job_cancelled_while_asking_leaves_no_active_token() {
    let dir = tempfile::tempdir().unwrap();
    let (_pty, _hook, spec) = pn532_with_token();
    let job = burn_job::burn(station(&dir, true), order(spec, "T2-0002")).unwrap();
    // Nobody answers: the face cancels while the question is open.
    let mut pending = None;
    while let Some(m) = job.next() {
        if let JobMsg::Ask { ask, reply } = m {
            assert!(matches!(ask, Ask::Code { .. }));
            pending = Some(reply);
            job.cancel();
        }
    }
    let (st, out) = job.join().unwrap();
    assert!(pending.is_some(), "the job asked for the code");
    assert!(matches!(out, Err(StationError::Interrupted)), "{out:?}");
    assert_eq!(
        st.token("T2-0002", None).unwrap().status,
        TokenStatus::Unverified
    );
    let failed = audit(&st, "token.burn.failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains("\"step\":\"prove\""), "{failed:?}");
}

#[test]
fn batch_job_numbers_serials_and_stops_at_a_rule_that_would_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let (_pty, hook, spec) = pn532_with_token();
    let batch = |st: Station, spec: ReaderSpec| {
        burn_job::batch(
            st,
            BatchOrder {
                reader: spec,
                device: device(),
                product: "T2".into(),
                serial_prefix: Some("B-".into()),
                start: 7,
                count: Some(2),
                options: typed(),
            },
        )
        .unwrap()
    };
    let mut presented = Vec::new();
    let (st, summary) = batch(station(&dir, true), spec.clone())
        .run(|m| match m {
            JobMsg::Ask { reply, .. } => {
                let code = hook.display_code().unwrap();
                reply.send(Answer::Text(Zeroizing::new(code))).unwrap();
            }
            JobMsg::Event(BurnEvent::Present { serial, .. }) => presented.push(serial),
            JobMsg::Event(_) => {}
        })
        .unwrap();
    let summary = summary.unwrap();
    let serials: Vec<&str> = summary.burned.iter().map(|b| b.serial.as_str()).collect();
    assert_eq!(serials, ["B-0007", "B-0008"]);
    assert_eq!(presented, [Some("B-0007".into()), Some("B-0008".into())]);
    assert!(summary.failed.is_empty());
    drop(st);
    // A product that is not programmable fails every token alike: the batch stops.
    let other = tempfile::tempdir().unwrap();
    let (st, out) = batch(station(&other, false), spec)
        .run(|m| {
            if let JobMsg::Event(BurnEvent::Failed { .. }) = m {
                panic!("an input error is not a per-token failure")
            }
        })
        .unwrap();
    assert!(
        matches!(out, Err(StationError::ProductNotProgrammable(_))),
        "{out:?}"
    );
    assert!(st.tokens(&Default::default()).unwrap().is_empty());
}

fn protected_pskc(dir: &tempfile::TempDir) -> PathBuf {
    let mut r = SeedRecord::new(Secret::from_slice(b"12345678901234567890"));
    r.serial = Some("PW-1".into());
    let xml = write_pskc(
        &[r],
        &Protection::Password {
            password: "correct horse",
            iterations: 1000,
        },
        &mut |b| b.fill(3),
    )
    .unwrap();
    let path = dir.path().join("pw.pskcxml");
    std::fs::write(&path, xml.as_bytes()).unwrap();
    path
}

fn pskc_file(path: PathBuf) -> SeedFile {
    SeedFile::Pskc {
        path,
        secrets: PskcSecrets::default(),
        mac: MacCheck::Strict,
    }
}

#[test]
fn import_job_asks_for_the_file_password() {
    let dir = tempfile::tempdir().unwrap();
    let file = protected_pskc(&dir);
    let job = import_job::import(
        station(&dir, false),
        pskc_file(file.clone()),
        ImportOptions::default(),
    )
    .unwrap();
    let mut progress = Vec::new();
    let (st, report) = job
        .run(|m| match m {
            JobMsg::Ask { ask, reply } => {
                assert!(matches!(ask, Ask::FilePassword { .. }) && ask.is_secret());
                reply
                    .send(Answer::Text(Zeroizing::new("correct horse".into())))
                    .unwrap();
            }
            JobMsg::Event(e) => progress.push(e),
        })
        .unwrap();
    let report = report.unwrap();
    assert_eq!((report.imported, report.written), (1, true));
    assert_eq!(progress.first(), Some(&ImportEvent::Parsed { records: 1 }));
    assert!(progress.contains(&ImportEvent::Progress { done: 2, total: 2 }));
    assert_eq!(
        st.token("PW-1", None).unwrap().status,
        TokenStatus::Unverified
    );

    // Nobody to ask (no terminal): the file's error, nothing written.
    let other = tempfile::tempdir().unwrap();
    let job = import_job::import(
        station(&other, false),
        pskc_file(file),
        ImportOptions::default(),
    )
    .unwrap();
    let (st, report) = job
        .run(|m| {
            if let JobMsg::Ask { reply, .. } = m {
                reply.send(Answer::Unavailable).unwrap();
            }
        })
        .unwrap();
    let e = report.unwrap_err();
    assert!(matches!(e, StationError::Import { .. }), "{e}");
    assert!(e.to_string().contains("password"), "{e}");
    assert!(st.tokens(&Default::default()).unwrap().is_empty());
}

#[test]
fn import_job_cancelled_while_asking_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = protected_pskc(&dir);
    let job = import_job::import(
        station(&dir, false),
        pskc_file(file),
        ImportOptions::default(),
    )
    .unwrap();
    let mut held = Vec::new();
    while let Some(m) = job.next() {
        if let JobMsg::Ask { reply, .. } = m {
            held.push(reply);
            job.cancel();
        }
    }
    let (st, report) = job.join().unwrap();
    assert_eq!(held.len(), 1);
    assert!(
        matches!(report, Err(StationError::Interrupted)),
        "{report:?}"
    );
    assert!(st.tokens(&Default::default()).unwrap().is_empty());
    assert!(audit(&st, "seeds.import").is_empty());
}

#[test]
fn kiosk_job_takes_typed_lines_and_stops_on_cancel() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir, false);
    st.location_add("Lobby", "UTC", 0).unwrap();
    let plan = st.kiosk_plan("Lobby", &[], true).unwrap();
    assert_eq!((plan.mode, plan.readers.len()), (Mode::Card, 0));
    let run = kiosk::start(st, &plan).unwrap();
    run.input
        .send(KioskInput::Line {
            text: "T1 123456".into(),
            source: "test".into(),
            at_ms: now_ms(),
        })
        .unwrap();
    let mut lines = Vec::new();
    while let Some(m) = run.job.next() {
        if let JobMsg::Event(l) = m {
            lines.push(l);
            run.job.cancel();
        }
    }
    let st = run.job.join().unwrap().unwrap();
    // card mode: a typed code without a tap is refused, and recorded
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (lines[0].kind, lines[0].status),
        (LineKind::Event, Some(EventStatus::Refused))
    );
    let now = st.presence_now(Some("Lobby")).unwrap();
    assert!(now.is_empty());
    // a kiosk with nothing to listen to is refused before it starts
    let e = st.kiosk_plan("Lobby", &[], false).unwrap_err();
    assert!(matches!(e, StationError::NothingToListen(_)), "{e}");
}
