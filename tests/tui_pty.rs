//! The terminal UI driven in a real pseudo-terminal (portable-pty) and read back as a
//! screen (vt100): `tokenstation demo` starts on the Dashboard; the Lobby kiosk checks
//! Alice in from the emulated RDM6300's tag and is left with the operator passphrase;
//! a burn through the wizard ends with a registered active token; a drifted clock (the
//! demo's Molto2 carrying DEMO-0005) is fixed from the Drift screen; the hardware screen
//! lists the emulated devices, and a Molto2 (behind pcscd when it runs, else in process)
//! and a Token2 NFC token (in an emulated PN532's field) burned with the code their
//! emulated display shows are registered; `q` leaves
//! and the terminal is restored (alternate screen left, cursor shown, raw mode off per
//! `stty`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pty::Pty;

fn demo() -> Pty {
    Pty::demo("")
}

fn quit_and_check_restored(mut p: Pty) {
    p.send(b"q");
    p.wait_exit(20);
    p.assert_restored("0");
}

#[test]
fn demo_starts_on_the_dashboard_and_q_restores_the_terminal() {
    let mut p = demo();
    p.wait_for(
        &["Dashboard", "Lobby", "Locations", "DEMO-0005", "Carol"],
        60,
    );
    p.send(b"?");
    p.wait_for(&["Help", "quit (not from the kiosk)"], 5);
    p.send(b" ");
    // Every screen opens in the real binary (the hardware screen reads this machine's
    // inventory and starts the hotplug watch).
    for (key, title) in [
        (b"2", "Tokens 12 of 12"),
        (b"3", "choose the reader"),
        (b"4", "Kiosk at Lobby"),
        (b"5", "Drift · 11 tokens"),
        (b"6", "Hotplug (live)"),
        (b"7", "who is in"),
        (b"8", "Attempts"),
        (b"1", "Drift alerts"),
    ] {
        p.send(key);
        p.wait_for(&[title], 10);
    }
    quit_and_check_restored(p);
}

// The emulated RDM6300 lives on a pseudo-terminal opened with the serial backend.
#[cfg(feature = "serial")]
#[test]
fn kiosk_checks_in_the_holder_of_the_emulated_tag_and_needs_the_passphrase_to_leave() {
    use common::pty::{COLS, ROWS};
    let mut p = demo();
    p.wait_for(&["Dashboard"], 60);
    p.send(b"4");
    p.wait_for(&["Kiosk at Lobby"], 5);
    p.send(b"\r");
    p.wait_for(&["tap your card or type your code", "Alice — IN"], 30);
    // The kiosk survives the terminal shrinking to 80x24 and growing back.
    p.resize(24, 80);
    p.wait_for(
        &[
            "tap your card or type your code",
            "Alice — IN",
            "last events",
        ],
        10,
    );
    p.resize(ROWS, COLS);
    p.wait_for(&["tap your card or type your code", "Alice — IN"], 10);
    // q is a character of a code here, not quit; typed codes show as dots.
    p.send(b"q12");
    p.wait_for(&["•••"], 5);
    assert!(!p.contents().contains("q12"));
    p.send(b"\x1b");
    p.wait_for(&["operator passphrase"], 5);
    p.send(b"wrong\r");
    p.wait_for(&["wrong passphrase or key"], 30);
    assert!(
        !p.contents().contains("Dashboard"),
        "a wrong passphrase leaves nothing"
    );
    p.send(b"demo-station\r");
    p.wait_for(&["Dashboard", "kiosk stopped by the operator"], 30);
    quit_and_check_restored(p);
}

