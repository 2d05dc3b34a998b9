//! Family `pcsc-uid`, device side: a contactless card as a PC/SC reader presents it
//! (reader-protocols.md §4, firmware-protocols/pcsc-uid.md).
//!
//! The reader builds the ATR (PC/SC part 3) from the card, and answers the `FF` class
//! pseudo-APDUs itself: GET DATA `FF CA 00 00 Le` → UID, `FF CA 01 00 Le` → ATS (`6A 81`
//! for a card without one), LED/buzzer `FF 00 40 …` → `90 00`; other `FF` instructions
//! → `6D 00`. Everything else goes to the card ([`Picc`]). [`Quirks`] selects the
//! behaviour of newer readers (`6C xx`, `62 82`) and of old ones (`61 xx`).

use std::sync::{Arc, Mutex};

use super::picc::{Picc, ats_historical};
use super::{ApduHandler, Power, VirtualCard};
use crate::devices::pcsc_uid::protocol::ContactlessAtr;
use crate::transport::{Apdu, StatusWord};

/// Reader behaviours that differ between models and firmware versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quirks {
    /// Le smaller than the data: answer `6C xx` (newer ACS readers) instead of cutting.
    pub wrong_length_6c: bool,
    /// Le larger than the data: answer data + `62 82` (newer ACS readers) instead of `90 00`.
    pub end_of_data_6282: bool,
    /// Answer data with `61 xx` and hand it out on GET RESPONSE `FF C0 00 00 xx`
    /// (ACR122U v1.x firmware).
    pub get_response_61xx: bool,
    /// The reader has an LED and buzzer (`FF 00 40 …` → `90 00`); without, `6A 81`.
    pub led_buzzer: bool,
}

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            wrong_length_6c: true,
            end_of_data_6282: true,
            get_response_61xx: false,
            led_buzzer: true,
        }
    }
}

/// A contactless card in a PC/SC reader.
#[derive(Debug)]
pub struct ContactlessCard {
    picc: Picc,
    quirks: Quirks,
    pending: Vec<u8>,
    led_log: LedLog,
}

/// The LED/buzzer commands a reader received (P2 and the 4 data bytes), shared with
/// the test that watches the feedback.
pub type LedLog = Arc<Mutex<Vec<Vec<u8>>>>;

fn sw(s: StatusWord) -> Vec<u8> {
    s.to_bytes().to_vec()
}

impl ContactlessCard {
    /// The card `picc` behind a reader with default quirks.
    pub fn new(picc: Picc) -> Self {
        ContactlessCard {
            picc,
            quirks: Quirks::default(),
            pending: Vec::new(),
            led_log: LedLog::default(),
        }
    }

    /// Records LED/buzzer commands into `log`.
    pub fn led_log(mut self, log: LedLog) -> Self {
        self.led_log = log;
        self
    }

    /// A storage card with `uid` (4 bytes: MIFARE 1K, else NTAG-like).
    pub fn with_uid(uid: &[u8]) -> Self {
        ContactlessCard::new(Picc::storage(uid))
    }

    /// Changes the reader quirks.
    pub fn quirks(mut self, quirks: Quirks) -> Self {
        self.quirks = quirks;
        self
    }

    /// The card.
    pub fn picc(&self) -> &Picc {
        &self.picc
    }

    fn answer_data(&mut self, data: Vec<u8>, le: Option<u16>) -> Vec<u8> {
        let want = usize::from(le.unwrap_or(256));
        let mut out = data;
        let mut status = StatusWord::Success;
        if want < out.len() {
            if self.quirks.wrong_length_6c {
                return sw(StatusWord::WrongLength {
                    exact: out.len() as u8,
                });
            }
            out.truncate(want);
        } else if want > out.len() && want != 256 && self.quirks.end_of_data_6282 {
            status = StatusWord::EndOfData;
        }
        if self.quirks.get_response_61xx && !out.is_empty() {
            let len = out.len() as u8;
            self.pending = out;
            return sw(StatusWord::BytesRemaining { len });
        }
        out.extend_from_slice(&status.to_bytes());
        out
    }

