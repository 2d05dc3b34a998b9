//! `tokenstation presence`: who is in, period reports, and presence-token codes
//! submitted one at a time or imported from CSV.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::output::{self, opt, table};
use super::time::{now, parse_time};
use super::{Ctx, EXIT_REJECTED};
use crate::station::presence::report::local;
use crate::station::presence::tokens::{Submission, SubmitOutcome, SubmitStatus};
use crate::station::presence::{Direction, Reason};
use crate::station::verdict::Status;
use crate::station::views::PeriodEdge;

/// `presence` subcommands.
#[derive(Debug, Subcommand)]
pub enum PresenceCommand {
    /// Who is in now (last kiosk event a check-in).
    Now {
        /// Only this location.
        #[arg(long)]
        location: Option<String>,
    },
    /// Per holder over a period: first in, last out, total time, open sessions,
    /// refused attempts. Times in the location's time zone.
    Report {
        /// Location name.
        #[arg(long)]
        location: String,
        /// First day (YYYY-MM-DD, local) or a time (RFC 3339 / Unix seconds)
        /// [default: the first day of this month].
        #[arg(long, value_name = "D1")]
        from: Option<String>,
        /// Last day, inclusive (YYYY-MM-DD, local) or an exclusive end time
        /// [default: today].
        #[arg(long, value_name = "D2")]
        to: Option<String>,
        /// CSV instead of a table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// JSON (same as the global --json).
        #[arg(long)]
        json: bool,
    },
    /// Check a code read from a location's presence token at a stated time, and record
    /// the proven presence (its time bounds). A code that does not match its time is
    /// refused with the nearest time it matches (within a day), if any.
    Submit {
        /// Location name.
        #[arg(long)]
        location: String,
        /// The code shown by the presence token.
        #[arg(long)]
        code: String,
        /// When it was read: RFC 3339 or Unix seconds.
        #[arg(long, value_name = "TIME", allow_negative_numbers = true)]
        at: String,
        /// Who read it (anonymous without).
        #[arg(long)]
        holder: Option<String>,
        /// in or out: an out after a proven in gives a verified visit duration.
        #[arg(long)]
        direction: Option<String>,
    },
    /// Check and record a CSV of visits in one transaction. Columns (header row):
    /// holder, location, code, time (RFC 3339 or Unix seconds), direction (in/out,
    /// may be empty). Re-importing the same rows records nothing twice.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
}

/// Runs a `presence` subcommand.
pub fn run(ctx: &Ctx, cmd: PresenceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PresenceCommand::Now { location } => {
            let st = ctx.open_read()?;
            let list = st.presence_now(location.as_deref())?;
            if ctx.json {
                return output::json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|n| {
                    vec![
                        n.location.clone(),
                        n.holder.clone(),
                        opt(&n.label),
                        n.since_local.clone(),
                    ]
                })
                .collect();
            table(&["LOCATION", "HOLDER", "LABEL", "SINCE"], &rows)?;
            Ok(ExitCode::SUCCESS)
        }
        PresenceCommand::Report {
            location,
            from,
            to,
            csv,
            json,
        } => report(
            ctx,
            &location,
            (from.as_deref(), to.as_deref()),
            csv,
            json || ctx.json,
        ),
        PresenceCommand::Submit {
            location,
            code,
            at,
            holder,
            direction,
        } => {
            let s = Submission {
                location: location.clone(),
                code,
                at: parse_time(&at)?,
                holder,
                direction: direction.map(|d| d.parse()).transpose()?,
                idem: None,
            };
            let mut st = ctx.open_unlocked()?;
            let o = st.presence_submit(&s)?;
            let tz = st.location_detail(&location)?.tz;
            if ctx.json {
                output::json(&o)?;
            } else {
                let sub = Submitted {
                    location: &s.location,
                    holder: s.holder.as_deref(),
                    direction: s.direction,
                    at: s.at,
                };
                outln!("{}", describe(&tz, &sub, &o))?;
            }
            Ok(exit_for([&o].into_iter()))
        }
        PresenceCommand::Import { file } => import(ctx, &file),
    }
}

fn exit_for<'a>(mut outcomes: impl Iterator<Item = &'a SubmitOutcome>) -> ExitCode {
    if outcomes.any(|o| o.status == SubmitStatus::Refused) {
        ExitCode::from(EXIT_REJECTED)
    } else {
        ExitCode::SUCCESS
    }
}

fn span(secs: i64) -> String {
    let s = secs.abs();
    format!("{}h{:02}m{:02}s", s / 3600, (s % 3600) / 60, s % 60)
}

/// What was submitted, for the line that describes its outcome.
struct Submitted<'a> {
    location: &'a str,
    holder: Option<&'a str>,
    direction: Option<Direction>,
    at: i64,
}

