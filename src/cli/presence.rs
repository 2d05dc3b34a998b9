//! `tokenstation presence`: who is in, period reports, and presence-token codes
//! submitted one at a time or imported from CSV.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Subcommand;

use super::output::{self, opt, table};
use super::time::parse_time;
use super::{Ctx, EXIT_REJECTED};
use crate::station::StationError;
use crate::station::presence::Direction;
use crate::station::presence::report::{day_start, local};
use crate::station::presence::tokens::{Submission, SubmitOutcome};

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
        /// First day (YYYY-MM-DD, local) or a time (RFC 3339 / Unix seconds).
        #[arg(long, value_name = "D1")]
        from: String,
        /// Last day, inclusive (YYYY-MM-DD, local) or an exclusive end time.
        #[arg(long, value_name = "D2")]
        to: String,
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
        #[arg(long, value_name = "TIME")]
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
            let st = ctx.open()?;
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
            table(&["LOCATION", "HOLDER", "LABEL", "SINCE"], &rows);
            Ok(ExitCode::SUCCESS)
        }
        PresenceCommand::Report {
            location,
            from,
            to,
            csv,
            json,
        } => report(ctx, &location, &from, &to, csv, json || ctx.json),
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
            let tz = st.read().location_get(&location)?.tz;
            let o = st.presence_submit(&s)?;
            if ctx.json {
                output::json(&o)?;
            } else {
                println!("{}", describe(&tz, &s, &o));
            }
            Ok(exit_for(&[o]))
        }
        PresenceCommand::Import { file } => import(ctx, &file),
    }
}

fn exit_for(outcomes: &[SubmitOutcome]) -> ExitCode {
    if outcomes.iter().any(|o| o.status == "REFUSED") {
        ExitCode::from(EXIT_REJECTED)
    } else {
        ExitCode::SUCCESS
    }
}

fn span(secs: i64) -> String {
    let s = secs.abs();
    format!("{}h{:02}m{:02}s", s / 3600, (s % 3600) / 60, s % 60)
}

fn describe(tz: &str, s: &Submission, o: &SubmitOutcome) -> String {
    let who = s.holder.clone().unwrap_or_else(|| "anonymous".into());
    let dir = s.direction.map(|d| format!(" {d}")).unwrap_or_default();
    match o.status {
        "DUPLICATE" => format!(
            "DUPLICATE {who}{dir} at {}: already imported as event #{}",
            s.location, o.event_id
        ),
        "OK" => {
            let mut line = format!(
                "{} {who}{dir} at {}: present between {} and {} (token {}, event #{})",
                o.status,
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
        _ => {
            let why = match (o.reason, o.nearest) {
                (Some("TIME_MISMATCH"), Some(n)) => format!(
                    "the code does not match {}; it matches {} ({} {} the stated time): was the time edited?",
                    local(tz, s.at),
                    local(tz, n),
                    span(n - s.at),
                    if n > s.at { "after" } else { "before" }
                ),
                (Some("REPLAYED"), _) => format!("{who} already used this code"),
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

fn bound(tz: &str, text: &str, end: bool) -> anyhow::Result<i64> {
    if let Ok(d) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let d = if end {
            d.succ_opt().context("date out of range")?
        } else {
            d
        };
        return day_start(tz, d).context("date out of range");
    }
    Ok(parse_time(text)?)
}

fn report(
    ctx: &Ctx,
    location: &str,
    from: &str,
    to: &str,
    csv: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let st = ctx.open()?;
    let tz = st.read().location_get(location)?.tz;
    let (f, t) = (bound(&tz, from, false)?, bound(&tz, to, true)?);
    let (tz, rows) = st.presence_report(location, f, t)?;
    if json {
        return output::json(&serde_json::json!({
            "location": location, "tz": tz, "from": local(&tz, f), "to": local(&tz, t), "holders": rows
        }));
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.holder.clone(),
                opt(&r.label),
                opt(&r.first_in),
                opt(&r.last_out),
                span(r.total_seconds),
                r.sessions.to_string(),
                r.open_sessions.to_string(),
                r.refused.to_string(),
            ]
        })
        .collect();
    let header = [
        "HOLDER", "LABEL", "FIRST_IN", "LAST_OUT", "TOTAL", "SESSIONS", "OPEN", "REFUSED",
    ];
    if csv {
        let mut w = csv::Writer::from_writer(std::io::stdout());
        w.write_record(header)?;
        for c in &cells {
            w.write_record(c)?;
        }
        w.flush()?;
    } else {
        println!("{location} ({tz}), {} to {}", local(&tz, f), local(&tz, t));
        table(&header, &cells);
    }
    Ok(ExitCode::SUCCESS)
}

fn import(ctx: &Ctx, file: &PathBuf) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(file)
        .with_context(|| format!("opening {name}"))?;
    let headers: Vec<String> = rdr
        .headers()
        .with_context(|| format!("{name}: no header row"))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (Some(ch), Some(cl), Some(cc), Some(ct)) = (
        col(&["holder"]),
        col(&["location"]),
        col(&["code"]),
        col(&["time", "seen", "time_seen", "at"]),
    ) else {
        return Err(StationError::Input(format!(
            "{name}: the header must name holder, location, code and time (and optionally direction)"
        ))
        .into());
    };
    let cd = col(&["direction", "in_out", "inout"]);
    let mut st = ctx.open_unlocked()?;
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{name} line {line}"))?;
        let get = |c: usize| rec.get(c).unwrap_or("").to_string();
        let bad = |what: String| StationError::Input(format!("{name} line {line}: {what}"));
        let holder = get(ch);
        let location = get(cl);
        st.read()
            .holder_get(&holder)
            .map_err(|e| bad(e.to_string()))?;
        st.read()
            .location_get(&location)
            .map_err(|e| bad(e.to_string()))?;
        let at = parse_time(&get(ct)).map_err(|e| bad(e.to_string()))?;
        let dir_text = cd.map(get).unwrap_or_default();
        let direction = if dir_text.is_empty() {
            None
        } else {
            Some(
                dir_text
                    .parse::<Direction>()
                    .map_err(|e| bad(e.to_string()))?,
            )
        };
        let code = get(cc);
        rows.push(Submission {
            idem: Some(format!("import|{holder}|{location}|{code}|{at}|{dir_text}")),
            location,
            code,
            at,
            holder: Some(holder),
            direction,
        });
        lines.push(line);
    }
    let outcomes = st.presence_import(&rows)?;
    if ctx.json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .zip(&outcomes)
            .zip(&lines)
            .map(|((s, o), l)| serde_json::json!({"line": l, "holder": s.holder, "location": s.location, "at": s.at, "result": o}))
            .collect();
        output::json(&out)?;
    } else {
        for ((s, o), l) in rows.iter().zip(&outcomes).zip(&lines) {
            let tz = st.read().location_get(&s.location)?.tz;
            println!("{name} line {l}: {}", describe(&tz, s, o));
        }
        let refused = outcomes.iter().filter(|o| o.status == "REFUSED").count();
        let dup = outcomes.iter().filter(|o| o.status == "DUPLICATE").count();
        println!(
            "{} rows: {} confirmed, {dup} already imported, {refused} refused",
            outcomes.len(),
            outcomes.len() - refused - dup
        );
    }
    Ok(exit_for(&outcomes))
}
