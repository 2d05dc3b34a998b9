//! `token` commands: register, list, show, code, life cycle, assign, rename, remove.

use std::process::ExitCode;

use super::errors::InputError;
use super::output::{self, opt, table};
use super::seed_args::SEED_NEEDED;
use super::time::{at_or_now, now};
use super::token_show::{show, status};
use super::{Ctx, EXIT_REJECTED};
use crate::model::TokenStatus;
use crate::station::views::TokenFilter;

pub use super::token_show::print_warning;

pub use super::token_args::{TokenCommand, Which};

fn rejected_unless(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    }
}

/// Runs a `token` subcommand.
pub fn run(ctx: &Ctx, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TokenCommand::Add {
            serial,
            product,
            seed,
        } => {
            super::argv_secret::refuse_after_asking(&serial, "the serial")?;
            let seed = seed.seed()?.ok_or_else(|| InputError(SEED_NEEDED.into()))?;
            let mut st = ctx.open_unlocked()?;
            let r = st.token_add(&serial, &product, seed, now())?;
            r.warnings.iter().for_each(print_warning);
            if !ctx.json {
                outln!(
                    "registered token {} under {} (unverified; activate it with its first code: tokenstation token activate {} CODE)",
                    r.token.serial,
                    r.token.product,
                    r.token.serial
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            show(ctx, &st, r.token)
        }
        TokenCommand::List {
            product,
            status,
            holder,
            location,
        } => {
            let st = ctx.open_read()?;
            let status = status.map(|s| s.parse::<TokenStatus>()).transpose()?;
            let list = st.tokens(&TokenFilter {
                product,
                status,
                holder,
                location,
            })?;
            if ctx.json {
                return output::json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|t| {
                    vec![
                        t.serial.clone(),
                        t.product.clone(),
                        t.status.to_string(),
                        opt(&t.holder),
                        t.drift_steps.to_string(),
                    ]
                })
                .collect();
            table(&["SERIAL", "PRODUCT", "STATUS", "HOLDER", "DRIFT"], &rows)?;
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Show(w) => {
            let st = ctx.open_read()?;
            let t = st.token(&w.serial, w.product.as_deref())?;
            show(ctx, &st, t)
        }
        TokenCommand::Code { which, at, quiet } => {
            let given = at.is_some();
            let at = at_or_now(at.as_deref())?;
            let st = ctx.open_unlocked()?;
            let c = st.token_code(&which.serial, which.product.as_deref(), at)?;
            if ctx.json {
                return output::json(&c);
            }
            match c.valid_for {
                _ if quiet || !output::stdout_is_terminal() => outln!("{}", c.code)?,
                // Seconds left mean something only for the code of now.
                Some(s) if !given => outln!("{}  (step {}, {} s left)", c.code, c.step, s)?,
                Some(_) => outln!("{}  (step {})", c.code, c.step)?,
                None => outln!("{}  (counter {})", c.code, c.step)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Activate { which, code, at } => {
            let at = at_or_now(at.as_deref())?;
            let mut st = ctx.open_unlocked()?;
            let v = st.token_activate(&which.serial, which.product.as_deref(), &code, at)?;
            super::verify::print_verdict(ctx, &v)?;
            Ok(rejected_unless(v.is_ok()))
        }
        TokenCommand::Resync {
            which,
            code1,
            code2,
            at,
        } => {
            let at = at_or_now(at.as_deref())?;
            let mut st = ctx.open_unlocked()?;
            let v = st.token_resync(&which.serial, which.product.as_deref(), &code1, &code2, at)?;
            super::verify::print_verdict(ctx, &v)?;
            Ok(rejected_unless(v.is_ok()))
        }
        TokenCommand::Unlock(w) => {
            let mut st = ctx.open_unlocked()?;
            let cleared = st.token_unlock(&w.serial, w.product.as_deref(), now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"serial": w.serial, "cleared": cleared}));
            }
            let what = if cleared {
                "failure count and cooldown cleared"
            } else {
                "was not limited"
            };
            outln!("token {}: {what}", w.serial)?;
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::BackupCodes { which: w, replace } => {
            let mut st = ctx.open_unlocked()?;
            let codes = st.token_backup_codes(&w.serial, w.product.as_deref(), replace, now())?;
            if ctx.json {
                let list: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
                return output::json(&serde_json::json!({"serial": w.serial, "codes": list}));
            }
            outln!(
                "backup codes for {} (each works once; they are shown only now):",
                w.serial
            )?;
            for c in &codes {
                outln!("  {}", c.as_str())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Qr { which, png } => {
            super::export::qr(ctx, &which.serial, which.product.as_deref(), png.as_deref())
        }
        TokenCommand::Disable(w) => status(ctx, w, TokenStatus::Disabled),
        TokenCommand::Enable(w) => status(ctx, w, TokenStatus::Active),
        TokenCommand::Lost(w) => status(ctx, w, TokenStatus::Lost),
        TokenCommand::Retire(w) => status(ctx, w, TokenStatus::Retired),
        TokenCommand::Assign {
            which,
            location,
            all_locations: _,
            holder,
        } => {
            let mut st = ctx.open_unlocked()?;
            let (w, p) = (&which.serial, which.product.as_deref());
            let t = match (holder, location) {
                (Some(h), _) => st.token_assign_holder(w, p, &h, now())?,
                (_, l) => st.token_assign_location(w, p, l.as_deref(), now())?,
            };
            show(ctx, &st, t)
        }
        TokenCommand::Lease {
            which,
            station,
            release: _,
        } => {
            let mut st = ctx.open_unlocked()?;
            let (w, p) = (&which.serial, which.product.as_deref());
            let t = st.token_lease(w, p, station.as_deref(), now())?;
            show(ctx, &st, t)
        }
        TokenCommand::Unassign(a) => super::manage::unassign(ctx, a),
        TokenCommand::Rename { which, new_serial } => {
            let mut st = ctx.open_unlocked()?;
            let t = st.token_rename(&which.serial, which.product.as_deref(), &new_serial, now())?;
            show(ctx, &st, t)
        }
        TokenCommand::Rm { which, force } => {
            let mut st = ctx.open_unlocked()?;
            st.token_remove(&which.serial, which.product.as_deref(), force, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"removed": which.serial}));
            }
            outln!("removed token {} and its sealed seed", which.serial)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
