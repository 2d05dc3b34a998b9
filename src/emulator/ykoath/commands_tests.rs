//! APDU-level refusals and paging of the emulated applet (token-protocols.md §4.3, §4.4, §5.2).

use super::super::{Flavour, OathApplet};
use crate::devices::ykoath::protocol as p;
use crate::transport::trace::parse_hex;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    parse_hex(s).unwrap()
}

fn selected(f: Flavour) -> OathApplet {
    let mut a = OathApplet::seeded(f, [7; 8]);
    let r = a.handle(&p::select().encode().unwrap());
    assert_eq!(&r[r.len() - 2..], [0x90, 0x00]);
    a
}

fn put_body(name: &str, extra: &str) -> Vec<u8> {
    let mut body = vec![0x71, name.len() as u8];
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(&hex("73 10 21 06"));
    body.extend_from_slice(&[0x31; 14]);
    body.extend_from_slice(&hex(extra));
    let mut apdu = vec![0x00, 0x01, 0x00, 0x00, body.len() as u8];
    apdu.extend_from_slice(&body);
    apdu
}

#[test]
fn needs_select_and_answers_send_remaining_as_each_firmware() {
    let mut a = OathApplet::new(Flavour::YubiKey);
    assert_eq!(a.handle(&hex("00 A1 00 00")), [0x6D, 0x00]);
    let mut y = selected(Flavour::YubiKey);
    assert_eq!(y.handle(&hex("00 A5 00 00")), [0x6D, 0x00]);
    let mut n = selected(Flavour::Nitrokey3);
    assert_eq!(n.handle(&hex("00 A5 00 00")), [0x69, 0x85]);
    assert_eq!(y.handle(&hex("80 A1 00 00")), [0x6E, 0x00]);
    assert_eq!(y.handle(&hex("00 A4 04 00 03 A0 00 00")), [0x6A, 0x82]);
}

#[test]
fn yubikey_put_rules() {
    let mut a = selected(Flavour::YubiKey);
    assert_eq!(a.handle(&put_body("x", "")), [0x90, 0x00]);
    // PROPERTY as a real TLV (78 01 02) is refused
    assert_eq!(a.handle(&put_body("y", "78 01 02")), [0x6A, 0x80]);
    // IMF on a TOTP credential
    assert_eq!(a.handle(&put_body("y", "7A 04 00 00 00 01")), [0x6A, 0x80]);
    // unknown tag
    assert_eq!(a.handle(&put_body("y", "99 01 00")), [0x6A, 0x80]);
    // key shorter than 14 bytes, digits 9
    assert_eq!(
        a.handle(&hex("00 01 00 00 09 71 01 7A 73 04 21 06 01 02")),
        [0x6A, 0x80]
    );
    let mut nine = put_body("z", "");
    nine[5 + 3 + 3] = 9;
    assert_eq!(a.handle(&nine), [0x6A, 0x80]);
    // overwrite is allowed
    assert_eq!(a.handle(&put_body("x", "78 02")), [0x90, 0x00]);
    assert_eq!(a.names(), ["x"]);
    // full
    a.capacity = Some(1);
    assert_eq!(a.handle(&put_body("w", "")), [0x6A, 0x84]);
}

