//! The offline kiosk (issue 17): what "offline" means for a kiosk whose store is a
//! PostgreSQL server, and what it may still do. The one rule, for every face:
//!
//! - **Offline** is: the server failed to answer this presentation (no connection,
//!   connection lost, server shutting down or starting: `StoreError::is_unreachable`),
//!   or the kiosk's outbox still holds events not yet committed on the server. While
//!   the outbox holds events, new presentations are decided offline too, so the
//!   server receives them in the order they were decided and an online decision never
//!   overtakes an offline one it should have seen.
//! - **Allowed offline**: card and tag taps at a location of mode `card`. Each is
//!   decided from the kiosk's snapshot and the same anti-passback rule as online
//!   (`passback`), pushed to the outbox (SQLite, `synchronous = FULL`) and
//!   only then acknowledged, marked "recorded offline" (accepted or refused: an unknown
//!   card is refused and recorded, as online).
//! - **Allowed offline, for leased tokens**: `SERIAL CODE` for a token leased to this
//!   station (`station::lease`) that verifies at the location and names a holder,
//!   at a location of mode `code`: checked against the snapshot's copy of the token
//!   by the verification engine's own core, its new replay guard committed with the
//!   event in one outbox transaction (`code`, its header has the details).
//! - **Refused offline** with [`OfflineError::ServerUnreachable`]: every other typed
//!   code (checking a code needs the token's replay guard and counters, which only the
//!   server holds exactly, or the one station the token is leased to: two offline
//!   stations could accept one code twice), and taps at a location that needs a code
//!   (`code`, `card+code`).
//! - **The snapshot** (in the outbox file, read-only copies taken while the server
//!   answers: at start, every [`REFRESH_EVERY`] and when the outbox was emptied): every
//!   card and tag credential with its holder, each holder's last accepted event at the
//!   location, the location's mode, intervals and zone, and the tokens leased to this
//!   station (seed still sealed, replay guard). Events this kiosk decides
//!   (online or offline) update the holder's last event in it. What it cannot know:
//!   credentials enrolled or revoked and events of other kiosks at the same location
//!   since the last copy; decisions taken from it are therefore marked `offline` on
//!   the server (`presence report` shows them) and are soft anti-passback.
//! - **Starting offline** ([`super::offline_start`]): a kiosk whose server does not
//!   answer at start runs from the snapshot its outbox kept (which also holds the
//!   store's key check and the location's readers), by this same rule.
//! - **Sending** ([`super::drain`]): in order, in the background, with backoff; each
//!   event carries its idempotency key, so a row sent twice (a crash between the
//!   server's commit and the row's removal) is recorded once; a row is removed only
//!   after the server committed it.

use std::path::Path;
use std::time::Duration;

use super::passback::{self, Intervals, Last, Passback};
use super::record::Presentation;
use super::vocab::{EventStatus, Reason};
use super::{CredentialKey, Direction, Mode};
use crate::station::error::OfflineError;
use crate::station::{Result, Station, StationError};
use crate::store::outbox::{Outbox, OutboxEvent, SnapSettings, Snapshot};
use crate::store::presence::Event;
use crate::vault::MasterKey;

mod code;

/// How often the snapshot is copied again while the server answers.
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// What became of a presentation decided offline.
#[derive(Debug, Clone)]
pub enum OfflineOutcome {
    /// Pushed to the outbox (accepted or refused): acknowledged as recorded offline.
    Recorded(OutboxEvent),
    /// A repeated tap inside the fold interval: the holder's last event.
    Folded(OutboxEvent),
    /// The idempotency key is in the outbox already: the event kept then.
    Duplicate(OutboxEvent),
}

/// A kiosk's offline side: its outbox and snapshot, for one location.
pub struct OfflineDesk {
    outbox: Outbox,
    location: String,
    store: String,
    station: Option<String>,
}

