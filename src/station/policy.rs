//! Verification policy: rate limits, drift learning cap, resync and look-up bounds.
//! Defaults follow SuperTokens (5 failures, 15 min cooldown) and privacyIDEA (HOTP sync
//! window 1000); each can be changed per store with `policy set`. The per-source delay
//! (see [`super::limits`]) replaced the location-wide cooldown: the old key
//! `limit.location_max_failures`, which a store may still hold, is read as
//! `limit.source_free_failures`.

use serde::Serialize;

use super::error::PolicyProblem;
use super::{Result, StationError};
use crate::store::Reader;

/// The policy in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// Consecutive failures of one token before it cools down.
    pub max_failures: u32,
    /// Consecutive failures from one source at one location before its delay starts.
    pub source_free_failures: u32,
    /// The first delay of a source, in seconds; each further failure doubles it.
    pub source_delay_s: u64,
    /// Longest delay of a source, in seconds.
    pub source_delay_max_s: u64,
    /// Cooldown in seconds.
    pub cooldown_s: u64,
    /// Each further lockout multiplies the cooldown by this (1 = fixed).
    pub cooldown_growth: f64,
    /// Longest cooldown in seconds, however often it grew.
    pub cooldown_max_s: u64,
    /// Largest drift in steps learned automatically past the token's baseline (the
    /// drift an operator established); beyond it, resync or fix the clock.
    pub max_drift_steps: u64,
    /// TOTP resync search, seconds each side of now.
    pub resync_totp_window_s: u64,
    /// HOTP resync search, counters ahead.
    pub resync_hotp_window: u64,
    /// Largest look-up, in codes computed (tokens × steps).
    pub lookup_max_codes: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_failures: 5,
            source_free_failures: 3,
            source_delay_s: 1,
            source_delay_max_s: 300,
            cooldown_s: 900,
            cooldown_growth: 1.0,
            cooldown_max_s: 86_400,
            max_drift_steps: 20,
            resync_totp_window_s: 86_400,
            resync_hotp_window: 1000,
            lookup_max_codes: 1_000_000_000,
        }
    }
}

/// One settable key of the policy, with its value in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyEntry {
    /// The key (`limit.max_failures`…).
    pub key: &'static str,
    /// Its value in force.
    pub value: String,
    /// What it means, with its range.
    pub meaning: &'static str,
}

/// One year in seconds: the widest TOTP resync search allowed.
const YEAR_S: u64 = 365 * 86_400;

/// The settable keys, with what they mean.
pub const KEYS: &[(&str, &str)] = &[
    (
        "limit.max_failures",
        "consecutive failures of a token before LIMIT_REACHED (1-1000)",
    ),
    (
        "limit.source_free_failures",
        "failures from one source at a location before its delay starts (0-1000)",
    ),
    (
        "limit.source_delay_s",
        "first delay of a failing source in seconds, doubled per failure (1-3600)",
    ),
    (
        "limit.source_delay_max_s",
        "longest delay of a failing source in seconds (1-86400)",
    ),
    ("limit.cooldown_s", "cooldown in seconds (1-86400)"),
    (
        "limit.cooldown_growth",
        "multiplier per further lockout, 1 = fixed (1-10)",
    ),
    (
        "limit.cooldown_max_s",
        "longest cooldown in seconds (1-31536000)",
    ),
    (
        "drift.max_learned_steps",
        "largest drift learned automatically past the operator's baseline (resync, clock fix, burn), in steps (0-100000)",
    ),
    (
        "resync.totp_window_s",
        "TOTP resync search, seconds each side of now (60-31536000)",
    ),
    (
        "resync.hotp_window",
        "HOTP resync search, counters ahead (1-1000000)",
    ),
    (
        "lookup.max_codes",
        "largest look-up in codes computed (1000-100000000000)",
    ),
];

fn parse<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(
    key: &str,
    v: &str,
    lo: T,
    hi: T,
) -> Result<T> {
    let n: T = v.parse().map_err(|_| StationError::Policy {
        key: key.to_string(),
        problem: PolicyProblem::NotANumber(v.to_string()),
    })?;
    // `contains` is false for NaN, which `n < lo || n > hi` lets through.
    if !(lo..=hi).contains(&n) {
        return Err(StationError::Policy {
            key: key.to_string(),
            problem: PolicyProblem::OutOfRange {
                value: v.to_string(),
                range: format!("{lo}..={hi}"),
            },
        });
    }
    Ok(n)
}

