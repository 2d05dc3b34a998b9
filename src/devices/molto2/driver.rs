//! Driver for the Token2 Molto2 over any [`ApduLink`] (token-protocols.md §3).
//!
//! Every write authenticates first (challenge/answer with the key derived from the
//! customer key); a wrong key is [`DeviceError::AuthFailed`] with the attempts the
//! device says are left. A burn reads the profile's public data first and refuses an
//! occupied profile unless [`ProgramRequest::overwrite`](crate::devices::ProgramRequest::overwrite) is set (as the vendor tool
//! does, §3.6), then writes config (clock = host time), seed and title. Factory reset
//! and customer-key change answer `90 60` and complete only when ▲ is pressed on the
//! device: [`Confirmation::PressButton`].

use super::protocol::{self as p, Molto2Digits, ProfileConfig, ProfileData};
use crate::devices::DeviceError;
use crate::devices::token2_nfc::crypto::Sm4Key;
use crate::devices::token2_nfc::protocol::{DisplayTimeout, Hmac, Info, Step};
use crate::model::Family;
use crate::otp::{Algorithm, Kind, OtpParams, Secret};
use crate::transport::{Apdu, ApduLink, Response, StatusWord};

pub use super::token::profile_params;

/// Family name.
pub const FAMILY: Family = Family::Molto2;

/// How a command that may need the device's button ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// Done (`90 00`).
    Done,
    /// Accepted (`90 60`): it takes effect when ▲ is pressed on the device.
    PressButton,
}

fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A Molto2 reached through `L`.
pub struct Molto2<L: ApduLink> {
    link: L,
    key: Sm4Key,
    pub(super) host_clock: Box<dyn FnMut() -> i64 + Send>,
    pub(super) display_timeout: DisplayTimeout,
    pub(super) profiles: u16,
}

impl<L: ApduLink> Molto2<L> {
    /// A driver for the Molto2 on `link` whose customer key is `customer_key` (any
    /// length; [`p::DEFAULT_CUSTOMER_KEY`] on a new device). Only the derived SM4 key
    /// is kept.
    pub fn new(link: L, customer_key: &[u8]) -> Self {
        Molto2 {
            link,
            key: p::derive_key(customer_key),
            host_clock: Box::new(system_clock),
            display_timeout: DisplayTimeout::default(),
            profiles: p::PROFILES,
        }
    }

    /// Uses `clock` (Unix seconds) for the time written into profiles.
    pub fn with_host_clock(mut self, clock: impl FnMut() -> i64 + Send + 'static) -> Self {
        self.host_clock = Box::new(clock);
        self
    }

    /// The display-off timeout written with every config (default 30 s).
    pub fn with_display_timeout(mut self, timeout: DisplayTimeout) -> Self {
        self.display_timeout = timeout;
        self
    }

    /// The number of profiles (100 on a Molto2v2, 50 on the first Molto2).
    pub fn with_profiles(mut self, profiles: u16) -> Self {
        self.profiles = profiles;
        self
    }

    /// The link.
    pub fn link(&self) -> &L {
        &self.link
    }

    /// Gives the link back.
    pub fn into_inner(self) -> L {
        self.link
    }

    pub(super) fn device(&self) -> String {
        self.link.reader().to_string()
    }

    pub(super) fn unsupported(&self, what: impl Into<String>) -> DeviceError {
        DeviceError::Unsupported {
            device: self.device(),
            what: what.into(),
        }
    }

    fn status(&self, command: &'static str, sw: StatusWord) -> DeviceError {
        DeviceError::Status {
            device: self.device(),
            command,
            sw,
        }
    }

    fn send(&mut self, cmd: &Apdu, command: &'static str) -> Result<Response, DeviceError> {
        Ok(self.link.transmit(cmd)?).and_then(|r: Response| match r.sw {
            StatusWord::Success => Ok(r),
            sw => Err(self.status(command, sw)),
        })
    }