impl OfflineDesk {
    /// Opens (or creates) the outbox at `path` for `location` of `st`'s store and
    /// copies the snapshot. An outbox that belongs to another store is refused. When
    /// the server does not answer, the snapshot this outbox kept of this store and
    /// location is used as it is (a kiosk that starts offline:
    /// [`super::offline_start`]); without one that is the server's error.
    pub fn open(st: &Station, path: &Path, location: &str) -> Result<OfflineDesk> {
        let outbox = Outbox::open(path)?;
        let store = st.store_name().to_string();
        let old = outbox.bind_store(&store)?;
        let ours = old.as_deref().is_none_or(|b| b == store);
        // an empty outbox may change stores; one holding events sends them to its own
        if let Some(bound) = old
            && bound != store
            && outbox.pending()? > 0
        {
            return Err(OfflineError::Outbox {
                path: path.display().to_string(),
                why: format!(
                    "it holds events for store {bound}, not {store}: use another outbox file"
                ),
            }
            .into());
        }
        outbox.rebind_store(&store)?;
        let mut desk = OfflineDesk {
            outbox,
            location: location.to_string(),
            store,
            station: st.read().station().map(str::to_string),
        };
        match desk.refresh(st) {
            Err(e)
                if is_unreachable(&e) && ours && desk.outbox.snap_settings(location)?.is_some() =>
            {
                Ok(desk)
            }
            Err(e) => Err(e),
            Ok(()) => Ok(desk),
        }
    }

    /// The outbox file.
    pub fn path(&self) -> &Path {
        self.outbox.path()
    }

    /// Events waiting to be sent.
    pub fn pending(&self) -> Result<i64> {
        Ok(self.outbox.pending()?)
    }

    /// Copies the snapshot from the server (read-only reads).
    pub fn refresh(&mut self, st: &Station) -> Result<()> {
        let c = st.read();
        let loc = c.location_get(&self.location)?;
        let s = c.presence_settings(loc.id)?;
        let credentials = c
            .credentials_tapped()?
            .into_iter()
            .map(|cr| (cr.kind, cr.value, cr.holder, cr.label))
            .collect();
        let last = c
            .events_last_per_holder(loc.id)?
            .into_iter()
            .filter_map(|e| Some((e.holder?, e.direction?, e.at)))
            .collect();
        let settings = SnapSettings {
            tz: loc.tz.clone(),
            mode: s.mode,
            min_interval: s.min_interval,
            fold: s.fold,
            taken_at: crate::station::time::now(),
            readers: Some(c.location_readers(loc.id)?),
        };
        let snap = Snapshot {
            credentials,
            last,
            key_check: c.meta_get(crate::station::VAULT_META)?,
        };
        let leased = match &self.station {
            Some(station) => code::leased_tokens(&c, station, &loc, None)?,
            None => Vec::new(),
        };
        self.outbox
            .snapshot_replace(&self.location, &settings, &snap)?;
        Ok(self.outbox.snap_tokens_replace(None, &leased)?)
    }

    /// Notes an event decided online as its holder's last one (for later offline
    /// decisions).
    pub fn note_online(&self, e: &Event) -> Result<()> {
        if let (Some(h), Some(d), "ok") = (&e.holder, &e.direction, e.status.as_str()) {
            self.outbox.note_last(&self.location, h, d, e.at)?;
        }
        Ok(())
    }

    /// The holder and label a card or tag names in the snapshot.
    pub fn identify(&self, k: &CredentialKey) -> Result<Option<(String, Option<String>)>> {
        Ok(self.outbox.snap_credential(k.kind.as_str(), &k.value)?)
    }

    fn unreachable(&self, what: String) -> StationError {
        OfflineError::ServerUnreachable {
            what,
            store: self.store.clone(),
        }
        .into()
    }

    /// Decides a presentation without the server (the module header's rule) and, unless
    /// it is folded, pushes it to the outbox before returning.
    pub fn decide(&mut self, p: &Presentation, now_ms: i64) -> Result<OfflineOutcome> {
        self.decide_keyed(None, p, now_ms)
    }

