//! Family `molto2`, device side: a Token2 Molto2v2 as its firmware behaves
//! (token-protocols.md §3, firmware-protocols/molto2.md), from the protocol facts.
//!
//! - 100 profiles (50 with [`Molto2Card::with_profiles`]), each with title, seed, HMAC,
//!   digits (4/6/8/10), step and the last time written; one device clock that drifts;
//! - get info `80 41 00 00 00`; public profile data `80 41 00 PP 01 70` (`6F FB` when
//!   sent with Le, `6A 86` past the last profile);
//! - challenge/answer with SHA-1(customer key)[0..16]; a wrong answer counts down
//!   `63 Cx` (or `63 0x` with [`Molto2Card::with_plain_tries_sw`]); at zero the device
//!   is locked and refuses every answer until a factory reset; a right answer restores
//!   the counter;
//! - secure commands (`84 C5/D5/D4/D7`) need authentication (`69 82`) and a good MAC
//!   (`69 88`), exact lengths (`67 00`) and valid contents (`6A 80`); an all-zero seed
//!   clears the profile; a seed written to an occupied profile is refused (`69 85`):
//!   the vendor tool refuses to overwrite and tells to delete first (molto2-tools
//!   `write_seed`); the status word is an emulator choice, the sources are silent;
//! - with [`Molto2Card::with_t0`], answers carrying data come as `61 xx` and are
//!   handed out on GET RESPONSE `00 C0 00 00 xx` (ISO 7816-3 T=0; keyroost sends GET
//!   RESPONSE with class 00); `80 C0` reaches the application and is refused (`6D 00`);
//! - delete `80 E6 00 PP` works without authentication (S7's hardware probe): `90 00`,
//!   or `6A 83` on an empty profile;
//! - factory reset `80 56` and key change `84 D7` answer `90 60` and take effect when
//!   ▲ is pressed ([`Molto2Handle::press_button`]); power-off cancels them.
//!
//! Emulator choices where the facts are silent (firmware-protocols/molto2.md): 5 tries,
//! `69 82` / `69 88`, time field A = device clock now, B = last time written, a time
//! sync does not clear seeds, lock/unlock (`80 D8`) unimplemented (`6D 00`).

mod commands;

use std::sync::{Arc, Mutex, MutexGuard};

use zeroize::Zeroizing;

use super::clock::{DeviceClock, now_ms};
use super::{ApduHandler, Power, VirtualCard};
use crate::devices::molto2::protocol as p;
use crate::devices::token2_nfc::crypto::{CLA_PLAIN, CLA_SECURE, Sm4Key};
use crate::otp::{Algorithm, OtpKey, Secret, totp::time_step};
use crate::transport::{Apdu, StatusWord};

/// Attempts before the emulated device locks (not in the facts).
pub const MAX_TRIES: u8 = 5;

/// The answer to a seed written over an occupied profile (emulator choice: "conditions
/// of use not satisfied").
pub const SW_OCCUPIED: u16 = 0x6985;

/// The ATR the emulated Molto2 sends (T=1; the real one is not in the facts).
pub const ATR: &[u8] = &[
    0x3B, 0x88, 0x80, 0x01, b'T', b'2', b'M', b'O', b'L', b'T', b'O', b'2', 0x00,
];

#[derive(Clone, Default)]
struct Profile {
    title: Vec<u8>,
    seed: Option<Zeroizing<Vec<u8>>>,
    hmac: u8,
    digits: u8,
    step: u8,
    time_b: u32,
    written: bool,
}

impl Profile {
    fn factory() -> Self {
        Profile {
            hmac: 1,
            digits: 6,
            step: 0x1E,
            ..Profile::default()
        }
    }
}

enum Pending {
    FactoryReset,
    NewKey(Sm4Key),
}

struct State {
    serial: String,
    key: Sm4Key,
    profiles: Vec<Profile>,
    clock: DeviceClock,
    frozen_host_ms: Option<i64>,
    /// Added to the system clock when host time is not frozen (a simulated clock that
    /// runs at real speed, days or months ahead).
    host_shift_ms: i64,
    challenge: Option<[u8; 8]>,
    fixed_challenge: Option<[u8; 8]>,
    authenticated: bool,
    tries: u8,
    plain_tries_sw: bool,
    pending: Option<Pending>,
    t0: bool,
    t0_pending: Vec<u8>,
}

