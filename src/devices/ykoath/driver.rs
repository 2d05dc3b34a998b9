//! The OATH applet over any [`ApduLink`]: YubiKey (CCID or NFC) and the Nitrokey 3
//! Secrets App, told apart by their SELECT answer (token-protocols.md §4.3, §5.2).
//!
//! Responses longer than a page come with `61xx`; the applet wants SEND REMAINING
//! (`00 A5 00 00`, §4.1), not ISO GET RESPONSE, so [`Oath::send`] chains itself over
//! [`ApduLink::exchange`], tracing every frame (redacted for PUT and SET CODE).

use super::protocol::{self as p, CalcResult, CodeValue, ListEntry, PutCredential, SelectInfo};
use crate::devices::DeviceError;
use crate::devices::error::Credential;
use crate::model::Family;
use crate::transport::{
    Apdu, ApduLink, Direction, LinkError, MAX_RESPONSE_ROUNDS, Response, StatusWord, trace,
};

/// Which implementation of the applet answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Yubico's OATH applet (YubiKey NEO / 4 / 5).
    YubiKey,
    /// Nitrokey 3 Secrets App (§5): no overwrite, truncated answers only, no access code.
    Nitrokey3,
}

impl Variant {
    /// The family name (design.md §2).
    pub fn family(self) -> Family {
        match self {
            Variant::YubiKey => Family::Ykoath,
            Variant::Nitrokey3 => Family::Nitrokey3,
        }
    }
}

/// A selected OATH applet.
pub struct Oath<L: ApduLink> {
    link: L,
    info: SelectInfo,
    variant: Variant,
}

impl<L: ApduLink> Oath<L> {
    /// SELECTs the applet and reads its version, salt and lock state.
    pub fn select(link: L) -> Result<Self, DeviceError> {
        let mut o = Oath {
            link,
            info: SelectInfo::default(),
            variant: Variant::YubiKey,
        };
        o.reselect()?;
        Ok(o)
    }

    /// SELECTs again (a new challenge; the applet locks again when a code is set).
    pub fn reselect(&mut self) -> Result<(), DeviceError> {
        let r = self.send(&p::select(), "SELECT")?;
        match r.sw {
            StatusWord::Success => {}
            StatusWord::NotFound
            | StatusWord::InsNotSupported
            | StatusWord::WrongP1P2
            | StatusWord::Other(0x6999) => {
                return Err(DeviceError::Unsupported {
                    device: self.device(),
                    what: "no OATH application on this card (SELECT A0000005272101 refused)".into(),
                });
            }
            sw => return Err(self.status("SELECT", sw)),
        }
        self.info = p::parse_select(&r.data).map_err(|reason| self.frame(reason))?;
        self.variant = if self.info.is_nitrokey3() {
            Variant::Nitrokey3
        } else {
            Variant::YubiKey
        };
        Ok(())
    }

    /// What SELECT said.
    pub fn info(&self) -> &SelectInfo {
        &self.info
    }

    /// YubiKey or Nitrokey 3.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// Whether an access code is set and the applet waits for VALIDATE.
    pub fn is_locked(&self) -> bool {
        self.info.challenge.is_some()
    }

    /// The reader name.
    pub fn device(&self) -> String {
        self.link.reader().to_string()
    }

    /// The link.
    pub fn link(&self) -> &L {
        &self.link
    }

    /// Gives the link back.
    pub fn into_inner(self) -> L {
        self.link
    }

    fn frame(&self, reason: impl Into<String>) -> DeviceError {
        DeviceError::Frame {
            device: self.device(),
            reason: reason.into(),
        }
    }

    fn status(&self, command: &'static str, sw: StatusWord) -> DeviceError {
        match sw {
            StatusWord::SecurityNotSatisfied if self.is_locked() => DeviceError::AuthRequired {
                device: self.device(),
                what: command,
                needs: Credential::OathAccessCode,
            },
            StatusWord::InsNotSupported if self.variant == Variant::Nitrokey3 => {
                DeviceError::Unsupported {
                    device: self.device(),
                    what: format!("{command} (the Nitrokey 3 Secrets App does not have it)"),
                }
            }
            sw => DeviceError::Status {
                device: self.device(),
                command,
                sw,
            },
        }
    }

