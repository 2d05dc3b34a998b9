//! What reaches the UI thread, over one channel: keys and resizes from the terminal
//! reader thread, a tick every second, and the events of station jobs (kiosk lines,
//! burn events, hardware changes, a passphrase check) forwarded by one thread per job.
//! The UI thread only receives, updates its state and draws (design.md §3).

use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

use ratatui::crossterm::event::{self, Event, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use zeroize::Zeroizing;

use crate::station::Station;
use crate::station::burn_job::BurnEvent;
use crate::station::drift::fix::FixResult;
use crate::station::drift::fix_job::{FixEvent, FixSummary};
use crate::station::jobs::{Answer, Ask, Job, JobMsg};
use crate::station::presence::kiosk::KioskLine;
use crate::station::provision::BurnOutcome;
use crate::station::views::hardware::WatchMsg;

/// How often the UI redraws without input (the kiosk clock).
pub const TICK: Duration = Duration::from_millis(1000);

/// One message for the UI thread.
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// The terminal was resized (the next frame lays out again).
    Resize,
    /// Time passed.
    Tick,
    /// A kiosk line (an event, a prompt, a reader's state).
    Kiosk(KioskLine),
    /// The kiosk job ended.
    KioskEnded,
    /// A burn job's event.
    Burn(BurnEvent),
    /// A job asks the person at the screen.
    Ask(Ask, Sender<Answer>),
    /// The burn ended, with the station handed back.
    BurnDone(Box<(Station, crate::station::Result<BurnOutcome>)>),
    /// A drift fix job's event.
    Fix(FixEvent),
    /// The drift fix ended, with the station handed back.
    FixDone(Box<(Station, crate::station::Result<FixResult>)>),
    /// The hardware watch saw something.
    Hardware(WatchMsg),
    /// The operator passphrase check to leave the kiosk ended (true: it matched).
    OperatorChecked(bool),
    /// The terminal reader stopped (no more input).
    InputClosed,
    /// A batch burn ended, with the station handed back.
    BatchDone(
        Box<(
            Station,
            crate::station::Result<crate::station::burn_job::BatchSummary>,
        )>,
    ),
    /// The hardware poll read the inventory (it changed).
    Inventory(Box<crate::station::views::hardware::Inventory>),
    /// What a device job on the hardware screen says (a touch, a button).
    DeviceNote(String),
    /// A device list ended, with the station handed back.
    DeviceList(
        Box<(
            Station,
            crate::station::Result<crate::station::views::device::HeldList>,
        )>,
    ),
    /// A drift fix of a tray ended, with the station handed back.
    FixBatchDone(Box<(Station, crate::station::Result<FixSummary>)>),
    /// A mouse click or scroll.
    Mouse(MouseEvent),
    /// A worker thread panicked (its message; the terminal stays the UI's).
    WorkerPanicked(String),
}

/// A typed secret, zeroized on drop.
pub type SecretText = Zeroizing<String>;

/// Starts the thread that reads the terminal and sends keys, resizes and ticks.
pub fn spawn_input(tx: Sender<Msg>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("tui input".into())
        .spawn(move || {
            loop {
                let msg = match event::poll(TICK) {
                    Ok(true) => match event::read() {
                        Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
                        Ok(Event::Resize(..)) => Msg::Resize,
                        Ok(Event::Mouse(m)) if wanted(&m) => Msg::Mouse(m),
                        Ok(_) => continue,
                        Err(_) => Msg::InputClosed,
                    },
                    Ok(false) => Msg::Tick,
                    Err(_) => Msg::InputClosed,
                };
                let closed = matches!(msg, Msg::InputClosed);
                if tx.send(msg).is_err() || closed {
                    return;
                }
            }
        })
        .map(|_| ())
}

/// Mouse events the screens use: a left click and the wheel (not moves or drags).
fn wanted(m: &MouseEvent) -> bool {
    matches!(
        m.kind,
        MouseEventKind::Down(event::MouseButton::Left)
            | MouseEventKind::ScrollUp
            | MouseEventKind::ScrollDown
    )
}

/// Forwards every message of `job` to the UI thread (events through `event`, questions
/// as [`Msg::Ask`]), then its result through `done`, on a thread of its own.
pub fn forward<E, R>(
    job: Job<E, R>,
    tx: Sender<Msg>,
    event: impl Fn(E) -> Msg + Send + 'static,
    done: impl FnOnce(crate::station::Result<R>) -> Option<Msg> + Send + 'static,
) -> std::io::Result<()>
where
    E: Send + 'static,
    R: Send + 'static,
{
    std::thread::Builder::new()
        .name("tui job".into())
        .spawn(move || {
            while let Some(m) = job.next() {
                let msg = match m {
                    JobMsg::Event(e) => event(e),
                    JobMsg::Ask { ask, reply } => Msg::Ask(ask, reply),
                };
                if tx.send(msg).is_err() {
                    job.cancel();
                }
            }
            if let Some(m) = done(job.join()) {
                let _ = tx.send(m);
            }
        })
        .map(|_| ())
}

/// Waits for the next message (tests and the loop).
pub fn next(rx: &Receiver<Msg>) -> Option<Msg> {
    rx.recv().ok()
}