impl State {
    fn host_ms(&self) -> i64 {
        self.frozen_host_ms
            .unwrap_or_else(|| now_ms().saturating_add(self.host_shift_ms))
    }
    fn now(&self) -> u32 {
        u32::try_from(self.clock.unix_seconds_at(self.host_ms()).max(0)).unwrap_or(u32::MAX)
    }
}

/// An emulated Molto2v2.
#[derive(Clone)]
pub struct Molto2Card {
    state: Arc<Mutex<State>>,
}

/// Test hook on an emulated Molto2 that stays usable after the card moved into a
/// reader: the ▲ button, the display, the counter.
#[derive(Clone)]
pub struct Molto2Handle {
    state: Arc<Mutex<State>>,
}

fn lock(state: &Arc<Mutex<State>>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn sw(s: u16) -> Vec<u8> {
    s.to_be_bytes().to_vec()
}

fn ok(mut data: Vec<u8>) -> Vec<u8> {
    data.extend_from_slice(&[0x90, 0x00]);
    data
}

impl Molto2Card {
    /// A factory-state Molto2v2 (default customer key, 100 empty profiles).
    pub fn new(serial: &str, clock: DeviceClock) -> Self {
        Molto2Card {
            state: Arc::new(Mutex::new(State {
                serial: serial.to_string(),
                key: p::derive_key(p::DEFAULT_CUSTOMER_KEY),
                profiles: vec![Profile::factory(); usize::from(p::PROFILES)],
                clock,
                frozen_host_ms: None,
                host_shift_ms: 0,
                challenge: None,
                fixed_challenge: None,
                authenticated: false,
                tries: MAX_TRIES,
                plain_tries_sw: false,
                pending: None,
                t0: false,
                t0_pending: Vec::new(),
            })),
        }
    }

    /// Sets the customer key (as if changed earlier).
    pub fn with_customer_key(self, customer_key: &[u8]) -> Self {
        lock(&self.state).key = p::derive_key(customer_key);
        self
    }

    /// A first-generation Molto2 with `n` profiles.
    pub fn with_profiles(self, n: u16) -> Self {
        lock(&self.state).profiles = vec![Profile::factory(); usize::from(n)];
        self
    }

    /// Answers wrong keys with `63 0N` (S5's wording) instead of `63 CN`.
    pub fn with_plain_tries_sw(self) -> Self {
        lock(&self.state).plain_tries_sw = true;
        self
    }

    /// Speaks T=0: data comes with `61 xx` and is fetched with GET RESPONSE.
    pub fn with_t0(self) -> Self {
        lock(&self.state).t0 = true;
        self
    }

    /// Always draws this challenge (transcripts).
    pub fn with_fixed_challenge(self, c: [u8; 8]) -> Self {
        lock(&self.state).fixed_challenge = Some(c);
        self
    }

    /// Freezes host time at `host_ms`.
    pub fn with_frozen_host_time(self, host_ms: i64) -> Self {
        lock(&self.state).frozen_host_ms = Some(host_ms);
        self
    }

    /// Stores `seed` in `profile` as if burned earlier (SHA-1, 6 digits, 30 s).
    pub fn with_seed(self, profile: u16, seed: &[u8]) -> Self {
        if let Some(p) = lock(&self.state).profiles.get_mut(usize::from(profile)) {
            p.seed = Some(Zeroizing::new(seed.to_vec()));
            p.written = true;
        }
        self
    }

    /// The test hook.
    pub fn hook(&self) -> Molto2Handle {
        Molto2Handle {
            state: Arc::clone(&self.state),
        }
    }
}

impl Molto2Handle {
    /// Presses ▲: completes a pending factory reset or key change. Returns whether
    /// something was pending.
    pub fn press_button(&self) -> bool {
        let mut s = lock(&self.state);
        match s.pending.take() {
            Some(Pending::FactoryReset) => {
                let n = s.profiles.len();
                s.profiles = vec![Profile::factory(); n];
                s.key = p::derive_key(p::DEFAULT_CUSTOMER_KEY);
                s.tries = MAX_TRIES;
                s.authenticated = false;
                true
            }
            Some(Pending::NewKey(k)) => {
                s.key = k;
                s.authenticated = false;
                true
            }
            None => false,
        }
    }

    /// Whether the device waits for ▲.
    pub fn button_pending(&self) -> bool {
        lock(&self.state).pending.is_some()
    }

    /// The code the display shows for `profile` now.
    pub fn display_code(&self, profile: u16) -> Option<String> {
        let host = lock(&self.state).host_ms();
        self.display_code_at(profile, host)
    }

    /// The code for `profile` at host time `host_ms` (4 to 10 digits).
    pub fn display_code_at(&self, profile: u16, host_ms: i64) -> Option<String> {
        let s = lock(&self.state);
        let pr = s.profiles.get(usize::from(profile))?;
        let seed = pr.seed.as_ref()?;
        let alg = if pr.hmac == 2 {
            Algorithm::Sha256
        } else {
            Algorithm::Sha1
        };
        let counter = time_step(s.clock.unix_seconds_at(host_ms), u32::from(pr.step), 0)?;
        let value = OtpKey::new(alg, &Secret::from_slice(seed)).truncated(counter);
        let digits = usize::from(pr.digits);
        let modulus = 10u64.pow(u32::from(pr.digits));
        Some(format!("{:0digits$}", u64::from(value) % modulus))
    }

    /// Whether `profile` holds a seed.
    pub fn has_seed(&self, profile: u16) -> bool {
        lock(&self.state)
            .profiles
            .get(usize::from(profile))
            .is_some_and(|p| p.seed.is_some())
    }

    /// Attempts left before the lock.
    pub fn tries_left(&self) -> u8 {
        lock(&self.state).tries
    }

    /// The device clock.
    pub fn clock(&self) -> DeviceClock {
        lock(&self.state).clock
    }

    /// Lets host time run again, `shift_ms` ahead of the system clock: a simulated
    /// clock at real speed (drivers that time their own work stay consistent with it).
    pub fn shift_host_time(&self, shift_ms: i64) {
        let mut s = lock(&self.state);
        s.frozen_host_ms = None;
        s.host_shift_ms = shift_ms;
    }

    /// Moves frozen host time (see [`Molto2Card::with_frozen_host_time`]): a simulated
    /// clock for drift scenarios.
    pub fn freeze_host_time(&self, host_ms: i64) {
        lock(&self.state).frozen_host_ms = Some(host_ms);
    }

    /// Replaces the device clock.
    pub fn set_clock(&self, clock: DeviceClock) {
        lock(&self.state).clock = clock;
    }
}

impl ApduHandler for Molto2Card {
    fn handle(&mut self, capdu: &[u8]) -> Vec<u8> {
        let Ok(apdu) = Apdu::parse(capdu) else {
            return sw(StatusWord::LengthError.code());
        };
        let mut s = lock(&self.state);
        if s.t0 && (apdu.cla, apdu.ins, apdu.p1, apdu.p2) == (0x00, 0xC0, 0, 0) {
            return s.get_response(apdu.le);
        }
        let answer = match apdu.cla {
            CLA_PLAIN => s.plain(&apdu),
            CLA_SECURE => s.secure(&apdu),
            _ => sw(StatusWord::ClaNotSupported.code()),
        };
        s.t0_shape(answer)
    }
}

impl State {
    /// T=0: an answer with data becomes `61 xx`, the data (with its status word) kept
    /// for GET RESPONSE.
    fn t0_shape(&mut self, answer: Vec<u8>) -> Vec<u8> {
        self.t0_pending.clear();
        if !self.t0 || answer.len() <= 2 {
            return answer;
        }
        let n = (answer.len() - 2).min(255) as u8;
        self.t0_pending = answer;
        sw(u16::from_be_bytes([0x61, n]))
    }

    /// GET RESPONSE `00 C0 00 00 xx`: the pending data and its status word.
    fn get_response(&mut self, le: Option<u16>) -> Vec<u8> {
        let data_len = self.t0_pending.len().saturating_sub(2);
        if self.t0_pending.is_empty() || usize::from(le.unwrap_or(256)) < data_len {
            return sw(StatusWord::ConditionsNotSatisfied.code());
        }
        std::mem::take(&mut self.t0_pending)
    }
}

impl VirtualCard for Molto2Card {
    fn atr(&self) -> Vec<u8> {
        let mut atr = ATR.to_vec();
        let tck = atr.iter().skip(1).take(atr.len() - 2).fold(0, |a, b| a ^ b);
        if let Some(last) = atr.last_mut() {
            *last = tck;
        }
        atr
    }

    /// Unplugging drops authentication and any action waiting for ▲.
    fn power(&mut self, event: Power) {
        let mut s = lock(&self.state);
        s.authenticated = false;
        s.challenge = None;
        if event == Power::Off {
            s.pending = None;
        }
    }
}
