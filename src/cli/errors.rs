//! Errors as the CLI shows them: one line naming the thing, with the station's typed
//! hint worded as this face's options, commands and environment variables, and the
//! documented exit code (0 ok, 1 rejected, 2 input, 3 store or key, 4 hardware, 130
//! interrupted).

use super::{EXIT_HARDWARE, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_REJECTED, EXIT_STORE};
use crate::devices::DeviceError;
use crate::devices::error::Credential;
use crate::seeds::{ImportError, KeySource};
use crate::station::hint::{self, ForceTo, Listing};
use crate::station::{ErrorClass, Hint, StationError};

/// An input problem found in the CLI itself (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// The CLI's words for a hint, to append to the message it follows.
pub fn words(h: &Hint) -> String {
    use Hint as H;
    match h {
        H::CreateStore => ": run `tokenstation init` first (or pass --db)".into(),
        H::RecreateStore => "; move it away and run `tokenstation init` again".into(),
        H::See(l) => format!(
            " (see `tokenstation {} list`)",
            match l {
                Listing::Tokens => "token",
                Listing::Products => "product",
                Listing::Holders => "holder",
                Listing::Locations => "location",
                Listing::ApiKeys => "key",
            }
        ),
        H::NameProduct => ": pass --product".into(),
        H::GiveProduct => ": give --product (or --from-store SERIAL)".into(),
        H::Force(ForceTo::OverwriteSlot) => {
            ": pass --force to overwrite it, or delete it first (`tokenstation device delete --reader READER --slot N`)".into()
        }
        H::Force(ForceTo::ReplaceBackupCodes) => {
            ": pass --replace to void them and make a new set".into()
        }
        H::Force(ForceTo::ReleaseTokens) => {
            ": pass --force to remove the holder and keep the tokens without a holder".into()
        }
        H::Force(ForceTo::DropLocation) => {
            ": pass --force to remove it with its assignments and presence events".into()
        }
        H::Force(ForceTo::Reburn) => ": pass --force to burn its seed again".into(),
        H::Force(ForceTo::NewSeed) => ": pass --force to burn a new seed".into(),
        H::Force(ForceTo::UnsyncedHostClock) => {
            ": synchronise it first (chrony, systemd-timesyncd, ntpd) or pass --force".into()
        }
        H::GiveTokenReader => ": give --reader with the reader the token is in".into(),
        H::RetireOrForce => ": retire it (`token retire`) or pass --force to delete it".into(),
        H::ActivateWithCode { serial } => format!(": tokenstation token activate {serial} CODE"),
        H::GiveSerial => ": give --serial (or --serial-prefix in batch mode)".into(),
        H::MakeProgrammable { product } => {
            format!(": `tokenstation product edit '{product}' --programmable true`")
        }
        H::AssignToken => " (see `tokenstation token assign`)".into(),
        H::SeeReaders { location } => {
            format!(" (see `tokenstation location readers {location}`)")
        }
        H::AddPresenceToken => " (see `tokenstation location add-presence-token`)".into(),
        H::GiveReader { location } => format!(
            ": give --reader SPEC, configure `location readers {location} --add SPEC`, or drop --no-stdin"
        ),
        H::NarrowLookup => ": narrow --from/--to or give --location".into(),
        H::Unlock => ": give its key file or passphrase".into(),
        H::GivePassphrase => {
            ": set TOKENSTATION_PASSPHRASE or run in a terminal to be asked".into()
        }
        H::GiveKeyFile => ": pass --key-file or unset TOKENSTATION_PASSPHRASE".into(),
        H::UseMatchingKeyFile => ": use the key file created with it (--key-file)".into(),
        H::LocateKeyFile => " (pass --key-file or set TOKENSTATION_KEY_FILE)".into(),
        H::Give(c) => format!(" ({})", secret_option(*c)),
        H::Confirm => ": pass --yes to confirm it without a question".into(),
        H::PskcSecret(k) => format!(" with {}", pskc_option(*k)),
        H::PrivateKeyFile { path } => format!(": run `chmod 600 {}`", path.display()),
        H::VerifyAudit => {
            "; run `tokenstation audit verify` to see what changed, and restore the store from a backup".into()
        }
        H::VerifyAuditTriggers => "; run `tokenstation audit verify`: if the chain is intact, `tokenstation audit verify --restore-triggers` restores them, else restore the store from a backup".into(),
    }
}