    /// [`OfflineDesk::decide`] with the master key: a typed code is then checked for a
    /// token leased to this station (the `code` module); without it, or for any other
    /// token, a typed code is "server unreachable".
    pub(crate) fn decide_keyed(
        &mut self,
        key: Option<&MasterKey>,
        p: &Presentation,
        now_ms: i64,
    ) -> Result<OfflineOutcome> {
        if let Some(tc) = &p.code {
            return self.decide_code(key, p, tc, now_ms);
        }
        if let Some(idem) = &p.idem
            && let Some(e) = self.outbox.by_idem(idem)?
        {
            return Ok(OfflineOutcome::Duplicate(e));
        }
        let Some(cred) = &p.credential else {
            return Err(self.unreachable("a presentation without a card or tag".into()));
        };
        let Some(s) = self.outbox.snap_settings(&self.location)? else {
            return Err(self.unreachable(format!("location '{}'", self.location)));
        };
        let mode: Mode = s.mode.parse()?;
        if mode != Mode::Card {
            return Err(self.unreachable(format!(
                "location '{}' (mode {})",
                self.location,
                mode.as_str()
            )));
        }
        let idem = p
            .idem
            .clone()
            .unwrap_or_else(|| format!("offline|{cred}|{now_ms}"));
        let mut ev = OutboxEvent {
            seq: 0,
            idem,
            station: self.station.clone(),
            location: self.location.clone(),
            at: p.at,
            reader: p.reader.clone(),
            credential: Some(cred.to_string()),
            holder: None,
            label: None,
            direction: None,
            status: EventStatus::Refused.as_str().into(),
            reason: None,
        };
        let Some((holder, label)) = self.identify(cred)? else {
            ev.reason = Some(Reason::UnknownCredential.as_str().into());
            return Ok(OfflineOutcome::Recorded(self.outbox.push(&ev, now_ms)?));
        };
        ev.holder = Some(holder.clone());
        ev.label = label;
        let last = self.outbox.snap_last(&self.location, &holder)?;
        let seen = last.as_ref().map(|(d, at)| Last {
            direction: d.parse::<Direction>().ok(),
            at: *at,
        });
        let iv = Intervals {
            fold: s.fold,
            min_interval: s.min_interval,
        };
        match passback::decide(seen, p.direction, false, p.at, iv) {
            Passback::Fold => {
                let (d, at) = last.unwrap_or_default();
                ev.direction = Some(d);
                ev.at = at;
                ev.status = EventStatus::Ok.as_str().into();
                Ok(OfflineOutcome::Folded(ev))
            }
            Passback::Refuse(r) => {
                ev.reason = Some(r.as_str().into());
                Ok(OfflineOutcome::Recorded(self.outbox.push(&ev, now_ms)?))
            }
            Passback::Go(d) => {
                ev.direction = Some(d.as_str().into());
                ev.status = EventStatus::Ok.as_str().into();
                Ok(OfflineOutcome::Recorded(self.outbox.push(&ev, now_ms)?))
            }
        }
    }

    /// The location's zone as last copied (for the kiosk's clock).
    pub fn tz(&self) -> Result<Option<String>> {
        Ok(self.outbox.snap_settings(&self.location)?.map(|s| s.tz))
    }
}

/// Whether a station error is the server not answering: the kiosk then decides
/// offline.
pub fn is_unreachable(e: &StationError) -> bool {
    matches!(e, StationError::Store(s) if s.is_unreachable())
}

/// How long a kiosk waits for a new connection when the server dropped the last one.
const RECONNECT_WAIT: Duration = Duration::from_millis(200);

impl Station {
    /// Replaces a store connection the server dropped (a restart) by a new one,
    /// waiting briefly; nothing to do while it is open or on SQLite.
    pub fn reconnect(&mut self) -> Result<()> {
        Ok(self.store.reconnect(RECONNECT_WAIT)?)
    }

    /// Whether the store is on a PostgreSQL server (a kiosk then keeps an outbox).
    pub fn is_shared(&self) -> bool {
        self.store.is_postgres()
    }
}
