//! The verification engine through the library: windows, drift, replay (also under
//! concurrency across threads and processes), HOTP, resync, rate limits, backup codes,
//! location policy, the attempt log and look-ups.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Barrier};

#[path = "common/backend.rs"]
mod backend;

use tokenstation::model::Product;
use tokenstation::otp::{Algorithm, Digits, Kind, OtpKey, OtpParams, Secret};
use tokenstation::station::tokens::SeedInput;
use tokenstation::station::{KeySource, Method, Source, Station, Status, VerifyRequest};
use tokenstation::store::attempts::AttemptFilter;

const SEED: &[u8] = b"12345678901234567890";
/// A time in the middle of a 30 s step.
const T: i64 = 1_700_000_015;

struct Fixture {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    key: std::path::PathBuf,
    st: Station,
}

fn fixture(kind: Kind) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let backend::TestDb { db, key } = backend::test_db(dir.path(), "s.db");
    let mut st = Station::init(&db, &KeySource::File(key.clone()), 0).unwrap();
    st.product_add(
        &Product {
            id: 0,
            name: "P".into(),
            vendor: None,
            model: None,
            family: tokenstation::model::Family::Generic,
            params: OtpParams {
                kind,
                ..OtpParams::default()
            },
            programmable: false,
            drift_per_year: None,
            skew: if kind == Kind::Hotp { 10 } else { 1 },
        },
        0,
    )
    .unwrap();
    for l in ["Lobby", "Lab"] {
        st.location_add(l, "UTC", 0).unwrap();
    }
    Fixture {
        _dir: dir,
        db,
        key,
        st,
    }
}

fn open(db: &std::path::Path, key: &std::path::Path) -> Station {
    let mut st = Station::open(db).unwrap();
    st.unlock(&KeySource::File(key.to_path_buf())).unwrap();
    st
}

/// Adds an active token whose seed is SEED; activated at `T` with the code of `T`.
fn active(f: &mut Fixture, serial: &str) {
    f.st.token_add(serial, "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
        .unwrap();
    f.st.token_assign_location(serial, None, None, 0).unwrap();
    let c = code_at_step(step(T));
    let v = f.st.token_activate(serial, None, &c, T).unwrap();
    assert!(v.is_ok(), "{v:?}");
}

fn step(t: i64) -> u64 {
    (t / 30) as u64
}

fn code_at_step(s: u64) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(SEED)).code_string(s, Digits::SIX)
}

#[test]
fn window_drift_learning_and_replay() {
    let mut f = fixture(Kind::Totp);
    active(&mut f, "A");
    let now = T + 300;
    let s = step(now);
    // Two steps ahead is outside ±1 around drift 0.
    let v =
        f.st.verify("A", &code_at_step(s + 2), None, now, true)
            .unwrap();
    assert_eq!(v.status, Status::InvalidCode);
    // One step ahead: accepted, drift learned.
    let v =
        f.st.verify("A", &code_at_step(s + 1), None, now, true)
            .unwrap();
    assert_eq!(
        (v.status, v.offset, v.drift_steps),
        (Status::Ok, Some(1), Some(1))
    );
    // The window now centres on +1: +2 is inside.
    let later = now + 60;
    let v =
        f.st.verify("A", &code_at_step(step(later) + 2), None, later, true)
            .unwrap();
    assert_eq!(
        (v.status, v.offset, v.drift_steps),
        (Status::Ok, Some(2), Some(2))
    );
    // Replays: the same step, and any step at or before the last accepted one.
    let v =
        f.st.verify("A", &code_at_step(step(later) + 2), None, later + 1, true)
            .unwrap();
    assert_eq!(v.status, Status::Replayed);
    let v =
        f.st.verify("A", &code_at_step(step(later) + 1), None, later, true)
            .unwrap();
    assert_eq!(v.status, Status::Replayed);
    // Same input, same answer, nothing changed with record = false.
    let probe = code_at_step(step(later + 30) + 2);
    let a = f.st.verify("A", &probe, None, later + 30, false).unwrap();
    let b = f.st.verify("A", &probe, None, later + 30, false).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.status, Status::Ok);
    assert_eq!(
        f.st.verify("A", &probe, None, later + 30, true)
            .unwrap()
            .status,
        Status::Ok
    );
}

