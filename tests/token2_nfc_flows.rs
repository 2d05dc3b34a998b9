//! Token2 single-profile NFC: driver × emulator in process, over a direct APDU link and
//! over an emulated PN532 (InDataExchange), with refusals, faults and trace redaction
//! (token-protocols.md §2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use tokenstation::devices::pn532::{Pn532, Pn532ApduLink};
use tokenstation::devices::token2_nfc::{Model, Token2Nfc};
use tokenstation::devices::{DeviceError, OtpToken, ProgramRequest, TokenClock};
use tokenstation::emulator::clock::DeviceClock;
use tokenstation::emulator::fault::{Fault, Faults};
use tokenstation::emulator::field::Field;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::picc::Picc;
use tokenstation::emulator::pn532::Pn532Emulator;
use tokenstation::emulator::serial::spawn_in_process;
use tokenstation::emulator::token2_nfc::{Token2NfcCard, Token2NfcHandle};
use tokenstation::otp::{Algorithm, Digits, OtpParams, Secret, base32, totp::totp};
use tokenstation::transport::LinkError;

const HOST_MS: i64 = 1_750_000_000_000;
const HOST: i64 = HOST_MS / 1000;
const READER: &str = "Virtual NFC Reader";

fn params(alg: Algorithm, period: u32) -> OtpParams {
    OtpParams {
        algorithm: alg,
        period,
        ..OtpParams::default()
    }
}

fn request<'a>(secret: &'a Secret, p: OtpParams) -> ProgramRequest<'a> {
    ProgramRequest {
        slot: None,
        name: "",
        secret,
        params: p,
        counter: 0,
        touch: false,
        overwrite: false,
    }
}

/// A token whose clock is 37 s late and drifts 50 ppm fast, on a frozen host clock.
fn token(model: Model) -> (InProcess<Token2NfcCard>, Token2NfcHandle) {
    let card = Token2NfcCard::new(model, 42, DeviceClock::with_offset(HOST_MS, -37_000, 50.0))
        .with_frozen_host_time(HOST_MS);
    let hook = card.hook();
    (InProcess::card(READER, card), hook)
}

fn driver<L: tokenstation::transport::ApduLink>(link: L) -> Token2Nfc<L> {
    Token2Nfc::new(link).with_host_clock(|| HOST)
}

/// What the display must show at host time `host_ms` if the burn worked.
fn expected(secret: &Secret, p: &OtpParams, hook: &Token2NfcHandle, host_ms: i64) -> String {
    totp(secret, p, hook.clock().unix_seconds_at(host_ms)).unwrap()
}

#[test]
fn burn_sets_the_clock_and_the_display_shows_the_right_code() {
    for model in [Model::C302, Model::C301, Model::OtpcP2, Model::MiniOtp2] {
        let (link, hook) = token(model);
        let mut t = driver(link);
        let info = t.info().unwrap();
        assert_eq!(info.family.as_str(), "token2-nfc");
        assert_eq!(info.model.as_deref(), Some(model.name()));
        assert_eq!(
            info.serial.as_deref(),
            Some(format!("{}0000042", model.prefix()).as_str())
        );
        assert_eq!(
            info.clock,
            Some(HOST - 37),
            "clock before the burn is the token's own"
        );
        assert_eq!(
            t.capabilities().clock_write_wipes_seed,
            model.clock_write_wipes_seed()
        );

        let secret = Secret::from_slice(b"12345678901234567890");
        let p = params(Algorithm::Sha1, 30);
        t.program(&request(&secret, p)).unwrap();
        assert_eq!(
            t.read_clock().unwrap(),
            HOST,
            "burn set the clock to host time"
        );
        let code = hook.display_code().unwrap();
        assert_eq!(code, expected(&secret, &p, &hook, HOST_MS));
        assert_eq!(code, totp(&secret, &p, HOST).unwrap());
        // A day later the drift shows: the token runs 50 ppm fast.
        let later = HOST_MS + 86_400_000;
        assert_eq!(hook.clock().offset_ms(later), 4_320);
        assert_eq!(
            hook.display_code_at(later).unwrap(),
            expected(&secret, &p, &hook, later)
        );
    }
}

