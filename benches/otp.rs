//! OTP engine throughput: one code with a keyed HMAC, a code re-keyed each time (what
//! a naive implementation or oathtool does), and window searches.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tokenstation::otp::{Algorithm, Code, Digits, OtpKey, Secret, Window, hotp, window};

fn codes(c: &mut Criterion) {
    let seed = Secret::from_slice(b"12345678901234567890");
    let mut g = c.benchmark_group("code");
    g.throughput(Throughput::Elements(1));
    for alg in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        let key = OtpKey::new(alg, &seed);
        let mut n = 0u64;
        g.bench_function(format!("keyed_{alg}"), |b| {
            b.iter(|| {
                n = n.wrapping_add(1);
                black_box(key.code(black_box(n), Digits::SIX))
            })
        });
    }
    let key = OtpKey::new(Algorithm::Sha1, &seed);
    let mut n = 0u64;
    g.bench_function("keyed_sha1_formatted", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            black_box(key.code_string(black_box(n), Digits::SIX))
        })
    });
    let mut n = 0u64;
    g.bench_function("rekeyed_sha1", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            black_box(hotp::hotp(
                &seed,
                Algorithm::Sha1,
                black_box(n),
                Digits::SIX,
            ))
        })
    });
    g.finish();

    // A window search that does not match: every candidate is computed and compared.
    let key = OtpKey::new(Algorithm::Sha1, &seed);
    let six = Code::parse("000000").unwrap_or_else(|| unreachable!());
    let mut g = c.benchmark_group("window");
    for skew in [1u64, 10, 2880] {
        g.throughput(Throughput::Elements(2 * skew + 1));
        g.bench_function(format!("sha1_pm{skew}"), |b| {
            b.iter(|| {
                black_box(window::search(
                    &key,
                    Digits::SIX,
                    &six,
                    50_000_000,
                    Window::symmetric(skew),
                ))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, codes);
criterion_main!(benches);
