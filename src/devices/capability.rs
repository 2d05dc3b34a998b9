//! Capability traits: what the station may ask of a token or a reader, whatever its
//! family. A family says what it can do ([`Capabilities`]); the station asks, never
//! guesses (issue "Burn tokens"; rust-style.md §13, nitrokey-rs `ConfigureOtp` /
//! `GenerateOtp`).

use std::time::Duration;

use super::{DeviceError, Uid};
use crate::model::Family;
use crate::otp::{OtpParams, Secret};

/// What a family can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// Write a seed.
    pub program: bool,
    /// Compute a code on the device and return it (OATH CALCULATE, Nitrokey GET CODE).
    pub read_code: bool,
    /// Read the device clock.
    pub read_clock: bool,
    /// Set the device clock.
    pub set_clock: bool,
    /// List slots or credentials.
    pub list_slots: bool,
    /// Erase a slot or the whole device.
    pub erase: bool,
    /// Number of seed slots (None: a single seed).
    pub slots: Option<u16>,
    /// Writing the clock wipes the seed (some Token2 models): re-send the seed after.
    pub clock_write_wipes_seed: bool,
}

/// What a device says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeviceInfo {
    /// Family (`token2-nfc`, `molto2`, `ykoath`, `nitrokey3`, `nitrokey`).
    pub family: Family,
    /// Model, as reported or derived (serial prefix, product id).
    pub model: Option<String>,
    /// Device serial number.
    pub serial: Option<String>,
    /// Firmware version.
    pub firmware: Option<String>,
    /// Device clock, Unix seconds, where it has one and can report it.
    pub clock: Option<i64>,
}

/// One slot, profile or credential.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SlotInfo {
    /// Slot number (Molto2 profile, Nitrokey slot), or position in the list (OATH).
    pub slot: u16,
    /// Name or title, when the family has one.
    pub name: Option<String>,
    /// Whether a seed is present.
    pub occupied: bool,
    /// Parameters, when the device reports them.
    pub params: Option<OtpParams>,
}

/// A seed to write.
#[derive(Debug)]
pub struct ProgramRequest<'a> {
    /// Slot, profile or credential number (None: the only one).
    pub slot: Option<u16>,
    /// Name or title on families with named slots; carries the token serial
    /// (OATH: `[period/]issuer:SERIAL`).
    pub name: &'a str,
    /// The seed.
    pub secret: &'a Secret,
    /// Kind, algorithm, digits, period.
    pub params: OtpParams,
    /// Initial HOTP counter.
    pub counter: u64,
    /// Require a touch to compute codes (OATH property), where supported.
    pub touch: bool,
    /// Overwrite an occupied slot.
    pub overwrite: bool,
}

/// A programmable OTP token.
pub trait OtpToken {
    /// What this family can do.
    fn capabilities(&self) -> Capabilities;
    /// Serial, model, firmware and clock.
    fn info(&mut self) -> Result<DeviceInfo, DeviceError>;
    /// Writes a seed with its parameters.
    fn program(&mut self, req: &ProgramRequest<'_>) -> Result<(), DeviceError>;
    /// Lists slots or credentials.
    fn list_slots(&mut self) -> Result<Vec<SlotInfo>, DeviceError>;
    /// Erases one slot, or everything with `None` where the family allows it.
    fn erase(&mut self, slot: Option<u16>) -> Result<(), DeviceError>;
    /// The code the device computes for `slot` at `at` (Unix seconds), where the family
    /// can return one; `Ok(None)` where the technician must read the display.
    fn read_code(&mut self, slot: Option<u16>, at: i64) -> Result<Option<String>, DeviceError>;
    /// The token's own clock, for families whose clock is written through the token
    /// itself (Token2 NFC, Molto2); `None` elsewhere (a session may hold a separate
    /// clock handle, as for a Nitrokey).
    fn as_clock(&mut self) -> Option<&mut dyn TokenClock> {
        None
    }
}

/// The seed a token carries, for clock writes that must repeat its parameters (Token2
/// NFC: the algorithm and step travel with every clock write) or re-send the seed
/// (models whose clock write wipes it).
pub struct CarriedSeed<'a> {
    /// Slot or profile.
    pub slot: Option<u16>,
    /// The seed, as the store holds it.
    pub secret: &'a Secret,
    /// Its parameters.
    pub params: OtpParams,
}

/// A token whose clock can be read or written.
pub trait TokenClock {
    /// The device clock, Unix seconds.
    fn read_clock(&mut self) -> Result<i64, DeviceError>;
    /// Sets the device clock to `unix` seconds.
    fn set_clock(&mut self, unix: i64) -> Result<(), DeviceError>;
    /// Tells the driver which seed and parameters the token carries, before
    /// [`TokenClock::set_clock`] on a token this session did not burn: families whose
    /// clock write repeats the parameters or wipes the seed need it (the seed is
    /// re-sent right after the clock); others ignore it.
    fn declare_seed(&mut self, _carried: &CarriedSeed<'_>) -> Result<(), DeviceError> {
        Ok(())
    }
}

/// What a presence reader saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TapKind {
    /// A contactless card (PC/SC, PN532).
    Card(Uid),
    /// A 125 kHz tag (RDM6300).
    Tag(Uid),
    /// Digits and Enter from a keyboard-wedge reader.
    Typed(String),
}

/// One tap on a reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tap {
    /// Reader name, port or device path.
    pub reader: String,
    /// What was presented.
    pub kind: TapKind,
}

/// What the kiosk made of a tap, for the reader's LED and buzzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feedback {
    /// The event was recorded (green, short beep).
    Accepted,
    /// The tap was refused (red, long beep).
    Refused,
}

/// A reader at a kiosk.
pub trait PresenceReader {
    /// Waits up to `timeout` for the next tap; `Ok(None)` when none came. A reader
    /// reports a card or tag once per presentation: repeats while it stays in the
    /// field are folded by the reader.
    fn wait_tap(&mut self, timeout: Duration) -> Result<Option<Tap>, DeviceError>;

    /// Whether the reader can show [`Feedback`] (LED, buzzer) right after a tap, so the
    /// caller should wait for the kiosk's decision and pass it on.
    fn wants_feedback(&self) -> bool {
        false
    }

    /// Shows the kiosk's decision on the reader. Readers without LED or buzzer, or
    /// where the command is unsupported, do nothing (logged at debug).
    fn feedback(&mut self, _outcome: Feedback) -> Result<(), DeviceError> {
        Ok(())
    }
}

impl<R: PresenceReader + ?Sized> PresenceReader for Box<R> {
    fn wait_tap(&mut self, timeout: Duration) -> Result<Option<Tap>, DeviceError> {
        (**self).wait_tap(timeout)
    }
    fn wants_feedback(&self) -> bool {
        (**self).wants_feedback()
    }
    fn feedback(&mut self, outcome: Feedback) -> Result<(), DeviceError> {
        (**self).feedback(outcome)
    }
}

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
    /// Renames one credential or slot.
    fn rename(&mut self, which: &SlotRef, new_name: &str) -> Result<(), DeviceError>;
    /// Factory reset; see [`ManagementCapabilities::factory_reset`] for how the device
    /// wants it confirmed.
    fn factory_reset(&mut self) -> Result<ResetOutcome, DeviceError>;
}
