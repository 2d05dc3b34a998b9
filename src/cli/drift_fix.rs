//! `tokenstation drift fix`: set a token's clock to the host's (Token2 NFC, Molto2,
//! Nitrokey Pro / Storage) or resynchronise it with two codes (tokens whose clock
//! cannot be written), one token or a tray of them (`--batch`). The station does the
//! work as a job ([`crate::station::drift::fix_job`]); this face parses, answers the
//! job's questions on the terminal and prints its events.

use std::process::ExitCode;
use std::sync::Arc;

use super::Ctx;
use super::ask::{Asking, drive};
use super::burn::ProveArg;
use super::device_args::DeviceArgs;
use super::errors::{InputError, exit_code_of};
use super::output;
use crate::devices::presence::ReaderSpec;
use crate::station::StationError;
use crate::station::drift::fix::{FixOptions, FixOutcome, FixResult};
use crate::station::drift::fix_job::{self, FixBatchOrder, FixEvent, FixOrder, FixSummary};
use crate::station::host_clock::SystemClock;
use crate::station::provision::Proof;
use crate::station::views::FixMethod;

/// Options of `tokenstation drift fix`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
  tokenstation drift fix C302-0001 --reader \"ACS ACR122U PICC Interface 00 00\"\n  \
  tokenstation drift fix M2-0007 --reader \"Virtual PCD 00 00\"\n  \
  tokenstation drift fix NK-0001 --reader hid:/dev/hidraw3\n  \
  tokenstation drift fix YK-0001          # host-time token: resync with two codes\n  \
  tokenstation drift fix --batch --reader \"Virtual PCD 00 00\" --family token2-nfc --at-risk 30\n\n\
  Exit codes: 0 fixed, 1 a code did not match, 2 input, 3 store or key, 4 hardware.")]
pub struct FixArgs {
    /// The token's serial (not with --batch).
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub serial: Option<String>,
    /// Its product, when the serial exists in several.
    #[arg(long)]
    pub product: Option<String>,
    /// The reader the token is in: a PC/SC name (`pcsc:NAME` or NAME), `pn532:/dev/PATH`
    /// or `hid:/dev/hidrawN`.
    #[arg(long)]
    pub reader: Option<String>,
    /// A tray: fix each token presented, one after another, until Ctrl-C or --count.
    #[arg(long, requires = "reader")]
    pub batch: bool,
    /// With --batch: only tokens leaving their window within DAYS; others are skipped.
    #[arg(long, value_name = "DAYS", requires = "batch")]
    pub at_risk: Option<f64>,
    /// With --batch: stop after this many tokens.
    #[arg(long, requires = "batch")]
    pub count: Option<u64>,
    /// Write the clock even though the host clock is not synchronised.
    #[arg(long)]
    pub force: bool,
    /// Send a Molto2 key even with one try left (a wrong key locks the device).
    #[arg(long)]
    pub yes: bool,
    /// Prove with a read-back code where the token can, else typed (auto), or always
    /// have the code typed (typed). A re-sent seed is always proven.
    #[arg(long, value_enum, default_value = "auto")]
    pub prove: ProveArg,
    /// How to open the token.
    #[command(flatten)]
    pub device: DeviceArgs,
}

fn options(a: &FixArgs) -> FixOptions {
    FixOptions {
        force: a.force,
        yes: a.yes,
        proof: match a.prove {
            ProveArg::Auto => Proof::Auto,
            ProveArg::Typed => Proof::Typed,
        },
    }
}

