//! A PN532 as a [`PresenceReader`] (reader-protocols.md §2): on first use it wakes the
//! chip, sends SAMConfiguration and sets a finite MaxRetries, then polls with
//! InListPassiveTarget. A card is reported once when it enters the field (UID, with
//! ATQA and SAK logged) and again only after a poll found the field empty. ACK, NACK
//! and error frames are the driver's; a damaged or unexpected answer is logged and the
//! next poll starts clean (the driver flushes input before each command). After
//! repeated timeouts the chip is woken and configured again.

use std::time::{Duration, Instant};

use super::driver::Pn532;
use crate::devices::{DeviceError, PresenceReader, Tap, TapKind, Uid};
use crate::transport::{LinkError, SerialLink};

/// Pause between two polls of an empty field.
pub const POLL_EVERY: Duration = Duration::from_millis(20);

/// A PN532 presence reader.
pub struct Pn532Presence<L: SerialLink> {
    pn: Pn532<L>,
    name: String,
    configured: bool,
    present: Option<Uid>,
    failures: u32,
}

impl<L: SerialLink> Pn532Presence<L> {
    /// Wraps a link opened at 115200 baud; `name` is the reader name in taps.
    pub fn new(link: L, name: &str) -> Self {
        let mut pn = Pn532::new(link);
        pn.set_timeout(Duration::from_millis(500));
        Pn532Presence {
            pn,
            name: name.to_string(),
            configured: false,
            present: None,
            failures: 0,
        }
    }

    fn poll(&mut self) -> Result<Option<Tap>, DeviceError> {
        if !self.configured {
            let fw = self.pn.begin()?;
            tracing::debug!(
                "{}: PN5{:02X} firmware {}.{} ready",
                self.name,
                fw.ic,
                fw.version,
                fw.revision
            );
            self.configured = true;
        }
        match self.pn.in_list_passive_target()? {
            Some(t) => {
                // Release it so the next poll sees the card again while it stays.
                if let Err(e) = self.pn.in_release(t.tg) {
                    tracing::debug!("{}: InRelease: {e}", self.name);
                }
                if self.present.as_ref() == Some(&t.uid) {
                    return Ok(None);
                }
                tracing::debug!(
                    "{}: card {} ATQA {:02X}{:02X} SAK {:02X}",
                    self.name,
                    t.uid,
                    t.atqa[0],
                    t.atqa[1],
                    t.sak
                );
                self.present = Some(t.uid.clone());
                Ok(Some(Tap {
                    reader: self.name.clone(),
                    kind: TapKind::Card(t.uid),
                }))
            }
            None => {
                self.present = None;
                Ok(None)
            }
        }
    }
}

impl<L: SerialLink> PresenceReader for Pn532Presence<L> {
    fn wait_tap(&mut self, timeout: Duration) -> Result<Option<Tap>, DeviceError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.poll() {
                Ok(Some(tap)) => {
                    self.failures = 0;
                    return Ok(Some(tap));
                }
                Ok(None) => self.failures = 0,
                Err(DeviceError::Link(LinkError::Disconnected { reader })) => {
                    return Err(LinkError::Disconnected { reader }.into());
                }
                Err(e) => {
                    self.failures += 1;
                    tracing::debug!("{}: poll failed ({e}); resynchronising", self.name);
                    if self.failures >= 3 {
                        self.configured = false; // wake up and configure again
                        self.failures = 0;
                    }
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            std::thread::sleep(POLL_EVERY.min(deadline - now));
        }
    }
}
