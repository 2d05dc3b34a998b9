//! `verify` through the library on a 100,000-token store with the durable WAL store:
//! throughput on one and two threads, p50/p99 latency, and a resync of ±2880 steps.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokenstation::otp::{Algorithm, Digits, OtpKey};
use tokenstation::station::{KeySource, Station, Status, default_key_file};

mod fixtures;

const N: u64 = 100_000;

fn open(db: &std::path::Path) -> Station {
    let mut st = Station::open(db).unwrap_or_else(|e| panic!("{e}"));
    st.unlock(&KeySource::File(default_key_file(db)))
        .unwrap_or_else(|e| panic!("{e}"));
    st
}

/// Hands out (token, time) pairs never used before, so every verification is a fresh
/// success: token i at step s, then the next token, a new step after all N.
struct Work {
    next: AtomicU64,
    base_step: u64,
    /// First token of this work's share.
    first: u64,
    /// Tokens in the share.
    count: u64,
}

impl Work {
    fn take(&self) -> (u64, i64, String) {
        let k = self.next.fetch_add(1, Ordering::Relaxed);
        let (i, round) = (self.first + k % self.count, k / self.count);
        let step = self.base_step + round;
        let code = OtpKey::new(Algorithm::Sha1, &fixtures::seed(i)).code_string(step, Digits::SIX);
        (i, (step * 30 + 5) as i64, code)
    }
}

fn activate_all(db: &std::path::Path) -> u64 {
    // Tokens start unverified: activate every token once (first run only).
    let mut st = open(db);
    let base = 60_000_000u64;
    let t = st
        .token(&fixtures::serial(N - 1), None)
        .unwrap_or_else(|e| panic!("{e}"));
    if t.status.as_str() == "active" {
        return base + 1_000;
    }
    st.token_assign_location(&fixtures::serial(0), None, None, 0)
        .unwrap_or_else(|e| panic!("{e}"));
    for i in 0..N {
        let code = OtpKey::new(Algorithm::Sha1, &fixtures::seed(i)).code_string(base, Digits::SIX);
        let v = st
            .token_activate(&fixtures::serial(i), None, &code, (base * 30) as i64)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(v.is_ok());
    }
    base + 1_000
}

fn verify(c: &mut Criterion) {
    let db = fixtures::store(N);
    let base_step = activate_all(&db);
    // Each bench run starts from steps no earlier run has used.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() % 1_000_000)
        .unwrap_or(0);
    // Verifications use the first 90,000 tokens; resyncs (which move drift) the rest.
    let work = Work {
        next: AtomicU64::new(0),
        base_step: base_step + run * 1_000,
        first: 0,
        count: 90_000,
    };
    let resync_work = Work {
        next: AtomicU64::new(0),
        base_step: base_step + run * 1_000,
        first: 90_000,
        count: 10_000,
    };

    let mut st = open(&db);
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(1));
    g.bench_function("one_thread_100k", |b| {
        b.iter(|| {
            let (i, at, code) = work.take();
            let v = st
                .verify(&fixtures::serial(i), &code, None, at, true)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(v.status, Status::Ok);
        })
    });
    g.bench_function("two_threads_100k", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..2 {
                    let db = &db;
                    let work = &work;
                    s.spawn(move || {
                        let mut st = open(db);
                        for _ in 0..iters / 2 {
                            let (i, at, code) = work.take();
                            let v = st
                                .verify(&fixtures::serial(i), &code, None, at, true)
                                .unwrap_or_else(|e| panic!("{e}"));
                            assert_eq!(v.status, Status::Ok);
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
    g.finish();

    // Latency percentiles over 20,000 verifications on one thread.
    let mut lat: Vec<Duration> = (0..20_000)
        .map(|_| {
            let (i, at, code) = work.take();
            let t = Instant::now();
            let v = st
                .verify(&fixtures::serial(i), &code, None, at, true)
                .unwrap_or_else(|e| panic!("{e}"));
            let d = t.elapsed();
            assert_eq!(v.status, Status::Ok);
            d
        })
        .collect();
    lat.sort();
    println!(
        "verify latency over {} calls: p50 {:?} p99 {:?} max {:?}",
        lat.len(),
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100],
        lat[lat.len() - 1]
    );

    // Resync with two consecutive codes ±2880 steps: the pair sits at the far edge.
    let mut g = c.benchmark_group("resync");
    g.sample_size(20);
    g.bench_function("totp_pm2880_100k", |b| {
        b.iter(|| {
            let (i, at, _) = resync_work.take();
            let s = (at / 30) as u64 + 2879;
            let key = OtpKey::new(Algorithm::Sha1, &fixtures::seed(i));
            let v = st
                .token_resync(
                    &fixtures::serial(i),
                    None,
                    &key.code_string(s, Digits::SIX),
                    &key.code_string(s + 1, Digits::SIX),
                    at,
                )
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(v.status, Status::Ok);
        })
    });
    g.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
