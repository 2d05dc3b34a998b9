//! The terminal UI's second-part screens driven in a real pseudo-terminal
//! (portable-pty) and read back as a screen (vt100), on `tokenstation demo`: a token's
//! QR code is drawn only after its confirmation and hidden by a key; the presence
//! report's period form reads the report; a mouse click on a tab shows that screen;
//! and a panic of the UI thread (the hidden test hook) leaves the terminal restored
//! (alternate screen left, cursor shown, raw mode off per `stty`, the message shown).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pty::Pty;

fn demo(env: &str) -> Pty {
    Pty::demo(env)
}

#[test]
fn the_qr_code_is_drawn_only_after_its_confirmation() {
    let mut p = demo("");
    p.wait_for(&["Dashboard"], 60);
    p.send(b"2");
    p.wait_for(&["Tokens 12 of 12"], 10);
    p.send(b"\r"); // DEMO-0001's detail
    p.wait_for(&["serial   DEMO-0001", "c QR"], 5);
    p.send(b"c");
    p.wait_for(
        &["Show the QR code of DEMO-0001?", "whoever sees it can copy"],
        5,
    );
    assert!(
        !p.contents().contains("▀▀▀▀▀"),
        "nothing drawn before Enter"
    );
    p.send(b"\r");
    p.wait_for(
        &["scan it with the authenticator app", "█████████", "▄▄▄▄▄"],
        10,
    );
    p.send(b" "); // any key hides it
    p.wait_for(&["serial   DEMO-0001"], 5);
    assert!(!p.contents().contains("scan it with the authenticator app"));
    p.send(b"\x1b"); // back to the list
    // The export is in the audit log.
    p.send(b"8");
    p.wait_for(&["seed.export", "DEMO-0001"], 10);
    p.send(b"q");
    p.wait_exit(20);
    p.assert_restored("0");
}

#[test]
fn the_presence_report_form_reads_a_period_and_a_click_changes_screen() {
    let mut p = demo("");
    p.wait_for(&["Dashboard"], 60);
    p.send(b"7");
    p.wait_for(&["who is in", "last 7 days"], 10);
    p.send(b"p");
    p.wait_for(
        &[
            "Presence report",
            "from (day or time)",
            "to (day, inclusive)",
        ],
        5,
    );
    p.send(b"\x1b[B"); // Down: the next location (Lobby)
    p.send(b"\t");
    p.send(&[0x7f; 10]); // erase the from day
    p.send(b"2026-01-01\r");
    p.wait_for(
        &["Lobby · 2026-01-01 00:00:00 UTC →", "report read", "Carol"],
        10,
    );
    // A left click (SGR mouse report) on the tab " 2 Tokens " (row 1, columns 28-37).
    p.send(b"\x1b[<0;30;1M\x1b[<0;30;1m");
    p.wait_for(&["Tokens 12 of 12"], 10);
    p.send(b"q");
    p.wait_exit(20);
    p.assert_restored("0");
}

#[test]
fn a_panic_of_the_ui_thread_leaves_the_terminal_restored() {
    let mut p = demo("TOKENSTATION_TUI_TEST_PANIC=1");
    p.wait_exit(60);
    p.assert_restored("101");
    let c = p.contents();
    assert!(c.contains("panicked") && c.contains("test hook"), "{c}");
}
