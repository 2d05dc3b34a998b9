//! Replays every `firmware-protocols/<family>/*.transcript` against the family's driver
//! (through a scripted link that checks every byte the driver sends) and against its
//! emulator (which must answer exactly as recorded). `! driver skip` / `! emulator skip`
//! mark transcripts that only one side can replay (refusals a driver never provokes,
//! line noise an emulator makes only on request).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::transcripts::{load, skip};

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use tokenstation::devices::Uid;
use tokenstation::devices::pcsc_uid::PcscUidReader;
use tokenstation::devices::pn532::protocol::{self as pn, Decoded, Frame};
use tokenstation::devices::pn532::{Pn532, Pn532ApduLink, Target};
use tokenstation::devices::rdm6300::{Rdm6300, Tag};
use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::pcsc_uid::{ContactlessCard, Quirks};
use tokenstation::emulator::picc::{DemoApplet, Picc};
use tokenstation::emulator::pn532::Pn532Emulator;
use tokenstation::emulator::rdm6300::Rdm6300Emulator;
use tokenstation::emulator::serial::VirtualSerialDevice;
use tokenstation::emulator::vpcd::VpcdBridge;
use tokenstation::emulator::{ApduHandler, VirtualCard};
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
    for t in load("pcsc-uid").iter().filter(|t| !skip(t, "emulator")) {
        let mut card = pcsc_card(t);
        if let Some(atr) = hex_setup(t, "atr") {
            assert_eq!(card.atr(), atr, "{}", t.name);
        }
        replay(t, |req| Ok(card.handle(req.ok_or("unsolicited output")?))).unwrap();
    }
}

#[test]
fn pcsc_uid_driver_sends_what_is_recorded() {
    let mut played = 0;
    for t in load("pcsc-uid").iter().filter(|t| !skip(t, "driver")) {
        let uid = hex_setup(t, "uid").unwrap();
        let mut link = ScriptedApduLink::new("scripted reader", t);
        while let Some(next) = link.next_request().map(<[u8]>::to_vec) {
            let mut reader = PcscUidReader::new(&mut link);
            match next.as_slice() {
                [0xFF, 0xCA, 0x00, ..] => assert_eq!(reader.read_uid().unwrap(), Uid(uid.clone())),
                [0xFF, 0xCA, 0x01, ..] => assert_eq!(reader.read_ats().unwrap(), None),
                other => panic!("{}: no driver call sends {other:02X?}", t.name),
            }
        }
        assert_eq!(link.remaining(), 0, "{}", t.name);
        played += 1;
    }
    assert!(played >= 2);
}

// ---------------------------------------------------------------- pn532

fn pn532_field(t: &Transcript) -> Field<Picc> {
    let field = Field::empty();
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
    for t in load("pn532").iter().filter(|t| !skip(t, "emulator")) {
        let mut emu = Pn532Emulator::new(pn532_field(t));
        let now = Instant::now();
        replay(t, |req| {
            Ok(emu.receive(req.ok_or("unsolicited output")?, now).concat())
        })
        .unwrap();
    }
}

#[test]
fn pn532_driver_sends_what_is_recorded() {
    let mut played = 0;
    for t in load("pn532").iter().filter(|t| !skip(t, "driver")) {
        let mut pn = Pn532::new(ScriptedSerialLink::new("scripted-pn532", t));
        pn.set_timeout(Duration::from_millis(200));
        let mut target: Option<Target> = None;
        for req in t.requests().map(<[u8]>::to_vec).collect::<Vec<_>>() {
            if req == pn::WAKE_UP {
                pn.wake_up().unwrap();
                continue;
            }
            let Decoded::Frame {
                frame: Ok(Frame::Info { data, .. }),
                ..
            } = pn::decode(&req)
            else {
                panic!("{}: request is not a command frame", t.name)
            };
            match data.as_slice() {
                [0x14, ..] => pn.sam_configuration().unwrap(),
                [0x02] => assert_eq!(pn.get_firmware_version().unwrap().ic, 0x32),
                [0x32, 0x05, _, _, passive] => pn.set_max_retries(*passive).unwrap(),
                [0x4A, ..] => {
                    target = pn.in_list_passive_target().unwrap();
                    assert_eq!(
                        target.as_ref().map(|t| t.uid.0.clone()),
                        hex_setup(t, "uid")
                    );
                    assert_eq!(
                        target.as_ref().and_then(|t| t.ats.clone()),
                        hex_setup(t, "ats")
                    );
                }
                [0x40, _tg, apdu @ ..] => {
                    let tg = target.clone().unwrap();
                    let mut link = Pn532ApduLink::new(pn, tg);
                    let cmd = Apdu::parse(apdu).unwrap();
                    assert!(link.transmit(&cmd).unwrap().is_ok());
                    pn = link.into_inner();
                }
                other => panic!("{}: no driver call sends {other:02X?}", t.name),
            }
        }
        assert_eq!(pn.link().remaining(), 0, "{}", t.name);
        played += 1;
    }
    assert!(played >= 3);
}

// ---------------------------------------------------------------- rdm6300

fn tag_of(t: &Transcript) -> Tag {
    let b = hex_setup(t, "tag").unwrap();
    Tag::from_bytes(b.try_into().unwrap())
}

#[test]
fn rdm6300_emulator_answers_as_recorded() {
    for t in load("rdm6300").iter().filter(|t| !skip(t, "emulator")) {
        let mut emu = Rdm6300Emulator::new(Field::with(tag_of(t)));
        let mut now = Instant::now();
        replay(t, |req| {
            assert!(req.is_none(), "the RDM6300 takes no input");
            let out = emu.poll(now).concat();
            now += Duration::from_secs(1);
            Ok(out)
        })
        .unwrap();
    }
}

#[test]
fn rdm6300_driver_reads_what_is_recorded() {
    for t in load("rdm6300").iter().filter(|t| !skip(t, "driver")) {
        let mut r = Rdm6300::new(ScriptedSerialLink::new("scripted-rdm", t)).unwrap();
        assert_eq!(
            r.read_tag(Duration::from_millis(500)).unwrap(),
            Some(tag_of(t)),
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
