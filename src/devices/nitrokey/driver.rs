//! Nitrokey Pro / Storage / Librem Key OTP over any [`HidLink`] (token-protocols.md
//! §6.1–§6.5): one feature report out, then poll the answer while the device is busy.
//!
//! Writing a slot (≥ v0.8): FIRST_AUTHENTICATE with the admin PIN and a fresh random
//! temporary password, SEND_OTP_DATA (name), SEND_OTP_DATA (secret in 30-byte chunks),
//! WRITE_TO_SLOT. Every frame carrying the PIN, the temporary password or the secret
//! (and the device's echo of the staged secret) is traced redacted.

use std::time::Duration;

use zeroize::Zeroizing;

use super::protocol::{self as p, PW_LEN, REPORT_LEN, Response, cmd, status};
use crate::devices::DeviceError;
use crate::devices::error::Credential;
use crate::transport::{HidLink, Sensitivity};

/// How long to wait for answers (libnitrokey: Pro 100 ms × 15, Storage 40 ms × 55).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Pause between sending a report and the first read.
    pub first: Duration,
    /// Pause between reads while the device is busy.
    pub retry: Duration,
    /// Reads before giving up.
    pub retries: u32,
}

impl Timing {
    /// Nitrokey Pro and Librem Key.
    pub const PRO: Timing = Timing {
        first: Duration::from_millis(100),
        retry: Duration::from_millis(100),
        retries: 15,
    };
    /// No pauses (in-process emulators).
    pub const IMMEDIATE: Timing = Timing {
        first: Duration::ZERO,
        retry: Duration::ZERO,
        retries: 3,
    };
}

/// A Nitrokey Pro / Storage / Librem Key.
pub struct Nitrokey<L: HidLink> {
    link: L,
    timing: Timing,
    admin_pin: Option<Zeroizing<String>>,
    temp: Option<Zeroizing<[u8; PW_LEN]>>,
}

fn name_of(command: u8) -> &'static str {
    match command {
        cmd::GET_STATUS => "GET_STATUS",
        cmd::WRITE_TO_SLOT => "WRITE_TO_SLOT",
        cmd::READ_SLOT_NAME => "READ_SLOT_NAME",
        cmd::GET_CODE => "GET_CODE",
        cmd::ERASE_SLOT => "ERASE_SLOT",
        cmd::FIRST_AUTHENTICATE => "FIRST_AUTHENTICATE",
        cmd::GET_PASSWORD_RETRY_COUNT => "GET_PASSWORD_RETRY_COUNT",
        cmd::SET_TIME => "SET_TIME",
        cmd::SEND_OTP_DATA => "SEND_OTP_DATA",
        _ => "command",
    }
}

impl<L: HidLink> Nitrokey<L> {
    /// Wraps an opened link with the Pro's timing.
    pub fn new(link: L) -> Self {
        Nitrokey {
            link,
            timing: Timing::PRO,
            admin_pin: None,
            temp: None,
        }
    }

    /// Changes the answer timing.
    pub fn with_timing(mut self, timing: Timing) -> Self {
        self.timing = timing;
        self
    }

    /// The admin PIN used when a write needs authentication.
    pub fn with_admin_pin(mut self, pin: &str) -> Self {
        self.admin_pin = Some(Zeroizing::new(pin.to_string()));
        self
    }

    /// The device name.
    pub fn device(&self) -> String {
        self.link.device().to_string()
    }

    /// Sends one report and reads its answer; a command status other than OK becomes a
    /// [`DeviceError`] with its meaning.
    pub fn transact(
        &mut self,
        report: &[u8; REPORT_LEN],
        s: Sensitivity,
    ) -> Result<Response, DeviceError> {
        let command = report[0];
        let what = name_of(command);
        let mut out = Vec::with_capacity(REPORT_LEN + 1);
        out.push(0); // report id
        out.extend_from_slice(report);
        self.link.send_feature_report(&out, s)?;
        std::thread::sleep(self.timing.first);
        for _ in 0..self.timing.retries.max(1) {
            let raw = self.link.get_feature_report(0, REPORT_LEN + 1, s)?;
            let body = raw.get(1..).unwrap_or_default();
            let r = p::parse_response(body).map_err(|reason| DeviceError::Frame {
                device: self.device(),
                reason: format!("{what}: {reason}"),
            })?;
            let answered =
                r.device_status != p::device_status::BUSY && r.last_command == command && r.crc_ok;
            if !answered {
                std::thread::sleep(self.timing.retry);
                continue;
            }
            return match r.status {
                status::OK => Ok(r),
                status::WRONG_PASSWORD => Err(DeviceError::AuthFailed {
                    device: self.device(),
                    tries_left: self.retry_count().ok(),
                }),
                code => Err(DeviceError::CommandStatus {
                    device: self.device(),
                    command: what,
                    code,
                    meaning: p::status_meaning(code),
                }),
            };
        }
        Err(DeviceError::Frame {
            device: self.device(),
            reason: format!(
                "{what}: no valid answer after {} reads (busy, other command or bad CRC)",
                self.timing.retries
            ),
        })
    }

