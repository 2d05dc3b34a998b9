//! The drift report and the per-token view through the library (issue 14): urgency
//! order, the at-risk, product and location filters, the product's expected drift for
//! tokens with too little history (and the family default), HOTP tokens left out, and
//! the JSON field names the README documents.
#![allow(clippy::unwrap_used)]

#[path = "common/backend.rs"]
mod backend;

use tokenstation::model::{Family, Product};
use tokenstation::otp::{Algorithm, Digits, Kind, OtpKey, OtpParams, Secret};
use tokenstation::station::drift::report::DriftQuery;
use tokenstation::station::tokens::SeedInput;
use tokenstation::station::views::{DriftFilter, FixMethod, TrendSource};
use tokenstation::station::{KeySource, Station, StationError};

const SEED: &[u8] = b"12345678901234567890";
const T0: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

fn product(st: &mut Station, name: &str, family: Family, kind: Kind, per_year: Option<f64>) {
    st.product_add(
        &Product {
            id: 0,
            name: name.into(),
            vendor: None,
            model: None,
            family,
            params: OtpParams {
                kind,
                ..OtpParams::default()
            },
            programmable: false,
            drift_per_year: per_year,
            skew: 1,
        },
        0,
    )
    .unwrap();
}

fn code(t: i64) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(SEED))
        .code_string((t / 30) as u64, Digits::SIX)
}

/// A token verified daily for `days`, its clock gaining `s_per_day`.
fn drifting(st: &mut Station, serial: &str, product: &str, s_per_day: f64, days: i64) {
    st.token_add(
        serial,
        product,
        SeedInput::Secret(Secret::from_slice(SEED)),
        0,
    )
    .unwrap();
    st.token_activate(serial, None, &code(T0), T0).unwrap();
    for d in 1..=days {
        let at = T0 + d * DAY + (d % 6) * 1_000;
        let dev = at + (s_per_day * d as f64) as i64;
        let v = st.verify(serial, &code(dev), None, at, true).unwrap();
        assert!(v.is_ok(), "{serial} day {d}: {v:?}");
    }
}

fn setup(dir: &tempfile::TempDir) -> Station {
    let db = backend::store_in(dir.path(), "s.db");
    let mut st = Station::init(&db, &KeySource::File(backend::key_for(&db)), 0).unwrap();
    product(&mut st, "Token2", Family::Token2Nfc, Kind::Totp, None);
    product(&mut st, "c200", Family::Generic, Kind::Totp, Some(90.0));
    product(&mut st, "Phone", Family::Software, Kind::Totp, None);
    product(&mut st, "HOTP", Family::Generic, Kind::Hotp, None);
    st.location_add("Lobby", "UTC", 0).unwrap();
    drifting(&mut st, "FAST", "Token2", 12.0, 30);
    drifting(&mut st, "SLOW", "Token2", -3.0, 30);
    for (serial, p) in [("NEW", "c200"), ("APP", "Phone"), ("H1", "HOTP")] {
        st.token_add(serial, p, SeedInput::Secret(Secret::from_slice(SEED)), 0)
            .unwrap();
    }
    st.token_assign_location("SLOW", None, Some("Lobby"), 0)
        .unwrap();
    st
}

#[test]
fn rows_by_urgency_with_fits_and_product_expectations() {
    let dir = tempfile::tempdir().unwrap();
    let st = setup(&dir);
    let now = T0 + 31 * DAY;
    let r = st.drift_report(&DriftQuery::default(), now).unwrap();
    assert_eq!(r.tokens, 4, "HOTP tokens have no clock");
    let order: Vec<&str> = r.rows.iter().map(|r| r.serial.as_str()).collect();
    // FAST: +372 s, 12 s/day, 630 s edge: ~21 days. SLOW: −93 s at −3 s/day: ~179 days.
    // NEW: no history, 90 s/year either way: 630 s in 7 years. APP: host time, none.
    assert_eq!(order, ["FAST", "SLOW", "NEW", "APP"]);
    let fast = &r.rows[0];
    assert_eq!(fast.trend_source, TrendSource::Fit);
    assert!(
        (fast.trend_s_per_day.unwrap() - 12.0).abs() < 1.0,
        "{fast:?}"
    );
    assert!((fast.offset_s - 372.0).abs() < 20.0, "{fast:?}");
    assert!((15.0..28.0).contains(&fast.days_left.unwrap()), "{fast:?}");
    // 31 days, kept in at most 24 samples (the oldest merged)
    assert_eq!((fast.fix, fast.samples), (FixMethod::Clock, 24));
    assert!(fast.offset_steps >= 11 && fast.history.len() == 24);
    assert_eq!(fast.last_seen, Some(T0 + 30 * DAY));
    let slow = &r.rows[1];
    assert!(
        (slow.trend_s_per_day.unwrap() + 3.0).abs() < 1.0,
        "{slow:?}"
    );
    let new = &r.rows[2];
    assert_eq!(
        (new.trend_source, new.fix),
        (TrendSource::Product, FixMethod::Resync)
    );
    assert!(
        (new.days_left.unwrap() / 365.25 - 7.0).abs() < 0.1,
        "{new:?}"
    );
    let app = &r.rows[3];
    assert_eq!((app.trend_source, app.exit_at), (TrendSource::None, None));
}

