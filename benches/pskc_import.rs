//! Import speed of a large PSKC file: 100,000 TOTP keys encrypted under a pre-shared
//! AES-128 key with HMAC-SHA1 ValueMACs, written once by `write_pskc`, then parsed.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokenstation::seeds::{MacCheck, PskcKeys, parse_pskc};
use zeroize::Zeroizing;

mod fixtures;

const KEYS: usize = fixtures::PSKC_KEYS;
const PSK: [u8; 16] = fixtures::PSKC_PSK;

fn big_file() -> Zeroizing<String> {
    fixtures::pskc_100k()
}

fn bench(c: &mut Criterion) {
    let xml = big_file();
    let keys = PskcKeys {
        psk: Some(Zeroizing::new(PSK.to_vec())),
        password: None,
    };
    let mut g = c.benchmark_group("pskc_import");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(KEYS as u64));
    g.bench_function("parse_100k_totp_psk", |b| {
        b.iter(|| {
            let recs = parse_pskc(black_box(&xml), &keys, MacCheck::Strict).unwrap();
            assert_eq!(recs.len(), KEYS);
            recs
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
