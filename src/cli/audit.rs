//! `audit list`: the append-only log, newest first; `audit verify`: its MAC chain from
//! the first line to the head (exit 0 intact, 1 broken, naming the first bad line).

use std::process::ExitCode;

use clap::Subcommand;

use super::output::{self, opt, table};
use super::time::{now, parse_time, rfc3339};
use super::{Ctx, EXIT_REJECTED};
use crate::station::Station;

use crate::station::audit_check::AuditVerification;
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
        /// Only lines at or after this time (Unix seconds or RFC 3339).
        #[arg(long, allow_negative_numbers = true)]
        from: Option<String>,
        /// Only lines before this time (Unix seconds or RFC 3339).
        #[arg(long, allow_negative_numbers = true)]
        to: Option<String>,
        /// At most this many lines (newest first).
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Check the audit log's MAC chain and its append-only triggers (needs the key).
    /// Exit code 0 when intact, 1 when not (the first bad line is named).
    Verify {
        /// When the chain verifies but the triggers are missing or altered, create them
        /// again (audited).
        #[arg(long)]
        restore_triggers: bool,
    },
}

/// Runs an `audit` subcommand.
pub fn run(ctx: &Ctx, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let f = match cmd {
        AuditCommand::List {
            subject,
            action,
            from,
            to,
            limit,
        } => AuditFilter {
            subject,
            action,
            from: from.as_deref().map(parse_time).transpose()?,
            to: to.as_deref().map(parse_time).transpose()?,
            limit: Some(limit),
        },
        AuditCommand::Verify { restore_triggers } => return verify(ctx, restore_triggers),
    };
    let st = ctx.open_read()?;
    let list = st.audit(&f)?;
    let total = st.audit_count(&f)?;
    if total > list.len() as u64 {
        errln!(
            "{} of {total} lines shown, newest first: --limit N for more, --from/--to for a period",
            list.len()
        );
    }
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

fn verify(ctx: &Ctx, restore: bool) -> anyhow::Result<ExitCode> {
    let source = ctx.key_source(Station::key_kind_for_audit(&ctx.db)?)?;
    let r = if restore {
        Station::audit_restore_triggers(&ctx.db, &source, now())?
    } else {
        Station::audit_verify(&ctx.db, &source)?
    };
    let code = if r.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    };
    if ctx.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"ok": r.ok(), "report": r}))?
        )?;
        return Ok(code);
    }
    print_verification(&r)?;
    Ok(code)
}

fn print_verification(r: &AuditVerification) -> anyhow::Result<()> {
    let start = r
        .chain_start
        .map_or("no line chained yet".to_string(), |s| {
            format!("chained from line {s}")
        });
    outln!(
        "{} lines ({} in the genesis segment), {start}",
        r.lines,
        r.genesis_lines
    )?;
    if let Some((id, mac)) = &r.head {
        outln!("head: line {id}, MAC {mac}")?;
    }
    for t in &r.triggers {
        outln!("BROKEN: {t}")?;
    }
    match &r.problem {
        Some(p) => outln!("BROKEN: {p}")?,
        None if r.triggers.is_empty() => outln!("OK: the audit log is intact")?,
        None => outln!(
            "the chain is intact; restore the triggers with `tokenstation audit verify --restore-triggers`"
        )?,
    }
    Ok(())
}
