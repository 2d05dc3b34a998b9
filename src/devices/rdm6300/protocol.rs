//! RDM6300 frames (reader-protocols.md §3), pure.
//!
//! ```text
//! 02 | 10 ASCII hex: version byte + 32-bit tag id | 2 ASCII hex: XOR of the 5 bytes | 03
//! ```
//! Example: tag `0A 00 B1 C2 D3` → `02 "0A00B1C2D3" "AA" 03`.

use std::fmt;

/// Start of a frame.
pub const STX: u8 = 0x02;
/// End of a frame.
pub const ETX: u8 = 0x03;
/// Bytes in a frame.
pub const FRAME_LEN: usize = 14;

/// An EM4100 tag as the RDM6300 reports it: a version (customer) byte and a 32-bit id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    /// Version / customer byte.
    pub version: u8,
    /// The 32-bit tag id.
    pub id: u32,
}

impl Tag {
    /// The 5 data bytes.
    pub fn bytes(&self) -> [u8; 5] {
        let [a, b, c, d] = self.id.to_be_bytes();
        [self.version, a, b, c, d]
    }

    /// From the 5 data bytes.
    pub fn from_bytes(b: [u8; 5]) -> Self {
        Tag {
            version: b[0],
            id: u32::from_be_bytes([b[1], b[2], b[3], b[4]]),
        }
    }

    /// The XOR checksum of the 5 bytes.
    pub fn checksum(&self) -> u8 {
        self.bytes().iter().fold(0, |a, b| a ^ b)
    }

    /// The id as keyboard-wedge readers type it: 10 decimal digits.
    pub fn decimal(&self) -> String {
        format!("{:010}", self.id)
    }

    /// The "W26" form printed on fobs: facility (byte 2) and the low 16 bits.
    pub fn w26(&self) -> String {
        format!("{},{}", (self.id >> 16) & 0xFF, self.id & 0xFFFF)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.bytes() {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

/// Builds the 14-byte frame for `tag` (upper-case hex, as the module sends).
pub fn encode(tag: &Tag) -> [u8; FRAME_LEN] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = [0u8; FRAME_LEN];
    out[0] = STX;
    let mut ascii = tag.bytes().to_vec();
    ascii.push(tag.checksum());
    for (i, b) in ascii.iter().enumerate() {
        out[1 + 2 * i] = HEX[usize::from(b >> 4)];
        out[2 + 2 * i] = HEX[usize::from(b & 0x0F)];
    }
    out[FRAME_LEN - 1] = ETX;
    out
}

/// What is wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// Bytes before a `02` were dropped (noise, a frame cut at its start).
    Garbage(usize),
    /// A `02` not followed by 12 hex characters and `03` (a truncated or noisy frame).
    Malformed(String),
    /// The XOR checksum does not match.
    Checksum {
        /// XOR of the data bytes.
        computed: u8,
        /// The checksum in the frame.
        found: u8,
    },
}

/// One step of decoding the front of a receive buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// `consumed` bytes make a tag or an error.
    Item {
        /// Bytes to drop from the front.
        consumed: usize,
        /// The tag, or what was wrong.
        item: Result<Tag, FrameError>,
    },
    /// Not enough bytes for a decision.
    NeedMore,
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Decodes the front of `buf`. Resynchronises on `02`: garbage before it is reported
/// (and dropped), a frame broken before its `03` is dropped up to the next `02`.
pub fn decode(buf: &[u8]) -> Decoded {
    match buf.iter().position(|b| *b == STX) {
        None if buf.is_empty() => Decoded::NeedMore,
        None => Decoded::Item {
            consumed: buf.len(),
            item: Err(FrameError::Garbage(buf.len())),
        },
        Some(p) if p > 0 => Decoded::Item {
            consumed: p,
            item: Err(FrameError::Garbage(p)),
        },
        Some(_) => {
            // buf[0] == STX. A second STX inside the frame means this one was cut short.
            let body = buf.get(1..).unwrap_or_default();
            if let Some(next) = body.iter().take(FRAME_LEN - 1).position(|b| *b == STX) {
                return Decoded::Item {
                    consumed: 1 + next,
                    item: Err(FrameError::Malformed(format!(
                        "frame cut after {next} bytes by a new start byte"
                    ))),
                };
            }
            let Some(frame) = buf.get(..FRAME_LEN) else {
                return Decoded::NeedMore;
            };
            Decoded::Item {
                consumed: FRAME_LEN,
                item: parse_frame(frame),
            }
        }
    }
}

fn parse_frame(frame: &[u8]) -> Result<Tag, FrameError> {
    if frame.get(FRAME_LEN - 1) != Some(&ETX) {
        return Err(FrameError::Malformed(format!(
            "byte 14 is {:02X?}, expected 03",
            frame.get(FRAME_LEN - 1)
        )));
    }
    let mut bytes = [0u8; 6];
    for (i, out) in bytes.iter_mut().enumerate() {
        let hi = frame.get(1 + 2 * i).copied().and_then(hex_digit);
        let lo = frame.get(2 + 2 * i).copied().and_then(hex_digit);
        match (hi, lo) {
            (Some(h), Some(l)) => *out = h << 4 | l,
            _ => {
                return Err(FrameError::Malformed(format!(
                    "non-hex character at data position {}",
                    2 * i
                )));
            }
        }
    }
    let tag = Tag::from_bytes([bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]]);
    let computed = tag.checksum();
    if computed != bytes[5] {
        return Err(FrameError::Checksum {
            computed,
            found: bytes[5],
        });
    }
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DOC_TAG: Tag = Tag {
        version: 0x0A,
        id: 0x00B1_C2D3,
    };

