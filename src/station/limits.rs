//! Rate limits, two of them, neither a permanent lockout (README "Guessing and
//! lockouts"):
//!
//! - **per token**: after `limit.max_failures` consecutive wrong codes for one token,
//!   that token answers `LIMIT_REACHED` with `retry_after_ms` until its cooldown ends
//!   (RFC 4226 §7.3 throttling; SuperTokens' cooldown model). A success resets it.
//!   Codes typed for unknown serials never count here: they name no token.
//! - **per source**: every failure (a wrong code, an unknown serial, a malformed code)
//!   from one [`Source`] at one location counts toward that source's delay. After
//!   `limit.source_free_failures` of them, the source must wait before its next attempt
//!   is even looked at: `limit.source_delay_s`, doubled per further failure up to
//!   `limit.source_delay_max_s`. Attempts during the wait answer `LIMIT_REACHED` and
//!   count nothing. A success from the source, or `limit.cooldown_s` without a failure,
//!   starts it over. Other sources at the same location are not slowed: one person
//!   guessing at one kiosk cannot lock the location's holders out (privacyIDEA's
//!   maxfail locks the token for everyone, a denial of service its users report in
//!   privacyIDEA #3741; the location-wide cooldown this replaced did the same to a
//!   whole location).

use std::fmt;

use super::names::checked;
use super::policy::Policy;
use super::tx::Tx;
use super::{Result, Station};
use crate::model::NameKind;
use crate::store::Reader;
use crate::store::limits::{FailCounter, Scope, SourceDelay};

/// Where verification attempts come from: the unit the per-source delay counts. Each
/// face names its sources: the CLI its operating-system user (`cli:alice`), a kiosk
/// its reader (`reader:stdin`, `reader:pcsc:…`), the HTTP API its client
/// (`api-client:192.0.2.7`) or key (`api-key:k1`). The text form is stored with every
/// attempt.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source(String);

impl Source {
    /// The source of callers that name none: all of them share one delay per location.
    pub const UNSPECIFIED: &'static str = "unspecified";

    fn new(kind: &str, name: &str) -> Result<Source> {
        let name = checked(NameKind::Source, name)?;
        checked(NameKind::Source, &format!("{kind}:{name}")).map(Source)
    }

    /// A person at the command line, by operating-system user name.
    pub fn cli(user: &str) -> Result<Source> {
        Source::new("cli", user)
    }

    /// A kiosk's reader (its spec, or `stdin` for the keyboard).
    pub fn reader(spec: &str) -> Result<Source> {
        Source::new("reader", spec)
    }

    /// An HTTP API client, by address.
    pub fn api_client(address: &str) -> Result<Source> {
        Source::new("api-client", address)
    }

    /// An HTTP API client, by key id.
    pub fn api_key(key_id: &str) -> Result<Source> {
        Source::new("api-key", key_id)
    }

    /// An end user an application verifies for, as the application names them (their
    /// address, privacyIDEA's `client`), behind the application's key: one user
    /// guessing slows that user, not the application's other users.
    pub fn api_end_user(key_id: &str, client: &str) -> Result<Source> {
        let client = checked(NameKind::Source, client)?;
        Source::new("api-key", &format!("{key_id} for {client}"))
    }

    /// The text form, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One source at one place: the key of a per-source delay.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SourceAt<'a> {
    /// The location's row id, 0 for verifications without a location.
    pub location_id: i64,
    /// The source's text form ([`Source::UNSPECIFIED`] when none was named).
    pub source: &'a str,
}

/// Milliseconds until `scope` accepts attempts again, if it is cooling down.
pub(crate) fn retry_after(c: &Reader<'_>, scope: Scope, now_ms: i64) -> Result<Option<u64>> {
    let f = c.fail_counter(scope)?;
    Ok(until(f.locked_until_ms, now_ms))
}

fn until(at_ms: Option<i64>, now_ms: i64) -> Option<u64> {
    at_ms
        .filter(|&t| t > now_ms)
        .map(|t| u64::try_from(t.saturating_sub(now_ms)).unwrap_or(u64::MAX))
}

