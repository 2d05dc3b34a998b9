//! The access code of the YubiKey OATH applet (token-protocols.md §4.3): VALIDATE with
//! a host challenge, SET CODE, removing the code. Host challenges come from the
//! driver's [`crate::devices::random::RandomSource`], so recorded exchanges replay.

use super::driver::Oath;
use super::protocol as p;
use crate::devices::DeviceError;
use crate::transport::{ApduLink, StatusWord};

impl<L: ApduLink> Oath<L> {
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
        self.unlock_with_key(&p::derive_key(password, &salt))
    }

    /// Unlocks with the access key itself and a random host challenge.
    pub fn unlock_with_key(&mut self, key: &[u8; 16]) -> Result<(), DeviceError> {
        let chal = self.random_challenge("VALIDATE")?;
        self.validate(key, &chal)
    }

    fn random_challenge(&mut self, command: &'static str) -> Result<[u8; 8], DeviceError> {
        let mut c = [0u8; 8];
        self.random
            .fill(&mut c)
            .map_err(|e| DeviceError::Unexpected {
                device: self.device(),
                command,
                reason: format!("no random challenge: {e}"),
            })?;
        Ok(c)
    }

    /// SET CODE with a derived access key (the applet must be unlocked if one is set).
    pub fn set_code(&mut self, key: &[u8; 16]) -> Result<(), DeviceError> {
        let chal = self.random_challenge("SET CODE")?;
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
}
