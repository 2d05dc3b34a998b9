//! The binary in a real pseudo-terminal (portable-pty), its output parsed as a screen
//! (vt100): start `sh -c SCRIPT` with `$TS` the binary, wait for texts, send keys,
//! resize, wait for the end and check the terminal was restored. Used by the TUI's
//! pseudo-terminal tests.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// Rows of the pseudo-terminal.
pub const ROWS: u16 = 30;
/// Columns of the pseudo-terminal.
pub const COLS: u16 = 100;

/// A program running in a pseudo-terminal, its output parsed as a screen.
pub struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
    _dir: tempfile::TempDir,
}

impl Pty {
    /// Runs `sh -c SCRIPT` where `$TS` is the binary, in a fresh HOME.
    pub fn shell(script: &str) -> Pty {
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
            master: pair.master,
            _dir: dir,
        }
    }

    /// `$TS demo` (with `env` before it) under `sh`, then `stty -a` once it ends
    /// (raw mode off shows `icanon echo`) and `EXIT=code`.
    pub fn demo(env: &str) -> Pty {
        Pty::shell(&format!(
            "{env} \"$TS\" demo; echo \"EXIT=$?\"; stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; sleep 1"
        ))
    }

    /// The screen as text, a line a row.
    pub fn contents(&self) -> String {
        let p = self.screen.lock().unwrap();
        let cols = p.screen().size().1;
        p.screen()
            .rows(0, cols.into())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until the screen shows every one of `texts`; panics with the screen.
    pub fn wait_for(&self, texts: &[&str], secs: u64) {
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

    /// Types `bytes`, then lets the program draw.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Resizes the terminal (the program gets SIGWINCH) and the screen read back.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.screen
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows.try_into().unwrap(), cols.try_into().unwrap());
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
    }

    /// Waits for the shell to end (killing it after `secs`, with the screen shown).
    pub fn wait_exit(&mut self, secs: u64) {
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
    pub fn assert_restored(&self, code: &str) {
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
