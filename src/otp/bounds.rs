//! The values a real token's parameters and state can have, checked in one place for
//! every input path (PSKC, CSV, Key URIs, `product add`, `token add`). Anything outside
//! is refused with the field named, never clamped or wrapped.
//!
//! - **Period** (RFC 6238 §4.1 time step X): 1 to 3,600 seconds. RFC 6238 recommends
//!   30 s; hardware tokens ship with 30 s or 60 s (Token2, Feitian, SafeNet OTP 110,
//!   Entra ID accepts only those two); Key URIs default to 30. An hour is far beyond
//!   any token and still small enough that step arithmetic and the verification window
//!   stay meaningful (a period of 2^32 s made step 0 last 136 years).
//! - **T0** (RFC 6238 §4.1, Unix seconds): 1900-01-01 to 2100-01-01 UTC. Tokens use 0;
//!   the range keeps `now − T0` far from 64-bit overflow while still allowing an odd
//!   origin (e.g. 1960, `-315619200`).
//! - **Drift** (RFC 6030 §4.3.3 `TimeDrift`, in steps): at most one year of clock
//!   offset either way (|drift × period| ≤ 31,536,000 s). A year is also the widest
//!   TOTP resync search the station allows; a clock further off is wrong, not drifting,
//!   and needs setting.
//! - **Window** (RFC 6238 §5.2 skew, RFC 4226 §7.4 look-ahead), steps or counters: at
//!   most 1,000, privacyIDEA's HOTP sync window. Every verification computes up to
//!   2 × window + 1 codes; a window of 2^32 made each one compute billions.
//! - **Vendor drift** (seconds per year): finite, at most a year either way.
//! - **HOTP counter** (RFC 4226 §5.2 C, 8 bytes): below 2^63. The store keeps counters
//!   in a signed 64-bit integer; 2^63 − 1 is the last value it can hold, and a verifier
//!   must not accept the code at a counter it cannot advance past.

use super::{OtpError, OtpParams};

/// Longest TOTP period in seconds.
pub const PERIOD_MAX_S: u32 = 3_600;
/// Earliest TOTP T0: 1900-01-01T00:00:00Z.
pub const T0_MIN: i64 = -2_208_988_800;
/// Latest TOTP T0: 2100-01-01T00:00:00Z.
pub const T0_MAX: i64 = 4_102_444_800;
/// Largest clock offset a drift may stand for, in seconds (365 days).
pub const DRIFT_MAX_S: i64 = 365 * 86_400;
/// Widest verification window, in steps (TOTP, each side) or counters (HOTP ahead).
pub const SKEW_MAX: u32 = 1_000;
/// Largest vendor drift, seconds per year.
pub const DRIFT_PER_YEAR_MAX_S: f64 = 31_536_000.0;
/// Largest HOTP counter: 2^63 − 1, the largest value the store's signed INTEGER holds.
pub const COUNTER_MAX: u64 = i64::MAX as u64;

/// Validates a TOTP period given as any integer the source had.
pub fn check_period(period: impl Into<i128>) -> Result<u32, OtpError> {
    let p = period.into();
    match u32::try_from(p) {
        Ok(v) if (1..=PERIOD_MAX_S).contains(&v) => Ok(v),
        _ => Err(OtpError::invalid(
            "period",
            format!("{p} is not between 1 and {PERIOD_MAX_S} seconds"),
        )),
    }
}

/// Validates a TOTP T0 in Unix seconds.
pub fn check_t0(t0: impl Into<i128>) -> Result<i64, OtpError> {
    let t = t0.into();
    match i64::try_from(t) {
        Ok(v) if (T0_MIN..=T0_MAX).contains(&v) => Ok(v),
        _ => Err(OtpError::invalid(
            "T0",
            format!(
                "{t} is not between {T0_MIN} (1900-01-01) and {T0_MAX} (2100-01-01) Unix seconds"
            ),
        )),
    }
}

/// Validates a drift in steps of `period` seconds: at most one year of clock offset.
pub fn check_drift(steps: impl Into<i128>, period: u32) -> Result<i64, OtpError> {
    let s = steps.into();
    let seconds = s.saturating_mul(i128::from(period.max(1)));
    match i64::try_from(s) {
        Ok(v) if seconds.abs() <= i128::from(DRIFT_MAX_S) => Ok(v),
        _ => Err(OtpError::invalid(
            "drift",
            format!(
                "{s} steps of {period} s is more than a year ({DRIFT_MAX_S} s) of clock offset; set the token's clock instead"
            ),
        )),
    }
}

