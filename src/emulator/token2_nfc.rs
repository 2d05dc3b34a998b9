//! Family `token2-nfc`, device side: a single-profile Token2 NFC token as its firmware
//! behaves (token-protocols.md §2, firmware-protocols/token2-nfc.md), written from the
//! protocol facts, not from the driver.
//!
//! - get info (`80 41`) answers `95 L 02 N serial 11 04 time` with its own clock;
//! - get challenge (`80 4B 08 ..`, any framing) draws 8 random bytes and drops any
//!   earlier authentication; answer challenge (`80 CE`, 16 bytes) authenticates, or
//!   answers `69 83` and forgets the challenge; `6A 80` without a pending challenge;
//! - write config / write seed (`84 D4` / `84 C5`) need a good MAC and authentication
//!   (else `69 83`), an Lc that holds the MAC (else `67 00`), and a body of the right
//!   length with a valid TLV / padding (else `6A 80`, as openT2OTP `token2.c` answers
//!   bad lengths); a config write sets the clock and, on restricted models, wipes the
//!   seed;
//! - SELECT of `B0 00 00 00 00 23` answers `90 00` (burn-totp, written against real
//!   hardware, requires it); other SELECTs `6A 82`; other CLA `00` commands `6E 00`;
//!   unknown INS `6D 00`; power-off drops authentication;
//! - writes can be slow ([`Token2NfcCard::with_write_time`]): a reader with a shorter
//!   timeout loses the answer although the token wrote.
//!
//! The token shows real TOTP codes from its seed and its own drifting
//! [`DeviceClock`]; [`Token2NfcHandle::display_code`] reads the display.

use std::sync::{Arc, Mutex, MutexGuard};

use zeroize::Zeroizing;

use super::clock::{DeviceClock, now_ms};
use super::{ApduHandler, Power, VirtualCard};
use crate::devices::pcsc_uid::protocol::ContactlessAtr;
use crate::devices::token2_nfc::crypto::{self, CLA_PLAIN, CLA_SECURE, Sm4Key};
use crate::devices::token2_nfc::protocol::{self as p, Config, DisplayTimeout, Hmac, Model, Step};
use crate::otp::{Algorithm, Digits, Kind, OtpParams, Secret, totp::totp};
use crate::transport::{Apdu, StatusWord};

/// The application id burn-totp SELECTs (token-protocols.md §2.2: `00 A4 04 00 06
/// B0 00 00 00 00 23`, answered `90 00` by a real OTPC-P2-i).
pub const SELECT_AID: [u8; 6] = [0xB0, 0x00, 0x00, 0x00, 0x00, 0x23];

/// Historical bytes of the emulated ATS (the real tokens' ATS is not in the facts).
pub const HISTORICAL: &[u8] = b"T2OTP";

struct State {
    serial: String,
    restricted: bool,
    clock: DeviceClock,
    frozen_host_ms: Option<i64>,
    /// Added to the system clock when host time is not frozen (a simulated clock that
    /// runs at real speed, days or months ahead).
    host_shift_ms: i64,
    seed: Option<Zeroizing<Vec<u8>>>,
    hmac: Hmac,
    step: Step,
    display_timeout: DisplayTimeout,
    challenge: Option<[u8; 8]>,
    authenticated: bool,
    locked: bool,
    lock_after: Option<u32>,
    failures: u32,
    fixed_challenge: Option<[u8; 8]>,
    seed_writes: u32,
    config_writes: u32,
    write_time: std::time::Duration,
}

impl State {
    fn host_ms(&self) -> i64 {
        self.frozen_host_ms
            .unwrap_or_else(|| now_ms().saturating_add(self.host_shift_ms))
    }
}

/// An emulated single-profile token. Clones share one device.
#[derive(Clone)]
pub struct Token2NfcCard {
    state: Arc<Mutex<State>>,
}

/// A test hook on an emulated token that stays usable after the card moved into a
/// reader (vpcd bridge, PN532 field): the display, the clock, the lock.
#[derive(Clone)]
pub struct Token2NfcHandle {
    state: Arc<Mutex<State>>,
}

