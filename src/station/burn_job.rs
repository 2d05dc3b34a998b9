//! Burns as jobs: open the token named by a reader spec (waiting for it, asking for a
//! device secret nobody gave), burn it with [`Station::burn`], and report. A batch burns
//! token after token: it waits for each token, numbers serials, goes on after a token
//! that fails (reported) but stops at a mistake that would repeat on every token (the
//! input, the store), and ends with a summary when the count is reached or the job is
//! cancelled. Both run on a worker thread and own the station until they hand it back.

use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::error::Field;
use super::jobs::{Ask, Job, JobCtx};
use super::provision::{BurnOptions, BurnOutcome, BurnRequest, BurnSeed};
use super::{Result, Station, StationError};
use crate::devices::session::{self, ReaderSpec, TokenOptions, TokenSession};
use crate::model::Family;

/// How often a wait for a token checks for cancellation.
const POLL: Duration = Duration::from_millis(500);

/// How to open the token.
#[derive(Default)]
pub struct DeviceOptions {
    /// The family; `None`: detect it from the card.
    pub family: Option<Family>,
    /// OATH access code of a locked YubiKey.
    pub oath_access_code: Option<Zeroizing<String>>,
    /// Molto2 customer key in hex (the factory key when `None`).
    pub molto2_key_hex: Option<Zeroizing<String>>,
    /// Nitrokey admin PIN (asked for when absent).
    pub admin_pin: Option<Zeroizing<String>>,
    /// Nitrokey user PIN ("user password for OTP"; asked for when a code needs it).
    pub user_pin: Option<Zeroizing<String>>,
    /// How long to wait for a token in the reader.
    pub wait: Duration,
}

/// One burn.
pub struct BurnOrder {
    /// The reader the token is in.
    pub reader: ReaderSpec,
    /// How to open it.
    pub device: DeviceOptions,
    /// Product (required for a new seed).
    pub product: Option<String>,
    /// Serial; `None`: the device's own (or, with [`BurnSeed::FromStore`], required).
    pub serial: Option<String>,
    /// The seed.
    pub seed: BurnSeed,
    /// Slot, issuer, touch, force, proof.
    pub options: BurnOptions,
}

/// Token after token, each with a fresh seed.
pub struct BatchOrder {
    /// The reader tokens are presented to.
    pub reader: ReaderSpec,
    /// How to open them.
    pub device: DeviceOptions,
    /// Product.
    pub product: String,
    /// Serials: this prefix and a running number (4 digits); `None`: device serials.
    pub serial_prefix: Option<String>,
    /// First running number.
    pub start: u64,
    /// Stop after this many burned tokens; `None`: until cancelled.
    pub count: Option<u64>,
    /// Slot, issuer, touch, force, proof (the same for each token).
    pub options: BurnOptions,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The device secrets as a session takes them, checked against the reader; nothing is
/// asked (a command that needs a secret nobody gave asks for it later).
pub(crate) fn session_options(reader: &ReaderSpec, d: &DeviceOptions) -> Result<TokenOptions> {
    if let Some(f) = d.family
        && !session::family_fits(reader, f)
    {
        return Err(StationError::FamilyNotOnReader {
            family: f,
            reader: reader.to_string(),
        });
    }
    let molto2_key = d
        .molto2_key_hex
        .as_ref()
        .map(|k| {
            data_encoding::HEXLOWER_PERMISSIVE
                .decode(k.trim().as_bytes())
                .map(Zeroizing::new)
                .map_err(|_| StationError::NotHex(Field::Molto2Key))
        })
        .transpose()?;
    Ok(TokenOptions {
        family: d.family,
        oath_access_code: d.oath_access_code.clone(),
        molto2_key,
        admin_pin: d.admin_pin.clone(),
        user_pin: d.user_pin.clone(),
        wait: d.wait,
    })
}

/// The device secrets, asking for one the reader needs that nobody gave.
pub(crate) fn token_options<E>(
    ctx: &JobCtx<E>,
    reader: &ReaderSpec,
    d: &DeviceOptions,
) -> Result<TokenOptions> {
    let mut opts = session_options(reader, d)?;
    if let Some(credential) = session::missing_secret(reader, &opts) {
        let device = reader.name().to_string();
        let answer = ctx.ask(Ask::Secret {
            device: device.clone(),
            credential,
        })?;
        let secret = answer
            .text()
            .ok_or(StationError::CredentialNeeded { device, credential })?;
        opts.admin_pin = Some(secret);
    }
    Ok(opts)
}

/// Waits until a token is in (or out of) `reader`, checking for cancellation;
/// `Ok(false)` when cancelled, or (with a `limit`) when it did not come in time.
pub(crate) fn wait_for_token<E>(
    ctx: &JobCtx<E>,
    reader: &ReaderSpec,
    present: bool,
    limit: Option<Duration>,
) -> Result<bool> {
    let deadline = limit.map(|l| Instant::now() + l);
    loop {
        if ctx.cancel_token().is_cancelled() {
            return Ok(false);
        }
        let slice = deadline.map_or(POLL, |d| {
            d.saturating_duration_since(Instant::now()).min(POLL)
        });
        if session::wait_token(reader, present, slice)? {
            return Ok(true);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
    }
}

/// Opens the token, waiting for it at most the order's wait.
pub(crate) fn open<E>(
    ctx: &JobCtx<E>,
    reader: &ReaderSpec,
    opts: &TokenOptions,
) -> Result<TokenSession> {
    if !wait_for_token(ctx, reader, true, Some(opts.wait))? {
        ctx.check()?;
        return Err(session::no_token(reader).into());
    }
    Ok(session::open_token(reader, opts)?)
}

/// The job's channel as the burn's asker: questions go to the face, and each step
/// the burn reaches is an event.
struct Steps<'a> {
    ctx: &'a JobCtx<BurnEvent>,
    n: usize,
}

impl super::jobs::Asker for Steps<'_> {
    fn ask(&mut self, ask: Ask) -> Result<super::jobs::Answer> {
        self.ctx.ask(ask)
    }
    fn step(&mut self, step: &'static str) {
        self.ctx.emit(BurnEvent::Step { n: self.n, step });
    }
}

