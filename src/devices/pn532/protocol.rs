//! PN532 HSU frames (reader-protocols.md §2), pure.
//!
//! ```text
//! normal    00 00 FF LEN LCS TFI PD0..PDn DCS 00     LEN = |TFI..PDn|, LEN+LCS ≡ 0,
//!                                                    TFI+PD0+…+PDn+DCS ≡ 0 (mod 256)
//! extended  00 00 FF FF FF LENM LENL LCS TFI … DCS 00   LENM+LENL+LCS ≡ 0
//! ACK       00 00 FF 00 FF 00
//! NACK      00 00 FF FF 00 00
//! error     00 00 FF 01 FF 7F 81 00                  (LEN 1, no TFI, byte 7F)
//! ```
//! TFI is `D4` host→PN532 and `D5` PN532→host; a reply's PD0 is the command code + 1.

/// Start code that follows the preamble.
pub const START: [u8; 2] = [0x00, 0xFF];
/// ACK frame.
pub const ACK: [u8; 6] = [0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00];
/// NACK frame ("send the last response again").
pub const NACK: [u8; 6] = [0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00];
/// Application-level (syntax) error frame.
pub const ERROR_FRAME: [u8; 8] = [0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00];
/// HSU wake-up as libnfc sends it: `55 55` and 14 × `00` (`pn532_uart.c`
/// `pn532_uart_wakeup`; the short `55 55 00 00 00` timed out on some boards).
pub const WAKE_UP: [u8; 16] = [
    0x55, 0x55, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
/// InDataExchange status bit 6: more information, the answer continues (libnfc
/// `pn53x_transceive`: the host sends InDataExchange with only Tg for the rest).
pub const STATUS_MI: u8 = 0x40;
/// TFI of host-to-PN532 frames.
pub const TFI_HOST: u8 = 0xD4;
/// TFI of PN532-to-host frames.
pub const TFI_PN532: u8 = 0xD5;

/// Command codes (PD0 of host frames).
pub mod cmd {
    /// GetFirmwareVersion.
    pub const GET_FIRMWARE_VERSION: u8 = 0x02;
    /// SAMConfiguration.
    pub const SAM_CONFIGURATION: u8 = 0x14;
    /// PowerDown.
    pub const POWER_DOWN: u8 = 0x16;
    /// RFConfiguration.
    pub const RF_CONFIGURATION: u8 = 0x32;
    /// InDataExchange.
    pub const IN_DATA_EXCHANGE: u8 = 0x40;
    /// InListPassiveTarget.
    pub const IN_LIST_PASSIVE_TARGET: u8 = 0x4A;
    /// InRelease.
    pub const IN_RELEASE: u8 = 0x52;
}

/// RFConfiguration item 5: MaxRetries (MxRtyATR, MxRtyPSL, MxRtyPassiveActivation).
pub const RF_ITEM_MAX_RETRIES: u8 = 0x05;
/// InListPassiveTarget BrTy 106 kbps ISO 14443 type A.
pub const BRTY_106A: u8 = 0x00;

/// A decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// ACK.
    Ack,
    /// NACK.
    Nack,
    /// The error frame (`7F`).
    Error,
    /// An information frame: its TFI and PD0..PDn.
    Info {
        /// Direction byte.
        tfi: u8,
        /// Command or reply code and its data.
        data: Vec<u8>,
    },
}

/// What is wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// LEN + LCS is not 0 mod 256.
    LengthChecksum {
        /// The LCS that would be right.
        computed: u8,
        /// The LCS in the frame.
        found: u8,
    },
    /// TFI + data + DCS is not 0 mod 256.
    DataChecksum {
        /// The DCS that would be right.
        computed: u8,
        /// The DCS in the frame.
        found: u8,
    },
    /// The byte after DCS (or after an ACK/NACK) is not the `00` postamble.
    Postamble(u8),
    /// A frame with LEN 0 that is not an ACK.
    Empty,
}

/// The result of looking at the front of a receive buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A complete frame (or a broken one) and how many bytes it used, garbage before it
    /// included.
    Frame {
        /// Bytes to drop from the front of the buffer.
        consumed: usize,
        /// The frame, or why it is broken.
        frame: Result<Frame, FrameError>,
    },
    /// No complete frame yet; `skip` leading bytes are garbage and can be dropped.
    NeedMore {
        /// Bytes that cannot start a frame.
        skip: usize,
    },
}

/// The checksum byte that makes `bytes` sum to 0 mod 256.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |a, b| a.wrapping_add(*b))
        .wrapping_neg()
}

/// Builds an information frame with `tfi` and `data` (PD0..PDn), extended when longer
/// than 254 bytes.
pub fn build(tfi: u8, data: &[u8]) -> Vec<u8> {
    let len = data.len() + 1;
    let mut out = vec![0x00, 0x00, 0xFF];
    if len <= 0xFF {
        // LEN LCS
        out.extend_from_slice(&[len as u8, (len as u8).wrapping_neg()]);
    } else {
        // FF FF LENM LENL LCS
        let [m, l] = (len.min(0xFFFF) as u16).to_be_bytes();
        out.extend_from_slice(&[0xFF, 0xFF, m, l, checksum(&[m, l])]);
    }
    // TFI PD0..PDn DCS 00
    let body_start = out.len();
    out.push(tfi);
    out.extend_from_slice(data);
    let dcs = checksum(&out[body_start..]);
    out.extend_from_slice(&[dcs, 0x00]);
    out
}

