//! `verify SERIAL CODE`: prints the verdict; exit code 0 only for `OK`.

use std::process::ExitCode;

use clap::Args;

use super::time::at_or_now;
use super::{Ctx, EXIT_REJECTED, output};
use crate::station::{OffsetUnit, OsUser, Source, Status, Verdict, VerifyRequest};

/// `verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Token serial.
    pub serial: String,
    /// The code the token shows.
    pub code: String,
    /// Product, when the serial exists in several.
    #[arg(long)]
    pub product: Option<String>,
    /// Location the code is presented at (a token assigned to locations verifies only
    /// at one of them).
    #[arg(long)]
    pub location: Option<String>,
    /// Check for this time instead of now (Unix seconds or RFC 3339).
    #[arg(long, allow_negative_numbers = true)]
    pub at: Option<String>,
    /// Change nothing (no replay mark, no drift learning).
    #[arg(long)]
    pub no_record: bool,
}

/// Runs `verify`.
pub fn run(ctx: &Ctx, a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let at = at_or_now(a.at.as_deref())?;
    let mut st = ctx.open_unlocked()?;
    // At the command line the source of the attempt (for the per-source delay) is the
    // operating-system user: nobody can pick a fresh one per guess.
    let source = Source::cli(&OsUser::current().to_string())?;
    let v = st.verify_request(&VerifyRequest {
        serial: &a.serial,
        code: &a.code,
        location: a.location.as_deref(),
        product: a.product.as_deref(),
        source: Some(&source),
        at,
        record: !a.no_record,
    })?;
    print_verdict(ctx, &v)?;
    Ok(if v.status == Status::Ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    })
}

/// Prints a verdict as a line or JSON.
pub fn print_verdict(ctx: &Ctx, v: &Verdict) -> anyhow::Result<()> {
    if ctx.json {
        output::json(v)?;
        return Ok(());
    }
    let mut line = format!("{} {}", v.status.as_str(), output::shown(&v.serial));
    if let Some(o) = v.offset {
        let unit = v.offset_unit.unwrap_or(OffsetUnit::Step);
        line.push_str(&format!(" offset {o:+} {}", unit.word(o)));
    }
    if let Some(d) = v.drift_steps {
        line.push_str(&format!(", drift {}", output::signed(d, "step", "steps")));
    }
    if let Some(ms) = v.retry_after_ms {
        line.push_str(&format!(", retry in {} s", ms.div_ceil(1000)));
    }
    outln!("{line}")?;
    Ok(())
}