/// Burns token `n` in the session.
fn burn_in(
    st: &mut Station,
    ctx: &JobCtx<BurnEvent>,
    n: usize,
    s: &mut TokenSession,
    req: BurnRequest<'_>,
) -> Result<BurnOutcome> {
    let (token, clock) = s.parts();
    st.burn(token, clock, req, &mut Steps { ctx, n })
}

/// Checks a single burn's seed against its product and, when the order names no
/// family, takes the one the reader, the product (or the stored token) binds.
fn prepare_single(st: &mut Station, order: &mut BurnOrder) -> Result<()> {
    st.check_burn_seed(order.product.as_deref(), &order.seed)?;
    if order.device.family.is_none() {
        let from_store = matches!(order.seed, BurnSeed::FromStore);
        order.device.family = st.burn_family(
            &order.reader,
            order.product.as_deref(),
            order.serial.as_deref().filter(|_| from_store),
        )?;
    }
    Ok(())
}

/// The one token of a single burn, opened: burned as `order` says, registered, and
/// reported as `Burned` (the tail every single-burn job shares).
fn burn_single(
    st: &mut Station,
    ctx: &JobCtx<BurnEvent>,
    s: &mut TokenSession,
    order: BurnOrder,
    reader: String,
) -> Result<BurnOutcome> {
    let req = BurnRequest {
        product: order.product,
        serial: order.serial,
        seed: order.seed,
        options: order.options,
        reader,
        now: &now,
    };
    let outcome = burn_in(st, ctx, 1, s, req)?;
    ctx.emit(BurnEvent::Burned {
        n: 1,
        outcome: outcome.clone(),
    });
    Ok(outcome)
}

/// Starts a single burn on a worker thread; the job hands the station back.
pub fn burn(
    mut st: Station,
    mut order: BurnOrder,
) -> Result<Job<BurnEvent, (Station, Result<BurnOutcome>)>> {
    Job::spawn("burn", move |ctx: &JobCtx<BurnEvent>| {
        let out = (|| {
            prepare_single(&mut st, &mut order)?;
            ctx.emit(BurnEvent::Present {
                n: 1,
                serial: order.serial.clone(),
                reader: order.reader.name().to_string(),
                wait: Some(order.device.wait),
            });
            ctx.emit(BurnEvent::Step { n: 1, step: "open" });
            let mut s = token_options(ctx, &order.reader, &order.device)
                .and_then(|opts| open(ctx, &order.reader, &opts))
                .map_err(|e| st.burn_open_failed(&order, e))?;
            ctx.check()?;
            ctx.emit(BurnEvent::Opened {
                reader: order.reader.name().to_string(),
            });
            let reader = order.reader.name().to_string();
            burn_single(&mut st, ctx, &mut s, order, reader)
        })();
        (st, out)
    })
    .map_err(|e| StationError::Internal(format!("starting the burn: {e}")))
}

/// Starts a single burn on a worker thread of a token that `open` opens there (an
/// emulated device in process, a token a face reaches its own way): [`burn`] without
/// the wait for a reader. `order.reader` and `order.device` are not used.
pub fn burn_session(
    mut st: Station,
    open: impl FnOnce() -> Result<TokenSession> + Send + 'static,
    order: BurnOrder,
) -> Result<Job<BurnEvent, (Station, Result<BurnOutcome>)>> {
    Job::spawn("burn", move |ctx: &JobCtx<BurnEvent>| {
        let out = (|| {
            st.check_burn_seed(order.product.as_deref(), &order.seed)?;
            ctx.emit(BurnEvent::Step { n: 1, step: "open" });
            let mut s = open()?;
            let reader = s.reader().to_string();
            burn_single(&mut st, ctx, &mut s, order, reader)
        })();
        (st, out)
    })
    .map_err(|e| StationError::Internal(format!("starting the burn: {e}")))
}

mod batch;
mod defaults;
mod events;
mod opened;

pub use batch::{Tray, batch, batch_in};
pub use events::{BatchFailure, BatchSummary, BurnEvent};
pub use opened::burn_opened;
