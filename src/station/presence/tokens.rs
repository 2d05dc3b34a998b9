//! Presence tokens: TOTP tokens fixed at a location. A visitor's code with the time
//! they read it proves they were there in that step. Each code is checked
//! historically, at its stated time, against the location's presence tokens with the
//! verification engine's window search (product skew around the token's learned
//! drift); the presence token's own state is never changed (many visitors read the
//! same code). A code that does not match its stated time is refused with the nearest
//! time it does match within ±1 day, which exposes edited times. The same holder
//! cannot use the same code (token and step) twice; different holders can.

use serde::Serialize;

use super::Direction;
use super::vocab::{EventSource, EventStatus, Reason};
use crate::otp::{Code, OtpKey, totp, window};
use crate::station::tokens::open_secret;
use crate::station::tx::Tx;
use crate::station::verify::{Status, check_code, host_step};
use crate::station::{Result, Station, StationError};
use crate::store::Reader;
use crate::store::presence::NewEvent;
use crate::vault::MasterKey;

/// How far from the stated time the nearest matching time is searched.
pub const NEAREST_SPAN: i64 = 86_400;

/// One submitted presence code.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// Location name.
    pub location: String,
    /// The code read from the presence token.
    pub code: String,
    /// When the visitor says they read it, Unix seconds.
    pub at: i64,
    /// Holder's external id (anonymous without).
    pub holder: Option<String>,
    /// Check-in or check-out.
    pub direction: Option<Direction>,
    /// Idempotency key (import rows).
    pub idem: Option<String>,
}

/// A verified visit: a check-in and a check-out proven by presence codes.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Visit {
    /// Earliest possible arrival (start of the check-in code's step).
    pub from: i64,
    /// Latest possible departure (end of the check-out code's step).
    pub to: i64,
    /// Shortest duration the two codes allow, seconds.
    pub min_seconds: i64,
    /// Longest duration the two codes allow, seconds.
    pub max_seconds: i64,
}

/// The verdict on a submitted presence code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubmitStatus {
    /// The code proves the presence; recorded.
    Ok,
    /// The code does not prove it; recorded as refused with a reason.
    Refused,
    /// The idempotency key was seen before: the event recorded then.
    Duplicate,
}

/// What became of a submission.
#[derive(Debug, Clone, Serialize)]
pub struct SubmitOutcome {
    /// `OK`, `REFUSED` or `DUPLICATE`.
    pub status: SubmitStatus,
    /// Why it was refused: `INVALID_CODE`, `TIME_MISMATCH`, `REPLAYED`.
    pub reason: Option<Reason>,
    /// The recorded event.
    pub event_id: i64,
    /// Presence token serial that matched.
    pub token: Option<String>,
    /// Matched step.
    pub step: Option<u64>,
    /// Presence proven from (Unix seconds)…
    pub bound_from: Option<i64>,
    /// …to (exclusive).
    pub bound_to: Option<i64>,
    /// The nearest time the code matches, when it does not match its stated time.
    pub nearest: Option<i64>,
    /// With a check-out: the visit since the holder's last proven check-in.
    pub visit: Option<Visit>,
}

struct Candidate {
    token_id: i64,
    serial: String,
    token: crate::model::Token,
    product: crate::model::Product,
    key: OtpKey,
}

fn candidates(c: &Reader<'_>, key: &MasterKey, location_id: i64) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    for id in c.presence_tokens_at(location_id)? {
        let mut token = c.token_by_id(id)?;
        // Historical check: the replay guard is per holder (below), not the token's.
        token.last_step = None;
        let product = c.product_by_id(token.product_id)?;
        let secret = open_secret(c, key, &token)?;
        out.push(Candidate {
            token_id: id,
            serial: token.serial.clone(),
            key: OtpKey::new(product.params.algorithm, &secret),
            token,
            product,
        });
    }
    Ok(out)
}

/// The start of the step nearest to `at` whose code is `code`, within ±[`NEAREST_SPAN`].
fn nearest(cands: &[Candidate], code: &Code, at: i64) -> Option<i64> {
    let mut best: Option<i64> = None;
    for cd in cands {
        let p = &cd.product.params;
        let (Some(first), Some(last)) = (
            totp::time_step((at - NEAREST_SPAN).max(p.t0), p.period, p.t0),
            totp::time_step(at + NEAREST_SPAN, p.period, p.t0),
        ) else {
            continue;
        };
        for step in window::search_range(&cd.key, p.digits, code, first, last) {
            let shifted = step.saturating_add_signed(-cd.token.drift_steps);
            let t = totp::step_start(shifted, p.period, p.t0);
            if best.is_none_or(|b| (t - at).abs() < (b - at).abs()) {
                best = Some(t);
            }
        }
    }
    best
}

