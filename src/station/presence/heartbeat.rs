//! Liveness of a kiosk's reader threads: each thread beats on every turn of its loop
//! (at least every [`super::kiosk_job::REOPEN_EVERY`] plus one open, or a 200 ms tap
//! wait), so a reader stuck in a driver call, or a thread that ended, stops beating.
//! A face asks [`KioskHealth::stalled`] before it tells a supervisor (systemd's
//! watchdog) that the kiosk is alive.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One thread's last sign of life.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    base: Instant,
    /// Milliseconds after `base` of the last beat.
    last_ms: Arc<AtomicU64>,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat::new()
    }
}

impl Heartbeat {
    /// A heartbeat that beat just now.
    pub fn new() -> Heartbeat {
        Heartbeat {
            base: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The thread is alive now.
    pub fn beat(&self) {
        let now = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now, Ordering::Relaxed);
    }

    /// Time since the last beat.
    pub fn age(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.base.elapsed().saturating_sub(last)
    }
}

/// The heartbeats of a running kiosk's reader threads, by reader.
#[derive(Debug, Clone, Default)]
pub struct KioskHealth {
    readers: Vec<(String, Heartbeat)>,
}

impl KioskHealth {
    /// Adds a reader's heartbeat.
    pub(crate) fn add(&mut self, reader: String, beat: Heartbeat) {
        self.readers.push((reader, beat));
    }

    /// The readers whose thread has not beaten for longer than `within` (empty: all
    /// alive).
    pub fn stalled(&self, within: Duration) -> Vec<String> {
        self.readers
            .iter()
            .filter(|(_, b)| b.age() > within)
            .map(|(name, _)| name.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::devices::DeviceError;
    use crate::station::jobs::CancelToken;
    use crate::station::presence::feed::spawn_reader_beating;

    fn gone(why: &str) -> DeviceError {
        DeviceError::Frame {
            device: "test reader".into(),
            reason: why.into(),
        }
    }

    #[test]
    fn a_reader_stuck_opening_stops_beating_and_a_retrying_one_does_not() {
        let (tx, _rx) = mpsc::channel();
        let stop = CancelToken::new();
        // Stuck: open() never returns until released.
        let (release, stuck) = mpsc::channel::<()>();
        let stuck_beat = Heartbeat::new();
        let a = spawn_reader_beating(
            "stuck".into(),
            move || {
                let _ = stuck.recv();
                Err(gone("released"))
            },
            tx.clone(),
            stop.clone(),
            Duration::from_millis(5),
            stuck_beat.clone(),
        );
        // Failing and retrying every 5 ms: alive.
        let retry_beat = Heartbeat::new();
        let b = spawn_reader_beating(
            "retrying".into(),
            || Err(gone("no reader")),
            tx,
            stop.clone(),
            Duration::from_millis(5),
            retry_beat.clone(),
        );
        let mut h = KioskHealth::default();
        h.add("stuck".into(), stuck_beat);
        h.add("retrying".into(), retry_beat);
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(
            h.stalled(Duration::from_millis(200)),
            vec!["stuck".to_string()]
        );
        stop.cancel();
        let _ = release.send(());
        for t in [a, b].into_iter().flatten() {
            let _ = t.join();
        }
    }

    #[test]
    fn a_beat_resets_the_age() {
        let b = Heartbeat::new();
        std::thread::sleep(Duration::from_millis(30));
        assert!(b.age() >= Duration::from_millis(30));
        b.beat();
        assert!(b.age() < Duration::from_millis(30));
    }

    #[test]
    fn stalled_names_only_the_silent_reader() {
        let (quiet, busy) = (Heartbeat::new(), Heartbeat::new());
        let mut h = KioskHealth::default();
        h.add("pcsc:A".into(), quiet);
        h.add("pcsc:B".into(), busy.clone());
        std::thread::sleep(Duration::from_millis(40));
        busy.beat();
        assert_eq!(
            h.stalled(Duration::from_millis(20)),
            vec!["pcsc:A".to_string()]
        );
        assert!(h.stalled(Duration::from_secs(60)).is_empty());
    }
}
