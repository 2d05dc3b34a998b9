//! Family `nitrokey`: Nitrokey Pro, Nitrokey Storage and Librem Key, OTP over HID
//! feature reports (token-protocols.md §6; firmware-protocols/nitrokey.md). 3 HOTP and
//! 15 TOTP slots, HMAC-SHA1 only, 6 or 8 digits, secrets up to 40 bytes, a RAM clock
//! that starts at 0 on every power-up (set it before reading a TOTP).
//!
//! [`NitrokeyToken`] is both [`OtpToken`] and [`TokenClock`]; clones share one device,
//! so a burn gets one handle as the token and one as its clock.

pub mod commands;
pub mod driver;
pub mod protocol;

use std::cell::RefCell;
use std::rc::Rc;

pub use driver::{Model, Nitrokey, Sleeper, Timing, Warning};

use crate::devices::error::Credential;
use crate::devices::{
    Capabilities, DeviceError, DeviceInfo, OtpToken, ProgramRequest, SlotInfo, TokenClock,
};
use crate::otp::{Algorithm, Kind};
use crate::transport::HidLink;

mod management;

/// A Nitrokey as a programmable token with a settable clock; clones share the device.
pub struct NitrokeyToken<L: HidLink> {
    inner: Rc<RefCell<Nitrokey<L>>>,
    /// (slot number as programmed, wire slot) of the last write.
    last: Rc<RefCell<Option<(u16, u8)>>>,
}

impl<L: HidLink> Clone for NitrokeyToken<L> {
    fn clone(&self) -> Self {
        NitrokeyToken {
            inner: Rc::clone(&self.inner),
            last: Rc::clone(&self.last),
        }
    }
}

impl<L: HidLink> NitrokeyToken<L> {
    /// Wraps a driver.
    pub fn new(nk: Nitrokey<L>) -> Self {
        NitrokeyToken {
            inner: Rc::new(RefCell::new(nk)),
            last: Rc::new(RefCell::new(None)),
        }
    }

    /// The model of the wrapped device.
    pub fn model(&self) -> Result<Model, DeviceError> {
        self.with(|nk| Ok(nk.model()))
    }

    /// What the driver accepted with a warning so far (answer CRC mismatches).
    pub fn warnings(&self) -> Result<Vec<Warning>, DeviceError> {
        self.with(|nk| Ok(nk.warnings().to_vec()))
    }

    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Nitrokey<L>) -> Result<T, DeviceError>,
    ) -> Result<T, DeviceError> {
        let mut nk = self
            .inner
            .try_borrow_mut()
            .map_err(|_| DeviceError::Unexpected {
                device: "nitrokey".into(),
                command: "(driver)",
                reason: "the device is already in use by another call".into(),
            })?;
        f(&mut nk)
    }
}

/// The wire slot of slot `n` of `kind` (HOTP 0–2 → 0x10+n, TOTP 0–14 → 0x20+n).
pub fn wire_slot(kind: Kind, n: u16) -> Option<u8> {
    match kind {
        Kind::Hotp if n <= 2 => Some(protocol::hotp_slot(n as u8)),
        Kind::Totp if n <= 14 => Some(protocol::totp_slot(n as u8)),
        _ => None,
    }
}

/// The wire slot of a listed slot number: 0–2 HOTP, 3–17 TOTP 0–14.
pub fn listed_wire_slot(n: u16) -> Option<u8> {
    match n {
        0..=2 => wire_slot(Kind::Hotp, n),
        n => wire_slot(Kind::Totp, n - 3),
    }
}

