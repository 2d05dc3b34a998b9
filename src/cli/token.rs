//! `token` commands: register, list, show, code, life cycle, assign, rename, remove.

use std::process::ExitCode;

use clap::{ArgGroup, Args, Subcommand};
use zeroize::Zeroizing;

use super::output::{self, opt, table};
use super::time::{at_or_now, now, rfc3339};
use super::{Ctx, EXIT_REJECTED};
use crate::model::{Token, TokenStatus};
use crate::otp::{KeyUri, Secret};
use crate::station::Station;
use crate::station::seed_input::{MIN_SEED_BYTES, SeedInput, SeedWarning};
use crate::station::views::{TokenDetail, TokenFilter};

/// Selects a token by serial, and by product when serials repeat across products.
#[derive(Debug, Args)]
pub struct Which {
    /// Serial number.
    pub serial: String,
    /// Product, when the serial exists in several.
    #[arg(long)]
    pub product: Option<String>,
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Register a token under a product with its seed (sealed at rest).
    #[command(group(ArgGroup::new("seed").required(true).args(["secret", "uri", "generate"])))]
    Add {
        /// Serial number, unique within the product.
        serial: String,
        /// Product name.
        #[arg(long)]
        product: String,
        /// Seed in base32, or hex prefixed with `hex:`. Prefer TOKENSTATION_SECRET
        /// over the command line, which other users can see.
        #[arg(long, env = "TOKENSTATION_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// An otpauth:// Key URI; its parameters must match the product.
        #[arg(long)]
        uri: Option<String>,
        /// Draw a fresh seed from the OS (20/32/64 bytes for SHA1/256/512).
        #[arg(long)]
        generate: bool,
    },
    /// List tokens.
    List {
        /// Only this product.
        #[arg(long)]
        product: Option<String>,
        /// Only this status (unverified, active, disabled, lost, retired).
        #[arg(long)]
        status: Option<String>,
        /// Only this holder.
        #[arg(long)]
        holder: Option<String>,
        /// Only tokens usable at this location.
        #[arg(long)]
        location: Option<String>,
    },
    /// Show one token.
    Show(Which),
    /// Print the code a token shows now, or at another time (for technicians).
    Code {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// Unix seconds or RFC 3339 [default: now].
        #[arg(long)]
        at: Option<String>,
    },
    /// Activate an unverified token with its first valid code.
    Activate {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// The code the token shows.
        code: String,
        /// Unix seconds or RFC 3339 [default: now].
        #[arg(long)]
        at: Option<String>,
    },
    /// Resynchronise a drifted token with two consecutive codes it shows.
    Resync {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// A code the token shows.
        code1: String,
        /// The next code it shows (press again, or wait one period).
        code2: String,
        /// Unix seconds or RFC 3339 [default: now].
        #[arg(long)]
        at: Option<String>,
    },
    /// Clear a token's failure count and cooldown after LIMIT_REACHED.
    Unlock(Which),
    /// Make 10 one-time backup codes (XXXX-XXXX), shown once; replaces any old set.
    BackupCodes(Which),
    /// Show the token's otpauth:// URI as a QR code (terminal or PNG); audited.
    Qr {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// Write a PNG here instead of drawing in the terminal.
        #[arg(long)]
        png: Option<std::path::PathBuf>,
    },
    /// Refuse a token until it is enabled again.
    Disable(Which),
    /// Accept a disabled or lost token again.
    Enable(Which),
    /// Mark a token lost (refused).
    Lost(Which),
    /// Take a token out of service for good.
    Retire(Which),
    /// Assign a token to a location (or all locations) or to a holder.
    #[command(group(ArgGroup::new("to").required(true).args(["location", "all_locations", "holder"])))]
    Assign {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// Location name.
        #[arg(long)]
        location: Option<String>,
        /// Let the token verify at every location.
        #[arg(long)]
        all_locations: bool,
        /// Holder id.
        #[arg(long)]
        holder: Option<String>,
    },
    /// Change a token's serial.
    Rename {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// New serial.
        new_serial: String,
    },
    /// Delete a token and its sealed seed (active tokens need --force).
    Rm {
        /// Token.
        #[command(flatten)]
        which: Which,
        /// Delete even an active token.
        #[arg(long)]
        force: bool,
    },
}