/// A host command frame: TFI `D4`, command code, parameters.
pub fn command(code: u8, params: &[u8]) -> Vec<u8> {
    let mut data = vec![code];
    data.extend_from_slice(params);
    build(TFI_HOST, &data)
}

/// A PN532 reply frame: TFI `D5`, reply code, data.
pub fn reply(code: u8, data: &[u8]) -> Vec<u8> {
    let mut d = vec![code];
    d.extend_from_slice(data);
    build(TFI_PN532, &d)
}

/// Looks for one frame at the front of `buf`, skipping garbage before its start code.
pub fn decode(buf: &[u8]) -> Decoded {
    // Find the start code 00 FF.
    let Some(start) = buf.windows(2).position(|w| w == START) else {
        // Keep a trailing 00: it may be the first half of a start code.
        let skip = if buf.last() == Some(&0x00) {
            buf.len() - 1
        } else {
            buf.len()
        };
        return Decoded::NeedMore { skip };
    };
    let rest = &buf[start + 2..];
    let done = |used: usize, frame| Decoded::Frame {
        consumed: start + 2 + used,
        frame,
    };
    let need = Decoded::NeedMore { skip: start };
    match rest {
        [] | [_] | [_, _] => need,
        // ACK: 00 FF 00 FF 00 ; NACK: 00 FF FF 00 00
        [0x00, 0xFF, post, ..] => done(3, postamble(*post, Frame::Ack)),
        [0xFF, 0x00, post, ..] => done(3, postamble(*post, Frame::Nack)),
        [0xFF, 0xFF, ext @ ..] => {
            let [m, l, lcs, body @ ..] = ext else {
                return need;
            };
            if m.wrapping_add(*l).wrapping_add(*lcs) != 0 {
                return done(
                    5,
                    Err(FrameError::LengthChecksum {
                        computed: checksum(&[*m, *l]),
                        found: *lcs,
                    }),
                );
            }
            let len = usize::from(u16::from_be_bytes([*m, *l]));
            info(body, len).map_or(need, |(used, f)| done(5 + used, f))
        }
        [len, lcs, body @ ..] => {
            if len.wrapping_add(*lcs) != 0 {
                return done(
                    2,
                    Err(FrameError::LengthChecksum {
                        computed: len.wrapping_neg(),
                        found: *lcs,
                    }),
                );
            }
            info(body, usize::from(*len)).map_or(need, |(used, f)| done(2 + used, f))
        }
    }
}

fn postamble(post: u8, frame: Frame) -> Result<Frame, FrameError> {
    if post == 0x00 {
        Ok(frame)
    } else {
        Err(FrameError::Postamble(post))
    }
}

/// Reads `len` bytes of TFI+data, DCS and the postamble from `body`; `None` if short.
fn info(body: &[u8], len: usize) -> Option<(usize, Result<Frame, FrameError>)> {
    if len == 0 {
        return Some((0, Err(FrameError::Empty)));
    }
    let payload = body.get(..len)?;
    let dcs = *body.get(len)?;
    let post = *body.get(len + 1)?;
    let used = len + 2;
    let computed = checksum(payload);
    if computed != dcs {
        return Some((
            used,
            Err(FrameError::DataChecksum {
                computed,
                found: dcs,
            }),
        ));
    }
    let frame = match payload {
        [0x7F] => Frame::Error,
        [tfi, data @ ..] => Frame::Info {
            tfi: *tfi,
            data: data.to_vec(),
        },
        [] => return Some((used, Err(FrameError::Empty))),
    };
    Some((used, postamble(post, frame)))
}

/// PN53x status byte names (low 6 bits of an InDataExchange status), from libnfc.
pub fn status_name(code: u8) -> &'static str {
    match code & 0x3F {
        0x00 => "success",
        0x01 => "timeout",
        0x02 => "CRC error",
        0x03 => "parity error",
        0x04 => "bit-count error",
        0x05 => "framing error",
        0x06 => "bit collision",
        0x07 => "buffer too small",
        0x09 => "RF buffer overflow",
        0x0A => "RF timeout",
        0x0B => "RF protocol error",
        0x0D => "overheat",
        0x0E => "internal buffer overflow",
        0x10 => "invalid parameter",
        0x12 => "DEP unknown command",
        0x13 => "invalid Rx frame",
        0x14 => "MIFARE authentication failed",
        0x23 => "BCC error",
        0x25 => "DEP invalid state",
        0x26 => "operation not allowed",
        0x27 => "command not acceptable",
        0x29 => "target released",
        0x2A => "CID mismatch",
        0x2B => "card discarded",
        0x2C => "NFCID3 mismatch",
        0x2D => "over-current",
        0x2E => "NAD missing",
        _ => "unknown status",
    }
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
