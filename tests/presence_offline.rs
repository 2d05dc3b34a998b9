//! The offline rule in process (`station::presence::offline`, issue 17): what a kiosk
//! decides from its snapshot when its server does not answer (the same anti-passback
//! as online: toggle, fold, minimum interval; unknown cards refused and recorded),
//! what it refuses ("server unreachable": typed codes, locations that need a code),
//! and sending the outbox (each event once, by its idempotency key, marked offline).
//! The store here is an SQLite file (the rule does not depend on the backend); the
//! server going away is tests/pg_offline_kiosk.rs.
#![allow(clippy::unwrap_used, missing_docs)]

use tokenstation::station::presence::admin::SettingsChange;
use tokenstation::station::presence::drain::Sent;
use tokenstation::station::presence::offline::{OfflineDesk, OfflineOutcome};
use tokenstation::station::presence::{CredentialKey, Mode, Presentation, TypedCode};
use tokenstation::station::{KeySource, Station};

fn tag(id: u32) -> CredentialKey {
    CredentialKey::tag_bytes(&id.to_be_bytes()).unwrap()
}

fn tap(id: u32, at: i64, n: u32) -> Presentation {
    Presentation {
        location: "Lobby".into(),
        reader: Some("rdm6300:/dev/ttyUSB0".into()),
        at,
        idem: Some(format!("r|{id}|{at}|{n}")),
        credential: Some(tag(id)),
        ..Presentation::default()
    }
}

fn setup(dir: &tempfile::TempDir) -> Station {
    let db = dir.path().join("s.db");
    let mut st = Station::init(&db, &KeySource::File(dir.path().join("k")), 0).unwrap();
    st.location_add("Lobby", "UTC", 0).unwrap();
    st.holder_add("h1", Some("Ada"), 0).unwrap();
    st.holder_enrol("h1", &tag(1), 0).unwrap();
    let change = SettingsChange {
        mode: Some(Mode::Card),
        min_interval: Some(60),
        fold: Some(10),
        close_minute: None,
    };
    st.location_presence_set("Lobby", &change, 0).unwrap();
    st
}

fn recorded(o: OfflineOutcome) -> tokenstation::store::outbox::OutboxEvent {
    match o {
        OfflineOutcome::Recorded(e) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn decides_from_the_snapshot_with_the_online_rule_and_sends_each_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = setup(&dir);
    let mut desk = OfflineDesk::open(&st, &dir.path().join("outbox.db"), "Lobby").unwrap();
    let t = 1_000_000;
    let a = recorded(desk.decide(&tap(1, t, 1), 0).unwrap());
    assert_eq!(
        (a.status.as_str(), a.direction.as_deref()),
        ("ok", Some("in"))
    );
    assert_eq!(a.holder.as_deref(), Some("h1"));
    assert!(matches!(
        desk.decide(&tap(1, t + 5, 2), 0).unwrap(),
        OfflineOutcome::Folded(_)
    ));
    let b = recorded(desk.decide(&tap(1, t + 30, 3), 0).unwrap());
    assert_eq!(
        (b.status.as_str(), b.reason.as_deref()),
        ("refused", Some("TOO_SOON"))
    );
    let c = recorded(desk.decide(&tap(1, t + 120, 4), 0).unwrap());
    assert_eq!(c.direction.as_deref(), Some("out"));
    let d = recorded(desk.decide(&tap(9, t + 130, 5), 0).unwrap());
    assert_eq!(
        (d.status.as_str(), d.reason.as_deref(), d.holder.as_deref()),
        ("refused", Some("UNKNOWN_CREDENTIAL"), None)
    );
    // the same tap twice (same key) is one row
    match desk.decide(&tap(1, t + 120, 4), 0).unwrap() {
        OfflineOutcome::Duplicate(again) => assert_eq!(again.seq, c.seq),
        other => panic!("{other:?}"),
    }
    assert_eq!(desk.pending().unwrap(), 4);

    // a typed code needs the server
    let coded = Presentation {
        code: Some(TypedCode {
            serial: Some("T1".into()),
            code: "123456".into(),
        }),
        credential: None,
        ..tap(1, t + 200, 6)
    };
    let e = desk.decide(&coded, 0).unwrap_err().to_string();
    assert!(
        e.starts_with("server unreachable: a typed code needs the store's server"),
        "{e}"
    );

    // sent in order, each once, marked offline
    st.unlock(&KeySource::File(dir.path().join("k"))).unwrap();
    let mut outbox = tokenstation::store::outbox::Outbox::open(desk.path()).unwrap();
    let rows = outbox.oldest(10).unwrap();
    assert_eq!(rows.len(), 4);
    let first = st.presence_send(&rows[0]).unwrap();
    let Sent::Recorded(id) = first else {
        panic!("{first:?}")
    };
    assert_eq!(st.presence_send(&rows[0]).unwrap(), Sent::Already(id));
    let sent = std::sync::atomic::AtomicU64::new(0);
    tokenstation::station::presence::drain::drain_some(&mut st, &mut outbox, 10, &sent).unwrap();
    assert_eq!(outbox.pending().unwrap(), 0);
    let c = st.read();
    let loc = c.location_get("Lobby").unwrap();
    let events = c.events_between(loc.id, 0, i64::MAX).unwrap();
    assert_eq!(events.len(), 4, "{events:?}");
    assert!(events.iter().all(|e| e.offline));
    assert_eq!(events[0].id, id);
    let dirs: Vec<_> = events.iter().map(|e| e.direction.as_deref()).collect();
    assert_eq!(dirs, [Some("in"), None, Some("out"), None]);
}

#[test]
fn a_location_that_needs_a_code_refuses_taps_offline() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = setup(&dir);
    let change = SettingsChange {
        mode: Some(Mode::CardAndCode),
        ..SettingsChange::default()
    };
    st.location_presence_set("Lobby", &change, 0).unwrap();
    let mut desk = OfflineDesk::open(&st, &dir.path().join("outbox.db"), "Lobby").unwrap();
    let e = desk.decide(&tap(1, 0, 1), 0).unwrap_err().to_string();
    assert!(
        e.starts_with("server unreachable: location 'Lobby' (mode card+code) needs"),
        "{e}"
    );
    assert_eq!(desk.pending().unwrap(), 0);
    // an outbox holding events belongs to its store (an empty one may change stores)
    let other = tempfile::tempdir().unwrap();
    let st2 = setup(&other);
    OfflineDesk::open(&st2, desk.path(), "Lobby").unwrap();
    let mut desk = OfflineDesk::open(&st, desk.path(), "Lobby").unwrap();
    st.location_presence_set(
        "Lobby",
        &SettingsChange {
            mode: Some(Mode::Card),
            ..SettingsChange::default()
        },
        0,
    )
    .unwrap();
    desk.refresh(&st).unwrap();
    recorded(desk.decide(&tap(1, 0, 1), 0).unwrap());
    let e = OfflineDesk::open(&st2, desk.path(), "Lobby")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("holds events for store"), "{e}");
}
