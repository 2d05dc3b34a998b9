//! Running under systemd: logs to the journal with structured fields when the service
//! manager connected stderr to it (`JOURNAL_STREAM`, sd_journal_stream_fd(3)), the
//! readiness notification (`READY=1`) and the watchdog ping (`WATCHDOG=1`, only while
//! every reader thread of the kiosk is alive) over `NOTIFY_SOCKET` (sd_notify(3)).
//! Outside systemd every call here is a no-op. No journal field carries a seed or a
//! code: kiosk records name the location, reader, event id, holder and outcome.

use std::os::fd::AsFd as _;
use std::os::unix::fs::MetadataExt as _;
use std::time::Duration;

use sd_notify::NotifyState;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::station::jobs::CancelToken;
use crate::station::presence::heartbeat::KioskHealth;

/// A reader thread silent for longer than this is hung, whatever the watchdog period
/// (a reader reopens every 2 s; opening a reader can take a few seconds).
pub const READER_HUNG_AFTER: Duration = Duration::from_secs(10);

/// Whether stderr is the journal stream systemd set up (`JOURNAL_STREAM` is
/// `DEVICE:INODE` of that stream; a child with stderr redirected elsewhere is not).
pub fn stderr_is_journal() -> bool {
    let Some(want) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Some((dev, ino)) = want.to_str().and_then(|s| s.split_once(':')) else {
        return false;
    };
    let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() else {
        return false;
    };
    match std::fs::File::from(fd).metadata() {
        Ok(m) => dev.parse() == Ok(m.dev()) && ino.parse() == Ok(m.ino()),
        Err(_) => false,
    }
}

/// Sets up logging: to the journal with structured fields (and the `STATION` field
/// from `station.name`) when stderr is the journal, at `info` unless
/// `TOKENSTATION_LOG` says otherwise; else formatted lines on stderr, as before.
pub fn init_logging(station: Option<&str>) {
    if stderr_is_journal()
        && let Ok(layer) = tracing_journald::layer()
    {
        let layer = layer
            .with_field_prefix(None)
            .with_syslog_identifier("tokenstation".into())
            .with_custom_fields(station.map(|s| ("STATION", s.as_bytes().to_vec())));
        let filter =
            EnvFilter::try_from_env("TOKENSTATION_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
        tracing_subscriber::registry()
            .with(filter)
            .with(layer)
            .init();
        return;
    }
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_env("TOKENSTATION_LOG"))
        .with_writer(std::io::stderr)
        .init();
}

/// Tells the service manager the service is ready (with a status line).
pub fn notify_ready(status: &str) {
    if let Err(e) = sd_notify::notify(&[NotifyState::Ready, NotifyState::Status(status)]) {
        tracing::warn!(error = %e, "cannot notify the service manager (NOTIFY_SOCKET)");
    }
}

/// Tells the service manager the service is stopping.
pub fn notify_stopping() {
    let _ = sd_notify::notify(&[NotifyState::Stopping]);
}

/// Starts the watchdog thread when the service manager asked for one
/// (`WatchdogSec=`): it pings twice per period while no reader thread of the kiosk
/// is stalled, and stops pinging (so systemd restarts the kiosk) while one is. It
/// ends when `stop` is cancelled.
pub fn start_watchdog(health: KioskHealth, stop: CancelToken) -> std::io::Result<()> {
    let Some(period) = sd_notify::watchdog_enabled() else {
        return Ok(());
    };
    let every = (period / 2).max(Duration::from_millis(10));
    let hung_after = READER_HUNG_AFTER.max(period / 2);
    std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            watchdog_loop(&health, &stop, every, hung_after, || {
                sd_notify::notify(&[NotifyState::Watchdog])
            });
        })?;
    Ok(())
}

/// Every `every` until `stop`: `ping` while no reader has been silent for longer than
/// `hung_after`; while one has, no ping (and one error record naming it).
fn watchdog_loop(
    health: &KioskHealth,
    stop: &CancelToken,
    every: Duration,
    hung_after: Duration,
    mut ping: impl FnMut() -> std::io::Result<()>,
) {
    let mut reported = false;
    while !stop.is_cancelled() {
        let stalled = health.stalled(hung_after);
        if stalled.is_empty() {
            reported = false;
            if let Err(e) = ping() {
                tracing::warn!(error = %e, "watchdog ping failed");
            }
        } else if !reported {
            reported = true;
            tracing::error!(
                reader = %stalled.join(", "),
                "reader thread hung; watchdog pings stopped so that systemd restarts the kiosk"
            );
        }
        std::thread::sleep(every);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::station::presence::heartbeat::Heartbeat;

    /// Runs the loop for `run`, beating `beat` meanwhile if asked; returns the pings.
    fn pings(beating: bool, run: Duration) -> usize {
        let beat = Heartbeat::new();
        let mut health = KioskHealth::default();
        health.add("rdm6300:/dev/ttyUSB0".into(), beat.clone());
        let stop = CancelToken::new();
        let count = Arc::new(AtomicUsize::new(0));
        let (c, s) = (Arc::clone(&count), stop.clone());
        let t = std::thread::spawn(move || {
            watchdog_loop(
                &health,
                &s,
                Duration::from_millis(5),
                Duration::from_millis(50),
                || {
                    c.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                },
            )
        });
        let until = std::time::Instant::now() + run;
        while std::time::Instant::now() < until {
            if beating {
                beat.beat();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // Past the hung threshold now: count only the pings after it.
        let before = count.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(100));
        let after_silence = count.load(Ordering::Relaxed) - before;
        stop.cancel();
        let _ = t.join();
        if beating { before } else { after_silence }
    }

    #[test]
    fn pings_while_readers_beat() {
        assert!(pings(true, Duration::from_millis(200)) >= 5);
    }

    #[test]
    fn no_ping_while_a_reader_is_silent() {
        // Silent from the start: after the 50 ms threshold, at most the pings already
        // in flight; over 100 ms more, none.
        assert_eq!(pings(false, Duration::from_millis(120)), 0);
    }
}
