//! Resynchronisation with two consecutive codes (RFC 4226 §7.4, RFC 6238 §6): the pair
//! is searched in a wide window (TOTP: a day each side by default, up to a year; HOTP:
//! 1000 counters ahead). A match sets the drift or the counter past the pair (so the
//! codes cannot be replayed), makes that drift the token's baseline (learning moves
//! from there, `drift::baseline`), activates an unverified token, and is
//! audited.

use super::drift::{self, history::SampleKind};
use super::limits;
use super::policy::Policy;
use super::tokens::find_token;
use super::verify::{host_step, record_attempt};
use super::{Method, Result, Station, Status, Verdict};
use crate::model::TokenStatus;
use crate::otp::bounds::COUNTER_MAX;
use crate::otp::{Code, Kind, OtpKey, window};
use crate::store::limits::Scope;
use crate::store::tokens::VerifyState;

impl Station {
    /// Resynchronises a token from two consecutive codes.
    pub fn token_resync(
        &mut self,
        serial: &str,
        product: Option<&str>,
        code1: &str,
        code2: &str,
        at: i64,
    ) -> Result<Verdict> {
        let t = find_token(&self.read(), serial, product)?;
        // a resync moves the state its leasing station checks offline (checked first
        // to refuse at once, and again in the transaction)
        super::lease::check(&self.read(), &t)?;
        let p = self.read().product_by_id(t.product_id)?;
        let policy = Policy::load(&self.read())?;
        let mut v = Verdict::new(Status::InvalidCode, serial, Method::Resync);
        if matches!(
            t.status,
            TokenStatus::Disabled | TokenStatus::Lost | TokenStatus::Retired
        ) {
            return Ok(Verdict {
                status: Status::Disabled,
                ..v
            });
        }
        let secret = self.token_secret(&t)?;
        let key = OtpKey::new(p.params.algorithm, &secret);
        let (Some(c1), Some(c2)) = (Code::parse(code1), Code::parse(code2)) else {
            return Ok(v);
        };
        let digits = p.params.digits;
        let (first, last, reference) = match p.params.kind {
            Kind::Totp => {
                let now = host_step(&p, at)?;
                let w = (policy.resync_totp_window_s / u64::from(p.params.period)).max(1);
                (now.saturating_sub(w), now.saturating_add(w), now)
            }
            // The pair's second code must leave a counter to advance to (COUNTER_MAX at
            // most): nothing from COUNTER_MAX - 1 on is a first code.
            Kind::Hotp => (
                t.counter,
                t.counter
                    .saturating_add(policy.resync_hotp_window)
                    .min(COUNTER_MAX - 2),
                t.counter,
            ),
        };
        let floor = match p.params.kind {
            Kind::Totp => t.last_step.map(|l| l.saturating_add(1)).unwrap_or(0),
            Kind::Hotp => t.counter,
        };
        // Pairs (s, s+1) with code1 at s and code2 at s+1, never at or before a used step;
        // the one nearest the reference wins, the past on ties.
        let best = window::search_range(&key, digits, &c1, first.max(floor), last)
            .into_iter()
            .filter(|&s| {
                s.checked_add(1)
                    .is_some_and(|n| bool::from(c2.ct_matches(&key, n, digits)))
            })
            .min_by_key(|&s| {
                let d = i128::from(s + 1) - i128::from(reference);
                (d.abs(), d > 0)
            });
        self.write(|c| {
            let before = c.token_by_id(t.id)?;
            // again in the transaction: a lease taken during the search wins
            super::lease::check(c, &before)?;
            if let Some(s) = best {
                let second = s + 1;
                let offset = (i128::from(second) - i128::from(reference)) as i64;
                let state = match p.params.kind {
                    Kind::Totp => VerifyState {
                        counter: before.counter,
                        last_step: Some(second),
                        drift_steps: offset,
                        drift_base_steps: offset,
                    },
                    Kind::Hotp => VerifyState {
                        counter: second + 1,
                        last_step: before.last_step,
                        drift_steps: 0,
                        drift_base_steps: 0,
                    },
                };
                c.token_set_verify_state(t.id, state, at)?;
                drift::record_match(c, &before, &p, SampleKind::Resync, second, at)?;
                if before.status == TokenStatus::Unverified {
                    c.token_set_status(t.id, TokenStatus::Active, at)?;
                }
                limits::succeed(c, Scope::Token(t.id))?;
                let after = c.token_by_id(t.id)?;
                c.audit(
                    at,
                    "token.resync",
                    &format!("token {serial}"),
                    Some(&before),
                    Some(&after),
                )?;
                v = Verdict {
                    status: Status::Ok,
                    step: Some(second),
                    offset: Some(offset),
                    offset_unit: Some(super::OffsetUnit::of(p.params.kind)),
                    drift_steps: (p.params.kind == Kind::Totp).then_some(offset),
                    ..v
                };
            } else {
                c.audit(
                    at,
                    "token.resync.failed",
                    &format!("token {serial}"),
                    None::<&()>,
                    None::<&()>,
                )?;
            }
            record_attempt(c, &v, at, Some(t.id), None)?;
            Ok(v)
        })
    }
}
