//! The station's write transaction: the only way to change the store. A use case
//! runs its reads, checks and writes in one [`Tx`] and writes its audit line there
//! ([`Tx::audit`]); the store refuses to commit a change that has no journal line.
//!
//! The transaction is where the rules every write shares live. [`Station::write`]
//! needs the unlocked master key, checked against the store's key check and the tail
//! of its audit chain when it was unlocked: without it nothing is written, whatever
//! the use case (`StationError::Locked`). Each audit line is chained to the one before
//! by its MAC ([`super::audit_chain`]), and the chain's head moves with the commit.

use std::ops::Deref;

use super::audit_writer::AuditWriter;
use super::{Result, Station};
use crate::store::Writer;
use crate::vault::MasterKey;

/// One write transaction: the store's writer (reads and writes, through `Deref`), the
/// audit writer and the master key.
pub(crate) struct Tx<'t> {
    w: &'t Writer<'t>,
    audit: AuditWriter<'t>,
    key: &'t MasterKey,
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
    pub(crate) fn key(&self) -> &MasterKey {
        self.key
    }
}

/// JSON text of an audit payload.
fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("\"unserialisable: {e}\""))
}

impl Station {
    /// Runs `f` in one write transaction (commits on `Ok`, rolls back otherwise). A
    /// locked station writes nothing.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let key = self.key.as_ref().ok_or(super::StationError::Locked)?;
        let actor = self.actor_text.as_str();
        self.store.write(|w| {
            let tx = Tx {
                w,
                audit: AuditWriter::new(actor, key),
                key,
            };
            let out = f(&tx)?;
            tx.audit.finish(w)?;
            Ok(out)
        })
    }

    /// [`Station::write`] with the master key at hand, for use cases that unseal or
    /// seal seeds inside the transaction.
    pub(crate) fn write_keyed<T>(
        &mut self,
        f: impl FnOnce(&Tx<'_>, &MasterKey) -> Result<T>,
    ) -> Result<T> {
        self.write(|tx| f(tx, tx.key()))
    }
}
