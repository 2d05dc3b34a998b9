//! Reader threads: each waits for taps on its reader and sends them to the kiosk loop
//! over a channel (threads, not async: design.md §3), passes the kiosk's decision back
//! to readers with an LED or buzzer, and reopens a reader that went away.

use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::heartbeat::Heartbeat;
use crate::devices::session::BoxedReader;
use crate::devices::{DeviceError, Feedback, Tap};
use crate::station::jobs::CancelToken;

/// Something for the kiosk loop.
#[derive(Debug)]
pub enum KioskInput {
    /// A reader saw a tap.
    Tap {
        /// The tap.
        tap: Tap,
        /// Per-reader sequence number.
        seq: u64,
        /// When it arrived, Unix milliseconds.
        at_ms: i64,
        /// Where to send the decision (readers with LED/buzzer).
        feedback: Option<Sender<Feedback>>,
    },
    /// A typed line (kiosk terminal).
    Line {
        /// The text.
        text: String,
        /// Where it came from (`stdin`).
        source: String,
        /// When it arrived, Unix milliseconds.
        at_ms: i64,
    },
    /// A reader failed; its thread retries.
    ReaderDown {
        /// Reader spec.
        reader: String,
        /// Why.
        error: String,
    },
    /// A reader is (back) up.
    ReaderUp {
        /// Reader spec.
        reader: String,
    },
    /// End the loop.
    Stop,
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Starts a thread that waits for taps on the reader `open` opens, sends them to the
/// kiosk, passes the decision back to readers with LED/buzzer, and reopens the reader
/// (every `retry`) after it fails, until `stop` is cancelled or the kiosk is gone.
pub fn spawn_reader<F>(
    name: String,
    open: F,
    tx: Sender<KioskInput>,
    stop: CancelToken,
    retry: Duration,
) -> std::io::Result<JoinHandle<()>>
where
    F: FnMut() -> std::result::Result<BoxedReader, DeviceError> + Send + 'static,
{
    spawn_reader_beating(name, open, tx, stop, retry, Heartbeat::new())
}

/// [`spawn_reader`], beating `beat` on every turn of the thread's loop (so a reader
/// stuck in its driver, or a thread that ended, shows as stalled).
pub fn spawn_reader_beating<F>(
    name: String,
    mut open: F,
    tx: Sender<KioskInput>,
    stop: CancelToken,
    retry: Duration,
    beat: Heartbeat,
) -> std::io::Result<JoinHandle<()>>
where
    F: FnMut() -> std::result::Result<BoxedReader, DeviceError> + Send + 'static,
{
    std::thread::Builder::new()
        .name(format!("reader {name}"))
        .spawn(move || {
            let mut seq = 0u64;
            let mut reader: Option<BoxedReader> = None;
            let mut reported_down = false;
            while !stop.is_cancelled() {
                beat.beat();
                let Some(r) = reader.as_mut() else {
                    match open() {
                        Ok(r) => {
                            reader = Some(r);
                            reported_down = false;
                            if tx
                                .send(KioskInput::ReaderUp {
                                    reader: name.clone(),
                                })
                                .is_err()
                            {
                                return;
                            }
                        }
                        Err(e) => {
                            if !reported_down {
                                reported_down = true;
                                let down = KioskInput::ReaderDown {
                                    reader: name.clone(),
                                    error: e.to_string(),
                                };
                                if tx.send(down).is_err() {
                                    return;
                                }
                            }
                            std::thread::sleep(retry);
                        }
                    }
                    continue;
                };
                match r.wait_tap(Duration::from_millis(200)) {
                    Ok(Some(mut tap)) => {
                        seq += 1;
                        // One name per reader in every line and event: the spec the
                        // kiosk was given (its reader-state lines use it too), not
                        // the driver's own name for the device.
                        tap.reader.clone_from(&name);
                        let (fb_tx, fb_rx) = if r.wants_feedback() {
                            let (a, b) = mpsc::channel();
                            (Some(a), Some(b))
                        } else {
                            (None, None)
                        };
                        let input = KioskInput::Tap {
                            tap,
                            seq,
                            at_ms: now_ms(),
                            feedback: fb_tx,
                        };
                        if tx.send(input).is_err() {
                            return;
                        }
                        if let Some(rx) = fb_rx
                            && let Ok(f) = rx.recv_timeout(Duration::from_secs(2))
                            && let Err(e) = r.feedback(f)
                        {
                            tracing::debug!("{name}: feedback: {e}");
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        reader = None;
                        reported_down = true;
                        let down = KioskInput::ReaderDown {
                            reader: name.clone(),
                            error: e.to_string(),
                        };
                        if tx.send(down).is_err() {
                            return;
                        }
                        std::thread::sleep(retry);
                    }
                }
            }
        })
}
