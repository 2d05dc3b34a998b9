//! Writing audit lines, each chained to the one before by its MAC
//! ([`super::audit_chain`]): the writer of one transaction continues from the chain's
//! last line (or, for a log from before the chain, seals the genesis segment and marks
//! the vault header chained) and moves the head when the transaction ends.

use std::cell::RefCell;

use super::Result;
use super::audit_chain::{ChainKey, ChainMac, Head, genesis_before, tampered};
use super::audit_check::ChainProblem;
use crate::model::AuditEntry;
use crate::store::Writer;
use crate::store::audit::{HEAD_META, NewAudit};
use crate::vault::{MasterKey, VaultHeader};

/// The last line of the chain, as the writer continues from it.
#[derive(Debug, Clone, Copy)]
struct Tail {
    id: i64,
    mac: ChainMac,
    appended: bool,
}

/// Writes the audit lines of one transaction, each chained to the one before.
pub(crate) struct AuditWriter<'a> {
    actor: &'a str,
    master: &'a MasterKey,
    key: ChainKey,
    tail: RefCell<Option<Tail>>,
}

impl<'a> AuditWriter<'a> {
    /// A writer for `actor` under `master`'s chain key.
    pub(crate) fn new(actor: &'a str, master: &'a MasterKey) -> AuditWriter<'a> {
        AuditWriter {
            actor,
            master,
            key: ChainKey::new(master),
            tail: RefCell::new(None),
        }
    }

    /// Appends one line after the chain's last.
    pub(crate) fn append(
        &self,
        w: &Writer<'_>,
        at: i64,
        action: &str,
        subject: &str,
        before: Option<String>,
        after: Option<String>,
    ) -> Result<()> {
        let mut slot = self.tail.borrow_mut();
        let mut tail = match *slot {
            Some(t) => t,
            None => self.load(w)?,
        };
        let entry = AuditEntry {
            id: tail.id + 1,
            at,
            actor: self.actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            before,
            after,
        };
        let mac = self.key.line(&tail.mac, &entry);
        w.audit_append(&NewAudit {
            id: entry.id,
            at,
            actor: self.actor,
            action,
            subject,
            before: entry.before,
            after: entry.after,
            mac,
        })?;
        tail = Tail {
            id: entry.id,
            mac,
            appended: true,
        };
        *slot = Some(tail);
        Ok(())
    }

    /// Moves the head to the last line written (at the end of the transaction).
    pub(crate) fn finish(&self, w: &Writer<'_>) -> Result<()> {
        if let Some(t) = *self.tail.borrow()
            && t.appended
        {
            let head = Head {
                id: t.id,
                mac: t.mac,
                tag: self.key.head_tag(t.id, &t.mac),
            };
            w.meta_set(HEAD_META, &head.encode())?;
        }
        Ok(())
    }

    /// Where the chain goes on: after its last line, or, for a log not chained yet,
    /// after the genesis segment it seals now (marking the header chained).
    fn load(&self, w: &Writer<'_>) -> Result<Tail> {
        let header = VaultHeader::decode(&w.meta_get(super::VAULT_META)?.unwrap_or_default())?;
        let last = w.audit_tail(1)?.pop();
        if let Some(l) = &last
            && let Some(mac) = &l.mac
        {
            let mac = ChainMac::try_from(mac.as_slice())
                .map_err(|_| tampered(ChainProblem::BadMac { line: l.entry.id }))?;
            return Ok(Tail {
                id: l.entry.id,
                mac,
                appended: false,
            });
        }
        // No chained line at the end: only a log from before the chain may look so.
        let started = w.audit_chain_start()?.is_some() || Head::read(w)?.is_some();
        if started || (header.audit_chained && last.is_some()) {
            return Err(tampered(match &last {
                Some(l) if started => ChainProblem::Unchained { line: l.entry.id },
                _ => ChainProblem::MacsRemoved,
            }));
        }
        let genesis = genesis_before(w, None)?;
        if !header.audit_chained {
            w.meta_set(super::VAULT_META, &header.chained(self.master)?.encode())?;
        }
        Ok(Tail {
            id: last.map_or(0, |l| l.entry.id),
            mac: genesis.finish(&self.key),
            appended: false,
        })
    }
}
