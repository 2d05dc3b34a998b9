//! The commands of the emulated Molto2 (token-protocols.md §3.3–§3.9).

use super::{MAX_TRIES, Pending, SW_OCCUPIED, State, ok, sw};
use crate::devices::molto2::protocol::{self as p, ConfigTlv, ProfileData, SeedWrite};
use crate::devices::token2_nfc::crypto;
use crate::devices::token2_nfc::protocol::{Info, encode_info};
use crate::transport::{Apdu, StatusWord};

impl State {
    pub(super) fn public_data(&self, apdu: &Apdu) -> Vec<u8> {
        if apdu.le.is_some() {
            return sw(p::SW_CASE4_READ);
        }
        let Some(pr) = self.profiles.get(usize::from(apdu.p2)) else {
            return sw(StatusWord::IncorrectP1P2.code());
        };
        let mut title = [0u8; 16];
        for (t, b) in title.iter_mut().zip(&pr.title) {
            *t = *b;
        }
        ok(ProfileData {
            flag: if pr.written { 0x20 } else { 0x00 },
            title,
            time_a: self.now(),
            time_b: pr.time_b,
            hmac: pr.hmac,
            step: pr.step,
            digits: pr.digits,
            seed_present: pr.seed.is_some(),
        }
        .encode())
    }

    pub(super) fn answer(&mut self, apdu: &Apdu) -> Vec<u8> {
        if apdu.data.len() != 16 {
            return sw(StatusWord::LengthError.code());
        }
        let Some(challenge) = self.challenge.take() else {
            return sw(StatusWord::WrongData.code());
        };
        let want = crypto::challenge_response(&self.key, &challenge);
        let good = {
            use subtle::ConstantTimeEq;
            bool::from(want.ct_eq(apdu.data.as_slice()))
        };
        if good && self.tries > 0 {
            self.tries = MAX_TRIES;
            self.authenticated = true;
            return sw(0x9000);
        }
        self.tries = self.tries.saturating_sub(1);
        let sw2 = if self.plain_tries_sw {
            self.tries
        } else {
            0xC0 | self.tries
        };
        sw(u16::from_be_bytes([0x63, sw2]))
    }

    pub(super) fn secure(&mut self, apdu: &Apdu) -> Vec<u8> {
        if !self.authenticated {
            return sw(StatusWord::SecurityNotSatisfied.code());
        }
        let expected = match (apdu.ins, apdu.p1) {
            (p::INS_WRITE_SEED, 0x01) => None,
            (p::INS_WRITE_TITLE, 0x00) => Some(0x14),
            (p::INS_WRITE_CONFIG, 0x01) => None,
            (p::INS_CHANGE_KEY, 0x00) if apdu.p2 == 0 => Some(0x24),
            (
                p::INS_WRITE_SEED | p::INS_WRITE_TITLE | p::INS_WRITE_CONFIG | p::INS_CHANGE_KEY,
                _,
            ) => {
                return sw(StatusWord::IncorrectP1P2.code());
            }
            _ => return sw(StatusWord::InsNotSupported.code()),
        };
        if expected.is_some_and(|n| apdu.data.len() != n) || apdu.data.len() <= crypto::MAC_LEN {
            return sw(StatusWord::LengthError.code());
        }
        let Some(body) = crypto::verify_secure(&self.key, apdu) else {
            return sw(0x6988);
        };
        let host = self.host_ms();
        let key = self.key.clone();
        if apdu.ins == p::INS_CHANGE_KEY {
            return match p::decode_new_key(&key, body) {
                Ok(k) => {
                    self.pending = Some(Pending::NewKey(k));
                    sw(p::SW_PRESS_BUTTON)
                }
                Err(_) => sw(StatusWord::WrongData.code()),
            };
        }
        let Some(pr) = self.profiles.get_mut(usize::from(apdu.p2)) else {
            return sw(StatusWord::IncorrectP1P2.code());
        };
        let occupied = pr.seed.is_some();
        let result = match apdu.ins {
            p::INS_WRITE_SEED => match p::decode_seed(&key, body) {
                Ok(SeedWrite::Seed(_)) if occupied => return sw(SW_OCCUPIED),
                w => w.map(|w| {
                    pr.seed = match w {
                        SeedWrite::Seed(s) => Some(s),
                        SeedWrite::Clear => None,
                    };
                    None
                }),
            },
            p::INS_WRITE_TITLE => p::decode_title(&key, body).map(|t| {
                pr.title = t;
                None
            }),
            _ => p::decode_config(body).map(|c| match c {
                ConfigTlv::Full(c) => {
                    pr.hmac = c.hmac as u8;
                    pr.digits = c.digits as u8;
                    pr.step = c.step as u8;
                    pr.time_b = c.utc;
                    Some(c.utc)
                }
                ConfigTlv::Time(t) => {
                    pr.time_b = t;
                    Some(t)
                }
            }),
        };
        match result {
            Ok(time) => {
                pr.written = true;
                if let Some(t) = time {
                    self.clock.set(host, i64::from(t) * 1000);
                }
                sw(0x9000)
            }
            Err(_) => sw(StatusWord::WrongData.code()),
        }
    }

    pub(super) fn plain(&mut self, apdu: &Apdu) -> Vec<u8> {
        match apdu.ins {
            p::INS_GET_INFO if apdu.data == [0x70] => self.public_data(apdu),
            p::INS_GET_INFO if apdu.data.is_empty() && apdu.p2 == 0 => ok(encode_info(&Info {
                serial: self.serial.clone(),
                time: self.now(),
            })),
            p::INS_GET_INFO => sw(StatusWord::WrongData.code()),
            p::INS_GET_CHALLENGE if apdu.p1 == 0x08 => {
                self.authenticated = false;
                let mut c = [0u8; 8];
                match self.fixed_challenge {
                    Some(f) => c = f,
                    None => {
                        if getrandom::fill(&mut c).is_err() {
                            c = self.host_ms().to_be_bytes();
                        }
                    }
                }
                self.challenge = Some(c);
                ok(c.to_vec())
            }
            p::INS_ANSWER_CHALLENGE => self.answer(apdu),
            p::INS_DELETE_SEED => match self.profiles.get_mut(usize::from(apdu.p2)) {
                None => sw(StatusWord::IncorrectP1P2.code()),
                Some(pr) => match pr.seed.take() {
                    Some(_) => sw(0x9000),
                    None => sw(p::SW_EMPTY),
                },
            },
            p::INS_FACTORY_RESET => {
                self.pending = Some(Pending::FactoryReset);
                sw(p::SW_PRESS_BUTTON)
            }
            _ => sw(StatusWord::InsNotSupported.code()),
        }
    }
}
