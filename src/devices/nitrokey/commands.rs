//! The Nitrokey commands over [`Nitrokey::transact`] (token-protocols.md §6.2–§6.5):
//! status, PIN authentication with temporary passwords, slot writes, codes, erase,
//! slot records, rename, time and factory reset.
//!
//! Writing a slot (≥ v0.8): FIRST_AUTHENTICATE with the admin PIN and a fresh temporary
//! password, SEND_OTP_DATA (name), SEND_OTP_DATA (secret in 30-byte chunks),
//! WRITE_TO_SLOT. Every frame carrying a PIN, a temporary password or the secret (and
//! the device's echo of the staged secret) is traced redacted.

use zeroize::Zeroizing;

use super::driver::{Model, Nitrokey};
use super::protocol::storage::DeviceStatus;
use super::protocol::{self as p, PW_LEN, cmd, status};
use crate::devices::DeviceError;
use crate::devices::error::Credential;
use crate::transport::{HidLink, Sensitivity};

impl<L: HidLink> Nitrokey<L> {
    /// GET_STATUS: firmware version, card serial and general config. A Storage says
    /// version 0.1 and no serial here: see [`Nitrokey::device_status`].
    pub fn status(&mut self) -> Result<p::Status, DeviceError> {
        let r = self.transact(&p::request(cmd::GET_STATUS, &[]), Sensitivity::Normal)?;
        p::parse_status(&r.payload).map_err(|reason| self.frame_error(reason))
    }

    /// GET_DEVICE_STATUS (Nitrokey Storage only): firmware, card serial, PIN tries.
    pub fn device_status(&mut self) -> Result<DeviceStatus, DeviceError> {
        if self.model != Model::Storage {
            return Err(self.unsupported(format!(
                "GET_DEVICE_STATUS on a {} (a Storage-only command; use GET_STATUS)",
                self.model.name()
            )));
        }
        let r = self.transact(
            &p::request(cmd::GET_DEVICE_STATUS, &[]),
            Sensitivity::Normal,
        )?;
        DeviceStatus::parse(&r.payload).map_err(|reason| self.frame_error(reason))
    }

    /// Admin PIN tries left.
    pub fn retry_count(&mut self) -> Result<u8, DeviceError> {
        self.tries_left(cmd::GET_PASSWORD_RETRY_COUNT)
    }

    /// User PIN tries left.
    pub fn user_retry_count(&mut self) -> Result<u8, DeviceError> {
        self.tries_left(cmd::GET_USER_PASSWORD_RETRY_COUNT)
    }

    pub(super) fn unsupported(&self, what: String) -> DeviceError {
        DeviceError::Unsupported {
            device: self.device(),
            what,
        }
    }

    /// A fresh temporary password: 24 printable letters and a NUL, as libnitrokey's C
    /// strings look on the wire, from the driver's [`crate::devices::random::RandomSource`].
    fn draw_temporary_password(
        &mut self,
        command: &'static str,
    ) -> Result<Zeroizing<[u8; PW_LEN]>, DeviceError> {
        let mut raw = Zeroizing::new([0u8; PW_LEN - 1]);
        self.random
            .fill(&mut raw[..])
            .map_err(|e| DeviceError::Unexpected {
                device: self.device(),
                command,
                reason: format!("no random temporary password: {e}"),
            })?;
        let mut temp = Zeroizing::new([0u8; PW_LEN]);
        for (t, r) in temp.iter_mut().zip(raw.iter()) {
            *t = b'A' + r % 26;
        }
        Ok(temp)
    }

    fn pin_refused(&self, which: &str, e: p::PinTooLong) -> DeviceError {
        self.unsupported(format!(
            "{which} PIN of {} bytes: the Nitrokey reads at most 25 (refused rather than \
             cut: a cut PIN is a wrong PIN and costs one of three tries)",
            e.0
        ))
    }

    /// FIRST_AUTHENTICATE with the admin PIN and a fresh temporary password. A PIN over
    /// 25 bytes is refused before anything is sent.
    pub fn authenticate_admin(&mut self, pin: &str) -> Result<(), DeviceError> {
        self.temp = None;
        let temp = self.draw_temporary_password("FIRST_AUTHENTICATE")?;
        let report =
            p::first_authenticate(pin, &temp).map_err(|e| self.pin_refused("an admin", e))?;
        self.transact(&report, Sensitivity::Sensitive)?;
        self.temp = Some(temp);
        Ok(())
    }

