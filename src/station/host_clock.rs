//! The host clock before a token clock is written (issue 14): what time it is, and
//! whether the kernel says the clock is synchronised. A token clock set from an
//! unsynchronised host carries the host's error for years, so a fix refuses unless
//! forced. The kernel's view comes from `adjtimex(2)` in read-only mode (modes 0),
//! as `timedatectl`'s "System clock synchronized" does: the clock is synchronised
//! when the state is not `TIME_ERROR`, `STA_UNSYNC` is clear and the maximum error is
//! below 16 s (the kernel sets `STA_UNSYNC` itself past that). The check is a trait,
//! so tests and emulated scenes inject their own clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::Serialize;

/// `STA_UNSYNC` in `timex.status` (linux/timex.h).
const STA_UNSYNC: i32 = 0x0040;
/// The `TIME_ERROR` clock state adjtimex returns (linux/timex.h).
const TIME_ERROR: i32 = 5;
/// `NTP_PHASE_LIMIT`: the largest maximum error of a synchronised clock, µs.
const MAX_ERROR_LIMIT_US: i64 = 16_000_000;

/// What the host says about its clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum HostSync {
    /// Synchronised (NTP, chrony, PTP…), with the kernel's error bounds.
    Synchronised {
        /// Maximum error, µs.
        max_error_us: i64,
        /// Estimated error, µs.
        est_error_us: i64,
    },
    /// Not synchronised, and why.
    Unsynchronised {
        /// What the kernel says.
        why: String,
    },
    /// The status cannot be read.
    Unknown {
        /// Why.
        why: String,
    },
}

impl HostSync {
    /// Whether a token clock may be set from this host without forcing.
    pub fn is_synchronised(&self) -> bool {
        matches!(self, HostSync::Synchronised { .. })
    }

    /// Why not, in words (empty when synchronised).
    pub fn why(&self) -> String {
        match self {
            HostSync::Synchronised { .. } => String::new(),
            HostSync::Unsynchronised { why } | HostSync::Unknown { why } => why.clone(),
        }
    }

    /// Judges the kernel's answer: `state` returned by adjtimex, `timex.status`, and
    /// the maximum and estimated errors in µs.
    pub fn from_kernel(state: i32, status: i32, max_error_us: i64, est_error_us: i64) -> HostSync {
        if status & STA_UNSYNC != 0 {
            return HostSync::Unsynchronised {
                why: "the kernel marks the clock unsynchronised (STA_UNSYNC): no NTP, chrony \
                      or PTP daemon disciplines it"
                    .into(),
            };
        }
        if state == TIME_ERROR {
            return HostSync::Unsynchronised {
                why: "the kernel reports the clock state TIME_ERROR".into(),
            };
        }
        if max_error_us >= MAX_ERROR_LIMIT_US {
            return HostSync::Unsynchronised {
                why: format!(
                    "the kernel's maximum error is {:.1} s",
                    max_error_us as f64 / 1e6
                ),
            };
        }
        HostSync::Synchronised {
            max_error_us,
            est_error_us,
        }
    }
}

/// The host clock as a fix sees it.
pub trait HostClock: Send + Sync {
    /// Now, Unix seconds.
    fn now(&self) -> i64;
    /// Whether the clock is synchronised.
    fn sync(&self) -> HostSync;
}

/// The system clock and the kernel's synchronisation status.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl HostClock for SystemClock {
    fn now(&self) -> i64 {
        super::time::now()
    }

    fn sync(&self) -> HostSync {
        kernel_status()
    }
}

#[cfg(target_os = "linux")]
fn kernel_status() -> HostSync {
    use rtime_clock::adjtime::{Timex, adjtimex};
    // modes 0: a read-only query, allowed without CAP_SYS_TIME
    let mut tx = Timex::new();
    match adjtimex(&mut tx) {
        // c_long: 64 bits here, 32 on 32-bit targets
        #[allow(clippy::unnecessary_cast)]
        Ok(state) => HostSync::from_kernel(
            state,
            tx.0.status,
            tx.0.maxerror as i64,
            tx.0.esterror as i64,
        ),
        Err(e) => HostSync::Unknown {
            why: format!("adjtimex failed: {e}"),
        },
    }
}

