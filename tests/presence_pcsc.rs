//! PC/SC presence through the real pcscd with cards served by vsmartcard-vpcd
//! (reader-protocols.md §4, §7): insert and remove from status changes, the UID by
//! GET DATA, one tap per presentation, LED/buzzer feedback where the reader has it
//! (and silently skipped where it does not), and the `kiosk` binary on a vpcd reader.
//!
//! Needs `make deps pcscd`. Without pcscd or the Virtual PCD readers the tests FAIL
//! under `CI=true` and are skipped with a loud message elsewhere. Each test holds the
//! machine-wide vpcd lock (`tokenstation-vpcd.lock`), shared with `pcsc_vpcd.rs`.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use tokenstation::devices::pcsc_uid::presence::PcscPresence;
use tokenstation::devices::{Feedback, PresenceReader, TapKind, Uid};
use tokenstation::emulator::VirtualCard;
use tokenstation::emulator::fault::Faults;
use tokenstation::emulator::field::Field;
use tokenstation::emulator::pcsc_uid::{ContactlessCard, LedLog, Quirks};
use tokenstation::emulator::vpcd::{CardField, VPCD_PORT_1, VpcdBridge};
use tokenstation::transport::pcsc::{CardWait, PcscContext};

const WAIT: Option<Duration> = Some(Duration::from_secs(10));
/// The second vpcd slot: other test binaries mostly use the first.
const READER: &str = "Virtual PCD 00 01";
const UID: [u8; 7] = [0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0x80];

fn stack() -> Option<(common::pcsc::Slots, PcscContext)> {
    common::pcsc::stack(READER)
}

fn card(uid: &[u8], log: &LedLog, led: bool) -> Box<dyn VirtualCard> {
    Box::new(
        ContactlessCard::with_uid(uid)
            .quirks(Quirks {
                led_buzzer: led,
                ..Quirks::default()
            })
            .led_log(Arc::clone(log)),
    )
}

fn wait_state(ctx: &PcscContext, present: bool) {
    let got = ctx.wait_for(READER, present, WAIT).unwrap();
    assert!(
        matches!(
            (present, &got),
            (true, CardWait::Present(_)) | (false, CardWait::Empty)
        ),
        "{got:?}"
    );
}

fn next_tap(r: &mut PcscPresence, within: Duration) -> Option<tokenstation::devices::Tap> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(t) = r.wait_tap(Duration::from_millis(250)).unwrap() {
            return Some(t);
        }
    }
    None
}

#[test]
fn taps_from_status_changes_with_led_feedback() {
    let Some((_g, ctx)) = stack() else { return };
    let log = LedLog::default();
    let field: CardField = Field::empty();
    let bridge = VpcdBridge::spawn(VPCD_PORT_1, field.clone(), Faults::new());
    wait_state(&ctx, false);
    let mut r = PcscPresence::new(ctx.clone(), READER).unwrap();
    assert!(r.wait_tap(Duration::from_millis(300)).unwrap().is_none());

    field.place(card(&UID, &log, true));
    let t = next_tap(&mut r, Duration::from_secs(10)).unwrap();
    assert_eq!(t.kind, TapKind::Card(Uid(UID.to_vec())));
    assert_eq!(t.reader, READER);
    assert!(r.wants_feedback());
    r.feedback(Feedback::Accepted).unwrap();
    assert_eq!(log.lock().unwrap().as_slice(), &[vec![0xA8, 1, 1, 2, 1]]);
    // Held in the reader: no second tap.
    assert!(next_tap(&mut r, Duration::from_millis(1200)).is_none());

    // Removed, then presented again: a second tap, refused on the LED this time.
    field.take();
    wait_state(&ctx, false);
    field.place(card(&UID, &log, true));
    assert!(next_tap(&mut r, Duration::from_secs(10)).is_some());
    r.feedback(Feedback::Refused).unwrap();
    assert_eq!(log.lock().unwrap().last().unwrap(), &vec![0x54, 2, 2, 3, 3]);

    // A reader without LED/buzzer: the command is refused, silently, and not repeated.
    // (The card stays a moment, as a hand would: vpcd misses a removal that follows
    // the insertion too closely.)
    std::thread::sleep(Duration::from_millis(1000));
    field.take();
    wait_state(&ctx, false);
    field.place(card(&[1, 2, 3, 4], &log, false));
    let t = next_tap(&mut r, Duration::from_secs(10)).unwrap();
    assert_eq!(t.kind, TapKind::Card(Uid(vec![1, 2, 3, 4])));
    r.feedback(Feedback::Accepted).unwrap();
    assert!(!r.wants_feedback());
    std::thread::sleep(Duration::from_millis(1000));
    field.take();
    wait_state(&ctx, false);
    bridge.stop();
}

#[test]
fn kiosk_binary_on_a_vpcd_reader() {
    let Some((_g, ctx)) = stack() else { return };
    let s = common::Station::new();
    s.ok(&["location", "add", "Lobby", "--tz", "Europe/Paris"]);
    s.ok(&["holder", "add", "h1", "--label", "Ada"]);
    s.ok(&["holder", "enrol", "h1", "--card", "04A1B2C3D4E580"]);
    s.ok(&[
        "location",
        "mode",
        "Lobby",
        "card",
        "--min-interval",
        "0",
        "--fold",
        "0",
    ]);
    s.ok(&[
        "location",
        "readers",
        "Lobby",
        "--add",
        &format!("pcsc:{READER}"),
    ]);

    let log = LedLog::default();
    let field: CardField = Field::empty();
    let bridge = VpcdBridge::spawn(VPCD_PORT_1, field.clone(), Faults::new());
    wait_state(&ctx, false);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .args([
            "--db",
            s.db().to_str().unwrap(),
            "--json",
            "kiosk",
            "--location",
            "Lobby",
            "--no-stdin",
            "--for",
            "20",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<serde_json::Value>();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(l) = line else { break };
            if let Ok(v) = serde_json::from_str(&l) {
                let _ = tx.send(v);
            }
        }
    });
    let next_event = || loop {
        let v = rx
            .recv_timeout(Duration::from_secs(12))
            .expect("no kiosk line");
        if v["kind"] == "event" {
            return v;
        }
    };
    let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(first["kind"], "reader", "{first}");
    for want in ["in", "out"] {
        field.place(card(&UID, &log, true));
        let e = next_event();
        assert_eq!(
            (e["status"].as_str(), e["direction"].as_str()),
            (Some("ok"), Some(want)),
            "{e}"
        );
        assert_eq!(e["holder"], "h1");
        assert!(
            e["time"].as_str().unwrap().ends_with("+01:00")
                || e["time"].as_str().unwrap().ends_with("+02:00")
        );
        // The LED shows the decision while the card is still there.
        let deadline = Instant::now() + Duration::from_secs(5);
        while log.lock().unwrap().len() < if want == "in" { 1 } else { 2 } {
            assert!(Instant::now() < deadline, "no LED feedback");
            std::thread::sleep(Duration::from_millis(50));
        }
        field.take();
        wait_state(&ctx, false);
        std::thread::sleep(Duration::from_millis(1100));
    }
    let _ = child.kill();
    let _ = child.wait();
    bridge.stop();
    let now = s.json(&["presence", "now"]);
    assert_eq!(now.as_array().unwrap().len(), 0);
}
