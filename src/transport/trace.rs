//! Frame tracing (rust-style.md §10.7): `>>` host to device, `<<` device to host, hex at
//! `trace` level; frames that carry seeds are written as `[REDACTED n bytes]`.

use std::fmt;

/// Direction of a frame on a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Host to device (`>>`).
    ToDevice,
    /// Device to host (`<<`).
    FromDevice,
}

/// Whether a frame may appear in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sensitivity {
    /// Traced as hex.
    #[default]
    Normal,
    /// Carries secret material (seed writes, their echoes): traced as `[REDACTED n bytes]`.
    Sensitive,
}

/// Bytes shown as upper-case hex pairs separated by spaces (`FF CA 00 00 00`).
#[derive(Clone, Copy)]
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A frame as it may be logged: hex, or `[REDACTED n bytes]` when sensitive.
pub struct Loggable<'a> {
    bytes: &'a [u8],
    sensitivity: Sensitivity,
}

impl<'a> Loggable<'a> {
    /// Wraps `bytes` for logging.
    pub fn new(bytes: &'a [u8], sensitivity: Sensitivity) -> Self {
        Loggable { bytes, sensitivity }
    }
}

impl fmt::Display for Loggable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sensitivity {
            Sensitivity::Normal => Hex(self.bytes).fmt(f),
            Sensitivity::Sensitive => write!(f, "[REDACTED {} bytes]", self.bytes.len()),
        }
    }
}

/// Traces one frame on `link` at `trace` level.
pub fn frame(link: &str, dir: Direction, bytes: &[u8], sensitivity: Sensitivity) {
    let arrow = match dir {
        Direction::ToDevice => ">>",
        Direction::FromDevice => "<<",
    };
    tracing::trace!(link, "{arrow} {}", Loggable::new(bytes, sensitivity));
}

/// Parses hex with optional spaces/colons (`"FF CA 00"`, `"ffca00"`, `"04:A1"`).
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| !matches!(c, b' ' | b'\t' | b':'))
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits in {text:?}"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let hi = hex_value(pair[0]);
            let lo = hex_value(pair[1]);
            match (hi, lo) {
                (Some(h), Some(l)) => Ok(h << 4 | l),
                _ => Err(format!("not hex: {text:?}")),
            }
        })
        .collect()
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hex_and_redaction() {
        assert_eq!(Hex(&[0xFF, 0xCA, 0x00]).to_string(), "FF CA 00");
        assert_eq!(
            Loggable::new(&[1, 2, 3], Sensitivity::Sensitive).to_string(),
            "[REDACTED 3 bytes]"
        );
        assert_eq!(
            Loggable::new(&[1, 2], Sensitivity::Normal).to_string(),
            "01 02"
        );
    }

    #[test]
    fn parse_hex_forms() {
        assert_eq!(parse_hex("FF ca:00").unwrap(), vec![0xFF, 0xCA, 0x00]);
        assert!(parse_hex("F").is_err());
        assert!(parse_hex("GG").is_err());
    }

    proptest! {
        #[test]
        fn parse_hex_roundtrip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(parse_hex(&Hex(&bytes).to_string()).unwrap(), bytes);
        }
        #[test]
        fn parse_hex_never_panics(s in ".{0,80}") {
            let _ = parse_hex(&s);
        }
    }
}
