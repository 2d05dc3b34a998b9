//! Boot-keyboard input reports to text lines (reader-protocols.md §5), pure.
//!
//! ```text
//! byte 0: modifiers (bit 1 LShift, bit 5 RShift)   byte 1: reserved
//! bytes 2..7: up to 6 pressed usages (page 0x07)    all-zero report: every key up
//! ```
//! A key counts when it appears in a report and was not in the previous one (so a held
//! key, or a report repeated by the device, types once). Usages: `1`..`9` = `1E`..`26`,
//! `0` = `27`, Enter `28`, Esc `29` (drops the line), Backspace `2A`, Tab `2B`, Space
//! `2C`, `-` `2D`, `,` `36`, `a`..`z` = `04`..`1D` (Shift: upper case), keypad `1`..`9`
//! = `59`..`61`, keypad `0` = `62`, keypad Enter `58`. `01` (ErrorRollOver) reports
//! are ignored. Lines end with Enter (or keypad Enter); empty lines are dropped.

/// Longest line kept; longer input is noise and is dropped at the next Enter.
pub const MAX_LINE: usize = 128;

/// What one key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Types a character.
    Char(char),
    /// Ends the line.
    Enter,
    /// Deletes the last character.
    Backspace,
    /// Drops the line.
    Escape,
}

/// The key of a usage id with Shift held or not; `None` for keys a reader never types.
pub fn key_of(usage: u8, shift: bool) -> Option<Key> {
    let k = match usage {
        0x04..=0x1D => {
            let c = char::from(b'a' + (usage - 0x04));
            Key::Char(if shift { c.to_ascii_uppercase() } else { c })
        }
        0x1E..=0x26 => Key::Char(char::from(b'1' + (usage - 0x1E))),
        0x27 => Key::Char('0'),
        0x28 | 0x58 => Key::Enter,
        0x29 => Key::Escape,
        0x2A => Key::Backspace,
        0x2B | 0x2C => Key::Char(' '),
        0x2D => Key::Char('-'),
        0x36 => Key::Char(','),
        0x37 => Key::Char('.'),
        0x59..=0x61 => Key::Char(char::from(b'1' + (usage - 0x59))),
        0x62 => Key::Char('0'),
        _ => return None,
    };
    Some(k)
}

/// Decoder state: the keys of the previous report and the line typed so far.
#[derive(Debug, Clone, Default)]
pub struct BootKeyboard {
    prev: [u8; 6],
    line: String,
    overflow: bool,
}

impl BootKeyboard {
    /// A decoder with nothing typed.
    pub fn new() -> Self {
        BootKeyboard::default()
    }

    /// Feeds one input report; returns the lines it completed. Reports of another
    /// size than 8 bytes (or 9 with a report id first) are ignored.
    pub fn feed(&mut self, report: &[u8]) -> Vec<String> {
        let r = match report.len() {
            8 => report,
            9 => report.get(1..).unwrap_or_default(),
            _ => return Vec::new(),
        };
        let (Some(&modifiers), Some(keys)) = (r.first(), r.get(2..8)) else {
            return Vec::new();
        };
        if keys.contains(&0x01) {
            return Vec::new(); // ErrorRollOver: too many keys, the state is unknown
        }
        let shift = modifiers & 0x22 != 0;
        let mut out = Vec::new();
        for &usage in keys.iter().filter(|&&u| u != 0) {
            if self.prev.contains(&usage) {
                continue;
            }
            match key_of(usage, shift) {
                Some(Key::Char(c)) => {
                    if self.line.len() < MAX_LINE {
                        self.line.push(c);
                    } else {
                        self.overflow = true;
                    }
                }
                Some(Key::Backspace) => {
                    self.line.pop();
                }
                Some(Key::Escape) => self.line.clear(),
                Some(Key::Enter) => {
                    let line = std::mem::take(&mut self.line);
                    let trimmed = line.trim();
                    if !self.overflow && !trimmed.is_empty() {
                        out.push(trimmed.to_string());
                    }
                    self.overflow = false;
                }
                None => {}
            }
        }
        self.prev.copy_from_slice(keys);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn press(u: u8) -> [u8; 8] {
        [0, 0, u, 0, 0, 0, 0, 0]
    }

    #[test]
    fn digits_and_enter_from_press_release_pairs() {
        let mut k = BootKeyboard::new();
        let mut lines = Vec::new();
        // "0011649747" + Enter, as reader-protocols.md §5 shows a wedge typing it.
        for c in "0011649747".chars() {
            let u = if c == '0' {
                0x27
            } else {
                0x1E + (c as u8 - b'1')
            };
            lines.extend(k.feed(&press(u)));
            lines.extend(k.feed(&[0; 8]));
        }
        assert!(lines.is_empty());
        lines.extend(k.feed(&press(0x28)));
        assert_eq!(lines, vec!["0011649747".to_string()]);
    }

    #[test]
    fn held_key_types_once_shift_and_keypad() {
        let mut k = BootKeyboard::new();
        k.feed(&[0x02, 0, 0x04, 0, 0, 0, 0, 0]); // Shift+a
        k.feed(&[0x02, 0, 0x04, 0, 0, 0, 0, 0]); // still held
        k.feed(&[0x00, 0, 0x04, 0x05, 0, 0, 0, 0]); // b pressed, a still held
        k.feed(&press(0x59)); // KP1
        k.feed(&press(0x2A)); // backspace
        k.feed(&press(0x62)); // KP0
        assert_eq!(k.feed(&press(0x58)), vec!["Ab0".to_string()]);
        // Error rollover and odd sizes change nothing.
        assert!(k.feed(&[0, 0, 1, 1, 1, 1, 1, 1]).is_empty());
        assert!(k.feed(&[1, 2, 3]).is_empty());
        // Escape drops the line; empty lines are not reported.
        k.feed(&press(0x1E));
        k.feed(&press(0x29));
        assert!(k.feed(&press(0x28)).is_empty());
    }

    proptest! {
        #[test]
        fn never_panics_and_lines_are_bounded(reports in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 0..64)) {
            let mut k = BootKeyboard::new();
            for r in &reports {
                for line in k.feed(r) {
                    prop_assert!(!line.is_empty() && line.len() <= MAX_LINE);
                }
            }
        }

        #[test]
        fn typed_digits_round_trip(digits in "[0-9]{1,20}") {
            let mut k = BootKeyboard::new();
            for c in digits.chars() {
                let u = if c == '0' { 0x27 } else { 0x1E + (c as u8 - b'1') };
                prop_assert!(k.feed(&press(u)).is_empty());
                prop_assert!(k.feed(&[0; 8]).is_empty());
            }
            prop_assert_eq!(k.feed(&press(0x28)), vec![digits.clone()]);
        }
    }
}
