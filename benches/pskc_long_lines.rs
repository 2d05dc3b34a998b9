//! PSKC parse time on long lines (issue 11): 10,000 plaintext key packages on one line
//! (the same file with a newline after each package for reference) and 300,000 empty
//! sibling elements on one line. Positions are tracked forward from the last event, so
//! all three are linear in the file size; the old backward scan to the last newline
//! took 114 s and 46 s on the two one-line files. Also: the cost of a wrong password
//! for a file at the PBKDF2 `IterationCount` cap.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokenstation::seeds::{MacCheck, PBKDF2_MAX_ITERATIONS, PskcKeys, parse_pskc};
use zeroize::Zeroizing;

const PACKAGES: usize = 10_000;
const SIBLINGS: usize = 300_000;
const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">"#;

/// `PACKAGES` TOTP key packages with plaintext secrets, separated by `sep`.
fn packages(sep: &str) -> String {
    let mut xml = String::from(HEAD);
    for i in 0..PACKAGES {
        xml.push_str(&format!(
            "<KeyPackage><DeviceInfo><Manufacturer>Token2</Manufacturer><SerialNo>{:08}</SerialNo></DeviceInfo>\
             <Key Id=\"{i}\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc#totp\"><Issuer>Bench</Issuer>\
             <AlgorithmParameters><ResponseFormat Length=\"6\" Encoding=\"DECIMAL\"/></AlgorithmParameters>\
             <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret>\
             <TimeInterval><PlainValue>30</PlainValue></TimeInterval></Data></Key></KeyPackage>{sep}",
            60_000_000 + i
        ));
    }
    xml.push_str("</KeyContainer>");
    xml
}

/// `SIBLINGS` empty elements directly under the root, on one line.
fn siblings() -> String {
    let mut xml = String::from(HEAD);
    for _ in 0..SIBLINGS {
        xml.push_str("<X/>");
    }
    xml.push_str("</KeyContainer>");
    xml
}

fn bench(c: &mut Criterion) {
    let keys = PskcKeys::default();
    let mut g = c.benchmark_group("pskc_long_lines");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    for (name, xml) in [
        ("10k_packages_one_line", packages("")),
        ("10k_packages_newlines", packages("\n")),
    ] {
        assert_eq!(
            xml.lines().count(),
            if name.ends_with("one_line") {
                1
            } else {
                PACKAGES + 1
            }
        );
        g.throughput(Throughput::Bytes(xml.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let recs = parse_pskc(black_box(&xml), &keys, MacCheck::Strict).unwrap();
                assert_eq!(recs.len(), PACKAGES);
                assert!(recs.iter().all(Result::is_ok));
                recs
            })
        });
    }
    let xml = siblings();
    g.throughput(Throughput::Bytes(xml.len() as u64));
    g.bench_function("300k_siblings_one_line", |b| {
        b.iter(|| {
            let recs = parse_pskc(black_box(&xml), &keys, MacCheck::Strict).unwrap();
            assert!(recs.is_empty());
            recs
        })
    });
    g.finish();

    // What a wrong password costs at the PBKDF2 IterationCount cap: RFC 6030 Figure 7
    // with its 1,000 rounds raised to the cap (PRF HMAC-SHA1, the RFC's default).
    let fig7 = include_str!("../tests/fixtures/pskc/rfc6030-figure7.pskcxml").replace(
        "<IterationCount>1000</IterationCount>",
        &format!("<IterationCount>{PBKDF2_MAX_ITERATIONS}</IterationCount>"),
    );
    let wrong = PskcKeys {
        psk: None,
        password: Some(Zeroizing::new("qwertz".into())),
    };
    let mut g = c.benchmark_group("pskc_pbkdf2");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("wrong_password_at_cap_sha1", |b| {
        b.iter(|| {
            let r = parse_pskc(black_box(&fig7), &wrong, MacCheck::Strict);
            assert!(r.is_err());
            r
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
