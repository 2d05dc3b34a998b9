//! Issue 12, "Burning": before the try that could lock a Molto2 the station asks. The
//! count each wrong key leaves (`63 Cx`) is remembered per device serial; with one try
//! left, a burn off a terminal without `--yes` is refused before the key is sent (the
//! device's count unchanged, nothing registered), with `--yes` it goes on, and the right
//! key clears the count (audited). Through the binary against the emulated Molto2 behind
//! the real pcscd (the vpcd slots and the machine's vpcd lock held by `stack`).
//!
//! Needs `make deps pcscd`: FAILS under `CI=true` without it, else skips loudly.

#![allow(clippy::unwrap_used)]
#![cfg(feature = "pcsc")]

mod common;

use common::Station;
use common::pcsc::{insert_card, remove_card};
use tokenstation::emulator::clock::{DeviceClock, now_ms};
use tokenstation::emulator::molto2::{MAX_TRIES, Molto2Card};
use tokenstation::emulator::vpcd::VPCD_PORT_0;

const READER: &str = "Virtual PCD 00 00";
const DEVICE: &str = "M2V2000888";
const KEY: &[u8] = b"OUR-CUSTOMER-KEY";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn audit_actions(s: &Station) -> Vec<String> {
    s.json(&["audit", "list", "--limit", "500"])
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn the_last_try_of_a_molto2_key_is_asked_for() {
    let Some((_slots, ctx)) = common::pcsc::stack(READER) else {
        return;
    };
    let s = Station::new();
    s.ok(&[
        "product",
        "add",
        "Molto2",
        "--family",
        "molto2",
        "--programmable",
        "true",
    ]);
    let card = Molto2Card::new(DEVICE, DeviceClock::synced(now_ms())).with_customer_key(KEY);
    let device = card.hook();
    let (field, _faults, bridge) = insert_card(&ctx, VPCD_PORT_0, card);
    let wrong = s.dir.path().join("wrong.key");
    std::fs::write(&wrong, format!("{}\n", hex(b"NOT-THE-RIGHT-K!"))).unwrap();
    let right = s.dir.path().join("right.key");
    std::fs::write(&right, format!("{}\n", hex(KEY))).unwrap();
    let burn = |key: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "burn",
            "--reader",
            READER,
            "--family",
            "molto2",
            "--slot",
            "3",
            "--product",
            "Molto2",
            "--serial",
            "M-1",
            "--generate",
            "--molto2-key-file",
            key.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = s.cmd(&args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // Wrong keys down to one try left: each says the count, none asks.
    for left in 1..MAX_TRIES {
        let left = MAX_TRIES - left;
        let (code, err) = burn(&wrong, &[]);
        assert_eq!(code, Some(4), "{err}");
        assert!(err.contains(&format!("{left} tr")), "{left}: {err}");
        assert_eq!(device.tries_left(), left);
    }
    assert_eq!(device.tries_left(), 1);
    let recorded = audit_actions(&s)
        .iter()
        .filter(|a| *a == "device.key_tries")
        .count();
    assert_eq!(recorded, usize::from(MAX_TRIES - 1));
    // One try left, off a terminal, no --yes: refused before the key goes; one line
    // naming the device and --yes; the device still has its last try.
    let (code, err) = burn(&wrong, &[]);
    assert_eq!(code, Some(2), "{err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        err.contains(&format!("Molto2 {DEVICE}"))
            && err.contains("1 try left")
            && err.contains("locks it")
            && err.contains("--yes"),
        "{err}"
    );
    assert_eq!(device.tries_left(), 1, "no try was spent");
    // A clock fix sends the key too (a Molto2 time sync): refused the same way.
    let out = s
        .cmd(&[
            "drift",
            "fix",
            "M-1",
            "--reader",
            READER,
            "--family",
            "molto2",
            "--force",
            "--molto2-key-file",
            wrong.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("1 try left") && err.contains("--yes"), "{err}");
    assert_eq!(device.tries_left(), 1, "no try was spent");
    // Even the right key is not sent without a yes: the station cannot know it is right.
    let (code, _) = burn(&right, &[]);
    assert_eq!(code, Some(2));
    assert_eq!(device.tries_left(), 1);
    // On a terminal the burn asks; "n" declines, and still no try is spent.
    let (ok, said) = on_terminal(&s, &right, "n\n");
    assert!(!ok, "{said}");
    assert!(
        said.contains(&format!(
            "1 try left on Molto2 {DEVICE}: a wrong key locks it for good. Try this key? [y/N]"
        )) && said.contains("declined"),
        "{said}"
    );
    assert_eq!(device.tries_left(), 1);
    // With --yes the right key is sent: accepted (the burn goes on to the typed proof,
    // which nothing answers on this empty stdin), the count restored and forgotten.
    let (_, err) = burn(&right, &["--yes"]);
    assert!(err.contains("no code was typed"), "{err}");
    assert_eq!(device.tries_left(), MAX_TRIES);
    assert!(audit_actions(&s).contains(&"device.key_tries.cleared".to_string()));
    // Forgotten: a wrong key now spends a try again without any question.
    let (code, err) = burn(&wrong, &[]);
    assert_eq!(code, Some(4), "{err}");
    assert_eq!(device.tries_left(), MAX_TRIES - 1);
    remove_card(&ctx, &field, bridge);
}

/// Runs the burn with `key` in a pseudo-terminal (`script`), typing `typed`; whether
/// it succeeded, and what the terminal showed.
fn on_terminal(s: &Station, key: &std::path::Path, typed: &str) -> (bool, String) {
    let key = key.to_string_lossy();
    let args = [
        "burn",
        "--reader",
        READER,
        "--family",
        "molto2",
        "--slot",
        "3",
        "--product",
        "Molto2",
        "--serial",
        "M-1",
        "--generate",
        "--molto2-key-file",
        &key,
    ];
    let out = s.on_terminal(&args, typed);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}
