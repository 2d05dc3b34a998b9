//! Verification-engine commands besides `verify`: `lookup`, `attempt list`, `policy`.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::Ctx;
use super::output::{self, opt, table};
use super::time::{now, parse_time, rfc3339};
use crate::station::views::AttemptFilter;

/// `lookup` options.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// The code to look for.
    pub code: String,
    /// Only tokens usable at this location.
    #[arg(long)]
    pub location: Option<String>,
    /// Start of the time range (Unix seconds or RFC 3339) [default: an hour ago].
    #[arg(long, allow_negative_numbers = true)]
    pub from: Option<String>,
    /// End of the time range [default: now].
    #[arg(long, allow_negative_numbers = true)]
    pub to: Option<String>,
}

/// Runs `lookup`.
pub fn lookup(ctx: &Ctx, a: LookupArgs) -> anyhow::Result<ExitCode> {
    let to =
        a.to.as_deref()
            .map(parse_time)
            .transpose()?
            .unwrap_or_else(now);
    let from = a
        .from
        .as_deref()
        .map(parse_time)
        .transpose()?
        .unwrap_or(to - 3600);
    let st = ctx.open_unlocked()?;
    // A bar on a terminal once the search takes longer than a second.
    let mut bar = super::progress::Progress::new("searching tokens");
    let r = st.lookup_with_progress(&a.code, a.location.as_deref(), from, to, &mut |d, n| {
        bar.update(d, n)
    });
    bar.finish();
    let r = r?;
    if ctx.json {
        return output::json(&r);
    }
    let rows: Vec<Vec<String>> = r
        .hits
        .iter()
        .map(|h| {
            vec![
                h.serial.clone(),
                h.product.clone(),
                h.step.to_string(),
                rfc3339(h.valid_from),
                rfc3339(h.valid_to),
            ]
        })
        .collect();
    table(&["SERIAL", "PRODUCT", "STEP", "FROM", "TO"], &rows)?;
    outln!(
        "searched {}, {}, {} to {}",
        super::output::count(r.tokens_searched as u64, "token", "tokens"),
        super::output::count(r.codes_computed, "code", "codes"),
        rfc3339(from),
        rfc3339(to)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `attempt` subcommands.
#[derive(Debug, Subcommand)]
pub enum AttemptCommand {
    /// List verification attempts, newest first (codes are never stored).
    List {
        /// Only this serial (of every product holding it, unless --product).
        #[arg(long)]
        serial: Option<String>,
        /// Only the token of --serial in this product.
        #[arg(long, requires = "serial")]
        product: Option<String>,
        /// Only this location.
        #[arg(long)]
        location: Option<String>,
        /// From this time.
        #[arg(long, allow_negative_numbers = true)]
        from: Option<String>,
        /// Before this time.
        #[arg(long, allow_negative_numbers = true)]
        to: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// Runs an `attempt` subcommand.
pub fn attempt(ctx: &Ctx, cmd: AttemptCommand) -> anyhow::Result<ExitCode> {
    let AttemptCommand::List {
        serial,
        product,
        location,
        from,
        to,
        limit,
    } = cmd;
    let st = ctx.open_read()?;
    let token_id = match (&serial, product.as_deref()) {
        (Some(s), Some(p)) => Some(st.token(s, Some(p))?.id),
        _ => None,
    };
    let f = AttemptFilter {
        serial,
        token_id,
        location,
        from: from.as_deref().map(parse_time).transpose()?,
        to: to.as_deref().map(parse_time).transpose()?,
        limit: Some(limit),
    };
    let list = st.attempts(&f)?;
    if ctx.json {
        return output::json(&list);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|a| {
            vec![
                rfc3339(a.at),
                a.serial.clone(),
                opt(&a.location),
                a.status.clone(),
                a.method.clone(),
                opt(&a.step_offset),
                opt(&a.source),
            ]
        })
        .collect();
    table(
        &[
            "AT", "SERIAL", "LOCATION", "STATUS", "METHOD", "OFFSET", "SOURCE",
        ],
        &rows,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show the policy in force and what each key means.
    Show,
    /// Set one key (see `policy show`).
    Set {
        /// Key, e.g. limit.max_failures.
        key: String,
        /// Value.
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

/// Runs a `policy` subcommand.
pub fn policy(ctx: &Ctx, cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    let p = match cmd {
        PolicyCommand::Show => ctx.open_read()?.policy()?,
        PolicyCommand::Set { key, value } => {
            ctx.open_unlocked()?.policy_set(&key, &value, now())?
        }
    };
    if ctx.json {
        return output::json(&p);
    }
    let rows: Vec<Vec<String>> = p
        .entries()
        .into_iter()
        .map(|e| vec![e.key.to_string(), e.value, e.meaning.to_string()])
        .collect();
    table(&["KEY", "VALUE", "MEANING"], &rows)?;
    Ok(ExitCode::SUCCESS)
}
