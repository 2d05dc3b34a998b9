//! `holder` commands: add, list, show (tokens and credentials), and `enrol` flattened
//! in from `presence_admin`.

use std::process::ExitCode;

use clap::Subcommand;

use super::Ctx;
use super::output::{self, opt, table};
use super::time::now;

/// `holder` subcommands.
#[derive(Debug, Subcommand)]
pub enum HolderCommand {
    /// Add a holder.
    Add {
        /// Opaque external id (badge number, employee id…).
        id: String,
        /// Display label.
        #[arg(long)]
        label: Option<String>,
    },
    /// List holders.
    List,
    /// Show one holder with their tokens and enrolled credentials.
    Show {
        /// Holder id.
        id: String,
    },
    /// Kiosk credentials.
    #[command(flatten)]
    Presence(super::presence_admin::HolderPresenceCommand),
    /// Removing and editing.
    #[command(flatten)]
    Manage(super::manage::HolderManageCommand),
}

/// Runs a `holder` subcommand.
pub fn run(ctx: &Ctx, cmd: HolderCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        HolderCommand::Presence(c) => super::presence_admin::holder(ctx, c),
        HolderCommand::Manage(c) => super::manage::holder(ctx, c),
        HolderCommand::Add { id, label } => {
            let mut st = ctx.open_unlocked()?;
            let h = st.holder_add(&id, label.as_deref(), now())?;
            if ctx.json {
                return output::json(&h);
            }
            outln!("added holder {}", h.ext_id)?;
            Ok(ExitCode::SUCCESS)
        }
        HolderCommand::List => {
            let list = ctx.open_read()?.holders()?;
            if ctx.json {
                return output::json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|h| vec![h.ext_id.clone(), opt(&h.label)])
                .collect();
            table(&["ID", "LABEL"], &rows)?;
            Ok(ExitCode::SUCCESS)
        }
        HolderCommand::Show { id } => {
            let h = ctx.open_read()?.holder_detail(&id)?;
            if ctx.json {
                return output::json(&h);
            }
            outln!("holder   {}", h.id)?;
            outln!("label    {}", opt(&h.label))?;
            outln!("tokens   {}", h.tokens.join(", "))?;
            let creds: Vec<String> = h
                .credentials
                .iter()
                .map(|c| format!("{} {}", c.kind, c.value))
                .collect();
            outln!(
                "enrolled {}",
                if creds.is_empty() {
                    "-".to_string()
                } else {
                    creds.join(", ")
                }
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
