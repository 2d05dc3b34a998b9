//! Presence readers × emulators: RDM6300 and PN532 through real pseudo-terminals
//! (opened by `devices::session::open_reader` from their spec strings), the
//! keyboard wedge in-process through `HidLink`. Taps on demand, held cards and tags
//! folded, bursts, garbage, damaged frames, NACK and error frames, disconnects.
#![cfg(feature = "serial")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use tokenstation::devices::hid_wedge::WedgeReader;
use tokenstation::devices::pn532::protocol::ERROR_FRAME;
use tokenstation::devices::presence::ReaderSpec;
use tokenstation::devices::rdm6300::Tag;
use tokenstation::devices::session::open_reader;
use tokenstation::devices::{DeviceError, PresenceReader, Tap, TapKind, Uid};
use tokenstation::emulator::fault::{Fault, Faults};
use tokenstation::emulator::field::Field;
use tokenstation::emulator::hid::KeyboardWedge;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::picc::Picc;
use tokenstation::emulator::pn532::{PiccBurst, Pn532Emulator};
use tokenstation::emulator::pty::PtyBridge;
use tokenstation::emulator::rdm6300::{Rdm6300Emulator, TagBurst};
use tokenstation::transport::LinkError;

fn next_tap(r: &mut dyn PresenceReader, within: Duration) -> Option<Tap> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(t) = r.wait_tap(Duration::from_millis(100)).unwrap() {
            return Some(t);
        }
    }
    None
}

fn disconnected(r: &mut dyn PresenceReader) -> DeviceError {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        assert!(Instant::now() < deadline, "no disconnect seen");
        match r.wait_tap(Duration::from_millis(100)) {
            Ok(_) => continue,
            Err(e) => return e,
        }
    }
}

const TAG: Tag = Tag {
    version: 0x0A,
    id: 0x00B1_C2D3,
};

