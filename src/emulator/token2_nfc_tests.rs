//! The emulated Token2 NFC token against the §2.11 vectors and its refusals.

use super::*;
use crate::transport::trace::parse_hex;

fn h(s: &str) -> Vec<u8> {
    parse_hex(s).unwrap()
}

const T0: i64 = 1_700_000_000_000;

fn card() -> Token2NfcCard {
    Token2NfcCard::with_serial("86596220000001", DeviceClock::synced(T0))
        .with_fixed_challenge([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])
        .with_frozen_host_time(T0)
}

#[test]
fn accepts_the_2_11_vectors_and_shows_the_rfc_6238_code() {
    let mut c = card();
    let hk = c.hook();
    assert_eq!(
        c.handle(&h("80 4B 08 00 01 00")),
        h("1122334455667788 9000")
    );
    assert_eq!(
        c.handle(&h("80CE000010 8B7450F22721BC29985C2C460B65045D")),
        h("9000")
    );
    assert_eq!(
        c.handle(&h(
            "84D4000017 81111F01010F046553F10086060A01010D011E 4FFDC288"
        )),
        h("9000")
    );
    assert_eq!(
        c.handle(&h(
            "84C5010024 5E5856092FD3228D4D33EEE3DAAC4B55 CE37D18D332B7AC6A40E8661FA23042A F47B0153"
        )),
        h("9000")
    );
    assert!(hk.has_seed());
    // RFC 6238: T = 59 → 287082 (SHA-1, 6 digits).
    hk.set_clock(DeviceClock::with_offset(T0, 59_000 - T0, 0.0));
    assert_eq!(hk.display_code_at(T0).as_deref(), Some("287082"));
}

#[test]
fn refusals() {
    let mut c = card();
    // No challenge pending.
    assert_eq!(
        c.handle(&h("80CE000010 8B7450F22721BC29985C2C460B65045D")),
        h("6A80")
    );
    // Write without auth.
    assert_eq!(
        c.handle(&h(
            "84D4000017 81111F01010F046553F10086060A01010D011E 4FFDC288"
        )),
        h("6983")
    );
    c.handle(&h("80 4B 08 00 00"));
    assert_eq!(
        c.handle(&h("80CE000010 00000000000000000000000000000000")),
        h("6983")
    );
    // The failed answer consumed the challenge.
    assert_eq!(
        c.handle(&h("80CE000010 8B7450F22721BC29985C2C460B65045D")),
        h("6A80")
    );
    c.handle(&h("80 4B 08 00"));
    assert_eq!(
        c.handle(&h("80CE000010 8B7450F22721BC29985C2C460B65045D")),
        h("9000")
    );
    // Bad MAC, wrong length, bad TLV, unknown INS / CLA.
    assert_eq!(
        c.handle(&h(
            "84D4000017 81111F01010F046553F10086060A01010D011E 4FFDC289"
        )),
        h("6983")
    );
    assert_eq!(c.handle(&h("84D4000003 010203")), h("6700"));
    assert_eq!(c.handle(&h("80 99 00 00")), h("6D00"));
    assert_eq!(c.handle(&h("00 A4 04 00")), h("6A82"));
    assert_eq!(c.handle(&h("00 B0 00 00")), h("6E00"));
    // burn-totp's SELECT: 90 00
    assert_eq!(c.handle(&h("00 A4 04 00 06 B0 00 00 00 00 23")), h("9000"));
    // a MAC'd config of the wrong length: 6A80 (openT2OTP)
    let short = crypto::secure_command(&Sm4Key::device(), p::INS_WRITE_CONFIG, 0, 0, &[0x81, 0x00]);
    assert_eq!(c.handle(&short.encode().unwrap()), h("6A80"));
    // an answer of the wrong length: 6A80
    c.handle(&h("80 4B 08 00"));
    assert_eq!(
        c.handle(&h("80CE00000F 8B7450F22721BC29985C2C460B6504")),
        h("6A80")
    );
    // the challenge survives a wrong-length answer
    assert_eq!(
        c.handle(&h("80CE000010 8B7450F22721BC29985C2C460B65045D")),
        h("9000")
    );
    assert_eq!(c.handle(&h("80")), h("6700"));
    assert_eq!(c.handle(&h("80 4B 07 00")), h("6A86"));
}

#[test]
fn restricted_models_wipe_the_seed_on_a_config_write() {
    for (serial, wipes) in [("86596100000001", true), ("86596320000001", false)] {
        let mut c = Token2NfcCard::with_serial(serial, DeviceClock::synced(T0))
            .with_fixed_challenge([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
        let hk = c.hook();
        c.handle(&h("80 4B 08 00 01 00"));
        c.handle(&h("80CE000010 8B7450F22721BC29985C2C460B65045D"));
        c.handle(&h(
            "84C5010024 5E5856092FD3228D4D33EEE3DAAC4B55 CE37D18D332B7AC6A40E8661FA23042A F47B0153",
        ));
        assert!(hk.has_seed());
        c.handle(&h(
            "84D4000017 81111F01010F046553F10086060A01010D011E 4FFDC288",
        ));
        assert_eq!(hk.has_seed(), !wipes, "{serial}");
    }
}

#[test]
fn aligned_seed_without_the_extra_block_is_rejected() {
    let key = Sm4Key::device();
    let seed = [7u8; 32];
    let ct = crypto::ecb_encrypt(&key, &seed).unwrap();
    let cmd = crypto::secure_command(&key, p::INS_WRITE_SEED, 1, 0, &ct);
    let mut c = card();
    c.handle(&h("80 4B 08 00 01 00"));
    c.handle(&h("80CE000010 8B7450F22721BC29985C2C460B65045D"));
    assert_eq!(c.handle(&cmd.encode().unwrap()), h("6A80"));
    assert!(!c.hook().has_seed());
}

proptest::proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..90)) {
        let mut c = card();
        let r = c.handle(&bytes);
        proptest::prop_assert!(r.len() >= 2);
    }
}
