//! The verification engine (RFC 4226 §7, RFC 6238 §5–6). TOTP: a window of ±skew steps
//! centred on the token's learned drift, the past preferred on ties; a step at or
//! before the last accepted one is `REPLAYED`. HOTP: look-ahead from the next counter,
//! advanced only on success, and never to a counter beyond `otp::bounds::COUNTER_MAX`:
//! a code that could not advance it is not accepted, and a token at the end answers
//! `COUNTER_EXHAUSTED`. Backup codes are recognised by their shape. The location rule
//! is [`super::location_rule`]; the rate limits (per token, per source) are [`super::limits`].
//! The checks and the state update run in one IMMEDIATE transaction, so concurrent
//! verifications of one code, in threads or processes, accept it exactly once.

use super::backup::{self, backup_code_form};
use super::drift::history::SampleKind;
use super::drift::{self, baseline};
use super::limits::{self, Source, SourceAt};
use super::location_rule::allowed_at;
use super::policy::Policy;
use super::tokens::{find_token, open_secret};
use super::tx::Tx;
use super::{OffsetUnit, Result, Station, StationError};
use crate::model::{Location, Product, Token, TokenStatus};
use crate::otp::bounds::COUNTER_MAX;
use crate::otp::{Code, Kind, OtpKey, Window, totp, window};
use crate::store::Reader;
use crate::store::attempts::Attempt;
use crate::store::limits::{Scope, SourceDelay};
use crate::store::tokens::VerifyState;
use crate::vault::MasterKey;

pub use super::verdict::{Method, Status, Verdict};
pub use batch::Check;

mod batch;

/// A match found in the window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    /// The matched step or counter.
    pub step: u64,
    /// Its distance from the step the clock should show (TOTP) or from the expected
    /// counter (HOTP).
    pub offset: i64,
    /// Already used.
    pub replayed: bool,
}

/// The step the host clock shows at `at`.
pub(crate) fn host_step(p: &Product, at: i64) -> Result<u64> {
    totp::time_step(at, p.params.period, p.params.t0).ok_or(StationError::BeforeT0 {
        at,
        t0: p.params.t0,
    })
}

