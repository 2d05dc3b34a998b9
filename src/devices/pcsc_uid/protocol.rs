//! PC/SC part 3 pseudo-APDUs and contactless ATRs (reader-protocols.md §4).
//!
//! - GET DATA: `FF CA 00 00 Le` → UID + `90 00`; `FF CA 01 00 Le` → ATS (ISO 14443-4
//!   type A only, else `6A 81`). Errors `63 00` failed, `6A 81` not supported; newer
//!   readers answer `62 82` (UID shorter than Le) and `6C xx` (Le too small).
//! - ATR of a storage card: `3B 8F 80 01 80 4F 0C A0 00 00 03 06 SS C0 C1 00 00 00 00 TCK`
//!   (RID `A0 00 00 03 06`, SS the standard, C0 C1 the card name).
//! - ATR of an ISO 14443-4 card: `3B 8N 80 01 <N historical bytes> TCK`.

use crate::transport::Apdu;

/// GET DATA P1 selecting the UID.
pub const GET_DATA_UID: u8 = 0x00;
/// GET DATA P1 selecting the ATS.
pub const GET_DATA_ATS: u8 = 0x01;

/// `FF CA 00 00 00`: GET DATA, the card's UID (Le `00` = all of it).
pub fn get_uid() -> Apdu {
    // CLA INS P1 P2 Le
    Apdu::new(0xFF, 0xCA, GET_DATA_UID, 0x00).le(256)
}

/// `FF CA 01 00 00`: GET DATA, the card's ATS.
pub fn get_ats() -> Apdu {
    // CLA INS P1 P2 Le
    Apdu::new(0xFF, 0xCA, GET_DATA_ATS, 0x00).le(256)
}

/// An ACR122U-class LED and buzzer command: `FF 00 40 P2 04 T1 T2 REP LINK`.
/// P2 bits: b0 final red, b1 final green, b2 red mask, b3 green mask, b4 initial red
/// blink state, b5 initial green blink state, b6 red blink mask, b7 green blink mask.
/// T1/T2 in 100 ms units, REP repetitions, LINK the buzzer (0 off, 1 during T1, 2
/// during T2, 3 both). The reader answers `90 xx` (xx: LED state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedBuzzer {
    /// LED state control byte (P2).
    pub p2: u8,
    /// T1 duration, 100 ms units.
    pub t1: u8,
    /// T2 duration, 100 ms units.
    pub t2: u8,
    /// Repetitions.
    pub repeat: u8,
    /// Buzzer link.
    pub buzzer: u8,
}

impl LedBuzzer {
    /// Accepted: green blinks twice (mask b3, blink mask b7, initial green b5) with a
    /// short beep during T1.
    pub const ACCEPTED: LedBuzzer = LedBuzzer {
        p2: 0xA8,
        t1: 1,
        t2: 1,
        repeat: 2,
        buzzer: 0x01,
    };
    /// Refused: red blinks three times (mask b2, blink mask b6, initial red b4) with
    /// the buzzer during T1 and T2.
    pub const REFUSED: LedBuzzer = LedBuzzer {
        p2: 0x54,
        t1: 2,
        t2: 2,
        repeat: 3,
        buzzer: 0x03,
    };

    /// The pseudo-APDU.
    pub fn apdu(&self) -> Apdu {
        // CLA INS P1 P2 Lc T1 T2 REP LINK
        Apdu::new(0xFF, 0x00, 0x40, self.p2).data(vec![self.t1, self.t2, self.repeat, self.buzzer])
    }
}

/// The PC/SC registered application provider id in storage-card ATRs.
pub const PCSC_RID: [u8; 5] = [0xA0, 0x00, 0x00, 0x03, 0x06];

/// What a contactless ATR built by the reader (PC/SC part 3) says about the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactlessAtr {
    /// An ISO 14443-3 storage card (MIFARE Classic, Ultralight, NTAG…).
    Storage {
        /// SS: the standard (`03` = ISO 14443A part 3).
        standard: u8,
        /// C0 C1: the card name code (`00 01` MIFARE 1K…).
        card_name: u16,
    },
    /// An ISO 14443-4 card; the historical bytes come from its ATS or ATQB.
    Iso14443_4 {
        /// Historical bytes.
        historical: Vec<u8>,
    },
}

impl ContactlessAtr {
    /// Parses a contactless ATR; `None` for any other ATR (contact cards, bad TCK).
    pub fn parse(atr: &[u8]) -> Option<ContactlessAtr> {
        let [0x3B, t0, 0x80, 0x01, rest @ ..] = atr else {
            return None;
        };
        if t0 & 0xF0 != 0x80 {
            return None;
        }
        let k = usize::from(t0 & 0x0F);
        let (historical, [tck]) = rest.split_at_checked(k)? else {
            return None;
        };
        if tck_of(atr.get(1..atr.len() - 1)?) != *tck {
            return None;
        }
        match historical {
            [0x80, 0x4F, 0x0C, rid @ .., ss, c0, c1, 0, 0, 0, 0] if rid == PCSC_RID => {
                Some(ContactlessAtr::Storage {
                    standard: *ss,
                    card_name: u16::from_be_bytes([*c0, *c1]),
                })
            }
            _ => Some(ContactlessAtr::Iso14443_4 {
                historical: historical.to_vec(),
            }),
        }
    }

