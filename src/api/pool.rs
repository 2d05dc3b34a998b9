//! The stations behind the server (design.md §3: threads, not async, below the faces).
//! Handlers never block the runtime: a read runs on one of a few reader stations
//! through `spawn_blocking`; a write runs on the one writer thread, in arrival order
//! (SQLite has one writer at a time, and waiting in a queue beats its busy-wait).
//! Verifications queued while the writer commits are decided together in one durable
//! transaction (group commit, [`Station::verify_many`]), each on the state the previous
//! ones left, every answer sent after its commit.
//!
//! Each job authenticates its request on the station that runs it
//! ([`Station::authenticate`]), counts it against the key's rate, and acts as
//! `api:<key_id>:<role>`.
//!
//! No station is opened, used or dropped on an async worker thread: the blocking
//! PostgreSQL client runs a runtime of its own and panics inside tokio's (issue 17).
//! The reader stations are opened on a plain thread ([`Pool::start`]), used under
//! `spawn_blocking`, and dropped on a plain thread when the pool goes
//! (`Readers`' `Drop`); the writer's station lives and dies on its thread.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::{Semaphore, oneshot};

use super::auth::Creds;
use super::error::ApiError;
use super::limit::Limits;
use crate::station::Source;
use crate::station::access::{AccessError, Caller};
use crate::station::time::now;
use crate::station::verify::Check;
use crate::station::{Station, StationError, Verdict};

/// A verification as a route receives it, before the station checks the caller.
#[derive(Debug, Clone, Default)]
pub struct VerifyRequest {
    /// Token serial, or (for a compatibility route's user name) a holder id.
    pub serial: String,
    /// Whether `serial` is a compatibility route's user name, resolved by the station.
    pub user: bool,
    /// Product, when the serial exists in several.
    pub product: Option<String>,
    /// The code.
    pub code: String,
    /// Location (a key with one location may omit it).
    pub location: Option<String>,
    /// The end user the application verifies for (their address): the per-source
    /// delay's unit behind the key; without it, the key's failures count as one source.
    pub client: Option<String>,
    /// A chosen time (needs the right to choose it).
    pub at: Option<i64>,
    /// Record the attempt (false needs the right to skip it).
    pub record: bool,
}

type Task = Box<dyn FnOnce(&mut Station) + Send>;

struct VerifyJob {
    creds: Creds,
    request: VerifyRequest,
    reply: oneshot::Sender<Result<Verdict, ApiError>>,
}

enum Job {
    Run(Task),
    Verify(VerifyJob),
}

struct Readers {
    stations: Mutex<Vec<Station>>,
    permits: Semaphore,
}

impl Drop for Readers {
    /// The reader stations are closed on a thread of their own, never on the async
    /// worker that may drop the last handle on the pool (a runtime shutting down).
    fn drop(&mut self) {
        let stations = std::mem::take(self.stations.get_mut().unwrap_or_else(|p| p.into_inner()));
        off_runtime(move || drop(stations));
    }
}

/// Runs `f` on a plain thread and waits for it: for store handles (the blocking
/// PostgreSQL client) that must not be opened or closed on an async worker. `None` when
/// the thread could not start or `f` panicked.
fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    std::thread::Builder::new()
        .name("api-stations".into())
        .spawn(f)
        .ok()?
        .join()
        .ok()
}

/// Handles on the reader stations and the writer thread.
pub struct Pool {
    readers: Arc<Readers>,
    writer: mpsc::Sender<Job>,
    limits: Arc<Limits>,
}

/// Authenticates a request on `st` and counts it against its key's rate.
fn authenticate(st: &Station, limits: &Limits, creds: &Creds) -> Result<Caller, ApiError> {
    let key = creds.key.as_ref().map(|k| k.as_str());
    match st.authenticate(key, creds.client, now()) {
        Ok(caller) => {
            limits.check_key(&caller.key_id)?;
            Ok(caller)
        }
        Err(StationError::Access(AccessError::Unauthenticated(why))) => {
            tracing::warn!(client = ?creds.client, %why, "API authentication failed");
            Err(limits.auth_failed(creds.client))
        }
        Err(e) => Err(ApiError::from_station(&e)),
    }
}

/// The station's checks of a verification request, turned into a [`Check`].
fn check_for(st: &Station, caller: &Caller, r: &VerifyRequest) -> Result<Check, StationError> {
    let serial = if r.user {
        st.serial_for_user(&r.serial)?
    } else {
        r.serial.clone()
    };
    let options = r.at.is_some() || !r.record;
    let location = st.authorize_verify(caller, &serial, r.location.as_deref(), options)?;
    Ok(Check {
        serial,
        product: r.product.clone(),
        code: r.code.clone(),
        location,
        // The per-source delay's unit: the end user the application names, behind its
        // key; else the key. A guessing application slows itself, not the kiosks or
        // the other applications.
        source: Some(match &r.client {
            Some(c) => Source::api_end_user(&caller.key_id, c)?,
            None => Source::api_key(&caller.key_id)?,
        }),
        at: r.at.unwrap_or_else(now),
        record: r.record,
    })
}

