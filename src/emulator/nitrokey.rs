//! Family `nitrokey`, device side: a Nitrokey Pro (firmware v0.15) or a Nitrokey
//! Storage OTP firmware as they behave (token-protocols.md §6; firmware-protocols/
//! nitrokey.md, which says per behaviour which firmware source it follows), as a
//! [`VirtualHidDevice`] reached in-process. The command handlers are in
//! `firmware`.
//!
//! One 64-byte feature report in (after report id 0), one 64-byte report out. The
//! request CRC is checked (mismatch: status WRONG_CRC, command not run); the admin PIN
//! (25 bytes read, 3 tries) and the user PIN hand out temporary passwords kept in RAM;
//! SEND_OTP_DATA stages name and secret (echoing the staged secret in clear);
//! WRITE_TO_SLOT commits, keeping the old secret when the staged one is all zero;
//! GET_CODE computes HOTP or TOTP from the device's own [`DeviceClock`] (0 at
//! power-up, drifting) and wants the user temporary password when "user password for
//! OTP" is on; SET_TIME checks against the flash time in minutes since 2014-01-01.
//! A slow device answers busy for a set number of reads after each command.

mod firmware;

use std::sync::Arc;

use super::clock::{DeviceClock, now_ms};
use super::hid::VirtualHidDevice;
use crate::devices::nitrokey::protocol::storage::{STATUS_BLOCK, StatusBlock, stick20};
use crate::devices::nitrokey::protocol::{
    self as p, CRC_SPAN, GeneralConfig, NAME_LEN, PW_LEN, REPORT_LEN, SECRET_LEN, cmd, status,
};

#[derive(Clone)]
struct Slot {
    name: [u8; NAME_LEN],
    secret: zeroize::Zeroizing<[u8; SECRET_LEN]>,
    config: u8,
    token_id: [u8; 13],
    interval: u64,
}

#[derive(Clone)]
struct Staging {
    name: [u8; NAME_LEN],
    secret: zeroize::Zeroizing<[u8; SECRET_LEN]>,
}

/// A host clock source, Unix ms.
pub type HostClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Factory admin PIN.
pub const DEFAULT_ADMIN_PIN: &str = "12345678";
/// Factory user PIN.
pub const DEFAULT_USER_PIN: &str = "123456";

/// An emulated Nitrokey Pro, or a Nitrokey Storage's OTP part
/// ([`NitrokeyPro::as_storage`]).
pub struct NitrokeyPro {
    storage: bool,
    admin_pin: String,
    user_pin: String,
    tries: u8,
    user_tries: u8,
    temp: Option<[u8; PW_LEN]>,
    user_temp: Option<[u8; PW_LEN]>,
    staging: Option<Staging>,
    /// The five general-config bytes as the flash holds them (erased: `FF`).
    config: [u8; 5],
    hotp: [Option<Slot>; 4],
    hotp_counter: [u64; 4],
    totp: [Option<Slot>; 15],
    clock: DeviceClock,
    flash_minutes: u32,
    serial: u32,
    host: HostClock,
    answer: [u8; REPORT_LEN],
    busy_reads: u32,
    busy_left: u32,
    storage_block: StatusBlock,
}

impl NitrokeyPro {
    /// A factory-fresh device (admin PIN `12345678`, user PIN `123456`), just plugged
    /// in: its clock at 0.
    pub fn new() -> Self {
        NitrokeyPro::with_host_clock(Arc::new(now_ms))
    }

    /// The same, with a host clock for tests (Unix ms).
    pub fn with_host_clock(host: HostClock) -> Self {
        let now = host();
        NitrokeyPro {
            storage: false,
            admin_pin: DEFAULT_ADMIN_PIN.into(),
            user_pin: DEFAULT_USER_PIN.into(),
            tries: 3,
            user_tries: 3,
            temp: None,
            user_temp: None,
            staging: None,
            config: [0xFF; 5],
            hotp: Default::default(),
            hotp_counter: [0; 4],
            totp: Default::default(),
            clock: DeviceClock::with_offset(now, -now, 0.0),
            flash_minutes: 0xFFFF_FFFF,
            serial: 0x0000_1C0F,
            host,
            answer: [0; REPORT_LEN],
            busy_reads: 0,
            busy_left: 0,
            storage_block: StatusBlock {
                counter: 0,
                last_command: 0xFF,
                status: stick20::IDLE,
                progress: 0,
            },
        }
    }

    /// Behaves as a Nitrokey Storage: GET_STATUS says 0.1 without serial,
    /// GET_DEVICE_STATUS answers (its status block written after the CRC), a write to
    /// TOTP slot 14 answers OK and stores nothing.
    pub fn as_storage(mut self) -> Self {
        self.storage = true;
        self
    }

    /// Sets the admin PIN (up to 25 bytes, as the card compares them).
    pub fn set_admin_pin(&mut self, pin: &str) {
        self.admin_pin = pin.to_string();
    }

    /// Turns "user password for OTP" on or off (what WRITE_CONFIG byte 3 sets).
    pub fn set_user_password_for_otp(&mut self, on: bool) {
        self.config[3] = u8::from(on);
    }

    /// The general config.
    pub fn general_config(&self) -> GeneralConfig {
        GeneralConfig::decode(self.config)
    }

    fn user_password_for_otp(&self) -> bool {
        self.config[3] == 1
    }

    /// A slow device: after every command, this many reads answer busy.
    pub fn set_busy_reads(&mut self, n: u32) {
        self.busy_reads = n;
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
                token_id: [0; 13],
                interval,
            });
        }
    }

    /// Sets the card serial GET_STATUS (Storage: GET_DEVICE_STATUS) reports.
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

    /// User PIN tries left.
    pub fn user_tries(&self) -> u8 {
        self.user_tries
    }

    /// The name of TOTP slot `n`, if programmed.
    pub fn totp_name(&self, n: usize) -> Option<String> {
        let s = self.totp.get(n)?.as_ref()?;
        let end = s.name.iter().position(|b| *b == 0).unwrap_or(NAME_LEN);
        Some(String::from_utf8_lossy(&s.name[..end]).into_owned())
    }

    /// The stored secret of TOTP slot `n` (40 bytes, zero-padded), if programmed.
    pub fn totp_secret(&self, n: usize) -> Option<Vec<u8>> {
        Some(self.totp.get(n)?.as_ref()?.secret.to_vec())
    }

    /// A busy answer to `command`: device status busy (a Storage command also says busy
    /// in its status block).
    fn busy_answer(&self, command: u8) -> [u8; REPORT_LEN] {
        let mut r = [0u8; REPORT_LEN];
        r[0] = p::device_status::BUSY;
        r[1] = command;
        if self.storage && (cmd::STORAGE_FIRST..cmd::STORAGE_END).contains(&command) {
            let block = StatusBlock {
                status: stick20::BUSY,
                ..self.storage_block
            };
            r[7 + STATUS_BLOCK..7 + STATUS_BLOCK + 4].copy_from_slice(&block.encode());
        }
        p::seal(&mut r);
        r
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
        self.answer = if computed != sent {
            p::response(r[0], computed, status::WRONG_CRC, &[])
        } else {
            self.answer_to(&r, computed)
        };
        self.busy_left = self.busy_reads;
        Ok(())
    }

    fn get_feature(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, String> {
        let mut out = vec![report_id];
        if self.busy_left > 0 {
            self.busy_left -= 1;
            out.extend_from_slice(&self.busy_answer(self.answer[1]));
        } else {
            out.extend_from_slice(&self.answer);
        }
        out.truncate(len);
        Ok(out)
    }
}
