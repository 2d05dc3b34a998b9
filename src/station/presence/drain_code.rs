//! The server's side of a code accepted or refused at an offline kiosk (issue 17,
//! "Offline kiosks"; the offline rule is `super::offline`): inside the drain's write
//! transaction that records the event ([`super::drain`]), the verification is logged
//! in the attempt log like one decided online (a wrong code counts toward the token's
//! failure limit, a good one clears it), and an accepted code moves the token's
//! replay guard forward to the kiosk's (last step and next counter: the larger of the
//! server's and the kiosk's, never back; the lease made the kiosk the only place the
//! token verified meanwhile). The event's idempotency key, checked first by the
//! caller, makes this happen once.

use crate::station::limits;
use crate::station::policy::Policy;
use crate::station::tokens::find_token;
use crate::station::tx::Tx;
use crate::station::verify::Status;
use crate::station::{Result, StationError};
use crate::store::attempts::Attempt;
use crate::store::limits::Scope;
use crate::store::outbox::{OutboxEvent, TokenUse};
use crate::store::tokens::VerifyState;

/// Logs the verification and advances the token (see the module header). A token
/// removed since is only logged by serial.
pub(super) fn apply(tx: &Tx<'_>, e: &OutboxEvent, u: &TokenUse, location_id: i64) -> Result<()> {
    let token = match find_token(tx, &u.serial, Some(&u.product)) {
        Ok(t) => Some(t),
        Err(StationError::UnknownToken { .. }) => None,
        Err(err) => return Err(err),
    };
    if let Some(t) = &token
        && u.verdict == Status::Ok.as_str()
    {
        let state = VerifyState {
            counter: t.counter.max(u.counter),
            last_step: t.last_step.max(u.last_step),
            drift_steps: t.drift_steps,
            drift_base_steps: t.drift_base_steps,
        };
        if state.counter != t.counter || state.last_step != t.last_step {
            tx.token_set_verify_state(t.id, state, e.at)?;
        }
    }
    // wrong codes count toward the token's limit as online; a good one clears it
    if let Some(t) = &token {
        if u.verdict == Status::Ok.as_str() {
            limits::succeed(tx, Scope::Token(t.id))?;
        } else if u.verdict == Status::InvalidCode.as_str() {
            let policy = Policy::load(tx)?;
            limits::fail(tx, Scope::Token(t.id), &policy, e.at.saturating_mul(1000))?;
        }
    }
    tx.attempt_add(&Attempt {
        at: e.at,
        token_id: token.as_ref().map(|t| t.id),
        serial: u.serial.clone(),
        location_id: Some(location_id),
        location: None,
        status: u.verdict.clone(),
        method: u.method.clone(),
        step: u.step,
        step_offset: None,
        source: e.reader.clone(),
        station: None,
    })?;
    Ok(())
}
