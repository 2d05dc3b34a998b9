//! Known-answer vectors of token-protocols.md §4.3 and property tests of the decoders.

use super::*;
use crate::transport::trace::parse_hex;
use proptest::prelude::*;

#[test]
fn select_apdu_and_yesdk_example_answer() {
    assert_eq!(
        select().encode().unwrap(),
        parse_hex("00 A4 04 00 07 A0 00 00 05 27 21 01").unwrap()
    );
    let info =
        parse_select(&parse_hex("79 03 05 02 04 71 08 4B B7 A7 FA D7 AF 40 1B").unwrap()).unwrap();
    assert_eq!(info.version, [5, 2, 4]);
    assert_eq!(info.version_string(), "5.2.4");
    assert_eq!(info.challenge, None);
    assert!(!info.is_nitrokey3());
    assert_eq!(info.device_id().unwrap(), "M/cfhpywsjHw0W5SXdq9Bg");
}

#[test]
fn pbkdf2_access_key_vectors() {
    assert_eq!(
        derive_key("foobar", &[0; 8]).to_vec(),
        parse_hex("b07da1e7de87f89a87a2b598eaa2188c").unwrap()
    );
    assert_eq!(
        derive_key("Hallå världen!", b"12345678").to_vec(),
        parse_hex("da818e6b2cf0a2d0bf19b3ddd34b83f5").unwrap()
    );
}

#[test]
fn set_code_example_response() {
    let key = parse_hex("780E45A00652CCB08C4BDACDDACA5134").unwrap();
    let chal = parse_hex("F103DA8958E44085").unwrap();
    assert_eq!(
        hmac_sha1(&key, &chal).to_vec(),
        parse_hex("011EE1FF2A982D4DCCCD8EB33A12E4887EF5E00C").unwrap()
    );
    let k: [u8; 16] = key.try_into().unwrap();
    let c: [u8; 8] = chal.try_into().unwrap();
    let apdu = set_code(&k, &c).encode().unwrap();
    assert_eq!(
        &apdu[..8],
        &[0x00, 0x03, 0x00, 0x00, 0x33, 0x73, 0x11, 0x21]
    );
    assert!(format!("{:?}", set_code(&k, &c)).contains("REDACTED"));
    assert_eq!(
        unset_code().encode().unwrap(),
        [0x00, 0x03, 0x00, 0x00, 0x02, 0x73, 0x00]
    );
}

#[test]
fn yesdk_put_example() {
    let key = prepare_key(Algorithm::Sha1, &[0x9C]);
    assert_eq!(key.len(), 14);
    let apdu = put(&PutCredential {
        name: "Microsoft:test@outlook.com",
        kind: Kind::Totp,
        algorithm: Algorithm::Sha1,
        digits: 6,
        key: &key,
        touch: true,
        counter: 0,
    });
    let mut want = parse_hex("00 01 00 00 30 71 1A").unwrap();
    want.extend_from_slice(b"Microsoft:test@outlook.com");
    want.extend_from_slice(&parse_hex("73 10 21 06 9C").unwrap());
    want.extend_from_slice(&[0; 13]);
    want.extend_from_slice(&[0x78, 0x02]);
    assert_eq!(apdu.encode().unwrap(), want);
    assert_eq!(apdu.sensitivity(), crate::transport::Sensitivity::Sensitive);
}

#[test]
fn hotp_put_carries_imf_only_when_positive() {
    let key = prepare_key(Algorithm::Sha1, b"12345678901234567890");
    let mut c = PutCredential {
        name: "h",
        kind: Kind::Hotp,
        algorithm: Algorithm::Sha1,
        digits: 6,
        key: &key,
        touch: false,
        counter: 0,
    };
    let body = put(&c).data;
    assert!(!body.windows(2).any(|w| w == [0x7A, 0x04]));
    c.counter = 5;
    let body = put(&c).data;
    assert_eq!(&body[body.len() - 6..], &[0x7A, 0x04, 0, 0, 0, 5]);
}

#[test]
fn key_shortening_and_padding_leave_the_hmac_alone() {
    let long = vec![0x42u8; 65];
    let k = prepare_key(Algorithm::Sha1, &long);
    assert_eq!(k.len(), 20, "hashed to SHA-1 output");
    assert_eq!(hmac_sha1(&k, b"msg"), hmac_sha1(&long, b"msg"));
    let exactly_block = vec![0x42u8; 64];
    assert_eq!(prepare_key(Algorithm::Sha1, &exactly_block).len(), 64);
    assert_eq!(prepare_key(Algorithm::Sha512, &[1u8; 100]).len(), 100);
    assert_eq!(prepare_key(Algorithm::Sha512, &[1u8; 129]).len(), 64);
    let mut padded = vec![0x9C];
    padded.extend_from_slice(&[0; 13]);
    assert_eq!(hmac_sha1(&[0x9C], b"x"), hmac_sha1(&padded, b"x"));
}

