//! The station pieces the TUI added (issue 15): the dashboard read model, a burn job
//! on a token the face opens itself (an in-process YubiKey), and the audit chain
//! check of an unlocked station. The demo store is the fixture.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tokenstation::devices::session::{ReaderSpec, TokenSession};
use tokenstation::devices::ykoath::OathToken;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::ykoath::OathCard;
use tokenstation::model::TokenStatus;
use tokenstation::model::filters::TokenFilter;
use tokenstation::station::burn_job::{self, BurnEvent, BurnOrder, DeviceOptions};
use tokenstation::station::jobs::JobMsg;
use tokenstation::station::provision::{BurnOptions, BurnSeed};
use tokenstation::station::seed_input::SeedInput;
use tokenstation::station::{Actor, KeySource, Station, StationError, default_key_file};
use tokenstation::tui::demo::{self, DemoHardware};

const NOW: i64 = 1_796_033_600;

fn seeded(dir: &tempfile::TempDir) -> Station {
    let db = dir.path().join("station.db");
    let source = KeySource::File(default_key_file(&db));
    demo::seed(
        &db,
        &source,
        Actor::current(),
        NOW,
        &DemoHardware::in_process(),
    )
    .unwrap()
}

#[test]
fn dashboard_counts_alerts_and_presence_agree_with_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let st = seeded(&dir);
    let d = st.dashboard(NOW, 5).unwrap();
    for (status, n) in &d.counts {
        let f = TokenFilter {
            status: Some(*status),
            ..TokenFilter::default()
        };
        assert_eq!(*n as usize, st.tokens(&f).unwrap().len(), "{status:?}");
    }
    let total: u64 = d.counts.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 12);
    let at_risk: Vec<&str> = d.at_risk.iter().map(|r| r.serial.as_str()).collect();
    assert_eq!(
        at_risk,
        ["DEMO-0005"],
        "only the fast clock leaves within 30 days"
    );
    let in_now: Vec<&str> = d.in_now.iter().filter_map(|i| i.label.as_deref()).collect();
    assert_eq!(in_now, ["Carol"]);
    assert_eq!(
        (d.attempts.len(), d.audit.len()),
        (5, 5),
        "at most `recent` lines"
    );
    assert!(
        d.audit.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
}

fn order(serial: &str) -> BurnOrder {
    BurnOrder {
        reader: ReaderSpec::Pcsc("unused".into()),
        device: DeviceOptions::default(),
        product: Some(demo::BURN_PRODUCT.into()),
        serial: Some(serial.into()),
        seed: BurnSeed::New(SeedInput::Generate),
        options: BurnOptions::default(),
    }
}

#[test]
fn burn_session_burns_proves_and_registers_an_in_process_token() {
    let dir = tempfile::tempdir().unwrap();
    let st = seeded(&dir);
    let card = OathCard::yubikey();
    let c = card.clone();
    let job = burn_job::burn_session(
        st,
        move || {
            let token = OathToken::open(InProcess::card("YK", c), None)?;
            Ok(TokenSession::from_parts("YK", Box::new(token), None))
        },
        order("YK-0001"),
    )
    .unwrap();
    let mut burned = 0;
    let (st, out) = job
        .run(|m| {
            if let JobMsg::Event(BurnEvent::Burned { .. }) = m {
                burned += 1;
            }
        })
        .unwrap();
    let o = out.unwrap();
    assert_eq!((o.serial.as_str(), burned), ("YK-0001", 1));
    assert_eq!(
        st.token("YK-0001", None).unwrap().status,
        TokenStatus::Active
    );
}

#[test]
fn burn_session_reports_a_token_that_cannot_be_opened_and_registers_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let st = seeded(&dir);
    let job = burn_job::burn_session(
        st,
        || Err(StationError::Internal("no token".into())),
        order("YK-0002"),
    )
    .unwrap();
    let (st, out) = job.run(|_| {}).unwrap();
    assert!(out.is_err());
    assert!(st.token("YK-0002", None).is_err(), "nothing registered");
}

#[test]
fn audit_chain_of_an_unlocked_station_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let st = seeded(&dir);
    let v = st.audit_verify_here().unwrap();
    assert!(v.ok(), "{v:?}");
    let all = st.audit(&Default::default()).unwrap().len();
    assert_eq!(v.lines as usize, all, "every line is checked");
    let locked = Station::open(st.path()).unwrap();
    assert!(matches!(
        locked.audit_verify_here(),
        Err(StationError::Locked)
    ));
}
