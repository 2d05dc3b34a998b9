//! Family `nitrokey`, device side: a Nitrokey Pro (firmware v0.15) as its OTP firmware
//! behaves (token-protocols.md §6), as a [`VirtualHidDevice`] reached in-process.
//!
//! One 64-byte feature report in (after report id 0), one 64-byte report out. The
//! request CRC is checked (mismatch: status WRONG_CRC, command not run); the admin PIN
//! (3 tries) hands out a temporary password kept in RAM; SEND_OTP_DATA stages name and
//! secret (echoing the staged secret in clear, as the firmware does); WRITE_TO_SLOT
//! commits, keeping the old secret when the staged one is all zero; GET_CODE computes
//! HOTP (advancing the counter) or TOTP from the device's own [`DeviceClock`], which
//! starts at 0 at power-up and drifts; SET_TIME checks against the flash time in
//! minutes since 2014-01-01 (check mode) or forces it.

use std::sync::Arc;

use super::clock::{DeviceClock, now_ms};
use super::hid::VirtualHidDevice;
use crate::devices::nitrokey::protocol::{
    self as p, CRC_SPAN, FLASH_EPOCH, NAME_LEN, PW_LEN, REPORT_LEN, SECRET_LEN, cmd, status,
};
use crate::otp::{Algorithm, Digits, OtpKey, Secret};

#[derive(Clone)]
struct Slot {
    name: [u8; NAME_LEN],
    secret: zeroize::Zeroizing<[u8; SECRET_LEN]>,
    config: u8,
    interval: u64,
}

#[derive(Clone)]
struct Staging {
    name: [u8; NAME_LEN],
    secret: zeroize::Zeroizing<[u8; SECRET_LEN]>,
}

/// A host clock source, Unix ms.
pub type HostClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// An emulated Nitrokey Pro.
pub struct NitrokeyPro {
    admin_pin: String,
    tries: u8,
    temp: Option<[u8; PW_LEN]>,
    staging: Option<Staging>,
    hotp: [Option<Slot>; 4],
    hotp_counter: [u64; 4],
    totp: [Option<Slot>; 15],
    clock: DeviceClock,
    flash_minutes: u32,
    serial: u32,
    host: HostClock,
    answer: [u8; REPORT_LEN],
}

impl NitrokeyPro {
    /// A factory-fresh device (admin PIN `12345678`), just plugged in: its clock at 0.
    pub fn new() -> Self {
        NitrokeyPro::with_host_clock(Arc::new(now_ms))
    }

    /// The same, with a host clock for tests (Unix ms).
    pub fn with_host_clock(host: HostClock) -> Self {
        let now = host();
        NitrokeyPro {
            admin_pin: "12345678".into(),
            tries: 3,
            temp: None,
            staging: None,
            hotp: Default::default(),
            hotp_counter: [0; 4],
            totp: Default::default(),
            clock: DeviceClock::with_offset(now, -now, 0.0),
            flash_minutes: 0xFFFF_FFFF,
            serial: 0x0000_1C0F,
            host,
            answer: [0; REPORT_LEN],
        }
    }

    /// Puts a seed into TOTP slot `n` as if written earlier (`config` bit 0: 8 digits).
    pub fn preload_totp(&mut self, n: usize, name: &str, secret: &[u8], config: u8, interval: u64) {
        let mut s = zeroize::Zeroizing::new([0u8; SECRET_LEN]);
        let k = secret.len().min(SECRET_LEN);
        s[..k].copy_from_slice(&secret[..k]);
        let mut nm = [0u8; NAME_LEN];
        let b = name.as_bytes();
        nm[..b.len().min(NAME_LEN)].copy_from_slice(&b[..b.len().min(NAME_LEN)]);
        if let Some(slot) = self.totp.get_mut(n) {
            *slot = Some(Slot {
                name: nm,
                secret: s,
                config,
                interval,
            });
        }
    }

    /// Sets the card serial GET_STATUS reports.
    pub fn set_serial(&mut self, serial: u32) {
        self.serial = serial;
    }

    /// Makes the crystal drift by `ppm` from now on.
    pub fn set_drift_ppm(&mut self, ppm: f64) {
        self.clock.set_drift_ppm((self.host)(), ppm);
    }

    /// The device clock now, Unix seconds.
    pub fn device_time(&self) -> i64 {
        self.clock.unix_seconds_at((self.host)())
    }

    /// Admin PIN tries left.
    pub fn tries(&self) -> u8 {
        self.tries
    }

