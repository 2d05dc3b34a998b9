//! Presence: holders enrol credentials (a card UID, a 125 kHz tag, or one of their
//! tokens); kiosks at a location turn taps and typed codes into check-in and check-out
//! events; presence tokens fixed at a location prove visits after the fact; reports
//! say who is in and for how long (design.md §1–§2, standards-and-anchors.md §9–§10:
//! toggling entry/exit, soft anti-passback, automatic check-out at closing time,
//! failed-scan logging, idempotent event keys).
//!
//! Every decision is one write transaction: the credential look-up, the code check by
//! the verification engine, the anti-passback rules and the event insert. An event is
//! committed before anything is shown.

pub mod admin;
mod candidates;
pub mod drain;
mod drain_code;
pub mod feed;
pub mod grammar;
pub mod heartbeat;
pub mod kiosk;
pub mod kiosk_job;
pub mod kiosk_line;
pub mod offline;
pub mod offline_start;
pub mod outbox_name;
pub(crate) mod passback;
pub mod record;
pub mod report;
pub mod tokens;
pub mod visits;
pub mod vocab;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::error::Field;
use super::{Result, StationError};

pub use record::{Outcome, Presentation, TypedCode};
pub use vocab::{EventSource, EventStatus, Reason};

/// Check-in or check-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Check-in.
    In,
    /// Check-out.
    Out,
}

impl Direction {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    /// The other direction.
    pub fn toggled(self) -> Direction {
        match self {
            Direction::In => Direction::Out,
            Direction::Out => Direction::In,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Direction {
    type Err = StationError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "in" | "i" | "check-in" => Ok(Direction::In),
            "out" | "o" | "check-out" => Ok(Direction::Out),
            _ => Err(StationError::UnknownChoice {
                what: Field::Direction,
                value: s.to_string(),
                choices: "in or out",
            }),
        }
    }
}

/// What a location requires of a holder at its kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Mode {
    /// A card or tag tap.
    #[serde(rename = "card")]
    Card,
    /// A code from one of the holder's tokens (`SERIAL CODE`, or a tap then `CODE`).
    #[serde(rename = "code")]
    Code,
    /// A card or tag tap, then a code from the same holder's token.
    #[serde(rename = "card+code")]
    CardAndCode,
}

impl Mode {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Card => "card",
            Mode::Code => "code",
            Mode::CardAndCode => "card+code",
        }
    }
}

impl FromStr for Mode {
    type Err = StationError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "card" => Ok(Mode::Card),
            "code" => Ok(Mode::Code),
            "card+code" | "card-code" | "both" => Ok(Mode::CardAndCode),
            _ => Err(StationError::UnknownChoice {
                what: Field::Mode,
                value: s.to_string(),
                choices: "card, code or card+code",
            }),
        }
    }
}

/// The kind of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CredKind {
    /// A contactless card (PC/SC, PN532): its UID.
    Card,
    /// A 125 kHz tag (RDM6300, keyboard wedge): its 32-bit id.
    Tag,
    /// One of the holder's OTP tokens: its serial.
    Token,
}

impl CredKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CredKind::Card => "card",
            CredKind::Tag => "tag",
            CredKind::Token => "token",
        }
    }
}

/// A credential as presented: its kind and canonical value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialKey {
    /// Kind.
    pub kind: CredKind,
    /// Canonical value: card UID as upper-case hex, tag id as 10 decimal digits, token
    /// serial as typed.
    pub value: String,
}

impl fmt::Display for CredentialKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.value)
    }
}

impl CredentialKey {
    /// A card from its UID bytes.
    pub fn card(uid: &[u8]) -> CredentialKey {
        CredentialKey {
            kind: CredKind::Card,
            value: uid.iter().map(|b| format!("{b:02X}")).collect(),
        }
    }

