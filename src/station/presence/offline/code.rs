//! A code typed at an offline kiosk for a token leased to its station (issue 17,
//! "Offline kiosks"; the rule's header is [`super`]). The lease makes this station the
//! only place the token verifies, so its replay guard copied into the outbox
//! ([`leased_tokens`], with the rest of the snapshot) is exact while the server does
//! not answer. The code is checked by the verification engine's own core
//! (`verify::check_code`, `verify::next_state`: the same window, drift and replay
//! rule as online), the seed opened in memory only (a zeroized `Secret`), and the new
//! replay guard is committed with the event in one outbox transaction before the
//! answer is shown. The drain gives both to the server (`super::super::drain`).
//!
//! Wrong codes in a row are counted offline, starting from the server's count (a copy
//! does not lower a count whose codes are not sent yet; a good code resets it): at the
//! policy's `limit.max_failures` the token's codes are `LIMIT_REACHED` offline until
//! the server has them (the drain counts them there as online). Not done offline: the
//! server's cooldown times and per-source delays, and backup codes. A code for a token not leased
//! here, or without its serial, is still refused with "server unreachable".

use super::{OfflineDesk, OfflineOutcome};
use crate::model::{Location, Product, Token, TokenStatus};
use crate::otp::bounds::COUNTER_MAX;
use crate::otp::{Code, Kind, OtpKey, OtpParams};
use crate::station::catalog::new_product;
use crate::station::location_rule::allowed_at;
use crate::station::policy::Policy;
use crate::station::presence::passback::{self, Intervals, Last, Passback};
use crate::station::presence::record::{Presentation, TypedCode};
use crate::station::presence::vocab::{EventStatus, Reason};
use crate::station::presence::{CredKind, Direction, Mode};
use crate::station::verify::{Status, check_code, next_state};
use crate::station::{Result, Station, StationError};
use crate::store::Reader;
use crate::store::limits::{FailCounter, Scope};
use crate::store::outbox::{OutboxEvent, SnapToken, TokenUse};
use crate::vault::{self, MasterKey};

/// The tokens leased to `station` that verify at `loc` and name a holder there (an
/// active token, assigned to a holder or enrolled as a holder's credential); only
/// those of `serial` when one is given.
pub(super) fn leased_tokens(
    c: &Reader<'_>,
    station: &str,
    loc: &Location,
    serial: Option<&str>,
) -> Result<Vec<SnapToken>> {
    let policy = Policy::load(c)?;
    let mut out = Vec::new();
    let all = match serial {
        Some(s) => c.tokens_by_serial(s)?,
        None => c.token_list(&crate::store::tokens::TokenFilter {
            status: Some(TokenStatus::Active),
            ..Default::default()
        })?,
    };
    for t in all {
        if t.status != TokenStatus::Active
            || t.leased_to.as_deref() != Some(station)
            || !allowed_at(c, &t, Some(loc))?
        {
            continue;
        }
        let holder = match c.credential_find(CredKind::Token.as_str(), &t.serial)? {
            Some(cr) if cr.token_id.is_none_or(|id| id == t.id) => Some(cr.holder),
            _ => t.holder.clone(),
        };
        if holder.is_none() {
            continue;
        }
        let product = c.product_by_id(t.product_id)?;
        let params = serde_json::to_string(&product.params)
            .map_err(|e| StationError::Internal(format!("token {}: {e}", t.serial)))?;
        out.push(SnapToken {
            serial: t.serial.clone(),
            product: t.product.clone(),
            uid: t.uid.clone(),
            sealed_seed: c.token_sealed_seed(t.id)?,
            holder,
            params,
            skew: product.skew,
            counter: t.counter,
            last_step: t.last_step,
            drift_steps: t.drift_steps,
            drift_base_steps: t.drift_base_steps,
            max_drift_steps: i64::try_from(policy.max_drift_steps).unwrap_or(i64::MAX),
            max_failures: policy.max_failures,
            failures: offline_failures(c.fail_counter(Scope::Token(t.id))?, &policy),
        });
    }
    Ok(out)
}

