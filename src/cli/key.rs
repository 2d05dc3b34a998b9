//! `key` commands: API keys for shared access (add, list, show, rotate, suspend,
//! resume, revoke). A key is printed once, by `add` and `rotate`; every change is
//! audited by the station.

use std::process::ExitCode;

use clap::Subcommand;

use super::Ctx;
use super::errors::InputError;
use super::output::{self, table};
use super::time::{now, rfc3339};
use crate::model::access::{ApiKey, Role};
use crate::station::access::{IssuedKey, KeySpec, parse_duration};

/// `key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key; it is printed once (store it now).
    Add {
        /// A name for the key (letters, digits, . _ - @), e.g. web-shop.
        name: String,
        /// kiosk, technician, operator or admin.
        #[arg(long)]
        role: String,
        /// Limit the key to this location (repeat for several; a kiosk needs one).
        #[arg(long = "location", value_name = "LOCATION")]
        locations: Vec<String>,
        /// Limit the key to this product's tokens (repeat for several).
        #[arg(long = "product", value_name = "PRODUCT")]
        products: Vec<String>,
        /// Refuse the key after this long: 90d, 12h, 30m, 2w.
        #[arg(long, value_name = "DURATION")]
        expires: Option<String>,
        /// Accept the key only from this network (repeat for several), e.g. 10.0.0.0/8.
        #[arg(long = "cidr", value_name = "CIDR")]
        cidrs: Vec<String>,
    },
    /// List every key (revoked ones too).
    List,
    /// Show one key.
    Show {
        /// Key id or name.
        key: String,
    },
    /// Give a key a new secret (printed once); the old one stops working at once.
    Rotate {
        /// Key id or name.
        key: String,
    },
    /// Refuse a key until it is resumed.
    Suspend {
        /// Key id or name.
        key: String,
    },
    /// Accept a suspended key again.
    Resume {
        /// Key id or name.
        key: String,
    },
    /// Refuse a key for good.
    Revoke {
        /// Key id or name.
        key: String,
    },
}

/// Runs a `key` subcommand.
pub fn run(ctx: &Ctx, cmd: KeyCommand) -> anyhow::Result<ExitCode> {
    let at = now();
    match cmd {
        KeyCommand::Add {
            name,
            role,
            locations,
            products,
            expires,
            cidrs,
        } => {
            let spec = KeySpec {
                name,
                role: role
                    .parse::<Role>()
                    .map_err(|e| InputError(e.to_string()))?,
                locations,
                products,
                cidrs,
                expires_at: expires
                    .as_deref()
                    .map(parse_duration)
                    .transpose()?
                    .map(|d| at.saturating_add(d)),
            };
            let issued = ctx.open_unlocked()?.key_add(&spec, at)?;
            print_issued(ctx, &issued, "created")
        }
        KeyCommand::List => {
            let keys = ctx.open_read()?.keys()?;
            if ctx.json {
                return output::json(&keys);
            }
            let rows: Vec<Vec<String>> = keys.iter().map(row).collect();
            table(
                &[
                    "KEY_ID",
                    "NAME",
                    "ROLE",
                    "STATUS",
                    "LOCATIONS",
                    "PRODUCTS",
                    "NETWORKS",
                    "EXPIRES",
                ],
                &rows,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::Show { key } => {
            let k = ctx.open_read()?.key_show(&key)?;
            if ctx.json {
                return output::json(&k);
            }
            describe(&k)?;
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::Rotate { key } => {
            let issued = ctx.open_unlocked()?.key_rotate(&key, at)?;
            print_issued(ctx, &issued, "rotated (the old secret no longer works)")
        }
        KeyCommand::Suspend { key } => changed(ctx, ctx.open_unlocked()?.key_suspend(&key, at)?),
        KeyCommand::Resume { key } => changed(ctx, ctx.open_unlocked()?.key_resume(&key, at)?),
        KeyCommand::Revoke { key } => changed(ctx, ctx.open_unlocked()?.key_revoke(&key, at)?),
    }
}

fn list_or_all(v: &[String]) -> String {
    if v.is_empty() {
        "*".into()
    } else {
        v.join(",")
    }
}

fn row(k: &ApiKey) -> Vec<String> {
    vec![
        k.key_id.clone(),
        k.name.clone(),
        k.role.to_string(),
        k.status.to_string(),
        list_or_all(&k.locations),
        list_or_all(&k.products),
        list_or_all(&k.cidrs),
        k.expires_at.map(rfc3339).unwrap_or_else(|| "never".into()),
    ]
}

fn describe(k: &ApiKey) -> anyhow::Result<()> {
    let [
        key_id,
        name,
        role,
        status,
        locations,
        products,
        cidrs,
        expires,
    ] = match row(k).try_into() {
        Ok(cells) => cells,
        Err(_) => return Ok(()),
    };
    outln!("key {key_id} ({name}): {role}, {status}")?;
    outln!("  locations: {locations}")?;
    outln!("  products:  {products}")?;
    outln!("  networks:  {cidrs}")?;
    outln!("  expires:   {expires}")?;
    Ok(())
}

fn print_issued(ctx: &Ctx, issued: &IssuedKey, what: &str) -> anyhow::Result<ExitCode> {
    if ctx.json {
        return output::json(issued);
    }
    describe(&issued.record)?;
    outln!(
        "{what}; the key is shown only now, send it as `Authorization: Bearer KEY` or `X-API-Key: KEY`:"
    )?;
    outln!("{}", issued.key.as_str())?;
    Ok(ExitCode::SUCCESS)
}

fn changed(ctx: &Ctx, k: ApiKey) -> anyhow::Result<ExitCode> {
    if ctx.json {
        return output::json(&k);
    }
    outln!("key {} ({}) is now {}", k.key_id, k.name, k.status)?;
    Ok(ExitCode::SUCCESS)
}
