//! Import speed of a large PSKC file: 100,000 TOTP keys encrypted under a pre-shared
//! AES-128 key with HMAC-SHA1 ValueMACs, written once by `write_pskc`, then parsed.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokenstation::otp::Secret;
use tokenstation::seeds::{MacCheck, Protection, PskcKeys, SeedRecord, parse_pskc, write_pskc};
use zeroize::Zeroizing;

const KEYS: usize = 100_000;
const PSK: [u8; 16] = *b"0123456789abcdef";

fn big_file() -> Zeroizing<String> {
    let records: Vec<SeedRecord> = (0..KEYS)
        .map(|i| {
            let mut seed = [0u8; 20];
            seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let mut r = SeedRecord::new(Secret::from_slice(&seed));
            r.serial = Some(format!("{:08}", 60_000_000 + i));
            r.manufacturer = Some("Token2".into());
            r.model = Some("C302-i".into());
            r
        })
        .collect();
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut rng = |buf: &mut [u8]| {
        for b in buf {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *b = s as u8;
        }
    };
    write_pskc(
        &records,
        &Protection::PreSharedKey {
            key: &PSK,
            key_name: "bench",
        },
        &mut rng,
    )
    .unwrap()
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