fn lock(state: &Arc<Mutex<State>>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl Token2NfcCard {
    /// A factory-state token of `model` with serial `<prefix><number:07>` and `clock`
    /// (no seed, SHA-1, 30 s, display timeout 30 s).
    pub fn new(model: Model, number: u32, clock: DeviceClock) -> Self {
        let serial = format!("{}{:07}", model.prefix(), number % 10_000_000);
        Token2NfcCard::with_serial(&serial, clock)
    }

    /// A token with any serial; restricted (clock write wipes the seed) unless the
    /// prefix is one of the three models that keep it (§2.8).
    pub fn with_serial(serial: &str, clock: DeviceClock) -> Self {
        let restricted = Model::from_serial(serial).is_none_or(Model::clock_write_wipes_seed);
        Token2NfcCard {
            state: Arc::new(Mutex::new(State {
                serial: serial.to_string(),
                restricted,
                clock,
                frozen_host_ms: None,
                host_shift_ms: 0,
                seed: None,
                hmac: Hmac::Sha1,
                step: Step::S30,
                display_timeout: DisplayTimeout::S30,
                challenge: None,
                authenticated: false,
                locked: false,
                lock_after: None,
                failures: 0,
                fixed_challenge: None,
                seed_writes: 0,
                config_writes: 0,
                write_time: std::time::Duration::ZERO,
            })),
        }
    }

    /// Always draws this challenge (for transcripts and known-answer replays).
    pub fn with_fixed_challenge(self, challenge: [u8; 8]) -> Self {
        lock(&self.state).fixed_challenge = Some(challenge);
        self
    }

    /// Freezes host time at `host_ms` (the device clock still applies offset and drift).
    pub fn with_frozen_host_time(self, host_ms: i64) -> Self {
        lock(&self.state).frozen_host_ms = Some(host_ms);
        self
    }

    /// Writes (config, seed) take `time` before the answer (flash programming).
    pub fn with_write_time(self, time: std::time::Duration) -> Self {
        lock(&self.state).write_time = time;
        self
    }

    /// Pre-2025 firmware: lock for good after `n` failed answers (S1 README).
    pub fn with_lock_after_failures(self, n: u32) -> Self {
        lock(&self.state).lock_after = Some(n);
        self
    }

    /// A hook for tests and demos.
    pub fn hook(&self) -> Token2NfcHandle {
        Token2NfcHandle {
            state: Arc::clone(&self.state),
        }
    }

    /// The ATS this token sends (ISO 14443-4: TL T0 TA TB TC historical…).
    pub fn ats() -> Vec<u8> {
        let mut ats = vec![(5 + HISTORICAL.len()) as u8, 0x78, 0x77, 0x81, 0x02];
        ats.extend_from_slice(HISTORICAL);
        ats
    }
}

impl Token2NfcHandle {
    /// The code on the display now (what a technician would type), `None` without a seed.
    pub fn display_code(&self) -> Option<String> {
        let host = lock(&self.state).host_ms();
        self.display_code_at(host)
    }

    /// The code on the display at host time `host_ms`.
    pub fn display_code_at(&self, host_ms: i64) -> Option<String> {
        let s = lock(&self.state);
        let seed = s.seed.as_ref()?;
        let params = OtpParams {
            kind: Kind::Totp,
            algorithm: match s.hmac {
                Hmac::Sha1 => Algorithm::Sha1,
                Hmac::Sha256 => Algorithm::Sha256,
            },
            digits: Digits::SIX,
            period: s.step.seconds(),
            t0: 0,
        };
        totp(
            &Secret::from_slice(seed),
            &params,
            s.clock.unix_seconds_at(host_ms),
        )
        .ok()
    }

    /// Whether a seed is stored.
    pub fn has_seed(&self) -> bool {
        lock(&self.state).seed.is_some()
    }

    /// The device clock.
    pub fn clock(&self) -> DeviceClock {
        lock(&self.state).clock
    }

    /// Replaces the device clock (offset, drift).
    pub fn set_clock(&self, clock: DeviceClock) {
        lock(&self.state).clock = clock;
    }

    /// Lets host time run again, `shift_ms` ahead of the system clock: a simulated
    /// clock at real speed (drivers that time their own work stay consistent with it).
    pub fn shift_host_time(&self, shift_ms: i64) {
        let mut s = lock(&self.state);
        s.frozen_host_ms = None;
        s.host_shift_ms = shift_ms;
    }

    /// Moves frozen host time (see [`Token2NfcCard::with_frozen_host_time`]).
    pub fn freeze_host_time(&self, host_ms: i64) {
        lock(&self.state).frozen_host_ms = Some(host_ms);
    }

    /// HMAC, step and display timeout stored.
    pub fn settings(&self) -> (Hmac, Step, DisplayTimeout) {
        let s = lock(&self.state);
        (s.hmac, s.step, s.display_timeout)
    }

    /// Locks or unlocks the token (pre-2025 lockout).
    pub fn set_locked(&self, locked: bool) {
        lock(&self.state).locked = locked;
    }

    /// Number of accepted (seed, config) writes.
    pub fn writes(&self) -> (u32, u32) {
        let s = lock(&self.state);
        (s.seed_writes, s.config_writes)
    }
}

fn sw(s: StatusWord) -> Vec<u8> {
    s.to_bytes().to_vec()
}

fn random_challenge(s: &State) -> [u8; 8] {
    if let Some(c) = s.fixed_challenge {
        return c;
    }
    let mut c = [0u8; 8];
    if getrandom::fill(&mut c).is_err() {
        c = s.host_ms().to_be_bytes();
    }
    c
}

impl State {
    fn get_info(&self) -> Vec<u8> {
        let time = self.clock.unix_seconds_at(self.host_ms());
        let mut out = p::encode_info(&p::Info {
            serial: self.serial.clone(),
            time: u32::try_from(time.max(0)).unwrap_or(u32::MAX),
        });
        out.extend_from_slice(&StatusWord::Success.to_bytes());
        out
    }

    fn answer(&mut self, apdu: &Apdu) -> Vec<u8> {
        // openT2OTP `cmd_auth_finish`: no pending challenge or not 16 bytes → 6A80,
        // the challenge kept; a wrong answer consumes it
        if apdu.data.len() != 16 {
            return sw(StatusWord::WrongData);
        }
        let Some(challenge) = self.challenge.take() else {
            return sw(StatusWord::WrongData);
        };
        let want = crypto::challenge_response(&Sm4Key::device(), &challenge);
        let good = {
            use subtle::ConstantTimeEq;
            bool::from(want.ct_eq(apdu.data.as_slice()))
        };
        if self.locked || !good {
            self.failures += 1;
            if self.lock_after.is_some_and(|n| self.failures >= n) {
                self.locked = true;
            }
            return sw(StatusWord::AuthBlocked);
        }
        self.authenticated = true;
        sw(StatusWord::Success)
    }

    /// The body of a secure command, checked as openT2OTP `token2_process_apdu` does:
    /// an Lc that cannot hold the MAC `67 00`, a bad MAC or no authentication `69 83`,
    /// a body of the wrong length `6A 80`.
    fn secure<'a>(&self, apdu: &'a Apdu, len_ok: bool) -> Result<&'a [u8], Vec<u8>> {
        if apdu.data.len() < crypto::MAC_LEN {
            return Err(sw(StatusWord::LengthError));
        }
        let body = crypto::verify_secure(&Sm4Key::device(), apdu)
            .ok_or_else(|| sw(StatusWord::AuthBlocked))?;
        if !self.authenticated {
            return Err(sw(StatusWord::AuthBlocked));
        }
        if !len_ok {
            return Err(sw(StatusWord::WrongData));
        }
        Ok(body)
    }

    fn write_config(&mut self, apdu: &Apdu) -> Vec<u8> {
        let body = match self.secure(apdu, apdu.data.len() == p::CONFIG_LEN + crypto::MAC_LEN) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let Ok(c) = Config::decode(body) else {
            return sw(StatusWord::WrongData);
        };
        let host = self.host_ms();
        self.clock.set(host, i64::from(c.utc) * 1000);
        self.hmac = c.hmac;
        self.step = c.step;
        self.display_timeout = c.display_timeout;
        if self.restricted {
            // Anti-replay: a clock write clears the seed (§2.8).
            self.seed = None;
        }
        self.config_writes += 1;
        sw(StatusWord::Success)
    }

    fn write_seed(&mut self, apdu: &Apdu) -> Vec<u8> {
        let n = apdu.data.len();
        let len_ok = (20..=68).contains(&n) && (n - crypto::MAC_LEN).is_multiple_of(16);
        let body = match self.secure(apdu, len_ok) {
            Ok(b) => b,
            Err(e) => return e,
        };
        match p::decode_seed(&Sm4Key::device(), body) {
            Ok(seed) => {
                self.seed = Some(seed);
                self.seed_writes += 1;
                sw(StatusWord::Success)
            }
            Err(_) => sw(StatusWord::WrongData),
        }
    }
}

