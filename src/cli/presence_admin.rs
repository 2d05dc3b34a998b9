//! Presence set-up commands, flattened into `location` and `holder`:
//! `location readers|mode|hours|add-presence-token` and `holder enrol`.

use std::process::ExitCode;

use clap::Subcommand;

use super::Ctx;
use super::errors::InputError;
use super::output::{self, opt};
use super::time::now;
use crate::station::presence::admin::SettingsChange;
use crate::station::presence::report::parse_hhmm;
use crate::station::presence::{CredKind, CredentialKey, Mode};
use crate::station::views::KioskSettings;

/// Presence subcommands of `location`.
#[derive(Debug, Subcommand)]
pub enum LocationPresenceCommand {
    /// Show or change the readers a location's kiosk listens to (used by `kiosk`
    /// without --reader).
    #[command(
        after_help = "SPEC is pcsc:READER-NAME, pn532:/dev/PATH, rdm6300:/dev/PATH or hid:/dev/hidrawN.\n\
        Example: tokenstation location readers Lobby --add rdm6300:/dev/ttyUSB0 --add \"pcsc:ACS ACR122U PICC Interface 00 00\""
    )]
    Readers {
        /// Location name.
        name: String,
        /// Add a reader (repeat for more).
        #[arg(long, value_name = "SPEC")]
        add: Vec<String>,
        /// Remove a reader (repeat for more).
        #[arg(long, value_name = "SPEC")]
        remove: Vec<String>,
    },
    /// Show or set what a kiosk requires: `card` (a card or tag tap), `code` (a token
    /// code: SERIAL CODE, or a tap then CODE), `card+code` (a tap, then a code).
    Mode {
        /// Location name.
        name: String,
        /// card, code or card+code (omit to show).
        mode: Option<String>,
        /// Seconds between two accepted events of one holder (soft anti-passback).
        #[arg(long, value_name = "SECONDS")]
        min_interval: Option<i64>,
        /// Seconds in which a repeated tap is folded into the last event.
        #[arg(long, value_name = "SECONDS")]
        fold: Option<i64>,
    },
    /// Set the closing time: everyone still in is checked out automatically at
    /// HH:MM in the location's time zone (while a kiosk runs there).
    #[command(group(clap::ArgGroup::new("which").required(true).args(["close", "clear"])))]
    Hours {
        /// Location name.
        name: String,
        /// Closing time, HH:MM local.
        #[arg(long, value_name = "HH:MM")]
        close: Option<String>,
        /// No closing time.
        #[arg(long)]
        clear: bool,
    },
    /// Bind a TOTP token to a location as a presence token: its codes prove presence
    /// there (`presence submit`, `presence import`).
    AddPresenceToken {
        /// Location name.
        name: String,
        /// Token serial.
        #[arg(long)]
        serial: String,
        /// Product, when the serial exists in several.
        #[arg(long)]
        product: Option<String>,
    },
}

/// Presence subcommands of `holder`.
#[derive(Debug, Subcommand)]
pub enum HolderPresenceCommand {
    /// Enrol a credential that identifies the holder at kiosks: a card UID, an RFID
    /// tag, or one of their tokens. A credential belongs to one holder.
    #[command(after_help = "Examples:\n  \
        tokenstation holder enrol h1 --card 04A1B2C3D4E580\n  \
        tokenstation holder enrol h2 --tag 0011649747     # as printed on the fob / typed by a wedge reader\n  \
        tokenstation holder enrol h2 --tag 0A00B1C2D3     # as an RDM6300 sends it (10 hex digits)\n  \
        tokenstation holder enrol h3 --token C302-0001\n  \
        tokenstation holder enrol h3 --token X1 --product \"Token2 C302-i\"   # a serial in several products")]
    Enrol {
        /// Holder id.
        id: String,
        /// The credential.
        #[command(flatten)]
        cred: CredArgs,
        /// The token's product, when its serial exists in several (with --token).
        #[arg(long)]
        product: Option<String>,
    },
}

/// A credential named on the command line: exactly one of `--card`, `--tag`, `--token`.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct CredArgs {
    /// Card UID (hex, 4/7/10 bytes).
    #[arg(long, value_name = "UID")]
    pub card: Option<String>,
    /// 125 kHz tag: 10 decimal digits, W26 (177,49875) or 10 hex digits.
    #[arg(long, value_name = "ID")]
    pub tag: Option<String>,
    /// One of the holder's tokens, by serial.
    #[arg(long, value_name = "SERIAL")]
    pub token: Option<String>,
}

