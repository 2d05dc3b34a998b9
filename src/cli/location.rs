//! `location` commands: add, list, show, restrict, unlock, and the presence set-up
//! (readers, mode, hours, presence tokens) flattened in from `presence_admin`.

use std::process::ExitCode;

use clap::Subcommand;

use super::Ctx;
use super::output::{self, table};
use super::time::{now, rfc3339};

/// `location` subcommands.
#[derive(Debug, Subcommand)]
pub enum LocationCommand {
    /// Add a location.
    Add {
        /// Unique name.
        name: String,
        /// IANA time zone, e.g. Europe/Paris.
        #[arg(long, default_value = "UTC")]
        tz: String,
    },
    /// List locations.
    List,
    /// Show one location: its policy, kiosk settings, readers and presence tokens.
    Show {
        /// Location name.
        name: String,
    },
    /// Let only some products verify at a location (`--clear` for all again).
    #[command(group(clap::ArgGroup::new("which").required(true).args(["product", "clear"])))]
    Restrict {
        /// Location name.
        name: String,
        /// An allowed product (repeat for more).
        #[arg(long)]
        product: Vec<String>,
        /// Allow every product again.
        #[arg(long)]
        clear: bool,
    },
    /// Clear a location's failure count and cooldown after LIMIT_REACHED.
    Unlock {
        /// Location name.
        name: String,
    },
    /// Presence: readers, mode, hours, presence tokens.
    #[command(flatten)]
    Presence(super::presence_admin::LocationPresenceCommand),
    /// Removing.
    #[command(flatten)]
    Manage(super::manage::LocationManageCommand),
}

fn list_or_dash(v: &[String], none: &str) -> String {
    if v.is_empty() {
        none.to_string()
    } else {
        v.join(", ")
    }
}

/// Runs a `location` subcommand.
pub fn run(ctx: &Ctx, cmd: LocationCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LocationCommand::Presence(c) => super::presence_admin::location(ctx, c),
        LocationCommand::Manage(c) => super::manage::location(ctx, c),
        LocationCommand::Add { name, tz } => {
            let mut st = ctx.open_unlocked()?;
            let l = st.location_add(&name, &tz, now())?;
            if ctx.json {
                return output::json(&l);
            }
            outln!("added location {} ({})", l.name, l.tz)?;
            Ok(ExitCode::SUCCESS)
        }
        LocationCommand::List => {
            let list = ctx.open_read()?.location_rows()?;
            if ctx.json {
                return output::json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|r| {
                    vec![
                        r.location.name.clone(),
                        r.location.tz.clone(),
                        r.tokens.to_string(),
                    ]
                })
                .collect();
            table(&["NAME", "TZ", "TOKENS"], &rows)?;
            Ok(ExitCode::SUCCESS)
        }
        LocationCommand::Show { name } => {
            let l = ctx.open_read()?.location_detail(&name)?;
            if ctx.json {
                return output::json(&l);
            }
            outln!("location  {}", l.name)?;
            outln!("tz        {}", l.tz)?;
            outln!("products  {}", list_or_dash(&l.products, "all"))?;
            outln!("created   {}", rfc3339(l.created_at))?;
            outln!("tokens    {}", l.tokens.join(", "))?;
            outln!(
                "kiosk     {}",
                super::presence_admin::describe_settings(&l.settings)
            )?;
            outln!("readers   {}", list_or_dash(&l.readers, "-"))?;
            outln!("presence  {}", list_or_dash(&l.presence_tokens, "-"))?;
            Ok(ExitCode::SUCCESS)
        }
        LocationCommand::Restrict {
            name,
            product,
            clear,
        } => {
            let mut st = ctx.open_unlocked()?;
            let products = if clear { Vec::new() } else { product };
            let now_allowed = st.location_restrict(&name, &products, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"name": name, "products": now_allowed}));
            }
            if now_allowed.is_empty() {
                outln!("location {name}: every product verifies here")?;
            } else {
                outln!(
                    "location {name}: only {} verify here",
                    now_allowed.join(", ")
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        LocationCommand::Unlock { name } => {
            let mut st = ctx.open_unlocked()?;
            let cleared = st.location_unlock(&name, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"name": name, "cleared": cleared}));
            }
            let what = if cleared {
                "failure count and cooldown cleared"
            } else {
                "was not limited"
            };
            outln!("location {name}: {what}")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