impl ApduHandler for Token2NfcCard {
    fn handle(&mut self, capdu: &[u8]) -> Vec<u8> {
        let Ok(apdu) = Apdu::parse(capdu) else {
            return sw(StatusWord::LengthError);
        };
        let mut s = lock(&self.state);
        match (apdu.cla, apdu.ins) {
            (CLA_PLAIN, p::INS_GET_INFO) => s.get_info(),
            (CLA_PLAIN, p::INS_GET_CHALLENGE) if apdu.p1 == 0x08 => {
                s.authenticated = false;
                let c = random_challenge(&s);
                s.challenge = Some(c);
                let mut out = c.to_vec();
                out.extend_from_slice(&StatusWord::Success.to_bytes());
                out
            }
            (CLA_PLAIN, p::INS_GET_CHALLENGE) => sw(StatusWord::IncorrectP1P2),
            (CLA_PLAIN, p::INS_ANSWER_CHALLENGE) => s.answer(&apdu),
            (CLA_SECURE, p::INS_WRITE_CONFIG) => s.write_config(&apdu),
            (CLA_SECURE, p::INS_WRITE_SEED) => s.write_seed(&apdu),
            // Secure commands without secure messaging.
            (CLA_PLAIN, p::INS_WRITE_CONFIG | p::INS_WRITE_SEED) => sw(StatusWord::AuthBlocked),
            (CLA_PLAIN | CLA_SECURE, _) => sw(StatusWord::InsNotSupported),
            // SELECT by name of the token's application (burn-totp)
            (0x00, 0xA4) if apdu.p1 == 0x04 && apdu.data == SELECT_AID => sw(StatusWord::Success),
            (0x00, 0xA4) => sw(StatusWord::NotFound),
            _ => sw(StatusWord::ClaNotSupported),
        }
    }

    fn processing_time(&self, capdu: &[u8]) -> std::time::Duration {
        match capdu {
            [CLA_SECURE, p::INS_WRITE_CONFIG | p::INS_WRITE_SEED, ..] => {
                lock(&self.state).write_time
            }
            _ => std::time::Duration::ZERO,
        }
    }
}

impl VirtualCard for Token2NfcCard {
    /// The PC/SC part 3 ATR a contactless reader builds from the ATS.
    fn atr(&self) -> Vec<u8> {
        ContactlessAtr::Iso14443_4 {
            historical: HISTORICAL.to_vec(),
        }
        .build()
    }

    /// Authentication lasts one RF-field activation.
    fn power(&mut self, event: Power) {
        let mut s = lock(&self.state);
        s.authenticated = false;
        s.challenge = None;
        if event == Power::Off {
            s.challenge = None;
        }
    }
}

#[cfg(test)]
#[path = "token2_nfc_tests.rs"]
mod tests;
