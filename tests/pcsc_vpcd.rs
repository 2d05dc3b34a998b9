//! The PC/SC backend against the real pcscd, with emulated cards served through
//! vsmartcard-vpcd (reader-protocols.md §7). Run one at a time: each test takes the
//! vpcd slots for itself (a global lock, and `--test-threads=1` in `make test-hw`).
//!
//! Needs `make deps pcscd`. Without pcscd or the Virtual PCD readers the tests FAIL
//! under `CI=true` and are skipped with a loud message elsewhere.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pcsc::{insert_card as insert, remove_card as remove_and_wait};

use std::sync::mpsc;
use std::time::Duration;

use tokenstation::devices::pcsc_uid::PcscUidReader;
use tokenstation::devices::pcsc_uid::protocol::ContactlessAtr;
use tokenstation::devices::registry;
use tokenstation::emulator::VirtualCard;
use tokenstation::emulator::fault::{Fault, Faults};
use tokenstation::emulator::field::Field;
use tokenstation::emulator::pcsc_uid::{ContactlessCard, Quirks};
use tokenstation::emulator::picc::{DemoApplet, Picc};
use tokenstation::emulator::vpcd::{CardField, VPCD_PORT_0, VPCD_PORT_1, VpcdBridge};
use tokenstation::transport::discovery::HwEvent;
use tokenstation::transport::pcsc::{CardWait, PcscContext};
use tokenstation::transport::{Apdu, ApduLink, LinkError, StatusWord};

const WAIT: Option<Duration> = Some(Duration::from_secs(10));
const UID: [u8; 7] = [0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0x80];

/// The pcscd context, or `None` (skip) outside CI when the stack is missing.
fn stack() -> Option<(common::pcsc::Slots, PcscContext)> {
    common::pcsc::stack("Virtual PCD 00 00")
}

fn card_field(card: impl VirtualCard + 'static) -> CardField {
    Field::with(Box::new(card) as Box<dyn VirtualCard>)
}

#[test]
fn insert_read_uid_and_remove_through_pcscd() {
    let Some((_g, ctx)) = stack() else { return };
    let expected_atr = ContactlessCard::with_uid(&UID).atr();
    let (field, _faults, bridge) = insert(&ctx, VPCD_PORT_0, ContactlessCard::with_uid(&UID));

    let listed = ctx.readers().unwrap();
    let r = listed
        .iter()
        .find(|r| r.name == "Virtual PCD 00 00")
        .unwrap();
    assert_eq!(
        r.card.as_ref().map(|c| c.atr.clone()),
        Some(expected_atr.clone())
    );
    assert_eq!(
        registry::recognise_atr(&expected_atr).family,
        Some(registry::Family::PcscUid)
    );

    let link = ctx.connect("Virtual PCD 00 00").unwrap();
    assert_eq!(link.atr(), expected_atr.as_slice());
    let mut reader = PcscUidReader::new(link);
    assert_eq!(reader.read_uid().unwrap().as_bytes(), UID);
    assert_eq!(
        reader.read_ats().unwrap(),
        None,
        "storage card has no ATS (6A81)"
    );
    assert!(matches!(
        reader.card(),
        Some(ContactlessAtr::Storage { card_name: 3, .. })
    ));

    let mut link = reader.into_inner();
    let r = link
        .transmit(&Apdu::new(0x00, 0xA4, 0x04, 0x00).le(256))
        .unwrap();
    assert_eq!(r.sw, StatusWord::InsNotSupported);
    let r = link
        .transmit(&Apdu::new(0xFF, 0x00, 0x40, 0x50).data([5, 5, 3, 1]))
        .unwrap();
    assert_eq!(r.sw, StatusWord::Success);
    drop(link);
    remove_and_wait(&ctx, &field, bridge);
}

