//! Verification of a code against a token: a verdict, never an error, for a wrong
//! code (design.md §4). TOTP: window of ±skew steps centred on the learned drift,
//! past preferred (RFC 6238 §5.2, §6); replay of a step at or before the last
//! accepted one is refused (RFC 6238 §5.2). HOTP: look-ahead from the next counter,
//! counter advanced only on success (RFC 4226 §7.2).

use serde::Serialize;

use super::tokens::find_token;
use super::{Result, Station, StationError};
use crate::model::{Product, Token, TokenStatus};
use crate::otp::{Code, Kind, OtpKey, Window, totp, window};
use crate::store::tokens::VerifyState;

/// Outcome vocabulary, also the `--json` `status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// The code is right and was accepted.
    Ok,
    /// The code is wrong (or malformed).
    InvalidCode,
    /// The code was right but its step was already used.
    Replayed,
    /// Too many failures; retry later.
    LimitReached,
    /// No token with that serial.
    UnknownToken,
    /// The token has not proven a first code yet.
    NotActivated,
    /// The token is disabled, lost or retired.
    Disabled,
    /// The token may not be used at that location.
    WrongLocation,
}

impl Status {
    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::InvalidCode => "INVALID_CODE",
            Status::Replayed => "REPLAYED",
            Status::LimitReached => "LIMIT_REACHED",
            Status::UnknownToken => "UNKNOWN_TOKEN",
            Status::NotActivated => "NOT_ACTIVATED",
            Status::Disabled => "DISABLED",
            Status::WrongLocation => "WRONG_LOCATION",
        }
    }
}

/// The answer to one verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Outcome.
    pub status: Status,
    /// Serial the code was checked against.
    pub serial: String,
    /// Matched step (TOTP) or counter (HOTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
    /// Signed distance of the match from the expected step, before learning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// Learned drift in steps after this verification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift_steps: Option<i64>,
    /// For `LIMIT_REACHED`: milliseconds until the next attempt is accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl Verdict {
    fn reject(status: Status, serial: &str) -> Verdict {
        Verdict {
            status,
            serial: serial.to_string(),
            step: None,
            offset: None,
            drift_steps: None,
            retry_after_ms: None,
        }
    }
}

/// A match found by [`check_code`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub step: u64,
    pub offset: i64,
    pub replayed: bool,
}

/// The expected TOTP step at `at` with the token's learned drift, or the next HOTP
/// counter.
pub(crate) fn centre(t: &Token, p: &Product, at: i64) -> Result<(u64, u64)> {
    match p.params.kind {
        Kind::Hotp => Ok((t.counter, t.counter)),
        Kind::Totp => {
            let now = totp::time_step(at, p.params.period, p.params.t0).ok_or_else(|| {
                StationError::Input(format!("time {at} is before the product's T0"))
            })?;
            Ok((now, now.saturating_add_signed(t.drift_steps)))
        }
    }
}

/// Searches the window for the code; marks a replay without accepting it.
pub(crate) fn check_code(
    key: &OtpKey,
    t: &Token,
    p: &Product,
    code: &Code,
    at: i64,
) -> Result<Option<Found>> {
    let (expected, centre) = centre(t, p, at)?;
    let skew = u64::from(p.skew);
    let win = match p.params.kind {
        Kind::Hotp => Window::look_ahead(skew),
        Kind::Totp => Window::symmetric(skew),
    };
    Ok(
        window::search(key, p.params.digits, code, centre, win).map(|m| {
            let replayed = match p.params.kind {
                Kind::Totp => t.last_step.is_some_and(|last| m.step <= last),
                Kind::Hotp => false,
            };
            Found {
                step: m.step,
                offset: m.step as i128 as i64 - expected as i128 as i64,
                replayed,
            }
        }),
    )
}

