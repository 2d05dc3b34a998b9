//! Issue 12, "Burning": while a single burn waits for a token, a terminal sees a
//! countdown ("present a token on READER… 3 s", then 2, then 1) that clears when the
//! wait ends; off a terminal the one line stays, with no redraws. Through the binary
//! against the real pcscd with the vpcd reader empty (the slots held, so no other test
//! puts a card there).
//!
//! Needs `make deps pcscd`: FAILS under `CI=true` without it, else skips loudly.

#![allow(clippy::unwrap_used)]
#![cfg(feature = "pcsc")]

mod common;

use common::Station;

const READER: &str = "Virtual PCD 00 00";

fn station() -> Station {
    let s = Station::new();
    s.ok(&[
        "product",
        "add",
        "YK",
        "--family",
        "ykoath",
        "--programmable",
        "yes",
    ]);
    s
}

#[test]
fn a_terminal_sees_the_wait_count_down_and_a_pipe_one_line() {
    let Some((_slots, _ctx)) = common::pcsc::stack(READER) else {
        return;
    };
    let s = station();
    let args = [
        "burn",
        "--reader",
        READER,
        "--product",
        "YK",
        "--serial",
        "W1",
        "--generate",
        "--wait",
        "3",
    ];
    // On a terminal (`script` gives the command a pseudo-terminal).
    let out = s.on_terminal(&args, "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(4),
        "no token is a hardware error: {text}"
    );
    let shown: Vec<&str> = text
        .split('\r')
        .map(|l| l.trim_start_matches("\x1b[2K"))
        .filter(|l| l.starts_with("present a token"))
        .collect();
    let want = [3, 2, 1].map(|n| format!("present a token on {READER}… {n} s (Ctrl-C to stop)"));
    assert_eq!(
        shown, want,
        "one redraw per second, counting down: {text:?}"
    );
    assert!(text.contains("error: "), "{text:?}");

    // Off a terminal: the one line, no carriage returns, no countdown.
    let out = s.cmd(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "present a token on {READER}… (waiting up to 3 s; Ctrl-C to stop)\n"
        )),
        "{err:?}"
    );
    assert!(!err.contains('\r') && !err.contains(" 2 s"), "{err:?}");
}