#[test]
fn aligned_and_sha256_seeds_get_the_extra_block_and_work() {
    for (len, alg, period) in [
        (16, Algorithm::Sha1, 30),
        (32, Algorithm::Sha256, 60),
        (48, Algorithm::Sha256, 30),
        (63, Algorithm::Sha1, 60),
        (1, Algorithm::Sha1, 30),
    ] {
        let (link, hook) = token(Model::C302);
        let mut t = driver(link);
        let secret = Secret::new((0..len).map(|i| (i * 7 + 3) as u8).collect());
        let p = params(alg, period);
        t.program(&request(&secret, p)).unwrap();
        assert_eq!(
            hook.display_code().unwrap(),
            expected(&secret, &p, &hook, HOST_MS),
            "{len} bytes"
        );
    }
}

#[test]
fn restricted_models_get_their_seed_back_after_a_clock_write() {
    let (link, hook) = token(Model::C301);
    let mut t = driver(link);
    let secret = Secret::from_slice(&[0x5Au8; 20]);
    let p = params(Algorithm::Sha1, 30);
    t.program(&request(&secret, p)).unwrap();
    assert_eq!(hook.writes(), (1, 1));
    // Drift a while, then correct the clock: config wipes the seed, the driver re-sends it.
    hook.set_clock(DeviceClock::with_offset(HOST_MS, 95_000, 0.0));
    t.set_clock(HOST).unwrap();
    assert_eq!(hook.writes(), (2, 2), "config then seed again");
    assert!(hook.has_seed());
    assert_eq!(t.read_clock().unwrap(), HOST);
    assert_eq!(
        hook.display_code().unwrap(),
        totp(&secret, &p, HOST).unwrap()
    );

    // A driver that did not burn this token does not know the seed: it refuses rather
    // than leave the token blank, and nothing is written.
    let (link, hook) = token(Model::C301);
    let mut fresh = driver(link);
    fresh.set_params(&p).unwrap();
    let e = fresh.set_clock(HOST).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Unsupported { what, .. } if what.contains("wipes its seed")),
        "{e}"
    );
    assert_eq!(hook.writes(), (0, 0));
    fresh.set_clock_and_reseed(HOST, &secret, &p).unwrap();
    assert_eq!(hook.writes(), (1, 1));
    assert_eq!(
        hook.display_code().unwrap(),
        totp(&secret, &p, HOST).unwrap()
    );

    // An unrestricted model keeps its seed: one config write, no seed write.
    let (link, hook) = token(Model::C302);
    let mut t = driver(link);
    t.program(&request(&secret, p)).unwrap();
    t.set_clock(HOST + 5).unwrap();
    assert_eq!(hook.writes(), (1, 2));
    assert!(hook.has_seed());
}

#[test]
fn refusals_are_typed_and_name_the_reader() {
    let secret = Secret::from_slice(b"12345678901234567890");
    let (link, hook) = token(Model::C302);
    let mut t = driver(link);
    let mut p = params(Algorithm::Sha1, 30);
    p.digits = Digits::EIGHT;
    for bad in [
        p,
        params(Algorithm::Sha512, 30),
        params(Algorithm::Sha1, 45),
    ] {
        let e = t.program(&request(&secret, bad)).unwrap_err();
        assert!(matches!(e, DeviceError::Unsupported { .. }), "{e}");
        assert!(e.to_string().contains(READER), "{e}");
    }
    let long = Secret::new(vec![1; 64]);
    assert!(
        t.program(&request(&long, params(Algorithm::Sha1, 30)))
            .is_err()
    );
    assert_eq!(hook.writes(), (0, 0));

    // An unknown serial prefix (e.g. a non-programmable C202) is refused before any write.
    let card = Token2NfcCard::with_serial("12345670000001", DeviceClock::synced(HOST_MS));
    let hook = card.hook();
    let mut t = driver(InProcess::card(READER, card));
    let e = t
        .program(&request(&secret, params(Algorithm::Sha1, 30)))
        .unwrap_err();
    assert!(e.to_string().contains("12345670000001"), "{e}");
    assert_eq!(hook.writes(), (0, 0));

    // A locked token (pre-2025 firmware): 6983 → AuthFailed.
    let (link, hook) = token(Model::OtpcP1);
    hook.set_locked(true);
    let mut t = driver(link);
    let e = t
        .program(&request(&secret, params(Algorithm::Sha1, 30)))
        .unwrap_err();
    assert!(
        matches!(&e, DeviceError::AuthFailed { device, tries_left: None } if device == READER),
        "{e}"
    );
    assert!(!hook.has_seed());
    assert!(t.erase(None).is_err() && t.list_slots().is_err());
    assert_eq!(t.read_code(None, HOST).unwrap(), None);
}

