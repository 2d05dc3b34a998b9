//! Showing tokens: the detail of one token (`token show`, and after every change with
//! `--json`), status changes, and seed warnings.

use std::process::ExitCode;

use super::Ctx;
use super::output::{self, opt, shown};
use super::time::{now, rfc3339};
use super::token::Which;
use crate::model::{Token, TokenStatus};
use crate::station::Station;
use crate::station::seed_input::{MIN_SEED_BYTES, SeedWarning};
use crate::station::views::TokenDetail;

/// Prints a seed warning on stderr.
pub fn print_warning(w: &SeedWarning) {
    match w {
        SeedWarning::ShortSeed { bytes } => errln!(
            "warning: the seed has {bytes} bytes; RFC 4226 asks for at least {MIN_SEED_BYTES} (20 recommended)"
        ),
    }
}

/// Shows a token: its detail, as a table or JSON.
pub fn show(ctx: &Ctx, st: &Station, t: Token) -> anyhow::Result<ExitCode> {
    let d = st.token_detail_of(t)?;
    if ctx.json {
        return output::json(&d);
    }
    print_detail(&d)?;
    Ok(ExitCode::SUCCESS)
}

fn print_detail(d: &TokenDetail) -> Result<(), super::output::OutputError> {
    let t = &d.token;
    outln!("serial      {}", shown(&t.serial))?;
    outln!("product     {}", shown(&t.product))?;
    outln!("status      {}", t.status)?;
    outln!("holder      {}", shown(&opt(&t.holder)))?;
    if let Some(s) = &t.leased_to {
        outln!("leased to   station {} (verifies only there)", shown(s))?;
    }
    outln!(
        "locations   {}",
        if d.locations.is_empty() {
            "-".into()
        } else {
            shown(&d.locations.join(", ")).into_owned()
        }
    )?;
    if d.kind == crate::otp::Kind::Totp {
        outln!(
            "drift       {}",
            super::output::signed(t.drift_steps, "step", "steps")
        )?;
        outln!("last step   {}", opt(&t.last_step))?;
    } else {
        outln!("counter     {} (the next code's)", t.counter)?;
    }
    outln!("backup      {} unused codes", d.backup_codes_left)?;
    outln!(
        "failures    {}{}",
        d.failures,
        d.locked_until_ms
            .map(|ms| format!(", cooling down until {}", rfc3339(ms / 1000)))
            .unwrap_or_default()
    )?;
    outln!("created     {}", rfc3339(t.created_at))?;
    outln!(
        "activated   {}",
        t.activated_at.map(rfc3339).unwrap_or_else(|| "-".into())
    )?;
    Ok(())
}

/// Moves a token to another status and says so.
pub fn status(ctx: &Ctx, w: Which, to: TokenStatus) -> anyhow::Result<ExitCode> {
    let mut st = ctx.open_unlocked()?;
    let t = st.token_set_status(&w.serial, w.product.as_deref(), to, now())?;
    if ctx.json {
        return show(ctx, &st, t);
    }
    outln!("token {} is now {}", shown(&t.serial), t.status)?;
    Ok(ExitCode::SUCCESS)
}
