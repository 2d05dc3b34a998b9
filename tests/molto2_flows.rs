//! Token2 Molto2: driver × emulator in process — burns, occupancy, tries-left countdown
//! and lock, factory reset and key change with the ▲ button, time sync, delete, public
//! data, 4-digit profiles, faults (token-protocols.md §3).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tokenstation::devices::molto2::driver::profile_params;
use tokenstation::devices::molto2::protocol::{Hmac, ProfileConfig, Step};
use tokenstation::devices::molto2::{Confirmation, DEFAULT_CUSTOMER_KEY, Molto2, Molto2Digits};
use tokenstation::devices::token2_nfc::DisplayTimeout;
use tokenstation::devices::{DeviceError, OtpToken, ProgramRequest, TokenClock};
use tokenstation::emulator::clock::DeviceClock;
use tokenstation::emulator::fault::Fault;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::molto2::{MAX_TRIES, Molto2Card, Molto2Handle};
use tokenstation::otp::{Algorithm, Digits, OtpParams, Secret, totp::totp};
use tokenstation::transport::LinkError;

const HOST_MS: i64 = 1_750_000_000_000;
const HOST: i64 = HOST_MS / 1000;
const READER: &str = "TOKEN2 Molto2 [CCID Interface] 00 00";

fn molto2() -> (InProcess<Molto2Card>, Molto2Handle) {
    let card = Molto2Card::new(
        "M2V2000123",
        DeviceClock::with_offset(HOST_MS, -61_000, 20.0),
    )
    .with_frozen_host_time(HOST_MS);
    let hook = card.hook();
    (InProcess::card(READER, card), hook)
}

fn driver<L: tokenstation::transport::ApduLink>(link: L, key: &[u8]) -> Molto2<L> {
    Molto2::new(link, key).with_host_clock(|| HOST)
}

fn params(alg: Algorithm, digits: u8, period: u32) -> OtpParams {
    OtpParams {
        algorithm: alg,
        digits: Digits::new(digits).unwrap(),
        period,
        ..OtpParams::default()
    }
}

fn request<'a>(slot: u16, name: &'a str, secret: &'a Secret, p: OtpParams) -> ProgramRequest<'a> {
    ProgramRequest {
        slot: Some(slot),
        name,
        secret,
        params: p,
        counter: 0,
        touch: false,
        overwrite: false,
    }
}

#[test]
fn burn_reads_back_public_data_and_the_display_shows_the_code() {
    let (link, hook) = molto2();
    let mut m = driver(link, DEFAULT_CUSTOMER_KEY);
    let info = m.info().unwrap();
    assert_eq!(
        (info.family.as_str(), info.serial.as_deref()),
        ("molto2", Some("M2V2000123"))
    );
    assert_eq!(info.clock, Some(HOST - 61));
    let caps = m.capabilities();
    assert_eq!(caps.slots, Some(100));
    assert!(caps.program && caps.list_slots && caps.erase && !caps.clock_write_wipes_seed);

    let secret = Secret::from_slice(b"molto2-seed-of-32-bytes-for-sha2");
    let p = params(Algorithm::Sha256, 8, 60);
    m.program(&request(42, "SN-0042", &secret, p)).unwrap();
    assert_eq!(m.read_clock().unwrap(), HOST);
    assert_eq!(
        hook.display_code(42).unwrap(),
        totp(&secret, &p, HOST).unwrap()
    );
    assert_eq!(hook.display_code(42).unwrap().len(), 8);

    let d = m.read_profile(42).unwrap();
    assert!(d.seed_present);
    assert_eq!(d.title_text().as_deref(), Some("SN-0042"));
    assert_eq!(profile_params(&d).unwrap(), p);
    let slots = m.list_slots().unwrap();
    assert_eq!(slots.len(), 100);
    let occupied: Vec<u16> = slots
        .iter()
        .filter(|s| s.occupied)
        .map(|s| s.slot)
        .collect();
    assert_eq!(occupied, vec![42]);
    assert_eq!(slots[42].name.as_deref(), Some("SN-0042"));
    assert_eq!(slots[42].params, Some(p));
    assert_eq!(slots[0].name, None);
}

