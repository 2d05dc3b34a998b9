//! How a face treats a station error: its class (exit codes, batch triage), its hint,
//! and a cloneable report for events and summaries.

use std::fmt;

use super::{OfflineError, StationError};
use crate::station::hint::Hint;
use crate::store::StoreError;

/// What kind of failure an error is: for exit codes and for deciding whether a batch
/// goes on after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The caller's input breaks a rule: the same input fails again.
    Input,
    /// The store or the key failed.
    Store,
    /// A token or reader failed.
    Hardware,
    /// A code or proof was rejected.
    Rejected,
    /// The work was cancelled.
    Interrupted,
}

/// What an input error refuses, for faces that answer with a kind of refusal (the API's
/// 404 and 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The thing named does not exist.
    NotFound,
    /// A thing with that name or key already exists.
    Exists,
    /// The thing's state does not allow it (life cycle, tokens still in use…).
    Conflict,
}

/// An error as a face shows it later: its message, hint and class (errors themselves
/// are not `Clone`; reports travel in events and summaries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    /// The message (without the hint).
    pub message: String,
    /// What to do next.
    pub hint: Option<Hint>,
    /// What kind of failure.
    pub class: ErrorClass,
}

impl fmt::Display for ErrorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StationError {
    /// The message, hint and class, to keep or send.
    pub fn report(&self) -> ErrorReport {
        ErrorReport {
            message: self.to_string(),
            hint: self.hint(),
            class: self.class(),
        }
    }

    /// What kind of failure this is.
    pub fn class(&self) -> ErrorClass {
        use StationError as E;
        match self {
            E::Store(e) => match e {
                StoreError::NotFound(_) | StoreError::Duplicate(_) | StoreError::InUse { .. } => {
                    ErrorClass::Input
                }
                _ => ErrorClass::Store,
            },
            E::Offline(
                OfflineError::ServerUnreachable { .. }
                | OfflineError::Outbox { .. }
                | OfflineError::NoSnapshot { .. },
            ) => ErrorClass::Store,
            E::Vault(_)
            | E::Locked
            | E::NeedsPassphrase
            | E::NeedsKeyFile
            | E::WrongKeyFile(_)
            | E::WrongPassphrase
            | E::KeyFileUnreadable { .. }
            | E::KeyFileInvalid { .. }
            | E::KeyFileCreate { .. }
            | E::NoVaultHeader(_)
            | E::AuditTampered(_)
            | E::KeyFilePermissions { .. }
            | E::ReadFile { .. }
            | E::WriteFile { .. }
            | E::Internal(_) => ErrorClass::Store,
            E::InputFile(_) => ErrorClass::Input,
            // what the family cannot do, it will not do the next time either
            // (a Molto2 profile missing or out of range is the command's mistake, too)
            E::Device(
                crate::devices::DeviceError::CannotManage { .. }
                | crate::devices::DeviceError::Unsupported { .. },
            ) => ErrorClass::Input,
            E::Device(_) | E::ButtonNotPressed { .. } | E::ClockNotSet { .. } => {
                ErrorClass::Hardware
            }
            E::ProofFailed { .. } => ErrorClass::Rejected,
            E::Interrupted => ErrorClass::Interrupted,
            E::AtLine { source, .. } => source.class(),
            _ => ErrorClass::Input,
        }
    }

    /// What an input error refuses, when it is one of the [`Refusal`]s.
    pub fn refusal(&self) -> Option<Refusal> {
        use StationError as E;
        match self {
            E::Store(StoreError::NotFound(_)) | E::UnknownToken { .. } => Some(Refusal::NotFound),
            E::Store(StoreError::Duplicate(_)) => Some(Refusal::Exists),
            E::Store(StoreError::InUse { .. })
            | E::StatusChange { .. }
            | E::NotUnverified { .. }
            | E::NoBackupCodes { .. }
            | E::RemoveActive(_)
            | E::ParamsLocked(_)
            | E::TokenExists { .. }
            | E::AlreadyActive(_)
            | E::CredentialTaken { .. }
            | E::HeldByOther { .. }
            | E::Offline(OfflineError::Leased { .. })
            | E::Access(crate::station::access::AccessError::StatusChange { .. }) => {
                Some(Refusal::Conflict)
            }
            E::AtLine { source, .. } => source.refusal(),
            _ => None,
        }
    }

    /// What a person can do next, for each face to word.
    pub fn hint(&self) -> Option<Hint> {
        crate::station::hint::of(self)
    }
}