#[test]
fn nitrokey3_refuses_overwrite_full_answers_and_yubikey_only_commands() {
    let mut a = selected(Flavour::Nitrokey3);
    assert_eq!(a.handle(&put_body("x", "")), [0x90, 0x00]);
    assert_eq!(a.handle(&put_body("x", "")), [0x69, 0x83]);
    let calc_full = hex("00 A2 00 00 0B 71 01 78 74 06 00 00 00 00 00 01");
    assert_eq!(a.handle(&calc_full), [0x6D, 0x00]);
    assert_eq!(
        a.handle(&hex("00 A4 00 01 0A 74 08 00 00 00 00 00 00 00 01")),
        [0x6D, 0x00]
    );
    assert_eq!(a.handle(&hex("00 A3 00 00 02 75 00")), [0x6D, 0x00]);
    assert_eq!(a.handle(&hex("00 03 00 00 02 73 00")), [0x6D, 0x00]);
    assert_eq!(
        a.handle(&hex("00 05 00 00 06 71 01 78 71 01 79")),
        [0x6D, 0x00]
    );
    assert_eq!(a.handle(&hex("00 02 00 00 03 71 01 79")), [0x6A, 0x82]);
    assert_eq!(a.handle(&hex("10 A1 00 00")), [0x68, 0x84]);
    a.touch = false;
    assert_eq!(a.handle(&hex("00 02 00 00 03 71 01 78")), [0x69, 0x82]);
    assert_eq!(a.handle(&hex("00 04 DE AD")), [0x69, 0x82]);
    a.touch = true;
    assert_eq!(a.handle(&hex("00 02 00 00 03 71 01 78")), [0x90, 0x00]);
}

#[test]
fn select_shows_serial_on_nk3_and_challenge_when_locked() {
    let mut n = OathApplet::seeded(Flavour::Nitrokey3, [1; 8]);
    let r = n.handle(&p::select().encode().unwrap());
    let info = p::parse_select(&r[..r.len() - 2]).unwrap();
    assert!(info.is_nitrokey3());
    assert_eq!(info.version[0], 4);
    let mut y = selected(Flavour::YubiKey);
    let key = p::derive_key("pw", &y.salt());
    let chal = [9u8; 8];
    assert_eq!(
        y.handle(&p::set_code(&key, &chal).encode().unwrap()),
        [0x90, 0x00]
    );
    let r = y.handle(&p::select().encode().unwrap());
    let info = p::parse_select(&r[..r.len() - 2]).unwrap();
    assert!(info.challenge.is_some() && info.algorithm == Some(1));
    assert_eq!(y.handle(&hex("00 A1 00 00")), [0x69, 0x82]);
    assert_eq!(y.handle(&put_body("x", "")), [0x69, 0x82]);
    // a wrong VALIDATE neither unlocks nor locks
    let wrong = p::validate(&[0; 20], &[1; 8]).encode().unwrap();
    assert_eq!(y.handle(&wrong), [0x6A, 0x80]);
    assert_eq!(y.handle(&hex("00 A1 00 00")), [0x69, 0x82]);
    // reset needs no authentication and clears the code
    assert_eq!(y.handle(&hex("00 04 00 00")), [0x6B, 0x00]);
    assert_eq!(y.handle(&hex("00 04 DE AD")), [0x90, 0x00]);
    assert_eq!(y.handle(&hex("00 A1 00 00")), [0x90, 0x00]);
}

