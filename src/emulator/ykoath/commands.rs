//! The applet's command handlers (token-protocols.md §4.3, §4.4, §5.2).

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use zeroize::Zeroizing;

use super::{Credential, Flavour, OathApplet, sw};
use crate::devices::ykoath::protocol::{self as p, ins, tag};
use crate::transport::{Apdu, StatusWord as S};

/// HMAC with the credential's hash (`None` for an algorithm nibble out of 1..3).
pub(super) fn hmac(type_alg: u8, key: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    macro_rules! mac {
        ($h:ty) => {{
            let mut m = <Hmac<$h> as KeyInit>::new_from_slice(key).ok()?;
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }};
    }
    Some(match type_alg & 0x0F {
        1 => mac!(Sha1),
        2 => mac!(Sha256),
        3 => mac!(Sha512),
        _ => return None,
    })
}

/// The Nitrokey 3's file name for a label: upper-case hex of the first 8 bytes of
/// SHA-256(label) (TSA `filename_for_label`).
fn file_name(label: &[u8]) -> String {
    use sha2::Digest;
    Sha256::digest(label)
        .iter()
        .take(8)
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Dynamic truncation with the top bit masked (YKNEO `calculateTruncated`).
fn truncate(mac: &[u8]) -> [u8; 4] {
    crate::otp::hotp::dynamic_truncate(mac).to_be_bytes()
}

impl OathApplet {
    /// Answers one C-APDU.
    pub fn handle(&mut self, capdu: &[u8]) -> Vec<u8> {
        let Ok(apdu) = Apdu::parse(capdu) else {
            return sw(S::LengthError);
        };
        if apdu.cla & 0x10 != 0 && self.flavour == Flavour::Nitrokey3 {
            return sw(S::Other(0x6884)); // no command chaining (§5.1)
        }
        if apdu.cla & !0x10 != 0 {
            return sw(S::ClaNotSupported);
        }
        if apdu.ins == ins::SEND_REMAINING {
            return self.send_remaining(apdu.le);
        }
        self.pending.clear();
        if apdu.ins == ins::SELECT && apdu.p1 == 0x04 {
            return self.select(&apdu);
        }
        if !self.selected {
            return sw(S::InsNotSupported);
        }
        let nk3 = self.flavour == Flavour::Nitrokey3;
        let needs_unlock = !matches!(apdu.ins, ins::RESET | ins::VALIDATE);
        if needs_unlock && !self.unlocked {
            return sw(S::SecurityNotSatisfied);
        }
        match apdu.ins {
            ins::PUT => self.put(&apdu.data),
            ins::DELETE => self.delete(&apdu.data),
            ins::LIST => self.list(&apdu),
            ins::CALCULATE => self.calculate(&apdu),
            ins::CALCULATE_ALL if !nk3 => self.calculate_all(&apdu),
            ins::RESET => self.reset(&apdu),
            ins::VALIDATE if !nk3 => self.validate(&apdu.data),
            ins::SET_CODE if !nk3 => self.set_code(&apdu.data),
            ins::RENAME if !nk3 => self.rename(&apdu.data),
            _ => sw(S::InsNotSupported),
        }
    }

    /// Sends `data` in pages: `61 xx` while more remains (YubiKey: `00` while 256 or
    /// more remain, else the exact rest; Nitrokey 3: `FF`).
    pub(super) fn respond(&mut self, mut data: Vec<u8>, le: Option<u16>) -> Vec<u8> {
        let page = usize::from(le.unwrap_or(256))
            .clamp(1, 256)
            .min(self.page_size);
        if data.len() <= page {
            data.extend_from_slice(&S::Success.to_bytes());
            return data;
        }
        self.pending = data.split_off(page);
        let rest = self.pending.len();
        let sw2 = match self.flavour {
            Flavour::YubiKey if rest >= 256 => 0x00,
            Flavour::YubiKey => rest as u8,
            Flavour::Nitrokey3 => 0xFF,
        };
        data.extend_from_slice(&[0x61, sw2]);
        data
    }

    fn send_remaining(&mut self, le: Option<u16>) -> Vec<u8> {
        if self.pending.is_empty() {
            return match self.flavour {
                Flavour::YubiKey => sw(S::InsNotSupported),
                Flavour::Nitrokey3 => sw(S::ConditionsNotSatisfied),
            };
        }
        let data = std::mem::take(&mut self.pending);
        self.respond(data, le)
    }

    fn select(&mut self, apdu: &Apdu) -> Vec<u8> {
        if apdu.data != p::AID {
            self.selected = false;
            return sw(S::NotFound);
        }
        self.selected = true;
        let mut out = Vec::new();
        p::push_tlv(&mut out, tag::VERSION, &self.version);
        p::push_tlv(&mut out, tag::NAME, &self.salt);
        match self.flavour {
            Flavour::YubiKey => {
                self.unlocked = self.access_key.is_none();
                self.challenge = None;
                if self.access_key.is_some() {
                    let c = self.random8();
                    self.challenge = Some(c);
                    p::push_tlv(&mut out, tag::CHALLENGE, &c);
                    p::push_tlv(&mut out, tag::ALGORITHM, &[0x01]);
                }
            }
            Flavour::Nitrokey3 => p::push_tlv(&mut out, tag::NK3_SERIAL, &self.serial),
        }
        self.respond(out, apdu.le)
    }

    fn find(&self, name: &[u8]) -> Option<usize> {
        self.creds.iter().position(|c| c.name == name)
    }

    /// Whether this is YubiKey 4 firmware between 4.0.0 and 4.3.5 (exclusive), whose
    /// PUT overwrites a credential whose name begins with the new name (ykman
    /// `_add_cred`: "YK4 has an issue with credential overwrite").
    fn has_prefix_overwrite_bug(&self) -> bool {
        self.flavour == Flavour::YubiKey && self.version > [4, 0, 0] && self.version < [4, 3, 5]
    }

    /// The credential PUT overwrites. On firmware with the prefix bug the lookup
    /// compares only as many bytes as the new name has, so the first credential whose
    /// name begins with it is found (the early applet's `OathObj.findObject` compared
    /// the shorter length; ykman's guard names the direction).
    fn find_for_put(&self, name: &[u8]) -> Option<usize> {
        match self.has_prefix_overwrite_bug() {
            true => self.creds.iter().position(|c| c.name.starts_with(name)),
            false => self.find(name),
        }
    }

    fn no_such_object(&self) -> Vec<u8> {
        match self.flavour {
            Flavour::YubiKey => sw(S::DataInvalid),
            Flavour::Nitrokey3 => sw(S::NotFound),
        }
    }

    fn put(&mut self, data: &[u8]) -> Vec<u8> {
        let Ok(tlvs) = p::parse_tlvs(data, true) else {
            return sw(S::WrongData);
        };
        let nk3 = self.flavour == Flavour::Nitrokey3;
        let (mut name, mut key, mut prop, mut imf) = (None, None, None, None);
        let mut expect = 0; // field order NAME, KEY, [PROPERTY], [IMF] (§4.3)
        for (t, v) in tlvs {
            let rank = match t {
                tag::NAME => 1,
                tag::KEY => 2,
                tag::PROPERTY => 3,
                tag::IMF => 4,
                0x83..=0x85 if nk3 => 5, // password-safe fields: accepted, not stored
                _ => return sw(S::WrongData),
            };
            if rank <= expect && !(nk3 && rank == 5) {
                return sw(S::WrongData); // duplicate or out of order
            }
            expect = rank;
            match t {
                tag::NAME => name = Some(v),
                tag::KEY => key = Some(v),
                tag::PROPERTY => prop = v.first().copied(),
                tag::IMF => imf = Some(v),
                _ => {}
            }
        }
        let (Some(name), Some(key)) = (name, key) else {
            return sw(S::WrongData);
        };
        let [type_alg, digits, secret @ ..] = key else {
            return sw(S::WrongData);
        };
        let kind_ok = matches!(type_alg & 0xF0, 0x10 | 0x20)
            || (nk3 && matches!(type_alg & 0xF0, 0x30 | 0x40));
        let key_len_ok = if nk3 {
            (1..=64).contains(&secret.len())
        } else {
            (p::HMAC_MINIMUM_KEY_SIZE..=64).contains(&secret.len())
        };
        // the Nitrokey 3 does not check the digits (TSA `command.rs`)
        let digits_ok = nk3 || (6..=8).contains(digits);
        if name.is_empty()
            || name.len() > p::MAX_NAME_LEN
            || !kind_ok
            || !(1..=3).contains(&(type_alg & 0x0F))
            || !digits_ok
            || !key_len_ok
            || (imf.is_some() && type_alg & 0xF0 != p::TYPE_HOTP)
        {
            return sw(S::WrongData);
        }
        let counter = match imf {
            None => 0,
            Some(v) => match <[u8; 4]>::try_from(v) {
                Ok(b) => u32::from_be_bytes(b),
                Err(_) => return sw(S::WrongData),
            },
        };
        let touch = prop.is_some_and(|p| p & p::PROP_TOUCH != 0);
        if nk3 && touch && !self.touch {
            return sw(S::SecurityNotSatisfied); // touch needed at registration
        }
        let cred = Credential {
            name: name.to_vec(),
            type_alg: *type_alg,
            digits: *digits,
            key: Zeroizing::new(secret.to_vec()),
            touch,
            counter,
        };
        match self.find_for_put(name) {
            Some(_) if nk3 => sw(S::AuthBlocked), // 6983: no overwrite since v0.13
            Some(i) => {
                // the credential found keeps its name and takes the new key (the early
                // applet's `handlePut` names only a new object): with the prefix bug a
                // longer name now computes the new key's codes, and the new name is
                // nowhere
                let kept = std::mem::take(&mut self.creds[i].name);
                self.creds[i] = Credential { name: kept, ..cred };
                sw(S::Success)
            }
            None if self.creds.len() >= self.capacity() => sw(S::NoSpace),
            None if nk3 => {
                // stored as a file named after the label's hash; LIST reads the
                // directory in file-name order (TSA `filename_for_label`)
                let file = file_name(&cred.name);
                let at = self.creds.partition_point(|c| file_name(&c.name) < file);
                self.creds.insert(at, cred);
                sw(S::Success)
            }
            None => {
                self.creds.push(cred);
                sw(S::Success)
            }
        }
    }

    fn one_name(data: &[u8]) -> Option<Vec<u8>> {
        match p::parse_tlvs(data, false).ok()?.as_slice() {
            [(tag::NAME, n)] => Some(n.to_vec()),
            _ => None,
        }
    }

    fn delete(&mut self, data: &[u8]) -> Vec<u8> {
        // The Nitrokey 3 asks for the touch first, before it parses or looks up the
        // name (TSA `authenticator.rs` `delete`: `user_present()?` comes first).
        if self.flavour == Flavour::Nitrokey3 && !self.touch {
            return sw(S::SecurityNotSatisfied);
        }
        let Some(name) = Self::one_name(data) else {
            return sw(S::WrongData);
        };
        let Some(i) = self.find(&name) else {
            return self.no_such_object();
        };
        self.creds.remove(i);
        sw(S::Success)
    }

    fn rename(&mut self, data: &[u8]) -> Vec<u8> {
        let Ok(tlvs) = p::parse_tlvs(data, false) else {
            return sw(S::WrongData);
        };
        let [(tag::NAME, old), (tag::NAME, new)] = tlvs.as_slice() else {
            return sw(S::WrongData);
        };
        if new.is_empty() || new.len() > p::MAX_NAME_LEN || self.find(new).is_some() {
            return sw(S::WrongData);
        }
        match self.find(old) {
            Some(i) => {
                self.creds[i].name = new.to_vec();
                sw(S::Success)
            }
            None => self.no_such_object(),
        }
    }

    fn list(&mut self, apdu: &Apdu) -> Vec<u8> {
        let v1 = self.flavour == Flavour::Nitrokey3 && apdu.data.first() == Some(&1);
        let mut out = Vec::new();
        for c in &self.creds {
            let mut v = vec![c.type_alg];
            v.extend_from_slice(&c.name);
            if v1 {
                v.push(u8::from(c.touch));
            }
            p::push_tlv(&mut out, tag::NAME_LIST, &v);
        }
        self.respond(out, apdu.le)
    }

    /// The code of credential `i` over `challenge`: (response tag, value). HOTP uses
    /// and advances the stored counter.
    fn compute(&mut self, i: usize, challenge: &[u8], truncated: bool) -> Option<(u8, Vec<u8>)> {
        let c = self.creds.get_mut(i)?;
        let msg = if c.type_alg & 0xF0 == p::TYPE_HOTP {
            let m = u64::from(c.counter).to_be_bytes().to_vec();
            c.counter = c.counter.wrapping_add(1);
            m
        } else {
            challenge.to_vec()
        };
        let mac = hmac(c.type_alg, &c.key, &msg)?;
        let mut v = vec![c.digits];
        if truncated {
            v.extend_from_slice(&truncate(&mac));
            Some((tag::TRUNCATED, v))
        } else {
            v.extend_from_slice(&mac);
            Some((tag::RESPONSE, v))
        }
    }

    fn calculate(&mut self, apdu: &Apdu) -> Vec<u8> {
        let nk3 = self.flavour == Flavour::Nitrokey3;
        if nk3 && apdu.p2 != 0x01 {
            return sw(S::InsNotSupported); // truncated answers only
        }
        let Ok(tlvs) = p::parse_tlvs(&apdu.data, false) else {
            return sw(S::WrongData);
        };
        let [(tag::NAME, name), (tag::CHALLENGE, chal)] = tlvs.as_slice() else {
            return sw(S::WrongData);
        };
        let Some(i) = self.find(name) else {
            return self.no_such_object();
        };
        let c = &self.creds[i];
        if nk3 && matches!(c.type_alg & 0xF0, 0x30 | 0x40) {
            return sw(S::ConditionsNotSatisfied);
        }
        if nk3 && c.type_alg & 0x0F == 0x03 {
            return sw(S::FuncNotSupported); // SHA-512 stored but not computed
        }
        if c.touch && !self.touch {
            return sw(S::SecurityNotSatisfied); // touch timed out
        }
        let chal = chal.to_vec();
        match self.compute(i, &chal, apdu.p2 == 0x01) {
            Some((t, v)) => {
                let mut out = Vec::new();
                p::push_tlv(&mut out, t, &v);
                self.respond(out, apdu.le)
            }
            None => sw(S::WrongData),
        }
    }

    fn calculate_all(&mut self, apdu: &Apdu) -> Vec<u8> {
        let Ok(tlvs) = p::parse_tlvs(&apdu.data, false) else {
            return sw(S::WrongData);
        };
        let Some((_, chal)) = tlvs.iter().find(|(t, _)| *t == tag::CHALLENGE) else {
            return sw(S::WrongData);
        };
        let chal = chal.to_vec();
        let mut out = Vec::new();
        for i in 0..self.creds.len() {
            let (name, type_alg, digits, touch) = {
                let c = &self.creds[i];
                (c.name.clone(), c.type_alg, c.digits, c.touch)
            };
            p::push_tlv(&mut out, tag::NAME, &name);
            if type_alg & 0xF0 == p::TYPE_HOTP {
                p::push_tlv(&mut out, tag::HOTP, &[digits]);
            } else if touch {
                p::push_tlv(&mut out, tag::TOUCH, &[digits]);
            } else if let Some((t, v)) = self.compute(i, &chal, apdu.p2 == 0x01) {
                p::push_tlv(&mut out, t, &v);
            }
        }
        self.respond(out, apdu.le)
    }
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
