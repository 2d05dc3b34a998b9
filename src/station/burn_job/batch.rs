//! Batch burns: token after token presented to one tray (a reader, or tokens a face
//! reaches its own way, such as the demo's emulated ones), each with a fresh seed and
//! a numbered serial; a token that fails is reported and the batch goes on, a mistake
//! that would repeat on every token (the input, the store) stops it.

use std::time::Duration;

use super::{
    BatchFailure, BatchOrder, BatchSummary, BurnEvent, DeviceOptions, POLL, burn_in, now,
    token_options,
};
use crate::devices::session::{self, ReaderSpec, TokenOptions, TokenSession};
use crate::station::error::ErrorClass;
use crate::station::jobs::{Job, JobCtx};
use crate::station::provision::{BurnRequest, BurnSeed};
use crate::station::seed_input::SeedInput;
use crate::station::{Result, Station, StationError};

/// Where a batch's tokens are presented: it says whether a token is there and opens it.
pub trait Tray: Send {
    /// The reader's name, for events and the audit.
    fn name(&self) -> String;
    /// Waits up to `slice` until a token is in the tray (`present`) or gone;
    /// `Ok(false)` when not yet.
    fn wait(&mut self, present: bool, slice: Duration) -> Result<bool>;
    /// Opens the token in the tray.
    fn open(&mut self, opts: &TokenOptions) -> Result<TokenSession>;
}

/// A reader as a tray: PC/SC presence, the session's open.
struct ReaderTray(ReaderSpec);

impl Tray for ReaderTray {
    fn name(&self) -> String {
        self.0.name().to_string()
    }
    fn wait(&mut self, present: bool, slice: Duration) -> Result<bool> {
        Ok(session::wait_token(&self.0, present, slice)?)
    }
    fn open(&mut self, opts: &TokenOptions) -> Result<TokenSession> {
        Ok(session::open_token(&self.0, opts)?)
    }
}

/// Starts a batch burn on a worker thread; the job hands the station back with the
/// summary, or with the error that stopped the batch.
pub fn batch(
    st: Station,
    order: BatchOrder,
) -> Result<Job<BurnEvent, (Station, Result<BatchSummary>)>> {
    let tray = ReaderTray(order.reader.clone());
    batch_in(st, Box::new(tray), order)
}

/// [`batch`] on tokens presented to `tray`; `order.reader` names the reader for the
/// device secrets it needs (asked for once, before the first token).
pub fn batch_in(
    mut st: Station,
    tray: Box<dyn Tray>,
    order: BatchOrder,
) -> Result<Job<BurnEvent, (Station, Result<BatchSummary>)>> {
    Job::spawn("burn batch", move |ctx: &JobCtx<BurnEvent>| {
        let mut tray = tray;
        let out = run_batch(&mut st, ctx, tray.as_mut(), &order);
        (st, out)
    })
    .map_err(|e| StationError::Internal(format!("starting the batch: {e}")))
}

/// Waits until a token is in (or out of) the tray, until cancelled (`Ok(false)`).
fn wait_tray(ctx: &JobCtx<BurnEvent>, tray: &mut dyn Tray, present: bool) -> Result<bool> {
    loop {
        if ctx.cancel_token().is_cancelled() {
            return Ok(false);
        }
        if tray.wait(present, POLL)? {
            return Ok(true);
        }
    }
}

fn run_batch(
    st: &mut Station,
    ctx: &JobCtx<BurnEvent>,
    tray: &mut dyn Tray,
    order: &BatchOrder,
) -> Result<BatchSummary> {
    let mut device = DeviceOptions {
        family: order.device.family,
        oath_access_code: order.device.oath_access_code.clone(),
        molto2_key_hex: order.device.molto2_key_hex.clone(),
        admin_pin: order.device.admin_pin.clone(),
        user_pin: order.device.user_pin.clone(),
        wait: order.device.wait,
    };
    if device.family.is_none() {
        device.family = st.burn_family(&order.reader, Some(&order.product), None)?;
    }
    let opts = token_options(ctx, &order.reader, &device)?;
    let reader = tray.name();
    let mut summary = BatchSummary::default();
    let mut number = order.start;
    while order
        .count
        .is_none_or(|c| (summary.burned.len() as u64) < c)
        && !ctx.cancel_token().is_cancelled()
    {
        let n = summary.burned.len() + 1;
        let serial = order
            .serial_prefix
            .as_ref()
            .map(|p| format!("{p}{number:04}"));
        if let Some(taken) = serial
            .as_deref()
            .filter(|s| !order.options.force && st.serial_taken(&order.product, s))
        {
            ctx.emit(BurnEvent::Skipped {
                serial: taken.to_string(),
            });
            summary.skipped.push(taken.to_string());
            number += 1;
            continue;
        }
        ctx.emit(BurnEvent::Present {
            n,
            serial: serial.clone(),
            reader: reader.clone(),
            wait: None,
        });
        if !wait_tray(ctx, tray, true)? {
            break;
        }
        ctx.emit(BurnEvent::Step { n, step: "open" });
        let one = tray.open(&opts).and_then(|mut s| {
            let req = BurnRequest {
                product: Some(order.product.clone()),
                serial: serial.clone(),
                seed: BurnSeed::New(SeedInput::Generate),
                options: order.options.clone(),
                reader: reader.clone(),
                now: &now,
            };
            burn_in(st, ctx, n, &mut s, req)
        });
        match one {
            Ok(outcome) => {
                ctx.emit(BurnEvent::Burned {
                    n,
                    outcome: outcome.clone(),
                });
                summary.burned.push(outcome);
                number += 1;
            }
            // the same mistake would repeat on every token
            Err(e) if matches!(e.class(), ErrorClass::Input | ErrorClass::Store) => return Err(e),
            Err(StationError::Interrupted) => break,
            Err(e) => {
                let error = e.report();
                ctx.emit(BurnEvent::Failed {
                    n,
                    serial: serial.clone(),
                    error: error.clone(),
                });
                summary.failed.push(BatchFailure { serial, error });
            }
        }
        ctx.emit(BurnEvent::Remove {
            reader: reader.clone(),
        });
        if !wait_tray(ctx, tray, false)? {
            break;
        }
    }
    Ok(summary)
}
