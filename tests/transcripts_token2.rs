//! Replays `firmware-protocols/token2-nfc/*.transcript` and `molto2/*.transcript`
//! against the drivers (scripted link: every byte the driver sends must match) and the
//! emulators (which must answer byte for byte). Every transcript replays both ways.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::requests::program_request;

use common::transcripts::load;

use tokenstation::devices::molto2::{Confirmation, DEFAULT_CUSTOMER_KEY, Molto2};
use tokenstation::devices::token2_nfc::DisplayTimeout;
use tokenstation::devices::token2_nfc::Token2Nfc;
use tokenstation::devices::{DeviceError, OtpToken, ProgramRequest};
use tokenstation::emulator::ApduHandler;
use tokenstation::emulator::clock::DeviceClock;
use tokenstation::emulator::molto2::Molto2Card;
use tokenstation::emulator::token2_nfc::Token2NfcCard;
use tokenstation::otp::{OtpParams, Secret};
use tokenstation::transport::scripted::ScriptedApduLink;
use tokenstation::transport::trace::parse_hex;
use tokenstation::transport::transcript::{Transcript, replay};

fn challenge(t: &Transcript) -> [u8; 8] {
    parse_hex(t.setup("challenge").unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn host_secs(t: &Transcript) -> i64 {
    t.setup("host-time").unwrap().parse().unwrap()
}

fn seed(t: &Transcript) -> Secret {
    Secret::new(parse_hex(t.setup("seed").unwrap()).unwrap())
}

fn name_of(t: &Transcript) -> String {
    let name = t.name.rsplit('/').next().unwrap_or_default();
    name.trim_end_matches(".transcript").to_string()
}

fn request<'a>(slot: Option<u16>, name: &'a str, secret: &'a Secret) -> ProgramRequest<'a> {
    program_request(slot, name, secret, OtpParams::default())
}

#[test]
fn token2_nfc_emulator_answers_as_recorded() {
    let mut played = 0;
    for t in load("token2-nfc") {
        let ms = host_secs(&t) * 1000;
        let mut card =
            Token2NfcCard::with_serial(t.setup("serial").unwrap(), DeviceClock::synced(ms))
                .with_fixed_challenge(challenge(&t))
                .with_frozen_host_time(ms);
        let hook = card.hook();
        hook.set_locked(t.setup("locked").is_some());
        replay(&t, |req| Ok(card.handle(req.ok_or("unsolicited output")?))).unwrap();
        if t.setup("seed").is_some() {
            assert!(hook.has_seed(), "{}", t.name);
        }
        played += 1;
    }
    assert!(played >= 4);
}

#[test]
fn token2_nfc_driver_sends_what_is_recorded() {
    let mut played = 0;
    for t in load("token2-nfc") {
        let now = host_secs(&t);
        let mut link = ScriptedApduLink::new("scripted NFC reader", &t);
        {
            let mut drv = Token2Nfc::new(&mut link).with_host_clock(move || now);
            match name_of(&t).as_str() {
                "clock-rewrite-c301" => drv
                    .set_clock_and_reseed(now, &seed(&t), &OtpParams::default())
                    .unwrap(),
                "burn-c302" => drv.program(&request(None, "", &seed(&t))).unwrap(),
                "refusals" => {
                    let s = Secret::from_slice(b"12345678901234567890");
                    let e = drv.program(&request(None, "", &s)).unwrap_err();
                    assert!(
                        matches!(
                            e,
                            DeviceError::AuthFailed {
                                tries_left: None,
                                ..
                            }
                        ),
                        "{e}"
                    );
                }
                "unknown-model" => {
                    let s = Secret::from_slice(b"12345678901234567890");
                    let e = drv.program(&request(None, "", &s)).unwrap_err();
                    assert!(e.to_string().contains("86597000000001"), "{e}");
                }
                other => panic!("{other}: no driver script for this transcript"),
            }
        }
        assert_eq!(link.remaining(), 0, "{}", t.name);
        played += 1;
    }
    assert!(played >= 4);
}

fn molto2_card(t: &Transcript) -> Molto2Card {
    let ms = host_secs(t) * 1000;
    let mut card = Molto2Card::new(t.setup("serial").unwrap(), DeviceClock::synced(ms))
        .with_fixed_challenge(challenge(t))
        .with_frozen_host_time(ms);
    if let Some(p) = t.setup("seeded") {
        card = card.with_seed(p.parse().unwrap(), b"12345678901234567890");
    }
    if t.setup("quirk") == Some("plain-tries") {
        card = card.with_plain_tries_sw();
    }
    if t.setup("t0").is_some() {
        card = card.with_t0();
    }
    card
}

#[test]
fn molto2_emulator_answers_as_recorded() {
    let mut played = 0;
    for t in load("molto2") {
        let mut card = molto2_card(&t);
        let hook = card.hook();
        replay(&t, |req| Ok(card.handle(req.ok_or("unsolicited output")?))).unwrap();
        match name_of(&t).as_str() {
            "sync-and-delete" => assert!(!hook.has_seed(2), "{}: deleted", t.name),
            "refusals-and-button" => assert!(hook.button_pending()),
            "wrong-key-63nn" => assert_eq!(hook.tries_left(), 4),
            _ => {}
        }
        if let Some(p) = t.setup("profile") {
            assert!(hook.has_seed(p.parse().unwrap()), "{}", t.name);
        }
        played += 1;
    }
    assert!(played >= 6);
}

fn driver<'l>(
    link: &'l mut ScriptedApduLink,
    key: &[u8],
    now: i64,
) -> Molto2<&'l mut ScriptedApduLink> {
    Molto2::new(link, key)
        .with_host_clock(move || now)
        .with_display_timeout(DisplayTimeout::S60)
}

