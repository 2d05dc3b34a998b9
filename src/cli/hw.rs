//! `tokenstation hw list` and `tokenstation hw watch`: what hardware is attached, and
//! what changes as it happens.

pub mod list;
pub mod watch;

use std::process::ExitCode;
use std::time::Duration;

/// `hw` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum HwCommand {
    /// List PC/SC readers with their cards (ATR, UID, family), known USB tokens and
    /// readers, HID interfaces of known tokens, and serial ports.
    ///
    /// Each part is listed on its own: a missing pcscd or USB host is reported with
    /// what to install or start, and the other parts are still listed.
    #[command(
        after_help = "Examples:\n  tokenstation hw list\n  tokenstation hw list --json\n  tokenstation hw list --serial /dev/ttyUSB0=rdm6300"
    )]
    List {
        /// Print one JSON object (stable field names) instead of text.
        #[arg(long)]
        json: bool,
        /// Also list USB devices the registry does not know.
        #[arg(long)]
        all_usb: bool,
        /// A serial reader configured by path: `PATH[=FAMILY]` or `FAMILY:PATH`
        /// (pseudo-terminals and some adapters are never enumerated). Repeatable.
        #[arg(long = "serial", value_name = "PATH[=FAMILY]")]
        serial: Vec<String>,
    },
    /// Print reader and card insert/remove and USB hotplug events as they happen,
    /// until Ctrl-C.
    ///
    /// PC/SC changes come from pcscd (`SCardGetStatusChange` with the
    /// `\\?PnP?\Notification` reader), USB changes from libusb hotplug callbacks.
    Watch {
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
        /// Also report the readers and cards present at start.
        #[arg(long)]
        initial: bool,
        /// Stop after this many events (for scripts).
        #[arg(long, value_name = "N")]
        max_events: Option<usize>,
        /// Stop after this many seconds (for scripts).
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<u64>,
    },
}

/// Runs an `hw` subcommand.
pub fn run(cmd: HwCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        HwCommand::List {
            json,
            all_usb,
            serial,
        } => list::list(json, all_usb, &serial),
        HwCommand::Watch {
            json,
            initial,
            max_events,
            timeout,
        } => watch::watch(json, initial, max_events, timeout.map(Duration::from_secs)),
    }
}
