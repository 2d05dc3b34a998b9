//! The learned-drift cap is relative to the operator's baseline (issue 14, "a bug to fix
//! first"): a resync at +21/+22 is not undone by the next verification, consecutive
//! codes of a token running further ahead keep verifying, and learning still stops
//! `drift.max_learned_steps` past the baseline.
#![allow(clippy::unwrap_used)]

#[path = "common/backend.rs"]
mod backend;

use tokenstation::model::{Family, Product};
use tokenstation::otp::{Algorithm, Digits, OtpKey, OtpParams, Secret};
use tokenstation::station::tokens::SeedInput;
use tokenstation::station::{KeySource, Station, Status};

const SEED: &[u8] = b"12345678901234567890";
/// The middle of a 30 s step.
const T: i64 = 1_700_000_015;

fn station(dir: &tempfile::TempDir) -> Station {
    let db = backend::store_in(dir.path(), "s.db");
    let mut st = Station::init(&db, &KeySource::File(backend::key_for(&db)), 0).unwrap();
    st.product_add(
        &Product {
            id: 0,
            name: "P".into(),
            vendor: None,
            model: None,
            family: Family::Generic,
            params: OtpParams::default(),
            programmable: false,
            drift_per_year: None,
            skew: 1,
        },
        0,
    )
    .unwrap();
    st.token_add("R", "P", SeedInput::Secret(Secret::from_slice(SEED)), 0)
        .unwrap();
    st
}

fn code(step: u64) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(SEED)).code_string(step, Digits::SIX)
}

fn step(t: i64) -> u64 {
    (t / 30) as u64
}

#[test]
fn a_resync_beyond_the_cap_stays_learned() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir);
    let n = step(T);
    let v = st
        .token_resync("R", None, &code(n + 21), &code(n + 22), T)
        .unwrap();
    assert_eq!((v.status, v.drift_steps), (Status::Ok, Some(22)));
    let t = st.token("R", None).unwrap();
    assert_eq!((t.drift_steps, t.drift_base_steps), (22, 22));

    // Two minutes later the token shows +22: accepted, and the drift stays 22 (the old
    // rule clamped it back to the cap, 20, and the next code failed).
    let v = st
        .verify("R", &code(n + 4 + 22), None, T + 120, true)
        .unwrap();
    assert_eq!(
        (v.status, v.offset, v.drift_steps, v.drift_capped),
        (Status::Ok, Some(22), Some(22), false)
    );
    // The token runs on ahead: +23, then +24, over the following minutes.
    let v = st
        .verify("R", &code(n + 5 + 23), None, T + 150, true)
        .unwrap();
    assert_eq!((v.status, v.drift_steps), (Status::Ok, Some(23)), "{v:?}");
    let v = st
        .verify("R", &code(n + 6 + 24), None, T + 180, true)
        .unwrap();
    assert_eq!((v.status, v.drift_steps), (Status::Ok, Some(24)), "{v:?}");
    // Learning does not move the baseline.
    assert_eq!(st.token("R", None).unwrap().drift_base_steps, 22);
}

#[test]
fn learning_stops_at_the_cap_past_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = station(&dir);
    st.policy_set("drift.max_learned_steps", "2", 0).unwrap();
    let n = step(T);
    st.token_resync("R", None, &code(n + 9), &code(n + 10), T)
        .unwrap();
    // +11 and +12 are learned (1 and 2 past the baseline 10); +12 reaches the cap.
    let v = st
        .verify("R", &code(n + 1 + 11), None, T + 30, true)
        .unwrap();
    assert_eq!((v.drift_steps, v.drift_capped), (Some(11), false));
    let v = st
        .verify("R", &code(n + 2 + 12), None, T + 60, true)
        .unwrap();
    assert_eq!((v.drift_steps, v.drift_capped), (Some(12), true));
    // +13 is still in the window (12 ± 1) but the drift stays at the cap.
    let v = st
        .verify("R", &code(n + 3 + 13), None, T + 90, true)
        .unwrap();
    assert_eq!(
        (v.status, v.drift_steps, v.drift_capped),
        (Status::Ok, Some(12), true)
    );
    // +14 is out of reach: resync or fix.
    let v = st
        .verify("R", &code(n + 4 + 14), None, T + 120, true)
        .unwrap();
    assert_eq!(v.status, Status::InvalidCode);
}