fn describe(tz: &str, s: &Submitted<'_>, o: &SubmitOutcome) -> String {
    let who = s.holder.unwrap_or("anonymous");
    let dir = s.direction.map(|d| format!(" {d}")).unwrap_or_default();
    match o.status {
        SubmitStatus::Duplicate => format!(
            "DUPLICATE {who}{dir} at {}: already imported as event #{}",
            s.location, o.event_id
        ),
        SubmitStatus::Ok => {
            let mut line = format!(
                "OK {who}{dir} at {}: present between {} and {} (token {}, event #{})",
                s.location,
                o.bound_from.map(|t| local(tz, t)).unwrap_or_default(),
                o.bound_to.map(|t| local(tz, t)).unwrap_or_default(),
                o.token.as_deref().unwrap_or("-"),
                o.event_id
            );
            if let Some(v) = &o.visit {
                line.push_str(&format!(
                    "; verified visit {} to {}: at least {}, at most {}",
                    local(tz, v.from),
                    local(tz, v.to),
                    span(v.min_seconds),
                    span(v.max_seconds)
                ));
            }
            line
        }
        SubmitStatus::Refused => {
            let why = match (o.reason, o.nearest) {
                (Some(Reason::TimeMismatch), Some(n)) => format!(
                    "the code does not match {}; it matches {} ({} {} the stated time): was the time edited?",
                    local(tz, s.at),
                    local(tz, n),
                    span(n - s.at),
                    if n > s.at { "after" } else { "before" }
                ),
                (Some(Reason::Code(Status::Replayed)), _) => {
                    format!("{who} already used this code")
                }
                (Some(r), _) => format!(
                    "{r}: the code matches no presence token of {} within a day",
                    s.location
                ),
                (None, _) => "refused".into(),
            };
            format!(
                "REFUSED {who}{dir} at {}: {why} (event #{})",
                s.location, o.event_id
            )
        }
    }
}

/// A report edge: a local day (`YYYY-MM-DD`) or a time.
fn edge(text: &str) -> anyhow::Result<PeriodEdge> {
    Ok(text.parse()?)
}

fn report(
    ctx: &Ctx,
    location: &str,
    (from, to): (Option<&str>, Option<&str>),
    csv: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let edge = |t: Option<&str>| t.map(edge).transpose();
    let r = ctx
        .open_read()?
        .presence_report_period(location, edge(from)?, edge(to)?, now())?;
    if json {
        return output::json(&r);
    }
    let cells: Vec<Vec<String>> = r
        .holders
        .iter()
        .map(|r| {
            vec![
                opt(&r.holder),
                opt(&r.label),
                opt(&r.first_in),
                opt(&r.last_out),
                span(r.total_seconds),
                r.sessions.to_string(),
                r.open_sessions.to_string(),
                r.refused.to_string(),
                r.offline.to_string(),
            ]
        })
        .collect();
    let header = [
        "HOLDER", "LABEL", "FIRST_IN", "LAST_OUT", "TOTAL", "SESSIONS", "OPEN", "REFUSED",
        "OFFLINE",
    ];
    if csv {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header)?;
        for c in &cells {
            w.write_record(c)?;
        }
        out!("{}", String::from_utf8_lossy(&w.into_inner()?))?;
    } else {
        outln!("{location} ({}), {} to {}", r.tz, r.from, r.to)?;
        table(&header, &cells)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn import(ctx: &Ctx, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let mut st = ctx.open_unlocked()?;
    let import = st.presence_import_csv(file)?;
    let visits = &import.rows;
    if ctx.json {
        output::json(&import)?;
    } else {
        for v in visits {
            let sub = Submitted {
                location: &v.location,
                holder: v.holder.as_deref(),
                direction: v.direction,
                at: v.at,
            };
            outln!(
                "{name} line {}: {}",
                v.line,
                describe(&v.tz, &sub, &v.result)
            )?;
        }
        let count = |s| visits.iter().filter(|v| v.result.status == s).count();
        let (refused, dup) = (count(SubmitStatus::Refused), count(SubmitStatus::Duplicate));
        if import.written {
            outln!(
                "{}: {} confirmed, {dup} already imported",
                output::count(visits.len() as u64, "row", "rows"),
                visits.len() - dup
            )?;
        } else {
            outln!(
                "{}: {} refused; nothing was recorded: fix or remove the refused {} and import again",
                output::count(visits.len() as u64, "row", "rows"),
                refused,
                if refused == 1 { "row" } else { "rows" }
            )?;
        }
    }
    Ok(exit_for(visits.iter().map(|v| &v.result)))
}
