//! The verification engine (RFC 4226 §7, RFC 6238 §5–6). TOTP: a window of ±skew steps
//! centred on the token's learned drift, the past preferred on ties; a step at or
//! before the last accepted one is `REPLAYED`. HOTP: look-ahead from the next counter,
//! advanced only on success. Backup codes are recognised by their shape. The checks and
//! the state update run in one IMMEDIATE transaction, so concurrent verifications of
//! one code, in threads or processes, accept it exactly once.

use super::backup::{self, looks_like_backup_code};
use super::limits;
use super::policy::Policy;
use super::tokens::{find_token, open_secret};
use super::tx::Tx;
use super::{Result, Station, StationError};
use crate::model::{Location, Product, Token, TokenStatus};
use crate::otp::{Code, Kind, OtpKey, Window, totp, window};
use crate::store::Reader;
use crate::store::attempts::Attempt;
use crate::store::limits::Scope;
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
    let skew = u64::from(p.skew);
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
            if let Some(m) = window::search(
                key,
                p.params.digits,
                code,
                t.counter,
                Window::look_ahead(skew),
            ) {
                return Ok(Some(Found {
                    step: m.step,
                    offset: m.offset,
                    replayed: false,
                }));
            }
            // A code just behind the counter was accepted before: say so.
            let behind = skew.min(t.counter);
            let used = window::search_range(
                key,
                p.params.digits,
                code,
                t.counter - behind,
                t.counter.saturating_sub(1),
            );
            Ok(used.last().filter(|_| t.counter > 0).map(|&s| Found {
                step: s,
                offset: signed_diff(s, t.counter),
                replayed: true,
            }))
        }
    }
}

