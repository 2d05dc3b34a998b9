//! Use cases of the station: open and unlock a store, manage products, holders,
//! locations and tokens, compute and verify codes, burn tokens, import and export
//! seeds, run kiosks. Everything a face (CLI, TUI, API) does goes through here: this
//! layer owns the rules, the store owns the SQL, the devices own the protocols.
//!
//! What a face uses: the use cases (methods of [`Station`]), the read models of
//! [`views`], long work as [`jobs`] with typed events, and [`StationError`] with its
//! typed [`Hint`] to word. Every state change is one write transaction with
//! its audit line; a face never holds a store handle that can write.

pub mod access;
pub mod actor;
pub mod audit_chain;
pub mod audit_check;
pub(crate) mod audit_writer;
pub mod backup;
pub mod burn_job;
pub mod catalog;
pub mod device;
pub mod drift;
pub mod error;
pub mod export;
pub mod hint;
pub mod host_clock;
pub mod import;
pub mod import_job;
pub mod input_file;
pub mod issue;
pub mod jobs;
pub(crate) mod key_tries;
pub mod keys;
pub mod lease;
pub mod limits;
pub mod location_rule;
pub mod lookup;
pub mod manage;
pub mod names;
pub mod operator;
pub mod policy;
pub mod presence;
pub mod provision;
pub mod resync;
pub mod seed_input;
pub mod store_copy;
pub mod time;
pub mod tokens;
pub(crate) mod tx;
pub mod verdict;
pub mod verify;
pub mod views;

use std::path::{Path, PathBuf};

use crate::store::{Reader, Store, StoreError};
use crate::vault::{MasterKey, VaultHeader};

pub use actor::{Actor, OsUser};
pub use error::{ErrorClass, Refusal, Result, StationError};
pub use hint::Hint;
pub use keys::KeySource;
pub use limits::Source;
pub use verdict::{Method, OffsetUnit, Status, Verdict};
pub use verify::VerifyRequest;

/// An open station: its store, and its master key once unlocked. A station can move
/// to a worker thread (jobs run there), but is used by one thread at a time.
pub struct Station {
    store: Store,
    key: Option<MasterKey>,
    actor: Actor,
    actor_text: String,
}

/// Meta key of the vault header.
pub(crate) const VAULT_META: &str = "vault";

impl Station {
    /// Opens the store at `path` (the key is unlocked later, only when a seed is needed
    /// or something is written); the audit log records the operating-system user.
    pub fn open(path: &Path) -> Result<Station> {
        Station::open_as(path, Actor::current())
    }

    /// Opens the store at `path`, recording `actor` in the audit log.
    pub fn open_as(path: &Path, actor: Actor) -> Result<Station> {
        let mut store = Store::open(path)?;
        store.set_station(station_name());
        if store.read().meta_get(VAULT_META)?.is_none() {
            return Err(StationError::NoVaultHeader(PathBuf::from(store.name())));
        }
        Ok(Station {
            store,
            key: None,
            actor_text: actor.to_string(),
            actor,
        })
    }

    /// Creates a new store with a new master key. Returns the station unlocked; the
    /// audit log records the operating-system user.
    pub fn init(path: &Path, source: &KeySource, now: i64) -> Result<Station> {
        Station::init_as(path, source, now, Actor::current())
    }

    /// Creates a new store with a new master key, recording `actor` in the audit log.
    /// Its audit log is chained from its first line.
    pub fn init_as(path: &Path, source: &KeySource, now: i64, actor: Actor) -> Result<Station> {
        let shared = path.to_str().is_some_and(is_shared_store);
        if (!shared && path.exists()) || (shared && Store::open_for_audit(path).is_ok()) {
            let name = if shared {
                crate::store::pg::redact(&path.to_string_lossy())
            } else {
                path.display().to_string()
            };
            return Err(StoreError::Exists(name).into());
        }
        let (key, header) = keys::create(source)?;
        let mut store = Store::create(path)?;
        store.set_station(station_name());
        let mut st = Station {
            store,
            key: Some(key),
            actor_text: actor.to_string(),
            actor,
        };
        let name = st.store.name().to_string();
        st.write(|tx| {
            tx.meta_set(VAULT_META, &header.encode())?;
            tx.meta_set("created_at", &now.to_string())?;
            tx.audit(
                now,
                "station.init",
                &format!("store {name}"),
                None::<&()>,
                Some(&serde_json::json!({"key": header.kind.as_str()})),
            )
        })?;
        Ok(st)
    }