/// Validates a verification window (see [`SKEW_MAX`]).
pub fn check_skew(skew: u32) -> Result<u32, OtpError> {
    if skew <= SKEW_MAX {
        Ok(skew)
    } else {
        Err(OtpError::invalid(
            "window",
            format!("{skew} is more than {SKEW_MAX} steps or counters"),
        ))
    }
}

/// Validates a vendor's drift in seconds per year: finite, at most a year either way.
pub fn check_drift_per_year(s: f64) -> Result<f64, OtpError> {
    if s.is_finite() && s.abs() <= DRIFT_PER_YEAR_MAX_S {
        Ok(s)
    } else {
        Err(OtpError::invalid(
            "drift per year",
            format!("{s} is not a number of seconds within a year either way"),
        ))
    }
}

/// Validates an HOTP counter: 0 to 2^63 − 1.
pub fn check_counter(counter: impl Into<i128>) -> Result<u64, OtpError> {
    let c = counter.into();
    match u64::try_from(c) {
        Ok(v) if v <= COUNTER_MAX => Ok(v),
        _ => Err(OtpError::invalid(
            "counter",
            format!("{c} is not between 0 and {COUNTER_MAX} (2^63 - 1)"),
        )),
    }
}

impl OtpParams {
    /// Checks period and T0 against the bounds above (digits are checked by
    /// [`Digits`](super::Digits) itself). Every input path calls this.
    pub fn validate(&self) -> Result<(), OtpError> {
        check_period(self.period)?;
        check_t0(self.t0)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::Kind;

    #[test]
    fn period_bounds() {
        assert_eq!(check_period(1u32), Ok(1));
        assert_eq!(check_period(30u64), Ok(30));
        assert_eq!(check_period(3600i64), Ok(3600));
        for bad in [0i128, -1, 3601, 4_294_967_295, 99_999_999_999_999] {
            let e = check_period(bad).unwrap_err().to_string();
            assert!(e.contains(&bad.to_string()) && e.contains("period"), "{e}");
        }
    }

    #[test]
    fn t0_bounds() {
        assert_eq!(check_t0(0i64), Ok(0));
        assert_eq!(check_t0(-315_619_200i64), Ok(-315_619_200));
        assert_eq!(check_t0(T0_MIN), Ok(T0_MIN));
        assert_eq!(check_t0(T0_MAX), Ok(T0_MAX));
        assert!(check_t0(T0_MIN - 1).is_err());
        assert!(check_t0(T0_MAX + 1).is_err());
        assert!(check_t0(i128::from(i64::MIN)).is_err());
    }

    #[test]
    fn drift_is_bounded_in_time() {
        assert_eq!(check_drift(-3i64, 30), Ok(-3));
        assert_eq!(check_drift(1_051_200i64, 30), Ok(1_051_200)); // exactly a year
        assert!(check_drift(1_051_201i64, 30).is_err());
        assert!(check_drift(-1_051_201i64, 30).is_err());
        assert!(check_drift(i128::from(i64::MAX), 30).is_err());
        assert!(check_drift(i128::from(i64::MIN), 1).is_err());
        assert!(check_drift(1i128 << 63, 30).is_err());
        assert!(check_drift(-(1i128 << 63), 30).is_err());
    }

    #[test]
    fn counter_below_two_to_the_63() {
        assert_eq!(check_counter(0u64), Ok(0));
        assert_eq!(check_counter(COUNTER_MAX), Ok(COUNTER_MAX));
        assert!(check_counter(COUNTER_MAX + 1).is_err());
        assert!(check_counter(u64::MAX).is_err());
        assert!(check_counter(-1i64).is_err());
    }

    #[test]
    fn window_and_vendor_drift() {
        assert_eq!(check_skew(0), Ok(0));
        assert_eq!(check_skew(SKEW_MAX), Ok(SKEW_MAX));
        assert!(check_skew(SKEW_MAX + 1).is_err());
        assert!(check_skew(u32::MAX).is_err());
        assert_eq!(check_drift_per_year(-2.5), Ok(-2.5));
        for bad in [f64::NAN, f64::INFINITY, -f64::INFINITY, 4e7, -4e7] {
            assert!(check_drift_per_year(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn params_validate() {
        let mut p = OtpParams::default();
        assert!(p.validate().is_ok());
        p.period = 86_400;
        assert!(p.validate().is_err());
        p.period = 60;
        p.t0 = i64::MAX;
        assert!(p.validate().is_err());
        p.t0 = 0;
        p.kind = Kind::Hotp;
        assert!(p.validate().is_ok());
    }
}
