//! Device operations as jobs: open the token a reader spec names (waiting for it,
//! cancellable), then run one use case of [`crate::station::device`] on a worker
//! thread that owns the station until it hands it back. Questions (a PIN, a
//! confirmation) and what the device waits for (a touch, ▲) travel on the job's
//! channel.

use super::{ChangeOptions, Deleted, DeviceEvent, Renamed, ResetDone};
use crate::devices::SlotRef;
use crate::devices::session::{ReaderSpec, TokenSession};
use crate::station::burn_job::{self, DeviceOptions};
use crate::station::jobs::{Job, JobCtx};
use crate::station::views::device::{DeviceInfoView, HeldList};
use crate::station::{Result, Station, StationError};

/// Where the token is and how to open it.
pub struct DeviceOrder {
    /// The reader the token is in.
    pub reader: ReaderSpec,
    /// Family, secrets, how long to wait.
    pub device: DeviceOptions,
}

/// A running device job: its events, and the station handed back with the result.
pub type DeviceJob<R> = Job<DeviceEvent, (Station, Result<R>)>;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Opens the token of `order` on a worker thread and runs `work` on it.
fn spawn<R: Send + 'static>(
    name: &str,
    mut st: Station,
    order: DeviceOrder,
    work: impl FnOnce(&mut Station, &mut TokenSession, &mut &JobCtx<DeviceEvent>) -> Result<R>
    + Send
    + 'static,
) -> Result<DeviceJob<R>> {
    Job::spawn(name, move |ctx: &JobCtx<DeviceEvent>| {
        let out = (|| {
            let opts = burn_job::session_options(&order.reader, &order.device)?;
            let mut s = burn_job::open(ctx, &order.reader, &opts)?;
            ctx.check()?;
            let mut op = ctx;
            work(&mut st, &mut s, &mut op)
        })();
        (st, out)
    })
    .map_err(|e| StationError::Internal(format!("starting {name}: {e}")))
}

/// Family, model, firmware, serial and clock of the token.
pub fn info(st: Station, order: DeviceOrder) -> Result<DeviceJob<DeviceInfoView>> {
    spawn("device info", st, order, |st, s, op| {
        st.device_info(s, op, now())
    })
}

/// What the token holds, with the registered tokens each slot holds.
pub fn list(st: Station, order: DeviceOrder) -> Result<DeviceJob<HeldList>> {
    spawn("device list", st, order, |st, s, op| st.device_list(s, op))
}

/// Deletes what `which` names (see [`Station::device_delete`]).
pub fn delete(
    st: Station,
    order: DeviceOrder,
    which: SlotRef,
    opts: ChangeOptions,
) -> Result<DeviceJob<Deleted>> {
    spawn("device delete", st, order, move |st, s, op| {
        st.device_delete(s, &which, opts, op, &now)
    })
}

/// Renames what `which` names (see [`Station::device_rename`]).
pub fn rename(
    st: Station,
    order: DeviceOrder,
    which: SlotRef,
    new_name: String,
    yes: bool,
) -> Result<DeviceJob<Renamed>> {
    spawn("device rename", st, order, move |st, s, op| {
        st.device_rename(s, &which, &new_name, yes, op, &now)
    })
}

/// Factory-resets the token (see [`Station::device_reset`]).
pub fn reset(st: Station, order: DeviceOrder, opts: ChangeOptions) -> Result<DeviceJob<ResetDone>> {
    spawn("device reset", st, order, move |st, s, op| {
        st.device_reset(s, opts, op, &now)
    })
}

/// What the token that `open` opens on the worker thread holds (an emulated device
/// in process, a token a face reaches its own way): [`list`] without the reader.
pub fn list_opened(
    st: Station,
    open: impl FnOnce() -> Result<TokenSession> + Send + 'static,
) -> Result<DeviceJob<HeldList>> {
    Job::spawn("device list", move |ctx: &JobCtx<DeviceEvent>| {
        let out = open().and_then(|mut s| {
            let mut op = ctx;
            st.device_list(&mut s, &mut op)
        });
        (st, out)
    })
    .map_err(|e| StationError::Internal(format!("starting device list: {e}")))
}
