//! [`Molto2`] as [`OtpToken`] and [`TokenClock`] (token-protocols.md §3): a burn reads
//! the profile's public data first; an occupied profile is refused unless the request
//! asks to overwrite, and then its seed is deleted before the new one is written — the
//! vendor tool refuses to write over an occupied profile and tells to delete first
//! (molto2-tools `write_seed`), and whether the device takes an overwrite is not
//! documented.

use super::driver::{Confirmation, FAMILY, Molto2};
use super::protocol::{self as p, Molto2Digits, ProfileConfig, ProfileData};
use crate::devices::token2_nfc::protocol::{Hmac, Step};
use crate::devices::{
    Capabilities, DeviceError, DeviceInfo, OtpToken, ProgramRequest, SlotInfo, TokenClock,
};
use crate::otp::{Algorithm, Digits, Kind, OtpParams};
use crate::transport::ApduLink;

/// The OTP parameters a profile reports, where they fit [`OtpParams`]: 4-digit
/// profiles (the Molto2 has them, [`Digits`] does not) give an error naming the slot.
pub fn profile_params(data: &ProfileData) -> Result<OtpParams, String> {
    let algorithm = match Hmac::from_code(data.hmac) {
        Some(Hmac::Sha1) => Algorithm::Sha1,
        Some(Hmac::Sha256) => Algorithm::Sha256,
        None => return Err(format!("unknown HMAC code {:#04x}", data.hmac)),
    };
    let digits = match Molto2Digits::from_code(data.digits) {
        Some(Molto2Digits::Four) => {
            return Err("4-digit codes cannot be represented (6 to 10 digits only)".into());
        }
        Some(d) => Digits::new(d as u8).map_err(|e| e.to_string())?,
        None => return Err(format!("unknown digits code {:#04x}", data.digits)),
    };
    let period = Step::from_code(data.step)
        .map(Step::seconds)
        .ok_or_else(|| format!("unknown step {:#04x}", data.step))?;
    Ok(OtpParams {
        kind: Kind::Totp,
        algorithm,
        digits,
        period,
        t0: 0,
    })
}

impl<L: ApduLink> OtpToken for Molto2<L> {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            program: true,
            read_code: false,
            read_clock: true,
            set_clock: true,
            list_slots: true,
            erase: true,
            slots: Some(self.profiles),
            // No source says a Molto2 time sync clears seeds (token-protocols.md §12.5).
            clock_write_wipes_seed: false,
        }
    }

    fn info(&mut self) -> Result<DeviceInfo, DeviceError> {
        let info = self.read_info()?;
        Ok(DeviceInfo {
            family: FAMILY,
            model: Some(
                if self.profiles == 50 {
                    "Molto2"
                } else {
                    "Molto2v2"
                }
                .into(),
            ),
            serial: Some(info.serial),
            firmware: None,
            clock: Some(i64::from(info.time)),
        })
    }

    fn program(&mut self, req: &ProgramRequest<'_>) -> Result<(), DeviceError> {
        let Some(slot) = req.slot else {
            return Err(self.unsupported("a Molto2 burn needs a profile number (slot)"));
        };
        self.profile(slot)?;
        let (hmac, digits, step) = self.wire_params(&req.params)?;
        if !req.name.is_empty() && req.name.len() > p::MAX_TITLE {
            return Err(self.unsupported(format!(
                "title {:?} is {} bytes (at most {} UTF-8 bytes)",
                req.name,
                req.name.len(),
                p::MAX_TITLE
            )));
        }
        if self.read_profile(slot)?.seed_present {
            if !req.overwrite {
                return Err(DeviceError::Occupied {
                    device: self.device(),
                    slot: slot.to_string(),
                });
            }
            // delete first, as the vendor tool wants it
            self.delete_seed(slot)?;
        }
        let utc = (self.host_clock)();
        let config = ProfileConfig {
            display_timeout: self.display_timeout,
            utc: self.now_u32(utc)?,
            hmac,
            digits,
            step,
        };
        self.write_config(slot, &config)?;
        self.write_seed(slot, req.secret)?;
        if !req.name.is_empty() {
            self.write_title(slot, req.name)?;
        }
        Ok(())
    }

    fn list_slots(&mut self) -> Result<Vec<SlotInfo>, DeviceError> {
        (0..self.profiles)
            .map(|slot| {
                let d = self.read_profile(slot)?;
                Ok(SlotInfo {
                    slot,
                    name: d.title_text(),
                    occupied: d.seed_present,
                    params: profile_params(&d).ok(),
                })
            })
            .collect()
    }

    /// One profile's seed, or everything (factory reset) with `None`, which returns
    /// [`DeviceError::ButtonPress`] while the device waits for ▲.
    fn erase(&mut self, slot: Option<u16>) -> Result<(), DeviceError> {
        match slot {
            Some(s) => self.delete_seed(s).map(drop),
            None => match self.factory_reset()? {
                Confirmation::Done => Ok(()),
                Confirmation::PressButton => Err(DeviceError::ButtonPress {
                    device: self.device(),
                }),
            },
        }
    }

    fn read_code(&mut self, _slot: Option<u16>, _at: i64) -> Result<Option<String>, DeviceError> {
        Ok(None)
    }

    fn as_clock(&mut self) -> Option<&mut dyn TokenClock> {
        Some(self)
    }
}

impl<L: ApduLink> TokenClock for Molto2<L> {
    fn read_clock(&mut self) -> Result<i64, DeviceError> {
        Ok(i64::from(self.read_info()?.time))
    }

    /// Time sync of every profile.
    fn set_clock(&mut self, unix: i64) -> Result<(), DeviceError> {
        self.sync_time(None, unix)
    }
}
