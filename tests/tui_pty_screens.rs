//! The terminal UI's second-part screens driven in a real pseudo-terminal
//! (portable-pty) and read back as a screen (vt100), on `tokenstation demo`: a token's
//! QR code is drawn only after its confirmation and hidden by a key; the presence
//! report's period form reads the report; a mouse click on a tab shows that screen;
//! and a panic of the UI thread (the hidden test hook) leaves the terminal restored
//! (alternate screen left, cursor shown, raw mode off per `stty`, the message shown).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 30;
const COLS: u16 = 100;

/// A program running in a pseudo-terminal, its output parsed as a screen.
struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    _dir: tempfile::TempDir,
}

impl Pty {
    /// Runs `sh -c SCRIPT` where `$TS` is the binary, in a fresh HOME.
    fn shell(script: &str) -> Pty {
        let dir = tempfile::tempdir().unwrap();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new("sh");
        cmd.args(["-c", script]);
        cmd.env("TS", env!("CARGO_BIN_EXE_tokenstation"));
        cmd.env("HOME", dir.path());
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("TOKENSTATION_DB");
        cmd.env_remove("TOKENSTATION_TUI_TEST_PANIC");
        cmd.env("RUST_BACKTRACE", "0");
        cmd.cwd(dir.path());
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            ROWS.try_into().unwrap(),
            COLS.try_into().unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (s, r) = (Arc::clone(&screen), Arc::clone(&raw));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                s.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            screen,
            raw,
            writer,
            child,
            _master: pair.master,
            _dir: dir,
        }
    }

    fn contents(&self) -> String {
        let p = self.screen.lock().unwrap();
        let cols = p.screen().size().1;
        p.screen()
            .rows(0, cols.into())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until the screen shows every one of `texts`; panics with the screen.
    fn wait_for(&self, texts: &[&str], secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let c = self.contents();
            if texts.iter().all(|t| c.contains(t)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "screen never showed {texts:?}; it shows:\n{c}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }

    fn wait_exit(&mut self, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if self.child.try_wait().unwrap().is_some() {
                std::thread::sleep(Duration::from_millis(300)); // let the reader drain
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("did not exit; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Checks the terminal after the program: alternate screen left, cursor shown,
    /// mouse reports off, raw mode off (`icanon echo` from `stty`), and `EXIT=code`.
    fn assert_restored(&self, code: &str) {
        let raw = String::from_utf8_lossy(&self.raw.lock().unwrap()).to_string();
        let screen = self.screen.lock().unwrap();
        let s = screen.screen();
        assert!(!s.alternate_screen(), "alternate screen left");
        assert!(!s.hide_cursor(), "cursor shown");
        assert_eq!(
            s.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse reports off"
        );
        let c = s.contents();
        assert!(c.contains(&format!("EXIT={code}")), "{c}");
        assert!(c.contains("icanon echo"), "raw mode off after the TUI: {c}");
        assert!(raw.contains("\u{1b}[?1049l"), "left the alternate screen");
    }
}

/// `$TS demo` (with `env` before it) under `sh`, then `stty -a` once it ends.
fn demo(env: &str) -> Pty {
    Pty::shell(&format!(
        "{env} \"$TS\" demo; echo \"EXIT=$?\"; stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; sleep 1"
    ))
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
