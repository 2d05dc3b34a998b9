//! Capability traits: what the station may ask of a token or a reader, whatever its
//! family. A family says what it can do ([`Capabilities`]); the station asks, never
//! guesses (issue "Burn tokens"; rust-style.md §13, nitrokey-rs `ConfigureOtp` /
//! `GenerateOtp`).

use std::time::Duration;

use super::error::Credential;
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

    /// Takes a secret the device asked for in the middle of a session
    /// ([`DeviceError::AuthRequired`]), so that the command can be tried again;
    /// `false` where the family takes no secret this way (it needs it to open).
    fn supply(&mut self, _needs: Credential, _secret: &str) -> bool {
        false
    }

    /// Whether the last write's answer was lost and nothing the device reveals confirms
    /// that it arrived, so only the code on its display can (Token2 over a slow reader).
    fn write_unconfirmed(&self) -> bool {
        false
    }

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

mod management;

pub use management::{
    DeviceManagement, HeldCredential, ManagementCapabilities, ManagementOp, ManagementRefusal,
    ResetConfirmation, ResetOutcome, ResetScope, SlotRef, slot_named,
};
