//! `store copy` as a job (issue 17, "Moving"): a whole store copied to another
//! backend or place — SQLite to PostgreSQL and back, or within one backend — for
//! moving a station's store to a shared server (README, "Many stations").
//!
//! The rule: the source is opened and unlocked by the caller (the key file or
//! passphrase must open it, and its audit tail is checked then); its whole audit chain
//! is verified before anything is written. The target is created by the normal
//! migrations (or is an empty store of this version: a PostgreSQL schema survives a
//! failed copy), and every table is copied in foreign-key order with its ids, in one
//! write transaction on the target while the source's write lock is held (a
//! consistent snapshot; stations on the source wait). Seeds stay sealed as they are:
//! the target gets the source's key check, which is checked against the key before
//! commit, as is the copied audit chain (`audit_check`, the whole chain) and every
//! table's row count. The copy then appends one audit line after the copied chain
//! (`store.copy`, naming the source and the rows per table) and commits; the target's
//! planner statistics are refreshed after (`ANALYZE`). Any failure
//! or cancellation rolls the target back (and removes an SQLite file it created).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::audit_chain::tampered;
use super::audit_check::verify_all;
use super::jobs::{Job, JobCtx};
use super::{Actor, Result, Station, StationError, VAULT_META};
use crate::store::copy::Table;
use crate::store::{Store, StoreError};
use crate::vault::VaultHeader;

/// Why a copy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// The target holds rows already.
    #[error(
        "the target {target} is not empty (table {table} holds {rows} rows): copy only into a new store or an empty database"
    )]
    TargetNotEmpty {
        /// The target (without a password).
        target: String,
        /// A table with rows.
        table: String,
        /// Its rows.
        rows: u64,
    },
    /// Source and target are the same store.
    #[error("the source and the target are the same store ({0}): name another target")]
    SameStore(String),
    /// The two schemas differ (a defect: both are migrated by this build).
    #[error("the target's table {table} differs from the source's: {why}")]
    Schema {
        /// The table.
        table: String,
        /// What differs.
        why: String,
    },
    /// A table's row count differs after the copy (a defect; rolled back).
    #[error("table {table}: {copied} rows written for {source_rows} read; nothing was copied")]
    Count {
        /// The table.
        table: String,
        /// Rows in the source.
        source_rows: u64,
        /// Rows in the target.
        copied: u64,
    },
}

/// Progress of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyEvent {
    /// Rows copied so far, of every table.
    Progress {
        /// The table being copied.
        table: String,
        /// Rows copied.
        done: u64,
        /// Rows to copy.
        total: u64,
    },
}

/// Rows of one table copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableCount {
    /// The table.
    pub table: String,
    /// Rows copied.
    pub rows: u64,
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyReport {
    /// The source (without a password).
    pub from: String,
    /// The target (without a password).
    pub to: String,
    /// Rows per table, in the order copied.
    pub tables: Vec<TableCount>,
    /// Every row copied.
    pub rows: u64,
    /// Audit lines copied and verified on the target (before the copy's own line).
    pub audit_lines: u64,
}

/// Starts copying the unlocked store `src` to `to` (a file path or PostgreSQL URL) on
/// a worker thread; `now` is the time of the copy's audit line. Cancelling it leaves
/// the target as it was.
pub fn copy(src: Station, to: PathBuf, now: i64) -> Result<Job<CopyEvent, Result<CopyReport>>> {
    Job::spawn("store-copy", move |ctx: &JobCtx<CopyEvent>| {
        let mut src = src;
        run(&mut src, &to, now, ctx)
    })
    .map_err(|e| StationError::Internal(format!("starting the copy: {e}")))
}

fn is_sqlite(p: &Path) -> bool {
    !p.to_str().is_some_and(super::is_shared_store)
}

/// The target store: created, or an existing one of this version with no row.
fn open_target(to: &Path) -> Result<(Store, bool)> {
    match Store::create(to) {
        Ok(s) => Ok((s, true)),
        Err(StoreError::Exists(_)) => Ok((Store::open(to)?, false)),
        Err(e) => Err(e.into()),
    }
}

fn run(src: &mut Station, to: &Path, now: i64, ctx: &JobCtx<CopyEvent>) -> Result<CopyReport> {
    let from_name = src.store_name().to_string();
    let same = match (is_sqlite(src.path()), is_sqlite(to)) {
        (true, true) => std::fs::canonicalize(src.path())
            .ok()
            .is_some_and(|a| std::fs::canonicalize(to).ok() == Some(a)),
        (false, false) => src.path() == to,
        _ => false,
    };
    if same {
        return Err(CopyError::SameStore(from_name).into());
    }
    let key = src.key()?.clone();
    let report = verify_all(&src.read(), &key)?;
    if let Some(p) = report.problem {
        return Err(tampered(p));
    }
    ctx.check()?;
    let (target, created) = open_target(to)?;
    let mut dst = Station {
        store: target,
        key: Some(key),
        actor: Actor::current(),
        actor_text: Actor::current().to_string(),
    };
    let out = copy_into(src, &mut dst, now, ctx);
    if out.is_err() && created && is_sqlite(to) {
        drop(dst);
        remove_sqlite(to);
    } else if out.is_ok()
        && let Err(e) = dst.store.analyze()
    {
        // the copy is committed; the planner catches up on its own later
        tracing::warn!("the copy is complete, but ANALYZE on the target failed: {e}");
    }
    out
}

