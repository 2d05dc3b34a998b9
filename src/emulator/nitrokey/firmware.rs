//! The command handlers of the emulated Nitrokey (Pro firmware `report_protocol.c`
//! `parse_report` and its `cmd_*` functions; Storage `src/OTP/report_protocol.c`).

use super::{NitrokeyPro, Slot, Staging};
use crate::devices::nitrokey::protocol::storage::{
    DeviceStatus, STATUS_BLOCK, StatusBlock, stick20,
};
use crate::devices::nitrokey::protocol::{
    self as p, FLASH_EPOCH, NAME_LEN, PW_LEN, REPORT_LEN, SECRET_LEN, cmd, status,
};
use crate::otp::{Algorithm, Digits, OtpKey, Secret};

/// The PIN field as the firmware reads it: all 25 bytes, cut at the first NUL
/// (`memcpy(card_password, report + 1, 25); card_password[25] = 0`).
fn pin_of(r: &[u8; REPORT_LEN]) -> &[u8] {
    let pin = &r[1..1 + PW_LEN];
    let end = pin.iter().position(|b| *b == 0).unwrap_or(PW_LEN);
    &pin[..end]
}

fn pw_at(r: &[u8; REPORT_LEN], at: usize) -> [u8; PW_LEN] {
    let mut t = [0u8; PW_LEN];
    t.copy_from_slice(&r[at..at + PW_LEN]);
    t
}

impl NitrokeyPro {
    /// The answer report to a request whose CRC checked out.
    pub(super) fn answer_to(&mut self, r: &[u8; REPORT_LEN], crc: u32) -> [u8; REPORT_LEN] {
        if self.storage && r[0] == cmd::GET_DEVICE_STATUS {
            return self.device_status_answer(crc);
        }
        let (st, payload) = self.run(r);
        p::response(r[0], crc, st, &payload)
    }