impl<L: HidLink> OtpToken for NitrokeyToken<L> {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            program: true,
            read_code: true,
            read_clock: false,
            set_clock: true,
            list_slots: true,
            erase: true,
            slots: Some(match self.model() {
                Ok(Model::Storage) => 17,
                _ => 18,
            }),
            clock_write_wipes_seed: false,
        }
    }

    /// GET_STATUS, or on a Storage GET_DEVICE_STATUS (its GET_STATUS has no serial).
    fn info(&mut self) -> Result<DeviceInfo, DeviceError> {
        let (model, serial, firmware) = self.with(|nk| match nk.model() {
            Model::Storage => {
                let d = nk.device_status()?;
                Ok((Model::Storage, d.card_serial, d.firmware()))
            }
            m => {
                let s = nk.status()?;
                Ok((m, s.serial, format!("{}.{}", s.major, s.minor)))
            }
        })?;
        Ok(DeviceInfo {
            family: crate::model::Family::Nitrokey,
            model: Some(model.name().into()),
            serial: Some(format!("{serial:08X}")),
            firmware: Some(firmware),
            clock: None,
        })
    }

    fn program(&mut self, req: &ProgramRequest<'_>) -> Result<(), DeviceError> {
        let kind = req.params.kind;
        let n = req.slot.unwrap_or(0);
        self.with(|nk| {
            let unsupported = |what: String| DeviceError::Unsupported {
                device: nk.device(),
                what,
            };
            let slot = wire_slot(kind, n)
                .ok_or_else(|| unsupported(format!("{kind} slot {n} (HOTP 0–2, TOTP 0–14)")))?;
            if req.params.algorithm != Algorithm::Sha1 {
                return Err(unsupported(format!(
                    "{} (HMAC-SHA1 only)",
                    req.params.algorithm
                )));
            }
            let eight = match req.params.digits.get() {
                6 => false,
                8 => true,
                d => return Err(unsupported(format!("{d} digits (6 or 8)"))),
            };
            if !req.overwrite && nk.slot_name(slot)?.is_some() {
                return Err(DeviceError::Occupied {
                    device: nk.device(),
                    slot: format!("{kind} {n}"),
                });
            }
            let factor = match kind {
                Kind::Totp => u64::from(req.params.period),
                Kind::Hotp => req.counter,
            };
            nk.write_slot(slot, req.name, req.secret.expose(), factor, eight)
        })?;
        *self.last.borrow_mut() = wire_slot(kind, n).map(|w| (n, w));
        Ok(())
    }

    fn list_slots(&mut self) -> Result<Vec<SlotInfo>, DeviceError> {
        let mut out = Vec::new();
        let totp = u16::from(self.model()?.totp_slots());
        for (kind, count, base) in [(Kind::Hotp, 3u16, 0u16), (Kind::Totp, totp, 3)] {
            for n in 0..count {
                let Some(w) = wire_slot(kind, n) else {
                    continue;
                };
                let name = self.with(|nk| nk.slot_name(w))?;
                out.push(SlotInfo {
                    slot: base + n,
                    occupied: name.is_some(),
                    name,
                    params: None,
                });
            }
        }
        Ok(out)
    }

    fn erase(&mut self, slot: Option<u16>) -> Result<(), DeviceError> {
        let w = match slot {
            Some(n) => listed_wire_slot(n),
            None => self.last.borrow().map(|l| l.1),
        };
        let w = w.ok_or_else(|| DeviceError::Unsupported {
            device: "nitrokey".into(),
            what: "erasing every slot at once (give a slot)".into(),
        })?;
        self.with(|nk| nk.erase_slot(w))
    }

    fn read_code(&mut self, slot: Option<u16>, _at: i64) -> Result<Option<String>, DeviceError> {
        // The device computes TOTP from its own clock (set it first); `at` is unused.
        // The slot just programmed is addressed as in the request; others as listed
        // (0–2 HOTP, 3–17 TOTP).
        let last = *self.last.borrow();
        let w = match (slot, last) {
            (None, Some(l)) => Some(l.1),
            (Some(n), Some(l)) if n == l.0 => Some(l.1),
            (None, None) => None,
            (Some(n), _) => listed_wire_slot(n),
        };
        let Some(w) = w else { return Ok(None) };
        self.with(|nk| nk.get_code(w)).map(Some)
    }

    /// The admin PIN (writes, erase, reset) or the user PIN ("user password for OTP").
    fn supply(&mut self, needs: Credential, secret: &str) -> bool {
        self.with(|nk| {
            match needs {
                Credential::AdminPin => nk.set_admin_pin(secret),
                Credential::UserPin => nk.set_user_pin(secret),
                Credential::OathAccessCode | Credential::AdminSession => return Ok(false),
            }
            Ok(true)
        })
        .unwrap_or(false)
    }
}

impl<L: HidLink> TokenClock for NitrokeyToken<L> {
    fn read_clock(&mut self) -> Result<i64, DeviceError> {
        Err(DeviceError::Unsupported {
            device: self.with(|nk| Ok(nk.device()))?,
            what: "reading the clock (the Nitrokey can only be told the time)".into(),
        })
    }

    /// SET_TIME in force mode: a technician's burn sets the time whatever the device
    /// stored before (check mode refuses a fresh device, §6.5).
    fn set_clock(&mut self, unix: i64) -> Result<(), DeviceError> {
        self.with(|nk| nk.set_time(unix.max(0) as u64, true))
    }
}