#[test]
fn wrong_length_6c_and_get_response_61_are_followed() {
    let Some((_g, ctx)) = stack() else { return };
    // Newer readers: Le too small → 6C07; the link re-sends with Le 7.
    let (field, _f, bridge) = insert(&ctx, VPCD_PORT_0, ContactlessCard::with_uid(&UID));
    let mut link = ctx.connect(&bridge.reader_name()).unwrap();
    let r = link.transmit(&Apdu::new(0xFF, 0xCA, 0, 0).le(4)).unwrap();
    assert_eq!((r.data.as_slice(), r.sw), (&UID[..], StatusWord::Success));
    drop(link);
    remove_and_wait(&ctx, &field, bridge);

    // Old firmware: 61xx and GET RESPONSE FF C0 00 00 xx.
    let old = ContactlessCard::with_uid(&UID).quirks(Quirks {
        get_response_61xx: true,
        ..Quirks::default()
    });
    let (field, _f, bridge) = insert(&ctx, VPCD_PORT_0, old);
    let mut reader = PcscUidReader::new(ctx.connect(&bridge.reader_name()).unwrap());
    assert_eq!(reader.read_uid().unwrap().as_bytes(), UID);
    drop(reader);
    remove_and_wait(&ctx, &field, bridge);
}

#[test]
fn iso14443_4_card_with_applet_on_second_slot() {
    let Some((_g, ctx)) = stack() else { return };
    let ats = [0x06, 0x75, 0x77, 0x81, 0x02, 0x80];
    let card = ContactlessCard::new(Picc::iso14443_4(&UID, &ats, Box::new(DemoApplet)));
    let (field, _f, bridge) = insert(&ctx, VPCD_PORT_1, card);
    assert_eq!(bridge.reader_name(), "Virtual PCD 00 01");
    let link = ctx.connect("Virtual PCD 00 01").unwrap();
    assert_eq!(link.atr(), [0x3B, 0x81, 0x80, 0x01, 0x80, 0x80]);
    let mut reader = PcscUidReader::new(link);
    assert_eq!(reader.read_ats().unwrap(), Some(ats.to_vec()));
    let mut link = reader.into_inner();
    let select = Apdu::new(0x00, 0xA4, 0x04, 0x00).data([0xA0, 0x00, 0x00, 0x05, 0x27]);
    assert!(link.transmit(&select).unwrap().is_ok());
    let r = link.transmit(&Apdu::new(0x00, 0x01, 0, 0).le(256)).unwrap();
    assert_eq!(r.data, vec![0xDE, 0xAD]);
    drop(link);
    remove_and_wait(&ctx, &field, bridge);
}

#[test]
fn card_removed_mid_command_is_a_typed_error_naming_the_reader() {
    let Some((_g, ctx)) = stack() else { return };
    let (field, faults, bridge) = insert(&ctx, VPCD_PORT_0, ContactlessCard::with_uid(&UID));
    let mut link = ctx.connect(&bridge.reader_name()).unwrap();
    faults.push(Fault::RemoveCard);
    let err = link
        .transmit(&Apdu::new(0xFF, 0xCA, 0, 0).le(256))
        .unwrap_err();
    assert!(
        matches!(&err, LinkError::CardRemoved { reader } if reader == "Virtual PCD 00 00"),
        "{err:?}"
    );
    assert!(err.to_string().contains("Virtual PCD 00 00"));
    // Later commands keep failing cleanly, and the reader shows empty.
    assert!(link.transmit(&Apdu::new(0xFF, 0xCA, 0, 0).le(256)).is_err());
    drop(link);
    assert_eq!(
        ctx.wait_for("Virtual PCD 00 00", false, WAIT).unwrap(),
        CardWait::Empty
    );
    assert!(!field.is_occupied());
    bridge.stop();
}

#[test]
fn empty_and_unknown_readers_are_typed_errors() {
    let Some((_g, ctx)) = stack() else { return };
    match ctx.connect("Virtual PCD 00 01") {
        Err(LinkError::NoCard { reader }) => assert_eq!(reader, "Virtual PCD 00 01"),
        Err(e) => panic!("expected NoCard, got {e:?}"),
        Ok(_) => panic!("connected to an empty reader"),
    }
    assert!(matches!(
        ctx.connect("No Such Reader 00 00"),
        Err(LinkError::ReaderNotFound(name)) if name == "No Such Reader 00 00"
    ));
}

