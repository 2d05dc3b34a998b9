//! Verifications per second with 1, 4 and 8 stations on one store (issue 17): each
//! station is a thread with its own `Station` (its own connection), all verifying fresh
//! successes of their own tokens at once. On SQLite (one WAL file, durable commits
//! as kiosks use) and, when `TOKENSTATION_TEST_PG` names a server (`make bench-stations`
//! starts one), on PostgreSQL, where every station's write transaction takes the
//! store's write lock. 800 TOTP tokens; every verification commits its attempt line.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};
use tokenstation::station::catalog::ProductChange;
use tokenstation::station::tokens::SeedInput;
use tokenstation::station::{KeySource, Station, Status};

const TOKENS: u64 = 800;
const BASE_STEP: u64 = 60_000_000;

fn seed(i: u64) -> Secret {
    Secret::from_slice(&(i + 1).to_be_bytes().repeat(3)[..20])
}

fn serial(i: u64) -> String {
    format!("S{i:05}")
}

fn code(i: u64, step: u64) -> String {
    OtpKey::new(Algorithm::Sha1, &seed(i)).code_string(step, Digits::SIX)
}

fn open(db: &std::path::Path, key: &std::path::Path) -> Station {
    let mut st = Station::open(db).unwrap_or_else(|e| panic!("{e}"));
    st.unlock(&KeySource::File(key.to_path_buf()))
        .unwrap_or_else(|e| panic!("{e}"));
    st.durable().unwrap_or_else(|e| panic!("{e}"));
    st
}

/// A store with `TOKENS` active tokens valid everywhere.
fn build(db: &std::path::Path, key: &std::path::Path) {
    let mut st =
        Station::init(db, &KeySource::File(key.to_path_buf()), 0).unwrap_or_else(|e| panic!("{e}"));
    st.product_add(&ProductChange::default().new_product("P"), 0)
        .unwrap_or_else(|e| panic!("{e}"));
    for i in 0..TOKENS {
        st.token_add(&serial(i), "P", SeedInput::Secret(seed(i)), 0)
            .unwrap_or_else(|e| panic!("{e}"));
        st.token_assign_location(&serial(i), None, None, 0)
            .unwrap_or_else(|e| panic!("{e}"));
        let v = st
            .token_activate(
                &serial(i),
                None,
                &code(i, BASE_STEP),
                (BASE_STEP * 30) as i64,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(v.is_ok());
    }
}

/// One station's share: its tokens, and how far it went (each verification is token
/// `first + k % count` at step `BASE_STEP + 1 + k / count` past its group's start,
/// never used before).
struct Share {
    first: u64,
    count: u64,
    next: AtomicU64,
}

fn bench_backend(c: &mut Criterion, name: &str, db: &std::path::Path, key: &std::path::Path) {
    let mut g = c.benchmark_group(format!("stations_{name}"));
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(6));
    g.throughput(Throughput::Elements(1));
    for stations in [1u64, 4, 8] {
        let per = TOKENS / stations;
        let shares: Vec<Share> = (0..stations)
            .map(|j| Share {
                first: j * per,
                count: per,
                next: AtomicU64::new(0),
            })
            .collect();
        let mut conns: Vec<Station> = (0..stations).map(|_| open(db, key)).collect();
        g.bench_function(format!("{stations}_stations"), |b| {
            b.iter_custom(|iters| {
                let each = iters.div_ceil(stations);
                let start = Instant::now();
                std::thread::scope(|s| {
                    for (st, share) in conns.iter_mut().zip(&shares) {
                        s.spawn(move || {
                            for _ in 0..each {
                                let k = share.next.fetch_add(1, Ordering::Relaxed);
                                let i = share.first + k % share.count;
                                // each group of stations starts on steps no group used
                                let step = BASE_STEP + 1 + stations * 10_000_000 + k / share.count;
                                let v = st
                                    .verify(
                                        &serial(i),
                                        &code(i, step),
                                        None,
                                        (step * 30) as i64,
                                        true,
                                    )
                                    .unwrap_or_else(|e| panic!("{e}"));
                                assert_eq!(v.status, Status::Ok);
                            }
                        });
                    }
                });
                start.elapsed()
            })
        });
    }
    g.finish();
}

fn stations(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("s.db");
    let key = dir.path().join("s.db.key");
    build(&db, &key);
    bench_backend(c, "sqlite", &db, &key);
    match std::env::var("TOKENSTATION_TEST_PG") {
        Ok(server) => {
            let name = format!("bench_{}", std::process::id());
            let mut admin = postgres::Client::connect(&server, postgres::NoTls)
                .unwrap_or_else(|e| panic!("{e}"));
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap_or_else(|e| panic!("{e}"));
            let url = server.replacen("/postgres?", &format!("/{name}?"), 1);
            let db = std::path::PathBuf::from(url);
            let key = dir.path().join("pg.key");
            build(&db, &key);
            bench_backend(c, "postgres", &db, &key);
        }
        Err(_) => println!("stations_postgres: not measured (no TOKENSTATION_TEST_PG)"),
    }
}

criterion_group!(benches, stations);
criterion_main!(benches);