    pub(super) fn profile(&self, slot: u16) -> Result<u8, DeviceError> {
        if slot < self.profiles {
            Ok(slot as u8)
        } else {
            Err(self.unsupported(format!(
                "profile {slot}: this Molto2 has profiles 0 to {}",
                self.profiles - 1
            )))
        }
    }

    /// Device info: serial and clock (§3.4).
    pub fn read_info(&mut self) -> Result<Info, DeviceError> {
        let r = self.send(&p::get_info(), "GET INFO")?;
        p::parse_info(&r.data).map_err(|reason| DeviceError::Unexpected {
            device: self.device(),
            command: "GET INFO",
            reason,
        })
    }

    /// Public data of one profile, readable without the key (§3.7).
    pub fn read_profile(&mut self, slot: u16) -> Result<ProfileData, DeviceError> {
        let pp = self.profile(slot)?;
        let r = self.send(&p::get_profile(pp), "READ PROFILE")?;
        ProfileData::parse(&r.data).map_err(|reason| DeviceError::Unexpected {
            device: self.device(),
            command: "READ PROFILE",
            reason,
        })
    }

    /// Challenge and answer with the derived key (§3.3). `63 NN` / `63 Cx` is
    /// [`DeviceError::AuthFailed`] with the attempts left.
    pub fn authenticate(&mut self) -> Result<(), DeviceError> {
        let r = self.send(&p::get_challenge(), "GET CHALLENGE")?;
        let challenge: [u8; 8] =
            r.data
                .as_slice()
                .try_into()
                .map_err(|_| DeviceError::Unexpected {
                    device: self.device(),
                    command: "GET CHALLENGE",
                    reason: format!("{} challenge bytes, expected 8", r.data.len()),
                })?;
        let r = self
            .link
            .transmit(&p::answer_challenge(&self.key, &challenge))?;
        match r.sw {
            StatusWord::Success => Ok(()),
            sw => match p::tries_left(sw.code()) {
                Some(n) => Err(DeviceError::AuthFailed {
                    device: self.device(),
                    tries_left: Some(n),
                }),
                None => Err(self.status("ANSWER CHALLENGE", sw)),
            },
        }
    }

    pub(super) fn now_u32(&mut self, unix: i64) -> Result<u32, DeviceError> {
        u32::try_from(unix)
            .map_err(|_| self.unsupported(format!("clock value {unix} does not fit in u32")))
    }

    /// Writes a profile's full config (authenticates first).
    pub fn write_config(&mut self, slot: u16, config: &ProfileConfig) -> Result<(), DeviceError> {
        let pp = self.profile(slot)?;
        self.authenticate()?;
        self.send(&p::write_config(&self.key, pp, config), "WRITE CONFIG")
            .map(drop)
    }

    /// Time sync (`81 06 0F 04 t`) of one profile, or of every profile with `None`.
    /// `unix` is the time at the call; each APDU carries it plus the time elapsed
    /// since, so a slow "sync all" (100 APDUs) does not leave the clock seconds late.
    pub fn sync_time(&mut self, slot: Option<u16>, unix: i64) -> Result<(), DeviceError> {
        let started = std::time::Instant::now();
        self.now_u32(unix)?;
        let slots: Vec<u16> = match slot {
            Some(s) => vec![s],
            None => (0..self.profiles).collect(),
        };
        for s in &slots {
            self.profile(*s)?;
        }
        self.authenticate()?;
        for s in slots {
            let elapsed = i64::try_from((started.elapsed().as_millis() + 500) / 1000).unwrap_or(0);
            let utc = self.now_u32(unix.saturating_add(elapsed))?;
            let cmd = p::sync_time(&self.key, s as u8, utc);
            self.send(&cmd, "TIME SYNC")?;
        }
        Ok(())
    }