/// The wrong codes in a row a copy starts from: the server's, or the limit itself
/// while the server keeps the token cooling down.
fn offline_failures(f: FailCounter, p: &Policy) -> u32 {
    let now_ms = crate::station::time::now().saturating_mul(1000);
    if f.locked_until_ms.is_some_and(|until| until > now_ms) {
        p.max_failures.max(1)
    } else {
        f.failures
    }
}

/// The token and product rows the verification core reads, from a copied token.
fn rows(s: &SnapToken) -> Result<(Token, Product)> {
    let params: OtpParams = serde_json::from_str(&s.params)
        .map_err(|e| StationError::Internal(format!("outbox token {}: {e}", s.serial)))?;
    let token = Token {
        id: 0,
        uid: s.uid.clone(),
        serial: s.serial.clone(),
        product: s.product.clone(),
        product_id: 0,
        status: TokenStatus::Active,
        holder: s.holder.clone(),
        counter: s.counter,
        last_step: s.last_step,
        drift_steps: s.drift_steps,
        drift_base_steps: s.drift_base_steps,
        drift_sample_day: None,
        all_locations: true,
        created_at: 0,
        updated_at: 0,
        activated_at: None,
        issuer: None,
        leased_to: None,
    };
    let product = Product {
        skew: s.skew,
        ..new_product(&s.product, params)
    };
    Ok((token, product))
}

/// Checks `code` against a copied token with the engine's core: the verdict and the
/// token's replay guard after it.
fn check(key: &MasterKey, s: &SnapToken, code: &str, at: i64) -> Result<(Status, TokenUse)> {
    let (t, p) = rows(s)?;
    let mut u = TokenUse {
        serial: s.serial.clone(),
        product: s.product.clone(),
        verdict: Status::InvalidCode.as_str().into(),
        method: "otp".into(),
        step: None,
        counter: t.counter,
        last_step: t.last_step,
    };
    // wrong codes in a row offline: no more guesses until the server has them
    if s.failures >= s.max_failures.max(1) {
        u.verdict = Status::LimitReached.as_str().into();
        return Ok((Status::LimitReached, u));
    }
    if p.params.kind == Kind::Hotp && t.counter >= COUNTER_MAX {
        u.verdict = Status::CounterExhausted.as_str().into();
        return Ok((Status::CounterExhausted, u));
    }
    let Some(code) = Code::parse(code) else {
        return Ok((Status::InvalidCode, u));
    };
    let secret = vault::open(
        key,
        t.uid.as_bytes(),
        &s.sealed_seed,
        &format!("token {}", t.serial),
    )?;
    let otp = OtpKey::new(p.params.algorithm, &secret);
    drop(secret);
    let status = match check_code(&otp, &t, &p, &code, at)? {
        None => Status::InvalidCode,
        Some(f) if f.replayed => {
            u.step = Some(f.step);
            Status::Replayed
        }
        Some(f) => {
            let policy = Policy {
                max_drift_steps: u64::try_from(s.max_drift_steps).unwrap_or(0),
                ..Policy::default()
            };
            let (state, _) = next_state(&t, &p, f, &policy);
            u.step = Some(f.step);
            u.counter = state.counter;
            u.last_step = state.last_step;
            Status::Ok
        }
    };
    u.verdict = status.as_str().into();
    Ok((status, u))
}

impl OfflineDesk {
    /// After a code was decided online: copies the state of the leased tokens it may
    /// have used (its serial's, else all) again, so a code accepted online is a replay
    /// offline. When the server does not answer now, those tokens leave the snapshot
    /// (their codes are then "server unreachable" offline: never accepted twice).
    pub(crate) fn note_code(&mut self, st: &Station, serial: Option<&str>) {
        let copied = (|| -> Result<Vec<SnapToken>> {
            let Some(station) = &self.station else {
                return Ok(Vec::new());
            };
            let c = st.read();
            let loc = c.location_get(&self.location)?;
            leased_tokens(&c, station, &loc, serial)
        })();
        let kept = match copied {
            Ok(tokens) => self.outbox.snap_tokens_replace(serial, &tokens),
            Err(_) => self.outbox.snap_tokens_replace(serial, &[]),
        };
        if let Err(e) = kept {
            tracing::warn!(error = %e, "kiosk outbox: leased tokens not updated");
        }
    }