#[test]
fn drift_cap_stops_learning() {
    let mut f = fixture(Kind::Totp);
    active(&mut f, "A");
    f.st.policy_set("drift.max_learned_steps", "2", 0).unwrap();
    let mut t = T + 30;
    let mut last = None;
    for k in 1..=4 {
        // The token runs one more step fast each time.
        t += 300;
        let v =
            f.st.verify("A", &code_at_step(step(t) + k), None, t, true)
                .unwrap();
        last = Some(v.clone());
        if k <= 3 {
            assert_eq!(v.status, Status::Ok, "k={k} {v:?}");
        }
    }
    // After the cap (2) the window is centred on +2: +3 passed once (capped), +4 fails.
    let v = last.unwrap();
    assert_eq!(v.status, Status::InvalidCode, "{v:?}");
    let t = f.st.token("A", None).unwrap();
    assert_eq!(t.drift_steps, 2);
}

#[test]
fn exactly_one_ok_across_threads() {
    let mut f = fixture(Kind::Totp);
    active(&mut f, "A");
    let now = T + 600;
    let code = code_at_step(step(now));
    let n = 8;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (db, key) = (f.db.clone(), f.key.clone());
            let code = code.clone();
            let b = barrier.clone();
            std::thread::spawn(move || {
                let mut st = open(&db, &key);
                b.wait();
                st.verify("A", &code, None, now, true).unwrap().status
            })
        })
        .collect();
    let statuses: Vec<Status> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == Status::Ok).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| matches!(s, Status::Ok | Status::Replayed)),
        "{statuses:?}"
    );
}

#[test]
fn exactly_one_ok_across_processes_and_threads() {
    let mut f = fixture(Kind::Totp);
    active(&mut f, "A");
    let now = T + 900;
    let code = code_at_step(step(now));
    let bin = env!("CARGO_BIN_EXE_tokenstation");
    let at = now.to_string();
    let procs: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(bin)
                .args([
                    "--db",
                    f.db.to_str().unwrap(),
                    "--key-file",
                    f.key.to_str().unwrap(),
                    "verify",
                    "A",
                    &code,
                    "--at",
                    &at,
                ])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (db, key) = (f.db.clone(), f.key.clone());
            let code = code.clone();
            std::thread::spawn(move || {
                open(&db, &key)
                    .verify("A", &code, None, now, true)
                    .unwrap()
                    .status
                    == Status::Ok
            })
        })
        .collect();
    let mut oks = threads
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count();
    for mut p in procs {
        let status = p.wait().unwrap();
        match status.code() {
            Some(0) => oks += 1,
            Some(1) => {}
            other => panic!("verify process ended with {other:?}"),
        }
    }
    assert_eq!(oks, 1);
    let attempts =
        f.st.read()
            .attempt_list(&AttemptFilter {
                serial: Some("A".into()),
                ..Default::default()
            })
            .unwrap();
    let at_now: Vec<_> = attempts.iter().filter(|a| a.at == now).collect();
    assert_eq!(at_now.len(), 6);
    assert_eq!(at_now.iter().filter(|a| a.status == "OK").count(), 1);
}