#[test]
fn rdm6300_taps_folds_resyncs_bursts_and_disconnects() {
    let field = Field::empty();
    let faults = Faults::new();
    let burst = TagBurst::new();
    let emu = Rdm6300Emulator::new(field.clone())
        .repeat_every(Duration::from_millis(60))
        .with_burst(burst.clone(), Duration::from_millis(2));
    let pty = PtyBridge::spawn(emu, faults.clone()).unwrap();
    let spec = ReaderSpec::Rdm6300(pty.path().to_string_lossy().into_owned());
    let mut r = open_reader(&spec).unwrap();
    assert_eq!(r.wait_tap(Duration::from_millis(200)).unwrap(), None);

    // A held tag repeats every 60 ms: one tap.
    field.place(TAG);
    let t = next_tap(r.as_mut(), Duration::from_secs(2)).unwrap();
    assert_eq!(t.kind, TapKind::Tag(Uid(TAG.bytes().to_vec())));
    assert_eq!(t.reader, spec.to_string());
    assert_eq!(next_tap(r.as_mut(), Duration::from_millis(600)), None);
    // Gone (silence longer than 250 ms), then back: a second tap.
    field.take();
    assert_eq!(next_tap(r.as_mut(), Duration::from_millis(400)), None);
    field.place(TAG);
    assert!(next_tap(r.as_mut(), Duration::from_secs(2)).is_some());
    field.take();
    assert_eq!(next_tap(r.as_mut(), Duration::from_millis(400)), None);

    // Noise instead of the first frame of another tag: resynchronised on the repeat.
    let other = Tag {
        version: 0x01,
        id: 42,
    };
    faults.push(Fault::Garbage(b"\x02ZZ\x01noise\x03\xFF".to_vec()));
    field.place(other);
    let t = next_tap(r.as_mut(), Duration::from_secs(2)).unwrap();
    assert_eq!(t.kind, TapKind::Tag(Uid(other.bytes().to_vec())));
    field.take();
    assert_eq!(next_tap(r.as_mut(), Duration::from_millis(400)), None);

    // A burst of 200 different tags back to back: 200 taps, in order.
    let tags: Vec<Tag> = (0..200)
        .map(|i| Tag {
            version: 2,
            id: 1000 + i,
        })
        .collect();
    burst.push_all(tags.iter().copied());
    let mut seen = Vec::new();
    while let Some(t) = next_tap(r.as_mut(), Duration::from_secs(2)) {
        seen.push(t.kind);
    }
    let want: Vec<TapKind> = tags
        .iter()
        .map(|t| TapKind::Tag(Uid(t.bytes().to_vec())))
        .collect();
    assert_eq!(seen, want);

    // Unplugged: the reader says so, naming the port.
    faults.push(Fault::Disconnect);
    let e = disconnected(r.as_mut());
    assert!(
        matches!(e, DeviceError::Link(LinkError::Disconnected { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("/dev/pts/"), "{e}");
}

#[test]
fn pn532_polls_taps_once_recovers_from_bad_frames_and_disconnects() {
    let field = Field::empty();
    let faults = Faults::new();
    let burst = PiccBurst::new();
    let emu = Pn532Emulator::new(field.clone()).with_burst(burst.clone());
    let pty = PtyBridge::spawn(emu, faults.clone()).unwrap();
    let spec = ReaderSpec::Pn532(pty.path().to_string_lossy().into_owned());
    let mut r = open_reader(&spec).unwrap();
    // First use wakes the chip, configures it and polls an empty field.
    assert_eq!(r.wait_tap(Duration::from_millis(300)).unwrap(), None);

    let uid = vec![0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
    field.place(Picc::storage(&uid));
    let t = next_tap(r.as_mut(), Duration::from_secs(2)).unwrap();
    assert_eq!(t.kind, TapKind::Card(Uid(uid.clone())));
    // Held: not again.
    assert_eq!(next_tap(r.as_mut(), Duration::from_millis(300)), None);
    field.take();
    assert_eq!(next_tap(r.as_mut(), Duration::from_millis(200)), None);

    // A damaged reply (bad DCS) is asked for again with a NACK.
    faults.push(Fault::Pass); // the ACK
    faults.push(Fault::Corrupt {
        from_end: 2,
        xor: 0x5A,
    });
    field.place(Picc::storage(&[0xDE, 0xAD, 0xBE, 0xEF]));
    let t = next_tap(r.as_mut(), Duration::from_secs(2)).unwrap();
    assert_eq!(t.kind, TapKind::Card(Uid(vec![0xDE, 0xAD, 0xBE, 0xEF])));
    field.take();
    assert_eq!(next_tap(r.as_mut(), Duration::from_millis(200)), None);

    // An error frame instead of the reply, then garbage instead of an ACK: the reader
    // logs them and the next polls find the card.
    faults.push(Fault::Pass);
    faults.push(Fault::Garbage(ERROR_FRAME.to_vec()));
    faults.push(Fault::Garbage(vec![0xFF, 0x13, 0x00, 0x00, 0x37]));
    field.place(Picc::storage(&[1, 2, 3, 4]));
    let t = next_tap(r.as_mut(), Duration::from_secs(5)).unwrap();
    assert_eq!(t.kind, TapKind::Card(Uid(vec![1, 2, 3, 4])));
    field.take();
    assert_eq!(next_tap(r.as_mut(), Duration::from_millis(200)), None);

    // A burst of 50 cards, one poll each.
    let cards: Vec<Vec<u8>> = (0..50u8).map(|i| vec![0x08, 0, 0, i]).collect();
    burst.push_all(cards.iter().map(|u| Picc::storage(u)));
    let mut seen = Vec::new();
    while let Some(t) = next_tap(r.as_mut(), Duration::from_secs(1)) {
        seen.push(t.kind);
    }
    let want: Vec<TapKind> = cards.into_iter().map(|u| TapKind::Card(Uid(u))).collect();
    assert_eq!(seen, want);

    faults.push(Fault::Disconnect);
    let e = disconnected(r.as_mut());
    assert!(
        matches!(e, DeviceError::Link(LinkError::Disconnected { .. })),
        "{e}"
    );
}

#[test]
fn keyboard_wedge_types_tags_and_codes() {
    let mut wedge = KeyboardWedge::new();
    wedge.tap_em4100(TAG.id);
    wedge.type_text("T1 123456\n\n");
    let link = InProcess::hid("/dev/hidraw-virtual (wedge)", wedge);
    let faults = link.faults();
    let mut r = WedgeReader::new(link);
    let t = r.wait_tap(Duration::from_secs(1)).unwrap().unwrap();
    assert_eq!(t.kind, TapKind::Typed("0011649747".into()));
    assert_eq!(t.reader, "/dev/hidraw-virtual (wedge)");
    assert_eq!(
        r.wait_tap(Duration::from_secs(1)).unwrap().unwrap().kind,
        TapKind::Typed("T1 123456".into())
    );
    assert_eq!(r.wait_tap(Duration::from_millis(50)).unwrap(), None);
    // A burst: 300 tags typed back to back.
    for i in 0..300u32 {
        r.link_mut().device_mut().tap_em4100(i);
    }
    for i in 0..300u32 {
        let t = r.wait_tap(Duration::from_secs(1)).unwrap().unwrap();
        assert_eq!(t.kind, TapKind::Typed(format!("{i:010}")));
    }
    // Unplugged.
    r.link_mut().device_mut().type_text("1\n");
    faults.push(Fault::Disconnect);
    assert!(matches!(
        r.wait_tap(Duration::from_millis(100)),
        Err(DeviceError::Link(LinkError::Disconnected { .. }))
    ));
}