/// Decides a batch of verifications: each request is authenticated and checked, the
/// accepted ones verified in one transaction. This is the one place the API verifies.
fn verify_batch(st: &mut Station, limits: &Limits, batch: Vec<VerifyJob>) {
    let mut checks = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    for job in batch {
        let check = authenticate(st, limits, &job.creds)
            .and_then(|caller| check_for(st, &caller, &job.request).map_err(ApiError::from));
        match check {
            Ok(c) => {
                checks.push(c);
                replies.push(job.reply);
            }
            Err(e) => {
                let _ = job.reply.send(Err(e));
            }
        }
    }
    if checks.is_empty() {
        return;
    }
    match st.verify_many(&checks) {
        Ok(results) => {
            for (r, reply) in results.into_iter().zip(replies) {
                let _ = reply.send(r.map_err(ApiError::from));
            }
        }
        Err(e) => {
            let e = ApiError::from_station(&e);
            for reply in replies {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

fn writer_loop(mut st: Station, rx: mpsc::Receiver<Job>, limits: Arc<Limits>, group: usize) {
    let mut next = None;
    loop {
        let job = match next.take() {
            Some(j) => j,
            None => match rx.recv() {
                Ok(j) => j,
                Err(_) => return,
            },
        };
        let mut batch = Vec::new();
        let run = match job {
            Job::Run(task) => Some(task),
            Job::Verify(v) => {
                batch.push(v);
                while batch.len() < group {
                    match rx.try_recv() {
                        Ok(Job::Verify(v)) => batch.push(v),
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                None
            }
        };
        // A panic (a defect) loses its own answers, not the writer.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| match run {
            Some(task) => task(&mut st),
            None => verify_batch(&mut st, &limits, batch),
        }));
        if outcome.is_err() {
            tracing::error!("an API write job panicked; its requests get 500");
        }
    }
}

fn gone() -> ApiError {
    ApiError::unavailable("the server is shutting down")
}

impl Pool {
    /// Starts the pool on an unlocked station: `readers` more connections for reads,
    /// the station itself on the writer thread, verifications grouped `group` at most
    /// per commit. Returns the pool and the writer thread (it ends when the pool is
    /// dropped).
    pub fn start(
        st: Station,
        readers: usize,
        group: usize,
        limits: Arc<Limits>,
    ) -> Result<(Pool, JoinHandle<()>), StationError> {
        let readers = readers.max(1);
        // Opened on a plain thread: `start` may be called on an async worker.
        // (On failure every station, the writer's too, is closed there as well.)
        let (st, stations) = off_runtime(move || {
            let sibs = (0..readers)
                .map(|_| st.open_sibling())
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, StationError>((st, sibs))
        })
        .ok_or_else(|| {
            StationError::Internal("opening the API's reader stations failed".into())
        })??;
        let (tx, rx) = mpsc::channel();
        let l = Arc::clone(&limits);
        let group = group.max(1);
        let thread = std::thread::Builder::new()
            .name("api-writer".into())
            .spawn(move || writer_loop(st, rx, l, group))
            .map_err(|e| StationError::Internal(format!("starting the API writer: {e}")))?;
        let pool = Pool {
            readers: Arc::new(Readers {
                stations: Mutex::new(stations),
                permits: Semaphore::new(readers),
            }),
            writer: tx,
            limits,
        };
        Ok((pool, thread))
    }

    /// The limiters.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Runs `f` for the authenticated caller on a reader station.
    pub async fn read<T, F>(&self, creds: Creds, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Station, &Caller) -> Result<T, StationError> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self.readers.permits.acquire().await.map_err(|_| gone())?;
        let readers = Arc::clone(&self.readers);
        let limits = Arc::clone(&self.limits);
        let job = move || -> Result<T, ApiError> {
            let st = readers
                .stations
                .lock()
                .map_err(|_| ApiError::internal("reader pool poisoned"))?
                .pop()
                .ok_or_else(|| ApiError::internal("no reader station free"))?;
            let out = std::panic::catch_unwind(AssertUnwindSafe(|| {
                let caller = authenticate(&st, &limits, &creds)?;
                f(&st, &caller).map_err(ApiError::from)
            }));
            if let Ok(mut v) = readers.stations.lock() {
                v.push(st);
            }
            out.unwrap_or_else(|_| Err(ApiError::internal("a read panicked")))
        };
        tokio::task::spawn_blocking(job)
            .await
            .unwrap_or_else(|_| Err(ApiError::internal("a read task failed")))
    }

    /// Runs `f` for the authenticated caller on the writer thread (its audit lines
    /// name the caller).
    pub async fn write<T, F>(&self, creds: Creds, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Station, &Caller) -> Result<T, StationError> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let limits = Arc::clone(&self.limits);
        let task: Task = Box::new(move |st: &mut Station| {
            let server = st.actor().clone();
            let out = authenticate(st, &limits, &creds).and_then(|caller| {
                st.set_actor(caller.actor());
                f(st, &caller).map_err(ApiError::from)
            });
            st.set_actor(server);
            let _ = tx.send(out);
        });
        self.writer.send(Job::Run(task)).map_err(|_| gone())?;
        rx.await
            .unwrap_or_else(|_| Err(ApiError::internal("a write job failed")))
    }

    /// Verifies a code for the authenticated caller (grouped with others queued).
    pub async fn verify(&self, creds: Creds, request: VerifyRequest) -> Result<Verdict, ApiError> {
        let (reply, rx) = oneshot::channel();
        let job = VerifyJob {
            creds,
            request,
            reply,
        };
        self.writer.send(Job::Verify(job)).map_err(|_| gone())?;
        rx.await
            .unwrap_or_else(|_| Err(ApiError::internal("a verification job failed")))
    }
}
