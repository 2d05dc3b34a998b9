//! Serial drivers through real pseudo-terminals: emulators on the PTY master, drivers
//! opening `/dev/pts/N` through serialport (reader-protocols.md §8).
#![cfg(feature = "serial")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tokenstation::devices::pn532::Pn532;
use tokenstation::devices::rdm6300::{Rdm6300, Tag};
use tokenstation::devices::{DeviceError, Uid};
use tokenstation::emulator::fault::{Fault, Faults};
use tokenstation::emulator::field::Field;
use tokenstation::emulator::picc::Picc;
use tokenstation::emulator::pn532::Pn532Emulator;
use tokenstation::emulator::pty::PtyBridge;
use tokenstation::emulator::rdm6300::Rdm6300Emulator;
use tokenstation::transport::LinkError;
use tokenstation::transport::serial::SerialPortLink;

#[test]
fn pn532_on_a_pty() {
    let field = Field::empty();
    let faults = Faults::new();
    let pty = PtyBridge::spawn(Pn532Emulator::new(field.clone()), faults.clone()).unwrap();
    let path = pty.path().to_string_lossy().into_owned();
    assert!(path.starts_with("/dev/pts/"), "{path}");
    let link = SerialPortLink::open(&path, 115_200).unwrap();
    // The port is exclusive: a second opener is told it is busy.
    assert!(matches!(
        SerialPortLink::open(&path, 115_200),
        Err(LinkError::Busy { .. })
    ));
    let mut pn = Pn532::new(link);
    pn.begin().unwrap();
    assert_eq!(pn.read_uid().unwrap(), None);
    field.place(Picc::storage(&[0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]));
    assert_eq!(
        pn.read_uid().unwrap(),
        Some(Uid(vec![0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]))
    );
    // The module is unplugged: the next command fails at once, naming the port.
    faults.push(Fault::Disconnect);
    std::thread::sleep(Duration::from_millis(100));
    let e = pn.read_uid().unwrap_err();
    assert!(
        matches!(e, DeviceError::Link(LinkError::Disconnected { .. })),
        "{e}"
    );
    assert!(e.to_string().contains(&path));
}

#[test]
fn rdm6300_on_a_pty() {
    let tag = Tag {
        version: 0x0A,
        id: 0x00B1_C2D3,
    };
    let field = Field::empty();
    let faults = Faults::new();
    let emu = Rdm6300Emulator::new(field.clone()).repeat_every(Duration::from_millis(40));
    let pty = PtyBridge::spawn(emu, faults.clone()).unwrap();
    let link = SerialPortLink::open(&pty.path().to_string_lossy(), 9600).unwrap();
    let mut r = Rdm6300::new(link).unwrap();
    assert_eq!(r.read_frame(Duration::from_millis(150)).unwrap(), None);
    field.place(tag);
    assert_eq!(r.read_tag(Duration::from_secs(2)).unwrap(), Some(tag));
    faults.push(Fault::Truncate(9));
    faults.push(Fault::Pass);
    // A cut frame followed by a whole one: one typed error, then the tag.
    let mut errors = 0;
    let got = loop {
        match r.read_frame(Duration::from_secs(2)) {
            Ok(Some(t)) => break t,
            Ok(None) => panic!("no frame"),
            Err(DeviceError::Frame { .. }) => errors += 1,
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!((got, errors), (tag, 1));
    pty.stop();
    let e = loop {
        match r.read_frame(Duration::from_millis(500)) {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert!(
        matches!(e, DeviceError::Link(LinkError::Disconnected { .. })),
        "{e}"
    );
}

#[test]
fn missing_port_is_reader_not_found() {
    assert!(matches!(
        SerialPortLink::open("/dev/ttyNOPE9", 9600),
        Err(LinkError::ReaderNotFound(p)) if p == "/dev/ttyNOPE9"
    ));
}
