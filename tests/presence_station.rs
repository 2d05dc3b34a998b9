//! Presence through the library: kiosk rules (modes, toggling, folding, soft
//! anti-passback, refusals recorded), automatic check-out at closing time, presence
//! tokens checked historically (edited times, replays per holder), reports in the
//! location's time zone, and a 1,000-tap burst through an emulated RDM6300 that loses
//! nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/backend.rs"]
mod backend;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;

use tokenstation::devices::presence::BoxedReader;
use tokenstation::devices::rdm6300::Tag;
use tokenstation::devices::rdm6300::presence::Rdm6300Presence;
use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::rdm6300::{Rdm6300Emulator, TagBurst};
use tokenstation::emulator::serial::spawn_in_process;
use tokenstation::model::Product;
use tokenstation::otp::{Algorithm, Digits, Kind, OtpKey, OtpParams, Secret};
use tokenstation::station::jobs::CancelToken;
use tokenstation::station::presence::admin::SettingsChange;
use tokenstation::station::presence::kiosk::{Kiosk, KioskInput, LineKind, spawn_reader};
use tokenstation::station::presence::tokens::Submission;
use tokenstation::station::presence::tokens::SubmitStatus;
use tokenstation::station::presence::{
    CredentialKey, Direction, Mode, Outcome, Presentation, TypedCode,
};
use tokenstation::station::presence::{EventStatus, Reason};
use tokenstation::station::tokens::SeedInput;
use tokenstation::station::verdict::Status;
use tokenstation::station::{KeySource, Station};

const SEED: &[u8] = b"12345678901234567890";
/// 2026-01-15 09:00:00 in Paris (08:00Z).
const T: i64 = 1_768_464_000;

struct Fx {
    _dir: tempfile::TempDir,
    st: Station,
}

fn code(t: i64) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(SEED))
        .code_string((t / 30) as u64, Digits::SIX)
}

fn fixture() -> Fx {
    let dir = tempfile::tempdir().unwrap();
    let db = backend::store_in(dir.path(), "s.db");
    let mut st = Station::init(&db, &KeySource::File(backend::key_for(&db)), 0).unwrap();
    st.product_add(
        &Product {
            id: 0,
            name: "P".into(),
            vendor: None,
            model: None,
            family: tokenstation::model::Family::Generic,
            params: OtpParams {
                kind: Kind::Totp,
                ..OtpParams::default()
            },
            programmable: false,
            drift_per_year: None,
            skew: 1,
        },
        0,
    )
    .unwrap();
    st.location_add("Lobby", "Europe/Paris", 0).unwrap();
    for (h, label) in [("h1", "Ada"), ("h2", "Bob")] {
        st.holder_add(h, Some(label), 0).unwrap();
    }
    st.holder_enrol("h1", &CredentialKey::parse_card("04A1B2C3").unwrap(), 0)
        .unwrap();
    st.holder_enrol("h2", &CredentialKey::parse_tag("0011649747").unwrap(), 0)
        .unwrap();
    Fx { _dir: dir, st }
}

fn tap(cred: &str, at: i64) -> Presentation {
    Presentation {
        location: "Lobby".into(),
        reader: Some("test".into()),
        at,
        idem: Some(format!("test|{cred}|{at}")),
        credential: Some(if cred.len() == 10 {
            CredentialKey::parse_tag(cred).unwrap()
        } else {
            CredentialKey::parse_card(cred).unwrap()
        }),
        ..Presentation::default()
    }
}

fn recorded(o: Outcome) -> (String, Option<String>, Option<String>) {
    match o {
        Outcome::Recorded(e) => (e.status, e.direction, e.reason),
        other => panic!("expected a recorded event, got {other:?}"),
    }
}

