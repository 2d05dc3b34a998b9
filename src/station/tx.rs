//! The station's write transaction: the only way to change the store. A use case
//! runs its reads, checks and writes in one [`Tx`] and writes its audit line there
//! ([`Tx::audit`]); the store refuses to commit a change that has no journal line.
//!
//! The transaction is the seam for the rules every write shares: [`Station::write`]
//! opens it with the audit writer and, where the station is unlocked, the master key
//! ([`Tx::key`]). Requiring the key for every write, or keying the audit lines with a
//! MAC chained over the log, changes [`Station::write`] and [`AuditWriter`], not the
//! use cases.

use std::ops::Deref;

use super::{Result, Station, StationError};
use crate::store::Writer;
use crate::store::audit::NewAudit;
use crate::vault::MasterKey;

/// Writes the audit lines of one transaction.
pub(crate) struct AuditWriter<'a> {
    actor: &'a str,
}

impl AuditWriter<'_> {
    fn append(
        &self,
        w: &Writer<'_>,
        now: i64,
        action: &str,
        subject: &str,
        before: Option<String>,
        after: Option<String>,
    ) -> Result<()> {
        w.audit_append(&NewAudit {
            at: now,
            actor: self.actor,
            action,
            subject,
            before,
            after,
        })?;
        Ok(())
    }
}

/// One write transaction: the store's writer (reads and writes, through `Deref`), the
/// audit writer and the master key when the station is unlocked.
pub(crate) struct Tx<'t> {
    w: &'t Writer<'t>,
    audit: AuditWriter<'t>,
    key: Option<&'t MasterKey>,
}

impl<'t> Deref for Tx<'t> {
    type Target = Writer<'t>;
    fn deref(&self) -> &Writer<'t> {
        self.w
    }
}

impl Tx<'_> {
    /// Appends one audit line; `before` and `after` are serialised to JSON (records
    /// hold no seeds).
    pub(crate) fn audit<B: serde::Serialize, A: serde::Serialize>(
        &self,
        now: i64,
        action: &str,
        subject: &str,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<()> {
        self.audit.append(
            self.w,
            now,
            action,
            subject,
            before.map(to_json),
            after.map(to_json),
        )
    }

    /// The master key (unsealing and sealing inside the transaction).
    pub(crate) fn key(&self) -> Result<&MasterKey> {
        self.key.ok_or(StationError::Locked)
    }

    /// The master key when the station is unlocked.
    pub(crate) fn key_if_unlocked(&self) -> Option<&MasterKey> {
        self.key
    }
}

/// JSON text of an audit payload.
fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("\"unserialisable: {e}\""))
}

impl Station {
    /// Runs `f` in one write transaction (commits on `Ok`, rolls back otherwise).
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let actor = self.actor.as_str();
        let key = self.key.as_ref();
        self.store.write(|w| {
            f(&Tx {
                w,
                audit: AuditWriter { actor },
                key,
            })
        })
    }

    /// Like [`Station::write`], failing at once when the station is locked: for use
    /// cases that unseal or seal seeds inside the transaction.
    pub(crate) fn write_keyed<T>(
        &mut self,
        f: impl FnOnce(&Tx<'_>, &MasterKey) -> Result<T>,
    ) -> Result<T> {
        self.key()?;
        self.write(|tx| {
            let key = tx.key()?;
            f(tx, key)
        })
    }
}
