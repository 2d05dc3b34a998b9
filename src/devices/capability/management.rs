//! On-device management: what `ykman oath accounts` gives YubiKey users, for every
//! family that can (issue "Hardware as the vendors' own code knows it"). A family says
//! what it can manage ([`ManagementCapabilities`]), lists what it holds, deletes,
//! renames and resets; what it cannot do it refuses with a typed
//! [`ManagementRefusal`].

use super::{DeviceInfo, OtpToken};
use crate::devices::DeviceError;

/// A credential or slot to manage: OATH credentials have names, Molto2 profiles and
/// Nitrokey slots have numbers (Nitrokey: 0–2 HOTP, 3–17 TOTP 0–14, as listed), and
/// names where the family stores one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotRef {
    /// By name or title (OATH credential id, Nitrokey slot name, Molto2 title).
    Name(String),
    /// By number (Molto2 profile, Nitrokey listed slot); never an OATH list position.
    Slot(u16),
}

/// One thing a token holds, as [`DeviceManagement::inventory`] lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HeldCredential {
    /// Slot or profile number; `None` on OATH, whose credentials have only names.
    pub slot: Option<u16>,
    /// Credential name, slot name or profile title.
    pub name: Option<String>,
    /// HOTP or TOTP, where known.
    pub kind: Option<crate::otp::Kind>,
    /// Whether a seed is present (an OATH credential always holds one).
    pub occupied: bool,
    /// Hash, where the device reports it.
    pub algorithm: Option<crate::otp::Algorithm>,
    /// Code length, where the device reports it (Molto2 also has 4-digit profiles).
    pub digits: Option<u8>,
    /// TOTP period in seconds (OATH: written in the name, 30 when it has none).
    pub period: Option<u32>,
    /// Whether computing a code needs a touch, where the device says.
    pub touch: Option<bool>,
}

/// The slot of the one entry of `held` named `name`: [`ManagementRefusal::NotFound`]
/// without one, [`ManagementRefusal::AmbiguousName`] with several.
pub fn slot_named(held: &[HeldCredential], name: &str) -> Result<u16, ManagementRefusal> {
    let mut hits = held
        .iter()
        .filter(|c| c.name.as_deref() == Some(name))
        .filter_map(|c| c.slot);
    match (hits.next(), hits.next()) {
        (Some(_), Some(_)) => Err(ManagementRefusal::AmbiguousName),
        (Some(slot), None) => Ok(slot),
        (None, _) => Err(ManagementRefusal::NotFound),
    }
}

/// How a factory reset is confirmed on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResetConfirmation {
    /// Nothing beyond the command (YubiKey OATH RESET).
    None,
    /// A touch of the key's button while the command waits (Nitrokey 3).
    Touch,
    /// The ▲ button after the command was accepted (Molto2 `90 60`).
    ButtonPress,
    /// The admin PIN travels with the command (Nitrokey Pro / Storage).
    AdminPin,
}

/// What a factory reset wipes, for the confirmation a person gives before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResetScope {
    /// Every OATH credential and the access code; the key's other applications stay
    /// (YubiKey, Nitrokey 3: OATH RESET).
    OathApplication,
    /// Every OTP slot and the OpenPGP card with its keys; the PINs go back to the
    /// factory defaults (Nitrokey Pro / Storage FACTORY_RESET).
    OtpAndOpenPgp,
    /// Every profile, and the customer key goes back to the factory key (Molto2).
    ProfilesAndCustomerKey,
}

impl std::fmt::Display for ResetScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ResetScope::OathApplication => "every OATH credential and the access code are erased",
            ResetScope::OtpAndOpenPgp => {
                "every OTP slot is erased, the OpenPGP card is reset (its keys are lost) \
                 and the PINs go back to the factory defaults"
            }
            ResetScope::ProfilesAndCustomerKey => {
                "every profile is erased and the customer key goes back to the factory key"
            }
        })
    }
}

/// How a factory reset ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResetOutcome {
    /// Done: the token is empty.
    Done,
    /// Accepted: it takes effect when the button on the device is pressed.
    PressButton,
}