#[test]
fn card_mode_toggles_folds_and_refuses_with_reasons() {
    let mut f = fixture();
    let st = &mut f.st;
    assert_eq!(
        recorded(st.presence_record(&tap("04A1B2C3", T)).unwrap()),
        ("ok".into(), Some("in".into()), None)
    );
    // Same idempotency key again: the stored event, not a second one.
    assert!(matches!(
        st.presence_record(&tap("04A1B2C3", T)).unwrap(),
        Outcome::Duplicate(_)
    ));
    // A repeated tap 3 s later is folded (default fold 10 s).
    assert!(matches!(
        st.presence_record(&tap("04A1B2C3", T + 3)).unwrap(),
        Outcome::Folded(_)
    ));
    // 30 s later: within the minimum interval (60 s): refused, recorded.
    assert_eq!(
        recorded(st.presence_record(&tap("04A1B2C3", T + 30)).unwrap()),
        ("refused".into(), None, Some("TOO_SOON".into()))
    );
    // After the interval: the tap toggles to out.
    assert_eq!(
        recorded(st.presence_record(&tap("04A1B2C3", T + 120)).unwrap()).1,
        Some("out".into())
    );
    // Explicit out while out: soft anti-passback.
    let mut p = tap("04A1B2C3", T + 400);
    p.direction = Some(Direction::Out);
    assert_eq!(
        recorded(st.presence_record(&p).unwrap()).2,
        Some("NOT_IN".into())
    );
    // Unknown card: refused and recorded without a holder.
    assert_eq!(
        recorded(st.presence_record(&tap("DEADBEEF", T + 500)).unwrap()).2,
        Some("UNKNOWN_CREDENTIAL".into())
    );
    // A typed code in card mode: the card is required.
    let typed = Presentation {
        location: "Lobby".into(),
        at: T + 600,
        code: Some(TypedCode {
            serial: Some("nope".into()),
            code: "123456".into(),
        }),
        ..Presentation::default()
    };
    assert_eq!(
        recorded(st.presence_record(&typed).unwrap()).2,
        Some("UNKNOWN_CREDENTIAL".into())
    );
    // The tag of h2 checks in; explicit in again is ALREADY_IN.
    assert_eq!(
        recorded(st.presence_record(&tap("0011649747", T + 700)).unwrap()).1,
        Some("in".into())
    );
    let mut again = tap("0011649747", T + 900);
    again.direction = Some(Direction::In);
    assert_eq!(
        recorded(st.presence_record(&again).unwrap()).2,
        Some("ALREADY_IN".into())
    );
    let now = st.presence_now(Some("Lobby")).unwrap();
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].holder, "h2");
    assert_eq!(now[0].since_local, "2026-01-15T09:11:40+01:00");
}

