//! Hardware: what is attached (the inventory), and what changes as it happens (a
//! watch, run as a job). Neither needs a store.

use std::sync::mpsc;
use std::time::Duration;

use crate::devices::session::ReaderSpec;
use crate::devices::session::inventory;
use crate::devices::session::watch::HardwareWatch;
use crate::station::jobs::{Job, JobCtx};
use crate::station::{Result, StationError};

pub use crate::devices::session::inventory::{
    CardOut, HidOut, Inventory, ReaderOut, Section, SerialOut, UsbOut,
};
pub use crate::devices::session::watch::WatchMsg;

/// Lists what is attached: PC/SC readers and cards, known USB devices (all of them
/// with `all_usb`), HID interfaces of known tokens, serial ports and the `configured`
/// serial readers (reader specs: `rdm6300:/dev/PATH`, `/dev/PATH=pn532`, `/dev/PATH`).
pub fn inventory(all_usb: bool, configured: &[String]) -> Result<Inventory> {
    let specs = configured
        .iter()
        .map(|s| s.parse::<ReaderSpec>())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(inventory::collect(all_usb, &specs))
}

/// Watches readers, cards and USB devices come and go until cancelled. The job's
/// result is how many sources ran (0: nothing could be watched, it ends at once).
pub fn watch(initial: bool) -> Result<Job<WatchMsg, usize>> {
    Job::spawn("hardware watch", move |ctx: &JobCtx<WatchMsg>| {
        let (tx, rx) = mpsc::channel();
        let w = HardwareWatch::start(initial, &tx);
        drop(tx);
        let sources = w.sources();
        while sources > 0 && !ctx.cancel_token().is_cancelled() {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(m) => ctx.emit(m),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        // the messages of sources that could not start
        while let Ok(m) = rx.try_recv() {
            ctx.emit(m);
        }
        sources
    })
    .map_err(|e| StationError::Internal(format!("starting the watch: {e}")))
}

/// Reads the inventory every `every` until cancelled, and sends it when it changed
/// (the first one always): a live list of readers, cards and USB tokens that a face
/// shows without reading hardware on its own thread.
pub fn poll(every: Duration) -> Result<Job<Inventory, ()>> {
    Job::spawn("hardware poll", move |ctx: &JobCtx<Inventory>| {
        let mut last = String::new();
        while !ctx.cancel_token().is_cancelled() {
            let inv = inventory::collect(false, &[]);
            let seen = serde_json::to_string(&inv).unwrap_or_default();
            if seen != last {
                last = seen;
                ctx.emit(inv);
            }
            let mut waited = Duration::ZERO;
            while waited < every && !ctx.cancel_token().is_cancelled() {
                std::thread::sleep(Duration::from_millis(100));
                waited += Duration::from_millis(100);
            }
        }
    })
    .map_err(|e| StationError::Internal(format!("starting the hardware poll: {e}")))
}
