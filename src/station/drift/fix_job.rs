//! Drift fixes as jobs (issue 14): one token (`drift fix SERIAL`), or a tray of tokens
//! presented one after another (`drift fix --batch`), each recognised by its serial or
//! its slot names, with progress, a per-token outcome and a summary. Cancelling stops a
//! batch between tokens: a token whose fix has begun is finished (its store update is
//! one transaction), nothing is left half-written. The reader is opened through the
//! hardware sessions and waited for as a burn does ([`crate::station::burn_job`]).

use std::sync::Arc;

use super::expected::clock_writable;
use super::fix::{FixOptions, FixRequest, FixResult};
use super::report::DriftQuery;
use crate::devices::session::{self, ReaderSpec, TokenOptions, TokenSession};
use crate::model::Token;
use crate::station::burn_job::{DeviceOptions, open, token_options, wait_for_token};
use crate::station::error::{ErrorClass, ErrorReport};
use crate::station::host_clock::HostClock;
use crate::station::jobs::{Asker, Job, JobCtx};
use crate::station::key_tries::KeyedDevice;
use crate::station::{Result, Station, StationError};

/// One token to fix.
pub struct FixOrder {
    /// Its serial.
    pub serial: String,
    /// Its product, when the serial exists in several.
    pub product: Option<String>,
    /// The reader it is in (required for clocks that are written).
    pub reader: Option<ReaderSpec>,
    /// How to open it.
    pub device: DeviceOptions,
    /// Force and proof.
    pub options: FixOptions,
    /// The host clock.
    pub clock: Arc<dyn HostClock>,
}

/// A tray of tokens.
pub struct FixBatchOrder {
    /// The reader tokens are presented to.
    pub reader: ReaderSpec,
    /// How to open them (Token2 families must be named).
    pub device: DeviceOptions,
    /// Only tokens leaving their window within this many days; others are skipped.
    pub at_risk_days: Option<f64>,
    /// Stop after this many tokens presented; `None`: until cancelled.
    pub count: Option<u64>,
    /// Force and proof (the same for each token).
    pub options: FixOptions,
    /// The host clock.
    pub clock: Arc<dyn HostClock>,
}

/// What a fix job reports along the way.
#[derive(Debug)]
pub enum FixEvent {
    /// Waiting for token `n` of a batch.
    Present {
        /// 1-based position.
        n: usize,
        /// The reader.
        reader: String,
    },
    /// Token `n` was fixed or skipped.
    Done {
        /// 1-based position.
        n: usize,
        /// What happened.
        result: FixResult,
    },
    /// Token `n` failed; the batch goes on.
    Failed {
        /// 1-based position.
        n: usize,
        /// Why.
        error: ErrorReport,
    },
    /// Waiting for the token to be taken away.
    Remove {
        /// The reader.
        reader: String,
    },
}

/// The end of a batch.
#[derive(Debug, Default)]
pub struct FixSummary {
    /// Tokens presented and fixed or skipped.
    pub done: Vec<FixResult>,
    /// Tokens that failed.
    pub failed: Vec<ErrorReport>,
    /// Whether it was stopped by cancellation.
    pub cancelled: bool,
}

impl FixSummary {
    /// The class of the last failure (the batch's verdict), if any failed.
    pub fn failure_class(&self) -> Option<ErrorClass> {
        self.failed.last().map(|f| f.class)
    }
}

/// Starts a fix of one token: its clock written when the family allows (the reader is
/// required then), else a resync with two codes asked for.
pub fn fix(st: Station, order: FixOrder) -> Result<Job<FixEvent, (Station, Result<FixResult>)>> {
    spawn_one(st, order, None)
}

/// Opens a token on the fix's worker thread with the device secrets.
pub type Opener = Box<dyn FnOnce(TokenOptions) -> Result<TokenSession> + Send>;

/// Starts a fix of one token that `open` opens on the worker thread (an emulated
/// device in process, a token a face reaches its own way): [`fix`] without the wait
/// for a reader. `order.reader` says what kind of reader the opener stands for (PC/SC
/// or `hid:`), for the family rule and the secrets asked for; tokens whose clock
/// cannot be written are resynchronised with two codes as [`fix`] does.
pub fn fix_opened(
    st: Station,
    order: FixOrder,
    open: Opener,
) -> Result<Job<FixEvent, (Station, Result<FixResult>)>> {
    spawn_one(st, order, Some(open))
}

fn spawn_one(
    mut st: Station,
    order: FixOrder,
    open: Option<Opener>,
) -> Result<Job<FixEvent, (Station, Result<FixResult>)>> {
    Job::spawn("drift fix", move |ctx: &JobCtx<FixEvent>| {
        let out = fix_one(&mut st, ctx, &order, open);
        if let Ok(result) = &out {
            ctx.emit(FixEvent::Done {
                n: 1,
                result: result.clone(),
            });
        }
        (st, out)
    })
    .map_err(|e| StationError::Internal(format!("starting the fix: {e}")))
}