impl Station {
    /// Verifies `code` for token `serial` at time `at`, optionally at a location.
    /// With `record`, a success updates the token (replay guard, drift, counter).
    pub fn verify(
        &mut self,
        serial: &str,
        code: &str,
        location: Option<&str>,
        at: i64,
        record: bool,
    ) -> Result<Verdict> {
        self.key()?;
        let t = match find_token(&self.read(), serial, None) {
            Ok(t) => t,
            Err(StationError::Input(_)) => {
                return Ok(Verdict::reject(Status::UnknownToken, serial));
            }
            Err(e) => return Err(e),
        };
        match t.status {
            TokenStatus::Active => {}
            TokenStatus::Unverified => return Ok(Verdict::reject(Status::NotActivated, serial)),
            _ => return Ok(Verdict::reject(Status::Disabled, serial)),
        }
        if let Some(name) = location {
            let l = self.read().location_get(name)?;
            if !t.all_locations && !self.read().token_at_location(t.id, l.id)? {
                return Ok(Verdict::reject(Status::WrongLocation, serial));
            }
        }
        let p = self.read().product_by_id(t.product_id)?;
        let secret = self.token_secret(&t)?;
        let key = OtpKey::new(p.params.algorithm, &secret);
        let Some(code) = Code::parse(code) else {
            return Ok(Verdict::reject(Status::InvalidCode, serial));
        };
        let found = self.write(|c, _| {
            // Re-read inside the write lock: the replay check and the update are one
            // transaction.
            let t = c.token_by_id(t.id)?;
            let found = check_code(&key, &t, &p, &code, at)?;
            if let (Some(f), true) = (found, record)
                && !f.replayed
            {
                c.token_set_verify_state(t.id, next_state(&t, &p, f), at)?;
            }
            Ok(found)
        })?;
        Ok(match found {
            None => Verdict::reject(Status::InvalidCode, serial),
            Some(f) if f.replayed => Verdict {
                step: Some(f.step),
                ..Verdict::reject(Status::Replayed, serial)
            },
            Some(f) => Verdict {
                status: Status::Ok,
                serial: serial.to_string(),
                step: Some(f.step),
                offset: Some(f.offset),
                drift_steps: Some(next_state(&t, &p, f).drift_steps),
                retry_after_ms: None,
            },
        })
    }
}

/// The token state after accepting a match.
pub(crate) fn next_state(t: &Token, p: &Product, f: Found) -> VerifyState {
    match p.params.kind {
        Kind::Hotp => VerifyState {
            counter: f.step.saturating_add(1),
            last_step: t.last_step,
            drift_steps: 0,
        },
        Kind::Totp => VerifyState {
            counter: t.counter,
            last_step: Some(f.step),
            drift_steps: f.offset,
        },
    }
}

impl Station {
    /// Activates an unverified token with its first valid code (recorded like a
    /// successful verification).
    pub fn token_activate(
        &mut self,
        serial: &str,
        product: Option<&str>,
        code: &str,
        at: i64,
    ) -> Result<Verdict> {
        let t = find_token(&self.read(), serial, product)?;
        if t.status != TokenStatus::Unverified {
            return Err(StationError::Input(format!(
                "token {serial} is {}, not unverified: nothing to activate",
                t.status
            )));
        }
        let p = self.read().product_by_id(t.product_id)?;
        let secret = self.token_secret(&t)?;
        let key = OtpKey::new(p.params.algorithm, &secret);
        let Some(code) = Code::parse(code) else {
            return Ok(Verdict::reject(Status::InvalidCode, serial));
        };
        self.write(|c, audit| {
            let before = c.token_by_id(t.id)?;
            let Some(f) = check_code(&key, &before, &p, &code, at)?.filter(|f| !f.replayed) else {
                return Ok(Verdict::reject(Status::InvalidCode, serial));
            };
            let state = next_state(&before, &p, f);
            c.token_set_verify_state(t.id, state, at)?;
            c.token_set_status(t.id, TokenStatus::Active, at)?;
            let after = c.token_by_id(t.id)?;
            audit.log(
                c,
                at,
                "token.activate",
                &format!("token {serial}"),
                Some(&before),
                Some(&after),
            )?;
            Ok(Verdict {
                status: Status::Ok,
                serial: serial.to_string(),
                step: Some(f.step),
                offset: Some(f.offset),
                drift_steps: Some(state.drift_steps),
                retry_after_ms: None,
            })
        })
    }
}