    /// Unlocks the master key from a key file or passphrase, checked against the store.
    /// The tail of the audit chain is checked too ([`audit_check::TAIL_LINES`] lines
    /// and the head): a store changed outside tokenstation is refused for writing.
    pub fn unlock(&mut self, source: &KeySource) -> Result<()> {
        let text = self.store.read().meta_get(VAULT_META)?.unwrap_or_default();
        let header = VaultHeader::decode(&text)?;
        let key = keys::unlock(source, &header)?;
        // Under the write lock: another station appending between the reads of the
        // head and of the tail would look like lines added behind tokenstation's back.
        // Nothing is written, so nothing needs journaling.
        self.store.write(|w| audit_check::check_tail(w, &key))?;
        self.key = Some(key);
        Ok(())
    }

    /// How the store's key is obtained (key file or passphrase).
    pub fn key_kind(&self) -> Result<crate::vault::KeyKind> {
        let text = self.store.read().meta_get(VAULT_META)?.unwrap_or_default();
        Ok(VaultHeader::decode(&text)?.kind)
    }

    /// The database file, or the PostgreSQL URL as given (it may hold a password: show
    /// [`Station::store_name`]).
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// The store as messages name it: the file, or the URL without its password.
    pub fn store_name(&self) -> &str {
        self.store.name()
    }

    /// A read-only handle on the store, for tools and tests. It has no method that
    /// changes a row (see [`crate::store::Reader`]); faces use [`views`] instead.
    ///
    /// Reading compiles:
    ///
    /// ```no_run
    /// # fn f(st: &tokenstation::station::Station) -> Result<(), tokenstation::store::StoreError> {
    /// let t = st.read().token_by_id(1)?;
    /// # let _ = t; Ok(())
    /// # }
    /// ```
    ///
    /// changing state through the handle does not:
    ///
    /// ```compile_fail,E0599
    /// # fn f(st: &tokenstation::station::Station) {
    /// st.read().token_set_status(1, tokenstation::model::TokenStatus::Active, 0);
    /// # }
    /// ```
    ///
    /// and neither does opening a write transaction outside the station:
    ///
    /// ```compile_fail,E0624
    /// # fn f(st: &mut tokenstation::station::Station) {
    /// let _ = st.write(|_| Ok(()));
    /// # }
    /// ```
    pub fn read(&self) -> Reader<'_> {
        self.store.read()
    }

    /// Who is recorded in the audit log.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Whether the master key is unlocked.
    pub fn is_unlocked(&self) -> bool {
        self.key.is_some()
    }

    pub(crate) fn key(&self) -> Result<&MasterKey> {
        self.key.as_ref().ok_or(StationError::Locked)
    }

    /// Opens another connection to the same store with the same actor and, when this one
    /// is unlocked, the same key: a face's pool of stations working in parallel (the
    /// API server) unlocks once.
    pub fn open_sibling(&self) -> Result<Station> {
        // a station that started away from its server gets a sibling away too
        let mut store = match self.store.away_copy() {
            Some(s) => s,
            None => Store::open(self.path())?,
        };
        store.set_station(station_name());
        Ok(Station {
            store,
            key: self.key.clone(),
            actor: self.actor.clone(),
            actor_text: self.actor_text.clone(),
        })
    }

    /// Names who the audit log records from now on: a server's station acts for one
    /// caller after another (the API sets the request's key and role).
    pub fn set_actor(&mut self, actor: Actor) {
        self.actor_text = actor.to_string();
        self.actor = actor;
    }

    /// Makes every commit of this station durable across power loss (kiosks).
    pub fn durable(&mut self) -> Result<()> {
        Ok(self.store.set_durable()?)
    }
}

/// The name this station records with its attempts and presence events (many stations
/// share one PostgreSQL store): `TOKENSTATION_STATION`, else the host name; at most 64
/// characters, control characters dropped.
pub fn station_name() -> Option<String> {
    let raw = std::env::var("TOKENSTATION_STATION")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())?;
    let name: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Whether `db` names a store shared by many stations (a `postgresql://` URL) rather
/// than an SQLite file.
pub fn is_shared_store(db: &str) -> bool {
    crate::store::pg::is_url(db)
}

/// The default key file of a store: beside it, with `.key` appended.
pub fn default_key_file(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".key");
    PathBuf::from(p)
}