/// Runs `drift fix`.
pub fn run(ctx: &Ctx, a: FixArgs) -> anyhow::Result<ExitCode> {
    let reader: Option<ReaderSpec> = a
        .reader
        .as_deref()
        .map(|r| r.parse().map_err(StationError::from))
        .transpose()?;
    let st = ctx.open_unlocked()?;
    let clock = Arc::new(SystemClock);
    if a.batch {
        let reader = reader.ok_or_else(|| InputError("--batch needs --reader".into()))?;
        let order = FixBatchOrder {
            reader,
            device: a.device.options()?,
            at_risk_days: a.at_risk,
            count: a.count,
            options: options(&a),
            clock,
        };
        let (_st, summary) = drive(fix_job::batch(st, order)?, Asking::TerminalOnly, |e| {
            event(&e)
        })?;
        let summary = summary?;
        let exit = summary.failure_class().map(exit_code_of).unwrap_or(0);
        print_summary(ctx, &summary, exit)?;
        return Ok(ExitCode::from(exit));
    }
    let serial = a
        .serial
        .clone()
        .ok_or_else(|| InputError("give the token's SERIAL, or --batch".into()))?;
    let order = FixOrder {
        serial,
        product: a.product.clone(),
        reader,
        device: a.device.options()?,
        options: options(&a),
        clock,
    };
    let (_st, out) = drive(fix_job::fix(st, order)?, Asking::Stdin, |_| {})?;
    let out = out?;
    if ctx.json {
        return output::json(&out);
    }
    outln!("{}", line(&out))?;
    Ok(ExitCode::SUCCESS)
}

fn outcome_line(o: &FixOutcome) -> String {
    let who = o.serials.join(", ");
    match o.method {
        FixMethod::Resync => format!("resynchronised {who} in the store ({})", o.family),
        FixMethod::Clock => {
            let mut s = format!("set the clock of {who} ({})", o.family);
            if let Some(off) = o.offset_before_s {
                s.push_str(&format!(": it was {off:+} s off"));
            }
            if let Some(off) = o.offset_after_s {
                s.push_str(&format!(", now {off:+} s"));
            }
            if o.reseeded {
                s.push_str("; seed re-sent");
            }
            if let Some(p) = o.proof {
                s.push_str(&format!(", proven by {p} code"));
            }
            if o.host.as_ref().is_some_and(|h| !h.is_synchronised()) {
                s.push_str(" (forced: host clock not synchronised)");
            }
            s.push_str("; learned drift and baseline reset to 0");
            s
        }
    }
}

fn line(r: &FixResult) -> String {
    match r {
        FixResult::Fixed(o) => outcome_line(o),
        FixResult::Skipped { serials, why } => format!("skipped {}: {why}", serials.join(", ")),
    }
}

fn event(e: &FixEvent) {
    match e {
        FixEvent::Present { n, reader } => {
            errln!("[{n}] present a token to {reader} (Ctrl-C to stop)")
        }
        FixEvent::Done { n, result } => errln!("[{n}] {}", line(result)),
        FixEvent::Failed { n, error } => {
            let mut s = error.message.clone();
            if let Some(h) = &error.hint {
                s.push_str(&super::errors::words(h));
            }
            errln!("[{n}] FAILED: {s}")
        }
        FixEvent::Remove { .. } => errln!("remove the token"),
    }
}

fn print_summary(ctx: &Ctx, s: &FixSummary, exit: u8) -> anyhow::Result<()> {
    let fixed = s
        .done
        .iter()
        .filter(|r| matches!(r, FixResult::Fixed(_)))
        .count();
    if ctx.json {
        let failed: Vec<String> = s.failed.iter().map(|f| f.message.clone()).collect();
        return Ok(outln!(
            "{}",
            serde_json::json!({"done": s.done, "failed": failed, "cancelled": s.cancelled, "exit_code": exit})
        )?);
    }
    outln!(
        "batch: {fixed} fixed, {} skipped, {} failed{}",
        s.done.len() - fixed,
        s.failed.len(),
        if s.cancelled { " (stopped)" } else { "" }
    )?;
    for r in &s.done {
        outln!("  {}", line(r))?;
    }
    for f in &s.failed {
        outln!("  failed: {}", f.message)?;
    }
    Ok(())
}