fn signed_diff(a: u64, b: u64) -> i64 {
    (i128::from(a) - i128::from(b)).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Searches the normal window for the code; marks a replay without accepting it.
pub(crate) fn check_code(
    key: &OtpKey,
    t: &Token,
    p: &Product,
    code: &Code,
    at: i64,
) -> Result<Option<Found>> {
    // A store from before the window bound may hold a wider one: it is clipped, so a
    // verification never computes more than 2 × SKEW_MAX + 1 codes.
    let skew = u64::from(p.skew.min(crate::otp::bounds::SKEW_MAX));
    match p.params.kind {
        Kind::Totp => {
            let now = host_step(p, at)?;
            let centre = now.saturating_add_signed(t.drift_steps);
            Ok(
                window::search(key, p.params.digits, code, centre, Window::symmetric(skew)).map(
                    |m| Found {
                        step: m.step,
                        offset: signed_diff(m.step, now),
                        replayed: t.last_step.is_some_and(|last| m.step <= last),
                    },
                ),
            )
        }
        Kind::Hotp => {
            // The last counter a code may match is COUNTER_MAX - 1: accepting it moves
            // the counter to COUNTER_MAX. Nothing at or beyond the end is looked at.
            let room = (COUNTER_MAX - 1).saturating_sub(t.counter);
            let ahead = (t.counter < COUNTER_MAX).then_some(skew.min(room));
            if let Some(m) = ahead.and_then(|ahead| {
                window::search(
                    key,
                    p.params.digits,
                    code,
                    t.counter,
                    Window::look_ahead(ahead),
                )
            }) {
                return Ok(Some(Found {
                    step: m.step,
                    offset: m.offset,
                    replayed: false,
                }));
            }
            // A code just behind the counter was accepted before: say so.
            let behind = skew.min(t.counter.min(COUNTER_MAX));
            let used = window::search_range(
                key,
                p.params.digits,
                code,
                t.counter.min(COUNTER_MAX) - behind,
                t.counter.min(COUNTER_MAX).saturating_sub(1),
            );
            Ok(used.last().filter(|_| t.counter > 0).map(|&s| Found {
                step: s,
                offset: signed_diff(s, t.counter),
                replayed: true,
            }))
        }
    }
}

/// The token state after accepting a match, with the learned drift capped relative to
/// the token's baseline ([`baseline::learn`]).
pub(crate) fn next_state(t: &Token, p: &Product, f: Found, policy: &Policy) -> (VerifyState, bool) {
    match p.params.kind {
        Kind::Hotp => (
            VerifyState {
                counter: f.step.saturating_add(1),
                last_step: t.last_step,
                drift_steps: 0,
                drift_base_steps: 0,
            },
            false,
        ),
        Kind::Totp => {
            let (drift, capped) =
                baseline::learn(f.offset, t.drift_base_steps, policy.max_drift_steps);
            (
                VerifyState {
                    counter: t.counter,
                    last_step: Some(f.step),
                    drift_steps: drift,
                    drift_base_steps: t.drift_base_steps,
                },
                capped,
            )
        }
    }
}

/// Everything read before the transaction: the token, its product and its seed's key.
struct Prepared {
    token: Token,
    product: Product,
    key: OtpKey,
}

/// Reads the token, its product and its seed's key, inside the transaction.
fn prepare(
    c: &Reader<'_>,
    key: &MasterKey,
    serial: &str,
    product: Option<&str>,
) -> Result<Option<Prepared>> {
    let token = match find_token(c, serial, product) {
        Ok(t) => t,
        // An unknown serial is a verdict, not an error; an ambiguous one is an error
        // naming the products (the caller names one of them).
        Err(StationError::UnknownToken { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let product = c.product_by_id(token.product_id)?;
    let secret = open_secret(c, key, &token)?;
    let key = OtpKey::new(product.params.algorithm, &secret);
    Ok(Some(Prepared {
        token,
        product,
        key,
    }))
}

/// One verification as a face asks for it.
#[derive(Debug, Clone, Copy)]
pub struct VerifyRequest<'a> {
    /// The token's serial.
    pub serial: &'a str,
    /// The code (or backup code) presented.
    pub code: &'a str,
    /// Where it is presented; a token restricted to locations needs one of them.
    pub location: Option<&'a str>,
    /// The product, when the serial exists in several.
    pub product: Option<&'a str>,
    /// Who presents it (a kiosk's reader, a CLI user, an API client): the unit of the
    /// per-source delay. `None` shares one delay with every caller that names none.
    pub source: Option<&'a Source>,
    /// Unix seconds.
    pub at: i64,
    /// Record the attempt and update the token (else change nothing).
    pub record: bool,
}

impl Station {
    /// Verifies `code` for token `serial` at time `at`, optionally at a location, from
    /// no named source (see [`Station::verify_request`]).
    pub fn verify(
        &mut self,
        serial: &str,
        code: &str,
        location: Option<&str>,
        at: i64,
        record: bool,
    ) -> Result<Verdict> {
        self.verify_request(&VerifyRequest {
            serial,
            code,
            location,
            product: None,
            source: None,
            at,
            record,
        })
    }

    /// Verifies a code. With `record`, the attempt is logged with its source, a
    /// success updates the token (replay guard, drift, counter) and failures count
    /// toward the rate limits; without it, nothing changes. Everything happens in one
    /// write transaction.
    pub fn verify_request(&mut self, req: &VerifyRequest<'_>) -> Result<Verdict> {
        // A serial no token can have (70,000 characters, control characters) is bad
        // input, refused before anything is recorded: the attempt log keeps only names.
        super::names::checked(crate::model::NameKind::Serial, req.serial)?;
        self.write_keyed(|tx, key| verify_in(tx, key, req))
    }

    /// Activates an unverified token with its first valid code (recorded like a
    /// successful verification and audited).
    pub fn token_activate(
        &mut self,
        serial: &str,
        product: Option<&str>,
        code: &str,
        at: i64,
    ) -> Result<Verdict> {
        self.write_keyed(|tx, key| {
            let Some(prep) = prepare(tx, key, serial, product)? else {
                return Err(StationError::UnknownToken {
                    serial: serial.to_string(),
                    product: product.map(str::to_string),
                });
            };
            // a code used here would move the state its leasing station checks offline
            super::lease::check(tx, &prep.token)?;
            if prep.token.status != TokenStatus::Unverified {
                return Err(StationError::NotUnverified {
                    serial: serial.to_string(),
                    status: prep.token.status,
                });
            }
            let policy = Policy::load(tx)?;
            let before = prep.token.clone();
            let found = match Code::parse(code) {
                Some(code) => check_code(&prep.key, &before, &prep.product, &code, at)?,
                None => None,
            };
            let mut v = Verdict::new(Status::InvalidCode, serial, Method::Activate);
            if let Some(f) = found.filter(|f| !f.replayed) {
                let (state, capped) = next_state(&before, &prep.product, f, &policy);
                tx.token_set_verify_state(before.id, state, at)?;
                drift::record_match(tx, &before, &prep.product, SampleKind::Verify, f.step, at)?;
                tx.token_set_status(before.id, TokenStatus::Active, at)?;
                let after = tx.token_by_id(before.id)?;
                tx.audit(
                    at,
                    "token.activate",
                    &format!("token {serial}"),
                    Some(&before),
                    Some(&after),
                )?;
                let kind = prep.product.params.kind;
                v = Verdict {
                    status: Status::Ok,
                    step: Some(f.step),
                    offset: Some(f.offset),
                    offset_unit: Some(OffsetUnit::of(kind)),
                    drift_steps: (kind == Kind::Totp).then_some(state.drift_steps),
                    drift_capped: capped,
                    ..v
                };
            }
            record_attempt(tx, &v, at, Some(before.id), None)?;
            Ok(v)
        })
    }
}

/// [`Station::verify_request`] inside a caller's write transaction (the kiosk verifies
/// a code and records the presence event in one transaction).
pub(crate) fn verify_in(c: &Tx<'_>, key: &MasterKey, req: &VerifyRequest<'_>) -> Result<Verdict> {
    let loc = req.location.map(|n| c.location_get(n)).transpose()?;
    let policy = Policy::load(c)?;
    let prepared = prepare(c, key, req.serial, req.product)?;
    if let Some(p) = &prepared {
        super::lease::check(c, &p.token)?;
    }
    let backup_hash = match (&prepared, backup_code_form(req.code)) {
        (Some(p), Some(code)) => Some(backup::hash(key, &p.token.uid, &code)),
        _ => None,
    };
    let source = req.source.map_or(Source::UNSPECIFIED, Source::as_str);
    let here = SourceAt {
        location_id: loc.as_ref().map_or(0, |l| l.id),
        source,
    };
    let v = decide(
        c,
        req,
        &Context {
            loc: loc.as_ref(),
            here,
            delay: limits::source_state(c, here)?,
            policy: &policy,
            prepared: prepared.as_ref(),
            backup_hash: backup_hash.as_ref(),
        },
    )?;
    if req.record {
        c.attempt_add(&Attempt {
            source: Some(source.to_string()),
            ..attempt(
                &v,
                req.at,
                prepared.as_ref().map(|p| p.token.id),
                loc.as_ref().map(|l| l.id),
            )
        })?;
    }
    Ok(v)
}

/// What [`decide`] works from, read inside the transaction.
struct Context<'a> {
    loc: Option<&'a Location>,
    here: SourceAt<'a>,
    delay: SourceDelay,
    policy: &'a Policy,
    prepared: Option<&'a Prepared>,
    backup_hash: Option<&'a [u8; 32]>,
}

/// The decision, inside the write transaction. Failures count only when recording.
fn decide(c: &Tx<'_>, req: &VerifyRequest<'_>, x: &Context<'_>) -> Result<Verdict> {
    let (serial, record) = (req.serial, req.record);
    let now_ms = req.at.saturating_mul(1000);
    let method = if x.backup_hash.is_some() {
        Method::Backup
    } else {
        Method::Otp
    };
    let limited = |retry: u64| Verdict {
        retry_after_ms: Some(retry),
        ..Verdict::new(Status::LimitReached, serial, method)
    };
    let fail = |status: Status| -> Result<Verdict> {
        if record {
            if let Some(p) = x.prepared {
                limits::fail(c, Scope::Token(p.token.id), x.policy, now_ms)?;
            }
            limits::source_fail(c, x.here, x.delay, x.policy, now_ms)?;
        }
        Ok(Verdict::new(status, serial, method))
    };
    // A source that is waiting learns nothing, not even whether the serial exists.
    if let Some(retry) = limits::source_retry_after(&x.delay, now_ms) {
        return Ok(limited(retry));
    }
    let Some(p) = x.prepared else {
        return fail(Status::UnknownToken);
    };
    if let Some(retry) = limits::retry_after(c, Scope::Token(p.token.id), now_ms)? {
        return Ok(limited(retry));
    }
    let t = &p.token;
    match t.status {
        TokenStatus::Active => {}
        TokenStatus::Unverified => return Ok(Verdict::new(Status::NotActivated, serial, method)),
        _ => return Ok(Verdict::new(Status::Disabled, serial, method)),
    }
    if !allowed_at(c, t, x.loc)? {
        return Ok(Verdict::new(Status::WrongLocation, serial, method));
    }
    if let Some(h) = x.backup_hash {
        let accepted = if record {
            c.backup_code_use(t.id, h, req.at)?
        } else {
            c.backup_code_unused(t.id, h)?
        };
        if accepted {
            if record {
                succeed(c, t, x)?;
            }
            return Ok(Verdict {
                backup_codes_left: Some(c.backup_codes_left(t.id)?),
                ..Verdict::new(Status::Ok, serial, method)
            });
        }
        // A code of the set that was used: a replay (not a guess), as for OTP codes.
        if c.backup_code_used(t.id, h)? {
            return Ok(Verdict::new(Status::Replayed, serial, method));
        }
        return fail(Status::InvalidCode);
    }
    if p.product.params.kind == Kind::Hotp && t.counter >= COUNTER_MAX {
        return Ok(Verdict::new(Status::CounterExhausted, serial, method));
    }
    let Some(code) = Code::parse(req.code) else {
        return fail(Status::InvalidCode);
    };
    match check_code(&p.key, t, &p.product, &code, req.at)? {
        None => fail(Status::InvalidCode),
        Some(f) if f.replayed => Ok(Verdict {
            step: Some(f.step),
            offset: Some(f.offset),
            offset_unit: Some(OffsetUnit::of(p.product.params.kind)),
            ..Verdict::new(Status::Replayed, serial, method)
        }),
        Some(f) => {
            let (state, capped) = next_state(t, &p.product, f, x.policy);
            if record {
                drift::set_verified(c, t, &p.product, state, f.step, req.at)?;
                succeed(c, t, x)?;
            }
            Ok(Verdict {
                step: Some(f.step),
                offset: Some(f.offset),
                offset_unit: Some(OffsetUnit::of(p.product.params.kind)),
                drift_steps: (p.product.params.kind == Kind::Totp).then_some(state.drift_steps),
                drift_capped: capped,
                ..Verdict::new(Status::Ok, serial, method)
            })
        }
    }
}

/// The attempt-log row of a verdict (never the code), without a source.
fn attempt(v: &Verdict, at: i64, token_id: Option<i64>, location_id: Option<i64>) -> Attempt {
    Attempt {
        at,
        token_id,
        serial: v.serial.clone(),
        location_id,
        location: None,
        status: v.status.as_str().to_string(),
        method: v.method.as_str().to_string(),
        step: v.step,
        step_offset: v.offset,
        source: None,
        station: None,
    }
}

/// Appends a verdict of a station use case with no source (activation, resync) to the
/// attempt log.
pub(crate) fn record_attempt(
    c: &Tx<'_>,
    v: &Verdict,
    at: i64,
    token_id: Option<i64>,
    location_id: Option<i64>,
) -> Result<()> {
    c.attempt_add(&attempt(v, at, token_id, location_id))?;
    Ok(())
}

fn succeed(c: &Tx<'_>, t: &Token, x: &Context<'_>) -> Result<()> {
    limits::succeed(c, Scope::Token(t.id))?;
    limits::source_succeed(c, x.here, &x.delay)
}