/// Where the CLI takes a device secret from.
pub fn secret_option(c: Credential) -> &'static str {
    match c {
        Credential::AdminPin => "TOKENSTATION_ADMIN_PIN, --admin-pin-file or --admin-pin (asks)",
        Credential::OathAccessCode => {
            "TOKENSTATION_OATH_PASSWORD, --oath-password-file or --oath-password (asks)"
        }
        Credential::UserPin => "TOKENSTATION_USER_PIN, or type it when asked",
        Credential::AdminSession => "authenticate as admin first",
    }
}

fn pskc_option(k: KeySource) -> &'static str {
    match k {
        KeySource::PreSharedKey => {
            "--transport-key (asked), TOKENSTATION_PSKC_KEY or --transport-key-file PATH"
        }
        KeySource::Password => {
            "--password (asked), TOKENSTATION_PSKC_PASSWORD or --password-file PATH"
        }
    }
}

/// A station error as this face says it.
pub fn station_message(e: &StationError) -> String {
    match e {
        StationError::EmptyPeriod { from, to } => {
            format!("the period is empty: --from ({from}) is not before --to ({to})")
        }
        StationError::CredentialNeeded { device, credential } => format!(
            "{device} needs {credential}: give {} (no terminal to ask on)",
            secret_option(*credential)
        ),
        StationError::NotHex(crate::station::error::Field::Molto2Key) => {
            "--molto2-key is not hex".into()
        }
        StationError::NotHex(crate::station::error::Field::PskcKey) => "--key is not hex".into(),
        StationError::FamilyNotOnReader { family, reader } => {
            format!("--family {family} cannot be reached through {reader}")
        }
        StationError::Import { file, source } => format!("{file}: {}", import_message(source)),
        StationError::AtLine { file, line, source } => {
            format!("{file} line {line}: {}", station_message(source))
        }
        _ => {
            let mut s = e.to_string();
            if let Some(h) = e.hint() {
                s.push_str(&words(&h));
            }
            s
        }
    }
}

/// A seed-file error as this face says it.
pub fn import_message(e: &ImportError) -> String {
    let mut s = e.to_string();
    if let Some(Hint::PskcSecret(k)) = hint::of_import(e) {
        s.push_str(&format!(" with {}", pskc_option(k)));
    }
    s
}

/// A device error as this face says it.
pub fn device_message(e: &DeviceError) -> String {
    let mut s = e.to_string();
    if let Some(h) = hint::of_device(e) {
        s.push_str(&words(&h));
    }
    s
}

/// Longest error line printed, in characters: a message quotes what it was given
/// (a 70,000-character serial stays one short line).
pub const ERROR_MAX_CHARS: usize = 1000;

/// The one line printed for an error: its context, then the typed error worded here;
/// control characters of quoted input escaped, cut to [`ERROR_MAX_CHARS`].
pub fn message(e: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in e.chain() {
        if let Some(se) = cause.downcast_ref::<StationError>() {
            parts.push(station_message(se));
            break;
        }
        if let Some(ie) = cause.downcast_ref::<ImportError>() {
            parts.push(import_message(ie));
            break;
        }
        if let Some(de) = cause.downcast_ref::<DeviceError>() {
            parts.push(device_message(de));
            break;
        }
        parts.push(cause.to_string());
    }
    crate::model::display_safe(&parts.join(": "), ERROR_MAX_CHARS).into_owned()
}

/// The exit code of an error class.
pub fn exit_code_of(class: ErrorClass) -> u8 {
    match class {
        ErrorClass::Input => EXIT_INPUT,
        ErrorClass::Store => EXIT_STORE,
        ErrorClass::Hardware => EXIT_HARDWARE,
        ErrorClass::Rejected => EXIT_REJECTED,
        ErrorClass::Interrupted => EXIT_INTERRUPTED,
    }
}

/// Maps an error to the documented exit codes.
pub fn exit_code_for(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if let Some(s) = cause.downcast_ref::<StationError>() {
            return exit_code_of(s.class());
        }
        if cause
            .downcast_ref::<crate::transport::LinkError>()
            .is_some()
            || cause.downcast_ref::<DeviceError>().is_some()
        {
            return EXIT_HARDWARE;
        }
        if cause.downcast_ref::<InputError>().is_some()
            || cause.downcast_ref::<ImportError>().is_some()
            || cause.downcast_ref::<crate::seeds::ExportError>().is_some()
            || cause.downcast_ref::<crate::otp::OtpError>().is_some()
            || cause
                .downcast_ref::<crate::station::time::TimeError>()
                .is_some()
        {
            return EXIT_INPUT;
        }
    }
    EXIT_STORE
}