    /// USER_AUTHENTICATE with the user PIN and a fresh user temporary password.
    pub fn authenticate_user(&mut self, pin: &str) -> Result<(), DeviceError> {
        self.user_temp = None;
        let temp = self.draw_temporary_password("USER_AUTHENTICATE")?;
        let report = p::user_authenticate(pin, &temp).map_err(|e| self.pin_refused("a user", e))?;
        self.transact(&report, Sensitivity::Sensitive)?;
        self.user_temp = Some(temp);
        Ok(())
    }

    pub(super) fn temp(
        &mut self,
        what: &'static str,
    ) -> Result<Zeroizing<[u8; PW_LEN]>, DeviceError> {
        if self.temp.is_none() {
            let pin = self
                .admin_pin
                .clone()
                .ok_or_else(|| DeviceError::AuthRequired {
                    device: self.device(),
                    what,
                    needs: Credential::AdminPin,
                })?;
            self.authenticate_admin(&pin)?;
        }
        self.temp.clone().ok_or_else(|| DeviceError::AuthRequired {
            device: self.device(),
            what,
            needs: Credential::AdminSession,
        })
    }

    /// Writes `wire_slot` (0x10+n HOTP, 0x20+n TOTP): name, secret (≤ 40 bytes),
    /// TOTP interval or HOTP counter, config (bit 0: 8 digits). TOTP slot 14 is refused
    /// on a Storage (it answers OK and stores nothing).
    pub fn write_slot(
        &mut self,
        wire_slot: u8,
        name: &str,
        secret: &[u8],
        interval_or_counter: u64,
        eight_digits: bool,
    ) -> Result<(), DeviceError> {
        if secret.len() > p::SECRET_LEN {
            return Err(self.unsupported(format!("a {}-byte secret (at most 40)", secret.len())));
        }
        if secret.iter().all(|b| *b == 0) {
            // the firmware keeps the old secret when the staged one is all zero (§6.4)
            return Err(self.unsupported(
                "an all-zero secret (the firmware would keep the slot's old secret)".into(),
            ));
        }
        self.check_writable(wire_slot)?;
        let temp = self.temp("writing a slot")?;
        self.send_name(&temp, name)?;
        for (id, chunk) in secret.chunks(30).enumerate() {
            self.transact(
                &p::send_otp_data(&temp, b'S', id as u8, chunk),
                Sensitivity::Sensitive,
            )?;
        }
        let write = p::write_to_slot(
            &temp,
            wire_slot,
            interval_or_counter,
            u8::from(eight_digits),
            b"",
        );
        self.transact(&write, Sensitivity::Sensitive)?;
        Ok(())
    }

    fn check_writable(&self, wire_slot: u8) -> Result<(), DeviceError> {
        let totp_limit = p::totp_slot(self.model.totp_slots());
        if (totp_limit..=p::totp_slot(14)).contains(&wire_slot) {
            return Err(self.unsupported(format!(
                "TOTP slot {} on a {}: the firmware answers OK and stores nothing \
                 (storage firmware issue #91); use TOTP slots 0–{}",
                wire_slot - 0x20,
                self.model.name(),
                self.model.totp_slots() - 1
            )));
        }
        Ok(())
    }

    fn send_name(&mut self, temp: &[u8; PW_LEN], name: &str) -> Result<(), DeviceError> {
        let name = p::field(name.as_bytes(), p::NAME_LEN, false);
        self.transact(
            &p::send_otp_data(temp, b'N', 0, &name),
            Sensitivity::Sensitive,
        )
        .map(drop)
    }

    /// GET_CODE: the device's code for `wire_slot` (HOTP advances its counter). With
    /// "user password for OTP" on, the device answers NOT_AUTHORIZED until the user
    /// authenticates: the driver then authenticates with the user PIN and asks again.
    pub fn get_code(&mut self, wire_slot: u8) -> Result<String, DeviceError> {
        let first = self.send_get_code(wire_slot);
        let r = match first {
            Err(DeviceError::CommandStatus {
                code: status::NOT_AUTHORIZED,
                ..
            }) => {
                let pin = self
                    .user_pin
                    .clone()
                    .ok_or_else(|| DeviceError::AuthRequired {
                        device: self.device(),
                        what: "GET_CODE",
                        needs: Credential::UserPin,
                    })?;
                self.authenticate_user(&pin)?;
                self.send_get_code(wire_slot)?
            }
            other => other?,
        };
        let (code, config) =
            p::parse_code(&r.payload).map_err(|reason| self.frame_error(reason))?;
        let digits = if config & 1 != 0 { 8 } else { 6 };
        Ok(format!("{code:0digits$}"))
    }