    /// Sends `cmd`, following `61xx` with SEND REMAINING and concatenating the pages.
    pub fn send(&mut self, cmd: &Apdu, what: &'static str) -> Result<Response, DeviceError> {
        let s = cmd.sensitivity();
        let mut frame = cmd.encode()?;
        let mut data = Vec::new();
        for _ in 0..MAX_RESPONSE_ROUNDS {
            trace::frame(self.link.reader(), Direction::ToDevice, &frame, s);
            let raw = self.link.exchange(&frame)?;
            trace::frame(self.link.reader(), Direction::FromDevice, &raw, s);
            let r = Response::parse(&raw).map_err(|reason| LinkError::Protocol {
                link: self.device(),
                reason: format!("{what}: {reason}"),
            })?;
            data.extend_from_slice(&r.data);
            match r.sw {
                StatusWord::BytesRemaining { .. } => frame = p::send_remaining().encode()?,
                sw => return Ok(Response { data, sw }),
            }
        }
        Err(self.frame(format!(
            "{what}: still 61xx after {MAX_RESPONSE_ROUNDS} SEND REMAINING rounds"
        )))
    }

    fn expect_ok(&mut self, cmd: &Apdu, what: &'static str) -> Result<Vec<u8>, DeviceError> {
        let r = self.send(cmd, what)?;
        if r.sw.is_success() {
            Ok(r.data)
        } else {
            Err(self.status(what, r.sw))
        }
    }

    /// PUT a credential. YubiKey overwrites a credential of the same name; the Nitrokey 3
    /// refuses with `6983` (mapped to [`DeviceError::Occupied`]).
    pub fn put(&mut self, c: &PutCredential<'_>) -> Result<(), DeviceError> {
        if c.name.is_empty() || c.name.len() > p::MAX_NAME_LEN {
            return Err(DeviceError::Unsupported {
                device: self.device(),
                what: format!("a credential name of {} bytes (1–64)", c.name.len()),
            });
        }
        if !(6..=8).contains(&c.digits) {
            return Err(DeviceError::Unsupported {
                device: self.device(),
                what: format!("{} digits (6, 7 or 8)", c.digits),
            });
        }
        let r = self.send(&p::put(c), "PUT")?;
        match r.sw {
            StatusWord::Success => Ok(()),
            StatusWord::AuthBlocked if self.variant == Variant::Nitrokey3 => {
                Err(DeviceError::Occupied {
                    device: self.device(),
                    slot: c.name.to_string(),
                })
            }
            StatusWord::SecurityNotSatisfied if c.touch && !self.is_locked() => {
                Err(DeviceError::TouchRequired {
                    device: self.device(),
                })
            }
            sw => Err(self.status("PUT", sw)),
        }
    }

    /// DELETE a credential by name.
    pub fn delete(&mut self, name: &str) -> Result<(), DeviceError> {
        let r = self.send(&p::delete(name), "DELETE")?;
        match r.sw {
            StatusWord::Success => Ok(()),
            StatusWord::SecurityNotSatisfied
                if self.variant == Variant::Nitrokey3 && !self.is_locked() =>
            {
                Err(DeviceError::TouchRequired {
                    device: self.device(),
                })
            }
            sw => Err(self.status("DELETE", sw)),
        }
    }

    /// RENAME a credential (YubiKey ≥ 5.3).
    pub fn rename(&mut self, old: &str, new: &str) -> Result<(), DeviceError> {
        self.expect_ok(&p::rename(old, new), "RENAME").map(|_| ())
    }

    /// LIST the credentials.
    pub fn list(&mut self) -> Result<Vec<ListEntry>, DeviceError> {
        let data = self.expect_ok(&p::list(), "LIST")?;
        p::parse_list(&data).map_err(|reason| self.frame(reason))
    }

