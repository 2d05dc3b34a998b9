//! PSKC import against the example files of RFC 6030 (figures 2 to 7) and the error
//! cases: wrong key, wrong password, tampered MAC, malformed XML, unknown algorithm,
//! bad base64, missing secret.
#![allow(clippy::unwrap_used)]

use tokenstation::otp::{Algorithm, Digits, Kind, hotp::hotp};
use tokenstation::seeds::{ImportError, KeySource, MacCheck, PskcKeys, SeedRecord, parse_pskc};
use zeroize::Zeroizing;

const FIG2: &str = include_str!("fixtures/pskc/rfc6030-figure2.pskcxml");
const FIG3: &str = include_str!("fixtures/pskc/rfc6030-figure3.pskcxml");
const FIG4: &str = include_str!("fixtures/pskc/rfc6030-figure4.pskcxml");
const FIG5: &str = include_str!("fixtures/pskc/rfc6030-figure5.pskcxml");
const FIG6: &str = include_str!("fixtures/pskc/rfc6030-figure6.pskcxml");
const FIG7: &str = include_str!("fixtures/pskc/rfc6030-figure7.pskcxml");

const RFC4226_SEED: &[u8] = b"12345678901234567890";
/// RFC 4226 Appendix D, counters 0..9, six digits.
const RFC4226_CODES: [&str; 10] = [
    "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
    "520489",
];

fn psk(hex: &str) -> PskcKeys {
    PskcKeys {
        psk: Some(Zeroizing::new(
            data_encoding::HEXLOWER_PERMISSIVE
                .decode(hex.as_bytes())
                .unwrap(),
        )),
        password: None,
    }
}

fn password(p: &str) -> PskcKeys {
    PskcKeys {
        psk: None,
        password: Some(Zeroizing::new(p.to_string())),
    }
}

fn only_ok(xml: &str, keys: &PskcKeys) -> SeedRecord {
    let recs = parse_pskc(xml, keys, MacCheck::Strict).unwrap();
    assert_eq!(recs.len(), 1, "{recs:?}");
    recs.into_iter().next().unwrap().unwrap()
}

fn assert_rfc4226(r: &SeedRecord) {
    assert_eq!(r.secret.expose(), RFC4226_SEED);
    for (c, want) in RFC4226_CODES.iter().enumerate() {
        assert_eq!(
            &hotp(&r.secret, Algorithm::Sha1, c as u64, Digits::SIX),
            want
        );
    }
}

#[test]
fn figure2_plain_secret() {
    let r = only_ok(FIG2, &PskcKeys::default());
    assert_eq!(r.secret.expose(), b"1234");
    assert_eq!(r.key_id.as_deref(), Some("12345678"));
    assert_eq!(r.issuer.as_deref(), Some("Issuer-A"));
    assert_eq!(r.params.kind, Kind::Hotp);
    assert_eq!(r.params.digits, Digits::SIX);
    assert_eq!(r.line, Some(10));
}

#[test]
fn figure3_supplementary_data() {
    let r = only_ok(FIG3, &PskcKeys::default());
    assert_rfc4226(&r);
    assert_eq!(r.serial.as_deref(), Some("987654321"));
    assert_eq!(r.manufacturer.as_deref(), Some("Manufacturer"));
    assert_eq!(r.params.digits, Digits::EIGHT);
    assert_eq!(r.counter, 0);
    // RFC 4226 Appendix D, 8 digits: the 31-bit value of counter 0 is 1284755224.
    assert_eq!(
        hotp(&r.secret, Algorithm::Sha1, 0, Digits::EIGHT),
        "84755224"
    );
}

#[test]
fn figure4_key_reference_has_no_secret() {
    let recs = parse_pskc(FIG4, &PskcKeys::default(), MacCheck::Strict).unwrap();
    assert_eq!(recs.len(), 1);
    let e = recs[0].as_ref().unwrap_err();
    assert!(matches!(e, ImportError::MissingSecret { .. }));
    let msg = e.to_string();
    assert!(msg.contains("key package 12345678"), "{msg}");
    assert!(msg.contains("KeyReference"), "{msg}");
}

