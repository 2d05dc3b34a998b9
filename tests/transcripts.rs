//! Replays every `firmware-protocols/<family>/*.transcript` of the reader families
//! against the family's driver (through a scripted link that checks every byte the
//! driver sends) and against its emulator (which must answer exactly as recorded).
//! Every transcript replays both ways.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::requests::program_request;

use common::transcripts::load;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use tokenstation::devices::pcsc_uid::PcscUidReader;
use tokenstation::devices::pn532::{Pn532, Pn532ApduLink};
use tokenstation::devices::rdm6300::{Rdm6300, Tag};
use tokenstation::devices::token2_nfc::{Token2Nfc, WriteCheck, WriteReport};
use tokenstation::devices::{DeviceError, Feedback, OtpToken, ProgramRequest, Uid};
use tokenstation::emulator::clock::DeviceClock;
use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::pcsc_uid::{ContactlessCard, Quirks};
use tokenstation::emulator::picc::{DemoApplet, Picc};
use tokenstation::emulator::pn532::Pn532Emulator;
use tokenstation::emulator::rdm6300::Rdm6300Emulator;
use tokenstation::emulator::serial::VirtualSerialDevice;
use tokenstation::emulator::token2_nfc::Token2NfcCard;
use tokenstation::emulator::vpcd::VpcdBridge;
use tokenstation::emulator::{ApduHandler, VirtualCard};
use tokenstation::otp::{OtpParams, Secret};
use tokenstation::transport::Sensitivity;
use tokenstation::transport::scripted::{ScriptedApduLink, ScriptedSerialLink};
use tokenstation::transport::trace::parse_hex;
use tokenstation::transport::transcript::{Transcript, replay};
use tokenstation::transport::{Apdu, ApduLink};

fn hex_setup(t: &Transcript, key: &str) -> Option<Vec<u8>> {
    t.setup(key).map(|h| parse_hex(h).unwrap())
}

// ---------------------------------------------------------------- pcsc-uid

fn pcsc_card(t: &Transcript) -> ContactlessCard {
    let card = ContactlessCard::with_uid(&hex_setup(t, "uid").unwrap());
    if t.setup("quirk") == Some("get-response-61xx") {
        card.quirks(Quirks {
            get_response_61xx: true,
            ..Quirks::default()
        })
    } else {
        card
    }
}

#[test]
fn pcsc_uid_emulator_answers_as_recorded() {
    for t in load("pcsc-uid") {
        let mut card = pcsc_card(&t);
        if let Some(atr) = hex_setup(&t, "atr") {
            assert_eq!(card.atr(), atr, "{}", t.name);
        }
        replay(&t, |req| Ok(card.handle(req.ok_or("unsolicited output")?))).unwrap();
    }
}

#[test]
fn pcsc_uid_driver_sends_what_is_recorded() {
    let mut played = 0;
    for t in load("pcsc-uid") {
        let uid = hex_setup(&t, "uid").unwrap();
        let mut link = ScriptedApduLink::new("scripted reader", &t);
        while let Some(next) = link.next_request().map(<[u8]>::to_vec) {
            let mut reader = PcscUidReader::new(&mut link);
            match next.as_slice() {
                [0xFF, 0xCA, 0x00, ..] => assert_eq!(reader.read_uid().unwrap(), Uid(uid.clone())),
                [0xFF, 0xCA, 0x01, ..] => assert_eq!(reader.read_ats().unwrap(), None),
                [0xFF, 0x00, 0x40, 0x54, ..] => {
                    assert!(reader.feedback(Feedback::Refused).unwrap())
                }
                [0xFF, 0x00, 0x40, 0xA8, ..] => {
                    assert!(reader.feedback(Feedback::Accepted).unwrap())
                }
                other => panic!("{}: no driver call sends {other:02X?}", t.name),
            }
        }
        assert_eq!(link.remaining(), 0, "{}", t.name);
        played += 1;
    }
    assert!(played >= 3);
}

// ---------------------------------------------------------------- pn532

