//! The drift report over a 100,000-token store in which every token has a full history
//! (25 daily verifications at its own drift rate, −100 to +99 ppm): one store pass, a
//! Theil–Sen fit per token, sorting by urgency. The store is built once through the
//! station (verifications, as in production) and kept under target/.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use tokenstation::otp::{Algorithm, Digits, OtpKey};
use tokenstation::station::drift::report::DriftQuery;
use tokenstation::station::{KeySource, Station, default_key_file};

mod fixtures;

const N: u64 = 100_000;
const DAYS: i64 = 25;
const T0: i64 = 1_700_000_000;

fn open(db: &Path) -> Station {
    let mut st = Station::open(db).unwrap_or_else(|e| panic!("{e}"));
    st.unlock(&KeySource::File(default_key_file(db)))
        .unwrap_or_else(|e| panic!("{e}"));
    st
}

fn code(i: u64, device_time: i64) -> String {
    OtpKey::new(Algorithm::Sha1, &fixtures::seed(i))
        .code_string((device_time / 30) as u64, Digits::SIX)
}

/// Token `i`'s clock drift in ppm.
fn ppm(i: u64) -> i64 {
    (i % 200) as i64 - 100
}

fn store() -> PathBuf {
    let name = format!("bench-drift-{N}");
    let done = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.done"));
    if done.exists() {
        return fixtures::store_in(&name, N);
    }
    let _ = std::fs::remove_dir_all(Path::new(env!("CARGO_TARGET_TMPDIR")).join(&name));
    let db = fixtures::store_in(&name, N);
    let mut st = open(&db);
    for day in 0..DAYS {
        for i in 0..N {
            let at = T0 + day * 86_400 + (i % 3_600) as i64;
            let device = at + ppm(i) * (at - T0) / 1_000_000;
            let v = if day == 0 {
                st.token_activate(&fixtures::serial(i), None, &code(i, device), at)
            } else {
                st.verify(&fixtures::serial(i), &code(i, device), None, at, true)
            }
            .unwrap_or_else(|e| panic!("{e}"));
            assert!(v.is_ok(), "{v:?}");
        }
    }
    std::fs::write(&done, b"").unwrap_or_else(|e| panic!("{e}"));
    db
}

fn report(c: &mut Criterion) {
    let db = store();
    let st = open(&db);
    let now = T0 + DAYS * 86_400;
    let mut g = c.benchmark_group("drift");
    g.sample_size(10);
    g.bench_function("report_100k", |b| {
        b.iter(|| {
            let r = st
                .drift_report(&DriftQuery::default(), now)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.rows.len(), N as usize);
            r
        })
    });
    g.bench_function("report_100k_at_risk_30d", |b| {
        b.iter(|| {
            st.drift_report(
                &DriftQuery {
                    at_risk_days: Some(30.0),
                    ..DriftQuery::default()
                },
                now,
            )
            .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    g.finish();
}

criterion_group!(benches, report);
criterion_main!(benches);