#[test]
fn figure5_hotp_and_pin_key() {
    let recs = parse_pskc(FIG5, &PskcKeys::default(), MacCheck::Strict).unwrap();
    assert_eq!(recs.len(), 2);
    assert_rfc4226(recs[0].as_ref().unwrap());
    let e = recs[1].as_ref().unwrap_err();
    assert!(matches!(e, ImportError::NotOtp { .. }), "{e}");
    assert!(e.to_string().contains("key package 123456781"));
}

#[test]
fn figure6_pre_shared_key() {
    let r = only_ok(FIG6, &psk("12345678901234567890123456789012"));
    assert_rfc4226(&r);
    assert!(r.warnings.is_empty());
    assert_eq!(r.serial.as_deref(), Some("987654321"));
    assert_eq!(r.key_id.as_deref(), Some("12345678"));
    assert_eq!(r.params.digits, Digits::EIGHT);
}

#[test]
fn figure7_password() {
    let r = only_ok(FIG7, &password("qwerty"));
    assert_rfc4226(&r);
    assert_eq!(r.manufacturer.as_deref(), Some("TokenVendorAcme"));
    assert_eq!(r.issuer.as_deref(), Some("Example-Issuer"));
    assert_eq!(r.key_id.as_deref(), Some("123456"));
}

#[test]
fn missing_key_or_password_names_the_secret() {
    let e = parse_pskc(FIG6, &PskcKeys::default(), MacCheck::Strict).unwrap_err();
    assert!(matches!(
        e,
        ImportError::KeyNeeded {
            key: KeySource::PreSharedKey,
            ..
        }
    ));
    // The secret is named; the face words the option that gives it (issue 10).
    assert!(e.to_string().contains("pre-shared key"), "{e}");
    assert!(e.to_string().contains("Pre-shared-key"), "{e}");
    let e = parse_pskc(FIG7, &PskcKeys::default(), MacCheck::Strict).unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::KeyNeeded {
                key: KeySource::Password,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("password"), "{e}");
    assert!(e.to_string().contains("My Password 1"), "{e}");
}