    /// CALCULATE one code. The Nitrokey 3 answers truncated only, so `truncated` is
    /// forced there. A touch credential whose touch did not come gives
    /// [`DeviceError::TouchRequired`].
    pub fn calculate(
        &mut self,
        name: &str,
        challenge: &[u8],
        truncated: bool,
    ) -> Result<CodeValue, DeviceError> {
        let truncated = truncated || self.variant == Variant::Nitrokey3;
        let r = self.send(&p::calculate(name, challenge, truncated), "CALCULATE")?;
        match r.sw {
            StatusWord::Success => p::parse_calculate(&r.data).map_err(|e| self.frame(e)),
            StatusWord::SecurityNotSatisfied if !self.is_locked() => {
                Err(DeviceError::TouchRequired {
                    device: self.device(),
                })
            }
            sw => Err(self.status("CALCULATE", sw)),
        }
    }

    /// CALCULATE ALL with one challenge (YubiKey; the Nitrokey 3 answers `6D00`).
    pub fn calculate_all(
        &mut self,
        challenge: &[u8; 8],
    ) -> Result<Vec<(String, CalcResult)>, DeviceError> {
        let data = self.expect_ok(&p::calculate_all(challenge), "CALCULATE ALL")?;
        p::parse_calculate_all(&data).map_err(|reason| self.frame(reason))
    }

    /// VALIDATE with the access key and a host challenge; checks the applet's answer.
    pub fn validate(
        &mut self,
        key: &[u8; 16],
        host_challenge: &[u8; 8],
    ) -> Result<(), DeviceError> {
        let Some(chal) = self.info.challenge.clone() else {
            return Ok(());
        };
        let resp = p::hmac_sha1(key, &chal);
        let r = self.send(&p::validate(&resp, host_challenge), "VALIDATE")?;
        match r.sw {
            StatusWord::Success => {}
            StatusWord::WrongData => {
                return Err(DeviceError::AuthFailed {
                    device: self.device(),
                    tries_left: None,
                });
            }
            sw => return Err(self.status("VALIDATE", sw)),
        }
        let answer = p::parse_validate(&r.data).map_err(|e| self.frame(e))?;
        if answer != p::hmac_sha1(key, host_challenge) {
            return Err(DeviceError::Unexpected {
                device: self.device(),
                command: "VALIDATE",
                reason: "the applet's answer does not prove it knows the key".into(),
            });
        }
        self.info.challenge = None;
        Ok(())
    }

    /// Unlocks with a password: key = PBKDF2(password, salt), random host challenge.
    pub fn unlock(&mut self, password: &str) -> Result<(), DeviceError> {
        if !self.is_locked() {
            return Ok(());
        }
        let salt = self.info.salt.clone().unwrap_or_default();
        let key = p::derive_key(password, &salt);
        let chal = self.random_challenge()?;
        self.validate(&key, &chal)
    }

    fn random_challenge(&self) -> Result<[u8; 8], DeviceError> {
        let mut c = [0u8; 8];
        getrandom::fill(&mut c).map_err(|e| DeviceError::Unexpected {
            device: self.device(),
            command: "VALIDATE",
            reason: format!("no random challenge: {e}"),
        })?;
        Ok(c)
    }

    /// SET CODE with a derived access key (the applet must be unlocked if one is set).
    pub fn set_code(&mut self, key: &[u8; 16]) -> Result<(), DeviceError> {
        let chal = self.random_challenge()?;
        self.expect_ok(&p::set_code(key, &chal), "SET CODE")
            .map(|_| ())
    }

    /// Sets the access code from a password (PBKDF2 with this applet's salt).
    pub fn set_password(&mut self, password: &str) -> Result<(), DeviceError> {
        let salt = self.info.salt.clone().unwrap_or_default();
        self.set_code(&p::derive_key(password, &salt))
    }

    /// Removes the access code (`73 00`).
    pub fn unset_code(&mut self) -> Result<(), DeviceError> {
        self.expect_ok(&p::unset_code(), "SET CODE").map(|_| ())
    }

    /// RESET: every credential and the access code go; a new salt. Re-SELECTs after.
    pub fn reset(&mut self) -> Result<(), DeviceError> {
        let r = self.send(&p::reset(), "RESET")?;
        match r.sw {
            StatusWord::Success => self.reselect(),
            StatusWord::SecurityNotSatisfied if self.variant == Variant::Nitrokey3 => {
                Err(DeviceError::TouchRequired {
                    device: self.device(),
                })
            }
            sw => Err(self.status("RESET", sw)),
        }
    }
}
