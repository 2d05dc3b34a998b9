//! The OATH applet over any [`ApduLink`]: YubiKey (CCID or NFC) and the Nitrokey 3
//! Secrets App, told apart by their SELECT answer (token-protocols.md §4.3, §5.2).
//!
//! Responses longer than a page come with `61xx`; the applet wants SEND REMAINING
//! (`00 A5 00 00`, §4.1), not ISO GET RESPONSE, so [`Oath::send`] chains itself over
//! [`ApduLink::exchange`], tracing every frame (redacted for PUT and SET CODE).

use super::protocol::{self as p, CalcResult, CodeValue, ListEntry, PutCredential, SelectInfo};
use crate::devices::DeviceError;
use crate::devices::error::Credential;
use crate::devices::random::RandomSource;
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
    pub(super) info: SelectInfo,
    variant: Variant,
    pub(super) random: RandomSource,
}

impl<L: ApduLink> Oath<L> {
    /// SELECTs the applet and reads its version, salt and lock state.
    pub fn select(link: L) -> Result<Self, DeviceError> {
        let mut o = Oath {
            link,
            info: SelectInfo::default(),
            variant: Variant::YubiKey,
            random: RandomSource::os(),
        };
        o.reselect()?;
        Ok(o)
    }

    /// Where host challenges (VALIDATE, SET CODE) come from: the OS unless a test
    /// replays a transcript.
    pub fn with_random(mut self, random: RandomSource) -> Self {
        self.random = random;
        self
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

    pub(super) fn frame(&self, reason: impl Into<String>) -> DeviceError {
        DeviceError::Frame {
            device: self.device(),
            reason: reason.into(),
        }
    }

    pub(super) fn status(&self, command: &'static str, sw: StatusWord) -> DeviceError {
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

    pub(super) fn expect_ok(
        &mut self,
        cmd: &Apdu,
        what: &'static str,
    ) -> Result<Vec<u8>, DeviceError> {
        let r = self.send(cmd, what)?;
        if r.sw.is_success() {
            Ok(r.data)
        } else {
            Err(self.status(what, r.sw))
        }
    }

    /// The firmware as SELECT reported it, for version guards.
    fn version_at_least(&self, v: [u8; 3]) -> bool {
        self.info.version >= v
    }

    /// How many credentials the applet holds at most, where known: a YubiKey holds 64
    /// from firmware 5.7.0 and 32 before (Yubico's YubiKey 5 technical manual, OATH).
    pub fn capacity(&self) -> Option<usize> {
        match self.variant {
            Variant::YubiKey if self.version_at_least([5, 7, 0]) => Some(64),
            Variant::YubiKey => Some(32),
            Variant::Nitrokey3 => None,
        }
    }

    /// ykman's firmware guards for a PUT (`ykman/_cli/oath.py` `_add_cred`): touch
    /// needs YubiKey firmware 4.2.6, SHA-512 needs 4.3.1.
    pub fn check_put_allowed(
        &self,
        touch: bool,
        algorithm: crate::otp::Algorithm,
    ) -> Result<(), DeviceError> {
        if self.variant != Variant::YubiKey {
            return Ok(());
        }
        let refuse = |what: &str, needs: &str| DeviceError::Unsupported {
            device: self.device(),
            what: format!(
                "{what}: needs YubiKey firmware {needs} or newer, this one has {}",
                self.info.version_string()
            ),
        };
        if touch && !self.version_at_least([4, 2, 6]) {
            return Err(refuse("requiring touch", "4.2.6"));
        }
        if algorithm == crate::otp::Algorithm::Sha512 && !self.version_at_least([4, 3, 1]) {
            return Err(refuse("SHA-512", "4.3.1"));
        }
        Ok(())
    }

    /// Whether this firmware mishandles a new name that is a prefix of an existing one
    /// (YubiKey 4 firmware between 4.0.0 and 4.3.5, exclusive; ykman refuses the PUT).
    pub fn has_prefix_overwrite_bug(&self) -> bool {
        self.variant == Variant::YubiKey
            && self.info.version > [4, 0, 0]
            && self.info.version < [4, 3, 5]
    }

    /// PUT a credential. YubiKey overwrites a credential of the same name; the Nitrokey 3
    /// refuses with `6983` (mapped to [`DeviceError::Occupied`]). What the firmware
    /// cannot do (touch before 4.2.6, SHA-512 before 4.3.1) is refused before sending.
    pub fn put(&mut self, c: &PutCredential<'_>) -> Result<(), DeviceError> {
        self.check_put_allowed(c.touch, c.algorithm)?;
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
            StatusWord::NoSpace => Err(DeviceError::Unsupported {
                device: self.device(),
                what: format!(
                    "another credential: the applet is full ({} credentials on firmware {})",
                    self.capacity()
                        .map_or_else(|| "all".to_string(), |n| n.to_string()),
                    self.info.version_string()
                ),
            }),
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