    #[test]
    fn frame_from_the_research_doc() {
        let f = encode(&DOC_TAG);
        assert_eq!(
            f,
            [
                0x02, 0x30, 0x41, 0x30, 0x30, 0x42, 0x31, 0x43, 0x32, 0x44, 0x33, 0x41, 0x41, 0x03
            ]
        );
        assert_eq!(
            decode(&f),
            Decoded::Item {
                consumed: 14,
                item: Ok(DOC_TAG)
            }
        );
        assert_eq!(DOC_TAG.decimal(), "0011649747");
        assert_eq!(DOC_TAG.w26(), "177,49875");
    }

    #[test]
    fn resynchronises_after_garbage_and_cut_frames() {
        let mut buf = vec![0xFF, 0x13];
        buf.extend_from_slice(&encode(&DOC_TAG)[..6]);
        buf.extend_from_slice(&encode(&DOC_TAG));
        let mut tags = Vec::new();
        let mut errors = Vec::new();
        while let Decoded::Item { consumed, item } = decode(&buf) {
            buf.drain(..consumed);
            match item {
                Ok(t) => tags.push(t),
                Err(e) => errors.push(e),
            }
        }
        assert_eq!(tags, vec![DOC_TAG]);
        assert_eq!(errors.len(), 2);
        assert!(buf.is_empty());
    }

    #[test]
    fn bad_checksum_is_typed() {
        let mut f = encode(&DOC_TAG);
        f[12] = b'B';
        assert!(matches!(
            decode(&f),
            Decoded::Item {
                item: Err(FrameError::Checksum {
                    computed: 0xAA,
                    found: 0xAB
                }),
                ..
            }
        ));
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Decoded::Item { consumed, .. } = decode(&bytes) {
                prop_assert!(consumed >= 1 && consumed <= bytes.len());
            }
        }
        #[test]
        fn encode_decode_roundtrip(version in any::<u8>(), id in any::<u32>()) {
            let t = Tag { version, id };
            prop_assert_eq!(decode(&encode(&t)), Decoded::Item { consumed: 14, item: Ok(t) });
        }
    }
}
