//! RDM6300 driver over any [`SerialLink`] (reader-protocols.md §3). The reader only
//! talks; the driver only listens, resynchronising on `02` after noise.

use std::time::{Duration, Instant};

use super::protocol::{self, Decoded, FrameError, Tag};
use crate::devices::DeviceError;
use crate::transport::{Sensitivity, SerialLink};

/// An RDM6300 on a serial link (9600 baud 8N1).
pub struct Rdm6300<L: SerialLink> {
    link: L,
    rx: Vec<u8>,
}

impl<L: SerialLink> Rdm6300<L> {
    /// Wraps a link; bytes that arrived before are dropped (stale frames).
    pub fn new(mut link: L) -> Result<Self, DeviceError> {
        link.clear_input()?;
        Ok(Rdm6300 {
            link,
            rx: Vec::new(),
        })
    }

    /// The link.
    pub fn link(&self) -> &L {
        &self.link
    }

    fn device(&self) -> String {
        format!("RDM6300 on {}", self.link.port())
    }

    /// The next frame within `timeout`: `Ok(Some(tag))`, `Ok(None)` if nothing complete
    /// came, or the typed error of a bad frame (the next call goes on after it). Every
    /// repeat of a held tag is returned: folding repeats into taps is the caller's job.
    pub fn read_frame(&mut self, timeout: Duration) -> Result<Option<Tag>, DeviceError> {
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; 64];
        loop {
            if let Decoded::Item { consumed, item } = protocol::decode(&self.rx) {
                self.rx.drain(..consumed.min(self.rx.len()));
                return match item {
                    Ok(tag) => Ok(Some(tag)),
                    Err(e) => Err(self.error(e)),
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let n = self
                .link
                .read(&mut buf, deadline - now, Sensitivity::Normal)?;
            self.rx.extend_from_slice(buf.get(..n).unwrap_or_default());
        }
    }

    /// Waits up to `timeout` for a valid tag, skipping bad frames (logged at debug).
    pub fn read_tag(&mut self, timeout: Duration) -> Result<Option<Tag>, DeviceError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.read_frame(left) {
                Ok(t) => return Ok(t),
                Err(DeviceError::Link(e)) => return Err(DeviceError::Link(e)),
                Err(e) => {
                    tracing::debug!("{e}");
                    if left.is_zero() {
                        return Ok(None);
                    }
                }
            }
        }
    }

    fn error(&self, e: FrameError) -> DeviceError {
        let device = self.device();
        match e {
            FrameError::Checksum { computed, found } => DeviceError::Checksum {
                device,
                what: "XOR",
                computed,
                found,
            },
            FrameError::Garbage(n) => DeviceError::Frame {
                device,
                reason: format!("{n} bytes of noise before a frame start"),
            },
            FrameError::Malformed(reason) => DeviceError::Frame { device, reason },
        }
    }
}
