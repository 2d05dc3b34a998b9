//! Cold start of `tokenstation token code SERIAL` on a 100,000-token store: a fresh
//! process each iteration (open the store, read the key file, unseal, compute).

use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

mod fixtures;

fn cold_start(c: &mut Criterion) {
    let db = fixtures::store(100_000);
    let bin = env!("CARGO_BIN_EXE_tokenstation");
    let mut g = c.benchmark_group("cold_start");
    g.sample_size(50);
    g.bench_function("token_code_100k", |b| {
        b.iter(|| {
            let out = Command::new(bin)
                .arg("--db")
                .arg(&db)
                .args(["token", "code", &fixtures::serial(77_777)])
                .output()
                .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        })
    });
    g.finish();
}

criterion_group!(benches, cold_start);
criterion_main!(benches);
