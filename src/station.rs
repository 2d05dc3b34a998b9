//! Use cases of the station: open and unlock a store, manage products, holders,
//! locations and tokens, compute and verify codes. Everything a face (CLI, TUI) does
//! goes through here; this layer owns the rules, the store owns the SQL.

pub mod backup;
pub mod catalog;
pub mod export;
pub mod import;
pub mod input_file;
pub mod keys;
pub mod limits;
pub mod lookup;
pub mod policy;
pub mod presence;
pub mod provision;
pub mod resync;
pub mod tokens;
pub mod verdict;
pub mod verify;

use std::path::{Path, PathBuf};

use crate::otp::OtpError;
use crate::store::{Conn, Store, StoreError, audit::NewAudit};
use crate::vault::{MasterKey, VaultError, VaultHeader};

pub use keys::KeySource;
pub use verdict::{Method, Status, Verdict};

/// Errors of the station layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StationError {
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The key or a sealed value failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Malformed input (seed, URI, parameter).
    #[error(transparent)]
    Otp(#[from] OtpError),
    /// Input that breaks a rule of the station, with what to do.
    #[error("{0}")]
    Input(String),
    /// A key file or passphrase problem, with what to do.
    #[error("{0}")]
    Key(String),
    /// The user interrupted a long operation; nothing was written.
    #[error("interrupted: nothing was written")]
    Interrupted,
    /// A token or reader failed (burn): the hardware's error, naming the device.
    #[error(transparent)]
    Device(#[from] crate::devices::DeviceError),
    /// A burned token did not prove its seed: the code read back or typed is wrong.
    #[error("{0}")]
    ProofFailed(String),
}

impl StationError {
    /// Whether this is the caller's input (exit code 2) rather than the store or key
    /// (exit code 3).
    pub fn is_input(&self) -> bool {
        match self {
            StationError::Input(_) | StationError::Otp(_) | StationError::Interrupted => true,
            StationError::Store(e) => matches!(
                e,
                StoreError::NotFound(_) | StoreError::Duplicate(_) | StoreError::InUse(_)
            ),
            StationError::Vault(_)
            | StationError::Key(_)
            | StationError::Device(_)
            | StationError::ProofFailed(_) => false,
        }
    }
}

/// Shorthand for station results.
pub type Result<T, E = StationError> = std::result::Result<T, E>;

/// An open station: its store, and its master key once unlocked.
pub struct Station {
    store: Store,
    key: Option<MasterKey>,
    actor: String,
}

/// Meta key of the vault header.
const VAULT_META: &str = "vault";

impl Station {
    /// Opens the store at `path` (the key is unlocked later, only when a seed is needed).
    pub fn open(path: &Path) -> Result<Station> {
        let store = Store::open(path)?;
        if store.read().meta_get(VAULT_META)?.is_none() {
            return Err(StoreError::Corrupt {
                path: path.display().to_string(),
                why: "it has no vault header (was `init` interrupted?); move it away and run `tokenstation init` again".into(),
            }
            .into());
        }
        Ok(Station {
            store,
            key: None,
            actor: actor(),
        })
    }

    /// Creates a new store with a new master key. Returns the station unlocked.
    pub fn init(path: &Path, source: &KeySource, now: i64) -> Result<Station> {
        if path.exists() {
            return Err(StoreError::Exists(path.display().to_string()).into());
        }
        let (key, header) = keys::create(source)?;
        let mut store = Store::create(path)?;
        let actor = actor();
        store.write(|c| -> Result<()> {
            c.meta_set(VAULT_META, &header.encode())?;
            c.meta_set("created_at", &now.to_string())?;
            c.audit_append(&NewAudit {
                at: now,
                actor: &actor,
                action: "station.init",
                subject: &format!("store {}", path.display()),
                before: None,
                after: Some(format!("{{\"key\":\"{}\"}}", header.kind.as_str())),
            })?;
            Ok(())
        })?;
        Ok(Station {
            store,
            key: Some(key),
            actor,
        })
    }

    /// Unlocks the master key from a key file or passphrase, checked against the store.
    pub fn unlock(&mut self, source: &KeySource) -> Result<()> {
        let text = self.store.read().meta_get(VAULT_META)?.unwrap_or_default();
        let header = VaultHeader::decode(&text)?;
        self.key = Some(keys::unlock(source, &header)?);
        Ok(())
    }

    /// How the store's key is obtained (key file or passphrase).
    pub fn key_kind(&self) -> Result<crate::vault::KeyKind> {
        let text = self.store.read().meta_get(VAULT_META)?.unwrap_or_default();
        Ok(VaultHeader::decode(&text)?.kind)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// Read access for listings.
    pub fn read(&self) -> Conn<'_> {
        self.store.read()
    }

    /// Who is recorded in the audit log.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub(crate) fn key(&self) -> Result<&MasterKey> {
        self.key.as_ref().ok_or_else(|| {
            StationError::Key("the store is locked: give its key file or passphrase".into())
        })
    }

    /// Runs `f` in one write transaction with an audit helper.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&Conn<'_>, &Audit<'_>) -> Result<T>,
    ) -> Result<T> {
        let actor = &self.actor;
        self.store.write(|c| f(c, &Audit { actor }))
    }

    /// Like [`Station::write`], with the unlocked master key at hand, so that reads,
    /// unsealing and writes share one transaction (one lock, one snapshot).
    pub(crate) fn write_keyed<T>(
        &mut self,
        f: impl FnOnce(&Conn<'_>, &Audit<'_>, &MasterKey) -> Result<T>,
    ) -> Result<T> {
        let key = self.key.as_ref().ok_or_else(|| {
            StationError::Key("the store is locked: give its key file or passphrase".into())
        })?;
        let actor = &self.actor;
        self.store.write(|c| f(c, &Audit { actor }, key))
    }
}

/// Writes audit lines inside a transaction.
pub(crate) struct Audit<'a> {
    actor: &'a str,
}

impl Audit<'_> {
    /// Appends one line; `before` and `after` are serialised to JSON.
    pub(crate) fn log<B: serde::Serialize, A: serde::Serialize>(
        &self,
        c: &Conn<'_>,
        now: i64,
        action: &str,
        subject: &str,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<()> {
        c.audit_append(&NewAudit {
            at: now,
            actor: self.actor,
            action,
            subject,
            before: before.map(to_json),
            after: after.map(to_json),
        })?;
        Ok(())
    }
}

/// JSON text of an audit payload (records hold no seeds).
fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("\"unserialisable: {e}\""))
}

/// The person recorded in the audit log: `TOKENSTATION_ACTOR`, else the OS user.
fn actor() -> String {
    ["TOKENSTATION_ACTOR", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// The default key file of a store: beside it, with `.key` appended.
pub fn default_key_file(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".key");
    PathBuf::from(p)
}
