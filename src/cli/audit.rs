//! `audit list`: the append-only log, newest first.

use std::process::ExitCode;

use clap::Subcommand;

use super::Ctx;
use super::output::{self, opt, table};
use super::time::rfc3339;
use crate::station::views::AuditFilter;

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit lines, newest first.
    List {
        /// Only lines about subjects containing this text (e.g. a serial).
        #[arg(long)]
        subject: Option<String>,
        /// Only actions starting with this text (e.g. `token.`).
        #[arg(long)]
        action: Option<String>,
        /// At most this many lines.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// Runs an `audit` subcommand.
pub fn run(ctx: &Ctx, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::List {
        subject,
        action,
        limit,
    } = cmd;
    let list = ctx.open()?.audit(&AuditFilter {
        subject,
        action,
        limit: Some(limit),
    })?;
    if ctx.json {
        return output::json(&list);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|a| {
            vec![
                a.id.to_string(),
                rfc3339(a.at),
                a.actor.clone(),
                a.action.clone(),
                a.subject.clone(),
                opt(&a.after),
            ]
        })
        .collect();
    table(&["#", "AT", "ACTOR", "ACTION", "SUBJECT", "AFTER"], &rows)?;
    Ok(ExitCode::SUCCESS)
}
