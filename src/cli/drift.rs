//! `tokenstation drift`: the drift report (most urgent first, with a sparkline of each
//! token's offset history), one token's history and fit, and clock fixes
//! ([`super::drift_fix`]). The station computes everything ([`crate::station::views::drift`]);
//! this face lays it out.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::Ctx;
use super::output::{self, shown, table};
use super::time::{at_or_now, rfc3339};
use crate::station::drift::report::DriftQuery;
use crate::station::views::{DriftFilter, DriftRow, TrendSource};

/// `drift` subcommands.
#[derive(Debug, Subcommand)]
pub enum DriftCommand {
    /// TOTP tokens by urgency: offset, trend, predicted exit from the window.
    Report(ReportArgs),
    /// One token's offset history (verifications, resyncs, clock reads and fixes) and fit.
    Show {
        /// The token's serial.
        serial: String,
        /// Its product (when the serial exists in several).
        #[arg(long)]
        product: Option<String>,
        /// Compute as of this time (Unix seconds or RFC 3339) [default: now].
        #[arg(long)]
        at: Option<String>,
    },
    /// Set a token's clock (Token2 NFC, Molto2, Nitrokey) or resync it with two codes.
    Fix(super::drift_fix::FixArgs),
}

/// `drift report` options.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only tokens that verify at this location.
    #[arg(long)]
    pub location: Option<String>,
    /// Only this product.
    #[arg(long)]
    pub product: Option<String>,
    /// Only tokens that leave their window within DAYS (or have left it).
    #[arg(long, value_name = "DAYS")]
    pub at_risk: Option<f64>,
    /// Compute as of this time (Unix seconds or RFC 3339) [default: now].
    #[arg(long)]
    pub at: Option<String>,
}

/// Runs `drift`.
pub fn run(ctx: &Ctx, c: DriftCommand) -> anyhow::Result<ExitCode> {
    match c {
        DriftCommand::Report(a) => report(ctx, a),
        DriftCommand::Show {
            serial,
            product,
            at,
        } => show(ctx, &serial, product.as_deref(), at.as_deref()),
        DriftCommand::Fix(a) => super::drift_fix::run(ctx, a),
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of `values`, scaled between their least and greatest.
pub fn sparkline(values: &[f64]) -> String {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|v| {
            let k = if hi > lo {
                ((v - lo) / (hi - lo) * 7.0).round() as usize
            } else {
                3
            };
            BARS[k.min(7)]
        })
        .collect()
}

fn signed(v: f64, digits: usize) -> String {
    format!("{v:+.digits$}")
}

fn trend(r: &DriftRow) -> String {
    match (r.trend_s_per_day, r.trend_source) {
        (Some(t), TrendSource::Fit) => format!("{} s/d", signed(t, 2)),
        (Some(t), TrendSource::Product) => format!("±{t:.2} s/d (product)"),
        _ => "-".into(),
    }
}

fn exit(r: &DriftRow) -> String {
    match (r.exit_at, r.out_of_window) {
        (Some(_), true) => "OUT NOW".into(),
        (Some(e), false) => format!(
            "{} ({:.0} d)",
            rfc3339(e).get(..10).unwrap_or_default(),
            r.days_left.unwrap_or(0.0)
        ),
        (None, _) => "-".into(),
    }
}

fn report(ctx: &Ctx, a: ReportArgs) -> anyhow::Result<ExitCode> {
    let now = at_or_now(a.at.as_deref())?;
    let st = ctx.open_read()?;
    let r = st.drift_report(
        &DriftQuery {
            filter: DriftFilter {
                product: a.product,
                location: a.location,
                serial: None,
            },
            at_risk_days: a.at_risk,
        },
        now,
    )?;
    if ctx.json {
        return output::json(&r);
    }
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|r| {
            let hist: Vec<f64> = r.history.iter().map(|p| p.offset_s).collect();
            vec![
                r.serial.clone(),
                r.product.clone(),
                format!("{:+}", r.offset_steps),
                format!("{} s", signed(r.offset_s, 0)),
                trend(r),
                r.last_seen
                    .map(|t| rfc3339(t).get(..10).unwrap_or_default().to_string())
                    .unwrap_or_else(|| "-".into()),
                exit(r),
                match r.fix {
                    crate::station::views::FixMethod::Clock => "clock".into(),
                    crate::station::views::FixMethod::Resync => "resync".into(),
                },
                sparkline(&hist),
            ]
        })
        .collect();
    table(
        &[
            "SERIAL",
            "PRODUCT",
            "STEPS",
            "OFFSET",
            "TREND",
            "LAST SEEN",
            "EXIT",
            "FIX",
            "HISTORY",
        ],
        &rows,
    )?;
    outln!(
        "{} of {} TOTP tokens, as of {}",
        r.rows.len(),
        r.tokens,
        rfc3339(r.at)
    )?;
    Ok(ExitCode::SUCCESS)
}

fn show(
    ctx: &Ctx,
    serial: &str,
    product: Option<&str>,
    at: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let now = at_or_now(at)?;
    let st = ctx.open_read()?;
    let d = st.drift_show(serial, product, now)?;
    if ctx.json {
        return output::json(&d);
    }
    let r = &d.row;
    outln!(
        "token         {} ({}, {})",
        shown(&r.serial),
        shown(&r.product),
        r.family
    )?;
    outln!(
        "drift         learned {}, baseline {}; offset now {} s",
        output::signed(r.offset_steps, "step", "steps"),
        output::signed(r.baseline_steps, "step", "steps"),
        signed(r.offset_s, 1)
    )?;
    outln!(
        "window        {} s to {} s without an operator",
        signed(r.window.low_s, 0),
        signed(r.window.high_s, 0)
    )?;
    match &d.fit {
        Some(f) => outln!(
            "fit           Theil-Sen over {} samples, {:.1} days: {} s/day",
            f.samples,
            f.span_days,
            signed(f.slope_s_per_day, 3)
        )?,
        None => outln!(
            "fit           too little history; product expects {}",
            d.expected_drift_per_year
                .map(|e| format!("{e} s/year"))
                .unwrap_or_else(|| "nothing".into())
        )?,
    }
    outln!("exit          {}", exit(r))?;
    outln!(
        "fix           {}",
        match r.fix {
            crate::station::views::FixMethod::Clock =>
                "write the clock: tokenstation drift fix SERIAL --reader R",
            crate::station::views::FixMethod::Resync =>
                "resync with two codes: tokenstation drift fix SERIAL",
        }
    )?;
    let hist: Vec<f64> = d
        .samples
        .iter()
        .map(|s| s.offset_ms as f64 / 1000.0)
        .collect();
    outln!("history       {}", sparkline(&hist))?;
    let rows: Vec<Vec<String>> = d
        .samples
        .iter()
        .map(|s| {
            vec![
                rfc3339(s.at),
                format!("{:?}", s.kind).to_lowercase(),
                format!("{} s", signed(s.offset_ms as f64 / 1000.0, 1)),
                s.weight.to_string(),
                s.segment.to_string(),
            ]
        })
        .collect();
    table(&["AT", "KIND", "OFFSET", "N", "SEGMENT"], &rows)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::sparkline;

    #[test]
    fn sparklines_scale_between_least_and_greatest() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 7.0]), "▁▂▃█");
        assert_eq!(sparkline(&[5.0, 5.0]), "▄▄");
        assert_eq!(sparkline(&[]), "");
    }
}
