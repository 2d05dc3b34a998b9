//! Known-answer vectors of token-protocols.md §3.11 and decoder properties.

use super::*;
use crate::transport::trace::parse_hex;
use proptest::prelude::*;

fn h(s: &str) -> Vec<u8> {
    parse_hex(s).unwrap()
}

fn default_key() -> Sm4Key {
    derive_key(DEFAULT_CUSTOMER_KEY)
}

#[test]
fn derived_default_key() {
    assert_eq!(
        default_key().expose().to_vec(),
        h("09 92 50 FD B0 17 F4 42 DA 42 9E CB BE E1 7F 79")
    );
    assert_eq!(
        derive_key(b"NEWKEY0123456789").expose().to_vec(),
        h("D445461DEB47BE65E1D02B5FE19283C5")
    );
}

#[test]
fn published_vectors_3_11() {
    let key = default_key();
    assert_eq!(
        crypto::mac(&key, b"hello world test!!").to_vec(),
        h("2CF7C205")
    );
    assert_eq!(
        crypto::challenge_response(&key, &[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])
            .to_vec(),
        h("550EC1328F963EB02972BB141E1CF521")
    );
    // 20 zero bytes, 0x80-padded (S7's form), profile 7.
    let ct = crypto::ecb_encrypt(&key, &crypto::pad_method2(&[0; 20])).unwrap();
    assert_eq!(
        ct,
        h("14CC24B0CC984DA7612C0799D350E38C2C6DDD4F3D6531076ED6B99875607D58")
    );
    assert_eq!(
        crypto::command_mac(&key, INS_WRITE_SEED, 0x01, 7, &ct).to_vec(),
        h("CC52B85C")
    );
    assert_eq!(
        crypto::command_mac(&key, INS_WRITE_CONFIG, 0x01, 0, &h("81060F0466123456")).to_vec(),
        h("42304790")
    );
    let title = write_title(&key, 3, "hello").unwrap();
    assert_eq!(title.data, h("AA6492E824DF9E2BE60917D1226AE896 5AF94611"));
}

#[test]
fn computed_vectors_3_11() {
    let key = default_key();
    let cfg = ProfileConfig {
        display_timeout: DisplayTimeout::S60,
        utc: 1_700_000_000,
        hmac: Hmac::Sha1,
        digits: Molto2Digits::Six,
        step: Step::S30,
    };
    assert_eq!(
        write_config(&key, 2, &cfg).encode().unwrap(),
        h("84D401021A 81141F01020F046553F10086090A01010B01060D011E 1D87EC54")
    );
    assert_eq!(
        sync_time(&key, 2, 1_700_000_000).encode().unwrap(),
        h("84D401020C 81060F046553F100 D57026B2")
    );
    assert_eq!(
        write_seed(&key, 2, b"12345678901234567890")
            .unwrap()
            .encode()
            .unwrap(),
        h("84C5010224 5D848C69EB8E884E7D20591FF89ADEFF 31FD80354BF08248E60D457774BBF06E 9D9F396D")
    );
    assert_eq!(
        write_title(&key, 2, "Google").unwrap().encode().unwrap(),
        h("84D5000214 934363A4A0B27FE53AC3FBDBDC50A270 6D031C44")
    );
    assert_eq!(
        change_key(&key, b"NEWKEY0123456789").encode().unwrap(),
        h("84D7000024 F936084B2393C87D3AE504957C81D28C 9D6DF5040A3A2200BADE7D2BDB6D088D 44ADD923")
    );
}

#[test]
fn device_side_decoders_invert_the_builders() {
    let key = default_key();
    let cfg = ProfileConfig {
        display_timeout: DisplayTimeout::S15,
        utc: 42,
        hmac: Hmac::Sha256,
        digits: Molto2Digits::Four,
        step: Step::S60,
    };
    assert_eq!(decode_config(&cfg.encode()), Ok(ConfigTlv::Full(cfg)));
    assert_eq!(decode_config(&sync_tlv(7)), Ok(ConfigTlv::Time(7)));
    let seed = write_seed(&key, 1, &[9; 32]).unwrap();
    let body = crypto::verify_secure(&key, &seed).unwrap();
    assert_eq!(
        decode_seed(&key, body),
        Ok(SeedWrite::Seed(Zeroizing::new(vec![9; 32])))
    );
    let clear = write_seed(&key, 1, &[0; 20]).unwrap();
    assert_eq!(
        decode_seed(&key, crypto::verify_secure(&key, &clear).unwrap()),
        Ok(SeedWrite::Clear)
    );
    let t = write_title(&key, 1, "Ünïcode").unwrap();
    assert_eq!(
        decode_title(&key, crypto::verify_secure(&key, &t).unwrap()),
        Ok("Ünïcode".as_bytes().to_vec())
    );
    assert!(write_title(&key, 1, "thirteen byte").is_err());
    let ck = change_key(&key, b"NEWKEY0123456789");
    let new = decode_new_key(&key, crypto::verify_secure(&key, &ck).unwrap()).unwrap();
    assert!(new == derive_key(b"NEWKEY0123456789"));
}

#[test]
fn frames_and_tries() {
    assert_eq!(get_info().encode().unwrap(), h("80 41 00 00 00"));
    assert_eq!(get_profile(5).encode().unwrap(), h("80 41 00 05 01 70"));
    assert_eq!(get_challenge().encode().unwrap(), h("80 4B 08 00 00"));
    assert_eq!(delete_seed(9).encode().unwrap(), h("80 E6 00 09 00"));
    assert_eq!(factory_reset().encode().unwrap(), h("80 56 00 00 00"));
    assert_eq!(tries_left(0x63C2), Some(2));
    assert_eq!(tries_left(0x6304), Some(4));
    assert_eq!(tries_left(0x6300), Some(0));
    assert_eq!(tries_left(0x6983), None);
}

#[test]
fn profile_data_round_trip() {
    let mut title = [0u8; 16];
    title[..5].copy_from_slice(b"hello");
    let d = ProfileData {
        flag: 0x20,
        title,
        time_a: 1,
        time_b: 2,
        hmac: 1,
        step: 0x1E,
        digits: 6,
        seed_present: true,
    };
    let enc = d.encode();
    assert_eq!(enc.len(), 33);
    assert_eq!(ProfileData::parse(&enc), Ok(d.clone()));
    assert_eq!(d.title_text().as_deref(), Some("hello"));
    assert!(ProfileData::parse(&enc[..32]).is_err());
}

proptest! {
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        let key = default_key();
        let _ = ProfileData::parse(&bytes);
        let _ = decode_config(&bytes);
        let _ = decode_seed(&key, &bytes);
        let _ = decode_title(&key, &bytes);
        let _ = decode_new_key(&key, &bytes);
        let _ = parse_info(&bytes);
    }
}