#[test]
fn occupied_profiles_need_overwrite() {
    let (link, hook) = molto2();
    let mut m = driver(link, DEFAULT_CUSTOMER_KEY);
    let first = Secret::from_slice(b"12345678901234567890");
    let p = params(Algorithm::Sha1, 6, 30);
    m.program(&request(7, "", &first, p)).unwrap();
    let second = Secret::from_slice(b"another seed 20 byte");
    let e = m.program(&request(7, "", &second, p)).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Occupied { device, slot } if device == READER && slot == "7"),
        "{e}"
    );
    assert!(e.to_string().contains("slot 7"));
    assert_eq!(
        hook.display_code(7).unwrap(),
        totp(&first, &p, HOST).unwrap()
    );
    let mut again = request(7, "", &second, p);
    again.overwrite = true;
    m.program(&again).unwrap();
    assert_eq!(
        hook.display_code(7).unwrap(),
        totp(&second, &p, HOST).unwrap()
    );
}

#[test]
fn wrong_key_counts_down_then_locks_and_factory_reset_with_button_recovers() {
    for plain in [false, true] {
        let card =
            Molto2Card::new("M2", DeviceClock::synced(HOST_MS)).with_customer_key(b"site key 2026");
        let card = if plain {
            card.with_plain_tries_sw()
        } else {
            card
        };
        let hook = card.hook();
        let mut m = driver(InProcess::card(READER, card), b"wrong key");
        let secret = Secret::from_slice(b"12345678901234567890");
        let p = params(Algorithm::Sha1, 6, 30);
        for left in (0..MAX_TRIES).rev() {
            let e = m.program(&request(1, "", &secret, p)).unwrap_err();
            assert!(
                matches!(e, DeviceError::AuthFailed { tries_left: Some(n), .. } if n == left),
                "{e}"
            );
            assert!(e.to_string().contains(READER));
            if left == 0 {
                assert!(e.to_string().contains("locked"), "{e}");
            }
        }
        // Locked: even the right key is refused now.
        let mut right = driver(m.into_inner(), b"site key 2026");
        let e = right.program(&request(1, "", &secret, p)).unwrap_err();
        assert!(
            matches!(
                e,
                DeviceError::AuthFailed {
                    tries_left: Some(0),
                    ..
                }
            ),
            "{e}"
        );
        // Factory reset needs no key, only ▲.
        let e = right.erase(None).unwrap_err();
        assert!(
            matches!(&e, DeviceError::ButtonPress { device } if device == READER),
            "{e}"
        );
        assert!(e.to_string().contains("press the button"));
        assert!(hook.button_pending());
        assert!(hook.press_button());
        assert_eq!(hook.tries_left(), MAX_TRIES);
        // The driver switched to the default key with the reset.
        right.program(&request(1, "", &secret, p)).unwrap();
        assert!(hook.has_seed(1));
    }
}

#[test]
fn a_right_answer_restores_the_counter() {
    let (link, hook) = molto2();
    let mut wrong = driver(link, b"nope");
    assert!(wrong.authenticate().is_err());
    assert_eq!(hook.tries_left(), MAX_TRIES - 1);
    let mut right = driver(wrong.into_inner(), DEFAULT_CUSTOMER_KEY);
    right.authenticate().unwrap();
    assert_eq!(hook.tries_left(), MAX_TRIES);
}

#[test]
fn customer_key_change_takes_effect_on_the_button() {
    let (link, hook) = molto2();
    let mut m = driver(link, DEFAULT_CUSTOMER_KEY);
    assert_eq!(
        m.change_customer_key(b"NEWKEY0123456789").unwrap(),
        Confirmation::PressButton
    );
    // Not pressed yet: the device still has the old key.
    let mut old = driver(m.into_inner(), DEFAULT_CUSTOMER_KEY);
    old.authenticate().unwrap();
    assert!(hook.press_button());
    assert!(!hook.press_button(), "nothing pending any more");
    assert!(matches!(
        old.authenticate(),
        Err(DeviceError::AuthFailed { .. })
    ));
    let mut new = driver(old.into_inner(), b"NEWKEY0123456789");
    new.authenticate().unwrap();
}

#[test]
fn time_sync_one_or_all_profiles_keeps_seeds() {
    let (link, hook) = molto2();
    let mut m = driver(link, DEFAULT_CUSTOMER_KEY);
    let secret = Secret::from_slice(b"12345678901234567890");
    let p = params(Algorithm::Sha1, 6, 30);
    m.program(&request(0, "a", &secret, p)).unwrap();
    m.program(&request(99, "b", &secret, p)).unwrap();
    hook.set_clock(DeviceClock::with_offset(HOST_MS, 300_000, 0.0));
    assert_eq!(m.read_clock().unwrap(), HOST + 300);
    m.sync_time(Some(99), HOST).unwrap();
    assert_eq!(m.read_clock().unwrap(), HOST);
    assert_eq!(m.read_profile(99).unwrap().time_b, HOST as u32);
    m.set_clock(HOST + 1).unwrap();
    assert_eq!(m.read_clock().unwrap(), HOST + 1);
    assert!((0..100).all(|s| m.read_profile(s).unwrap().time_b == (HOST + 1) as u32));
    assert!(hook.has_seed(0) && hook.has_seed(99));
    assert_eq!(
        hook.display_code(0).unwrap(),
        totp(&secret, &p, HOST + 1).unwrap()
    );
}