/// What a family can manage on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ManagementCapabilities {
    /// Lists what it holds.
    pub list: bool,
    /// Deletes by name.
    pub delete_by_name: bool,
    /// Deletes by slot number.
    pub delete_by_slot: bool,
    /// Renames.
    pub rename: bool,
    /// Factory reset, and how it is confirmed.
    pub factory_reset: Option<ResetConfirmation>,
    /// What a factory reset wipes (`None` without one).
    pub reset_wipes: Option<ResetScope>,
    /// Deleting waits for a touch of the key's button (Nitrokey 3).
    pub touch_to_delete: bool,
}

/// A management operation, for refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ManagementOp {
    /// Listing what the token holds.
    List,
    /// Deleting one credential or slot.
    Delete,
    /// Renaming one.
    Rename,
    /// Factory reset.
    FactoryReset,
    /// Computing a code on the device.
    Compute,
}

impl std::fmt::Display for ManagementOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ManagementOp::List => "list what the token holds",
            ManagementOp::Delete => "delete",
            ManagementOp::Rename => "rename",
            ManagementOp::FactoryReset => "factory reset",
            ManagementOp::Compute => "compute a code",
        })
    }
}

/// Why a family cannot do a management operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ManagementRefusal {
    /// Token2 NFC: nothing but serial and clock can be read back.
    NothingReadable,
    /// Token2 NFC: no erase or reset command; a new burn overwrites the one seed.
    NoEraseCommand,
    /// OATH credentials have names, not numbers (a list position is no slot).
    NamedNotNumbered,
    /// The family has no names to address a slot by.
    NumberedNotNamed,
    /// The Nitrokey 3 Secrets App has no RENAME.
    NoRenameCommand,
    /// YubiKey firmware before 5.3.1 has no RENAME (ykman checks 5.3.1).
    FirmwareTooOldForRename,
    /// No credential, slot or profile by that name or number.
    NotFound,
    /// Several slots carry that name: address one by number.
    AmbiguousName,
    /// The new name does not fit what the family stores.
    NameDoesNotFit,
    /// The token stores no name at all.
    NoNameStored,
}

impl std::fmt::Display for ManagementRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ManagementRefusal::NothingReadable => {
                "the token reveals nothing but its serial and clock"
            }
            ManagementRefusal::NoEraseCommand => {
                "the token has no erase or reset command; burning a new seed replaces the old one"
            }
            ManagementRefusal::NamedNotNumbered => {
                "OATH credentials are addressed by name; a position in the list is no slot"
            }
            ManagementRefusal::NumberedNotNamed => "its slots have numbers, not names",
            ManagementRefusal::NoRenameCommand => "the Nitrokey 3 Secrets App cannot rename",
            ManagementRefusal::FirmwareTooOldForRename => {
                "renaming needs YubiKey firmware 5.3.1 or newer"
            }
            ManagementRefusal::NotFound => "no such credential, slot or profile on the token",
            ManagementRefusal::AmbiguousName => {
                "several slots carry that name: give the slot number"
            }
            ManagementRefusal::NameDoesNotFit => "the new name does not fit what the token stores",
            ManagementRefusal::NoNameStored => "the token stores no name",
        })
    }
}

/// On-device management: what `ykman oath accounts` gives YubiKey users, for every
/// family that can (issue "Hardware as the vendors' own code knows it"). A family
/// that cannot do something answers [`DeviceError::CannotManage`] with the reason.
pub trait DeviceManagement: OtpToken {
    /// What this family can manage.
    fn management(&self) -> ManagementCapabilities;
    /// Family, model, firmware, serial and clock, where readable (what
    /// [`OtpToken::info`] reads).
    fn device_info(&mut self) -> Result<DeviceInfo, DeviceError> {
        self.info()
    }
    /// What the token holds.
    fn inventory(&mut self) -> Result<Vec<HeldCredential>, DeviceError>;
    /// Deletes one credential or slot.
    fn delete(&mut self, which: &SlotRef) -> Result<(), DeviceError>;
    /// Renames one credential or slot; returns the name as the device now stores it
    /// (an OATH credential keeps the period its old name carried).
    fn rename(&mut self, which: &SlotRef, new_name: &str) -> Result<String, DeviceError>;
    /// Factory reset; see [`ManagementCapabilities::factory_reset`] for how the device
    /// wants it confirmed.
    fn factory_reset(&mut self) -> Result<ResetOutcome, DeviceError>;
}
