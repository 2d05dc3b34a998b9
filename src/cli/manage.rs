//! Taking things back: `holder rm|edit|unenrol`, `location rm`, `token unassign`
//! (the rules are [`crate::station::manage`]'s).

use std::process::ExitCode;

use clap::{ArgGroup, Subcommand};

use super::Ctx;
use super::output;
use super::time::now;
use super::token::Which;
use crate::station::manage::{HolderEdit, Removed, Unassign};

/// Removing and editing holders.
#[derive(Debug, Subcommand)]
pub enum HolderManageCommand {
    /// Remove a holder and their credentials (tokens they hold need --force: the
    /// tokens stay, without a holder).
    Rm {
        /// Holder id.
        id: String,
        /// Also when they hold tokens.
        #[arg(long)]
        force: bool,
    },
    /// Change a holder's id or label.
    #[command(group(ArgGroup::new("change").required(true).multiple(true).args(["new_id", "label", "clear_label"])))]
    Edit {
        /// Holder id.
        id: String,
        /// New id.
        #[arg(long, value_name = "ID")]
        new_id: Option<String>,
        /// New label.
        #[arg(long, conflicts_with = "clear_label")]
        label: Option<String>,
        /// Remove the label.
        #[arg(long)]
        clear_label: bool,
    },
    /// Remove one credential of a holder (in any notation `holder enrol` takes).
    Unenrol {
        /// Holder id.
        id: String,
        /// The credential.
        #[command(flatten)]
        cred: super::presence_admin::CredArgs,
    },
}

/// Removing locations.
#[derive(Debug, Subcommand)]
pub enum LocationManageCommand {
    /// Remove a location with its kiosk settings, readers and presence tokens (one
    /// with assigned tokens or presence events needs --force; the events go with it).
    Rm {
        /// Location name.
        name: String,
        /// Also when tokens are assigned or presence was recorded there.
        #[arg(long)]
        force: bool,
    },
}

/// `token unassign` options.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("from").required(true).args(["location", "all_locations", "holder"])))]
pub struct UnassignArgs {
    /// Token.
    #[command(flatten)]
    pub which: Which,
    /// Take it off this location.
    #[arg(long)]
    pub location: Option<String>,
    /// Undo `--all-locations`.
    #[arg(long)]
    pub all_locations: bool,
    /// Take it from its holder.
    #[arg(long)]
    pub holder: bool,
}

fn removed(ctx: &Ctx, r: &Removed) -> anyhow::Result<ExitCode> {
    if ctx.json {
        return output::json(r);
    }
    let mut line = format!("removed {}", r.removed);
    if !r.tokens.is_empty() {
        line.push_str(&format!(
            "; {} {} released: {}",
            r.tokens.len(),
            if r.tokens.len() == 1 {
                "token"
            } else {
                "tokens"
            },
            r.tokens.join(", ")
        ));
    }
    if r.events > 0 {
        let s = if r.events == 1 { "" } else { "s" };
        line.push_str(&format!("; {} presence event{s} deleted", r.events));
    }
    outln!("{line}")?;
    Ok(ExitCode::SUCCESS)
}

/// Runs a holder management command.
pub fn holder(ctx: &Ctx, cmd: HolderManageCommand) -> anyhow::Result<ExitCode> {
    let mut st = ctx.open_unlocked()?;
    match cmd {
        HolderManageCommand::Rm { id, force } => {
            let r = st.holder_remove(&id, force, now())?;
            removed(ctx, &r)
        }
        HolderManageCommand::Edit {
            id,
            new_id,
            label,
            clear_label,
        } => {
            let edit = HolderEdit {
                id: new_id,
                label: if clear_label {
                    Some(None)
                } else {
                    label.map(Some)
                },
            };
            let h = st.holder_edit(&id, &edit, now())?;
            if ctx.json {
                return output::json(&h);
            }
            outln!(
                "holder {}: label {}",
                h.ext_id,
                h.label.as_deref().unwrap_or("-")
            )?;
            Ok(ExitCode::SUCCESS)
        }
        HolderManageCommand::Unenrol { id, cred } => {
            let cred = cred.key()?;
            st.holder_unenrol(&id, &cred, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({
                    "holder": id, "kind": cred.kind.as_str(), "value": cred.value,
                }));
            }
            outln!("holder {id}: removed {cred}")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs a location management command.
pub fn location(ctx: &Ctx, cmd: LocationManageCommand) -> anyhow::Result<ExitCode> {
    let LocationManageCommand::Rm { name, force } = cmd;
    let r = ctx.open_unlocked()?.location_remove(&name, force, now())?;
    removed(ctx, &r)
}

/// Runs `token unassign`.
pub fn unassign(ctx: &Ctx, a: UnassignArgs) -> anyhow::Result<ExitCode> {
    let what = match (a.location, a.all_locations) {
        (Some(l), _) => Unassign::Location(l),
        (None, true) => Unassign::AllLocations,
        (None, false) => Unassign::Holder,
    };
    let mut st = ctx.open_unlocked()?;
    let t = st.token_unassign(&a.which.serial, a.which.product.as_deref(), &what, now())?;
    super::token_show::show(ctx, &st, t)
}