#[test]
fn hotp_look_ahead_and_counter() {
    let mut f = fixture(Kind::Hotp);
    f.st.token_add("H", "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
        .unwrap();
    f.st.token_assign_location("H", None, None, 0).unwrap();
    assert!(
        f.st.token_activate("H", None, &code_at_step(0), T)
            .unwrap()
            .is_ok()
    );
    // counter now 1: look-ahead 10 reaches counter 11, not 12
    assert_eq!(
        f.st.verify("H", &code_at_step(12), None, T, true)
            .unwrap()
            .status,
        Status::InvalidCode
    );
    assert_eq!(
        f.st.token("H", None).unwrap().counter,
        1,
        "no advance on failure"
    );
    let v = f.st.verify("H", &code_at_step(11), None, T, true).unwrap();
    assert_eq!(
        (v.status, v.step, v.offset),
        (Status::Ok, Some(11), Some(10))
    );
    assert_eq!(f.st.token("H", None).unwrap().counter, 12);
    assert_eq!(
        f.st.verify("H", &code_at_step(11), None, T, true)
            .unwrap()
            .status,
        Status::Replayed
    );
    assert_eq!(
        f.st.verify("H", &code_at_step(5), None, T, true)
            .unwrap()
            .status,
        Status::Replayed
    );
}

#[test]
fn totp_resync_sets_drift_and_activates() {
    let mut f = fixture(Kind::Totp);
    f.st.token_add("R", "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
        .unwrap();
    f.st.token_assign_location("R", None, None, 0).unwrap();
    let now = T;
    let s = step(now);
    // The token runs 100 steps (50 min) fast and has never been used.
    let v =
        f.st.token_resync(
            "R",
            None,
            &code_at_step(s + 100),
            &code_at_step(s + 101),
            now,
        )
        .unwrap();
    assert_eq!(
        (v.status, v.drift_steps, v.method),
        (Status::Ok, Some(101), Method::Resync)
    );
    let t = f.st.token("R", None).unwrap();
    assert_eq!(t.status.as_str(), "active");
    // Codes of the pair cannot be replayed; the next one verifies with the learned drift.
    assert_eq!(
        f.st.verify("R", &code_at_step(s + 101), None, now, true)
            .unwrap()
            .status,
        Status::Replayed
    );
    let v =
        f.st.verify("R", &code_at_step(s + 103), None, now + 30, true)
            .unwrap();
    assert_eq!(v.status, Status::Ok, "{v:?}");
    // Out of order codes, and codes beyond a day, do not resync.
    let v =
        f.st.token_resync(
            "R",
            None,
            &code_at_step(s + 201),
            &code_at_step(s + 200),
            now,
        )
        .unwrap();
    assert_eq!(v.status, Status::InvalidCode);
    let far = s + 2 * 2880 + 10;
    assert_eq!(
        f.st.token_resync("R", None, &code_at_step(far), &code_at_step(far + 1), now)
            .unwrap()
            .status,
        Status::InvalidCode
    );
    f.st.policy_set("resync.totp_window_s", &(3 * 86_400).to_string(), 0)
        .unwrap();
    assert_eq!(
        f.st.token_resync("R", None, &code_at_step(far), &code_at_step(far + 1), now)
            .unwrap()
            .status,
        Status::Ok
    );
    let audit = f.st.read().audit_list(&Default::default()).unwrap();
    assert!(audit.iter().any(|a| a.action == "token.resync"));
    assert!(audit.iter().any(|a| a.action == "token.resync.failed"));
}

#[test]
fn hotp_resync() {
    let mut f = fixture(Kind::Hotp);
    f.st.token_add("H", "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
        .unwrap();
    let v =
        f.st.token_resync("H", None, &code_at_step(500), &code_at_step(501), T)
            .unwrap();
    assert_eq!((v.status, v.step), (Status::Ok, Some(501)));
    assert_eq!(f.st.token("H", None).unwrap().counter, 502);
    assert_eq!(
        f.st.verify("H", &code_at_step(502), None, T, true)
            .unwrap()
            .status,
        Status::Ok
    );
}

#[test]
fn rate_limit_cooldown_and_unlock() {
    let mut f = fixture(Kind::Totp);
    active(&mut f, "A");
    let t0 = T + 3000;
    for i in 0..5 {
        let v = f.st.verify("A", "000000", None, t0 + i, true).unwrap();
        assert_eq!(v.status, Status::InvalidCode);
    }
    // Even the right code is refused while cooling down, with the time left.
    let right = code_at_step(step(t0 + 10));
    let v = f.st.verify("A", &right, None, t0 + 10, true).unwrap();
    assert_eq!(v.status, Status::LimitReached);
    assert_eq!(v.retry_after_ms, Some((900 - 6) * 1000));
    let after = t0 + 4 + 900;
    let v =
        f.st.verify("A", &code_at_step(step(after)), None, after, true)
            .unwrap();
    assert_eq!(v.status, Status::Ok, "{v:?}");
    // A success reset the count: four failures do not limit.
    for i in 0..4 {
        f.st.verify("A", "000000", None, after + 1 + i, true)
            .unwrap();
    }
    assert_eq!(
        f.st.verify("A", "000000", None, after + 10, true)
            .unwrap()
            .status,
        Status::InvalidCode
    );
    assert_eq!(
        f.st.verify("A", "000000", None, after + 11, true)
            .unwrap()
            .status,
        Status::LimitReached
    );
    assert!(f.st.token_unlock("A", None, after + 12).unwrap());
    let t2 = after + 40;
    assert_eq!(
        f.st.verify("A", &code_at_step(step(t2)), None, t2, true)
            .unwrap()
            .status,
        Status::Ok
    );
    assert!(
        f.st.read()
            .audit_list(&Default::default())
            .unwrap()
            .iter()
            .any(|a| a.action == "token.unlock")
    );
}

#[test]
fn cooldown_grows_when_configured() {
    let mut f = fixture(Kind::Totp);
    active(&mut f, "A");
    f.st.policy_set("limit.cooldown_growth", "2", 0).unwrap();
    f.st.policy_set("limit.max_failures", "2", 0).unwrap();
    // The token's cooldown alone: the per-source delay stays out of the way.
    f.st.policy_set("limit.source_free_failures", "100", 0)
        .unwrap();
    let t0 = T + 100;
    for i in 0..2 {
        f.st.verify("A", "000000", None, t0 + i, true).unwrap();
    }
    assert_eq!(
        f.st.verify("A", "000000", None, t0 + 2, true)
            .unwrap()
            .retry_after_ms,
        Some(899_000)
    );
    let t1 = t0 + 1 + 900;
    for i in 0..2 {
        f.st.verify("A", "000000", None, t1 + i, true).unwrap();
    }
    assert_eq!(
        f.st.verify("A", "000000", None, t1 + 1, true)
            .unwrap()
            .retry_after_ms,
        Some(1_800_000)
    );
}

#[test]
fn unknown_serials_slow_their_source_not_the_location() {
    let mut f = fixture(Kind::Totp);
    active(&mut f, "A");
    let guesser = Source::reader("kiosk-1").unwrap();
    let other = Source::reader("kiosk-2").unwrap();
    let ask = |st: &mut Station, serial: &str, code: &str, source: &Source, at: i64, record| {
        st.verify_request(&VerifyRequest {
            serial,
            code,
            location: Some("Lab"),
            product: None,
            source: Some(source),
            at,
            record,
        })
        .unwrap()
    };
    // Six codes for unknown serials at Lab from one reader, each as soon as allowed (a
    // look without recording tells how long the reader must wait).
    let mut now = T + 100;
    let mut delays = Vec::new();
    for i in 0..6 {
        let v = ask(
            &mut f.st,
            &format!("NOPE{i}"),
            "123456",
            &guesser,
            now,
            true,
        );
        assert_eq!(v.status, Status::UnknownToken, "guess {i}: {v:?}");
        let wait = ask(&mut f.st, "NOPE", "123456", &guesser, now, false).retry_after_ms;
        delays.push(wait);
        now += i64::try_from(wait.unwrap_or(0) / 1000).unwrap();
    }
    // Three free, then 1 s, 2 s, 4 s: guessing slows down and keeps slowing.
    assert_eq!(
        delays,
        [None, None, None, Some(1000), Some(2000), Some(4000)]
    );
    // A valid token at Lab is not locked out: another reader verifies it at once.
    let v = ask(&mut f.st, "A", &code_at_step(step(now)), &other, now, true);
    assert_eq!(v.status, Status::Ok, "{v:?}");
    // One more guess doubles the guessing reader's wait; meanwhile it answers
    // LIMIT_REACHED without looking at the code, even a right one.
    let v = ask(&mut f.st, "NOPE7", "123456", &guesser, now, true);
    assert_eq!(v.status, Status::UnknownToken);
    let later = now + 60;
    let v = ask(
        &mut f.st,
        "A",
        &code_at_step(step(later)),
        &guesser,
        now,
        true,
    );
    assert_eq!(
        (v.status, v.retry_after_ms),
        (Status::LimitReached, Some(8000))
    );
    // After the wait the same reader verifies the token.
    let v = ask(
        &mut f.st,
        "A",
        &code_at_step(step(later)),
        &guesser,
        later,
        true,
    );
    assert_eq!(v.status, Status::Ok, "{v:?}");
    // Unknown serials never counted against a token.
    assert_eq!(f.st.token_detail("A", None).unwrap().failures, 0);
    // Every recorded attempt is in the log with its source.
    let log = f.st.read().attempt_list(&AttemptFilter::default()).unwrap();
    let from = |src: &str, status: &str| {
        log.iter()
            .filter(|a| a.source.as_deref() == Some(src) && a.status == status)
            .count()
    };
    assert_eq!(from("reader:kiosk-1", "UNKNOWN_TOKEN"), 7);
    assert_eq!(from("reader:kiosk-1", "LIMIT_REACHED"), 1);
    assert_eq!(from("reader:kiosk-1", "OK"), 1);
    assert_eq!(from("reader:kiosk-2", "OK"), 1);
    // An operator can clear the location's delays (audited).
    ask(&mut f.st, "NOPE8", "123456", &guesser, later, true);
    assert!(f.st.location_unlock("Lab", later).unwrap());
    assert!(!f.st.location_unlock("Lab", later).unwrap());
}

#[test]
fn a_restricted_token_verifies_only_at_its_locations() {
    let mut f = fixture(Kind::Totp);
    for s in ["R", "U", "ALL"] {
        f.st.token_add(s, "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
            .unwrap();
        assert!(
            f.st.token_activate(s, None, &code_at_step(step(T)), T)
                .unwrap()
                .is_ok()
        );
    }
    f.st.token_assign_location("R", None, Some("Lobby"), 0)
        .unwrap();
    f.st.token_assign_location("ALL", None, None, 0).unwrap();
    let mut t = T + 30;
    let mut at = |st: &mut Station, serial: &str, location: Option<&str>| {
        t += 30;
        st.verify(serial, &code_at_step(step(t)), location, t, true)
            .unwrap()
            .status
    };
    // Restricted to Lobby: only there; without a location it is WRONG_LOCATION.
    assert_eq!(at(&mut f.st, "R", None), Status::WrongLocation);
    assert_eq!(at(&mut f.st, "R", Some("Lab")), Status::WrongLocation);
    assert_eq!(at(&mut f.st, "R", Some("Lobby")), Status::Ok);
    // Assigned nowhere: only where no location is named.
    assert_eq!(at(&mut f.st, "U", Some("Lobby")), Status::WrongLocation);
    assert_eq!(at(&mut f.st, "U", None), Status::Ok);
    // All locations: everywhere, and without one.
    assert_eq!(at(&mut f.st, "ALL", Some("Lab")), Status::Ok);
    assert_eq!(at(&mut f.st, "ALL", None), Status::Ok);
    // A wrong location counts no failure: it says nothing about the code.
    assert_eq!(f.st.token_detail("R", None).unwrap().failures, 0);
}

#[test]
fn hotp_at_the_end_of_its_counter_accepts_once_then_never() {
    use tokenstation::otp::KeyUri;
    use tokenstation::otp::bounds::COUNTER_MAX;
    let mut f = fixture(Kind::Hotp);
    let uri = |counter: u64| {
        KeyUri::parse(&format!(
            "otpauth://hotp/H:HX?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter={counter}"
        ))
    };
    // Beyond the counter's range the URI itself is refused.
    for bad in [COUNTER_MAX + 1, u64::MAX] {
        let e = uri(bad).unwrap_err().to_string();
        assert!(e.contains("counter") && e.contains(&bad.to_string()), "{e}");
    }
    f.st.token_add(
        "HX",
        "P",
        SeedInput::Uri(Box::new(uri(COUNTER_MAX - 1).unwrap())),
        0,
    )
    .unwrap();
    f.st.token_assign_location("HX", None, None, 0).unwrap();
    let last = code_at_step(COUNTER_MAX - 1);
    let v = f.st.token_activate("HX", None, &last, T).unwrap();
    assert_eq!((v.status, v.step), (Status::Ok, Some(COUNTER_MAX - 1)));
    assert_eq!(f.st.token("HX", None).unwrap().counter, COUNTER_MAX);
    for i in 0..5 {
        for code in [&last, &code_at_step(COUNTER_MAX), &code_at_step(0)] {
            let v = f.st.verify("HX", code, None, T + i, true).unwrap();
            assert_eq!(v.status, Status::CounterExhausted, "{code}: {v:?}");
        }
    }
    assert_eq!(f.st.token("HX", None).unwrap().counter, COUNTER_MAX);
    // Neither can a resync move it.
    let v =
        f.st.token_resync(
            "HX",
            None,
            &code_at_step(COUNTER_MAX - 1),
            &code_at_step(COUNTER_MAX),
            T,
        )
        .unwrap();
    assert_ne!(v.status, Status::Ok);
    // The store holds the counter as a positive integer, never a wrapped negative one.
    let sql = "SELECT counter FROM tokens WHERE serial = 'HX'";
    let raw: i64 = if backend::on_postgres() {
        postgres::Client::connect(f.db.to_str().unwrap(), postgres::NoTls)
            .unwrap()
            .query_one(sql, &[])
            .unwrap()
            .get(0)
    } else {
        rusqlite::Connection::open(&f.db)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(u64::try_from(raw).unwrap(), COUNTER_MAX);
}

#[test]
fn backup_codes_once_each_and_regeneration() {
    let mut f = fixture(Kind::Totp);
    active(&mut f, "A");
    let codes = f.st.token_backup_codes("A", None, false, T).unwrap();
    assert_eq!(codes.len(), 10);
    let v =
        f.st.verify("A", &codes[0].to_lowercase(), None, T + 1, true)
            .unwrap();
    assert_eq!(
        (v.status, v.method, v.backup_codes_left),
        (Status::Ok, Method::Backup, Some(9))
    );
    // A used code again is a replay (issue 12), not a wrong code.
    assert_eq!(
        f.st.verify("A", &codes[0], None, T + 2, true)
            .unwrap()
            .status,
        Status::Replayed
    );
    assert_eq!(
        f.st.verify("A", "ZZZZ-ZZZZ", None, T + 3, true)
            .unwrap()
            .status,
        Status::InvalidCode
    );
    // Nine unused codes: a new set needs `replace` (issue 12).
    assert!(matches!(
        f.st.token_backup_codes("A", None, false, T + 4),
        Err(tokenstation::station::StationError::BackupCodesExist { unused: 9, .. })
    ));
    let fresh = f.st.token_backup_codes("A", None, true, T + 4).unwrap();
    assert_eq!(
        f.st.verify("A", &codes[1], None, T + 5, true)
            .unwrap()
            .status,
        Status::InvalidCode
    );
    assert_eq!(
        f.st.verify("A", &fresh[1], None, T + 6, true)
            .unwrap()
            .status,
        Status::Ok
    );
    assert_eq!(
        f.st.read()
            .backup_codes_left(f.st.token("A", None).unwrap().id)
            .unwrap(),
        9
    );
}

#[test]
fn location_policy_and_statuses() {
    let mut f = fixture(Kind::Totp);
    f.st.token_add("A", "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
        .unwrap();
    let c = code_at_step(step(T));
    assert_eq!(
        f.st.verify("A", &c, None, T, true).unwrap().status,
        Status::NotActivated
    );
    assert!(f.st.token_activate("A", None, &c, T).unwrap().is_ok());
    let t = T + 60;
    let c = code_at_step(step(t));
    assert_eq!(
        f.st.verify("A", &c, Some("Lobby"), t, true).unwrap().status,
        Status::WrongLocation
    );
    f.st.token_assign_location("A", None, Some("Lobby"), 0)
        .unwrap();
    // Lobby only takes product Q.
    let mut q = f.st.read().product_get("P").unwrap();
    q.name = "Q".into();
    f.st.product_add(&q, 0).unwrap();
    f.st.location_restrict("Lobby", &["Q".into()], 0).unwrap();
    assert_eq!(
        f.st.verify("A", &c, Some("Lobby"), t, true).unwrap().status,
        Status::WrongLocation
    );
    f.st.location_restrict("Lobby", &[], 0).unwrap();
    assert_eq!(
        f.st.verify("A", &c, Some("Lobby"), t, true).unwrap().status,
        Status::Ok
    );
    f.st.token_set_status("A", None, tokenstation::model::TokenStatus::Disabled, 0)
        .unwrap();
    assert_eq!(
        f.st.verify("A", &c, Some("Lobby"), t + 30, true)
            .unwrap()
            .status,
        Status::Disabled
    );
    assert_eq!(
        f.st.verify("B", &c, Some("Lobby"), t, true).unwrap().status,
        Status::UnknownToken
    );
    // Every attempt is logged with its status and offset, never its code.
    let log = f.st.read().attempt_list(&AttemptFilter::default()).unwrap();
    let statuses: Vec<&str> = log.iter().map(|a| a.status.as_str()).collect();
    for s in [
        "OK",
        "WRONG_LOCATION",
        "DISABLED",
        "UNKNOWN_TOKEN",
        "NOT_ACTIVATED",
    ] {
        assert!(statuses.contains(&s), "{s} in {statuses:?}");
    }
    let json = serde_json::to_string(&log).unwrap();
    assert!(!json.contains(&c), "the attempt log holds no codes");
}

#[test]
fn lookup_finds_token_and_step_and_refuses_huge_ranges() {
    let mut f = fixture(Kind::Totp);
    active(&mut f, "A");
    f.st.token_add(
        "Other",
        "P",
        SeedInput::Secret(Secret::from_slice(b"abcdefghijabcdefghij")),
        0,
    )
    .unwrap();
    let s = step(T) + 7;
    let r =
        f.st.lookup(&code_at_step(s), None, T - 3600, T + 3600)
            .unwrap();
    assert!(
        r.hits.iter().any(|h| h.serial == "A" && h.step == s),
        "{r:?}"
    );
    assert_eq!(r.tokens_searched, 2);
    assert_eq!(r.codes_computed, 2 * 241);
    f.st.policy_set("lookup.max_codes", "1000", 0).unwrap();
    let e =
        f.st.lookup(&code_at_step(s), None, T - 86_400, T)
            .unwrap_err();
    assert!(e.to_string().contains("lookup.max_codes"), "{e}");
    assert!(f.st.lookup("123456", None, T, T - 1).is_err());
}