fn fix_one(
    st: &mut Station,
    ctx: &JobCtx<FixEvent>,
    order: &FixOrder,
    opener: Option<Opener>,
) -> Result<FixResult> {
    let t = st.token(&order.serial, order.product.as_deref())?;
    let p = st.read().product_by_id(t.product_id)?;
    let mut asker = ctx;
    if !clock_writable(p.family) {
        return st.drift_resync(&t.serial, Some(&p.name), order.clock.as_ref(), &mut asker);
    }
    let reader = order
        .reader
        .as_ref()
        .ok_or_else(|| StationError::ReaderNeeded {
            serial: t.serial.clone(),
            family: p.family,
        })?;
    let device = DeviceOptions {
        family: order.device.family.or(Some(p.family)),
        oath_access_code: order.device.oath_access_code.clone(),
        molto2_key_hex: order.device.molto2_key_hex.clone(),
        admin_pin: order.device.admin_pin.clone(),
        user_pin: order.device.user_pin.clone(),
        wait: order.device.wait,
    };
    let opts = token_options(ctx, reader, &device)?;
    let (mut s, name) = match opener {
        Some(open) => {
            let s = open(opts)?;
            let name = s.reader().to_string();
            (s, name)
        }
        None => (open(ctx, reader, &opts)?, reader.name().to_string()),
    };
    ctx.check()?;
    let req = FixRequest {
        serial: Some(t.serial.clone()),
        reader: name,
        clock: order.clock.as_ref(),
        options: order.options,
        only: None,
    };
    fix_clock_keyed(st, &mut s, &req, &mut asker)
}

/// [`Station::drift_fix_clock`] under the last-try rule of a device key
/// ([`crate::station::key_tries`]): a Molto2's time sync sends its customer key.
fn fix_clock_keyed(
    st: &mut Station,
    s: &mut TokenSession,
    req: &FixRequest<'_>,
    asker: &mut dyn Asker,
) -> Result<FixResult> {
    let info = s.token().info()?;
    let keyed = KeyedDevice::of(info.family, info.serial.as_deref());
    if let Some(d) = &keyed {
        st.before_key_try(d, asker, req.options.yes)?;
    }
    let r = st.drift_fix_clock(s, req, asker);
    // A device left alone was not sent the key.
    if let Some(d) = &keyed
        && !matches!(r, Ok(FixResult::Skipped { .. }))
    {
        st.after_station_key_try(d, &r, req.clock.now());
    }
    r
}

/// Starts a batch; the job hands the station back with the summary, or with the error
/// that stopped it (the input, the store, an unsynchronised host clock).
pub fn batch(
    mut st: Station,
    order: FixBatchOrder,
) -> Result<Job<FixEvent, (Station, Result<FixSummary>)>> {
    Job::spawn("drift fix batch", move |ctx: &JobCtx<FixEvent>| {
        let out = run_batch(&mut st, ctx, &order);
        (st, out)
    })
    .map_err(|e| StationError::Internal(format!("starting the batch: {e}")))
}

fn run_batch(
    st: &mut Station,
    ctx: &JobCtx<FixEvent>,
    order: &FixBatchOrder,
) -> Result<FixSummary> {
    let opts = token_options(ctx, &order.reader, &order.device)?;
    let reader = order.reader.name().to_string();
    // the tokens at risk, decided once for the whole tray
    let at_risk: Option<Vec<String>> = match order.at_risk_days {
        Some(days) => Some(
            st.drift_report(
                &DriftQuery {
                    at_risk_days: Some(days),
                    ..DriftQuery::default()
                },
                order.clock.now(),
            )?
            .rows
            .into_iter()
            .map(|r| r.serial)
            .collect(),
        ),
        None => None,
    };
    let only = |t: &Token| at_risk.as_ref().is_none_or(|s| s.contains(&t.serial));
    let mut summary = FixSummary::default();
    let mut n = 0usize;
    while order.count.is_none_or(|c| (n as u64) < c) {
        if ctx.cancel_token().is_cancelled() {
            summary.cancelled = true;
            break;
        }
        n += 1;
        ctx.emit(FixEvent::Present {
            n,
            reader: reader.clone(),
        });
        if !wait_for_token(ctx, &order.reader, true, None)? {
            summary.cancelled = true;
            break;
        }
        let req = FixRequest {
            serial: None,
            reader: reader.clone(),
            clock: order.clock.as_ref(),
            options: order.options,
            only: at_risk.as_ref().map(|_| &only as &dyn Fn(&Token) -> bool),
        };
        let mut asker = ctx;
        let one = session::open_token(&order.reader, &opts)
            .map_err(StationError::from)
            .and_then(|mut s| fix_clock_keyed(st, &mut s, &req, &mut asker));
        match one {
            Ok(result) => {
                ctx.emit(FixEvent::Done {
                    n,
                    result: result.clone(),
                });
                summary.done.push(result);
            }
            // the same mistake would repeat on every token
            Err(e @ (StationError::HostClockUnsynced { .. } | StationError::Store(_))) => {
                return Err(e);
            }
            Err(StationError::Interrupted) => {
                summary.cancelled = true;
                break;
            }
            Err(e) => {
                let error = e.report();
                ctx.emit(FixEvent::Failed {
                    n,
                    error: error.clone(),
                });
                summary.failed.push(error);
            }
        }
        ctx.emit(FixEvent::Remove {
            reader: reader.clone(),
        });
        if !wait_for_token(ctx, &order.reader, false, None)? {
            summary.cancelled = true;
            break;
        }
    }
    Ok(summary)
}