#[test]
fn credential_ids_as_ykman_writes_and_reads_them() {
    assert_eq!(
        credential_id(Kind::Totp, 30, Some("ACME"), "T-0001"),
        "ACME:T-0001"
    );
    assert_eq!(
        credential_id(Kind::Totp, 60, Some("ACME"), "T-0001"),
        "60/ACME:T-0001"
    );
    assert_eq!(credential_id(Kind::Hotp, 60, None, "T-1"), "T-1");
    let p = parse_credential_id("20/Issuer:name", Kind::Totp);
    assert_eq!(
        (p.period, p.issuer.as_deref(), p.account.as_str()),
        (20, Some("Issuer"), "name")
    );
    let p = parse_credential_id("weird/Issuer:name", Kind::Totp);
    assert_eq!((p.period, p.issuer.as_deref()), (30, Some("weird/Issuer")));
    let p = parse_credential_id("Issuer:name", Kind::Totp);
    assert_eq!(p.period, 30);
    let p = parse_credential_id("20/name", Kind::Totp);
    assert_eq!((p.period, p.issuer, p.account.as_str()), (20, None, "name"));
    let p = parse_credential_id(":x", Kind::Hotp);
    assert_eq!((p.issuer, p.account.as_str()), (None, ":x"));
}

#[test]
fn list_calculate_and_calculate_all_answers() {
    let mut list = parse_hex("72 1B 21").unwrap();
    list.extend_from_slice(b"Microsoft:test@outlook.com");
    let l = parse_list(&list).unwrap();
    assert_eq!(l[0].name, "Microsoft:test@outlook.com");
    assert_eq!(l[0].kind(), Some(Kind::Totp));
    assert_eq!(alg_of(l[0].type_alg), Some(Algorithm::Sha1));

    let c = parse_calculate(&parse_hex("76 05 08 05 9E B4 EA").unwrap()).unwrap();
    assert_eq!((c.digits, c.value), (8, 0x059E_B4EA));
    assert_eq!(c.code(), "94287082"); // 0x059EB4EA = 94287082
    let all = parse_calculate_all(
        &parse_hex("71 01 61 76 05 06 00 00 00 2A 71 01 62 77 01 06 71 01 63 7C 01 08").unwrap(),
    )
    .unwrap();
    assert_eq!(
        all[0].1,
        CalcResult::Code(CodeValue {
            digits: 6,
            value: 42
        })
    );
    assert_eq!(all[1].1, CalcResult::Hotp(Some(6)));
    assert_eq!(all[2].1, CalcResult::Touch(Some(8)));
    assert_eq!(
        CodeValue {
            digits: 6,
            value: 42
        }
        .code(),
        "000042"
    );
    assert_eq!(totp_challenge(59, 30), [0, 0, 0, 0, 0, 0, 0, 1]);
}

#[test]
fn long_tlv_lengths() {
    let mut out = Vec::new();
    push_tlv(&mut out, 0x72, &[1; 200]);
    assert_eq!(&out[..3], &[0x72, 0x81, 200]);
    let mut out2 = Vec::new();
    push_tlv(&mut out2, 0x72, &[1; 300]);
    assert_eq!(&out2[..4], &[0x72, 0x82, 0x01, 0x2C]);
    assert_eq!(parse_tlvs(&out2, false).unwrap()[0].1.len(), 300);
    assert!(parse_tlvs(&[0x78], true).is_err());
    assert_eq!(
        parse_tlvs(&[0x78, 0x02], true).unwrap(),
        vec![(0x78, &[2u8][..])]
    );
}

#[test]
fn list_version_1_carries_a_properties_byte() {
    assert_eq!(
        list_with_properties().encode().unwrap(),
        [0, 0xA1, 0, 0, 1, 1]
    );
    let data = [
        0x72, 0x04, 0x21, b'a', b'b', 0x01, 0x72, 0x03, 0x11, b'c', 0x00,
    ];
    let l = parse_list_with_properties(&data).unwrap();
    assert_eq!((l[0].0.name.as_str(), l[0].1), ("ab", LIST_PROP_TOUCH));
    assert_eq!((l[1].0.kind(), l[1].1), (Some(Kind::Hotp), 0));
    assert!(parse_list_with_properties(&[0x72, 0x01, 0x21]).is_err());
}

proptest! {
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_tlvs(&bytes, true);
        let _ = parse_tlvs(&bytes, false);
        let _ = parse_select(&bytes);
        let _ = parse_list(&bytes);
        let _ = parse_list_with_properties(&bytes);
        let _ = parse_calculate(&bytes);
        let _ = parse_calculate_all(&bytes);
        let _ = parse_validate(&bytes);
    }

    #[test]
    fn credential_id_round_trips(period in 1u32..1000, issuer in "[A-Za-z0-9 ]{1,10}", account in "[A-Za-z0-9@.-]{1,20}") {
        let id = credential_id(Kind::Totp, period, Some(&issuer), &account);
        let p = parse_credential_id(&id, Kind::Totp);
        prop_assert_eq!(p.period, period);
        prop_assert_eq!(p.issuer.as_deref(), Some(issuer.as_str()));
        prop_assert_eq!(p.account, account);
    }

    #[test]
    fn tlv_round_trips(t in any::<u8>().prop_filter("not 78", |t| *t != 0x78), v in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut out = Vec::new();
        push_tlv(&mut out, t, &v);
        let parsed = parse_tlvs(&out, true).unwrap();
        prop_assert_eq!(parsed, vec![(t, v.as_slice())]);
    }
}
