//! Families `ykoath` (YubiKey OATH applet, CCID and NFC) and `nitrokey3` (Nitrokey 3
//! Secrets App over CCID): one codec ([`protocol`]), one driver ([`driver::Oath`]) and
//! the [`OathToken`] capability adapter (token-protocols.md §4, §5;
//! firmware-protocols/ykoath.md).
//!
//! OATH keeps no clock: the host sends the time step as the challenge, so the token
//! implements [`OtpToken`] but not [`crate::devices::TokenClock`].

pub mod driver;
mod management;
pub mod protocol;
mod unlock;

pub use driver::{Oath, Variant};

use crate::devices::random::RandomSource;
use crate::devices::{Capabilities, DeviceError, DeviceInfo, OtpToken, ProgramRequest, SlotInfo};
use crate::otp::{Kind, OtpParams};
use crate::transport::ApduLink;

/// An OATH applet as a programmable token: each seed is one named credential.
pub struct OathToken<L: ApduLink> {
    oath: Oath<L>,
    /// The credential last programmed (what `read_code` and `erase` address).
    last: Option<Last>,
}

/// The credential last programmed, with the slot number its request carried.
#[derive(Debug, Clone)]
struct Last {
    name: String,
    kind: Kind,
    period: u32,
    slot: Option<u16>,
}

impl<L: ApduLink> OathToken<L> {
    /// SELECTs the applet on `link`; with `password`, unlocks it when it is locked.
    pub fn open(link: L, password: Option<&str>) -> Result<Self, DeviceError> {
        OathToken::open_with_random(link, password, RandomSource::os())
    }

    /// The same, drawing host challenges from `random` (transcript replays, tests).
    pub fn open_with_random(
        link: L,
        password: Option<&str>,
        random: RandomSource,
    ) -> Result<Self, DeviceError> {
        let mut oath = Oath::select(link)?.with_random(random);
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

    fn oath_ref(&self) -> &Oath<L> {
        &self.oath
    }

    /// Forgets the credential programmed in this session when it is `name`.
    fn forget(&mut self, name: &str) {
        if self.last.as_ref().is_some_and(|l| l.name == name) {
            self.last = None;
        }
    }

    /// The credential `slot` addresses: only the one programmed in this session, under
    /// the number its request carried. OATH credentials have names, not numbers, and a
    /// position in LIST is no slot (the Nitrokey 3 lists by file name, the SHA-256 of
    /// the label, not in the order of writing).
    fn credential_at(
        &self,
        slot: Option<u16>,
        operation: crate::devices::ManagementOp,
    ) -> Result<Last, DeviceError> {
        match &self.last {
            Some(last) if slot.is_none() || slot == last.slot => Ok(last.clone()),
            _ => Err(DeviceError::CannotManage {
                device: self.oath.device(),
                operation,
                why: crate::devices::ManagementRefusal::NamedNotNumbered,
            }),
        }
    }

    /// CALCULATE for the credential `name` at `at` (Unix seconds), truncated.
    pub fn code_for(&mut self, name: &str, at: i64) -> Result<String, DeviceError> {
        let entry = self.oath.list()?.into_iter().find(|e| e.name == name);
        let Some(entry) = entry else {
            return Err(DeviceError::CannotManage {
                device: self.oath.device(),
                operation: crate::devices::ManagementOp::Compute,
                why: crate::devices::ManagementRefusal::NotFound,
            });
        };
        let kind = entry.kind().unwrap_or(Kind::Totp);
        let period = protocol::parse_credential_id(name, kind).period;
        self.calculate(name, kind, period, at)
    }

    fn calculate(
        &mut self,
        name: &str,
        kind: Kind,
        period: u32,
        at: i64,
    ) -> Result<String, DeviceError> {
        let challenge = match kind {
            Kind::Totp => protocol::totp_challenge(at, period).to_vec(),
            // HOTP: the token uses (and then advances) its own counter.
            Kind::Hotp => Vec::new(),
        };
        Ok(self.oath.calculate(name, &challenge, true)?.code())
    }

    /// ykman's refusals before a PUT that the device would mishandle: a YubiKey 4 with
    /// the prefix bug and a new name that is a prefix of an existing one, and a full
    /// applet.
    fn check_room(&self, listed: &[protocol::ListEntry], name: &str) -> Result<(), DeviceError> {
        let exists = listed.iter().any(|e| e.name == name);
        if self.oath.has_prefix_overwrite_bug()
            && listed
                .iter()
                .any(|e| e.name.starts_with(name) && e.name != name)
        {
            return Err(DeviceError::Unsupported {
                device: self.oath.device(),
                what: format!(
                    "the name {name:?}: it is the beginning of an existing credential's name, \
                     which YubiKey firmware {} overwrites by mistake; choose another name",
                    self.oath.info().version_string()
                ),
            });
        }
        match self.oath.capacity() {
            Some(cap) if !exists && listed.len() >= cap => Err(DeviceError::Unsupported {
                device: self.oath.device(),
                what: format!(
                    "another credential: the applet holds at most {cap} on firmware {} \
                     and is full",
                    self.oath.info().version_string()
                ),
            }),
            _ => Ok(()),
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
        self.oath
            .check_put_allowed(req.touch, req.params.algorithm)?;
        let listed = self.oath.list()?;
        self.check_room(&listed, req.name)?;
        let exists = listed.iter().any(|e| e.name == req.name);
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
        self.last = Some(Last {
            name: req.name.to_string(),
            kind: req.params.kind,
            period,
            slot: req.slot,
        });
        Ok(())
    }

    /// Credentials in the order the applet lists them; `slot` is the position in this
    /// listing only (an OATH credential has no slot number).
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

    /// `None`: RESET. `Some(n)`: the credential programmed in this session under `n`;
    /// other numbers are refused (delete others by name, [`crate::devices::DeviceManagement`]).
    fn erase(&mut self, slot: Option<u16>) -> Result<(), DeviceError> {
        match slot {
            None => {
                self.last = None;
                self.oath.reset()
            }
            Some(_) => {
                let last = self.credential_at(slot, crate::devices::ManagementOp::Delete)?;
                self.last = None;
                self.oath.delete(&last.name)
            }
        }
    }

    /// The code of the credential programmed in this session (`None`, or the number its
    /// request carried); other numbers are refused: use [`OathToken::code_for`].
    fn read_code(&mut self, slot: Option<u16>, at: i64) -> Result<Option<String>, DeviceError> {
        let last = self.credential_at(slot, crate::devices::ManagementOp::Compute)?;
        self.calculate(&last.name, last.kind, last.period, at)
            .map(Some)
    }
}