impl Policy {
    /// Applies one `key = value`, validating it.
    pub fn apply(&mut self, key: &str, v: &str) -> Result<()> {
        match key {
            "limit.max_failures" => self.max_failures = parse(key, v, 1, 1000)?,
            // The key of the location-wide cooldown this delay replaced.
            "limit.source_free_failures" | "limit.location_max_failures" => {
                self.source_free_failures = parse(key, v, 0, 1000)?
            }
            "limit.source_delay_s" => self.source_delay_s = parse(key, v, 1, 3600)?,
            "limit.source_delay_max_s" => self.source_delay_max_s = parse(key, v, 1, 86_400)?,
            "limit.cooldown_s" => self.cooldown_s = parse(key, v, 1, 86_400)?,
            "limit.cooldown_growth" => self.cooldown_growth = parse(key, v, 1.0, 10.0)?,
            "limit.cooldown_max_s" => self.cooldown_max_s = parse(key, v, 1, YEAR_S)?,
            "drift.max_learned_steps" => self.max_drift_steps = parse(key, v, 0, 100_000)?,
            "resync.totp_window_s" => self.resync_totp_window_s = parse(key, v, 60, YEAR_S)?,
            "resync.hotp_window" => self.resync_hotp_window = parse(key, v, 1, 1_000_000)?,
            "lookup.max_codes" => self.lookup_max_codes = parse(key, v, 1000, 100_000_000_000)?,
            _ => {
                return Err(StationError::UnknownPolicyKey {
                    key: key.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The policy stored in the store, over the defaults.
    pub fn load(c: &Reader<'_>) -> Result<Policy> {
        let mut p = Policy::default();
        for (k, v) in c.setting_list()? {
            p.apply(&k, &v)?;
        }
        Ok(p)
    }

    /// Every settable key with its value in force and its meaning, in [`KEYS`] order.
    pub fn entries(&self) -> Vec<PolicyEntry> {
        KEYS.iter()
            .map(|&(key, meaning)| PolicyEntry {
                key,
                value: match key {
                    "limit.max_failures" => self.max_failures.to_string(),
                    "limit.source_free_failures" => self.source_free_failures.to_string(),
                    "limit.source_delay_s" => self.source_delay_s.to_string(),
                    "limit.source_delay_max_s" => self.source_delay_max_s.to_string(),
                    "limit.cooldown_s" => self.cooldown_s.to_string(),
                    "limit.cooldown_growth" => self.cooldown_growth.to_string(),
                    "limit.cooldown_max_s" => self.cooldown_max_s.to_string(),
                    "drift.max_learned_steps" => self.max_drift_steps.to_string(),
                    "resync.totp_window_s" => self.resync_totp_window_s.to_string(),
                    "resync.hotp_window" => self.resync_hotp_window.to_string(),
                    _ => self.lookup_max_codes.to_string(),
                },
                meaning,
            })
            .collect()
    }

    /// The delay of a source after its `failures`-th consecutive failure, in
    /// milliseconds: none for the first [`Policy::source_free_failures`], then
    /// `source_delay_s` doubled per further failure, at most `source_delay_max_s`.
    pub fn source_delay_ms(&self, failures: u32) -> Option<i64> {
        let over = failures
            .checked_sub(self.source_free_failures)?
            .checked_sub(1)?;
        let grown = self.source_delay_s.saturating_mul(1u64 << over.min(40));
        let s = grown.min(self.source_delay_max_s).max(1);
        Some(i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX))
    }

    /// Cooldown in milliseconds after `lockouts` earlier lockouts.
    pub fn cooldown_ms(&self, lockouts: u32) -> i64 {
        let grown = self.cooldown_s as f64 * self.cooldown_growth.powi(lockouts.min(64) as i32);
        let s = grown.min(self.cooldown_max_s as f64).max(1.0);
        (s * 1000.0) as i64
    }
}

impl super::Station {
    /// The policy in force.
    pub fn policy(&self) -> Result<Policy> {
        Policy::load(&self.read())
    }

    /// Sets one policy key (validated, audited).
    pub fn policy_set(&mut self, key: &str, value: &str, now: i64) -> Result<Policy> {
        let mut p = self.policy()?;
        let before = p.clone();
        p.apply(key, value)?;
        self.write(|tx| {
            tx.setting_set(key, value.trim())?;
            tx.audit(
                now,
                "policy.set",
                &format!("policy {key}"),
                Some(&before),
                Some(&p),
            )
        })?;
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_validates() {
        let mut p = Policy::default();
        p.apply("limit.max_failures", "3").unwrap();
        assert_eq!(p.max_failures, 3);
        assert!(p.apply("limit.max_failures", "0").is_err());
        assert!(p.apply("limit.max_failures", "x").is_err());
        assert!(p.apply("resync.totp_window_s", "31536001").is_err());
        for bad in ["NaN", "inf", "-inf", "1e400"] {
            assert!(p.apply("limit.cooldown_growth", bad).is_err(), "{bad}");
        }
        assert!(
            p.apply("nope", "1")
                .unwrap_err()
                .to_string()
                .contains("limit.max_failures")
        );
    }

    #[test]
    fn every_key_has_its_value() {
        let mut p = Policy::default();
        for (key, value) in [
            ("limit.max_failures", "7"),
            ("limit.source_free_failures", "70"),
            ("limit.source_delay_s", "7"),
            ("limit.source_delay_max_s", "700"),
            ("limit.cooldown_s", "77"),
            ("limit.cooldown_growth", "2.5"),
            ("limit.cooldown_max_s", "777"),
            ("drift.max_learned_steps", "17"),
            ("resync.totp_window_s", "7777"),
            ("resync.hotp_window", "27"),
            ("lookup.max_codes", "77777"),
        ] {
            p.apply(key, value).unwrap();
            let e = p.entries().into_iter().find(|e| e.key == key).unwrap();
            assert_eq!(e.value, value, "{key}");
        }
        assert_eq!(p.entries().len(), KEYS.len());
    }

    #[test]
    fn source_delay_starts_after_the_free_failures_and_doubles_to_its_cap() {
        let p = Policy::default();
        let delays: Vec<Option<i64>> = (0..=14).map(|n| p.source_delay_ms(n)).collect();
        assert_eq!(&delays[..4], &[None, None, None, None]);
        assert_eq!(
            &delays[4..],
            &[1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map(|s| Some(s * 1000))
        );
        let mut old = Policy::default();
        old.apply("limit.location_max_failures", "0").unwrap();
        assert_eq!(old.source_delay_ms(1), Some(1000));
        assert_eq!(old.source_delay_ms(u32::MAX), Some(300_000));
    }

    #[test]
    fn cooldown_grows_and_caps() {
        let mut p = Policy::default();
        assert_eq!(p.cooldown_ms(0), 900_000);
        assert_eq!(p.cooldown_ms(5), 900_000);
        p.cooldown_growth = 2.0;
        assert_eq!(p.cooldown_ms(1), 1_800_000);
        assert_eq!(p.cooldown_ms(20), 86_400_000);
    }
}