/// The token state after accepting a match, with the learned drift capped.
pub(crate) fn next_state(t: &Token, p: &Product, f: Found, policy: &Policy) -> (VerifyState, bool) {
    match p.params.kind {
        Kind::Hotp => (
            VerifyState {
                counter: f.step.saturating_add(1),
                last_step: t.last_step,
                drift_steps: 0,
            },
            false,
        ),
        Kind::Totp => {
            let cap = i64::try_from(policy.max_drift_steps).unwrap_or(i64::MAX);
            let drift = f.offset.clamp(-cap, cap);
            (
                VerifyState {
                    counter: t.counter,
                    last_step: Some(f.step),
                    drift_steps: drift,
                },
                drift != f.offset || (cap > 0 && drift.abs() == cap),
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
        // An unknown (or ambiguous) serial is a verdict, not an error.
        Err(StationError::UnknownToken { .. } | StationError::AmbiguousSerial { .. }) => {
            return Ok(None);
        }
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

impl Station {
    /// Verifies `code` for token `serial` at time `at`, optionally at a location.
    /// With `record`, the attempt is logged and a success updates the token (replay
    /// guard, drift, counter) and failures count toward rate limits; without it,
    /// nothing changes. Everything happens in one write transaction.
    pub fn verify(
        &mut self,
        serial: &str,
        code: &str,
        location: Option<&str>,
        at: i64,
        record: bool,
    ) -> Result<Verdict> {
        self.verify_check(&Check::new(serial, code, location, at, record))
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
                tx.token_set_status(before.id, TokenStatus::Active, at)?;
                let after = tx.token_by_id(before.id)?;
                tx.audit(
                    at,
                    "token.activate",
                    &format!("token {serial}"),
                    Some(&before),
                    Some(&after),
                )?;
                v = Verdict {
                    status: Status::Ok,
                    step: Some(f.step),
                    offset: Some(f.offset),
                    drift_steps: Some(state.drift_steps),
                    drift_capped: capped,
                    ..v
                };
            }
            record_attempt(tx, &v, at, Some(before.id), None)?;
            Ok(v)
        })
    }
}

/// [`Station::verify`] inside a caller's write transaction (the kiosk verifies a code
/// and records the presence event in one transaction).
pub(crate) fn verify_in(
    c: &Tx<'_>,
    key: &MasterKey,
    serial: &str,
    code: &str,
    location: Option<&str>,
    at: i64,
    record: bool,
) -> Result<Verdict> {
    check_in(c, key, &Check::new(serial, code, location, at, record))
}

/// One verification ([`Check`]) inside a caller's write transaction.
pub(crate) fn check_in(c: &Tx<'_>, key: &MasterKey, r: &Check) -> Result<Verdict> {
    let (serial, code, at, record) = (r.serial.as_str(), r.code.as_str(), r.at, r.record);
    let loc = r
        .location
        .as_deref()
        .map(|n| c.location_get(n))
        .transpose()?;
    let policy = Policy::load(c)?;
    let prepared = prepare(c, key, serial, r.product.as_deref())?;
    let backup_hash = match (&prepared, looks_like_backup_code(code)) {
        (Some(p), true) => Some(backup::hash(key, &p.token.uid, code)),
        _ => None,
    };
    let v = decide(
        c,
        serial,
        code,
        loc.as_ref(),
        at,
        &policy,
        prepared.as_ref(),
        backup_hash.as_ref(),
        record,
    )?;
    if record {
        record_attempt(
            c,
            &v,
            at,
            prepared.as_ref().map(|p| p.token.id),
            loc.as_ref().map(|l| l.id),
        )?;
    }
    Ok(v)
}

/// The decision, inside the write transaction. Failures count only when `record`.
#[allow(clippy::too_many_arguments)]
fn decide(
    c: &Tx<'_>,
    serial: &str,
    code: &str,
    loc: Option<&Location>,
    at: i64,
    policy: &Policy,
    prepared: Option<&Prepared>,
    backup_hash: Option<&[u8; 32]>,
    record: bool,
) -> Result<Verdict> {
    let now_ms = at.saturating_mul(1000);
    let method = if backup_hash.is_some() {
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
            if let Some(p) = prepared {
                limits::fail(c, Scope::Token(p.token.id), policy, now_ms)?;
            }
            if let Some(l) = loc {
                limits::fail(c, Scope::Location(l.id), policy, now_ms)?;
            }
        }
        Ok(Verdict::new(status, serial, method))
    };
    if let Some(l) = loc
        && let Some(retry) = limits::retry_after(c, Scope::Location(l.id), now_ms)?
    {
        return Ok(limited(retry));
    }
    let Some(p) = prepared else {
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
    if let Some(l) = loc
        && (!(t.all_locations || c.token_at_location(t.id, l.id)?)
            || !c.location_allows_product(l.id, t.product_id)?)
    {
        return Ok(Verdict::new(Status::WrongLocation, serial, method));
    }
    if let Some(h) = backup_hash {
        let accepted = if record {
            c.backup_code_use(t.id, h, at)?
        } else {
            c.backup_code_unused(t.id, h)?
        };
        if accepted {
            if record {
                succeed(c, t, loc)?;
            }
            return Ok(Verdict {
                backup_codes_left: Some(c.backup_codes_left(t.id)?),
                ..Verdict::new(Status::Ok, serial, method)
            });
        }
        return fail(Status::InvalidCode);
    }
    let Some(code) = Code::parse(code) else {
        return fail(Status::InvalidCode);
    };
    match check_code(&p.key, t, &p.product, &code, at)? {
        None => fail(Status::InvalidCode),
        Some(f) if f.replayed => Ok(Verdict {
            step: Some(f.step),
            offset: Some(f.offset),
            ..Verdict::new(Status::Replayed, serial, method)
        }),
        Some(f) => {
            let (state, capped) = next_state(t, &p.product, f, policy);
            if record {
                c.token_set_verify_state(t.id, state, at)?;
                succeed(c, t, loc)?;
            }
            Ok(Verdict {
                step: Some(f.step),
                offset: Some(f.offset),
                drift_steps: (p.product.params.kind == Kind::Totp).then_some(state.drift_steps),
                drift_capped: capped,
                ..Verdict::new(Status::Ok, serial, method)
            })
        }
    }
}

/// Appends a verdict to the attempt log (never the code).
pub(crate) fn record_attempt(
    c: &Tx<'_>,
    v: &Verdict,
    at: i64,
    token_id: Option<i64>,
    location_id: Option<i64>,
) -> Result<()> {
    c.attempt_add(&Attempt {
        at,
        token_id,
        serial: v.serial.clone(),
        location_id,
        location: None,
        status: v.status.as_str().to_string(),
        method: v.method.as_str().to_string(),
        step: v.step,
        step_offset: v.offset,
    })?;
    Ok(())
}

fn succeed(c: &Tx<'_>, t: &Token, loc: Option<&Location>) -> Result<()> {
    limits::succeed(c, Scope::Token(t.id))?;
    if let Some(l) = loc {
        limits::succeed(c, Scope::Location(l.id))?;
    }
    Ok(())
}
