//! Clock drift (issue 14): the baseline rule of learned drift, the offset history kept
//! per token, the robust trend fit and exit-date prediction, the drift report, and the
//! correction of token clocks. The analytics are pure computations in their own files
//! fed by store reads; writing a token clock runs as a station job over a hardware
//! session, after the host clock is checked.

pub(crate) mod baseline;
pub mod expected;
pub mod fit;
pub mod fix;
pub mod fix_job;
pub mod history;
pub mod report;

use super::Result;
use super::tx::Tx;
use crate::model::{Product, Token};
use crate::otp::Kind;
use crate::store::tokens::VerifyState;
use history::{History, SampleKind, match_offset_ms};

/// Adds an observation (`offset_ms`, token minus host, at host time `at`) to a token's
/// history, in the caller's transaction.
pub(crate) fn record(
    tx: &Tx<'_>,
    token_id: i64,
    kind: SampleKind,
    at: i64,
    offset_ms: i64,
) -> Result<()> {
    let mut h = History::decode(tx.token_drift_history(token_id)?.as_deref());
    h.push(kind, at, offset_ms);
    let sample_day = (kind == SampleKind::Verify).then(|| at.div_euclid(DAY));
    tx.token_set_drift_history(token_id, &h.encode(), sample_day)?;
    Ok(())
}

const DAY: i64 = 86_400;

/// Writes a successful verification's state (a TOTP code matched at `step` at host
/// time `at`) and, for the day's first accepted code, its history sample, in one row
/// update ([`record_match`] says which codes are sampled).
pub(crate) fn set_verified(
    tx: &Tx<'_>,
    t: &Token,
    p: &Product,
    state: VerifyState,
    step: u64,
    at: i64,
) -> Result<()> {
    let day = at.div_euclid(DAY);
    if p.params.kind != Kind::Totp || t.drift_sample_day == Some(day) {
        tx.token_set_verify_state(t.id, state, at)?;
        return Ok(());
    }
    let mut h = History::decode(tx.token_drift_history(t.id)?.as_deref());
    let offset = match_offset_ms(step, p.params.period, p.params.t0, at);
    h.push(SampleKind::Verify, at, offset);
    tx.token_set_verify_state_and_history(t.id, state, &h.encode(), day, at)?;
    Ok(())
}

/// Adds the observation a TOTP code matched at `step` at host time `at` makes: every
/// resync, but of verifications only the first of each UTC day (the others cost a
/// verification nothing; the day's sample is within ±P/2 of the truth, and the fit
/// over many days narrows it). HOTP tokens have no clock: nothing is recorded.
pub(crate) fn record_match(
    tx: &Tx<'_>,
    t: &Token,
    p: &Product,
    kind: SampleKind,
    step: u64,
    at: i64,
) -> Result<()> {
    if p.params.kind != Kind::Totp
        || (kind == SampleKind::Verify && t.drift_sample_day == Some(at.div_euclid(DAY)))
    {
        return Ok(());
    }
    let offset = match_offset_ms(step, p.params.period, p.params.t0, at);
    record(tx, t.id, kind, at, offset)
}