#[test]
fn watch_reports_insert_and_remove_as_they_happen() {
    let Some((_g, ctx)) = stack() else { return };
    let (tx, rx) = mpsc::channel();
    let watcher = ctx.clone();
    let cancel = ctx.canceller();
    let thread = std::thread::spawn(move || watcher.watch(false, |e| tx.send(e).is_ok()));
    // Give the watcher its baseline (it reports nothing initial), then tap twice.
    std::thread::sleep(Duration::from_millis(300));
    let field: CardField = Field::empty();
    let bridge = VpcdBridge::spawn(VPCD_PORT_0, field.clone(), Faults::new());
    for uid in [&UID[..], &[0xDE, 0xAD, 0xBE, 0xEF][..]] {
        let card = ContactlessCard::with_uid(uid);
        let atr = card.atr();
        field.place(Box::new(card));
        let ev = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(
            ev,
            HwEvent::CardInserted {
                reader: "Virtual PCD 00 00".into(),
                atr
            }
        );
        field.take();
        let ev = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(
            ev,
            HwEvent::CardRemoved {
                reader: "Virtual PCD 00 00".into()
            }
        );
    }
    cancel.cancel();
    thread.join().unwrap().unwrap();
    bridge.stop();
}

fn bin() -> std::process::Command {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("tokenstation"))
}

#[test]
fn cli_hw_list_reads_the_card_uid() {
    let Some((_g, ctx)) = stack() else { return };
    let (field, _f, bridge) = insert(&ctx, VPCD_PORT_0, ContactlessCard::with_uid(&UID));
    let out = bin().args(["hw", "list", "--json"]).output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reader = v["pcsc"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Virtual PCD 00 00")
        .unwrap()
        .clone();
    assert_eq!(reader["card"]["uid"], "04A1B2C3D4E580", "{v}");
    assert_eq!(reader["card"]["family"], "pcsc-uid");
    let text = bin().args(["hw", "list"]).output().unwrap();
    assert!(
        String::from_utf8(text.stdout)
            .unwrap()
            .contains("UID:  04A1B2C3D4E580")
    );
    remove_and_wait(&ctx, &field, bridge);
}

#[test]
fn cli_hw_watch_prints_events_as_they_happen() {
    use std::io::{BufRead, BufReader};
    let Some((_g, _ctx)) = stack() else { return };
    let mut child = bin()
        .args([
            "hw",
            "watch",
            "--json",
            "--initial",
            "--max-events",
            "4",
            "--timeout",
            "30",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The two Virtual PCD readers, reported at start: the watch is running.
    for _ in 0..2 {
        let l = lines.next().unwrap().unwrap();
        assert!(
            l.contains("reader_added") && l.contains("Virtual PCD"),
            "{l}"
        );
    }
    let field = card_field(ContactlessCard::with_uid(&UID));
    let bridge = VpcdBridge::spawn(VPCD_PORT_0, field.clone(), Faults::new());
    let l = lines.next().unwrap().unwrap();
    assert!(
        l.contains("card_inserted") && l.contains("Virtual PCD 00 00"),
        "{l}"
    );
    field.take();
    let l = lines.next().unwrap().unwrap();
    assert!(
        l.contains("card_removed") && l.contains("Virtual PCD 00 00"),
        "{l}"
    );
    assert!(child.wait().unwrap().success());
    bridge.stop();
}

#[test]
fn cli_emulate_puts_a_card_into_pcscd() {
    let Some((_g, ctx)) = stack() else { return };
    let mut child = bin()
        .args([
            "emulate",
            "--card",
            "DEADBEEF",
            "--vpcd-slot",
            "1",
            "--for",
            "30",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(matches!(
        ctx.wait_for("Virtual PCD 00 01", true, WAIT).unwrap(),
        CardWait::Present(_)
    ));
    let mut reader = PcscUidReader::new(ctx.connect("Virtual PCD 00 01").unwrap());
    assert_eq!(
        reader.read_uid().unwrap().as_bytes(),
        [0xDE, 0xAD, 0xBE, 0xEF]
    );
    drop(reader);
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(child.wait().unwrap().success());
    assert_eq!(
        ctx.wait_for("Virtual PCD 00 01", false, WAIT).unwrap(),
        CardWait::Empty
    );
}
