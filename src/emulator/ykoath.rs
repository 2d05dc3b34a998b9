//! Families `ykoath` and `nitrokey3`, device side: the OATH applet as a YubiKey 5 and as
//! the Nitrokey 3 Secrets App behave (token-protocols.md §4.1–§4.4, §5.2), as a
//! [`VirtualCard`] for [`super::link::InProcess`] or [`super::vpcd::VpcdBridge`].
//!
//! Real HMAC codes (HOTP with the stored counter, TOTP over the host's challenge),
//! touch refusals (`6982` when nobody touches), the access-code lock (`74`/`7B` in
//! SELECT, VALIDATE, re-lock on SELECT), `61xx` paging with SEND REMAINING, and the
//! status words of §4.4. The YubiKey side follows the strict PUT rules measured on
//! firmware 5.7 (§4.3); the Nitrokey 3 side refuses overwrites (`6983`), full answers,
//! CALCULATE ALL, VALIDATE, SET CODE and RENAME (`6D00`), and wants a touch for
//! DELETE, RESET and touch-flagged PUT.
//!
//! [`OathCard`] is cheap to clone and clones share one applet, so a test or
//! `tokenstation emulate` keeps a handle on a card that is inside a reader.

mod access;
mod commands;

use std::sync::{Arc, Mutex, MutexGuard};

use super::{ApduHandler, Power, VirtualCard};
use crate::transport::StatusWord;

/// Which applet to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// YubiKey 5 OATH applet (firmware 5.7.4).
    YubiKey,
    /// Nitrokey 3 Secrets App (SELECT version 4.14.0).
    Nitrokey3,
}

/// One stored credential.
#[derive(Clone)]
pub(crate) struct Credential {
    pub(crate) name: Vec<u8>,
    pub(crate) type_alg: u8,
    pub(crate) digits: u8,
    pub(crate) key: zeroize::Zeroizing<Vec<u8>>,
    pub(crate) touch: bool,
    pub(crate) counter: u32,
}

/// The applet's state.
pub struct OathApplet {
    pub(crate) flavour: Flavour,
    pub(crate) version: [u8; 3],
    pub(crate) serial: [u8; 4],
    pub(crate) salt: [u8; 8],
    pub(crate) access_key: Option<zeroize::Zeroizing<Vec<u8>>>,
    pub(crate) challenge: Option<[u8; 8]>,
    pub(crate) unlocked: bool,
    pub(crate) selected: bool,
    pub(crate) creds: Vec<Credential>,
    pub(crate) pending: Vec<u8>,
    pub(crate) page_size: usize,
    /// A capacity set by a test; otherwise [`OathApplet::capacity`] by firmware.
    pub(crate) capacity: Option<usize>,
    pub(crate) touch: bool,
    rng: Rng,
}

/// Where challenges and salts come from.
enum Rng {
    Os,
    /// Deterministic (transcripts, tests): SHA-1 of a seed and a counter.
    Seeded([u8; 8], u64),
}

impl OathApplet {
    /// A fresh applet: no credentials, no access code, random salt, a touch always given.
    pub fn new(flavour: Flavour) -> Self {
        let mut a = OathApplet {
            flavour,
            version: match flavour {
                Flavour::YubiKey => [5, 7, 4],
                Flavour::Nitrokey3 => [4, 14, 0],
            },
            serial: [0x1C, 0x0F, 0xFE, 0xE0],
            salt: [0; 8],
            access_key: None,
            challenge: None,
            unlocked: true,
            selected: false,
            creds: Vec::new(),
            pending: Vec::new(),
            page_size: 256,
            capacity: None,
            touch: true,
            rng: Rng::Os,
        };
        a.salt = a.random8();
        a
    }

    /// The same applet with deterministic salts and challenges from `seed`.
    pub fn seeded(flavour: Flavour, seed: [u8; 8]) -> Self {
        let mut a = OathApplet::new(flavour);
        a.rng = Rng::Seeded(seed, 0);
        a.salt = a.random8();
        a
    }

    pub(crate) fn random8(&mut self) -> [u8; 8] {
        let mut out = [0u8; 8];
        match &mut self.rng {
            Rng::Os => {
                if getrandom::fill(&mut out).is_err() {
                    out = [0x5A; 8];
                }
            }
            Rng::Seeded(seed, n) => {
                use sha1::Digest;
                let mut h = sha1::Sha1::new();
                h.update(*seed);
                h.update(n.to_be_bytes());
                *n += 1;
                out.copy_from_slice(&h.finalize()[..8]);
            }
        }
        out
    }

