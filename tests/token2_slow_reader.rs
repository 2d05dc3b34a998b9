//! Token2 NFC writes over a slow reader (token-protocols.md §2.10, vendor-code-audit.md):
//! a write whose answer is lost is read back before it is called failed — confirmed by
//! the clock (config), left to the displayed code (seed, or a clock that was already
//! right), or failed when the read-back shows the write did not arrive or the token is
//! gone. In process (the answer lost on the link) and over an emulated PN532 whose wait
//! is shorter than the token's flash write.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::requests::program_request;

use std::time::Duration;

use tokenstation::devices::pn532::{Pn532, Pn532ApduLink};
use tokenstation::devices::token2_nfc::{Model, Token2Nfc, WriteCheck, WriteReport};
use tokenstation::devices::{
    DeviceError, DeviceManagement, ManagementRefusal, OtpToken, ProgramRequest, SlotRef,
};
use tokenstation::emulator::clock::DeviceClock;
use tokenstation::emulator::fault::Fault;
use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::picc::Picc;
use tokenstation::emulator::pn532::Pn532Emulator;
use tokenstation::emulator::serial::spawn_in_process;
use tokenstation::emulator::token2_nfc::{Token2NfcCard, Token2NfcHandle};
use tokenstation::otp::{OtpParams, Secret, totp::totp};
use tokenstation::transport::{ApduLink, LinkError};

const HOST: i64 = 1_700_000_000;
const READER: &str = "ACS ACR122U PICC Interface 00 00";

fn token(model: Model, clock_offset_s: i64) -> (Token2NfcCard, Token2NfcHandle) {
    let ms = HOST * 1000;
    let card = Token2NfcCard::new(
        model,
        1,
        DeviceClock::with_offset(ms, clock_offset_s * 1000, 0.0),
    )
    .with_frozen_host_time(ms);
    let hook = card.hook();
    (card, hook)
}

fn request(secret: &Secret) -> ProgramRequest<'_> {
    program_request(None, "", secret, OtpParams::default())
}

/// Exchanges of a burn: get info, challenge, answer, config, challenge, answer, seed.
const CONFIG: usize = 3;
const SEED: usize = 6;

/// Loses the answer of exchange `n` (the token did the command).
fn lose_answer(faults: &Faults, n: usize) {
    for _ in 0..n {
        faults.push(Fault::Pass);
    }
    faults.push(Fault::Silence);
}

#[test]
fn lost_config_answer_is_confirmed_by_the_clock_and_lost_seed_answer_by_the_code() {
    let secret = Secret::from_slice(b"12345678901234567890");
    let (card, hook) = token(Model::OtpcP1, -3600);
    let link = InProcess::card(READER, card);
    let faults = link.faults();
    lose_answer(&faults, CONFIG);
    let mut t = Token2Nfc::new(link).with_host_clock(|| HOST);
    t.program(&request(&secret)).unwrap();
    assert_eq!(
        t.write_report(),
        WriteReport {
            config: Some(WriteCheck::ConfirmedByClock),
            seed: Some(WriteCheck::Answered),
        }
    );
    assert!(!t.write_report().needs_code());
    assert_eq!(hook.clock().unix_seconds_at(HOST * 1000), HOST);

    // the seed's answer lost: only the code on the display can confirm it
    let (card, hook) = token(Model::OtpcP1, -3600);
    let link = InProcess::card(READER, card);
    lose_answer(&link.faults(), SEED);
    let mut t = Token2Nfc::new(link).with_host_clock(|| HOST);
    t.program(&request(&secret)).unwrap();
    assert_eq!(t.write_report().seed, Some(WriteCheck::NeedsCode));
    assert!(t.write_report().needs_code());
    let shown = hook.display_code().unwrap();
    assert_eq!(shown, totp(&secret, &OtpParams::default(), HOST).unwrap());
}

