//! Replays `firmware-protocols/token2-nfc/*.transcript` and `molto2/*.transcript`
//! against the drivers (scripted link: every byte the driver sends must match) and the
//! emulators (which must answer byte for byte). `! driver skip` marks refusals a
//! driver never provokes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::transcripts::{load, skip};

use tokenstation::devices::molto2::{DEFAULT_CUSTOMER_KEY, Molto2};
use tokenstation::devices::token2_nfc::DisplayTimeout;
use tokenstation::devices::token2_nfc::Token2Nfc;
use tokenstation::devices::{OtpToken, ProgramRequest};
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

fn request<'a>(slot: Option<u16>, name: &'a str, secret: &'a Secret) -> ProgramRequest<'a> {
    ProgramRequest {
        slot,
        name,
        secret,
        params: OtpParams::default(),
        counter: 0,
        touch: false,
        overwrite: false,
    }
}

#[test]
fn token2_nfc_emulator_answers_as_recorded() {
    let mut played = 0;
    for t in load("token2-nfc").iter().filter(|t| !skip(t, "emulator")) {
        let ms = host_secs(t) * 1000;
        let mut card =
            Token2NfcCard::with_serial(t.setup("serial").unwrap(), DeviceClock::synced(ms))
                .with_fixed_challenge(challenge(t))
                .with_frozen_host_time(ms);
        let hook = card.hook();
        replay(t, |req| Ok(card.handle(req.ok_or("unsolicited output")?))).unwrap();
        if t.setup("seed").is_some() {
            assert!(hook.has_seed(), "{}", t.name);
        }
        played += 1;
    }
    assert!(played >= 3);
}

#[test]
fn token2_nfc_driver_sends_what_is_recorded() {
    let mut played = 0;
    for t in load("token2-nfc").iter().filter(|t| !skip(t, "driver")) {
        let now = host_secs(t);
        let mut link = ScriptedApduLink::new("scripted NFC reader", t);
        let secret = seed(t);
        {
            let mut drv = Token2Nfc::new(&mut link).with_host_clock(move || now);
            if t.name.contains("clock-rewrite") {
                drv.set_clock_and_reseed(now, &secret, &OtpParams::default())
                    .unwrap();
            } else {
                drv.program(&request(None, "", &secret)).unwrap();
            }
        }
        assert_eq!(link.remaining(), 0, "{}", t.name);
        played += 1;
    }
    assert!(played >= 2);
}

fn molto2_card(t: &Transcript) -> Molto2Card {
    let ms = host_secs(t) * 1000;
    let card = Molto2Card::new(t.setup("serial").unwrap(), DeviceClock::synced(ms))
        .with_fixed_challenge(challenge(t))
        .with_frozen_host_time(ms);
    match t.setup("seeded") {
        Some(p) => card.with_seed(p.parse().unwrap(), b"12345678901234567890"),
        None => card,
    }
}

#[test]
fn molto2_emulator_answers_as_recorded() {
    let mut played = 0;
    for t in load("molto2").iter().filter(|t| !skip(t, "emulator")) {
        let mut card = molto2_card(t);
        let hook = card.hook();
        replay(t, |req| Ok(card.handle(req.ok_or("unsolicited output")?))).unwrap();
        if let Some(p) = t.setup("profile") {
            assert!(hook.has_seed(p.parse().unwrap()), "{}", t.name);
        }
        if t.setup("seeded").is_some() {
            assert!(!hook.has_seed(2), "{}: deleted", t.name);
        }
        played += 1;
    }
    assert!(played >= 3);
}

#[test]
fn molto2_driver_sends_what_is_recorded() {
    let mut played = 0;
    for t in load("molto2").iter().filter(|t| !skip(t, "driver")) {
        let now = host_secs(t);
        let mut link = ScriptedApduLink::new("scripted Molto2", t);
        {
            let mut drv = Molto2::new(&mut link, DEFAULT_CUSTOMER_KEY)
                .with_host_clock(move || now)
                .with_display_timeout(DisplayTimeout::S60);
            match t.setup("profile") {
                Some(p) => {
                    let secret = seed(t);
                    let title = t.setup("title").unwrap_or("");
                    drv.program(&request(Some(p.parse().unwrap()), title, &secret))
                        .unwrap();
                }
                None => {
                    drv.sync_time(Some(2), now).unwrap();
                    assert!(drv.delete_seed(2).unwrap());
                }
            }
        }
        assert_eq!(link.remaining(), 0, "{}", t.name);
        played += 1;
    }
    assert!(played >= 2);
}