#[test]
fn code_modes_verify_with_the_engine() {
    let mut f = fixture();
    let st = &mut f.st;
    st.token_add("T1", "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
        .unwrap();
    st.token_assign_location("T1", None, None, 0).unwrap();
    st.token_activate("T1", None, &code(T - 300), T - 300)
        .unwrap();
    st.holder_enrol(
        "h1",
        &CredentialKey {
            kind: tokenstation::station::presence::CredKind::Token,
            value: "T1".into(),
        },
        0,
    )
    .unwrap();
    st.location_presence_set(
        "Lobby",
        &SettingsChange {
            mode: Some(Mode::CardAndCode),
            ..SettingsChange::default()
        },
        0,
    )
    .unwrap();
    // The tap alone asks for a code; nothing recorded.
    assert!(matches!(
        st.presence_record(&tap("04A1B2C3", T)).unwrap(),
        Outcome::NeedCode { .. }
    ));
    // Code without the card: refused.
    let typed = |at: i64, serial: Option<&str>, card: bool, c: String| Presentation {
        location: "Lobby".into(),
        at,
        credential: card.then(|| CredentialKey::parse_card("04A1B2C3").unwrap()),
        code: Some(TypedCode {
            serial: serial.map(str::to_string),
            code: c,
        }),
        ..Presentation::default()
    };
    assert_eq!(
        recorded(
            st.presence_record(&typed(T, Some("T1"), false, code(T)))
                .unwrap()
        )
        .2,
        Some("CARD_REQUIRED".into())
    );
    // Card then a wrong code, then the right one.
    assert_eq!(
        recorded(
            st.presence_record(&typed(T + 1, None, true, "000000".into()))
                .unwrap()
        )
        .2,
        Some("INVALID_CODE".into())
    );
    assert_eq!(
        recorded(
            st.presence_record(&typed(T + 2, None, true, code(T + 2)))
                .unwrap()
        ),
        ("ok".into(), Some("in".into()), None)
    );
    // Code mode: SERIAL CODE alone; the same code again is a replay.
    st.location_presence_set(
        "Lobby",
        &SettingsChange {
            mode: Some(Mode::Code),
            min_interval: Some(0),
            ..SettingsChange::default()
        },
        0,
    )
    .unwrap();
    assert_eq!(
        recorded(
            st.presence_record(&typed(T + 3, Some("T1"), false, code(T + 3)))
                .unwrap()
        )
        .2,
        Some("REPLAYED".into())
    );
    assert_eq!(
        recorded(
            st.presence_record(&typed(T + 40, Some("T1"), false, code(T + 40)))
                .unwrap()
        )
        .1,
        Some("out".into())
    );
}

#[test]
fn a_kiosk_keeps_the_location_rule_and_slows_only_the_failing_reader() {
    let mut f = fixture();
    let st = &mut f.st;
    st.location_add("Lab", "UTC", 0).unwrap();
    for (serial, holder, place) in [("T1", "h1", None), ("T2", "h2", Some("Lab"))] {
        st.token_add(serial, "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
            .unwrap();
        st.token_assign_location(serial, None, place, 0).unwrap();
        st.token_activate(serial, None, &code(T - 300), T - 300)
            .unwrap();
        let token = CredentialKey {
            kind: tokenstation::station::presence::CredKind::Token,
            value: serial.into(),
        };
        st.holder_enrol(holder, &token, 0).unwrap();
    }
    st.location_presence_set(
        "Lobby",
        &SettingsChange {
            mode: Some(Mode::Code),
            min_interval: Some(0),
            ..SettingsChange::default()
        },
        0,
    )
    .unwrap();
    let typed = |reader: &str, at: i64, serial: &str, c: String| Presentation {
        location: "Lobby".into(),
        reader: Some(reader.into()),
        at,
        code: Some(TypedCode {
            serial: Some(serial.into()),
            code: c,
        }),
        ..Presentation::default()
    };
    let reason = |st: &mut Station, p: Presentation| recorded(st.presence_record(&p).unwrap()).2;
    // T2 is assigned to Lab only: its right code at the Lobby kiosk is refused.
    assert_eq!(
        reason(st, typed("kbd-1", T, "T2", code(T))),
        Some("WRONG_LOCATION".into())
    );
    // Wrong codes at one keyboard: three free, the fourth starts its delay.
    for i in 1..=4 {
        assert_eq!(
            reason(st, typed("kbd-1", T + i, "T1", "000000".into())),
            Some("INVALID_CODE".into())
        );
    }
    assert_eq!(
        reason(st, typed("kbd-1", T + 4, "T1", code(T + 4))),
        Some("LIMIT_REACHED".into())
    );
    // The kiosk's other reader is not slowed, and T1 is not locked.
    assert_eq!(
        recorded(
            st.presence_record(&typed("kbd-2", T + 4, "T1", code(T + 4)))
                .unwrap()
        )
        .0,
        "ok"
    );
}

#[test]
fn automatic_check_out_at_closing_time_in_the_zone() {
    let mut f = fixture();
    let st = &mut f.st;
    st.location_presence_set(
        "Lobby",
        &SettingsChange {
            close_minute: Some(Some(18 * 60)),
            ..SettingsChange::default()
        },
        0,
    )
    .unwrap();
    st.presence_record(&tap("04A1B2C3", T)).unwrap();
    // 17:59 Paris: still in.
    assert!(
        st.presence_auto_checkout("Lobby", T + 9 * 3600 - 60)
            .unwrap()
            .is_empty()
    );
    // 18:30 Paris: checked out at 18:00 Paris (17:00Z), once.
    let out = st
        .presence_auto_checkout("Lobby", T + 9 * 3600 + 1800)
        .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].at, T + 9 * 3600);
    assert_eq!(out[0].source, "auto");
    assert!(
        st.presence_auto_checkout("Lobby", T + 9 * 3600 + 1900)
            .unwrap()
            .is_empty()
    );
    assert!(st.presence_now(None).unwrap().is_empty());
    // The report, in Paris time: one 9-hour session.
    let (tz, rows) = st.presence_report("Lobby", T - 3600, T + 86_400).unwrap();
    assert_eq!(tz, "Europe/Paris");
    let r = rows
        .iter()
        .find(|r| r.holder.as_deref() == Some("h1"))
        .unwrap();
    assert_eq!(r.first_in.as_deref(), Some("2026-01-15T09:00:00+01:00"));
    assert_eq!(r.last_out.as_deref(), Some("2026-01-15T18:00:00+01:00"));
    assert_eq!(
        (r.total_seconds, r.sessions, r.open_sessions),
        (9 * 3600, 1, 0)
    );
}