    /// A tag from the bytes an RDM6300 reports (version byte + 32-bit id, or the id
    /// alone): canonical form is the 32-bit id as 10 decimal digits, which is also what
    /// keyboard-wedge readers type and what fobs print (reader-protocols.md §3).
    pub fn tag_bytes(bytes: &[u8]) -> Option<CredentialKey> {
        let id = match bytes {
            [_, a, b, c, d] | [a, b, c, d] => u32::from_be_bytes([*a, *b, *c, *d]),
            _ => return None,
        };
        Some(CredentialKey {
            kind: CredKind::Tag,
            value: format!("{id:010}"),
        })
    }

    /// A card UID typed by an operator: hex, 4, 7 or 10 bytes, separators `:`/`-`/space
    /// allowed.
    pub fn parse_card(text: &str) -> Result<CredentialKey> {
        let hex: String = text
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | ' '))
            .collect();
        let bytes = data_encoding::HEXUPPER_PERMISSIVE
            .decode(hex.as_bytes())
            .map_err(|_| StationError::CardUidNotHex(text.to_string()))?;
        if !matches!(bytes.len(), 4 | 7 | 10) {
            return Err(StationError::CardUidLength {
                text: text.to_string(),
                len: bytes.len(),
            });
        }
        Ok(CredentialKey::card(&bytes))
    }

    /// A tag id typed by an operator: 10 decimal digits (as printed on the fob and
    /// typed by wedge readers, `0011649747`), the W26 form `177,49875`, or the 10 hex
    /// digits an RDM6300 sends (`0A00B1C2D3`, at least one letter or a `0x` prefix).
    pub fn parse_tag(text: &str) -> Result<CredentialKey> {
        let t = text.trim();
        let bad = || StationError::BadTag(text.to_string());
        if let Some((fac, card)) = t.split_once(',') {
            let fac: u32 = fac.trim().parse().map_err(|_| bad())?;
            let card: u32 = card.trim().parse().map_err(|_| bad())?;
            if fac > 0xFF || card > 0xFFFF {
                return Err(bad());
            }
            // W26 shows byte 2 and the low 16 bits; the top byte is not printed.
            return Ok(CredentialKey {
                kind: CredKind::Tag,
                value: format!("{:010}", (fac << 16) | card),
            });
        }
        let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
        if hex.is_none() && t.len() == 10 && t.bytes().all(|b| b.is_ascii_digit()) {
            let id: u64 = t.parse().map_err(|_| bad())?;
            let id = u32::try_from(id).map_err(|_| bad())?;
            return Ok(CredentialKey {
                kind: CredKind::Tag,
                value: format!("{id:010}"),
            });
        }
        let hex = hex.unwrap_or(t);
        let bytes = data_encoding::HEXUPPER_PERMISSIVE
            .decode(hex.as_bytes())
            .map_err(|_| bad())?;
        CredentialKey::tag_bytes(&bytes).ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tag_forms_agree() {
        // reader-protocols.md §3: tag 0A 00 B1 C2 D3 = decimal 0011649747 = W26 177,49875.
        let from_frame = CredentialKey::tag_bytes(&[0x0A, 0x00, 0xB1, 0xC2, 0xD3]).unwrap();
        assert_eq!(from_frame.value, "0011649747");
        assert_eq!(CredentialKey::parse_tag("0011649747").unwrap(), from_frame);
        assert_eq!(CredentialKey::parse_tag("0A00B1C2D3").unwrap(), from_frame);
        assert_eq!(CredentialKey::parse_tag("177,49875").unwrap(), from_frame);
        assert!(CredentialKey::parse_tag("9999999999").is_err());
        assert!(CredentialKey::parse_tag("hello").is_err());
        assert_eq!(
            CredentialKey::parse_card("04:a1:b2:c3").unwrap().value,
            "04A1B2C3"
        );
        assert!(CredentialKey::parse_card("04A1B2").is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in ".{0,24}") {
            let _ = CredentialKey::parse_tag(&s);
            let _ = CredentialKey::parse_card(&s);
        }

        #[test]
        fn tag_decimal_round_trips(id in any::<u32>()) {
            let k = CredentialKey::tag_bytes(&id.to_be_bytes()).unwrap();
            prop_assert_eq!(CredentialKey::parse_tag(&k.value).unwrap(), k);
        }
    }
}