    /// The name of TOTP slot `n`, if programmed.
    pub fn totp_name(&self, n: usize) -> Option<String> {
        let s = self.totp.get(n)?.as_ref()?;
        let end = s.name.iter().position(|b| *b == 0).unwrap_or(NAME_LEN);
        Some(String::from_utf8_lossy(&s.name[..end]).into_owned())
    }

    fn slot_mut(&mut self, wire: u8) -> Option<&mut Option<Slot>> {
        match wire {
            0x10..=0x13 => self.hotp.get_mut(usize::from(wire - 0x10)),
            0x20..=0x2E => self.totp.get_mut(usize::from(wire - 0x20)),
            _ => None,
        }
    }

    fn admin_ok(&self, pw: &[u8]) -> bool {
        self.temp.as_ref().is_some_and(|t| t[..] == *pw)
    }

    /// Runs one request report; returns (status, payload).
    fn run(&mut self, r: &[u8; REPORT_LEN]) -> (u8, Vec<u8>) {
        match r[0] {
            cmd::GET_STATUS => {
                let mut out = vec![15, 0]; // firmware v0.15: minor, major
                out.extend_from_slice(&self.serial.to_le_bytes());
                out.extend_from_slice(&[0; 5]);
                (status::OK, out)
            }
            cmd::GET_PASSWORD_RETRY_COUNT => (status::OK, vec![self.tries]),
            cmd::FIRST_AUTHENTICATE => {
                self.temp = None; // any attempt invalidates the old temporary password
                let pin = &r[1..1 + PW_LEN - 1]; // the firmware forces a NUL at [25]
                let end = pin.iter().position(|b| *b == 0).unwrap_or(pin.len());
                if self.tries == 0 || pin[..end] != *self.admin_pin.as_bytes() {
                    self.tries = self.tries.saturating_sub(1);
                    return (status::WRONG_PASSWORD, Vec::new());
                }
                self.tries = 3;
                let mut t = [0u8; PW_LEN];
                t.copy_from_slice(&r[26..26 + PW_LEN]);
                self.temp = Some(t);
                (status::OK, Vec::new())
            }
            cmd::SEND_OTP_DATA => {
                if !self.admin_ok(&r[1..26]) {
                    return (status::NOT_AUTHORIZED, Vec::new());
                }
                let st = self.staging.get_or_insert_with(|| Staging {
                    name: [0; NAME_LEN],
                    secret: zeroize::Zeroizing::new([0; SECRET_LEN]),
                });
                let data = &r[28..58];
                match (r[26], usize::from(r[27])) {
                    (b'N', _) => {
                        st.name.copy_from_slice(&data[..NAME_LEN]);
                        (status::OK, st.name.to_vec())
                    }
                    (b'S', id) if id * 30 < SECRET_LEN => {
                        let end = (id * 30 + 30).min(SECRET_LEN);
                        st.secret[id * 30..end].copy_from_slice(&data[..end - id * 30]);
                        (status::OK, st.secret.to_vec()) // echoes the staged secret in clear
                    }
                    _ => (status::WRONG_SLOT, Vec::new()),
                }
            }
            cmd::WRITE_TO_SLOT => {
                if !self.admin_ok(&r[1..26]) || self.staging.is_none() {
                    return (status::NOT_AUTHORIZED, Vec::new());
                }
                let wire = r[26];
                let Some(st) = self.staging.take() else {
                    return (status::NOT_AUTHORIZED, Vec::new());
                };
                if st.name[0] == 0 {
                    return (status::NO_NAME_ERROR, Vec::new());
                }
                let mut factor = [0u8; 8];
                factor.copy_from_slice(&r[27..35]);
                let factor = u64::from_le_bytes(factor);
                let config = r[35];
                let hotp_index = (0x10..=0x13)
                    .contains(&wire)
                    .then(|| usize::from(wire - 0x10));
                let Some(slot) = self.slot_mut(wire) else {
                    return (status::WRONG_SLOT, Vec::new());
                };
                // an all-zero staged secret keeps the slot's old secret (§6.4)
                let secret = match slot {
                    Some(old) if st.secret.iter().all(|b| *b == 0) => old.secret.clone(),
                    _ => st.secret.clone(),
                };
                *slot = Some(Slot {
                    name: st.name,
                    secret,
                    config,
                    interval: factor,
                });
                if let Some(i) = hotp_index {
                    self.hotp_counter[i] = factor;
                }
                (status::OK, Vec::new())
            }
            cmd::READ_SLOT_NAME => match self.slot_mut(r[1]) {
                None => (status::WRONG_SLOT, Vec::new()),
                Some(None) => (status::SLOT_NOT_PROGRAMMED, Vec::new()),
                Some(Some(s)) => (status::OK, s.name.to_vec()),
            },
            cmd::GET_CODE => self.get_code(r[1]),
            cmd::ERASE_SLOT => {
                if !self.admin_ok(&r[2..27]) {
                    return (status::NOT_AUTHORIZED, Vec::new());
                }
                let wire = r[1];
                match self.slot_mut(wire) {
                    None => (status::WRONG_SLOT, Vec::new()),
                    Some(s) => {
                        *s = None;
                        if (0x10..=0x13).contains(&wire) {
                            self.hotp_counter[usize::from(wire - 0x10)] = 0;
                        }
                        (status::OK, Vec::new())
                    }
                }
            }
            cmd::SET_TIME => {
                let mut t = [0u8; 8];
                t.copy_from_slice(&r[2..10]);
                let unix = u64::from_le_bytes(t);
                let minutes = ((unix as i64 - FLASH_EPOCH).max(0) / 60) as u32;
                let stored = self.flash_minutes;
                let check = r[1] == 0;
                if check && (stored == 0 || (stored != 0xFFFF_FFFF && minutes < stored)) {
                    return (status::TIMESTAMP_WARNING, Vec::new());
                }
                self.flash_minutes = minutes;
                self.clock
                    .set((self.host)(), (unix as i64).saturating_mul(1000));
                (status::OK, Vec::new())
            }
            _ => (status::UNKNOWN_COMMAND, Vec::new()),
        }
    }

