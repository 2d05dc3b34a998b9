//! Typed hints: what a person can do about a [`StationError`], below the faces. Each
//! face words a hint in its own terms: the CLI as an option or a command to run, a TUI
//! as a key or a screen, an API as a field. Nothing here is worded.

use super::error::StationError;
use crate::devices::DeviceError;
use crate::devices::session::{Credential, DeviceHint};
use crate::seeds::{ImportError, KeySource as PskcSecret};
use crate::store::{StoreError, Thing};

/// A list a person can look at to find the right name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// The tokens.
    Tokens,
    /// The products.
    Products,
    /// The holders.
    Holders,
    /// The locations.
    Locations,
    /// The API keys.
    ApiKeys,
}

/// What a forced retry would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForceTo {
    /// Overwrite an occupied slot on the device.
    OverwriteSlot,
    /// Burn the seed of an active token again.
    Reburn,
    /// Burn a new seed under a serial already in use.
    NewSeed,
    /// Write a token clock although the host clock is not synchronised.
    UnsyncedHostClock,
    /// Void the unused backup codes and make a new set.
    ReplaceBackupCodes,
    /// Remove a holder and release their tokens (kept, without a holder).
    ReleaseTokens,
    /// Remove a location with its assignments and presence events.
    DropLocation,
}

/// What a person can do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// Create the store first (it does not exist).
    CreateStore,
    /// Move the damaged store away and create a new one.
    RecreateStore,
    /// Look at a list for the right name.
    See(Listing),
    /// Name the product (the serial exists in several, or the file's parameters do not
    /// match an existing product).
    NameProduct,
    /// Name the product of a new seed.
    GiveProduct,
    /// Retry, forced.
    Force(ForceTo),
    /// Retire the token instead, or force its removal.
    RetireOrForce,
    /// Activate the token with its first code.
    ActivateWithCode {
        /// The token.
        serial: String,
    },
    /// Give the serial (the device reports none).
    GiveSerial,
    /// Mark the product programmable.
    MakeProgrammable {
        /// The product.
        product: String,
    },
    /// Assign the token to the holder first.
    AssignToken,
    /// Look at the location's readers.
    SeeReaders {
        /// The location.
        location: String,
    },
    /// Bind a presence token to the location.
    AddPresenceToken,
    /// Give a reader, or configure the location's readers.
    GiveReader {
        /// The location.
        location: String,
    },
    /// Narrow the time range or name a location.
    NarrowLookup,
    /// Give the store's key (it is locked).
    Unlock,
    /// Give the store's passphrase.
    GivePassphrase,
    /// Give the key file instead of a passphrase.
    GiveKeyFile,
    /// Use the key file created with the store.
    UseMatchingKeyFile,
    /// Say where the key file is.
    LocateKeyFile,
    /// Give a secret the device needs.
    Give(Credential),
    /// Name the reader the token is in.
    GiveTokenReader,
    /// Confirm the change beforehand (nobody could be asked).
    Confirm,
    /// Give (or check) the secret that opens a PSKC file.
    PskcSecret(PskcSecret),
    /// Make the key file private to its owner (mode 0600).
    PrivateKeyFile {
        /// The key file.
        path: std::path::PathBuf,
    },
    /// Check the audit log to find what was changed; restore the store from a backup.
    VerifyAudit,
    /// Check the audit log; when its chain is intact, restore its triggers.
    VerifyAuditTriggers,
}

/// The hint of a store error.
fn of_store(e: &StoreError) -> Option<Hint> {
    match e {
        StoreError::Missing(_) => Some(Hint::CreateStore),
        StoreError::AuditTriggers { .. } => Some(Hint::VerifyAuditTriggers),
        StoreError::NotFound(t) => match t {
            Thing::Product(_) => Some(Hint::See(Listing::Products)),
            Thing::Holder(_) => Some(Hint::See(Listing::Holders)),
            Thing::Location(_) => Some(Hint::See(Listing::Locations)),
            Thing::ApiKey(_) => Some(Hint::See(Listing::ApiKeys)),
            _ => None,
        },
        _ => None,
    }
}

/// The hint of a seed-file error.
pub fn of_import(e: &ImportError) -> Option<Hint> {
    match e {
        ImportError::KeyNeeded { key, .. } | ImportError::WrongKey { key, .. } => {
            Some(Hint::PskcSecret(*key))
        }
        _ => None,
    }
}

/// The hint of a device error.
pub fn of_device(e: &DeviceError) -> Option<Hint> {
    match e.hint()? {
        DeviceHint::Overwrite => Some(Hint::Force(ForceTo::OverwriteSlot)),
        DeviceHint::Give(c) => Some(Hint::Give(c)),
    }
}

/// The hint of a station error (see [`StationError::hint`]).
pub(super) fn of(e: &StationError) -> Option<Hint> {
    use StationError as E;
    Some(match e {
        E::Store(s) => return of_store(s),
        E::Device(d) => return of_device(d),
        E::Import { source, .. } => return of_import(source),
        E::AtLine { source, .. } => return source.hint(),
        E::UnknownToken { .. } => Hint::See(Listing::Tokens),
        E::AmbiguousSerial { .. } => Hint::NameProduct,
        E::StatusChange {
            serial,
            from: crate::model::TokenStatus::Unverified,
            to: crate::model::TokenStatus::Active,
        } => Hint::ActivateWithCode {
            serial: serial.clone(),
        },
        E::RemoveActive(_) => Hint::RetireOrForce,
        E::NoDeviceSerial { .. } => Hint::GiveSerial,
        E::ProductNotProgrammable(p) => Hint::MakeProgrammable { product: p.clone() },
        E::AlreadyActive(_) => Hint::Force(ForceTo::Reburn),
        E::ProductNeeded => Hint::GiveProduct,
        E::TokenExists { .. } => Hint::Force(ForceTo::NewSeed),
        E::CredentialNeeded { credential, .. } => Hint::Give(*credential),
        E::NotConfirmed { .. } => Hint::Confirm,
        E::HeldByOther { .. } => Hint::AssignToken,
        E::BackupCodesExist { .. } => Hint::Force(ForceTo::ReplaceBackupCodes),
        E::HolderHoldsTokens { .. } => Hint::Force(ForceTo::ReleaseTokens),
        E::LocationInUse { .. } => Hint::Force(ForceTo::DropLocation),
        E::NoSuchReader { location, .. } => Hint::SeeReaders {
            location: location.clone(),
        },
        E::NoPresenceToken(_) => Hint::AddPresenceToken,
        E::NothingToListen(location) => Hint::GiveReader {
            location: location.clone(),
        },
        E::LookupTooLarge(_) => Hint::NarrowLookup,
        E::HostClockUnsynced { .. } => Hint::Force(ForceTo::UnsyncedHostClock),
        E::ReaderNeeded { .. } => Hint::GiveTokenReader,
        E::UnknownTokenInReader { .. } => Hint::See(Listing::Tokens),
        E::Locked => Hint::Unlock,
        E::NeedsPassphrase => Hint::GivePassphrase,
        E::NeedsKeyFile => Hint::GiveKeyFile,
        E::WrongKeyFile(_) => Hint::UseMatchingKeyFile,
        E::KeyFileUnreadable { .. } => Hint::LocateKeyFile,
        E::NoVaultHeader(_) => Hint::RecreateStore,
        E::KeyFilePermissions { path, .. } => Hint::PrivateKeyFile { path: path.clone() },
        E::AuditTampered(_) => Hint::VerifyAudit,
        _ => return None,
    })
}
