//! A device's own clock: host time + offset + drift (design.md §5).
//!
//! `device = set_value + (host - set_at) × (1 + ppm / 1e6)`: setting the clock (as a
//! programmer does) fixes a point, and the crystal's drift in parts per million makes it
//! walk away from host time from there. All arithmetic in milliseconds, pure: the host
//! time comes in as an argument (`now_ms` reads the system clock for convenience).

use std::time::{SystemTime, UNIX_EPOCH};

/// A drifting device clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeviceClock {
    /// Host time (Unix ms) at which the clock was last set.
    set_at_host_ms: i64,
    /// Device time (Unix ms) it was set to.
    set_value_ms: i64,
    /// Drift in parts per million (positive: runs fast).
    drift_ppm: f64,
}

impl DeviceClock {
    /// A clock that shows host time now and does not drift.
    pub fn synced(host_ms: i64) -> Self {
        DeviceClock {
            set_at_host_ms: host_ms,
            set_value_ms: host_ms,
            drift_ppm: 0.0,
        }
    }

    /// A clock `offset_ms` ahead of host time at `host_ms`, drifting `drift_ppm`.
    pub fn with_offset(host_ms: i64, offset_ms: i64, drift_ppm: f64) -> Self {
        DeviceClock {
            set_at_host_ms: host_ms,
            set_value_ms: host_ms.saturating_add(offset_ms),
            drift_ppm,
        }
    }

    /// Device time (Unix ms) at host time `host_ms`.
    pub fn at(&self, host_ms: i64) -> i64 {
        let elapsed = host_ms.saturating_sub(self.set_at_host_ms);
        let drifted = elapsed as f64 * (1.0 + self.drift_ppm / 1e6);
        self.set_value_ms.saturating_add(drifted.round() as i64)
    }

    /// Device time in Unix seconds at host time `host_ms`.
    pub fn unix_seconds_at(&self, host_ms: i64) -> i64 {
        self.at(host_ms).div_euclid(1000)
    }

    /// Sets the device time to `device_ms` at host time `host_ms` (drift is kept).
    pub fn set(&mut self, host_ms: i64, device_ms: i64) {
        self.set_at_host_ms = host_ms;
        self.set_value_ms = device_ms;
    }

    /// Changes the drift from host time `host_ms` on (the time shown then is kept).
    pub fn set_drift_ppm(&mut self, host_ms: i64, drift_ppm: f64) {
        let now = self.at(host_ms);
        self.set(host_ms, now);
        self.drift_ppm = drift_ppm;
    }

    /// The drift in ppm.
    pub fn drift_ppm(&self) -> f64 {
        self.drift_ppm
    }

    /// Device minus host time at `host_ms`, in ms.
    pub fn offset_ms(&self, host_ms: i64) -> i64 {
        self.at(host_ms).saturating_sub(host_ms)
    }
}

/// Host time now, Unix ms.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_and_drift() {
        let t0 = 1_700_000_000_000;
        let mut c = DeviceClock::with_offset(t0, 5_000, 0.0);
        assert_eq!(c.at(t0 + 1_000), t0 + 6_000);
        // 100 ppm fast: after 10^6 s it is 100 s ahead of where it started.
        c.set_drift_ppm(t0, 100.0);
        let day = 86_400_000;
        assert_eq!(c.offset_ms(t0 + day), 5_000 + 8_640);
        c.set(t0 + day, t0 + day);
        assert_eq!(c.offset_ms(t0 + day), 0);
        assert_eq!(c.unix_seconds_at(t0 + day), (t0 + day) / 1000);
    }

    #[test]
    fn slow_clock_falls_behind() {
        let c = DeviceClock::with_offset(0, 0, -20.0);
        assert_eq!(c.offset_ms(1_000_000_000), -20_000);
    }
}