/// A Token2 NFC token as the `! token2 <serial>` setup describes it: fixed challenge,
/// frozen host time, its clock `clock-offset` seconds off, writes taking `write-ms`.
fn token2_card(t: &Transcript, serial: &str) -> Token2NfcCard {
    let ms = t.setup("host-time").unwrap().parse::<i64>().unwrap() * 1000;
    let offset = t
        .setup("clock-offset")
        .map_or(0, |o| o.parse::<i64>().unwrap())
        * 1000;
    let challenge = hex_setup(t, "challenge").unwrap().try_into().unwrap();
    Token2NfcCard::with_serial(serial, DeviceClock::with_offset(ms, offset, 0.0))
        .with_fixed_challenge(challenge)
        .with_frozen_host_time(ms)
        .with_write_time(Duration::from_millis(
            t.setup("write-ms").map_or(0, |w| w.parse().unwrap()),
        ))
}

fn pn532_field(t: &Transcript) -> Field<Picc> {
    let field = Field::empty();
    if let (Some(uid), Some(serial)) = (hex_setup(t, "uid"), t.setup("token2")) {
        let card = token2_card(t, serial);
        field.place(Picc::iso14443_4(
            &uid,
            &Token2NfcCard::ats(),
            Box::new(card),
        ));
        return field;
    }
    if let Some(uid) = hex_setup(t, "uid") {
        field.place(match hex_setup(t, "ats") {
            Some(ats) => Picc::iso14443_4(&uid, &ats, Box::new(DemoApplet)),
            None => Picc::storage(&uid),
        });
    }
    field
}

#[test]
fn pn532_emulator_answers_as_recorded() {
    for t in load("pn532") {
        let mut emu = Pn532Emulator::new(pn532_field(&t));
        if let Some(n) = t.setup("chunk") {
            emu = emu.with_exchange_chunk(n.parse().unwrap());
        }
        let now = Instant::now();
        replay(&t, |req| {
            Ok(emu.receive(req.ok_or("unsolicited output")?, now).concat())
        })
        .unwrap();
    }
}

/// What the driver does for each PN532 transcript, by file name; gives the PN532 back.
fn drive_pn532(
    name: &str,
    t: &Transcript,
    mut pn: Pn532<ScriptedSerialLink>,
) -> Pn532<ScriptedSerialLink> {
    let uid = hex_setup(t, "uid");
    match name {
        "begin-and-poll" => {
            assert_eq!(pn.begin().unwrap().ic, 0x32);
            let target = pn.in_list_passive_target().unwrap().unwrap();
            assert_eq!(Some(target.uid.0), uid);
        }
        "errors" => {
            let e = pn.in_data_exchange(1, &[0x00, 0xA4, 0x04, 0x00], Sensitivity::Normal);
            assert!(
                matches!(e, Err(DeviceError::ChipStatus { code: 0x27, .. })),
                "{e:?}"
            );
            let e = pn.command_with(0x7E, &[], "command 7E", Sensitivity::Normal);
            assert!(matches!(e, Err(DeviceError::ErrorFrame { .. })), "{e:?}");
        }
        "no-card" => {
            pn.set_max_retries(2).unwrap();
            assert_eq!(pn.in_list_passive_target().unwrap(), None);
        }
        "in-data-exchange" | "mi-continuation" => {
            pn.set_max_retries(2).unwrap();
            let target = pn.in_list_passive_target().unwrap().unwrap();
            assert_eq!(Some(target.uid.0.clone()), uid);
            assert_eq!(target.ats, hex_setup(t, "ats"));
            let answer = pn
                .in_data_exchange(target.tg, &[0x00, 0x01, 0x00, 0x00], Sensitivity::Normal)
                .unwrap();
            assert_eq!(answer, [0xDE, 0xAD, 0x90, 0x00]);
        }
        "token2-slow-write" => {
            pn.set_max_retries(2).unwrap();
            let target = pn.in_list_passive_target().unwrap().unwrap();
            let now = t.setup("host-time").unwrap().parse::<i64>().unwrap();
            let link = Pn532ApduLink::new(pn, target);
            let mut token = Token2Nfc::new(link).with_host_clock(move || now);
            let seed = Secret::from_slice(b"12345678901234567890");
            token.program(&token2_request(&seed)).unwrap();
            assert_eq!(
                token.write_report(),
                WriteReport {
                    config: Some(WriteCheck::ConfirmedByClock),
                    seed: Some(WriteCheck::NeedsCode),
                }
            );
            return token.into_inner().into_inner();
        }
        "power-down" => {
            assert_eq!(pn.get_firmware_version().unwrap().ic, 0x32);
            pn.power_down().unwrap();
            assert!(pn.is_low_power());
            assert_eq!(pn.get_firmware_version().unwrap().ic, 0x32);
        }
        other => panic!("{other}: no driver script for this transcript"),
    }
    pn
}

