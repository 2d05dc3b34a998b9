//! PSKC export then import gives back the same records, under each protection.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tokenstation::otp::{Algorithm, Digits, Kind, OtpParams, Secret, bounds};
use tokenstation::seeds::{MacCheck, Protection, PskcKeys, SeedRecord, parse_pskc, write_pskc};
use zeroize::Zeroizing;

/// A deterministic byte source (xorshift) so output is reproducible.
fn rng(seed: u64) -> impl FnMut(&mut [u8]) {
    let mut s = seed | 1;
    move |buf: &mut [u8]| {
        for b in buf {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *b = s as u8;
        }
    }
}

fn sample() -> Vec<SeedRecord> {
    let mut a = SeedRecord::new(Secret::from_slice(b"12345678901234567890"));
    a.key_id = Some("k<1>&\"'".into());
    a.serial = Some("60234567".into());
    a.manufacturer = Some("Token2".into());
    a.model = Some("C302-i".into());
    a.issuer = Some("ACME & Co".into());
    a.account = Some("alice@example.org".into());
    a.params = OtpParams {
        kind: Kind::Totp,
        algorithm: Algorithm::Sha256,
        digits: Digits::EIGHT,
        period: 60,
        t0: 1_000,
    };
    a.drift_steps = -3;
    let mut b = SeedRecord::new(Secret::new(vec![0xA5; 64]));
    b.params.kind = Kind::Hotp;
    b.params.algorithm = Algorithm::Sha512;
    b.counter = 42;
    b.serial = Some("H-2".into());
    vec![a, b]
}

fn strip(mut r: SeedRecord) -> SeedRecord {
    r.line = None;
    r.warnings.clear();
    r
}

fn same(exported: &[SeedRecord], xml: &str, keys: &PskcKeys) {
    let back: Vec<SeedRecord> = parse_pskc(xml, keys, MacCheck::Strict)
        .unwrap()
        .into_iter()
        .map(|r| strip(r.unwrap()))
        .collect();
    let mut want: Vec<SeedRecord> = exported.iter().cloned().map(strip).collect();
    for (i, w) in want.iter_mut().enumerate() {
        if w.key_id.is_none() {
            w.key_id = w.serial.clone().or(Some(format!("key-{}", i + 1)));
        }
    }
    assert_eq!(back, want);
}

#[test]
fn pre_shared_key_round_trip() {
    let recs = sample();
    let key = [0x42u8; 16];
    let xml = write_pskc(
        &recs,
        &Protection::PreSharedKey {
            key: &key,
            key_name: "Pre-shared-key",
        },
        &mut rng(1),
    )
    .unwrap();
    assert!(
        !xml.contains("PlainValue>MTIz"),
        "secret must not be in the clear"
    );
    assert!(xml.contains("<pskc:ValueMAC>"));
    assert!(xml.contains("<ds:KeyName>Pre-shared-key</ds:KeyName>"));
    let keys = PskcKeys {
        psk: Some(Zeroizing::new(key.to_vec())),
        password: None,
    };
    same(&recs, &xml, &keys);
    // And the wrong key is refused.
    let wrong = PskcKeys {
        psk: Some(Zeroizing::new(vec![0x43; 16])),
        password: None,
    };
    assert!(parse_pskc(&xml, &wrong, MacCheck::Strict).is_err());
    for len in [24, 32] {
        let key = vec![7u8; len];
        let xml = write_pskc(
            &recs,
            &Protection::PreSharedKey {
                key: &key,
                key_name: "k",
            },
            &mut rng(2),
        )
        .unwrap();
        same(
            &recs,
            &xml,
            &PskcKeys {
                psk: Some(Zeroizing::new(key)),
                password: None,
            },
        );
    }
}

#[test]
fn password_round_trip() {
    let recs = sample();
    let xml = write_pskc(
        &recs,
        &Protection::Password {
            password: "correct horse",
            iterations: 2000,
        },
        &mut rng(3),
    )
    .unwrap();
    assert!(xml.contains("<IterationCount>2000</IterationCount>"));
    assert!(xml.contains("<Salt><Specified>"));
    let keys = PskcKeys {
        psk: None,
        password: Some(Zeroizing::new("correct horse".into())),
    };
    same(&recs, &xml, &keys);
    let wrong = PskcKeys {
        psk: None,
        password: Some(Zeroizing::new("wrong horse".into())),
    };
    assert!(parse_pskc(&xml, &wrong, MacCheck::Strict).is_err());
}

#[test]
fn plaintext_round_trip_and_refusals() {
    let recs = sample();
    let xml = write_pskc(&recs, &Protection::InsecurePlaintext, &mut rng(4)).unwrap();
    assert!(xml.contains("<pskc:PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</pskc:PlainValue>"));
    same(&recs, &xml, &PskcKeys::default());
    // Element order of the RFC 6030 schema.
    let pos = |s: &str| xml.find(s).unwrap();
    assert!(pos("<pskc:DeviceInfo>") < pos("<pskc:Key "));
    assert!(pos("<pskc:Issuer>") < pos("<pskc:AlgorithmParameters>"));
    assert!(pos("<pskc:AlgorithmParameters>") < pos("<pskc:FriendlyName>"));
    assert!(pos("<pskc:FriendlyName>") < pos("<pskc:Data>"));
    assert!(
        write_pskc(
            &recs,
            &Protection::PreSharedKey {
                key: &[0; 15],
                key_name: "k"
            },
            &mut rng(5)
        )
        .is_err()
    );
    assert!(
        write_pskc(
            &recs,
            &Protection::Password {
                password: "",
                iterations: 1
            },
            &mut rng(5)
        )
        .is_err()
    );
    let mut bad = sample();
    bad[0].issuer = Some("a\u{1}b".into());
    assert!(write_pskc(&bad, &Protection::InsecurePlaintext, &mut rng(5)).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_records_round_trip(
        seed in proptest::collection::vec(any::<u8>(), 1..70),
        serial in proptest::option::of("[ -~]{0,20}"),
        issuer in proptest::option::of("[^\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]{0,20}"),
        hotp in any::<bool>(),
        alg in 0usize..3,
        digits in 6u8..=10,
        period in 1u32..=bounds::PERIOD_MAX_S,
        counter in 0..=bounds::COUNTER_MAX,
        t0 in bounds::T0_MIN..=bounds::T0_MAX,
        drift_s in -bounds::DRIFT_MAX_S..=bounds::DRIFT_MAX_S,
        mode in 0usize..2,
    ) {
        // Every value a token can have (otp::bounds) survives export and import.
        let drift = drift_s / i64::from(period);
        let trim = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let mut r = SeedRecord::new(Secret::new(seed));
        r.serial = trim(serial);
        r.issuer = trim(issuer);
        r.params = OtpParams {
            kind: if hotp { Kind::Hotp } else { Kind::Totp },
            algorithm: [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512][alg],
            digits: Digits::new(digits).unwrap(),
            period,
            t0,
        };
        r.counter = counter;
        r.drift_steps = drift;
        let recs = vec![r];
        let key = [9u8; 16];
        let (xml, keys) = if mode == 0 {
            (write_pskc(&recs, &Protection::PreSharedKey { key: &key, key_name: "k" }, &mut rng(6)).unwrap(),
             PskcKeys { psk: Some(Zeroizing::new(key.to_vec())), password: None })
        } else {
            (write_pskc(&recs, &Protection::InsecurePlaintext, &mut rng(6)).unwrap(), PskcKeys::default())
        };
        same(&recs, &xml, &keys);
    }
}
