//! The append-only audit log (triggers refuse UPDATE and DELETE).

use super::{Reader, StoreError, Writer};
use crate::model::AuditEntry;
pub use crate::model::filters::AuditFilter;

/// A new audit line.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    /// Unix seconds.
    pub at: i64,
    /// Who.
    pub actor: &'a str,
    /// What, e.g. `token.add`.
    pub action: &'a str,
    /// To what, e.g. `token C302-0001`.
    pub subject: &'a str,
    /// State before (JSON), never a seed.
    pub before: Option<String>,
    /// State after (JSON), never a seed.
    pub after: Option<String>,
}

impl Reader<'_> {
    /// Reads audit lines, newest first.
    pub fn audit_list(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, at, actor, action, subject, before, after FROM audit
                 WHERE (?1 IS NULL OR instr(subject, ?1) > 0)
                   AND (?2 IS NULL OR substr(action, 1, length(?2)) = ?2)
                 ORDER BY id DESC LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        let limit = f.limit.map(i64::from).unwrap_or(-1);
        stmt.query_map(rusqlite::params![f.subject, f.action, limit], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject: r.get(4)?,
                before: r.get(5)?,
                after: r.get(6)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }
}

impl Writer<'_> {
    /// Appends an audit line.
    pub fn audit_append(&self, a: &NewAudit<'_>) -> Result<i64, StoreError> {
        self.journaled();
        self.conn
            .execute(
                "INSERT INTO audit (at, actor, action, subject, before, after)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![a.at, a.actor, a.action, a.subject, a.before, a.after],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }
}
