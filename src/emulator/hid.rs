//! HID devices, device side: output/input reports and feature reports
//! (reader-protocols.md §5, §9.3). The kernel here offers no virtual HID, so emulated
//! HID devices are reached in-process through [`super::link::InProcess`].
//!
//! [`KeyboardWedge`] is the `hid-wedge` family's device: a USB RFID reader that types
//! the tag as keystrokes in 8-byte boot-keyboard input reports.

use std::collections::VecDeque;

/// The device side of a HID protocol.
pub trait VirtualHidDevice: Send {
    /// An output report arrives (first byte: report id).
    fn output_report(&mut self, report: &[u8]);
    /// The next input report, if the device has one to send.
    fn input_report(&mut self) -> Option<Vec<u8>>;
    /// A feature report is set; `Err` is what the device's refusal looks like to the host.
    fn set_feature(&mut self, report: &[u8]) -> Result<(), String>;
    /// Feature report `report_id` is read, at most `len` bytes.
    fn get_feature(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, String>;
}

/// Boot keyboard usage id of a character the wedge types, with whether Shift is held.
pub fn usage_of(c: char) -> Option<(u8, bool)> {
    match c {
        '1'..='9' => Some((0x1E + (c as u8 - b'1'), false)),
        '0' => Some((0x27, false)),
        'a'..='z' => Some((0x04 + (c as u8 - b'a'), false)),
        'A'..='Z' => Some((0x04 + (c as u8 - b'A'), true)),
        '\n' => Some((0x28, false)),
        ',' => Some((0x36, false)),
        ' ' => Some((0x2C, false)),
        _ => None,
    }
}

/// A keyboard-wedge RFID reader: each tap types the tag id followed by Enter,
/// one press report and one all-zero release report per key.
#[derive(Debug, Default)]
pub struct KeyboardWedge {
    reports: VecDeque<Vec<u8>>,
}

impl KeyboardWedge {
    /// A reader with nothing to type.
    pub fn new() -> Self {
        KeyboardWedge::default()
    }

    /// Types `text` (digits, letters, `,`, space, `\n`); other characters are skipped, as a
    /// reader's keymap would not have them.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            if let Some((usage, shift)) = usage_of(c) {
                // modifier reserved key1..key6
                let modifier = if shift { 0x02 } else { 0x00 };
                self.reports
                    .push_back(vec![modifier, 0, usage, 0, 0, 0, 0, 0]);
                self.reports.push_back(vec![0; 8]);
            }
        }
    }

    /// A tap of an EM4100 tag: its 32-bit id as 10 decimal digits and Enter
    /// (reader-protocols.md §3, §5).
    pub fn tap_em4100(&mut self, id: u32) {
        self.type_text(&format!("{id:010}\n"));
    }
}

impl VirtualHidDevice for KeyboardWedge {
    fn output_report(&mut self, _report: &[u8]) {
        // LED output reports (Num/Caps Lock) change nothing in a reader.
    }
    fn input_report(&mut self) -> Option<Vec<u8>> {
        self.reports.pop_front()
    }
    fn set_feature(&mut self, _report: &[u8]) -> Result<(), String> {
        Err("boot keyboard has no feature reports (EPIPE)".into())
    }
    fn get_feature(&mut self, _report_id: u8, _len: usize) -> Result<Vec<u8>, String> {
        Err("boot keyboard has no feature reports (EPIPE)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_press_and_release_reports() {
        let mut w = KeyboardWedge::new();
        w.type_text("10\n");
        let r: Vec<Vec<u8>> = std::iter::from_fn(|| w.input_report()).collect();
        assert_eq!(r.len(), 6);
        assert_eq!(r[0], [0, 0, 0x1E, 0, 0, 0, 0, 0]);
        assert_eq!(r[1], [0; 8]);
        assert_eq!(r[2][2], 0x27);
        assert_eq!(r[4][2], 0x28);
    }
}