    fn reader_command(&mut self, apdu: &Apdu) -> Vec<u8> {
        match (apdu.ins, apdu.p1, apdu.p2) {
            // GET DATA: UID
            (0xCA, 0x00, 0x00) => self.answer_data(self.picc.uid.clone(), apdu.le),
            // GET DATA: ATS (ISO 14443-4 only)
            (0xCA, 0x01, 0x00) => match self.picc.ats.clone() {
                Some(ats) => self.answer_data(ats, apdu.le),
                None => sw(StatusWord::FuncNotSupported),
            },
            (0xCA, _, _) => sw(StatusWord::FuncNotSupported),
            // GET RESPONSE after 61xx
            (0xC0, 0x00, 0x00) if !self.pending.is_empty() => {
                let n = usize::from(apdu.le.unwrap_or(256)).min(self.pending.len());
                let mut out: Vec<u8> = self.pending.drain(..n).collect();
                match self.pending.len() {
                    0 => out.extend_from_slice(&StatusWord::Success.to_bytes()),
                    rest => out.extend_from_slice(
                        &StatusWord::BytesRemaining {
                            len: rest.min(255) as u8,
                        }
                        .to_bytes(),
                    ),
                }
                out
            }
            (0xC0, _, _) => sw(StatusWord::ConditionsNotSatisfied),
            // LED and buzzer control: FF 00 40 P2 04 T1 T2 REP LINK
            (0x00, 0x40, p2) if apdu.data.len() == 4 && self.quirks.led_buzzer => {
                if let Ok(mut log) = self.led_log.lock() {
                    let mut entry = vec![p2];
                    entry.extend_from_slice(&apdu.data);
                    log.push(entry);
                }
                sw(StatusWord::Success)
            }
            (0x00, _, _) => sw(StatusWord::FuncNotSupported),
            _ => sw(StatusWord::InsNotSupported),
        }
    }
}

impl ApduHandler for ContactlessCard {
    fn handle(&mut self, capdu: &[u8]) -> Vec<u8> {
        let Ok(apdu) = Apdu::parse(capdu) else {
            return sw(StatusWord::LengthError);
        };
        if apdu.cla == 0xFF {
            self.reader_command(&apdu)
        } else {
            self.pending.clear();
            self.picc.handle(capdu)
        }
    }
}

impl VirtualCard for ContactlessCard {
    fn atr(&self) -> Vec<u8> {
        let kind = match &self.picc.ats {
            Some(ats) => ContactlessAtr::Iso14443_4 {
                historical: ats_historical(ats).to_vec(),
            },
            None => ContactlessAtr::Storage {
                standard: 0x03,
                card_name: match self.picc.sak {
                    0x08 => 0x0001,
                    0x18 => 0x0002,
                    0x09 => 0x0026,
                    _ => 0x0003,
                },
            },
        };
        kind.build()
    }

    fn power(&mut self, event: Power) {
        if event != Power::On {
            self.pending.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::trace::parse_hex;

    #[test]
    fn answers_as_reader_protocols_section_7_3() {
        let mut c = ContactlessCard::with_uid(&parse_hex("04 A1 B2 C3 D4 E5 80").unwrap());
        assert_eq!(
            c.handle(&[0xFF, 0xCA, 0, 0, 0]),
            parse_hex("04 A1 B2 C3 D4 E5 80 90 00").unwrap()
        );
        assert_eq!(
            c.handle(&parse_hex("FF 00 40 50 04 05 05 03 01").unwrap()),
            [0x90, 0x00]
        );
        assert_eq!(
            c.handle(&parse_hex("00 A4 04 00 00").unwrap()),
            [0x6D, 0x00]
        );
        assert_eq!(c.handle(&[0xFF, 0xCA, 1, 0, 0]), [0x6A, 0x81]);
        assert_eq!(c.handle(&[0xFF, 0xCA, 0, 0, 4]), [0x6C, 0x07]);
        assert_eq!(c.handle(&[0xFF, 0xCA, 0, 0, 9])[7..], [0x62, 0x82]);
        assert_eq!(c.handle(&[0xFF]), [0x67, 0x00]);
        // an unknown reader instruction
        assert_eq!(c.handle(&[0xFF, 0x99, 0, 0, 0]), [0x6D, 0x00]);
    }

    #[test]
    fn mifare_1k_atr() {
        let c = ContactlessCard::with_uid(&[0xDE, 0xAD, 0xBE, 0xEF]);
        assert_eq!(
            c.atr(),
            parse_hex("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A").unwrap()
        );
    }

    #[test]
    fn old_firmware_hands_data_out_on_get_response() {
        let mut c = ContactlessCard::with_uid(&[1, 2, 3, 4]).quirks(Quirks {
            get_response_61xx: true,
            ..Quirks::default()
        });
        assert_eq!(c.handle(&[0xFF, 0xCA, 0, 0, 0]), [0x61, 0x04]);
        assert_eq!(c.handle(&[0xFF, 0xC0, 0, 0, 2]), [1, 2, 0x61, 0x02]);
        assert_eq!(c.handle(&[0xFF, 0xC0, 0, 0, 2]), [3, 4, 0x90, 0x00]);
        assert_eq!(c.handle(&[0xFF, 0xC0, 0, 0, 2]), [0x69, 0x85]);
    }
}