#[test]
fn filters_at_risk_product_and_location() {
    let dir = tempfile::tempdir().unwrap();
    let st = setup(&dir);
    let now = T0 + 31 * DAY;
    let q = |filter: DriftFilter, at_risk_days| DriftQuery {
        filter,
        at_risk_days,
    };
    let serials = |q: DriftQuery| -> Vec<String> {
        st.drift_report(&q, now)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.serial)
            .collect()
    };
    assert_eq!(serials(q(DriftFilter::default(), Some(30.0))), ["FAST"]);
    assert_eq!(
        serials(q(DriftFilter::default(), Some(365.0))),
        ["FAST", "SLOW"]
    );
    let token2 = DriftFilter {
        product: Some("Token2".into()),
        ..DriftFilter::default()
    };
    assert_eq!(serials(q(token2, None)), ["FAST", "SLOW"]);
    let lobby = DriftFilter {
        location: Some("Lobby".into()),
        ..DriftFilter::default()
    };
    assert_eq!(serials(q(lobby, None)), ["SLOW"]);
    // far ahead FAST has left its window: first, out of the window, days negative
    let later = st
        .drift_report(&DriftQuery::default(), now + 60 * DAY)
        .unwrap();
    assert!(later.rows[0].out_of_window && later.rows[0].days_left.unwrap() < 0.0);
}

#[test]
fn one_token_in_detail_and_the_json_fields() {
    let dir = tempfile::tempdir().unwrap();
    let st = setup(&dir);
    let d = st.drift_show("FAST", None, T0 + 31 * DAY).unwrap();
    assert!(d.fit.is_some() && d.samples.len() == 24);
    assert_eq!(
        d.expected_drift_per_year,
        Some(120.0),
        "Token2's family default"
    );
    let e = st.drift_show("H1", None, T0).unwrap_err();
    assert!(matches!(e, StationError::NoDrift { .. }), "{e}");
    let v = serde_json::to_value(&d).unwrap();
    for key in [
        "serial",
        "product",
        "family",
        "status",
        "offset_steps",
        "baseline_steps",
        "offset_s",
        "trend_s_per_day",
        "trend_source",
        "samples",
        "last_seen",
        "window",
        "exit_at",
        "days_left",
        "out_of_window",
        "fix",
        "history",
        "fit",
        "expected_drift_per_year",
    ] {
        assert!(v.get(key).is_some(), "{key} missing in {v}");
    }
    assert_eq!(v["trend_source"], "fit");
    assert_eq!(v["fix"], "clock");
    assert!(v["window"]["high_s"].as_f64().unwrap() == 630.0);
    assert!(v["history"][0]["at"].is_i64() && v["history"][0]["offset_s"].is_f64());
}

#[test]
fn a_day_is_sampled_by_its_first_accepted_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = setup(&dir);
    let samples = |st: &Station| st.drift_show("FAST", None, T0 + 40 * DAY).unwrap().samples;
    let before = samples(&st);
    let day = T0 + 31 * DAY;
    for k in 0..3 {
        let at = day + 3_600 + k * 600;
        let v = st.verify("FAST", &code(at + 372), None, at, true).unwrap();
        assert!(v.is_ok(), "{v:?}");
    }
    let after = samples(&st);
    // one more day sampled (and the oldest merged to stay within 24), at the first code
    assert_eq!(after.len(), before.len());
    let last = after.last().unwrap();
    assert_eq!(last.at, day + 3_600);
    assert_eq!(last.weight, 1);
    // the report still sees the last code
    let r = st
        .drift_report(&DriftQuery::default(), T0 + 40 * DAY)
        .unwrap();
    let fast = r.rows.iter().find(|r| r.serial == "FAST").unwrap();
    assert!(
        (fast.last_seen.unwrap() - (day + 3_600 + 1_200)).abs() <= 30,
        "{fast:?}"
    );
}