#[test]
fn delete_keeps_title_and_empty_delete_is_fine() {
    let (link, hook) = molto2();
    let mut m = driver(link, DEFAULT_CUSTOMER_KEY);
    let secret = Secret::from_slice(b"12345678901234567890");
    m.program(&request(
        3,
        "keep me",
        &secret,
        params(Algorithm::Sha1, 6, 30),
    ))
    .unwrap();
    m.erase(Some(3)).unwrap();
    assert!(!hook.has_seed(3));
    let d = m.read_profile(3).unwrap();
    assert!(!d.seed_present);
    assert_eq!(d.title_text().as_deref(), Some("keep me"));
    assert!(!m.delete_seed(3).unwrap(), "6A83: already empty");
}

#[test]
fn four_digit_profiles_and_parameter_refusals() {
    let (link, hook) = molto2();
    let mut m = driver(link, DEFAULT_CUSTOMER_KEY);
    let secret = Secret::from_slice(b"12345678901234567890");
    // A 4-digit profile, set through the protocol-level config.
    m.write_config(
        5,
        &ProfileConfig {
            display_timeout: DisplayTimeout::S15,
            utc: HOST as u32,
            hmac: Hmac::Sha1,
            digits: Molto2Digits::Four,
            step: Step::S30,
        },
    )
    .unwrap();
    m.write_seed(5, &secret).unwrap();
    let code = hook.display_code(5).unwrap();
    assert_eq!(code.len(), 4);
    let six = totp(&secret, &params(Algorithm::Sha1, 6, 30), HOST).unwrap();
    assert_eq!(code, six[2..], "4 digits = last 4 of the 6-digit code");
    let slot = &m.list_slots().unwrap()[5];
    assert!(
        slot.occupied && slot.params.is_none(),
        "4 digits do not fit Digits"
    );
    let err = profile_params(&m.read_profile(5).unwrap()).unwrap_err();
    assert!(err.contains("4-digit"), "{err}");

    for (bad, what) in [
        (
            request(1, "", &secret, params(Algorithm::Sha1, 7, 30)),
            "7 digits",
        ),
        (
            request(1, "", &secret, params(Algorithm::Sha512, 6, 30)),
            "SHA-512",
        ),
        (
            request(1, "", &secret, params(Algorithm::Sha1, 6, 15)),
            "15 s",
        ),
        (
            request(1, "thirteen byte", &secret, params(Algorithm::Sha1, 6, 30)),
            "13 bytes",
        ),
        (
            request(100, "", &secret, params(Algorithm::Sha1, 6, 30)),
            "profile 100",
        ),
    ] {
        let e = m.program(&bad).unwrap_err();
        assert!(
            matches!(e, DeviceError::Unsupported { .. }) && e.to_string().contains(what),
            "{e}"
        );
    }
    let mut none = request(0, "", &secret, params(Algorithm::Sha1, 6, 30));
    none.slot = None;
    assert!(m.program(&none).is_err());
    let zero = Secret::new(vec![0; 20]);
    assert!(
        m.program(&request(1, "", &zero, params(Algorithm::Sha1, 6, 30)))
            .is_err()
    );
    assert!(!hook.has_seed(1));
}

#[test]
fn unplugged_mid_write_is_a_typed_error() {
    let (link, hook) = molto2();
    let faults = link.faults();
    let mut m = driver(link, DEFAULT_CUSTOMER_KEY);
    // read profile, challenge, answer, config, challenge, answer pass; then unplugged.
    for _ in 0..6 {
        faults.push(Fault::Pass);
    }
    faults.push(Fault::Disconnect);
    let secret = Secret::from_slice(b"12345678901234567890");
    let e = m
        .program(&request(2, "", &secret, params(Algorithm::Sha1, 6, 30)))
        .unwrap_err();
    assert!(
        matches!(&e, DeviceError::Link(LinkError::Disconnected { reader }) if reader == READER),
        "{e}"
    );
    assert!(m.info().is_err(), "stays disconnected");
    let _ = hook;
}