fn token2_request(secret: &Secret) -> ProgramRequest<'_> {
    program_request(None, "", secret, OtpParams::default())
}

#[test]
fn pn532_driver_sends_what_is_recorded() {
    let mut played = 0;
    for t in load("pn532") {
        let name = t.name.rsplit('/').next().unwrap_or_default();
        let name = name.trim_end_matches(".transcript").to_string();
        let mut pn = Pn532::new(ScriptedSerialLink::new("scripted-pn532", &t));
        pn.set_timeout(Duration::from_millis(200));
        let pn = drive_pn532(&name, &t, pn);
        assert_eq!(pn.link().remaining(), 0, "{}", t.name);
        played += 1;
    }
    assert!(played >= 7);
}

#[test]
fn pn532_carries_apdus_for_apdu_families() {
    // the ApduLink over InDataExchange, against the in-data-exchange transcript
    let t = load("pn532")
        .into_iter()
        .find(|t| t.name.contains("mi-continuation"))
        .unwrap();
    let mut pn = Pn532::new(ScriptedSerialLink::new("scripted-pn532", &t));
    pn.set_timeout(Duration::from_millis(200));
    pn.set_max_retries(2).unwrap();
    let target = pn.in_list_passive_target().unwrap().unwrap();
    let mut link = Pn532ApduLink::new(pn, target);
    let r = link.transmit(&Apdu::new(0x00, 0x01, 0x00, 0x00)).unwrap();
    assert_eq!((r.is_ok(), r.data), (true, vec![0xDE, 0xAD]));
    assert_eq!(link.into_inner().link().remaining(), 0);
}

// ---------------------------------------------------------------- rdm6300

fn tag_of(t: &Transcript) -> Tag {
    let b = hex_setup(t, "tag").unwrap();
    Tag::from_bytes(b.try_into().unwrap())
}

#[test]
fn rdm6300_emulator_answers_as_recorded() {
    for t in load("rdm6300") {
        let mut emu = Rdm6300Emulator::new(Field::with(tag_of(&t)));
        if let Some(noise) = hex_setup(&t, "noise") {
            emu.line_noise(&noise);
        }
        if let Some(n) = t.setup("cut") {
            emu.cut_next_frame(n.parse().unwrap());
        }
        // one poll per recorded frame: noise, a cut frame and whole frames each come
        // out of their own poll
        let mut now = Instant::now();
        for ex in &t.exchanges {
            assert!(ex.request.is_none(), "the RDM6300 takes no input");
            for want in &ex.responses {
                assert_eq!(&emu.poll(now).concat(), want, "{}:{}", t.name, ex.line);
                now += Duration::from_secs(1);
            }
        }
    }
}

#[test]
fn rdm6300_driver_reads_what_is_recorded() {
    for t in load("rdm6300") {
        let mut r = Rdm6300::new(ScriptedSerialLink::new("scripted-rdm", &t)).unwrap();
        assert_eq!(
            r.read_tag(Duration::from_millis(500)).unwrap(),
            Some(tag_of(&t)),
            "{}",
            t.name
        );
        assert_eq!(r.link().remaining(), 0, "{}", t.name);
    }
}

// ---------------------------------------------------------------- vpcd

#[test]
fn vpcd_bridge_speaks_as_recorded() {
    for t in load("vpcd") {
        // Play vpcd's side: listen where the bridge connects, send `>` bytes, expect `<`.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let card: Box<dyn VirtualCard> =
            Box::new(ContactlessCard::with_uid(&hex_setup(&t, "uid").unwrap()));
        let field = Field::with(card);
        let bridge = VpcdBridge::spawn(port, field.clone(), Faults::new());
        let (mut sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        for ex in &t.exchanges {
            sock.write_all(ex.request.as_deref().unwrap()).unwrap();
            let want = ex.response_bytes();
            let mut got = vec![0u8; want.len()];
            sock.read_exact(&mut got).unwrap();
            assert_eq!(got, want, "{}:{}", t.name, ex.line);
        }
        // Taking the card away closes the connection: that is "card removed" to vpcd.
        field.take();
        let mut rest = Vec::new();
        sock.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
        bridge.stop();
    }
}