pub(crate) fn submit_in(c: &Tx<'_>, key: &MasterKey, s: &Submission) -> Result<SubmitOutcome> {
    let mut out = SubmitOutcome {
        status: SubmitStatus::Refused,
        reason: None,
        event_id: 0,
        token: None,
        step: None,
        bound_from: None,
        bound_to: None,
        nearest: None,
        visit: None,
    };
    if let Some(idem) = &s.idem
        && let Some(e) = c.event_by_idem(idem)?
    {
        out.status = SubmitStatus::Duplicate;
        out.event_id = e.id;
        out.step = e.step;
        out.bound_from = e.bound_from;
        out.bound_to = e.bound_to;
        return Ok(out);
    }
    let loc = c.location_get(&s.location)?;
    let holder_id = s
        .holder
        .as_deref()
        .map(|h| c.holder_get(h))
        .transpose()?
        .map(|h| h.id);
    let cands = candidates(c, key, loc.id)?;
    if cands.is_empty() {
        return Err(StationError::NoPresenceToken(s.location.clone()));
    }
    let code = Code::parse(&s.code);
    let mut found = None;
    if let Some(code) = &code {
        for cd in &cands {
            if let Some(f) = check_code(&cd.key, &cd.token, &cd.product, code, s.at)? {
                found = Some((cd, f));
                break;
            }
        }
    }
    let mut ev = NewEvent {
        location_id: loc.id,
        holder_id,
        at: s.at,
        direction: s.direction.map(Direction::as_str),
        status: EventStatus::Refused.as_str(),
        source: EventSource::Token.as_str(),
        credential: None,
        idem: s.idem.as_deref(),
        ..NewEvent::default()
    };
    match found {
        None => {
            out.nearest = code.as_ref().and_then(|code| nearest(&cands, code, s.at));
            out.reason = Some(if out.nearest.is_some() {
                Reason::TimeMismatch
            } else {
                Reason::Code(Status::InvalidCode)
            });
            ev.nearest = out.nearest;
        }
        Some((cd, f)) => {
            let p = &cd.product.params;
            // The proven interval: the step the token showed, on the host's clock.
            let host = host_step(&cd.product, s.at)?;
            let shown_host = host.saturating_add_signed(f.offset - cd.token.drift_steps);
            let from = totp::step_start(shown_host, p.period, p.t0);
            let to = from + i64::from(p.period);
            out.token = Some(cd.serial.clone());
            out.step = Some(f.step);
            out.bound_from = Some(from);
            out.bound_to = Some(to);
            ev.presence_token_id = Some(cd.token_id);
            ev.step = Some(f.step);
            ev.bound_from = Some(from);
            ev.bound_to = Some(to);
            ev.credential = Some(&cd.serial);
            if c.presence_code_used(cd.token_id, f.step, holder_id)? {
                out.reason = Some(Reason::Code(Status::Replayed));
                ev.presence_token_id = None; // refused rows stay out of the unique index
            } else {
                out.status = SubmitStatus::Ok;
                ev.status = EventStatus::Ok.as_str();
                if s.direction == Some(Direction::Out)
                    && let Some(i) = c.event_last_token_in(holder_id, loc.id, s.at)?
                    && let (Some(i_from), Some(i_to)) = (i.bound_from, i.bound_to)
                {
                    out.visit = Some(Visit {
                        from: i_from,
                        to,
                        min_seconds: (from - i_to).max(0),
                        max_seconds: to - i_from,
                    });
                }
            }
        }
    }
    ev.reason = out.reason.map(Reason::as_str);
    out.event_id = c.event_insert(&ev)?;
    Ok(out)
}

impl Station {
    /// Checks one presence code at its stated time and records the result (one
    /// transaction).
    pub fn presence_submit(&mut self, s: &Submission) -> Result<SubmitOutcome> {
        self.write_keyed(|tx, key| submit_in(tx, key, s))
    }

    /// Checks and records many presence codes in one transaction, in order. A row
    /// whose idempotency key is known comes back `DUPLICATE` (re-imports are no-ops).
    pub fn presence_import(&mut self, rows: &[Submission]) -> Result<Vec<SubmitOutcome>> {
        self.write_keyed(|tx, key| rows.iter().map(|s| submit_in(tx, key, s)).collect())
    }

    /// [`Station::presence_import`], all or nothing: when any row is refused nothing is
    /// recorded (the transaction is rolled back) and the outcomes say why, row by row.
    /// Returns the outcomes and whether they were recorded.
    pub fn presence_import_all(
        &mut self,
        rows: &[Submission],
    ) -> Result<(Vec<SubmitOutcome>, bool)> {
        let mut refused: Option<Vec<SubmitOutcome>> = None;
        let done = self.write_keyed(|tx, key| {
            let outcomes = rows
                .iter()
                .map(|s| submit_in(tx, key, s))
                .collect::<Result<Vec<_>>>()?;
            if outcomes.iter().any(|o| o.status == SubmitStatus::Refused) {
                refused = Some(outcomes);
                // rolls the whole import back
                return Err(StationError::Interrupted);
            }
            Ok(outcomes)
        });
        match (done, refused) {
            (Ok(outcomes), _) => Ok((outcomes, true)),
            (Err(_), Some(outcomes)) => Ok((outcomes, false)),
            (Err(e), None) => Err(e),
        }
    }
}