    /// Decides a typed code without the server: only for a token leased to this
    /// station (the module header's rule); anything else is "server unreachable".
    pub(super) fn decide_code(
        &mut self,
        key: Option<&MasterKey>,
        p: &Presentation,
        tc: &TypedCode,
        now_ms: i64,
    ) -> Result<OfflineOutcome> {
        let unreachable = || self.unreachable("a typed code".into());
        let Some(serial) = &tc.serial else {
            return Err(unreachable());
        };
        let mut leased = self.outbox.snap_tokens(serial)?;
        let (Some(key), 1) = (key, leased.len()) else {
            return Err(unreachable());
        };
        let Some(s) = leased.pop() else {
            return Err(unreachable());
        };
        let Some(settings) = self.outbox.snap_settings(&self.location)? else {
            return Err(unreachable());
        };
        let mode: Mode = settings.mode.parse()?;
        if mode == Mode::Card {
            return Err(unreachable());
        }
        if let Some(idem) = &p.idem
            && let Some(e) = self.outbox.by_idem(idem)?
        {
            return Ok(OfflineOutcome::Duplicate(e));
        }
        let holder = s.holder.clone().unwrap_or_default();
        let mut ev = OutboxEvent {
            seq: 0,
            idem: p
                .idem
                .clone()
                .unwrap_or_else(|| format!("offline|token {serial}|{now_ms}")),
            station: self.station.clone(),
            location: self.location.clone(),
            at: p.at,
            reader: p.reader.clone(),
            credential: Some(match &p.credential {
                Some(k) => k.to_string(),
                None => format!("token {serial}"),
            }),
            holder: Some(holder.clone()),
            label: None,
            direction: None,
            status: EventStatus::Refused.as_str().into(),
            reason: None,
        };
        let card_holder = match &p.credential {
            Some(k) => self.identify(k)?.map(|(h, _)| h),
            None => None,
        };
        let refusal = match (&p.credential, card_holder) {
            (Some(_), None) => Some(Reason::UnknownCredential),
            (Some(_), Some(h)) if h != holder => Some(Reason::CredentialMismatch),
            (None, _) if mode == Mode::CardAndCode => Some(Reason::CardRequired),
            _ => None,
        };
        if let Some(r) = refusal {
            ev.reason = Some(r.as_str().into());
            return Ok(OfflineOutcome::Recorded(self.outbox.push(&ev, now_ms)?));
        }
        let last = self.outbox.snap_last(&self.location, &holder)?;
        let seen = last.as_ref().map(|(d, at)| Last {
            direction: d.parse::<Direction>().ok(),
            at: *at,
        });
        let iv = Intervals {
            fold: settings.fold,
            min_interval: settings.min_interval,
        };
        let direction = match passback::decide(seen, p.direction, true, p.at, iv) {
            Passback::Go(d) => d,
            Passback::Refuse(r) => {
                ev.reason = Some(r.as_str().into());
                return Ok(OfflineOutcome::Recorded(self.outbox.push(&ev, now_ms)?));
            }
            Passback::Fold => return Err(StationError::Internal("a typed code folded".into())),
        };
        let (status, u) = check(key, &s, &tc.code, p.at)?;
        if status == Status::Ok {
            ev.status = EventStatus::Ok.as_str().into();
            ev.direction = Some(direction.as_str().into());
        } else {
            ev.reason = Some(Reason::Code(status).as_str().into());
        }
        Ok(OfflineOutcome::Recorded(
            self.outbox.push_code(&ev, &u, now_ms)?,
        ))
    }
}