fn tries(e: DeviceError) -> Option<u8> {
    match e {
        DeviceError::AuthFailed { tries_left, .. } => tries_left,
        other => panic!("expected an authentication failure, got {other}"),
    }
}

#[test]
fn molto2_driver_sends_what_is_recorded() {
    let mut played = 0;
    for t in load("molto2") {
        let now = host_secs(&t);
        let mut link = ScriptedApduLink::new("scripted Molto2", &t);
        match name_of(&t).as_str() {
            "burn-profile-2" | "overwrite-profile-2" => {
                let mut drv = driver(&mut link, DEFAULT_CUSTOMER_KEY, now);
                let secret = seed(&t);
                let title = t.setup("title").unwrap_or("");
                let mut req = request(
                    Some(t.setup("profile").unwrap().parse().unwrap()),
                    title,
                    &secret,
                );
                req.overwrite = t.setup("seeded").is_some();
                drv.program(&req).unwrap();
            }
            "sync-and-delete" => {
                let mut drv = driver(&mut link, DEFAULT_CUSTOMER_KEY, now);
                drv.sync_time(Some(2), now).unwrap();
                assert!(drv.delete_seed(2).unwrap());
            }
            "refusals-and-button" => {
                let mut wrong = driver(&mut link, b"WRONG-KEY", now);
                assert_eq!(tries(wrong.authenticate().unwrap_err()), Some(4));
                assert_eq!(tries(wrong.authenticate().unwrap_err()), Some(3));
                let mut right = driver(&mut link, DEFAULT_CUSTOMER_KEY, now);
                assert!(!right.delete_seed(5).unwrap(), "an empty profile");
                assert_eq!(right.factory_reset().unwrap(), Confirmation::PressButton);
            }
            "wrong-key-63nn" => {
                let mut wrong = driver(&mut link, b"WRONG-KEY", now);
                assert_eq!(tries(wrong.authenticate().unwrap_err()), Some(4));
            }
            "t0-get-response" => {
                let mut drv = driver(&mut link, DEFAULT_CUSTOMER_KEY, now);
                assert_eq!(drv.read_info().unwrap().serial, "M2V2000123");
                drv.authenticate().unwrap();
            }
            other => panic!("{other}: no driver script for this transcript"),
        }
        assert_eq!(link.remaining(), 0, "{}", t.name);
        played += 1;
    }
    assert!(played >= 6);
}