#[test]
fn wrong_key_and_wrong_password() {
    for key in [
        "00000000000000000000000000000000",
        "12345678901234567890123456789013",
        "ffeeddccbbaa99887766554433221100",
    ] {
        let e = parse_pskc(FIG6, &psk(key), MacCheck::Strict).unwrap_err();
        assert!(
            matches!(
                e,
                ImportError::WrongKey {
                    key: KeySource::PreSharedKey,
                    ..
                }
            ),
            "{e}"
        );
        let msg = e.to_string();
        assert!(
            msg.starts_with("the pre-shared key does not decrypt key package 12345678"),
            "{msg}"
        );
        assert!(msg.ends_with("check it"), "{msg}");
        // Warn mode does not let a wrong key through either.
        assert!(parse_pskc(FIG6, &psk(key), MacCheck::Warn).is_err());
    }
    for pw in ["qwertz", "", "QWERTY"] {
        let e = parse_pskc(FIG7, &password(pw), MacCheck::Strict).unwrap_err();
        assert!(
            matches!(
                e,
                ImportError::WrongKey {
                    key: KeySource::Password,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("password does not decrypt"), "{e}");
    }
    let e = parse_pskc(
        FIG6,
        &psk("1234567890123456789012345678901234567890123456789012345678901234"),
        MacCheck::Strict,
    )
    .unwrap_err();
    assert!(e.to_string().contains("32 bytes"), "{e}");
}

#[test]
fn tampered_mac_strict_and_warn() {
    let bad = FIG6.replace(
        "Su+NvtQfmvfJzF6bmQiJqoLRExc=",
        "Su+NvtQfmvfJzF6bmQiJqoLRExd=",
    );
    let bad = bad.replace(
        "Su+NvtQfmvfJzF6bmQiJqoLRExd=",
        "Su+NvtQfmvfJzF6bmQiJqoLREx0=",
    );
    let keys = psk("12345678901234567890123456789012");
    let recs = parse_pskc(&bad, &keys, MacCheck::Strict).unwrap();
    let e = recs[0].as_ref().unwrap_err();
    assert!(matches!(e, ImportError::MacMismatch { .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with("key package 12345678 (line 28): the ValueMAC of Secret"),
        "{e}"
    );
    let recs = parse_pskc(&bad, &keys, MacCheck::Warn).unwrap();
    let r = recs[0].as_ref().unwrap();
    assert_rfc4226(r);
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].contains("ValueMAC"));
    // A tampered ciphertext (IV byte changed) also fails the MAC, before decryption.
    let bad = FIG6.replace("AAECAwQFBgcICQoLDA0OD+cI", "AAECAwQFBgcICQoLDA0OD+cJ");
    let recs = parse_pskc(&bad, &keys, MacCheck::Strict).unwrap();
    assert!(matches!(recs[0], Err(ImportError::MacMismatch { .. })));
}

#[test]
fn malformed_xml_names_the_line() {
    let bad = FIG3.replace("</Issuer>", "</Issuer2>");
    let e = parse_pskc(&bad, &PskcKeys::default(), MacCheck::Strict).unwrap_err();
    match &e {
        ImportError::Xml { line, .. } => assert_eq!(*line, 22),
        other => panic!("{other}"),
    }
    assert!(
        e.to_string()
            .starts_with("malformed XML at line 22, column "),
        "{e}"
    );
    let cut = &FIG3[..FIG3.len() / 2];
    assert!(matches!(
        parse_pskc(cut, &PskcKeys::default(), MacCheck::Strict),
        Err(ImportError::Xml { .. })
    ));
    assert!(matches!(
        parse_pskc("<Tokens/>", &PskcKeys::default(), MacCheck::Strict),
        Err(ImportError::NotPskc(_))
    ));
    assert!(matches!(
        parse_pskc("", &PskcKeys::default(), MacCheck::Strict),
        Err(ImportError::NotPskc(_))
    ));
}

#[test]
fn unknown_algorithm_bad_base64_missing_secret() {
    let alg = FIG3.replace("pskc:hotp", "pskc#OCRA-1");
    let recs = parse_pskc(&alg, &PskcKeys::default(), MacCheck::Strict).unwrap();
    let e = recs[0].as_ref().unwrap_err();
    assert!(matches!(e, ImportError::UnknownAlgorithm { .. }), "{e}");
    assert!(e.to_string().contains("OCRA-1") && e.to_string().contains("12345678"));

    let suite = FIG3.replace("<ResponseFormat", "<Suite>HMAC-MD5</Suite><ResponseFormat");
    let recs = parse_pskc(&suite, &PskcKeys::default(), MacCheck::Strict).unwrap();
    assert!(matches!(recs[0], Err(ImportError::UnknownAlgorithm { .. })));

    let b64 = FIG3.replace(
        "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
        "MTIzNDU2Nzg5MDEy*zQ1Njc4OTA=",
    );
    let recs = parse_pskc(&b64, &PskcKeys::default(), MacCheck::Strict).unwrap();
    let e = recs[0].as_ref().unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::Encoding {
                encoding: "base64",
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains("key package 12345678 (line 11)"),
        "{e}"
    );

    let none = FIG3
        .replace("<Secret>", "<Secret2>")
        .replace("</Secret>", "</Secret2>");
    let recs = parse_pskc(&none, &PskcKeys::default(), MacCheck::Strict).unwrap();
    assert!(matches!(recs[0], Err(ImportError::MissingSecret { .. })));
}

#[test]
fn totp_profile_uris_and_parameters() {
    for uri in [
        "urn:ietf:params:xml:ns:keyprov:pskc#totp",
        "urn:ietf:params:xml:ns:keyprov:pskc:totp",
    ] {
        let xml = format!(
            r#"<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
<KeyPackage><DeviceInfo><Manufacturer>Token2</Manufacturer><SerialNo>60234567</SerialNo><Model>C302-i</Model></DeviceInfo>
<Key Id="k1" Algorithm="{uri}"><AlgorithmParameters><Suite>HMAC-SHA256</Suite><ResponseFormat Length="8" Encoding="DECIMAL"/></AlgorithmParameters>
<FriendlyName>alice</FriendlyName>
<Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=</PlainValue></Secret>
<Time><PlainValue>0</PlainValue></Time><TimeInterval><PlainValue>60</PlainValue></TimeInterval><TimeDrift><PlainValue>-2</PlainValue></TimeDrift></Data></Key></KeyPackage>
</KeyContainer>"#
        );
        let r = only_ok(&xml, &PskcKeys::default());
        assert_eq!(r.params.kind, Kind::Totp);
        assert_eq!(r.params.algorithm, Algorithm::Sha256);
        assert_eq!(r.params.digits, Digits::EIGHT);
        assert_eq!(r.params.period, 60);
        assert_eq!(r.drift_steps, -2);
        assert_eq!(r.model.as_deref(), Some("C302-i"));
        assert_eq!(r.account.as_deref(), Some("alice"));
        assert_eq!(r.line, Some(2));
    }
}

#[test]
fn asymmetric_is_refused_with_advice() {
    let xml = FIG6.replace(
        "<ds:KeyName>Pre-shared-key</ds:KeyName>",
        "<ds:X509Data><ds:X509Certificate>MIIB</ds:X509Certificate></ds:X509Data>",
    );
    let e = parse_pskc(
        &xml,
        &psk("12345678901234567890123456789012"),
        MacCheck::Strict,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "asymmetric PSKC is not supported; ask the vendor for a pre-shared-key or password-protected file"
    );
}

/// Files written by python-pskc 1.4 (the dev-time oracle): AES-256-CBC, AES key wrap
/// with RFC 5649 padding, PBKDF2; two keys each, the RFC 4226 seed.
#[test]
fn python_pskc_files() {
    let key32: Vec<u8> = (0u8..32).collect();
    let key16: Vec<u8> = (0u8..16).collect();
    let cases = [
        (
            include_str!("fixtures/pskc/python-pskc-aes256-cbc.pskcxml"),
            PskcKeys {
                psk: Some(Zeroizing::new(key32)),
                password: None,
            },
        ),
        (
            include_str!("fixtures/pskc/python-pskc-kw-aes128.pskcxml"),
            PskcKeys {
                psk: Some(Zeroizing::new(key16.clone())),
                password: None,
            },
        ),
        (
            include_str!("fixtures/pskc/python-pskc-pbkdf2.pskcxml"),
            password("verysecure"),
        ),
    ];
    for (xml, keys) in cases {
        let recs = parse_pskc(xml, &keys, MacCheck::Strict).unwrap();
        assert_eq!(recs.len(), 2);
        let a = recs[0].as_ref().unwrap();
        assert_eq!(a.secret.expose(), RFC4226_SEED);
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
        assert_eq!((a.params.kind, a.counter), (Kind::Hotp, 5));
        assert_eq!(a.serial.as_deref(), Some("70000001"));
        assert_eq!(a.manufacturer.as_deref(), Some("python-pskc"));
        let b = recs[1].as_ref().unwrap();
        assert_eq!(b.secret.expose(), RFC4226_SEED);
        assert_eq!(
            (b.params.kind, b.params.digits, b.drift_steps),
            (Kind::Totp, Digits::EIGHT, -1)
        );
    }
    // Key wrap under a wrong key fails its integrity check: a wrong-key error.
    let kw = include_str!("fixtures/pskc/python-pskc-kw-aes128.pskcxml");
    let wrong = PskcKeys {
        psk: Some(Zeroizing::new(vec![1; 16])),
        password: None,
    };
    let e = parse_pskc(kw, &wrong, MacCheck::Strict).unwrap_err();
    assert!(matches!(e, ImportError::WrongKey { .. }), "{e}");
}