    fn send_get_code(&mut self, wire_slot: u8) -> Result<p::Response, DeviceError> {
        // redacted only when it carries the user temporary password
        let s = match self.user_temp {
            Some(_) => Sensitivity::Sensitive,
            None => Sensitivity::Normal,
        };
        self.transact(&p::get_code(wire_slot, self.user_temp.as_deref()), s)
    }

    /// ERASE_SLOT (needs the admin temporary password).
    pub fn erase_slot(&mut self, wire_slot: u8) -> Result<(), DeviceError> {
        let temp = self.temp("erasing a slot")?;
        self.transact(&p::erase_slot(wire_slot, &temp), Sensitivity::Sensitive)?;
        Ok(())
    }

    /// READ_SLOT_NAME: `Ok(None)` for an empty slot.
    pub fn slot_name(&mut self, wire_slot: u8) -> Result<Option<String>, DeviceError> {
        match self.transact(
            &p::request(cmd::READ_SLOT_NAME, &[wire_slot]),
            Sensitivity::Normal,
        ) {
            Ok(r) => {
                let n = r.payload.get(..p::NAME_LEN).unwrap_or_default();
                let end = n.iter().position(|b| *b == 0).unwrap_or(n.len());
                Ok(Some(String::from_utf8_lossy(&n[..end]).into_owned()))
            }
            Err(DeviceError::CommandStatus {
                code: status::SLOT_NOT_PROGRAMMED,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// READ_SLOT: name, config, token id and counter or interval; `Ok(None)` when empty.
    pub fn read_slot(&mut self, wire_slot: u8) -> Result<Option<p::SlotRecord>, DeviceError> {
        match self.transact(&p::read_slot(wire_slot), Sensitivity::Normal) {
            Ok(r) => p::parse_slot(&r.payload)
                .map(Some)
                .map_err(|reason| self.frame_error(reason)),
            Err(DeviceError::CommandStatus {
                code: status::SLOT_NOT_PROGRAMMED,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Renames a programmed slot, keeping its secret, config and counter or interval:
    /// a write with no secret staged keeps the old secret (§6.4).
    pub fn rename_slot(&mut self, wire_slot: u8, new_name: &str) -> Result<(), DeviceError> {
        if new_name.is_empty() || new_name.len() > p::NAME_LEN {
            return Err(self.unsupported(format!("a slot name of {} bytes (1–15)", new_name.len())));
        }
        let rec = self
            .read_slot(wire_slot)?
            .ok_or_else(|| DeviceError::CommandStatus {
                device: self.device(),
                command: "READ_SLOT",
                code: status::SLOT_NOT_PROGRAMMED,
                meaning: p::status_meaning(status::SLOT_NOT_PROGRAMMED),
            })?;
        let temp = self.temp("renaming a slot")?;
        self.send_name(&temp, new_name)?;
        let write = p::write_to_slot(
            &temp,
            wire_slot,
            rec.interval_or_counter,
            rec.config,
            &rec.token_id,
        );
        self.transact(&write, Sensitivity::Sensitive)?;
        Ok(())
    }

    /// FACTORY_RESET with the admin PIN: every OTP slot and the OpenPGP card are reset
    /// (PINs back to the factory defaults). The temporary passwords are gone after it.
    pub fn factory_reset(&mut self, admin_pin: &str) -> Result<(), DeviceError> {
        let report = p::factory_reset(admin_pin).map_err(|e| self.pin_refused("an admin", e))?;
        self.temp = None;
        self.user_temp = None;
        self.transact(&report, Sensitivity::Sensitive)?;
        Ok(())
    }

    /// SET_TIME: `force` always sets; check mode refuses a zero or later stored time
    /// (status 6).
    pub fn set_time(&mut self, unix: u64, force: bool) -> Result<(), DeviceError> {
        self.transact(&p::set_time(force, unix), Sensitivity::Normal)?;
        Ok(())
    }

    /// The admin PIN this driver holds, if any (for the management commands).
    pub(super) fn admin_pin(&self) -> Option<Zeroizing<String>> {
        self.admin_pin.clone()
    }
}