#[test]
fn a_clock_that_was_already_right_cannot_confirm_the_config() {
    let secret = Secret::from_slice(b"12345678901234567890");
    let (card, _hook) = token(Model::C302, 0);
    let link = InProcess::card(READER, card);
    lose_answer(&link.faults(), CONFIG);
    let mut t = Token2Nfc::new(link).with_host_clock(|| HOST);
    t.program(&request(&secret)).unwrap();
    assert_eq!(t.write_report().config, Some(WriteCheck::NeedsCode));
}

/// A link that drops the request of exchange `n` on the way (the token never sees it)
/// and reports a timeout, as a reader does.
struct DropRequest<L> {
    inner: L,
    n: usize,
    seen: usize,
}

impl<L: ApduLink> ApduLink for DropRequest<L> {
    fn reader(&self) -> &str {
        self.inner.reader()
    }
    fn atr(&self) -> &[u8] {
        self.inner.atr()
    }
    fn exchange(&mut self, capdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        self.seen += 1;
        if self.seen == self.n + 1 {
            return Err(LinkError::Timeout {
                what: format!("R-APDU from {}", self.inner.reader()),
            });
        }
        self.inner.exchange(capdu)
    }
}

#[test]
fn a_write_that_did_not_arrive_is_a_failure_after_the_read_back() {
    let secret = Secret::from_slice(b"12345678901234567890");
    let (card, hook) = token(Model::OtpcP1, -3600);
    let link = DropRequest {
        inner: InProcess::card(READER, card),
        n: CONFIG,
        seen: 0,
    };
    let mut t = Token2Nfc::new(link).with_host_clock(|| HOST);
    let e = t.program(&request(&secret)).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Link(LinkError::Timeout { .. })),
        "{e}"
    );
    // the read-back showed the old clock: no seed was sent after it
    assert_eq!(hook.writes(), (0, 0));
    assert_eq!(hook.clock().unix_seconds_at(HOST * 1000), HOST - 3600);
}

#[test]
fn slow_flash_writes_behind_an_emulated_pn532_are_confirmed_by_reading_back() {
    let secret = Secret::from_slice(b"pn532-is-a-slow-one!");
    let (card, hook) = token(Model::OtpcP2, 600);
    let card = card.with_write_time(Duration::from_millis(500));
    let field = Field::with(Picc::iso14443_4(
        &[0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66],
        &Token2NfcCard::ats(),
        Box::new(card),
    ));
    let (serial, _dev) = spawn_in_process("pn532-slow", Pn532Emulator::new(field), Faults::new());
    let mut pn = Pn532::new(serial);
    pn.begin().unwrap();
    let target = pn.in_list_passive_target().unwrap().unwrap();
    let mut t = Token2Nfc::new(Pn532ApduLink::new(pn, target)).with_host_clock(|| HOST);
    t.program(&request(&secret)).unwrap();
    assert_eq!(
        t.write_report(),
        WriteReport {
            config: Some(WriteCheck::ConfirmedByClock),
            seed: Some(WriteCheck::NeedsCode),
        }
    );
    // the restricted model wiped its seed at the config write, then took the new one
    assert_eq!(hook.writes(), (1, 1));
    assert_eq!(
        hook.display_code().unwrap(),
        totp(&secret, &OtpParams::default(), HOST).unwrap()
    );
    // management: the device info answers, the rest is refused with the reason
    let info = t.device_info().unwrap();
    assert_eq!(
        (info.model.as_deref(), info.clock),
        (Some("OTPC-P2-i"), Some(HOST))
    );
    assert!(!t.management().list);
    for e in [
        t.inventory().map(drop).unwrap_err(),
        t.delete(&SlotRef::Slot(0)).unwrap_err(),
        t.rename(&SlotRef::Slot(0), "x").unwrap_err(),
        t.factory_reset().map(drop).unwrap_err(),
    ] {
        assert!(
            matches!(
                e,
                DeviceError::CannotManage {
                    why: ManagementRefusal::NothingReadable
                        | ManagementRefusal::NoEraseCommand
                        | ManagementRefusal::NoNameStored,
                    ..
                }
            ),
            "{e}"
        );
    }
}
