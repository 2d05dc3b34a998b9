//! A single burn of a token that a face opens its own way (an emulated device in
//! process): the job asks for the device secret the token needs when nobody gave it,
//! hands the secrets to the opener on the worker thread, then burns as
//! [`super::burn`] does, reporting each step.

use super::{BurnEvent, BurnOrder, burn_single, prepare_single};
use crate::devices::error::Credential;
use crate::devices::session::{TokenOptions, TokenSession};
use crate::station::jobs::{Ask, Job, JobCtx};
use crate::station::provision::BurnOutcome;
use crate::station::{Result, Station, StationError};

/// Starts a single burn on a worker thread of the token `open` opens there, given the
/// device secrets; `needs` names the secret the device `device` needs (a Nitrokey's
/// admin PIN), asked for when `order.device` does not carry it. `order.reader` says
/// what kind of reader the opener stands for (PC/SC or `hid:`), for the family the
/// product binds; a failure to open is audited like [`super::burn`]'s.
pub fn burn_opened(
    mut st: Station,
    device: String,
    needs: Option<Credential>,
    open: impl FnOnce(TokenOptions) -> Result<TokenSession> + Send + 'static,
    mut order: BurnOrder,
) -> Result<Job<BurnEvent, (Station, Result<BurnOutcome>)>> {
    Job::spawn("burn", move |ctx: &JobCtx<BurnEvent>| {
        let out = (|| {
            prepare_single(&mut st, &mut order)?;
            ctx.emit(BurnEvent::Step { n: 1, step: "open" });
            let s = secrets(ctx, &device, needs, &order)
                .and_then(open)
                .map_err(|e| st.burn_open_failed(&order, e));
            let mut s = s?;
            ctx.check()?;
            let reader = s.reader().to_string();
            burn_single(&mut st, ctx, &mut s, order, reader)
        })();
        (st, out)
    })
    .map_err(|e| StationError::Internal(format!("starting the burn: {e}")))
}

/// The order's device secrets, with the one `needs` names asked for when missing.
fn secrets(
    ctx: &JobCtx<BurnEvent>,
    device: &str,
    needs: Option<Credential>,
    order: &BurnOrder,
) -> Result<TokenOptions> {
    let d = &order.device;
    let mut opts = TokenOptions {
        family: d.family,
        oath_access_code: d.oath_access_code.clone(),
        molto2_key: None,
        admin_pin: d.admin_pin.clone(),
        user_pin: d.user_pin.clone(),
        wait: d.wait,
    };
    if let Some(credential) = needs
        && opts.admin_pin.is_none()
    {
        let answer = ctx.ask(Ask::Secret {
            device: device.to_string(),
            credential,
        })?;
        let secret = answer.text().ok_or(StationError::CredentialNeeded {
            device: device.to_string(),
            credential,
        })?;
        opts.admin_pin = Some(secret);
    }
    Ok(opts)
}
