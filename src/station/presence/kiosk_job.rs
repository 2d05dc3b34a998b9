//! A kiosk as a job (see [`crate::station::jobs`]): the plan says which readers a
//! location's kiosk listens to (those given, else the location's configured readers)
//! and whether codes are checked; [`start`] runs the loop on a worker thread with one
//! thread per reader. Its events are the [`KioskLine`]s, its cancellation token stops
//! the loop and the readers, and the face feeds typed lines through
//! [`KioskRun::input`].

use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use super::Mode;
use super::drain;
use super::feed::{KioskInput, spawn_reader_beating};
use super::heartbeat::{Heartbeat, KioskHealth};
use super::kiosk::{Kiosk, KioskLine};
use super::offline::{self, OfflineDesk};
use crate::devices::session::{ReaderSpec, open_reader};
use crate::station::jobs::{CancelToken, Job, JobCtx};
use crate::station::{Result, Station, StationError};

/// How often a reader that went away is reopened.
pub const REOPEN_EVERY: Duration = Duration::from_secs(2);

/// What a kiosk at a location will listen to, decided before it starts.
#[derive(Debug, Clone)]
pub struct KioskPlan {
    /// The location.
    pub location: String,
    /// What the location requires.
    pub mode: Mode,
    /// The readers: the ones given, else the location's configured readers.
    pub readers: Vec<ReaderSpec>,
    /// The outbox file for presentations decided while the store's PostgreSQL server
    /// does not answer (`super::offline`); unused on an SQLite store (always local).
    pub outbox: Option<PathBuf>,
}

impl Station {
    /// Plans a kiosk at `location`: the readers `given` (spec strings), else the
    /// location's configured ones. With no reader and no typed input there is nothing
    /// to listen to.
    pub fn kiosk_plan(&self, location: &str, given: &[String], typed: bool) -> Result<KioskPlan> {
        let view = self.location_presence(location)?;
        let readers = plan_readers(location, given, &view.readers, typed)?;
        Ok(KioskPlan {
            location: view.location,
            mode: view.settings.mode,
            readers,
            outbox: None,
        })
    }
}

/// A kiosk's readers: the `given` spec strings, else the location's `configured` ones;
/// with none and no typed input there is nothing to listen to (the rule for a kiosk
/// planned online and one starting from its snapshot).
pub(crate) fn plan_readers(
    location: &str,
    given: &[String],
    configured: &[String],
    typed: bool,
) -> Result<Vec<ReaderSpec>> {
    let specs = if given.is_empty() { configured } else { given };
    let readers = specs
        .iter()
        .map(|s| s.parse::<ReaderSpec>())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if readers.is_empty() && !typed {
        return Err(StationError::NothingToListen(location.to_string()));
    }
    Ok(readers)
}

/// A running kiosk: the job (its events are the lines), and where typed lines go.
pub struct KioskRun {
    /// The kiosk job; its result hands the station back.
    pub job: Job<KioskLine, Result<Station>>,
    /// Typed lines (`KioskInput::Line`) for the kiosk.
    pub input: Sender<KioskInput>,
    /// The reader threads' heartbeats (for a watchdog).
    pub health: KioskHealth,
}

/// Starts the kiosk of `plan` on a worker thread, with one thread per reader. Every
/// commit is made durable first. Cancelling the job stops the loop and the readers.
pub fn start(mut st: Station, plan: &KioskPlan) -> Result<KioskRun> {
    st.durable()?;
    let (tx, rx) = mpsc::channel::<KioskInput>();
    let cancel = CancelToken::new();
    {
        let tx = tx.clone();
        cancel.on_cancel(move || {
            let _ = tx.send(KioskInput::Stop);
        });
    }
    let mut readers = Vec::new();
    let mut health = KioskHealth::default();
    for spec in &plan.readers {
        let s = spec.clone();
        let beat = Heartbeat::new();
        health.add(spec.to_string(), beat.clone());
        readers.push(
            spawn_reader_beating(
                spec.to_string(),
                move || open_reader(&s),
                tx.clone(),
                cancel.clone(),
                REOPEN_EVERY,
                beat,
            )
            .map_err(|e| StationError::Internal(format!("starting a reader thread: {e}")))?,
        );
    }
    // A kiosk on a PostgreSQL server keeps an outbox, sent by a thread of its own.
    let away = match &plan.outbox {
        Some(path) if st.is_shared() => {
            let desk = OfflineDesk::open(&st, path, &plan.location)?;
            let drain = drain::spawn(st.open_sibling()?, path.clone(), cancel.clone())?;
            Some((desk, drain))
        }
        _ => None,
    };
    let location = plan.location.clone();
    let token = cancel.clone();
    let job = Job::spawn_with("kiosk", cancel, move |ctx: &JobCtx<KioskLine>| {
        let (desk, drain) = away.unzip();
        // the location as the server has it, else (the server just went away) as the
        // snapshot copied it a moment ago
        let zone = match st.read().location_get(&location) {
            Ok(l) => Ok((l.name, l.tz)),
            Err(e) => {
                let e = StationError::from(e);
                match desk.as_ref().map(|d| d.tz()) {
                    Some(Ok(Some(tz))) if offline::is_unreachable(&e) => Ok((location.clone(), tz)),
                    _ => Err(e),
                }
            }
        };
        let out = zone
            .map(|(name, tz)| {
                let k = Kiosk::with_zone(&mut st, &name, &tz);
                match desk {
                    Some(d) => k.with_outbox(d),
                    None => k,
                }
            })
            .map(|mut k| k.run(&rx, |l| ctx.emit(l.clone())));
        token.cancel(); // stops the reader threads and the outbox thread
        for r in readers {
            let _ = r.join();
        }
        if let Some(d) = drain {
            let _ = d.join();
        }
        out.map(|()| st)
    })
    .map_err(|e| StationError::Internal(format!("starting the kiosk: {e}")))?;
    Ok(KioskRun {
        job,
        input: tx,
        health,
    })
}
