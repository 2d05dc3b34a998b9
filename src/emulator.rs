//! Virtual hardware: the device side of each family, written from the protocol facts
//! (reader-protocols.md, token-protocols.md), never by inverting a driver (design.md §5).
//!
//! Every emulated device is a state machine: an APDU device answers
//! [`ApduHandler::handle`], a serial device answers bytes with frames and may push
//! frames by itself ([`serial::VirtualSerialDevice`]), a HID device answers reports
//! ([`hid::VirtualHidDevice`]). Devices keep their own [`clock::DeviceClock`].
//!
//! Adapters put them where a driver can reach them:
//! - [`link`]: in-process links implementing the transport traits;
//! - [`vpcd`]: the vsmartcard-vpcd protocol, so a card appears in the real pcscd;
//! - [`pty`] (feature `serial`): a pseudo-terminal, opened by drivers through serialport.
//!
//! Faults ([`fault::Fault`]) are injected per adapter: garbage, truncated or corrupted
//! frames, silence, card removal mid-command, disconnects. [`field::Field`] holds the
//! card or tag that is "present", so tests and demos tap on demand.
//!
//! Token families (Token2, Molto2, YubiKey, Nitrokey) slot in as further
//! [`ApduHandler`]s (behind a [`picc::Picc`] or as a [`VirtualCard`]) and
//! [`hid::VirtualHidDevice`]s.

pub mod clock;
pub mod fault;
pub mod field;
pub mod hid;
pub mod link;
pub mod molto2;
pub mod nitrokey;
pub mod pcsc_uid;
pub mod picc;
pub mod pn532;
#[cfg(feature = "serial")]
pub mod pty;
pub mod rdm6300;
pub mod scene;
pub mod serial;
pub mod token2_nfc;
pub mod vpcd;
pub mod ykoath;

/// The device side of an APDU protocol: one C-APDU in, one R-APDU (data + SW) out.
pub trait ApduHandler: Send {
    /// Answers one command APDU. Malformed input is answered as the device would
    /// (a status word), never with a panic.
    fn handle(&mut self, capdu: &[u8]) -> Vec<u8>;

    /// How long the card works on `capdu` before it answers (flash writes are slow);
    /// a reader whose own timeout is shorter reports a timeout although the card ran
    /// the command. Zero unless a card says otherwise.
    fn processing_time(&self, _capdu: &[u8]) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

/// Power events a contact-style card sees from its reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    /// Power off.
    Off,
    /// Power on.
    On,
    /// Warm reset.
    Reset,
}

/// A card as a PC/SC reader presents it: an ATR and an APDU handler.
pub trait VirtualCard: ApduHandler {
    /// The Answer To Reset.
    fn atr(&self) -> Vec<u8>;
    /// A power event (default: ignored; state that survives power-off stays).
    fn power(&mut self, _event: Power) {}
}

impl<T: ApduHandler + ?Sized> ApduHandler for Box<T> {
    fn handle(&mut self, capdu: &[u8]) -> Vec<u8> {
        (**self).handle(capdu)
    }
    fn processing_time(&self, capdu: &[u8]) -> std::time::Duration {
        (**self).processing_time(capdu)
    }
}

impl<T: VirtualCard + ?Sized> VirtualCard for Box<T> {
    fn atr(&self) -> Vec<u8> {
        (**self).atr()
    }
    fn power(&mut self, event: Power) {
        (**self).power(event)
    }
}
