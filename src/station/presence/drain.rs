//! Sending a kiosk's outbox to the server (issue 17, the rule is in
//! [`super::offline`]): a background thread with a station of its own takes the
//! oldest events one by one, records each on the server in one write transaction
//! ([`Station::presence_send`]: its idempotency key first, so an event the server
//! already has is not recorded again), and removes the row from the outbox only after
//! that commit. When the server does not answer it waits, doubling the wait from
//! [`BACKOFF_FIRST`] up to [`BACKOFF_MAX`], and tries again; it never skips an event.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::offline::is_unreachable;
use super::vocab::EventSource;
use crate::station::jobs::CancelToken;
use crate::station::{Result, Station};
use crate::store::outbox::{Outbox, OutboxEvent, TokenUse};
use crate::store::presence::NewEvent;

/// First wait after the server did not answer.
pub const BACKOFF_FIRST: Duration = Duration::from_millis(250);
/// Longest wait between two tries.
pub const BACKOFF_MAX: Duration = Duration::from_secs(15);
/// How often an empty outbox is looked at again.
pub const IDLE: Duration = Duration::from_millis(200);

/// What became of one sent event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Recorded now, with this row id on the server.
    Recorded(i64),
    /// The server had it already (same idempotency key), with this row id.
    Already(i64),
}

impl Station {
    /// Records an event decided offline on the server, in one write transaction,
    /// marked `offline`, under the station that decided it. An idempotency key the
    /// server knows returns that event's id and records nothing. A holder removed
    /// since is recorded as none; a location removed since fails (the row stays).
    pub fn presence_send(&mut self, e: &OutboxEvent) -> Result<Sent> {
        self.presence_send_coded(e, None)
    }

    /// [`Station::presence_send`] for an event with what it did to a leased token
    /// (a code typed offline): logged and applied in the same transaction
    /// (`drain_code`).
    pub fn presence_send_coded(&mut self, e: &OutboxEvent, u: Option<&TokenUse>) -> Result<Sent> {
        let own = self.store.read().station().map(str::to_string);
        self.store.set_station(e.station.clone());
        let out = self.write(|tx| {
            if let Some(old) = tx.event_by_idem(&e.idem)? {
                return Ok(Sent::Already(old.id));
            }
            let loc = tx.location_get(&e.location)?;
            let holder_id = match &e.holder {
                Some(h) => tx.holder_find(h)?.map(|h| h.id),
                None => None,
            };
            let id = tx.event_insert(&NewEvent {
                location_id: loc.id,
                holder_id,
                at: e.at,
                direction: e.direction.as_deref(),
                status: &e.status,
                reason: e.reason.as_deref(),
                source: EventSource::Kiosk.as_str(),
                credential: e.credential.as_deref(),
                reader: e.reader.as_deref(),
                idem: Some(&e.idem),
                offline: true,
                ..NewEvent::default()
            })?;
            if let Some(u) = u {
                super::drain_code::apply(tx, e, u, loc.id)?;
            }
            Ok(Sent::Recorded(id))
        });
        self.store.set_station(own);
        out
    }
}

/// A running drain thread.
pub struct Drain {
    thread: JoinHandle<Station>,
    sent: Arc<AtomicU64>,
}

impl Drain {
    /// Events sent so far (recorded or found already recorded).
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Waits for the thread (after its cancel token was cancelled) and gives back
    /// its station.
    pub fn join(self) -> Option<Station> {
        self.thread.join().ok()
    }
}

/// Starts sending the outbox at `path` with `st` (a station of its own: the kiosk
/// keeps deciding meanwhile) until `cancel` is cancelled.
pub fn spawn(st: Station, path: PathBuf, cancel: CancelToken) -> Result<Drain> {
    let mut outbox = Outbox::open(&path)?;
    let sent = Arc::new(AtomicU64::new(0));
    let count = sent.clone();
    let thread = std::thread::Builder::new()
        .name("outbox".into())
        .spawn(move || {
            let mut st = st;
            run(&mut st, &mut outbox, &cancel, &count);
            st
        })
        .map_err(|e| crate::station::StationError::Internal(format!("starting the outbox: {e}")))?;
    Ok(Drain { thread, sent })
}

/// Sleeps `d` in small steps; false when cancelled meanwhile.
fn nap(d: Duration, cancel: &CancelToken) -> bool {
    let step = Duration::from_millis(50);
    let mut left = d;
    while !left.is_zero() {
        if cancel.is_cancelled() {
            return false;
        }
        let s = left.min(step);
        std::thread::sleep(s);
        left -= s;
    }
    !cancel.is_cancelled()
}

fn run(st: &mut Station, outbox: &mut Outbox, cancel: &CancelToken, sent: &AtomicU64) {
    let mut backoff = BACKOFF_FIRST;
    while !cancel.is_cancelled() {
        match drain_some(st, outbox, 64, sent) {
            Ok(0) => {
                backoff = BACKOFF_FIRST;
                if !nap(IDLE, cancel) {
                    return;
                }
            }
            Ok(_) => backoff = BACKOFF_FIRST,
            Err(e) => {
                if !is_unreachable(&e) {
                    tracing::warn!(error = %e, "kiosk outbox: an event could not be sent; retrying");
                }
                if !nap(backoff, cancel) {
                    return;
                }
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

/// Sends at most `n` of the oldest events, in order; the number sent. Stops at the
/// first failure (the row stays, the error is returned).
pub fn drain_some(
    st: &mut Station,
    outbox: &mut Outbox,
    n: i64,
    sent: &AtomicU64,
) -> Result<usize> {
    let rows = outbox.oldest(n)?;
    for e in &rows {
        let u = outbox.token_use(e.seq)?;
        st.presence_send_coded(e, u.as_ref())?;
        outbox.remove(e.seq)?;
        sent.fetch_add(1, Ordering::Relaxed);
    }
    Ok(rows.len())
}