/// Prints a seed warning on stderr.
pub fn print_warning(w: &SeedWarning) {
    match w {
        SeedWarning::ShortSeed { bytes } => eprintln!(
            "warning: the seed has {bytes} bytes; RFC 4226 asks for at least {MIN_SEED_BYTES} (20 recommended)"
        ),
    }
}

fn show(ctx: &Ctx, st: &Station, t: Token) -> anyhow::Result<ExitCode> {
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

fn seed(secret: Option<String>, uri: Option<String>) -> anyhow::Result<SeedInput> {
    Ok(match (secret, uri) {
        (Some(s), _) => SeedInput::Secret(Secret::parse(&Zeroizing::new(s))?),
        (_, Some(u)) => SeedInput::Uri(Box::new(KeyUri::parse(&u)?)),
        _ => SeedInput::Generate,
    })
}

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
            secret,
            uri,
            generate: _,
        } => {
            let seed = seed(secret, uri)?;
            let mut st = ctx.open_unlocked()?;
            let r = st.token_add(&serial, &product, seed, now())?;
            r.warnings.iter().for_each(print_warning);
            if !ctx.json {
                println!(
                    "registered token {} under {} (unverified; activate it with its first code: tokenstation token activate {} CODE)",
                    r.token.serial, r.token.product, r.token.serial
                );
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
            let st = ctx.open()?;
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
            table(&["SERIAL", "PRODUCT", "STATUS", "HOLDER", "DRIFT"], &rows);
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Show(w) => {
            let st = ctx.open()?;
            let t = st.token(&w.serial, w.product.as_deref())?;
            show(ctx, &st, t)
        }
        TokenCommand::Code { which, at } => {
            let at = at_or_now(at.as_deref())?;
            let st = ctx.open_unlocked()?;
            let c = st.token_code(&which.serial, which.product.as_deref(), at)?;
            if ctx.json {
                return output::json(&c);
            }
            match c.valid_for {
                Some(s) => println!("{}  (step {}, {} s left)", c.code, c.step, s),
                None => println!("{}  (counter {})", c.code, c.step),
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
            let mut st = ctx.open()?;
            let cleared = st.token_unlock(&w.serial, w.product.as_deref(), now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"serial": w.serial, "cleared": cleared}));
            }
            let what = if cleared {
                "failure count and cooldown cleared"
            } else {
                "was not limited"
            };
            println!("token {}: {what}", w.serial);
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::BackupCodes(w) => {
            let mut st = ctx.open_unlocked()?;
            let codes = st.token_backup_codes(&w.serial, w.product.as_deref(), now())?;
            if ctx.json {
                let list: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
                return output::json(&serde_json::json!({"serial": w.serial, "codes": list}));
            }
            println!(
                "backup codes for {} (each works once; they are shown only now):",
                w.serial
            );
            for c in &codes {
                println!("  {}", c.as_str());
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
            let mut st = ctx.open()?;
            let (w, p) = (&which.serial, which.product.as_deref());
            let t = match (holder, location) {
                (Some(h), _) => st.token_assign_holder(w, p, &h, now())?,
                (_, l) => st.token_assign_location(w, p, l.as_deref(), now())?,
            };
            show(ctx, &st, t)
        }
        TokenCommand::Rename { which, new_serial } => {
            let mut st = ctx.open()?;
            let t = st.token_rename(&which.serial, which.product.as_deref(), &new_serial, now())?;
            show(ctx, &st, t)
        }
        TokenCommand::Rm { which, force } => {
            let mut st = ctx.open()?;
            st.token_remove(&which.serial, which.product.as_deref(), force, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"removed": which.serial}));
            }
            println!("removed token {} and its sealed seed", which.serial);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn status(ctx: &Ctx, w: Which, to: TokenStatus) -> anyhow::Result<ExitCode> {
    let mut st = ctx.open()?;
    let t = st.token_set_status(&w.serial, w.product.as_deref(), to, now())?;
    if ctx.json {
        return show(ctx, &st, t);
    }
    println!("token {} is now {}", t.serial, t.status);
    Ok(ExitCode::SUCCESS)
}