    /// Builds the ATR a PC/SC reader presents for this card (with its TCK).
    pub fn build(&self) -> Vec<u8> {
        let historical = match self {
            ContactlessAtr::Storage {
                standard,
                card_name,
            } => {
                // 80 | 4F 0C | RID(5) SS C0 C1 | RFU(4)
                let mut h = vec![0x80, 0x4F, 0x0C];
                h.extend_from_slice(&PCSC_RID);
                h.push(*standard);
                h.extend_from_slice(&card_name.to_be_bytes());
                h.extend_from_slice(&[0, 0, 0, 0]);
                h
            }
            ContactlessAtr::Iso14443_4 { historical } => {
                historical.iter().take(15).copied().collect()
            }
        };
        // TS T0 TD1 TD2 historical… TCK
        let mut atr = vec![0x3B, 0x80 | historical.len() as u8, 0x80, 0x01];
        atr.extend_from_slice(&historical);
        atr.push(tck_of(&atr[1..]));
        atr
    }

    /// A short name of the card (`MIFARE Classic 1K`, `ISO 14443-4`).
    pub fn card_name(&self) -> &'static str {
        match self {
            ContactlessAtr::Storage { card_name, .. } => match card_name {
                0x0001 => "MIFARE Classic 1K",
                0x0002 => "MIFARE Classic 4K",
                0x0003 => "MIFARE Ultralight / NTAG",
                0x0026 => "MIFARE Mini",
                0xF004 => "Topaz / Jewel",
                0xF011 | 0xF012 => "FeliCa",
                _ => "ISO 14443-3 storage card",
            },
            ContactlessAtr::Iso14443_4 { .. } => "ISO 14443-4 card",
        }
    }
}

/// The historical bytes of an ATS: `TL T0 [TA] [TB] [TC] historical…` (ISO 14443-4
/// §5.2; T0 bits 4, 5, 6 announce TA, TB, TC).
pub fn ats_historical(ats: &[u8]) -> &[u8] {
    let Some(&t0) = ats.get(1) else {
        return &[];
    };
    let interface_bytes = [0x10u8, 0x20, 0x40]
        .iter()
        .filter(|bit| t0 & **bit != 0)
        .count();
    ats.get(2 + interface_bytes..).unwrap_or(&[])
}

/// TCK: the XOR of every byte from T0 to the last historical byte.
pub fn tck_of(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::parse_hex;
    use proptest::prelude::*;

    #[test]
    fn mifare_1k_atr_from_the_research_doc() {
        let atr = parse_hex("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A").unwrap();
        let parsed = ContactlessAtr::parse(&atr).unwrap();
        assert_eq!(
            parsed,
            ContactlessAtr::Storage {
                standard: 3,
                card_name: 1
            }
        );
        assert_eq!(parsed.build(), atr);
        assert_eq!(parsed.card_name(), "MIFARE Classic 1K");
    }

    #[test]
    fn desfire_atr_from_the_research_doc() {
        let atr = parse_hex("3B 81 80 01 80 80").unwrap();
        let parsed = ContactlessAtr::parse(&atr).unwrap();
        assert_eq!(
            parsed,
            ContactlessAtr::Iso14443_4 {
                historical: vec![0x80]
            }
        );
        assert_eq!(parsed.build(), atr);
    }

    #[test]
    fn bad_tck_and_contact_atrs_are_not_contactless() {
        let mut atr = parse_hex("3B 81 80 01 80 80").unwrap();
        atr[5] ^= 1;
        assert_eq!(ContactlessAtr::parse(&atr), None);
        assert_eq!(
            ContactlessAtr::parse(&parse_hex("3B 02 14 50").unwrap()),
            None
        );
    }

    #[test]
    fn ats_historical_bytes_skip_interface_bytes() {
        // TL=06, T0=75 (TA TB TC present, FSCI 5), TA TB TC, historical 80
        assert_eq!(
            ats_historical(&[0x06, 0x75, 0x77, 0x81, 0x02, 0x80]),
            &[0x80]
        );
        assert_eq!(ats_historical(&[0x02, 0x05]), &[] as &[u8]);
        assert_eq!(ats_historical(&[]), &[] as &[u8]);
    }

    #[test]
    fn get_data_apdus() {
        assert_eq!(get_uid().encode().unwrap(), [0xFF, 0xCA, 0, 0, 0]);
        assert_eq!(get_ats().encode().unwrap(), [0xFF, 0xCA, 1, 0, 0]);
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = ContactlessAtr::parse(&bytes);
        }
        #[test]
        fn build_parse_roundtrip(h in proptest::collection::vec(any::<u8>(), 0..15)) {
            let a = ContactlessAtr::Iso14443_4 { historical: h };
            let built = a.build();
            let back = ContactlessAtr::parse(&built).unwrap();
            prop_assert_eq!(back.build(), built);
        }
    }
}