#[test]
fn refusals_no_driver_sends() {
    // (formerly replayed from ykoath/refusals and set-code transcripts, device side)
    let mut y = selected(Flavour::YubiKey);
    // SET CODE whose response does not match the key: 6984; an empty body: 6A80
    let wrong = hex(
        "00 03 00 00 33 73 11 21 78 0E 45 A0 06 52 CC B0 8C 4B DA CD DA CA 51 34 74 08 F1 03 \
         DA 89 58 E4 40 85 75 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    );
    assert_eq!(y.handle(&wrong), [0x69, 0x84]);
    assert_eq!(y.handle(&hex("00 03 00 00")), [0x6A, 0x80]);
    // an unknown INS: 6D00; RESET with wrong P1P2: 6B00
    assert_eq!(y.handle(&hex("00 77 00 00")), [0x6D, 0x00]);
    assert_eq!(y.handle(&hex("00 04 00 00")), [0x6B, 0x00]);
    // the Nitrokey 3: full answers, VALIDATE and SET CODE are gone (6D00)
    let mut n = selected(Flavour::Nitrokey3);
    assert_eq!(
        n.handle(&hex(
            "00 A2 00 00 14 71 08 41 43 4D 45 3A 54 2D 31 74 08 00 00 00 00 00 00 00 01"
        )),
        [0x6D, 0x00]
    );
    assert_eq!(n.handle(&hex("00 A3 00 00 02 75 00")), [0x6D, 0x00]);
    // and it does not check the digits of a PUT
    let mut nine = put_body("n", "");
    nine[5 + 3 + 3] = 9;
    assert_eq!(n.handle(&nine), [0x90, 0x00]);
}

#[test]
fn capacity_by_firmware() {
    let mut a = OathApplet::seeded(Flavour::YubiKey, [7; 8]);
    a.set_version([5, 6, 9]);
    assert_eq!(a.capacity(), 32);
    a.set_version([5, 7, 0]);
    assert_eq!(a.capacity(), 64);
}

#[test]
fn pages_with_61xx_as_yubikey_and_nitrokey3_do() {
    for (f, last_sw2) in [(Flavour::YubiKey, None), (Flavour::Nitrokey3, Some(0xFF))] {
        let mut a = selected(f);
        for i in 0..20 {
            assert_eq!(
                a.handle(&put_body(&format!("issuer:account-{i:02}"), "")),
                [0x90, 0x00]
            );
        }
        let first = a.handle(&hex("00 A1 00 00"));
        assert_eq!(first.len(), 258);
        assert_eq!(first[256], 0x61);
        if let Some(sw2) = last_sw2 {
            assert_eq!(first[257], sw2);
        } else {
            assert_eq!(first[257] as usize, 20 * 20 - 256, "exact rest below 256");
        }
        let rest = a.handle(&hex("00 A5 00 00"));
        assert_eq!(&rest[rest.len() - 2..], [0x90, 0x00]);
        let mut all = first[..256].to_vec();
        all.extend_from_slice(&rest[..rest.len() - 2]);
        assert_eq!(p::parse_list(&all).unwrap().len(), 20);
    }
}

proptest! {
    #[test]
    fn any_apdu_gets_a_status_word(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for f in [Flavour::YubiKey, Flavour::Nitrokey3] {
            let mut a = selected(f);
            let r = a.handle(&bytes);
            prop_assert!(r.len() >= 2);
        }
    }
}

/// A PUT of a TOTP SHA-1 credential `name` whose 14-byte key repeats `k`.
fn put_key(name: &str, k: u8) -> Vec<u8> {
    let mut apdu = put_body(name, "");
    let key_at = apdu.len() - 14;
    apdu[key_at..].fill(k);
    apdu
}

#[test]
fn yubikey4_firmware_overwrites_a_credential_whose_name_begins_with_the_new_one() {
    // 4.3.0 has the bug ykman guards against: the longer name keeps its name and takes
    // the new key, and the new name is nowhere
    let mut a = selected(Flavour::YubiKey);
    a.set_version([4, 3, 0]);
    assert_eq!(a.handle(&put_key("ACME:abc", 0x11)), [0x90, 0x00]);
    assert_eq!(a.handle(&put_key("ACME:a", 0x22)), [0x90, 0x00]);
    assert_eq!(a.names(), ["ACME:abc"]);
    assert_eq!(a.key("ACME:abc").unwrap(), [0x22; 14]);
    // a name that only starts like an existing one's is no match: a new credential
    assert_eq!(a.handle(&put_key("ACME:abcd", 0x33)), [0x90, 0x00]);
    assert_eq!(a.names(), ["ACME:abc", "ACME:abcd"]);
    // 4.3.5 and 5.x look names up whole
    for version in [[4, 3, 5], [5, 7, 4]] {
        let mut a = selected(Flavour::YubiKey);
        a.set_version(version);
        assert_eq!(a.handle(&put_key("ACME:abc", 0x11)), [0x90, 0x00]);
        assert_eq!(a.handle(&put_key("ACME:a", 0x22)), [0x90, 0x00]);
        assert_eq!(a.names(), ["ACME:abc", "ACME:a"], "{version:?}");
        assert_eq!(a.key("ACME:abc").unwrap(), [0x11; 14]);
    }
}