    /// GET_DEVICE_STATUS on a Storage: the configuration at payload `[22..47)`, then
    /// the Stick 2.0 status block copied in *after* the CRC was computed, as
    /// `StartStick20Command` / `CopyUpdateToHIDData` do (no CRC recomputation): the
    /// answer's CRC does not match, which libnitrokey accepts.
    fn device_status_answer(&mut self, crc: u32) -> [u8; REPORT_LEN] {
        let status = DeviceStatus {
            major: 0,
            minor: 54,
            build: 0,
            firmware_locked: false,
            sd_card_id: 0x0B0C_0D0E,
            user_tries: self.user_tries,
            admin_tries: self.tries,
            card_serial: self.serial,
            keys_not_initiated: false,
        };
        let mut payload = vec![0u8; 53];
        payload[22..47].copy_from_slice(&status.encode());
        let mut r = p::response(cmd::GET_DEVICE_STATUS, crc, status::OK, &payload);
        self.storage_block = StatusBlock {
            counter: self.storage_block.counter.wrapping_add(1),
            last_command: cmd::GET_DEVICE_STATUS,
            status: stick20::OK,
            progress: 0,
        };
        r[7 + STATUS_BLOCK..7 + STATUS_BLOCK + 4].copy_from_slice(&self.storage_block.encode());
        r
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
                // Storage: FIRMWARE_VERSION 1 and the card serial commented out
                let (version, serial) = match self.storage {
                    true => ([1, 0], 0),
                    false => ([15, 0], self.serial),
                };
                let mut out = version.to_vec();
                out.extend_from_slice(&u32::to_le_bytes(serial));
                out.extend_from_slice(&self.config);
                (status::OK, out)
            }
            cmd::GET_PASSWORD_RETRY_COUNT => (status::OK, vec![self.tries]),
            cmd::GET_USER_PASSWORD_RETRY_COUNT => (status::OK, vec![self.user_tries]),
            cmd::FIRST_AUTHENTICATE => {
                self.temp = None; // any attempt invalidates the old temporary password
                if self.tries == 0 || pin_of(r) != self.admin_pin.as_bytes() {
                    self.tries = self.tries.saturating_sub(1);
                    return (status::WRONG_PASSWORD, Vec::new());
                }
                self.tries = 3;
                self.temp = Some(pw_at(r, 26));
                (status::OK, Vec::new())
            }
            cmd::USER_AUTHENTICATE => {
                self.user_temp = None;
                if self.user_tries == 0 || pin_of(r) != self.user_pin.as_bytes() {
                    self.user_tries = self.user_tries.saturating_sub(1);
                    return (status::WRONG_PASSWORD, Vec::new());
                }
                self.user_tries = 3;
                self.user_temp = Some(pw_at(r, 26));
                (status::OK, Vec::new())
            }
            cmd::SEND_OTP_DATA => self.send_otp_data(r),
            cmd::WRITE_TO_SLOT => self.write_to_slot(r),
            cmd::READ_SLOT_NAME => match self.slot_mut(r[1]) {
                None => (status::WRONG_SLOT, Vec::new()),
                Some(None) => (status::SLOT_NOT_PROGRAMMED, Vec::new()),
                Some(Some(s)) => (status::OK, s.name.to_vec()),
            },
            cmd::READ_SLOT => self.read_slot(r[1]),
            cmd::GET_CODE => {
                // the user temporary password counts only when the config asks for it
                let user_ok = self.user_temp.is_some_and(|t| t[..] == r[19..19 + PW_LEN]);
                if self.user_password_for_otp() && !user_ok {
                    return (status::NOT_AUTHORIZED, Vec::new());
                }
                self.get_code(r[1])
            }
            cmd::WRITE_CONFIG => {
                if !self.admin_ok(&r[6..6 + PW_LEN]) {
                    return (status::NOT_AUTHORIZED, Vec::new());
                }
                self.config.copy_from_slice(&r[1..6]);
                (status::OK, Vec::new())
            }
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
            cmd::FACTORY_RESET => {
                if pin_of(r) != self.admin_pin.as_bytes() {
                    self.tries = self.tries.saturating_sub(1);
                    return (status::WRONG_PASSWORD, Vec::new());
                }
                self.factory_reset();
                (status::OK, Vec::new())
            }
            cmd::SET_TIME => self.set_time(r),
            _ => (status::UNKNOWN_COMMAND, Vec::new()),
        }
    }

    fn factory_reset(&mut self) {
        let keep = (self.storage, self.serial, self.busy_reads);
        let host = std::sync::Arc::clone(&self.host);
        let clock = self.clock;
        *self = NitrokeyPro::with_host_clock(host);
        (self.storage, self.serial, self.busy_reads) = keep;
        self.clock = clock;
    }

    /// SEND_OTP_DATA (Pro firmware `parse_report`): the first one of a write starts the
    /// transaction and clears the staging buffer; `'N'` stages the name, `'S'` a 30-byte
    /// chunk at `id × 30` (an offset past the 40-byte buffer writes at 0); any other type
    /// answers OK and stages nothing.
    fn send_otp_data(&mut self, r: &[u8; REPORT_LEN]) -> (u8, Vec<u8>) {
        if !self.admin_ok(&r[1..26]) {
            return (status::NOT_AUTHORIZED, Vec::new());
        }
        let st = self.staging.get_or_insert_with(|| Staging {
            name: [0; NAME_LEN],
            secret: zeroize::Zeroizing::new([0; SECRET_LEN]),
        });
        let data = &r[28..58];
        match r[26] {
            b'N' => {
                st.name.copy_from_slice(&data[..NAME_LEN]);
                (status::OK, st.name.to_vec())
            }
            b'S' => {
                let mut offset = usize::from(r[27]) * 30;
                if offset > SECRET_LEN {
                    offset = 0;
                }
                let n = 30.min(SECRET_LEN - offset);
                st.secret[offset..offset + n].copy_from_slice(&data[..n]);
                (status::OK, st.secret.to_vec()) // echoes the staged secret in clear
            }
            _ => (status::OK, Vec::new()),
        }
    }

    fn write_to_slot(&mut self, r: &[u8; REPORT_LEN]) -> (u8, Vec<u8>) {
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
        if self.storage && wire == p::totp_slot(14) {
            // Storage workaround for issue #91: OK, nothing stored
            return (status::OK, Vec::new());
        }
        let mut factor = [0u8; 8];
        factor.copy_from_slice(&r[27..35]);
        let factor = u64::from_le_bytes(factor);
        let mut token_id = [0u8; 13];
        token_id.copy_from_slice(&r[36..49]);
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
            config: r[35],
            token_id,
            interval: factor,
        });
        if let Some(i) = hotp_index {
            self.hotp_counter[i] = factor;
        }
        (status::OK, Vec::new())
    }

    /// READ_SLOT: name[15], config, token id[13], u64 LE counter (HOTP, from the counter
    /// page) or interval (TOTP).
    fn read_slot(&mut self, wire: u8) -> (u8, Vec<u8>) {
        let counter = (0x10..=0x13)
            .contains(&wire)
            .then(|| self.hotp_counter[usize::from(wire - 0x10)]);
        match self.slot_mut(wire) {
            None => (status::WRONG_SLOT, Vec::new()),
            Some(None) => (status::SLOT_NOT_PROGRAMMED, Vec::new()),
            Some(Some(s)) => {
                let mut out = s.name.to_vec();
                out.push(s.config);
                out.extend_from_slice(&s.token_id);
                out.extend_from_slice(&counter.unwrap_or(s.interval).to_le_bytes());
                (status::OK, out)
            }
        }
    }

    fn set_time(&mut self, r: &[u8; REPORT_LEN]) -> (u8, Vec<u8>) {
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

    fn get_code(&mut self, wire: u8) -> (u8, Vec<u8>) {
        if wire == 0x13 {
            return (status::WRONG_SLOT, Vec::new()); // reserved for VERIFY_OTP_CODE
        }
        let now = self.device_time();
        let (slot, counter) = match wire {
            0x10..=0x12 => {
                let i = usize::from(wire - 0x10);
                let Some(s) = self.hotp[i].clone() else {
                    return (status::SLOT_NOT_PROGRAMMED, Vec::new());
                };
                let c = self.hotp_counter[i];
                self.hotp_counter[i] += 1;
                (s, c)
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
        out.extend_from_slice(&slot.token_id);
        (status::OK, out)
    }
}
