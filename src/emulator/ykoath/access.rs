//! The access code of the emulated YubiKey applet (token-protocols.md §4.3): VALIDATE,
//! SET CODE, RESET.

use zeroize::Zeroizing;

use super::commands::hmac;
use super::{Flavour, OathApplet, sw};
use crate::devices::ykoath::protocol::{self as p, tag};
use crate::transport::{Apdu, StatusWord as S};

impl OathApplet {
    pub(super) fn validate(&mut self, data: &[u8]) -> Vec<u8> {
        let (Some(key), Some(chal)) = (self.access_key.clone(), self.challenge) else {
            return sw(S::DataInvalid); // auth not enabled
        };
        let Ok(tlvs) = p::parse_tlvs(data, false) else {
            return sw(S::WrongData);
        };
        let [(tag::RESPONSE, resp), (tag::CHALLENGE, host)] = tlvs.as_slice() else {
            return sw(S::WrongData);
        };
        let expected = hmac(0x01, &key, &chal).unwrap_or_default();
        let ok: bool = subtle::ConstantTimeEq::ct_eq(&resp[..], &expected[..]).into();
        if host.len() != 8 || !ok {
            return sw(S::WrongData); // neither unlocks nor locks (§4.3)
        }
        self.unlocked = true;
        self.challenge = None;
        let mut out = Vec::new();
        p::push_tlv(
            &mut out,
            tag::RESPONSE,
            &hmac(0x01, &key, host).unwrap_or_default(),
        );
        self.respond(out, None)
    }

    pub(super) fn set_code(&mut self, data: &[u8]) -> Vec<u8> {
        let Ok(tlvs) = p::parse_tlvs(data, false) else {
            return sw(S::WrongData);
        };
        match tlvs.as_slice() {
            [(tag::KEY, [])] => {
                self.access_key = None;
                self.unlocked = true;
                sw(S::Success)
            }
            [
                (tag::KEY, key),
                (tag::CHALLENGE, chal),
                (tag::RESPONSE, resp),
            ] => {
                let Some((_alg, k)) = key.split_first() else {
                    return sw(S::WrongData);
                };
                if !(14..=64).contains(&k.len()) || chal.len() != 8 {
                    return sw(S::WrongData);
                }
                if hmac(0x01, k, chal).as_deref() != Some(*resp) {
                    return sw(S::DataInvalid);
                }
                self.access_key = Some(Zeroizing::new(k.to_vec()));
                sw(S::Success)
            }
            _ => sw(S::WrongData),
        }
    }

    pub(super) fn reset(&mut self, apdu: &Apdu) -> Vec<u8> {
        if (apdu.p1, apdu.p2) != (0xDE, 0xAD) {
            return sw(S::WrongP1P2);
        }
        if self.flavour == Flavour::Nitrokey3 && !self.touch {
            return sw(S::SecurityNotSatisfied);
        }
        self.creds.clear();
        self.access_key = None;
        self.challenge = None;
        self.unlocked = true;
        self.salt = self.random8();
        sw(S::Success)
    }
}
