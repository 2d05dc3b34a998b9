//! A keyboard-wedge reader as a [`PresenceReader`]: input reports from a [`HidLink`]
//! through the [`BootKeyboard`] decoder; every completed line is one
//! [`TapKind::Typed`] tap.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::protocol::BootKeyboard;
use crate::devices::{DeviceError, PresenceReader, Tap, TapKind};
use crate::transport::{HidLink, Sensitivity};

/// A keyboard-wedge reader on a HID link.
pub struct WedgeReader<L: HidLink> {
    link: L,
    keyboard: BootKeyboard,
    lines: VecDeque<String>,
}

impl<L: HidLink> WedgeReader<L> {
    /// Wraps an opened link (a hidraw node or an emulator).
    pub fn new(link: L) -> Self {
        WedgeReader {
            link,
            keyboard: BootKeyboard::new(),
            lines: VecDeque::new(),
        }
    }

    /// The link, e.g. to reach an emulator behind it.
    pub fn link_mut(&mut self) -> &mut L {
        &mut self.link
    }
}

impl<L: HidLink> PresenceReader for WedgeReader<L> {
    fn wait_tap(&mut self, timeout: Duration) -> Result<Option<Tap>, DeviceError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.lines.pop_front() {
                return Ok(Some(Tap {
                    reader: self.link.device().to_string(),
                    kind: TapKind::Typed(line),
                }));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            // Keystrokes may be codes: never trace them in clear.
            match self.link.read_report(left, Sensitivity::Sensitive)? {
                Some(report) => self.lines.extend(self.keyboard.feed(&report)),
                None if left.is_zero() => return Ok(None),
                None => {}
            }
            if Instant::now() >= deadline && self.lines.is_empty() {
                return Ok(None);
            }
        }
    }
}