#[test]
fn a_drifted_clock_is_fixed_from_the_drift_screen_through_the_demo_molto2() {
    use tokenstation::station::host_clock::{HostClock, SystemClock};
    let mut p = demo();
    p.wait_for(&["Dashboard"], 60);
    p.send(b"5");
    p.wait_for(&["Drift · 11 tokens", "DEMO-0005"], 10);
    // f on the first row, the most urgent: the form offers the Molto2 carrying it
    p.send(b"f");
    p.wait_for(
        &[
            "Fix DEMO-0005",
            "Molto2 of DEMO-0005",
            "Enter writes its clock",
        ],
        5,
    );
    if !SystemClock.sync().is_synchronised() {
        // this machine's clock is not synchronised: the station wants force
        p.send(b"\t\x1b[B");
        p.wait_for(&["yes"], 5);
    }
    p.send(b"\r");
    p.wait_for(&["fixed DEMO-0005: clock set (molto2), was +"], 30);
    // the clock read back after the write: within the station's 2 s tolerance
    let c = p.contents();
    let after: i64 = c
        .split("s off, now ")
        .nth(1)
        .and_then(|r| r.split(" s").next())
        .and_then(|n| n.trim_start_matches('+').parse().ok())
        .unwrap_or_else(|| panic!("no offset after the write: {c}"));
    assert!(after.abs() <= 2, "{c}");
    quit_and_check_restored(p);
}

#[test]
fn a_burn_through_the_wizard_registers_an_active_token() {
    let mut p = demo();
    p.wait_for(&["Dashboard"], 60);
    p.send(b"3");
    p.wait_for(&["choose the reader", "Virtual YubiKey (in process)"], 10);
    p.send(b"\r"); // the in-process YubiKey is listed first
    p.wait_for(
        &[
            "choose the product",
            "YubiKey OATH",
            "ykoath (ATR, OATH SELECT)",
        ],
        5,
    );
    p.send(b"\r");
    p.wait_for(&["choose the seed", "generate a fresh seed"], 5);
    p.send(b"\r");
    p.send(b"YK-0042\r");
    p.wait_for(&["YK-0042 registered active", "✔activate"], 60);
    p.send(b"2");
    p.send(b"/yk-0042\r");
    p.wait_for(&["Tokens 1 of 13", "YK-0042", "active"], 10);
    quit_and_check_restored(p);
}

#[test]
fn hardware_lists_the_emulated_devices_and_molto2_and_token2_burns_with_typed_codes_register() {
    let mut p = demo();
    p.wait_for(&["Dashboard"], 60);
    p.send(b"6");
    let mut shown = vec!["YubiKey", "Token2 NFC", "Molto2", "Nitrokey Pro", "card"];
    if cfg!(feature = "serial") {
        shown.extend(["rdm6300:/dev/", "pn532:/dev/"]);
    }
    p.wait_for(&shown, 20);
    // the Molto2 row (third token): b opens the wizard on its reader
    p.send(b"\x1b[B\x1b[B\x1b[B");
    p.wait_for(&["Token2 Molto2 (display"], 5);
    p.send(b"b");
    p.wait_for(
        &[
            "choose the product",
            "not recognisable by its ATR or an OATH SELECT",
        ],
        10,
    );
    // products by name: Molto2 first
    p.send(b"\r");
    p.wait_for(&["choose the seed", "product Molto2"], 5);
    p.send(b"\r");
    p.send(b"M2-0042\t0\r"); // a Molto2 needs its profile: 0
    // a typed proof: the station asks for the code; the demo shows the display
    p.wait_for(&["the token's display shows", "The station asks"], 60);
    let c = p.contents();
    let code: String = c
        .split("the token's display shows ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{c}");
    p.send(format!("{code}\r").as_bytes());
    p.wait_for(&["M2-0042 registered active"], 60);
    // The Token2 NFC token (second reader; in a PN532's field with the serial backend)
    p.send(b"n");
    p.wait_for(&["choose the reader"], 5);
    p.send(b"\x1b[B\r");
    p.wait_for(&["choose the product"], 5);
    // products by name: Molto2, Nitrokey Pro, Token2 NFC, YubiKey OATH
    p.send(b"\x1b[B\x1b[B\r");
    p.wait_for(&["choose the seed", "product Token2 NFC"], 5);
    p.send(b"\r");
    p.send(b"T2-0042\r");
    p.wait_for(&["the token's display shows", "The station asks"], 60);
    let c = p.contents();
    let code: String = c
        .split("the token's display shows ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    p.send(format!("{code}\r").as_bytes());
    p.wait_for(&["T2-0042 registered active"], 60);
    quit_and_check_restored(p);
}
