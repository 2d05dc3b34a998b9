//! `DeviceError`: what can go wrong in a device protocol, above the link (design.md §4).
//! Where a person can do something about it, [`DeviceError::hint`] says what, as a
//! typed [`DeviceHint`] that each face words (a CLI option, a TUI key, an API field).

use std::fmt;

use crate::transport::{LinkError, StatusWord};

/// A secret a device asks for before a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// The admin PIN (Nitrokey Pro / Storage / Librem Key).
    AdminPin,
    /// The OATH access code (YubiKey).
    OathAccessCode,
    /// The user PIN (a Nitrokey with "user password for OTP" on).
    UserPin,
    /// An earlier admin authentication in this session.
    AdminSession,
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Credential::AdminPin => "the admin PIN",
            Credential::OathAccessCode => "the OATH access code",
            Credential::UserPin => "the user PIN",
            Credential::AdminSession => "an admin authentication",
        })
    }
}

/// What a person can do about a device error, for each face to word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceHint {
    /// Ask again, allowing the occupied slot to be overwritten.
    Overwrite,
    /// Give this secret.
    Give(Credential),
}

/// An error of a device driver. Each variant names the device (reader name or port).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The link below failed (no pcscd, card removed, timeout, disconnected…).
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The card answered a command with a status word other than success.
    #[error("{device}: {command} refused with status {sw}")]
    Status {
        /// Reader or device name.
        device: String,
        /// The command, in the protocol's vocabulary (`GET DATA (UID)`).
        command: &'static str,
        /// The status word.
        sw: StatusWord,
    },
    /// A frame that does not follow the protocol's framing.
    #[error("{device}: malformed frame: {reason}")]
    Frame {
        /// Reader or device name.
        device: String,
        /// What was wrong.
        reason: String,
    },
    /// A frame whose checksum does not match.
    #[error("{device}: bad {what} checksum (computed {computed:#04x}, frame says {found:#04x})")]
    Checksum {
        /// Reader or device name.
        device: String,
        /// Which checksum (`LCS`, `DCS`, `XOR`).
        what: &'static str,
        /// What the frame should carry.
        computed: u8,
        /// What it carried.
        found: u8,
    },
    /// A well-formed answer that is not the answer to the command sent.
    #[error("{device}: unexpected answer to {command}: {reason}")]
    Unexpected {
        /// Reader or device name.
        device: String,
        /// The command.
        command: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The device sent its application-level error frame (PN532 `7F`).
    #[error("{device}: {command} rejected with an error frame (syntax error)")]
    ErrorFrame {
        /// Reader or device name.
        device: String,
        /// The command.
        command: &'static str,
    },
    /// A PN53x chip status byte other than success (InDataExchange and friends).
    #[error("{device}: {command} failed with PN53x status {code:#04x} ({name})")]
    ChipStatus {
        /// Reader or device name.
        device: String,
        /// The command.
        command: &'static str,
        /// The low 6 bits of the status byte.
        code: u8,
        /// The status' name (`timeout`, `CRC error`…).
        name: &'static str,
    },
    /// The device refused the authentication (wrong key, PIN or access code), with the
    /// attempts left where the device counts them (`63 NN` / `63 Cx`); `Some(0)` means it
    /// is now locked.
    #[error("{device}: authentication failed: {}", tries_message(*.tries_left))]
    AuthFailed {
        /// Reader or device name.
        device: String,
        /// Attempts left before the device locks, when it says.
        tries_left: Option<u8>,
    },
    /// The device needs authentication before this command (an access code, a PIN).
    #[error("{device}: {what} needs authentication first: give {needs}")]
    AuthRequired {
        /// Reader or device name.
        device: String,
        /// The command.
        what: &'static str,
        /// The secret it needs.
        needs: Credential,
    },
    /// A slot already holds a seed and the request did not ask to overwrite it.
    #[error("{device}: slot {slot} already holds a seed")]
    Occupied {
        /// Reader or device name.
        device: String,
        /// The slot, profile or credential name.
        slot: String,
    },
    /// The device accepted the command and waits for its button to be pressed (`90 60`).
    #[error("{device}: press the button (▲) on the device to confirm")]
    ButtonPress {
        /// Reader or device name.
        device: String,
    },
    /// The device waits for a touch of its button, which did not come.
    #[error("{device}: the token wants a touch: touch its button when it blinks, then retry")]
    TouchRequired {
        /// Reader or device name.
        device: String,
    },
    /// The family or model cannot do what was asked.
    #[error("{device}: not supported: {what}")]
    Unsupported {
        /// Reader or device name.
        device: String,
        /// What cannot be done, and why or what to do instead.
        what: String,
    },
    /// The family cannot do this management operation (list, delete, rename, reset).
    #[error("{device}: cannot {operation}: {why}")]
    CannotManage {
        /// Reader or device name.
        device: String,
        /// The operation.
        operation: crate::devices::capability::ManagementOp,
        /// Why not.
        why: crate::devices::capability::ManagementRefusal,
    },
    /// A device-specific command status, with its meaning in words.
    #[error("{device}: {command} failed: {meaning} (status {code})")]
    CommandStatus {
        /// Reader or device name.
        device: String,
        /// The command.
        command: &'static str,
        /// The raw status code.
        code: u8,
        /// What it means and what to do.
        meaning: &'static str,
    },
}

impl DeviceError {
    /// What a person can do about this error, if anything beyond the message.
    pub fn hint(&self) -> Option<DeviceHint> {
        match self {
            DeviceError::Occupied { .. } => Some(DeviceHint::Overwrite),
            DeviceError::AuthRequired { needs, .. } => Some(DeviceHint::Give(*needs)),
            _ => None,
        }
    }
}

fn tries_message(tries: Option<u8>) -> String {
    match tries {
        Some(0) => "wrong key, PIN or access code; no tries left, the device is locked \
                    (a factory reset, which wipes every seed, restores the default key)"
            .to_string(),
        Some(1) => "wrong key, PIN or access code; 1 try left before the device locks".to_string(),
        Some(n) => format!("wrong key, PIN or access code; {n} tries left before the device locks"),
        None => "wrong key, PIN or access code, or the device is locked".to_string(),
    }
}
