//! Families `ykoath` (YubiKey OATH applet, CCID and NFC) and `nitrokey3` (Nitrokey 3
//! Secrets App over CCID): one codec ([`protocol`]), one driver ([`driver::Oath`]) and
//! the [`OathToken`] capability adapter (token-protocols.md §4, §5;
//! firmware-protocols/ykoath.md).
//!
//! OATH keeps no clock: the host sends the time step as the challenge, so the token
//! implements [`OtpToken`] but not [`crate::devices::TokenClock`].

pub mod driver;
pub mod protocol;

pub use driver::{Oath, Variant};

use crate::devices::{Capabilities, DeviceError, DeviceInfo, OtpToken, ProgramRequest, SlotInfo};
use crate::otp::{Kind, OtpParams};
use crate::transport::ApduLink;

/// An OATH applet as a programmable token: each seed is one named credential.
pub struct OathToken<L: ApduLink> {
    oath: Oath<L>,
    /// Name, kind and period of the credential last programmed (what `read_code(None)`
    /// computes).
    last: Option<(String, Kind, u32)>,
}

impl<L: ApduLink> OathToken<L> {
    /// SELECTs the applet on `link`; with `password`, unlocks it when it is locked.
    pub fn open(link: L, password: Option<&str>) -> Result<Self, DeviceError> {
        let mut oath = Oath::select(link)?;
        if let Some(pw) = password {
            oath.unlock(pw)?;
        }
        Ok(OathToken { oath, last: None })
    }

    /// YubiKey or Nitrokey 3, as SELECT said.
    pub fn oath_variant(&self) -> Variant {
        self.oath.variant()
    }

    /// The driver, for the commands beyond the capability traits.
    pub fn oath(&mut self) -> &mut Oath<L> {
        &mut self.oath
    }

    fn credential_at(&mut self, slot: Option<u16>) -> Result<(String, Kind, u32), DeviceError> {
        match (slot, &self.last) {
            (None, Some(last)) => Ok(last.clone()),
            (slot, _) => {
                let list = self.oath.list()?;
                let i = usize::from(slot.unwrap_or(0));
                let e = list.get(i).ok_or_else(|| DeviceError::Unexpected {
                    device: self.oath.device(),
                    command: "LIST",
                    reason: format!("no credential number {i} ({} listed)", list.len()),
                })?;
                let kind = e.kind().unwrap_or(Kind::Totp);
                let period = protocol::parse_credential_id(&e.name, kind).period;
                Ok((e.name.clone(), kind, period))
            }
        }
    }
}

impl<L: ApduLink> OtpToken for OathToken<L> {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            program: true,
            read_code: true,
            read_clock: false,
            set_clock: false,
            list_slots: true,
            erase: true,
            slots: None,
            clock_write_wipes_seed: false,
        }
    }

    fn info(&mut self) -> Result<DeviceInfo, DeviceError> {
        let i = self.oath.info();
        let variant = self.oath.variant();
        Ok(DeviceInfo {
            family: variant.family(),
            model: Some(match variant {
                Variant::YubiKey => format!(
                    "YubiKey OATH (device id {})",
                    i.device_id().unwrap_or_default()
                ),
                Variant::Nitrokey3 => "Nitrokey 3 Secrets App".to_string(),
            }),
            serial: i
                .serial
                .as_ref()
                .map(|s| crate::transport::discovery::hex_compact(s)),
            firmware: Some(i.version_string()),
            clock: None,
        })
    }

    fn program(&mut self, req: &ProgramRequest<'_>) -> Result<(), DeviceError> {
        let digits = req.params.digits.get();
        let key = match self.oath.variant() {
            // ykman's preparation; the NK3 uses the key as sent, so prepare it the same
            // way to get YubiKey-identical codes (§5.2 practical summary, point 4).
            Variant::YubiKey | Variant::Nitrokey3 => {
                protocol::prepare_key(req.params.algorithm, req.secret.expose())
            }
        };
        let counter = u32::try_from(req.counter).map_err(|_| DeviceError::Unsupported {
            device: self.oath.device(),
            what: format!("HOTP counter {} (OATH keeps a u32)", req.counter),
        })?;
        let exists = self.oath.list()?.iter().any(|e| e.name == req.name);
        if exists {
            if !req.overwrite {
                return Err(DeviceError::Occupied {
                    device: self.oath.device(),
                    slot: req.name.to_string(),
                });
            }
            if self.oath.variant() == Variant::Nitrokey3 {
                // The Secrets App does not overwrite (6983): delete first (§5.2).
                self.oath.delete(req.name)?;
            }
        }
        self.oath.put(&protocol::PutCredential {
            name: req.name,
            kind: req.params.kind,
            algorithm: req.params.algorithm,
            digits,
            key: &key,
            touch: req.touch,
            counter,
        })?;
        let period = if req.params.kind == Kind::Totp {
            req.params.period
        } else {
            protocol::DEFAULT_PERIOD
        };
        self.last = Some((req.name.to_string(), req.params.kind, period));
        Ok(())
    }

    fn list_slots(&mut self) -> Result<Vec<SlotInfo>, DeviceError> {
        Ok(self
            .oath
            .list()?
            .into_iter()
            .enumerate()
            .map(|(i, e)| SlotInfo {
                slot: u16::try_from(i).unwrap_or(u16::MAX),
                params: match (e.kind(), protocol::alg_of(e.type_alg)) {
                    (Some(kind), Some(algorithm)) => Some(OtpParams {
                        kind,
                        algorithm,
                        period: protocol::parse_credential_id(&e.name, kind).period,
                        ..OtpParams::default()
                    }),
                    _ => None,
                },
                name: Some(e.name),
                occupied: true,
            })
            .collect())
    }

    fn erase(&mut self, slot: Option<u16>) -> Result<(), DeviceError> {
        match slot {
            None => {
                self.last = None;
                self.oath.reset()
            }
            Some(_) => {
                let (name, _, _) = self.credential_at(slot)?;
                if self.last.as_ref().is_some_and(|l| l.0 == name) {
                    self.last = None;
                }
                self.oath.delete(&name)
            }
        }
    }

    fn read_code(&mut self, slot: Option<u16>, at: i64) -> Result<Option<String>, DeviceError> {
        let (name, kind, period) = self.credential_at(slot)?;
        let challenge = match kind {
            Kind::Totp => protocol::totp_challenge(at, period).to_vec(),
            // HOTP: the token uses (and then advances) its own counter.
            Kind::Hotp => Vec::new(),
        };
        let v = self.oath.calculate(&name, &challenge, true)?;
        Ok(Some(v.code()))
    }
}
