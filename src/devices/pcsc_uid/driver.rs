//! Reads the UID and ATS of a contactless card over any [`ApduLink`]
//! (firmware-protocols/pcsc-uid.md).

use super::protocol::{self, ContactlessAtr};
use crate::devices::{DeviceError, Feedback, Uid};
use crate::transport::{ApduLink, StatusWord};

/// A contactless card behind a PC/SC reader (or any link that answers GET DATA).
pub struct PcscUidReader<L: ApduLink> {
    link: L,
}

impl<L: ApduLink> PcscUidReader<L> {
    /// Wraps a connected link.
    pub fn new(link: L) -> Self {
        PcscUidReader { link }
    }

    /// The link, e.g. for its reader name.
    pub fn link(&self) -> &L {
        &self.link
    }

    /// Gives the link back.
    pub fn into_inner(self) -> L {
        self.link
    }

    /// What the ATR says about the card, if it is a PC/SC part 3 contactless ATR.
    pub fn card(&self) -> Option<ContactlessAtr> {
        ContactlessAtr::parse(self.link.atr())
    }

    /// GET DATA (UID): `FF CA 00 00 00`. A reader that answers `6C xx` is re-asked with
    /// the exact length by the link; `62 82` (UID shorter than Le) still carries the UID.
    pub fn read_uid(&mut self) -> Result<Uid, DeviceError> {
        let r = self.link.transmit(&protocol::get_uid())?;
        match r.sw {
            StatusWord::Success | StatusWord::EndOfData if !r.data.is_empty() => Ok(Uid(r.data)),
            StatusWord::Success | StatusWord::EndOfData => Err(DeviceError::Unexpected {
                device: self.link.reader().to_string(),
                command: "GET DATA (UID)",
                reason: "success without UID bytes".into(),
            }),
            sw => Err(DeviceError::Status {
                device: self.link.reader().to_string(),
                command: "GET DATA (UID)",
                sw,
            }),
        }
    }

    /// GET DATA (ATS): `FF CA 01 00 00`. `Ok(None)` when the card has no ATS (`6A 81`:
    /// not an ISO 14443-4 card).
    pub fn read_ats(&mut self) -> Result<Option<Vec<u8>>, DeviceError> {
        let r = self.link.transmit(&protocol::get_ats())?;
        match r.sw {
            StatusWord::Success | StatusWord::EndOfData => Ok(Some(r.data)),
            StatusWord::FuncNotSupported => Ok(None),
            sw => Err(DeviceError::Status {
                device: self.link.reader().to_string(),
                command: "GET DATA (ATS)",
                sw,
            }),
        }
    }

    /// Shows a kiosk decision on the reader's LED and buzzer (ACR122 pseudo-APDU
    /// `FF 00 40`, [`protocol::LedBuzzer`]). `Ok(false)` when the reader refuses the
    /// command (readers without LED control answer `6A 81` / `6D 00`).
    pub fn feedback(&mut self, outcome: Feedback) -> Result<bool, DeviceError> {
        let cmd = match outcome {
            Feedback::Accepted => protocol::LedBuzzer::ACCEPTED,
            Feedback::Refused => protocol::LedBuzzer::REFUSED,
        };
        let r = self.link.transmit(&cmd.apdu())?;
        Ok(r.sw.code() >> 8 == 0x90)
    }
}