/// Counts a failure of a token; starts a cooldown when the count reaches the limit.
pub(crate) fn fail(c: &Tx<'_>, scope: Scope, p: &Policy, now_ms: i64) -> Result<()> {
    let max = match scope {
        Scope::Token(_) => p.max_failures,
        // Location counters are no longer kept (per-source delays replaced them).
        Scope::Location(_) => return Ok(()),
    };
    let mut f = c.fail_counter(scope)?;
    f.failures += 1;
    if f.failures >= max {
        f.locked_until_ms = Some(now_ms + p.cooldown_ms(f.lockouts));
        f.lockouts = f.lockouts.saturating_add(1);
        f.failures = 0;
    }
    c.fail_counter_set(scope, f)?;
    Ok(())
}

/// A success: the count and the growth start over.
pub(crate) fn succeed(c: &Tx<'_>, scope: Scope) -> Result<()> {
    if c.fail_counter(scope)? != FailCounter::default() {
        c.fail_counter_clear(scope)?;
    }
    Ok(())
}

/// The source's delay here, read once per verification (checked, then counted on).
pub(crate) fn source_state(c: &Reader<'_>, at: SourceAt<'_>) -> Result<SourceDelay> {
    Ok(c.source_delay(at.location_id, at.source)?)
}

/// Milliseconds until the source may try again, if it is waiting.
pub(crate) fn source_retry_after(d: &SourceDelay, now_ms: i64) -> Option<u64> {
    until(d.next_at_ms, now_ms)
}

/// Counts a failure of the source here (its state `d` as read) and sets its next delay.
pub(crate) fn source_fail(
    c: &Tx<'_>,
    at: SourceAt<'_>,
    d: SourceDelay,
    p: &Policy,
    now_ms: i64,
) -> Result<()> {
    let mut d = d;
    let quiet_ms = i64::try_from(p.cooldown_s.saturating_mul(1000)).unwrap_or(i64::MAX);
    if d.failures > 0 && now_ms.saturating_sub(d.last_failure_ms) > quiet_ms {
        d = SourceDelay::default();
    }
    d.failures = d.failures.saturating_add(1);
    d.last_failure_ms = now_ms;
    d.next_at_ms = p
        .source_delay_ms(d.failures)
        .map(|ms| now_ms.saturating_add(ms));
    c.source_delay_set(at.location_id, at.source, d)?;
    Ok(())
}

/// A success from the source here (its state `d` as read): its delay starts over.
pub(crate) fn source_succeed(c: &Tx<'_>, at: SourceAt<'_>, d: &SourceDelay) -> Result<()> {
    if *d != SourceDelay::default() {
        c.source_delay_clear(at.location_id, at.source)?;
    }
    Ok(())
}

impl Station {
    /// Clears a token's failure count and cooldown (audited). True if there was any.
    pub fn token_unlock(&mut self, serial: &str, product: Option<&str>, now: i64) -> Result<bool> {
        self.write(|tx| {
            let t = super::tokens::find_token(tx, serial, product)?;
            let before = tx.fail_counter(Scope::Token(t.id))?;
            let cleared = tx.fail_counter_clear(Scope::Token(t.id))?;
            tx.audit(
                now,
                "token.unlock",
                &format!("token {serial}"),
                Some(&serde_json::json!({"failures": before.failures, "locked_until_ms": before.locked_until_ms})),
                None::<&()>,
            )?;
            Ok(cleared)
        })
    }

    /// Clears the delays of every source at a location (and the cooldown a store from
    /// before per-source delays may still hold). Audited; true if there was any.
    pub fn location_unlock(&mut self, name: &str, now: i64) -> Result<bool> {
        self.write(|tx| {
            let l = tx.location_get(name)?;
            let legacy = tx.fail_counter_clear(Scope::Location(l.id))?;
            let sources = tx.source_delays_clear_location(l.id)?;
            tx.audit(
                now,
                "location.unlock",
                &format!("location {name}"),
                Some(&serde_json::json!({"sources": sources})),
                None::<&()>,
            )?;
            Ok(legacy || sources > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_names() {
        assert_eq!(Source::cli("alice").unwrap().as_str(), "cli:alice");
        assert_eq!(
            Source::reader("pcsc:Virtual PCD 00 00")
                .unwrap()
                .to_string(),
            "reader:pcsc:Virtual PCD 00 00"
        );
        assert!(Source::api_client("a\u{1b}b").is_err());
        assert!(Source::cli(" ").is_err());
        assert!(Source::api_key(&"k".repeat(300)).is_err());
    }
}