    /// How many credentials fit: a YubiKey holds 64 from firmware 5.7.0 and 32 before
    /// (Yubico's YubiKey 5 technical manual, OATH); the Nitrokey 3 stores credentials as
    /// files and states no limit (emulator choice: 50).
    pub fn capacity(&self) -> usize {
        self.capacity.unwrap_or(match self.flavour {
            Flavour::YubiKey if self.version >= [5, 7, 0] => 64,
            Flavour::YubiKey => 32,
            Flavour::Nitrokey3 => 50,
        })
    }

    /// Names of the stored credentials, in the order LIST gives them (Nitrokey 3: by
    /// file name, the hex of SHA-256(label)[..8]).
    pub fn names(&self) -> Vec<String> {
        self.creds
            .iter()
            .map(|c| String::from_utf8_lossy(&c.name).into_owned())
            .collect()
    }

    /// The HOTP counter of credential `name`.
    pub fn counter(&self, name: &str) -> Option<u32> {
        self.creds
            .iter()
            .find(|c| c.name == name.as_bytes())
            .map(|c| c.counter)
    }

    /// The stored key of `name` (tests compare it with what was burned).
    pub fn key(&self, name: &str) -> Option<Vec<u8>> {
        self.creds
            .iter()
            .find(|c| c.name == name.as_bytes())
            .map(|c| c.key.to_vec())
    }

    /// Sets the SELECT version (firmware), e.g. to replay a recorded exchange.
    pub fn set_version(&mut self, version: [u8; 3]) {
        self.version = version;
    }

    /// Sets the salt (RESET draws a new one).
    pub fn set_salt(&mut self, salt: [u8; 8]) {
        self.salt = salt;
    }

    /// Sets the Nitrokey 3 serial (SELECT tag 8F).
    pub fn set_serial(&mut self, serial: [u8; 4]) {
        self.serial = serial;
    }

    /// YubiKey or Nitrokey 3.
    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// The SELECT salt.
    pub fn salt(&self) -> [u8; 8] {
        self.salt
    }
}

/// An OATH token as a PC/SC card: clones share one [`OathApplet`].
#[derive(Clone)]
pub struct OathCard {
    applet: Arc<Mutex<OathApplet>>,
}

/// ATR of a YubiKey 5 over CCID; historical bytes carry "YubiKey" (emulator choice,
/// as published in ATR lists; drivers identify the applet by SELECT, not by ATR).
pub const YUBIKEY_ATR: [u8; 23] = [
    0x3B, 0xFD, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15, 0x80, 0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59,
    0x75, 0x62, 0x69, 0x4B, 0x65, 0x79, 0x40,
];

/// ATR of a Nitrokey 3 over CCID; historical bytes carry "Nitrokey" (emulator choice).
pub const NITROKEY3_ATR: [u8; 19] = [
    0x3B, 0x8F, 0x01, 0x80, 0x5D, 0x4E, 0x69, 0x74, 0x72, 0x6F, 0x6B, 0x65, 0x79, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x6A,
];

impl OathCard {
    /// A fresh YubiKey.
    pub fn yubikey() -> Self {
        OathCard::from_applet(OathApplet::new(Flavour::YubiKey))
    }

    /// A fresh Nitrokey 3.
    pub fn nitrokey3() -> Self {
        OathCard::from_applet(OathApplet::new(Flavour::Nitrokey3))
    }

    /// Wraps an applet.
    pub fn from_applet(applet: OathApplet) -> Self {
        OathCard {
            applet: Arc::new(Mutex::new(applet)),
        }
    }

    /// The applet, locked, to read or change its state.
    pub fn applet(&self) -> MutexGuard<'_, OathApplet> {
        self.applet.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a touch comes when the applet waits for one.
    pub fn set_touch(&self, touch: bool) {
        self.applet().touch = touch;
    }

    /// Largest page of a response (smaller than 256 to exercise `61xx` chaining).
    pub fn set_page_size(&self, n: usize) {
        self.applet().page_size = n.clamp(1, 256);
    }
}

impl ApduHandler for OathCard {
    fn handle(&mut self, capdu: &[u8]) -> Vec<u8> {
        self.applet().handle(capdu)
    }
}

impl VirtualCard for OathCard {
    fn atr(&self) -> Vec<u8> {
        match self.applet().flavour {
            Flavour::YubiKey => YUBIKEY_ATR.to_vec(),
            Flavour::Nitrokey3 => NITROKEY3_ATR.to_vec(),
        }
    }

    /// Any power event deselects the applet, drops a pending answer and re-locks it.
    fn power(&mut self, _event: Power) {
        let mut a = self.applet();
        a.selected = false;
        a.pending.clear();
        a.unlocked = a.access_key.is_none();
    }
}

pub(crate) fn sw(s: StatusWord) -> Vec<u8> {
    s.to_bytes().to_vec()
}
