//! `store copy`: a whole store copied to another file or PostgreSQL database (the rule
//! is the station's job, `station::store_copy`), with a progress bar on a terminal and
//! a summary of the rows per table (`--json` for scripts).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::Ctx;
use super::ask::{Asking, drive};
use super::output::{self, table};
use super::progress::Progress;
use super::time::now;
use crate::station::store_copy::{self, CopyEvent};

/// `store` subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy a whole store to a new SQLite file or an empty PostgreSQL database (or the
    /// other way), in one transaction on the target: ids, sealed seeds and the audit
    /// chain kept and checked. The key file (--key-file, else beside an SQLite source)
    /// or passphrase must open the source; the target uses the same key.
    Copy {
        /// The source: an SQLite file or a postgresql:// URL.
        #[arg(long, value_name = "PATH_OR_URL")]
        from: PathBuf,
        /// The target: a new SQLite file, or a postgresql:// URL of an empty database.
        #[arg(long, value_name = "PATH_OR_URL")]
        to: PathBuf,
    },
}

/// Runs a `store` subcommand; `key_file` is the global `--key-file`.
pub fn run(key_file: Option<PathBuf>, json: bool, cmd: StoreCommand) -> anyhow::Result<ExitCode> {
    let StoreCommand::Copy { from, to } = cmd;
    let ctx = Ctx::new(Some(from), key_file, json)?;
    let st = ctx.open_unlocked()?;
    let mut bar = Progress::new("copying the store");
    let job = store_copy::copy(st, to, now())?;
    let done = drive(job, Asking::TerminalOnly, |e| {
        let CopyEvent::Progress { done, total, .. } = e;
        bar.update(done, total);
    });
    bar.finish();
    let report = done??;
    if json {
        return output::json(&report);
    }
    let rows: Vec<Vec<String>> = report
        .tables
        .iter()
        .map(|t| vec![t.table.clone(), t.rows.to_string()])
        .collect();
    table(&["TABLE", "ROWS"], &rows)?;
    outln!(
        "copied {} rows from {} to {}; the audit chain ({} lines) verified on the target, the copy audited there",
        report.rows,
        report.from,
        report.to,
        report.audit_lines
    )?;
    Ok(ExitCode::SUCCESS)
}