#[cfg(not(target_os = "linux"))]
fn kernel_status() -> HostSync {
    HostSync::Unknown {
        why: "the clock status is read on Linux only".into(),
    }
}

/// A clock for tests and emulated scenes: the system clock shifted by an amount the
/// caller sets (days or months ahead), running at real speed so drivers that time
/// their own work stay consistent with it, and a synchronisation status of the
/// caller's choice. Clones share the shift.
#[derive(Debug, Clone)]
pub struct SimulatedClock {
    shift_ms: Arc<AtomicI64>,
    sync: HostSync,
}

fn system_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl SimulatedClock {
    /// A synchronised clock showing `now` (Unix seconds) at this moment.
    pub fn synchronised(now: i64) -> SimulatedClock {
        let c = SimulatedClock {
            shift_ms: Arc::new(AtomicI64::new(0)),
            sync: HostSync::Synchronised {
                max_error_us: 1_000,
                est_error_us: 100,
            },
        };
        c.set(now);
        c
    }

    /// The same clock, reporting `sync`.
    pub fn with_sync(mut self, sync: HostSync) -> SimulatedClock {
        self.sync = sync;
        self
    }

    /// Shows `now` (Unix seconds) at this moment, and runs on from there.
    pub fn set(&self, now: i64) {
        self.set_ms(now.saturating_mul(1000));
    }

    /// Shows `now_ms` (Unix milliseconds) at this moment.
    pub fn set_ms(&self, now_ms: i64) {
        self.shift_ms
            .store(now_ms.saturating_sub(system_ms()), Ordering::SeqCst);
    }

    /// Moves the time on by `s` seconds.
    pub fn advance(&self, s: i64) {
        self.shift_ms
            .fetch_add(s.saturating_mul(1000), Ordering::SeqCst);
    }

    /// How far ahead of the system clock it is, ms (for emulated devices' host time).
    pub fn shift_ms(&self) -> i64 {
        self.shift_ms.load(Ordering::SeqCst)
    }

    /// Now, Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        system_ms().saturating_add(self.shift_ms())
    }
}

impl HostClock for SimulatedClock {
    fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    fn sync(&self) -> HostSync {
        self.sync.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_answer_is_judged_like_timedatectl() {
        assert!(HostSync::from_kernel(0, 0x2001, 50_000, 1_000).is_synchronised());
        let unsync = HostSync::from_kernel(0, 0x0041, 50_000, 1_000);
        assert!(unsync.why().contains("STA_UNSYNC"), "{unsync:?}");
        assert!(!HostSync::from_kernel(5, 0x0001, 50_000, 0).is_synchronised());
        let far = HostSync::from_kernel(0, 0x0001, 16_000_000, 0);
        assert!(far.why().contains("16.0 s"), "{far:?}");
    }

    #[test]
    fn the_system_clock_answers() {
        // Whatever this machine's state, the query itself must work on Linux.
        let s = SystemClock.sync();
        assert!(!matches!(s, HostSync::Unknown { .. }), "{s:?}");
        assert!(SystemClock.now() > 1_700_000_000);
    }

    #[test]
    fn simulated_clocks_move_when_told() {
        let c = SimulatedClock::synchronised(100);
        let d = c.clone();
        c.advance(5);
        assert!((105..=106).contains(&d.now()), "{}", d.now());
        c.set(1_000_000);
        assert!((1_000_000..=1_000_001).contains(&d.now()));
        let u = c.with_sync(HostSync::Unsynchronised { why: "x".into() });
        assert!(!u.sync().is_synchronised());
    }
}
