//! A kiosk that starts while its PostgreSQL server does not answer (issue 17, "a
//! kiosk that reboots during an outage"): it starts from what its outbox kept the last
//! time it ran, and is from then on the offline kiosk of [`super::offline`] (same
//! rule, same code: `OfflineDesk::decide`), reconnecting in the background.
//!
//! The rule, in one place for every face:
//!
//! - **Usable snapshot**: the outbox file exists (never created here), belongs to this
//!   store (its `store` row, the URL without password), holds a snapshot of this
//!   location, and a copy of the store's key check (its vault header, taken with the
//!   snapshot). Its age is not limited: the start line shows when it was taken, and
//!   every decision taken from it is marked offline on the server (soft
//!   anti-passback, as for a kiosk that lost its server while running).
//! - **Key first**: the master key (key file or passphrase) is verified against the
//!   copied key check exactly as `Station::unlock` verifies it against the store; a
//!   wrong key is refused with the usual message before anything is decided. The
//!   snapshot's leased tokens stay sealed under it.
//! - **Plan**: the readers given, else the location's readers as the snapshot copied
//!   them; the location's mode as copied.
//! - **Without a usable snapshot** the start is refused ([`OfflineError::NoSnapshot`],
//!   naming the server, the outbox and what to do); a missing outbox is not created
//!   and an existing one keeps its events and snapshot (it is only migrated to the
//!   current version, as any open does), so nothing waiting in it is lost.
//! - **Back online**: the store opened away connects at its first answer, checked as
//!   an open checks it and also that its key check is still the copied one
//!   (`store::reach`); then the outbox is sent (`super::drain`) and the kiosk goes on
//!   online.

use std::path::{Path, PathBuf};

use super::Mode;
use super::kiosk_job::KioskPlan;
use crate::station::error::OfflineError;
use crate::station::{Actor, KeySource, Result, Station, StationError, VAULT_META, keys};
use crate::store::outbox::{Outbox, SnapSettings};
use crate::store::{Store, StoreError};
use crate::vault::{KeyKind, VaultHeader};

/// A snapshot a kiosk may start from, found in its outbox; the key is checked by
/// [`OfflineStart::open`].
pub struct OfflineStart {
    url: PathBuf,
    store: String,
    outbox: PathBuf,
    location: String,
    settings: SnapSettings,
    key_check: String,
    header: VaultHeader,
}

impl OfflineStart {
    /// Looks for a usable snapshot of `location` of the store at `db` (a PostgreSQL
    /// URL) in the outbox at `outbox`; creates no file and changes no row.
    pub fn find(db: &Path, outbox: &Path, location: &str) -> Result<OfflineStart> {
        let store = store_name_of(db);
        let none = |why: String| -> StationError {
            OfflineError::NoSnapshot {
                store: store.clone(),
                outbox: outbox.display().to_string(),
                why,
            }
            .into()
        };
        let ob = match Outbox::open_existing(outbox) {
            Err(StoreError::Missing(_)) => return Err(none("does not exist".into())),
            other => other?,
        };
        match ob.bound_store()? {
            Some(s) if s == store => {}
            Some(s) => return Err(none(format!("belongs to store {s}"))),
            None => return Err(none("belongs to no store yet".into())),
        }
        let Some(settings) = ob.snap_settings(location)? else {
            return Err(none(format!("holds no snapshot of location '{location}'")));
        };
        let Some(key_check) = ob.key_check()? else {
            return Err(none(
                "holds a snapshot taken before kiosks could start offline (no key check)".into(),
            ));
        };
        let header = VaultHeader::decode(&key_check)?;
        Ok(OfflineStart {
            url: db.to_path_buf(),
            store,
            outbox: outbox.to_path_buf(),
            location: location.to_string(),
            settings,
            key_check,
            header,
        })
    }

    /// How the store's key is obtained (as the copied key check says).
    pub fn key_kind(&self) -> KeyKind {
        self.header.kind
    }

    /// Unix seconds when the snapshot was taken.
    pub fn taken_at(&self) -> i64 {
        self.settings.taken_at
    }

    /// The snapshot's time in the location's zone, for the start line.
    pub fn taken_at_text(&self) -> String {
        super::report::local_rfc3339(&self.settings.tz, self.settings.taken_at)
    }

    /// The outbox file.
    pub fn outbox(&self) -> &Path {
        &self.outbox
    }

    /// The store, without password.
    pub fn store_name(&self) -> &str {
        &self.store
    }

    /// Verifies the key against the copied key check (a wrong key is refused as
    /// `Station::unlock` refuses it) and opens the station away from its server,
    /// unlocked, recording `actor`, with the kiosk plan: the readers `given`, else
    /// the snapshot's. With no reader and no typed input there is nothing to listen to.
    pub fn open(
        self,
        actor: Actor,
        source: &KeySource,
        given: &[String],
        typed: bool,
    ) -> Result<(Station, KioskPlan)> {
        let key = keys::unlock(source, &self.header)?;
        let configured = self.settings.readers.clone().unwrap_or_default();
        let readers = super::kiosk_job::plan_readers(&self.location, given, &configured, typed)?;
        let mode: Mode = self.settings.mode.parse()?;
        let mut store =
            Store::unconnected(&self.url.to_string_lossy(), VAULT_META, &self.key_check);
        store.set_station(crate::station::station_name());
        let st = Station {
            store,
            key: Some(key),
            actor_text: actor.to_string(),
            actor,
        };
        let plan = KioskPlan {
            location: self.location,
            mode,
            readers,
            outbox: Some(self.outbox),
        };
        Ok((st, plan))
    }
}

impl Station {
    /// Whether the store's server has not answered since this station started
    /// offline ([`OfflineStart`]).
    pub fn is_away(&self) -> bool {
        self.store.is_away()
    }
}

/// The store at `db` as messages and outbox names name it (the URL without password).
pub fn store_name_of(db: &Path) -> String {
    crate::store::pg::redact(&db.to_string_lossy())
}