    /// GET_STATUS: firmware version and card serial.
    pub fn status(&mut self) -> Result<p::Status, DeviceError> {
        let r = self.transact(&p::request(cmd::GET_STATUS, &[]), Sensitivity::Normal)?;
        p::parse_status(&r.payload).map_err(|reason| DeviceError::Frame {
            device: self.device(),
            reason,
        })
    }

    /// Admin PIN tries left.
    pub fn retry_count(&mut self) -> Result<u8, DeviceError> {
        let r = self.transact(
            &p::request(cmd::GET_PASSWORD_RETRY_COUNT, &[]),
            Sensitivity::Normal,
        )?;
        Ok(r.payload.first().copied().unwrap_or(0))
    }

    /// FIRST_AUTHENTICATE with the admin PIN and a fresh random temporary password.
    pub fn authenticate_admin(&mut self, pin: &str) -> Result<(), DeviceError> {
        let mut temp = Zeroizing::new([0u8; PW_LEN]);
        let mut raw = [0u8; PW_LEN - 1];
        getrandom::fill(&mut raw).map_err(|e| DeviceError::Unexpected {
            device: self.device(),
            command: "FIRST_AUTHENTICATE",
            reason: format!("no random temporary password: {e}"),
        })?;
        // printable, NUL-terminated: as libnitrokey's C strings look on the wire
        for (t, r) in temp.iter_mut().zip(raw) {
            *t = b'A' + r % 26;
        }
        self.temp = None;
        self.transact(&p::first_authenticate(pin, &temp), Sensitivity::Sensitive)?;
        self.temp = Some(temp);
        Ok(())
    }

    fn temp(&mut self) -> Result<Zeroizing<[u8; PW_LEN]>, DeviceError> {
        if self.temp.is_none() {
            let pin = self
                .admin_pin
                .clone()
                .ok_or_else(|| DeviceError::AuthRequired {
                    device: self.device(),
                    what: "writing a slot",
                    needs: Credential::AdminPin,
                })?;
            self.authenticate_admin(&pin)?;
        }
        self.temp.clone().ok_or_else(|| DeviceError::AuthRequired {
            device: self.device(),
            what: "writing a slot",
            needs: Credential::AdminSession,
        })
    }

    /// Writes `wire_slot` (0x10+n HOTP, 0x20+n TOTP): name, secret (≤ 40 bytes),
    /// TOTP interval or HOTP counter, config (bit 0: 8 digits).
    pub fn write_slot(
        &mut self,
        wire_slot: u8,
        name: &str,
        secret: &[u8],
        interval_or_counter: u64,
        eight_digits: bool,
    ) -> Result<(), DeviceError> {
        if secret.len() > p::SECRET_LEN {
            return Err(DeviceError::Unsupported {
                device: self.device(),
                what: format!("a {}-byte secret (at most 40)", secret.len()),
            });
        }
        if secret.iter().all(|b| *b == 0) {
            // the firmware keeps the old secret when the staged one is all zero (§6.4)
            return Err(DeviceError::Unsupported {
                device: self.device(),
                what: "an all-zero secret (the firmware would keep the slot's old secret)".into(),
            });
        }
        let temp = self.temp()?;
        let name = p::field(name.as_bytes(), p::NAME_LEN, false);
        self.transact(
            &p::send_otp_data(&temp, b'N', 0, &name),
            Sensitivity::Sensitive,
        )?;
        for (id, chunk) in secret.chunks(30).enumerate() {
            self.transact(
                &p::send_otp_data(&temp, b'S', id as u8, chunk),
                Sensitivity::Sensitive,
            )?;
        }
        self.transact(
            &p::write_to_slot(
                &temp,
                wire_slot,
                interval_or_counter,
                u8::from(eight_digits),
                b"",
            ),
            Sensitivity::Sensitive,
        )?;
        Ok(())
    }

    /// GET_CODE: the device's code for `wire_slot` (HOTP advances its counter).
    pub fn get_code(&mut self, wire_slot: u8) -> Result<String, DeviceError> {
        let r = self.transact(&p::get_code(wire_slot), Sensitivity::Normal)?;
        let (code, config) = p::parse_code(&r.payload).map_err(|reason| DeviceError::Frame {
            device: self.device(),
            reason,
        })?;
        let digits = if config & 1 != 0 { 8 } else { 6 };
        Ok(format!("{code:0digits$}"))
    }

    /// ERASE_SLOT (needs the admin temporary password).
    pub fn erase_slot(&mut self, wire_slot: u8) -> Result<(), DeviceError> {
        let temp = self.temp()?;
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

    /// SET_TIME: `force` always sets; check mode refuses a zero or later stored time
    /// (status 6).
    pub fn set_time(&mut self, unix: u64, force: bool) -> Result<(), DeviceError> {
        self.transact(&p::set_time(force, unix), Sensitivity::Normal)?;
        Ok(())
    }
}
