//! The append-only audit log: triggers refuse UPDATE and DELETE, and each line written
//! by a keyed station carries a MAC chained over the log (`station::audit_chain`
//! computes it; this module stores and reads it). The chain's head (the last line's id
//! and a tag over its MAC) is kept in `meta` under [`HEAD_META`].

use super::sql::{DbResult, OptionalExtension, Row, params};

use super::{Reader, StoreError, Writer};
use crate::model::AuditEntry;
pub use crate::model::filters::AuditFilter;

/// Meta key of the chain's head.
pub const HEAD_META: &str = "audit.head";

/// The triggers that make the log append-only, as SQLite keeps their text (migration
/// V1 creates them; opening a store checks them).
pub const TRIGGERS: [(&str, &str); 2] = [
    (
        "audit_no_update",
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\nBEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ),
    (
        "audit_no_delete",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\nBEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ),
];

/// A new audit line, with its place in the chain.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    /// Its id: one more than the last line's (the write lock is held).
    pub id: i64,
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
    /// HMAC-SHA256 over the previous line's MAC and this line.
    pub mac: [u8; 32],
}

/// A stored line with its MAC (`None` for lines from before the chain).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditLine {
    /// The line.
    pub entry: AuditEntry,
    /// Its MAC.
    pub mac: Option<Vec<u8>>,
}

/// What is wrong with the append-only triggers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerProblem {
    /// One of [`TRIGGERS`] is gone.
    Missing(&'static str),
    /// One of [`TRIGGERS`] has other text.
    Altered(&'static str),
    /// Another trigger on the audit table.
    Foreign(String),
}

impl std::fmt::Display for TriggerProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TriggerProblem::Missing(n) => write!(f, "trigger {n} is missing"),
            TriggerProblem::Altered(n) => write!(f, "trigger {n} was altered"),
            TriggerProblem::Foreign(n) => write!(f, "an unknown trigger {n} is on the audit table"),
        }
    }
}

/// The conditions of an [`AuditFilter`]: subject, action prefix, from, to.
const AUDIT_WHERE: &str = "(?1 IS NULL OR instr(subject, ?1) > 0)
    AND (?2 IS NULL OR substr(action, 1, length(?2)) = ?2)
    AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4)";

const LINE_COLUMNS: &str = "id, at, actor, action, subject, before, after, mac";

fn line(r: &Row<'_>) -> DbResult<AuditLine> {
    Ok(AuditLine {
        entry: AuditEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            subject: r.get(4)?,
            before: r.get(5)?,
            after: r.get(6)?,
        },
        mac: r.get(7)?,
    })
}

