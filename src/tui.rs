//! The terminal face (issue 15): ratatui screens over the station — a dashboard,
//! tokens, the burn wizard, a kiosk, drift, hardware, presence and audit. The UI
//! thread owns the [`app::App`] and only draws and reads keys; station jobs (kiosk,
//! burns, the hardware watch) run on worker threads and send their events over the
//! channel of [`msg`]. ratatui and crossterm are used here and nowhere else
//! (design.md §3, enforced by `make check-layers`).

pub mod app;
pub mod chrome;
pub mod demo;
pub mod input;
pub mod lines;
pub mod msg;
pub mod prompt;
pub mod screens;
pub mod theme;
pub mod words;

use std::sync::mpsc;

use anyhow::Context as _;
use ratatui::DefaultTerminal;

use crate::station::Station;
use app::{App, Clock};
use msg::Msg;
use theme::Theme;

/// Whether standard input and output are both a terminal (else the CLI prints).
pub fn on_terminal() -> bool {
    use std::io::IsTerminal as _;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Restores the terminal when dropped: raw mode off, the alternate screen left, the
/// cursor shown — on a normal return, an error, or a panic (ratatui's panic hook
/// restores it too before the message is printed).
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        ratatui::restore();
        // Best effort: the terminal may be gone already.
        let _ = ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::cursor::Show);
    }
}

/// Runs the TUI on `st` until the person quits; `demo` adds the demo's emulated
/// hardware.
pub fn run(st: Station, demo: Option<demo::DemoHardware>) -> anyhow::Result<()> {
    let terminal = ratatui::try_init().context("cannot put the terminal in raw mode")?;
    let _restore = Restore;
    let (tx, rx) = mpsc::channel();
    msg::spawn_input(tx.clone()).context("cannot start the terminal reader thread")?;
    let mut app = App::new(st, Theme::from_env(), Clock::System, tx);
    if demo.is_some() {
        // The demo's kiosk reader (the emulated RDM6300) is the Lobby's.
        app.kiosk.location = Some("Lobby".into());
    }
    app.sh.demo = demo;
    if app.sh.demo.is_some() {
        app.sh.say(
            "demo store · operator passphrase: demo-station · ? for keys",
            true,
        );
    }
    event_loop(terminal, &mut app, &rx)
}

fn event_loop(
    mut terminal: DefaultTerminal,
    app: &mut App,
    rx: &mpsc::Receiver<Msg>,
) -> anyhow::Result<()> {
    terminal.draw(|f| app.draw(f))?;
    while let Some(m) = msg::next(rx) {
        // A key clears the last answer of the station from the key bar.
        if matches!(m, Msg::Key(_)) && !app.help {
            app.sh.status = None;
        }
        app.update(m);
        // Take whatever else is waiting before drawing (a burst of kiosk lines).
        while let Ok(m) = rx.try_recv() {
            app.update(m);
        }
        if app.quit {
            break;
        }
        terminal.draw(|f| app.draw(f))?;
    }
    Ok(())
}
