//! Showing tokens: the detail of one token (`token show`, and after every change with
//! `--json`), status changes, and seed warnings.

use std::process::ExitCode;

use super::Ctx;
use super::output::{self, opt};
use super::time::{now, rfc3339};
use super::token::Which;
use crate::model::{Token, TokenStatus};
use crate::station::Station;
use crate::station::seed_input::{MIN_SEED_BYTES, SeedWarning};
use crate::station::views::TokenDetail;

/// Prints a seed warning on stderr.
pub fn print_warning(w: &SeedWarning) {
    match w {
        SeedWarning::ShortSeed { bytes } => eprintln!(
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
    print_detail(&d);
    Ok(ExitCode::SUCCESS)
}

fn print_detail(d: &TokenDetail) {
    let t = &d.token;
    println!("serial      {}", t.serial);
    println!("product     {}", t.product);
    println!("status      {}", t.status);
    println!("holder      {}", opt(&t.holder));
    println!(
        "locations   {}",
        if d.locations.is_empty() {
            "-".into()
        } else {
            d.locations.join(", ")
        }
    );
    println!("drift       {} steps", t.drift_steps);
    println!("last step   {}", opt(&t.last_step));
    println!("counter     {}", t.counter);
    println!("backup      {} unused codes", d.backup_codes_left);
    println!(
        "failures    {}{}",
        d.failures,
        d.locked_until_ms
            .map(|ms| format!(", cooling down until {}", rfc3339(ms / 1000)))
            .unwrap_or_default()
    );
    println!("created     {}", rfc3339(t.created_at));
    println!(
        "activated   {}",
        t.activated_at.map(rfc3339).unwrap_or_else(|| "-".into())
    );
}

/// Moves a token to another status and says so.
pub fn status(ctx: &Ctx, w: Which, to: TokenStatus) -> anyhow::Result<ExitCode> {
    let mut st = ctx.open()?;
    let t = st.token_set_status(&w.serial, w.product.as_deref(), to, now())?;
    if ctx.json {
        return show(ctx, &st, t);
    }
    println!("token {} is now {}", t.serial, t.status);
    Ok(ExitCode::SUCCESS)
}
