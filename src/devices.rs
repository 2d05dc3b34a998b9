//! Device families: per family a pure frame codec (`protocol.rs`) and a driver generic
//! over a link trait (`driver.rs`), plus the [`registry`] that recognises hardware by
//! USB VID:PID, ATR and reader name (design.md §3, token-protocols.md §8), and the
//! [`session`] API that opens tokens and readers from a spec for the station.

pub mod capability;
pub mod error;
pub mod families;
pub mod hid_wedge;
pub mod identify;
pub mod molto2;
pub mod nitrokey;
pub mod pcsc_uid;
pub mod pn532;
pub mod presence;
pub mod random;
pub mod rdm6300;
pub mod registry;
pub mod session;
pub mod token2_nfc;
pub mod ykoath;

use std::fmt;

pub use capability::{
    Capabilities, CarriedSeed, DeviceInfo, DeviceManagement, Feedback, HeldCredential,
    ManagementCapabilities, ManagementOp, ManagementRefusal, OtpToken, PresenceReader,
    ProgramRequest, ResetConfirmation, ResetOutcome, ResetScope, SlotInfo, SlotRef, Tap, TapKind,
    TokenClock,
};
pub use error::DeviceError;

/// A card or tag identifier as the reader delivers it (PC/SC and PN532: NFCID1 bytes in
/// the order the chip sends them; RDM6300: the version byte and the 32-bit tag id).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uid(pub Vec<u8>);

impl Uid {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uid({self})")
    }
}