fn collapse(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Reader<'_> {
    /// Reads audit lines, newest first.
    pub fn audit_list(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = f.limit.map(i64::from).unwrap_or(i64::MAX);
        self.conn
            .query_map(
                &format!(
                    "SELECT {LINE_COLUMNS} FROM audit
                     WHERE {AUDIT_WHERE}
                     ORDER BY id DESC LIMIT ?5"
                ),
                params![f.subject, f.action, f.from, f.to, limit],
                |r| line(r).map(|l| l.entry),
            )
            .map_err(|e| self.err(e))
    }

    /// How many audit lines match `f`, whatever its limit.
    pub fn audit_count(&self, f: &AuditFilter) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT COUNT(*) FROM audit WHERE {AUDIT_WHERE}"),
                params![f.subject, f.action, f.from, f.to],
                |r| r.get::<i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.err(e))
    }

    /// Up to `limit` lines with their MACs after line `after_id`, oldest first.
    pub fn audit_lines_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<AuditLine>, StoreError> {
        self.conn
            .query_map(
                &format!("SELECT {LINE_COLUMNS} FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2"),
                params![after_id, limit],
                line,
            )
            .map_err(|e| self.err(e))
    }

    /// The last `n` lines with their MACs, oldest first.
    pub fn audit_tail(&self, n: u32) -> Result<Vec<AuditLine>, StoreError> {
        let mut lines: Vec<AuditLine> = self
            .conn
            .query_map(
                &format!("SELECT {LINE_COLUMNS} FROM audit ORDER BY id DESC LIMIT ?1"),
                [n],
                line,
            )
            .map_err(|e| self.err(e))?;
        lines.reverse();
        Ok(lines)
    }

    /// The line just before line `id` (by id), with its MAC.
    pub fn audit_line_before(&self, id: i64) -> Result<Option<AuditLine>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {LINE_COLUMNS} FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT 1"),
                [id],
                line,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The id of the first line that carries a MAC (where the chain starts).
    pub fn audit_chain_start(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT min(id) FROM audit WHERE mac IS NOT NULL",
                params![],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// What is wrong with the append-only triggers (empty: they are as created).
    pub fn audit_trigger_problems(&self) -> Result<Vec<TriggerProblem>, StoreError> {
        if self.conn.is_postgres() {
            return self.audit_trigger_problems_pg();
        }
        let found: Vec<(String, Option<String>)> = self
            .conn
            .query_map(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit'",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))?;
        let mut problems = Vec::new();
        for (name, sql) in TRIGGERS {
            match found.iter().find(|(n, _)| n == name) {
                None => problems.push(TriggerProblem::Missing(name)),
                Some((_, text)) if text.as_deref().map(collapse) != Some(collapse(sql)) => {
                    problems.push(TriggerProblem::Altered(name))
                }
                Some(_) => {}
            }
        }
        for (name, _) in &found {
            if !TRIGGERS.iter().any(|(n, _)| n == name) {
                problems.push(TriggerProblem::Foreign(name.clone()));
            }
        }
        Ok(problems)
    }

    /// The PostgreSQL side of [`Reader::audit_trigger_problems`]: each trigger of
    /// `pg_schema::AUDIT_TRIGGER_TYPES` present, enabled, of its type, calling the
    /// function with the expected body; no other user trigger on the table.
    fn audit_trigger_problems_pg(&self) -> Result<Vec<TriggerProblem>, StoreError> {
        use super::pg_schema::{AUDIT_FUNCTION_BODY, AUDIT_TRIGGER_TYPES};
        let found: Vec<(String, i64, String, String, String)> = self
            .conn
            .query_map(
                "SELECT t.tgname::text, t.tgtype::int8, t.tgenabled::text, p.proname::text, p.prosrc
                 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                 WHERE t.tgrelid = 'audit'::regclass AND NOT t.tgisinternal",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .map_err(|e| self.err(e))?;
        let mut problems = Vec::new();
        for (name, kind) in AUDIT_TRIGGER_TYPES {
            match found.iter().find(|f| f.0 == name) {
                None => problems.push(TriggerProblem::Missing(name)),
                Some((_, t, enabled, func, body))
                    if *t != kind
                        || enabled != "O"
                        || func != "tokenstation_audit_append_only"
                        || collapse(body) != collapse(AUDIT_FUNCTION_BODY) =>
                {
                    problems.push(TriggerProblem::Altered(name))
                }
                Some(_) => {}
            }
        }
        for f in &found {
            if !AUDIT_TRIGGER_TYPES.iter().any(|(n, _)| *n == f.0) {
                problems.push(TriggerProblem::Foreign(f.0.clone()));
            }
        }
        Ok(problems)
    }
}

impl Writer<'_> {
    /// Appends an audit line with its MAC.
    pub fn audit_append(&self, a: &NewAudit<'_>) -> Result<i64, StoreError> {
        self.journaled();
        self.conn
            .execute(
                "INSERT INTO audit (id, at, actor, action, subject, before, after, mac)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    a.id,
                    a.at,
                    a.actor,
                    a.action,
                    a.subject,
                    a.before,
                    a.after,
                    &a.mac[..]
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(a.id)
    }

    /// Drops whatever stands under the names of the append-only triggers (and any other
    /// trigger on the audit table) and creates them as migration V1 did. Only for the
    /// station's explicit, audited restore after the whole chain verified.
    pub fn audit_restore_triggers(&self) -> Result<(), StoreError> {
        let problems = self.audit_trigger_problems()?;
        if self.conn.is_postgres() {
            return self.audit_restore_triggers_pg(&problems);
        }
        for p in &problems {
            let name = match p {
                TriggerProblem::Foreign(n) => n.as_str(),
                TriggerProblem::Altered(n) | TriggerProblem::Missing(n) => n,
            };
            self.conn
                .batch(&format!(
                    "DROP TRIGGER IF EXISTS \"{}\"",
                    name.replace('"', "\"\"")
                ))
                .map_err(|e| self.err(e))?;
        }
        for (name, sql) in TRIGGERS {
            let broken = problems.iter().any(|p| {
                matches!(p, TriggerProblem::Missing(n) | TriggerProblem::Altered(n) if *n == name)
            });
            if broken {
                self.conn.batch(sql).map_err(|e| self.err(e))?;
            }
        }
        Ok(())
    }
}

impl Writer<'_> {
    /// Drops the foreign and broken triggers and the trigger function, and creates
    /// them as the first migration did (`pg_schema::AUDIT_TRIGGERS`).
    fn audit_restore_triggers_pg(&self, problems: &[TriggerProblem]) -> Result<(), StoreError> {
        if problems.is_empty() {
            return Ok(());
        }
        let mut sql = String::new();
        for p in problems {
            let name = match p {
                TriggerProblem::Foreign(n) => n.as_str(),
                TriggerProblem::Altered(n) | TriggerProblem::Missing(n) => n,
            };
            sql.push_str(&format!(
                "DROP TRIGGER IF EXISTS \"{}\" ON audit;\n",
                name.replace('"', "\"\"")
            ));
        }
        // the function goes with every trigger that calls it, and comes back as created
        sql.push_str("DROP FUNCTION IF EXISTS tokenstation_audit_append_only() CASCADE;\n");
        sql.push_str(super::pg_schema::AUDIT_TRIGGERS);
        self.conn.batch(&sql).map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_new_store_has_exactly_the_checked_triggers() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(&dir.path().join("s.db")).unwrap();
        assert_eq!(store.read().audit_trigger_problems().unwrap(), []);
        // and a restore of intact triggers changes nothing
        assert_eq!(TRIGGERS.len(), 2);
    }
}
