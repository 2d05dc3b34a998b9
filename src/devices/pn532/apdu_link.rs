//! An [`ApduLink`] through a PN532: C-APDUs travel to the selected ISO 14443-4 card
//! inside InDataExchange, so APDU families work behind a PN532 module as behind a
//! PC/SC reader (reader-protocols.md §2).

use super::driver::{Pn532, Target};
use crate::devices::DeviceError;
use crate::devices::pcsc_uid::protocol::{ContactlessAtr, ats_historical};
use crate::transport::{ApduLink, LinkError, SerialLink};

/// A card selected by a PN532, reached with APDUs.
pub struct Pn532ApduLink<L: SerialLink> {
    pn532: Pn532<L>,
    target: Target,
    name: String,
    atr: Vec<u8>,
}

impl<L: SerialLink> Pn532ApduLink<L> {
    /// Uses `target` (from [`Pn532::in_list_passive_target`]). Its ATR is the one a
    /// PC/SC reader would build from the ATS (PC/SC part 3).
    pub fn new(pn532: Pn532<L>, target: Target) -> Self {
        let historical = target
            .ats
            .as_deref()
            .map(ats_historical)
            .unwrap_or_default()
            .to_vec();
        let atr = ContactlessAtr::Iso14443_4 { historical }.build();
        let name = format!("PN532 on {}", pn532.link().port());
        Pn532ApduLink {
            pn532,
            target,
            name,
            atr,
        }
    }

    /// The selected target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Gives the PN532 back.
    pub fn into_inner(self) -> Pn532<L> {
        self.pn532
    }
}

impl<L: SerialLink> ApduLink for Pn532ApduLink<L> {
    fn reader(&self) -> &str {
        &self.name
    }
    fn atr(&self) -> &[u8] {
        &self.atr
    }
    fn exchange(&mut self, capdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        // Tracing happens in `transmit` (with the command's sensitivity), so the frame
        // level here stays quiet about the APDU bytes.
        match self.pn532.in_data_exchange(
            self.target.tg,
            capdu,
            crate::transport::Sensitivity::Sensitive,
        ) {
            Ok(r) => Ok(r),
            Err(DeviceError::Link(e)) => Err(e),
            // Timeout, RF timeout, target released, card discarded: the card left.
            Err(DeviceError::ChipStatus {
                code: 0x01 | 0x0A | 0x29 | 0x2B,
                ..
            }) => Err(LinkError::CardRemoved {
                reader: self.name.clone(),
            }),
            Err(e) => Err(LinkError::Protocol {
                link: self.name.clone(),
                reason: e.to_string(),
            }),
        }
    }
}