    fn get_code(&mut self, wire: u8) -> (u8, Vec<u8>) {
        if wire == 0x13 {
            return (status::WRONG_SLOT, Vec::new()); // reserved for VERIFY_OTP_CODE
        }
        let now = self.device_time();
        let counter_of = |i: usize, c: &mut [u64; 4]| {
            let v = c[i];
            c[i] += 1;
            v
        };
        let (slot, counter) = match wire {
            0x10..=0x12 => {
                let i = usize::from(wire - 0x10);
                let Some(s) = self.hotp[i].clone() else {
                    return (status::SLOT_NOT_PROGRAMMED, Vec::new());
                };
                (s, counter_of(i, &mut self.hotp_counter))
            }
            0x20..=0x2E => {
                let Some(s) = self.totp[usize::from(wire - 0x20)].clone() else {
                    return (status::SLOT_NOT_PROGRAMMED, Vec::new());
                };
                let step = now.max(0) as u64 / s.interval.max(1);
                (s, step)
            }
            _ => return (status::WRONG_SLOT, Vec::new()),
        };
        let digits = if slot.config & 1 != 0 { 8 } else { 6 };
        // HMAC over the full 40-byte zero-padded buffer, as the firmware does
        let key = OtpKey::new(Algorithm::Sha1, &Secret::from_slice(&slot.secret[..]));
        let code = key.code(counter, Digits::new(digits).unwrap_or_default()) as u32;
        let mut out = code.to_le_bytes().to_vec();
        out.push(slot.config);
        out.extend_from_slice(&[0; 13]);
        (status::OK, out)
    }
}

impl Default for NitrokeyPro {
    fn default() -> Self {
        NitrokeyPro::new()
    }
}

impl VirtualHidDevice for NitrokeyPro {
    fn output_report(&mut self, _report: &[u8]) {}

    fn input_report(&mut self) -> Option<Vec<u8>> {
        None
    }

    fn set_feature(&mut self, report: &[u8]) -> Result<(), String> {
        let body = report.get(1..).unwrap_or_default();
        let r: [u8; REPORT_LEN] = body
            .try_into()
            .map_err(|_| format!("feature report of {} bytes, expected 65", report.len()))?;
        let computed = p::crc(&r[..CRC_SPAN]);
        let sent = u32::from_le_bytes([r[60], r[61], r[62], r[63]]);
        let (st, payload) = if computed != sent {
            (status::WRONG_CRC, Vec::new())
        } else {
            self.run(&r)
        };
        self.answer = p::response(r[0], computed, st, &payload);
        Ok(())
    }

    fn get_feature(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, String> {
        let mut out = vec![report_id];
        out.extend_from_slice(&self.answer);
        out.truncate(len);
        Ok(out)
    }
}
