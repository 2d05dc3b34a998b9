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
// Added for issue 15's second part.
pub mod form;
pub mod mouse;

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

/// Leaves the terminal as it was found: mouse reports off, raw mode off, the
/// alternate screen left, the cursor shown. Best effort: the terminal may be gone.
fn restore_terminal() {
    use ratatui::crossterm::{cursor, event, execute, terminal};
    let mut out = std::io::stdout();
    let _ = execute!(out, event::DisableMouseCapture);
    let _ = terminal::disable_raw_mode();
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
}

/// Restores the terminal when dropped: on a normal return, an error, or a panic of
/// the UI thread (the panic hook restores it too, before the message is printed).
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Installs a panic hook. When the UI thread panics, the terminal is restored, then
/// the panic is printed as usual. When a worker thread panics (a job, a hardware
/// watch), the terminal stays the UI's: printing there would scribble over the screen,
/// so the panic is logged and shown in the key bar, and the UI goes on.
fn restore_on_panic(tx: mpsc::Sender<Msg>) {
    let ui = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui {
            restore_terminal();
            return previous(info);
        }
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        let thread = std::thread::current()
            .name()
            .unwrap_or("a worker")
            .to_string();
        let at = info
            .location()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        tracing::error!(thread = %thread, "panicked{at}: {what}");
        let _ = tx.send(Msg::WorkerPanicked(format!(
            "{thread} stopped (a panic{at}): {what}"
        )));
    }));
}

/// Raw mode, the alternate screen and mouse reports, and a terminal over stdout.
fn init_terminal() -> std::io::Result<DefaultTerminal> {
    use ratatui::crossterm::{event, execute, terminal};
    terminal::enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        terminal::EnterAlternateScreen,
        event::EnableMouseCapture
    )?;
    ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
}

/// A hidden hook for the pty test of the panic path: with this variable set to `1`,
/// the UI thread panics after its first frame. Nothing else reads it.
const TEST_PANIC_ENV: &str = "TOKENSTATION_TUI_TEST_PANIC";

/// Runs the TUI on `st` until the person quits; `demo` adds the demo's emulated
/// hardware; `outbox_dir` is where a kiosk started on a shared store keeps its outbox.
pub fn run(
    st: Station,
    demo: Option<demo::DemoHardware>,
    outbox_dir: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel();
    restore_on_panic(tx.clone());
    let _restore = Restore;
    let terminal = init_terminal().context("cannot put the terminal in raw mode")?;
    msg::spawn_input(tx.clone()).context("cannot start the terminal reader thread")?;
    let mut app = App::new(st, Theme::from_env(), Clock::System, tx);
    if demo.is_some() {
        // The demo's kiosk reader (the emulated RDM6300) is the Lobby's.
        app.kiosk.location = Some("Lobby".into());
    }
    app.sh.demo = demo;
    app.sh.outbox_dir = outbox_dir;
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
    if std::env::var_os(TEST_PANIC_ENV).is_some_and(|v| v == "1") {
        panic!("{TEST_PANIC_ENV}=1: the UI thread panics after its first frame (test hook)");
    }
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