impl CredArgs {
    /// The credential in its canonical form.
    pub fn key(self) -> anyhow::Result<CredentialKey> {
        Ok(match (self.card, self.tag, self.token) {
            (Some(c), _, _) => CredentialKey::parse_card(&c)?,
            (_, Some(t), _) => CredentialKey::parse_tag(&t)?,
            (_, _, Some(s)) => CredentialKey {
                kind: CredKind::Token,
                value: s,
            },
            _ => return Err(InputError("give --card, --tag or --token".into()).into()),
        })
    }
}

/// A location's kiosk settings in words.
pub fn describe_settings(s: &KioskSettings) -> String {
    format!(
        "mode {}, minimum interval {} s, repeated taps folded within {} s, closing {}",
        s.mode.as_str(),
        s.min_interval,
        s.fold,
        opt(&s
            .close_minute
            .map(|m| format!("{:02}:{:02}", m / 60, m % 60)))
    )
}

/// Runs a presence subcommand of `location`.
pub fn location(ctx: &Ctx, cmd: LocationPresenceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LocationPresenceCommand::Readers { name, add, remove } => {
            let mut st = ctx.open_unlocked()?;
            let now_readers = st.location_readers_set(&name, &add, &remove, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"name": name, "readers": now_readers}));
            }
            if now_readers.is_empty() {
                outln!(
                    "location {name}: no readers (kiosk reads typed codes only, or give --reader)"
                )?;
            }
            for r in now_readers {
                outln!("{r}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        LocationPresenceCommand::Mode {
            name,
            mode,
            min_interval,
            fold,
        } => {
            let mode = mode.map(|m| m.parse::<Mode>()).transpose()?;
            let mut st = ctx.open_unlocked()?;
            let s = if mode.is_none() && min_interval.is_none() && fold.is_none() {
                st.location_presence(&name)?.settings
            } else {
                let change = SettingsChange {
                    mode,
                    min_interval,
                    fold,
                    close_minute: None,
                };
                st.location_presence_set(&name, &change, now())?
            };
            if ctx.json {
                return output::json(&serde_json::json!({"name": name, "settings": s}));
            }
            outln!("location {name}: {}", describe_settings(&s))?;
            Ok(ExitCode::SUCCESS)
        }
        LocationPresenceCommand::Hours { name, close, clear } => {
            let minute = match (&close, clear) {
                (Some(c), _) => Some(parse_hhmm(c)?),
                _ => None,
            };
            let mut st = ctx.open_unlocked()?;
            let change = SettingsChange {
                close_minute: Some(minute),
                ..SettingsChange::default()
            };
            let s = st.location_presence_set(&name, &change, now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"name": name, "settings": s}));
            }
            match close {
                Some(c) => outln!(
                    "location {name}: closes at {c} (local time); open sessions are checked out then"
                )?,
                None => outln!("location {name}: no closing time")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        LocationPresenceCommand::AddPresenceToken {
            name,
            serial,
            product,
        } => {
            let mut st = ctx.open_unlocked()?;
            st.location_add_presence_token(&name, &serial, product.as_deref(), now())?;
            if ctx.json {
                return output::json(&serde_json::json!({"name": name, "presence_token": serial}));
            }
            outln!("location {name}: token {serial} is a presence token here")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs a presence subcommand of `holder`.
pub fn holder(ctx: &Ctx, cmd: HolderPresenceCommand) -> anyhow::Result<ExitCode> {
    let HolderPresenceCommand::Enrol { id, cred, product } = cmd;
    if product.is_some() && cred.token.is_none() {
        return Err(InputError("--product names the product of --token SERIAL".into()).into());
    }
    let cred = cred.key()?;
    let mut st = ctx.open_unlocked()?;
    let e = st.holder_enrol_in(&id, &cred, product.as_deref(), now())?;
    if ctx.json {
        return output::json(&e);
    }
    let c = &e.credential;
    if e.already_enrolled {
        errln!(
            "note: holder {id} already has {} {} (nothing changed)",
            c.kind,
            c.value
        );
    } else {
        outln!("holder {id}: enrolled {} {}", c.kind, c.value)?;
    }
    Ok(ExitCode::SUCCESS)
}
