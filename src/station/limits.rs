//! Rate limiting (no permanent lockout): after N consecutive failures a token or a
//! location answers `LIMIT_REACHED` with `retry_after_ms` until its cooldown ends
//! (RFC 4226 §7.3 throttling; SuperTokens' cooldown model). A success resets it.

use super::policy::Policy;
use super::tx::Tx;
use super::{Result, Station};
use crate::store::Reader;
use crate::store::limits::{FailCounter, Scope};

/// Milliseconds until `scope` accepts attempts again, if it is cooling down.
pub(crate) fn retry_after(c: &Reader<'_>, scope: Scope, now_ms: i64) -> Result<Option<u64>> {
    let f = c.fail_counter(scope)?;
    Ok(f.locked_until_ms
        .filter(|&until| until > now_ms)
        .map(|until| (until - now_ms) as u64))
}

/// Counts a failure; starts a cooldown when the count reaches the limit.
pub(crate) fn fail(c: &Tx<'_>, scope: Scope, p: &Policy, now_ms: i64) -> Result<()> {
    let max = match scope {
        Scope::Token(_) => p.max_failures,
        Scope::Location(_) => p.location_max_failures,
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

    /// Clears a location's failure count and cooldown (audited).
    pub fn location_unlock(&mut self, name: &str, now: i64) -> Result<bool> {
        self.write(|tx| {
            let l = tx.location_get(name)?;
            let cleared = tx.fail_counter_clear(Scope::Location(l.id))?;
            tx.audit(
                now,
                "location.unlock",
                &format!("location {name}"),
                None::<&()>,
                None::<&()>,
            )?;
            Ok(cleared)
        })
    }
}
