//! Drivers against emulators, in-process (no feature needed): PN532, RDM6300 and
//! pcsc-uid flows, and every fault turning into a typed error, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tokenstation::devices::pcsc_uid::PcscUidReader;
use tokenstation::devices::pn532::{Pn532, Pn532ApduLink};
use tokenstation::devices::rdm6300::{Rdm6300, Tag};
use tokenstation::devices::{DeviceError, Uid};
use tokenstation::emulator::fault::{Fault, Faults};
use tokenstation::emulator::field::Field;
use tokenstation::emulator::hid::KeyboardWedge;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::pcsc_uid::ContactlessCard;
use tokenstation::emulator::picc::{DemoApplet, Picc};
use tokenstation::emulator::pn532::Pn532Emulator;
use tokenstation::emulator::rdm6300::Rdm6300Emulator;
use tokenstation::emulator::serial::spawn_in_process;
use tokenstation::transport::{Apdu, ApduLink, HidLink, LinkError, Sensitivity, StatusWord};

const UID4: [u8; 4] = [0xDE, 0xAD, 0xBE, 0xEF];
const TAG: Tag = Tag {
    version: 0x0A,
    id: 0x00B1_C2D3,
};

#[test]
fn pn532_polls_reads_uid_and_exchanges_apdus() {
    let field = Field::empty();
    let (link, _dev) = spawn_in_process(
        "pn532-virtual",
        Pn532Emulator::new(field.clone()),
        Faults::new(),
    );
    let mut pn = Pn532::new(link);
    let fw = pn.begin().unwrap();
    assert_eq!((fw.ic, fw.version, fw.revision), (0x32, 1, 6));
    assert_eq!(
        pn.read_uid().unwrap(),
        None,
        "finite MaxRetries: no card → NbTg 0"
    );

    field.place(Picc::storage(&UID4));
    let t = pn.in_list_passive_target().unwrap().unwrap();
    assert_eq!(
        (t.uid.clone(), t.atqa, t.sak, t.ats.clone()),
        (Uid(UID4.to_vec()), [0, 4], 8, None)
    );
    // A storage card does not answer APDUs: PN53x status 01 (timeout).
    let e = pn
        .in_data_exchange(1, &[0x30, 0x04], Sensitivity::Normal)
        .unwrap_err();
    assert!(
        matches!(e, DeviceError::ChipStatus { code: 0x01, .. }),
        "{e}"
    );

    let ats = [0x06, 0x75, 0x77, 0x81, 0x02, 0x80];
    field.place(Picc::iso14443_4(
        &[4, 1, 2, 3, 4, 5, 6],
        &ats,
        Box::new(DemoApplet),
    ));
    let t = pn.in_list_passive_target().unwrap().unwrap();
    assert_eq!(t.ats.as_deref(), Some(&ats[..]));
    let mut apdu = Pn532ApduLink::new(pn, t);
    assert_eq!(apdu.atr(), [0x3B, 0x81, 0x80, 0x01, 0x80, 0x80]);
    let r = apdu.transmit(&Apdu::new(0, 0x01, 0, 0).le(256)).unwrap();
    assert_eq!((r.data, r.sw), (vec![0xDE, 0xAD], StatusWord::Success));
    // The card leaves: the APDU link says so, naming the reader.
    field.take();
    let e = apdu.transmit(&Apdu::new(0, 0x01, 0, 0)).unwrap_err();
    assert!(
        matches!(&e, LinkError::CardRemoved { reader } if reader.contains("pn532-virtual")),
        "{e}"
    );
}

#[test]
fn pn532_faults_become_typed_errors() {
    let field = Field::with(Picc::storage(&UID4));
    let faults = Faults::new();
    let (link, dev) = spawn_in_process("pn532-faulty", Pn532Emulator::new(field), faults.clone());
    let mut pn = Pn532::new(link);
    pn.set_timeout(Duration::from_millis(300));
    pn.begin().unwrap();

    // Faults apply per frame and the ACK comes first: let it pass, damage the reply
    // once; the driver NACKs and gets the reply again.
    faults.push(Fault::Pass);
    faults.push(Fault::Corrupt {
        from_end: 2,
        xor: 0x01,
    });
    assert_eq!(pn.read_uid().unwrap(), Some(Uid(UID4.to_vec())));

    // Damaged twice: typed checksum error naming the port.
    faults.push(Fault::Pass);
    faults.push(Fault::Corrupt {
        from_end: 2,
        xor: 0x01,
    });
    faults.push(Fault::Corrupt {
        from_end: 2,
        xor: 0x01,
    });
    let e = pn.read_uid().unwrap_err();
    assert!(
        matches!(e, DeviceError::Checksum { what: "DCS", .. }),
        "{e}"
    );
    assert!(e.to_string().contains("pn532-faulty"));

    // Truncated reply: timeout.
    faults.push(Fault::Pass);
    faults.push(Fault::Truncate(7));
    let e = pn.read_uid().unwrap_err();
    assert!(
        matches!(e, DeviceError::Link(LinkError::Timeout { .. })),
        "{e}"
    );

    // No ACK at all (garbage instead): unexpected frame or timeout, never a panic.
    faults.push(Fault::Garbage(vec![
        0x13, 0x37, 0x00, 0xFF, 0x03, 0xFC, 0xD5,
    ]));
    assert!(pn.read_uid().is_err());

    // Unplugged: disconnected.
    faults.push(Fault::Disconnect);
    let e = pn.read_uid().unwrap_err();
    assert!(
        matches!(e, DeviceError::Link(LinkError::Disconnected { .. })),
        "{e}"
    );
    drop(dev);
}

