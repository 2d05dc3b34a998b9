//! A proximity card (PICC) in an emulated RF field: its ISO 14443-3 identity (UID,
//! ATQA/SENS_RES, SAK/SEL_RES), an ATS when it speaks ISO 14443-4, and optionally an
//! applet that answers APDUs (where later token families sit).
//!
//! ATQA/SAK values: MIFARE Classic 1K `00 04`/`08`, NTAG/Ultralight `00 44`/`00`
//! (reader-protocols.md §2); SAK bit 6 (`20`) marks ISO 14443-4 compliance.

use super::ApduHandler;
use crate::transport::StatusWord;

pub use crate::devices::pcsc_uid::protocol::ats_historical;

/// A contactless card.
pub struct Picc {
    /// NFCID1 (4, 7 or 10 bytes).
    pub uid: Vec<u8>,
    /// ATQA / SENS_RES, as the PN532 reports it (2 bytes).
    pub atqa: [u8; 2],
    /// SAK / SEL_RES.
    pub sak: u8,
    /// Answer To Select, for ISO 14443-4 cards.
    pub ats: Option<Vec<u8>>,
    applet: Option<Box<dyn ApduHandler>>,
}

impl std::fmt::Debug for Picc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Picc")
            .field("uid", &crate::transport::trace::Hex(&self.uid))
            .field("sak", &self.sak)
            .field("applet", &self.applet.is_some())
            .finish()
    }
}

impl Picc {
    /// A storage card: 4-byte UID → MIFARE Classic 1K, other lengths → NTAG-like.
    pub fn storage(uid: &[u8]) -> Self {
        let (atqa, sak) = if uid.len() == 4 {
            ([0x00, 0x04], 0x08)
        } else {
            ([0x00, 0x44], 0x00)
        };
        Picc {
            uid: uid.to_vec(),
            atqa,
            sak,
            ats: None,
            applet: None,
        }
    }

    /// An ISO 14443-4 card with `ats` whose APDUs `applet` answers.
    pub fn iso14443_4(uid: &[u8], ats: &[u8], applet: Box<dyn ApduHandler>) -> Self {
        Picc {
            uid: uid.to_vec(),
            atqa: if uid.len() == 4 {
                [0x00, 0x04]
            } else {
                [0x00, 0x44]
            },
            sak: 0x20,
            ats: Some(ats.to_vec()),
            applet: Some(applet),
        }
    }

    /// Whether the card speaks ISO 14443-4 (APDUs).
    pub fn is_iso14443_4(&self) -> bool {
        self.sak & 0x20 != 0
    }
}

impl ApduHandler for Picc {
    /// APDUs go to the applet; a storage card has none and answers `6D 00`.
    fn handle(&mut self, capdu: &[u8]) -> Vec<u8> {
        match &mut self.applet {
            Some(a) => a.handle(capdu),
            None => StatusWord::InsNotSupported.to_bytes().to_vec(),
        }
    }
    fn processing_time(&self, capdu: &[u8]) -> std::time::Duration {
        self.applet
            .as_ref()
            .map(|a| a.processing_time(capdu))
            .unwrap_or_default()
    }
}

/// An applet that answers SELECT with `90 00`, INS `01` with `DE AD 90 00` and anything
/// else with `6D 00` (the demo applet of reader-protocols.md §7.4).
#[derive(Debug, Default, Clone, Copy)]
pub struct DemoApplet;

impl ApduHandler for DemoApplet {
    fn handle(&mut self, capdu: &[u8]) -> Vec<u8> {
        match capdu.get(1) {
            Some(0xA4) => vec![0x90, 0x00],
            Some(0x01) => vec![0xDE, 0xAD, 0x90, 0x00],
            _ => vec![0x6D, 0x00],
        }
    }
}