    /// Writes a seed (authenticates first; frames redacted in traces).
    pub fn write_seed(&mut self, slot: u16, seed: &Secret) -> Result<(), DeviceError> {
        let pp = self.profile(slot)?;
        if seed.expose().iter().all(|&b| b == 0) {
            return Err(self.unsupported(
                "an all-zero seed: the Molto2 reads it as \"clear the profile\" (use erase)",
            ));
        }
        let cmd = p::write_seed(&self.key, pp, seed.expose()).map_err(|e| self.unsupported(e))?;
        self.authenticate()?;
        self.send(&cmd, "WRITE SEED").map(drop)
    }

    /// Writes a title of 1…12 UTF-8 bytes (authenticates first).
    pub fn write_title(&mut self, slot: u16, title: &str) -> Result<(), DeviceError> {
        let pp = self.profile(slot)?;
        let cmd = p::write_title(&self.key, pp, title).map_err(|e| self.unsupported(e))?;
        self.authenticate()?;
        self.send(&cmd, "WRITE TITLE").map(drop)
    }

    /// Deletes one profile's seed, keeping title and config; `Ok(false)` when the
    /// profile was already empty (`6A 83`). Authenticates first (S5; S7 found the
    /// device does not require it).
    pub fn delete_seed(&mut self, slot: u16) -> Result<bool, DeviceError> {
        let pp = self.profile(slot)?;
        self.authenticate()?;
        let r = self.link.transmit(&p::delete_seed(pp))?;
        match r.sw.code() {
            0x9000 => Ok(true),
            p::SW_EMPTY => Ok(false),
            _ => Err(self.status("DELETE SEED", r.sw)),
        }
    }

    fn confirmation(
        &self,
        command: &'static str,
        sw: StatusWord,
    ) -> Result<Confirmation, DeviceError> {
        match sw.code() {
            0x9000 => Ok(Confirmation::Done),
            p::SW_PRESS_BUTTON => Ok(Confirmation::PressButton),
            _ => Err(self.status(command, sw)),
        }
    }

    /// Factory reset: wipes every profile and restores the default customer key; needs
    /// no key, only ▲ on the device (§3.8).
    pub fn factory_reset(&mut self) -> Result<Confirmation, DeviceError> {
        let r = self.link.transmit(&p::factory_reset())?;
        let c = self.confirmation("FACTORY RESET", r.sw)?;
        self.key = p::derive_key(p::DEFAULT_CUSTOMER_KEY);
        Ok(c)
    }

    /// Changes the customer key (authenticates with the current one). From then on
    /// this driver uses the new key, which the device adopts when ▲ is pressed.
    pub fn change_customer_key(&mut self, new_key: &[u8]) -> Result<Confirmation, DeviceError> {
        self.authenticate()?;
        let r = self.link.transmit(&p::change_key(&self.key, new_key))?;
        let c = self.confirmation("CHANGE KEY", r.sw)?;
        self.key = p::derive_key(new_key);
        Ok(c)
    }

    pub(super) fn wire_params(
        &self,
        params: &OtpParams,
    ) -> Result<(Hmac, Molto2Digits, Step), DeviceError> {
        if params.kind != Kind::Totp {
            return Err(self.unsupported("HOTP: the Molto2 only does TOTP"));
        }
        if params.t0 != 0 {
            return Err(self.unsupported(format!("T0 {}: the Molto2 counts from 0", params.t0)));
        }
        let hmac = match params.algorithm {
            Algorithm::Sha1 => Hmac::Sha1,
            Algorithm::Sha256 => Hmac::Sha256,
            Algorithm::Sha512 => return Err(self.unsupported("SHA-512 (SHA-1 or SHA-256 only)")),
        };
        let digits = match params.digits.get() {
            6 => Molto2Digits::Six,
            8 => Molto2Digits::Eight,
            10 => Molto2Digits::Ten,
            n => return Err(self.unsupported(format!("{n} digits (4, 6, 8 or 10 only)"))),
        };
        let step = match params.period {
            30 => Step::S30,
            60 => Step::S60,
            s => return Err(self.unsupported(format!("a {s} s period (30 or 60 s only)"))),
        };
        Ok((hmac, digits, step))
    }
}