#[test]
fn rdm6300_reads_repeats_and_resynchronises() {
    let field = Field::empty();
    let faults = Faults::new();
    let emu = Rdm6300Emulator::new(field.clone()).repeat_every(Duration::from_millis(30));
    let (link, _dev) = spawn_in_process("rdm-virtual", emu, faults.clone());
    let mut r = Rdm6300::new(link).unwrap();
    assert_eq!(r.read_frame(Duration::from_millis(100)).unwrap(), None);
    field.place(TAG);
    assert_eq!(r.read_frame(Duration::from_secs(2)).unwrap(), Some(TAG));
    assert_eq!(
        r.read_frame(Duration::from_secs(2)).unwrap(),
        Some(TAG),
        "repeats while held"
    );

    // Bad checksum ('A' → 'B' in the last checksum digit): typed, then back in sync.
    faults.push(Fault::Corrupt {
        from_end: 2,
        xor: 0x03,
    });
    let mut saw_checksum = false;
    for _ in 0..3 {
        match r.read_frame(Duration::from_secs(2)) {
            Err(DeviceError::Checksum { what: "XOR", .. }) => saw_checksum = true,
            Ok(Some(t)) => assert_eq!(t, TAG),
            other => panic!("{other:?}"),
        }
    }
    assert!(saw_checksum);
    // Garbage and a cut frame: errors, then the next good frame.
    faults.push(Fault::Garbage(vec![0xFF, 0x00, 0x02, b'0', b'A']));
    assert_eq!(r.read_tag(Duration::from_secs(2)).unwrap(), Some(TAG));
    field.take();
    std::thread::sleep(Duration::from_millis(80));
    faults.push(Fault::Disconnect);
    let e = loop {
        match r.read_frame(Duration::from_millis(200)) {
            Err(e) => break e,
            Ok(_) => continue,
        }
    };
    assert!(
        matches!(&e, DeviceError::Link(LinkError::Disconnected { reader }) if reader == "rdm-virtual"),
        "{e}"
    );
}

#[test]
fn pcsc_uid_in_process_with_faults() {
    let mut link = InProcess::card("Virtual Reader 0", ContactlessCard::with_uid(&UID4));
    let faults = link.faults();
    assert_eq!(
        PcscUidReader::new(&mut link).read_uid().unwrap(),
        Uid(UID4.to_vec())
    );
    faults.push(Fault::Garbage(vec![0x90]));
    let e = PcscUidReader::new(&mut link).read_uid().unwrap_err();
    assert!(
        matches!(e, DeviceError::Link(LinkError::Protocol { .. })),
        "{e}"
    );
    faults.push(Fault::Silence);
    let e = PcscUidReader::new(&mut link).read_uid().unwrap_err();
    assert!(
        matches!(e, DeviceError::Link(LinkError::Timeout { .. })),
        "{e}"
    );
    faults.push(Fault::Garbage(vec![0x63, 0x00]));
    let e = PcscUidReader::new(&mut link).read_uid().unwrap_err();
    assert!(
        matches!(
            e,
            DeviceError::Status {
                sw: StatusWord::Failed,
                ..
            }
        ),
        "{e}"
    );
    faults.push(Fault::RemoveCard);
    let e = PcscUidReader::new(&mut link).read_uid().unwrap_err();
    assert!(e.to_string().contains("Virtual Reader 0"), "{e}");
    assert!(matches!(
        e,
        DeviceError::Link(LinkError::CardRemoved { .. })
    ));
    link.reinsert();
    assert!(PcscUidReader::new(&mut link).read_uid().is_ok());
    faults.push(Fault::Disconnect);
    assert!(matches!(
        PcscUidReader::new(&mut link).read_uid(),
        Err(DeviceError::Link(LinkError::Disconnected { .. }))
    ));
}

#[test]
fn hid_wedge_reports_through_hid_link() {
    let mut link = InProcess::hid("/dev/hidraw-virtual (wedge)", KeyboardWedge::new());
    link.device_mut().tap_em4100(TAG.id);
    let mut typed = String::new();
    while let Some(r) = link
        .read_report(Duration::from_millis(10), Sensitivity::Normal)
        .unwrap()
    {
        let Some(&usage) = r.get(2) else { continue };
        typed.push(match usage {
            0x1E..=0x26 => char::from(b'1' + usage - 0x1E),
            0x27 => '0',
            0x28 => '\n',
            0 => continue,
            other => panic!("unexpected usage {other:#x}"),
        });
    }
    assert_eq!(typed, format!("{}\n", TAG.decimal()));
    assert!(matches!(
        link.get_feature_report(0, 8, Sensitivity::Normal),
        Err(LinkError::Protocol { .. })
    ));
    link.faults().push(Fault::Disconnect);
    link.device_mut().type_text("1");
    assert!(matches!(
        link.read_report(Duration::ZERO, Sensitivity::Normal),
        Err(LinkError::Disconnected { .. })
    ));
}
