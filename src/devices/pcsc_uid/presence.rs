//! A PC/SC contactless reader as a [`PresenceReader`] (reader-protocols.md §4, §7):
//! card insertion and removal come from PC/SC status changes (pcscd waits, we never
//! poll); on insertion the UID is read with GET DATA `FF CA 00 00 00`. The card is
//! reported once per presentation: the next tap needs a removal first. While the card
//! is still there, [`PresenceReader::feedback`] drives an ACR122U-class LED and buzzer
//! (`FF 00 40 …`); a reader that refuses it is skipped silently (logged at debug).

use std::time::{Duration, Instant};

use super::driver::PcscUidReader;
use super::protocol::LedBuzzer;
use crate::devices::{DeviceError, Feedback, PresenceReader, Tap, TapKind};
use crate::transport::pcsc::{CardWait, PcscContext, PcscLink};
use crate::transport::{ApduLink, LinkError};

/// A PC/SC reader watched for taps.
pub struct PcscPresence {
    ctx: PcscContext,
    reader: String,
    /// The card of the last tap, while it stays in the reader.
    held: Option<PcscLink>,
    /// Whether a card is (still) in the reader since the last tap.
    occupied: bool,
    /// LED/buzzer known to be unsupported on this reader.
    no_led: bool,
}

impl PcscPresence {
    /// Watches `reader` through `ctx`; fails when pcscd does not know the reader.
    pub fn new(ctx: PcscContext, reader: &str) -> Result<Self, DeviceError> {
        if !ctx.reader_names()?.iter().any(|n| n == reader) {
            return Err(LinkError::ReaderNotFound(reader.to_string()).into());
        }
        Ok(PcscPresence {
            ctx,
            reader: reader.to_string(),
            held: None,
            occupied: false,
            no_led: false,
        })
    }

    fn read_tap(&mut self) -> Result<Option<Tap>, DeviceError> {
        let link = match self.ctx.connect(&self.reader) {
            Ok(l) => l,
            // Gone again before we could connect: not a tap.
            Err(LinkError::NoCard { .. } | LinkError::CardRemoved { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut r = PcscUidReader::new(link);
        match r.read_uid() {
            Ok(uid) => {
                self.held = Some(r.into_inner());
                Ok(Some(Tap {
                    reader: self.reader.clone(),
                    kind: TapKind::Card(uid),
                }))
            }
            Err(DeviceError::Link(LinkError::CardRemoved { .. } | LinkError::NoCard { .. })) => {
                Ok(None)
            }
            Err(e @ DeviceError::Link(_)) => Err(e),
            Err(e) => {
                // A card that will not tell its UID (not a contactless card): no tap.
                tracing::debug!("{}: no UID from the card: {e}", self.reader);
                Ok(None)
            }
        }
    }
}

impl PresenceReader for PcscPresence {
    fn wait_tap(&mut self, timeout: Duration) -> Result<Option<Tap>, DeviceError> {
        let deadline = Instant::now() + timeout;
        if self.occupied {
            match self.ctx.wait_for(&self.reader, false, Some(timeout))? {
                CardWait::Empty => {
                    self.occupied = false;
                    self.held = None;
                }
                _ => return Ok(None),
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match self.ctx.wait_for(&self.reader, true, Some(left))? {
            CardWait::Present(_) => {
                self.occupied = true;
                self.read_tap()
            }
            _ => Ok(None),
        }
    }

    fn wants_feedback(&self) -> bool {
        !self.no_led
    }

    fn feedback(&mut self, outcome: Feedback) -> Result<(), DeviceError> {
        let Some(link) = self.held.as_mut() else {
            return Ok(());
        };
        let cmd = match outcome {
            Feedback::Accepted => LedBuzzer::ACCEPTED,
            Feedback::Refused => LedBuzzer::REFUSED,
        };
        match link.transmit(&cmd.apdu()) {
            Ok(r) if r.sw.code() >> 8 == 0x90 => {}
            Ok(r) => {
                tracing::debug!(
                    "{}: LED/buzzer command refused ({}); not asking again",
                    self.reader,
                    r.sw
                );
                self.no_led = true;
            }
            Err(e) => tracing::debug!("{}: LED/buzzer skipped: {e}", self.reader),
        }
        Ok(())
    }
}