#[test]
fn card_pulled_mid_write_is_a_typed_error_naming_the_reader() {
    let (link, hook) = token(Model::C302);
    let faults = link.faults();
    let mut t = driver(link);
    // info, challenge, answer, config, challenge, answer pass; the card leaves during
    // the seed write.
    for _ in 0..6 {
        faults.push(Fault::Pass);
    }
    faults.push(Fault::RemoveCard);
    let secret = Secret::from_slice(b"12345678901234567890");
    let e = t
        .program(&request(&secret, params(Algorithm::Sha1, 30)))
        .unwrap_err();
    assert!(
        matches!(&e, DeviceError::Link(LinkError::CardRemoved { reader }) if reader == READER),
        "{e}"
    );
    assert!(e.to_string().contains(READER));
    assert_eq!(
        hook.writes().1,
        1,
        "config went through before the card left"
    );
    // Garbage instead of an answer is a typed error too.
    let (link, _hook) = token(Model::C302);
    link.faults().push(Fault::Garbage(vec![0x90]));
    let mut t = driver(link);
    assert!(matches!(
        t.info(),
        Err(DeviceError::Link(LinkError::Protocol { .. }))
    ));
}

#[test]
fn burn_through_an_emulated_pn532() {
    let card = Token2NfcCard::new(
        Model::OtpcP2,
        7,
        DeviceClock::with_offset(HOST_MS, 12_000, -30.0),
    )
    .with_frozen_host_time(HOST_MS);
    let hook = card.hook();
    let field = Field::empty();
    field.place(Picc::iso14443_4(
        &[0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66],
        &Token2NfcCard::ats(),
        Box::new(card),
    ));
    let (serial, _dev) = spawn_in_process(
        "pn532-token2",
        Pn532Emulator::new(field.clone()),
        Faults::new(),
    );
    let mut pn = Pn532::new(serial);
    pn.begin().unwrap();
    let target = pn.in_list_passive_target().unwrap().unwrap();
    assert_eq!(target.ats.as_deref(), Some(Token2NfcCard::ats().as_slice()));
    let mut t = driver(Pn532ApduLink::new(pn, target));
    assert_eq!(t.info().unwrap().model.as_deref(), Some("OTPC-P2-i"));
    let secret = Secret::from_slice(b"pn532-carries-apdus!");
    let p = params(Algorithm::Sha256, 30);
    t.program(&request(&secret, p)).unwrap();
    assert_eq!(
        hook.display_code().unwrap(),
        totp(&secret, &p, HOST).unwrap()
    );
    // The token leaves the PN532's field mid-session: CardRemoved naming the PN532.
    field.take();
    let e = t.read_clock().unwrap_err();
    assert!(
        matches!(&e, DeviceError::Link(LinkError::CardRemoved { reader }) if reader.contains("pn532-token2")),
        "{e}"
    );
}

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_burn_at_trace_level_never_logs_the_seed() {
    let seed: Vec<u8> = (0..20u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(0xA1))
        .collect();
    let secret = Secret::new(seed.clone());
    // A global subscriber: a thread-local one can miss events when tests running in
    // parallel threads cache the callsites' interest first (tracing's interest cache).
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    {
        let (link, hook) = token(Model::C301);
        let mut t = driver(link);
        t.program(&request(&secret, params(Algorithm::Sha1, 30)))
            .unwrap();
        t.set_clock(HOST).unwrap();
        assert!(hook.has_seed());
    }
    let raw = buf.0.lock().unwrap().clone();
    let out = String::from_utf8_lossy(&raw).to_string();
    assert!(
        out.contains(">> 80 41 00 00 02 02 11"),
        "frames are traced: {out}"
    );
    assert!(out.contains("[REDACTED"), "{out}");
    let spaced: Vec<String> = seed.iter().map(|b| format!("{b:02X}")).collect();
    let hex_upper = spaced.concat();
    for needle in [
        spaced.join(" "),
        spaced[..6].join(" "),
        hex_upper.clone(),
        hex_upper.to_lowercase(),
        base32::encode(&seed),
    ] {
        assert!(!out.contains(&needle), "seed leaked as {needle}: {out}");
    }
    assert!(
        !raw.windows(seed.len()).any(|w| w == seed.as_slice()),
        "raw seed bytes leaked"
    );
}
