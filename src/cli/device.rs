//! `tokenstation device`: what a token on the bench holds, and managing it — info,
//! list, delete, rename, factory reset (issue 13). The station does the work as jobs
//! ([`crate::station::device::job`]); this face parses the options, answers the job's
//! questions on the terminal (PINs, confirmations), says when to touch the token or
//! press its button, and prints the result (`device_show`).

use std::process::ExitCode;

use super::Ctx;
use super::ask::{Asking, drive};
use super::device_show as show;
use super::errors::InputError;
use super::reader_args::ReaderArgs;
use crate::devices::SlotRef;
use crate::station::device::job::{self, DeviceJob, DeviceOrder};
use crate::station::device::{ChangeOptions, DeviceEvent};

/// `device` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum DeviceCommand {
    /// Family, model, firmware, serial and clock (with its offset from this host) of
    /// the token in a reader.
    #[command(after_help = "Example:\n  tokenstation device info --reader \"Virtual PCD 00 00\"")]
    Info {
        /// The token.
        #[command(flatten)]
        token: ReaderArgs,
    },
    /// What the token holds: OATH credentials (name, type, period, touch), Molto2
    /// profiles (title, parameters), Nitrokey slots (name, kind), each with the
    /// registered token whose seed it holds.
    #[command(after_help = "Examples:\n  \
        tokenstation device list --reader \"Virtual PCD 00 00\"\n  \
        tokenstation device list --reader \"Virtual PCD 00 00\" --family molto2 --all --json")]
    List {
        /// The token.
        #[command(flatten)]
        token: ReaderArgs,
        /// Also list empty profiles and slots.
        #[arg(long)]
        all: bool,
    },
    /// Delete one credential (by name) or profile or slot (by name or `--slot N`, the
    /// number `device list` shows). A registered token whose seed it holds is retired,
    /// after a confirmation.
    #[command(after_help = "Examples:\n  \
        tokenstation device delete --reader \"Virtual PCD 00 00\" \"ACME:YK-0001\"\n  \
        tokenstation device delete --reader \"Virtual PCD 00 00\" --family molto2 --slot 9 --yes")]
    Delete {
        /// The token and what on it.
        #[command(flatten)]
        target: Target,
        /// Confirm beforehand (scripts): retire the registered token it holds without
        /// asking.
        #[arg(long)]
        yes: bool,
    },
    /// Rename one credential, profile or slot, where the family can (YubiKey firmware
    /// 5.3.1 and newer, Molto2, Nitrokey Pro / Storage).
    #[command(after_help = "Example:\n  \
        tokenstation device rename --reader \"Virtual PCD 00 00\" \"ACME:YK-0001\" --to \"ACME:desk-1\"")]
    Rename {
        /// The token and what on it.
        #[command(flatten)]
        target: Target,
        /// The new name.
        #[arg(long, value_name = "NEW")]
        to: String,
        /// Send a Molto2 key even with one try left (a wrong key locks the device).
        #[arg(long)]
        yes: bool,
    },
    /// Factory-reset the token, where the family has a reset: asks first, then waits
    /// for the touch or button press the device wants; the registered tokens it held
    /// are retired.
    #[command(after_help = "Example:\n  \
        tokenstation device reset --reader \"Virtual PCD 00 00\" --family molto2")]
    Reset {
        /// The token.
        #[command(flatten)]
        token: ReaderArgs,
        /// Confirm beforehand (scripts).
        #[arg(long)]
        yes: bool,
    },
}

/// A token, and one credential, profile or slot on it.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The token.
    #[command(flatten)]
    token: ReaderArgs,
    /// The credential, profile title or slot name.
    #[arg(required_unless_present = "slot", conflicts_with = "slot")]
    name: Option<String>,
    /// The profile or slot number.
    #[arg(long)]
    slot: Option<u16>,
}

impl Target {
    fn which(&self) -> anyhow::Result<SlotRef> {
        match (&self.name, self.slot) {
            (_, Some(n)) => Ok(SlotRef::Slot(n)),
            (Some(n), None) => Ok(SlotRef::Name(n.clone())),
            (None, None) => Err(InputError("give the NAME or --slot N".into()).into()),
        }
    }
}

fn order(token: &ReaderArgs) -> anyhow::Result<DeviceOrder> {
    Ok(DeviceOrder {
        reader: token.spec()?,
        device: token.device_options()?,
    })
}

/// Runs a job on this terminal, saying when the device waits for a touch or ▲.
fn run_job<R>(job: DeviceJob<R>) -> anyhow::Result<R> {
    let (_st, out) = drive(job, Asking::Stdin, |e| match e {
        DeviceEvent::Touch { reader, operation } => {
            errln!("touch the token in {reader} now to confirm the {operation}")
        }
        DeviceEvent::PressButton { reader, operation } => {
            errln!("press the button (▲) on the device in {reader} to confirm the {operation}")
        }
    })?;
    Ok(out?)
}

/// Runs a `device` subcommand.
pub fn run(ctx: &Ctx, cmd: DeviceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DeviceCommand::Info { token } => {
            let view = run_job(job::info(ctx.open_read()?, order(&token)?)?)?;
            show::info(ctx, &view)
        }
        DeviceCommand::List { token, all } => {
            let view = run_job(job::list(ctx.open_read()?, order(&token)?)?)?;
            show::list(ctx, &view, all)
        }
        DeviceCommand::Delete { target, yes } => {
            let opts = ChangeOptions {
                yes,
                wait: target.token.wait(),
            };
            let (which, order) = (target.which()?, order(&target.token)?);
            let done = run_job(job::delete(ctx.open_unlocked()?, order, which, opts)?)?;
            show::deleted(ctx, &done)
        }
        DeviceCommand::Rename { target, to, yes } => {
            let (which, order) = (target.which()?, order(&target.token)?);
            let done = run_job(job::rename(ctx.open_unlocked()?, order, which, to, yes)?)?;
            show::renamed(ctx, &done)
        }
        DeviceCommand::Reset { token, yes } => {
            let opts = ChangeOptions {
                yes,
                wait: token.wait(),
            };
            let order = order(&token)?;
            let done = run_job(job::reset(ctx.open_unlocked()?, order, opts)?)?;
            show::reset(ctx, &done)
        }
    }
}