#[test]
fn presence_tokens_prove_visits_and_expose_edited_times() {
    let mut f = fixture();
    let st = &mut f.st;
    st.token_add("PT", "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
        .unwrap();
    st.location_add_presence_token("Lobby", "PT", None, 0)
        .unwrap();
    let sub = |holder: Option<&str>, code: String, at: i64, d: Option<Direction>| Submission {
        location: "Lobby".into(),
        code,
        at,
        holder: holder.map(str::to_string),
        direction: d,
        idem: None,
    };
    let i = st
        .presence_submit(&sub(Some("h1"), code(T + 5), T + 5, Some(Direction::In)))
        .unwrap();
    assert_eq!(i.status, SubmitStatus::Ok);
    assert_eq!((i.bound_from, i.bound_to), (Some(T), Some(T + 30)));
    // Bob was there too: same code, different holder.
    assert_eq!(
        st.presence_submit(&sub(Some("h2"), code(T + 5), T + 5, None))
            .unwrap()
            .status,
        SubmitStatus::Ok
    );
    // Ada again with the same code: replay.
    let r = st
        .presence_submit(&sub(Some("h1"), code(T + 5), T + 5, None))
        .unwrap();
    assert_eq!(
        (r.status, r.reason),
        (SubmitStatus::Refused, Some(Reason::Code(Status::Replayed)))
    );
    // A code read at 11:00 but claimed for 12:00: refused, nearest time 11:00.
    let real = T + 7200;
    let e = st
        .presence_submit(&sub(Some("h1"), code(real), real + 3600, None))
        .unwrap();
    assert_eq!(
        (e.status, e.reason),
        (SubmitStatus::Refused, Some(Reason::TimeMismatch))
    );
    assert_eq!(e.nearest, Some(real));
    // Check-out two hours later: a verified visit.
    let o = st
        .presence_submit(&sub(
            Some("h1"),
            code(real + 10),
            real + 10,
            Some(Direction::Out),
        ))
        .unwrap();
    let v = o.visit.unwrap();
    assert_eq!((v.from, v.to), (T, real + 30));
    assert_eq!((v.min_seconds, v.max_seconds), (7200 - 30, 7200 + 30));
    // Importing the same rows twice records nothing twice.
    let rows = vec![Submission {
        idem: Some("row-1".into()),
        ..sub(Some("h2"), code(T + 600), T + 600, Some(Direction::In))
    }];
    assert_eq!(
        st.presence_import(&rows).unwrap()[0].status,
        SubmitStatus::Ok
    );
    assert_eq!(
        st.presence_import(&rows).unwrap()[0].status,
        SubmitStatus::Duplicate
    );
}

/// The kiosk loop with an RDM6300 in-process: 1,000 distinct tags tapped back to back
/// (two frames each, as a held tag repeats) give exactly 1,000 committed events.
#[test]
fn burst_of_1000_taps_loses_none() {
    let mut f = fixture();
    let st = &mut f.st;
    let tags: Vec<Tag> = (0..1000u32)
        .map(|i| Tag {
            version: 0x01,
            id: 0x0100_0000 + i,
        })
        .collect();
    for (i, t) in tags.iter().enumerate() {
        let h = format!("b{i:04}");
        st.holder_add(&h, None, 0).unwrap();
        st.holder_enrol(&h, &CredentialKey::tag_bytes(&t.bytes()).unwrap(), 0)
            .unwrap();
    }
    let burst = TagBurst::new();
    let emu =
        Rdm6300Emulator::new(Field::empty()).with_burst(burst.clone(), Duration::from_millis(1));
    let (link, dev) = spawn_in_process("rdm6300:burst", emu, Faults::new());
    let mut link = Some(link);
    let (tx, rx) = mpsc::channel();
    let stop = CancelToken::new();
    let reader = spawn_reader(
        "rdm6300:burst".into(),
        move || {
            let l =
                link.take()
                    .ok_or_else(|| tokenstation::transport::LinkError::Disconnected {
                        reader: "burst".into(),
                    })?;
            Ok(Box::new(Rdm6300Presence::new(l, "rdm6300:burst")?) as BoxedReader)
        },
        tx.clone(),
        stop.clone(),
        Duration::from_millis(50),
    )
    .unwrap();
    let acks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Frames sent before the port is opened are stale and dropped on open: start the
    // burst once the reader is up.
    let up = Arc::new(AtomicBool::new(false));
    let watcher = {
        let tx = tx.clone();
        let acks = Arc::clone(&acks);
        let up = Arc::clone(&up);
        std::thread::spawn(move || {
            while !up.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
            burst.push_all(tags.iter().copied());
            // Until every tap is committed (or a minute passes), then a moment more to
            // catch any extra event, then stop.
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while (burst.pending() > 0 || acks.load(std::sync::atomic::Ordering::SeqCst) < 1000)
                && std::time::Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            std::thread::sleep(Duration::from_millis(500));
            let _ = tx.send(KioskInput::Stop);
        })
    };
    drop(tx);
    let mut kiosk = Kiosk::new(st, "Lobby").unwrap();
    kiosk.run(&rx, |l| {
        if l.kind == LineKind::Reader {
            up.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        if l.kind == LineKind::Event && l.status == Some(EventStatus::Ok) {
            acks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    stop.cancel();
    watcher.join().unwrap();
    reader.join().unwrap();
    dev.stop();
    let acks = acks.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(acks, 1000);
    let id = st.read().location_get("Lobby").unwrap().id;
    assert_eq!(st.read().event_count(id).unwrap(), 1000);
    assert_eq!(st.presence_now(Some("Lobby")).unwrap().len(), 1000);
}