/// Removes an SQLite store this copy created (with its WAL files).
fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn copy_into(
    src: &mut Station,
    dst: &mut Station,
    now: i64,
    ctx: &JobCtx<CopyEvent>,
) -> Result<CopyReport> {
    let from = src.store_name().to_string();
    let to = dst.store_name().to_string();
    let key = src.key()?.clone();
    // The source's write lock for a consistent snapshot (nothing is written there).
    src.store.write(|s| -> Result<CopyReport> {
        let tables = s.copy_tables()?;
        let counts = tables
            .iter()
            .map(|t| s.copy_count(t))
            .collect::<std::result::Result<Vec<u64>, _>>()?;
        let total: u64 = counts.iter().sum();
        let to_name = to.clone();
        dst.write(|tx| {
            same_schema(&tables, &tx.copy_tables()?)?;
            for t in &tables {
                let rows = tx.copy_count(t)?;
                if rows > 0 {
                    return Err(CopyError::TargetNotEmpty {
                        target: to_name.clone(),
                        table: t.name.clone(),
                        rows,
                    }
                    .into());
                }
            }
            let mut done = 0u64;
            for t in &tables {
                let mut after = None;
                loop {
                    ctx.check()?;
                    let rows = s.copy_rows(t, after)?;
                    if rows.is_empty() {
                        break;
                    }
                    after = last_id(t, &rows);
                    tx.copy_insert(t, &rows)?;
                    done += rows.len() as u64;
                    ctx.emit(CopyEvent::Progress {
                        table: t.name.clone(),
                        done,
                        total,
                    });
                    if after.is_none() {
                        break;
                    }
                }
                tx.copy_set_sequence(t)?;
            }
            let mut report = CopyReport {
                from: from.clone(),
                to: to_name.clone(),
                tables: Vec::with_capacity(tables.len()),
                rows: total,
                audit_lines: 0,
            };
            for (t, &want) in tables.iter().zip(&counts) {
                let got = tx.copy_count(t)?;
                if got != want {
                    return Err(CopyError::Count {
                        table: t.name.clone(),
                        source_rows: want,
                        copied: got,
                    }
                    .into());
                }
                report.tables.push(TableCount {
                    table: t.name.clone(),
                    rows: got,
                });
            }
            // The key check the target carries opens with the key; the chain holds.
            let header = VaultHeader::decode(&tx.meta_get(VAULT_META)?.unwrap_or_default())?;
            header.verify(&key)?;
            let chain = verify_all(tx, &key)?;
            if let Some(p) = chain.problem {
                return Err(tampered(p));
            }
            report.audit_lines = chain.lines;
            tx.audit(
                now,
                "store.copy",
                &format!("store {to_name}"),
                None::<&()>,
                Some(&serde_json::json!({"from": from, "tables": report.tables})),
            )?;
            Ok(report)
        })
    })
}

/// The id of the last row of a batch read by id (`None` for a table read at once).
fn last_id(t: &Table, rows: &[Vec<crate::store::copy::Value>]) -> Option<i64> {
    if !t.has_id {
        return None;
    }
    let i = t.columns.iter().position(|c| c == "id")?;
    match rows.last()?.get(i)? {
        crate::store::copy::Value::Int(v) => Some(*v),
        _ => None,
    }
}

/// The target must list the same tables with the same columns.
fn same_schema(src: &[Table], dst: &[Table]) -> Result<()> {
    for t in src {
        let Some(d) = dst.iter().find(|d| d.name == t.name) else {
            return Err(CopyError::Schema {
                table: t.name.clone(),
                why: "missing on the target".into(),
            }
            .into());
        };
        let mut a = t.columns.clone();
        let mut b = d.columns.clone();
        a.sort();
        b.sort();
        if a != b {
            return Err(CopyError::Schema {
                table: t.name.clone(),
                why: format!("columns {a:?} on the source, {b:?} on the target"),
            }
            .into());
        }
    }
    if let Some(extra) = dst.iter().find(|d| !src.iter().any(|t| t.name == d.name)) {
        return Err(CopyError::Schema {
            table: extra.name.clone(),
            why: "missing on the source".into(),
        }
        .into());
    }
    Ok(())
}
