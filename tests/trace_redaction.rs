//! Frames are traced as hex at trace level; frames of sensitive commands (seed writes)
//! as `[REDACTED n bytes]`, on every link kind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::link::InProcess;
use tokenstation::emulator::pcsc_uid::ContactlessCard;
use tokenstation::emulator::pn532::Pn532Emulator;
use tokenstation::emulator::serial::spawn_in_process;
use tokenstation::transport::{Apdu, ApduLink, Sensitivity, SerialLink};

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

/// Runs `f` and returns the trace log of this test binary so far. One global subscriber:
/// thread-local ones can miss events when tests in parallel threads cache the callsites'
/// interest first (tracing's interest cache). The log mixes the tests' output, which
/// both assertions tolerate (frames that must be there, seeds that must not).
fn traced(f: impl FnOnce()) -> String {
    static LOG: std::sync::OnceLock<Buf> = std::sync::OnceLock::new();
    let buf = LOG.get_or_init(|| {
        let buf = Buf::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buf
    });
    f();
    String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned()
}

#[test]
fn apdu_frames_are_hex_unless_sensitive() {
    let out = traced(|| {
        let mut link = InProcess::card("Virtual Reader", ContactlessCard::with_uid(&[1, 2, 3, 4]));
        link.transmit(&Apdu::new(0xFF, 0xCA, 0, 0).le(256)).unwrap();
        let seed = Apdu::new(0x00, 0x01, 0, 0).data(vec![0x5A; 20]).sensitive();
        link.transmit(&seed).unwrap();
    });
    assert!(out.contains(">> FF CA 00 00 00"), "{out}");
    assert!(out.contains("<< 01 02 03 04 90 00"), "{out}");
    assert!(out.contains(">> [REDACTED 25 bytes]"), "{out}");
    assert!(out.contains("<< [REDACTED 2 bytes]"), "{out}");
    assert!(!out.contains("5A 5A"), "seed bytes leaked: {out}");
}

#[test]
fn serial_frames_are_hex_unless_sensitive() {
    let (mut link, _dev) = spawn_in_process(
        "pn532-trace",
        Pn532Emulator::new(Field::empty()),
        Faults::new(),
    );
    let out = traced(|| {
        link.write(&[0x55, 0x55, 0x00, 0x00, 0x00], Sensitivity::Normal)
            .unwrap();
        link.write(&[0xA5; 8], Sensitivity::Sensitive).unwrap();
        let mut b = [0u8; 16];
        let _ = link.read(&mut b, Duration::from_millis(50), Sensitivity::Normal);
    });
    assert!(out.contains(">> 55 55 00 00 00"), "{out}");
    assert!(out.contains(">> [REDACTED 8 bytes]"), "{out}");
    assert!(!out.contains("A5 A5"), "{out}");
}
