//! Driver for single-profile Token2 NFC tokens over any [`ApduLink`]
//! (token-protocols.md §2.4–§2.10).
//!
//! A burn is: get info (serial → model, §2.1) → challenge/answer → write config (clock,
//! HMAC, step, display timeout) → challenge/answer → write seed. Config goes first
//! because on restricted models every config write wipes the seed (§2.8); for the same
//! reason [`TokenClock::set_clock`] re-sends the seed on those models when this driver
//! knows it (it burned it in this session), and refuses otherwise.
//!
//! Over a slow reader (a PN532) a write can outlast the reader's timeout although the
//! token did it (totptokutil treats that timeout as success, §2.10). So a write whose
//! answer is lost is not called failed at once: the driver reads the token back —
//! get info answers and shows the clock just written (config), or at least answers
//! (seed: only the code the token shows can confirm it) — and records which in
//! [`WriteReport`].

use super::crypto::Sm4Key;
use super::protocol::{self, Config, DisplayTimeout, Hmac, Info, Model, Step};
use super::readback::{WriteCheck, WriteReport, answer_lost};
use crate::devices::{
    Capabilities, CarriedSeed, DeviceError, DeviceInfo, OtpToken, ProgramRequest, SlotInfo,
    TokenClock,
};
use crate::model::Family;
use crate::otp::{Algorithm, Kind, OtpParams, Secret};
use crate::transport::{Apdu, ApduLink, StatusWord};

/// Family name.
pub const FAMILY: Family = Family::Token2Nfc;

/// The host clock the driver writes into tokens, Unix seconds.
pub type HostClock = Box<dyn FnMut() -> i64 + Send>;

fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A single-profile Token2 token reached through `L`.
pub struct Token2Nfc<L: ApduLink> {
    link: L,
    key: Sm4Key,
    pub(super) host_clock: HostClock,
    display_timeout: DisplayTimeout,
    info: Option<Info>,
    /// HMAC and step the token carries (burned or declared in this session).
    params: Option<(Hmac, Step)>,
    /// The seed burned in this session, to re-send after a clock write on restricted models.
    seed: Option<Secret>,
    report: WriteReport,
}

impl<L: ApduLink> Token2Nfc<L> {
    /// A driver for the token on `link`, with the fixed device key and the system clock.
    pub fn new(link: L) -> Self {
        Token2Nfc {
            link,
            key: Sm4Key::device(),
            host_clock: Box::new(system_clock),
            display_timeout: DisplayTimeout::default(),
            info: None,
            params: None,
            seed: None,
            report: WriteReport::default(),
        }
    }

    /// How this session's last config and seed writes ended.
    pub fn write_report(&self) -> WriteReport {
        self.report
    }

    /// Uses `clock` (Unix seconds) for the time written into the token.
    pub fn with_host_clock(mut self, clock: impl FnMut() -> i64 + Send + 'static) -> Self {
        self.host_clock = Box::new(clock);
        self
    }

    /// The display-off timeout written with every config (default 30 s).
    pub fn with_display_timeout(mut self, timeout: DisplayTimeout) -> Self {
        self.display_timeout = timeout;
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

    /// The model, once [`Token2Nfc::read_info`] has run and the serial prefix is known.
    pub fn model(&self) -> Option<Model> {
        self.info
            .as_ref()
            .and_then(|i| Model::from_serial(&i.serial))
    }

    /// Declares the algorithm and period the token carries (they cannot be read back,
    /// and every clock write must repeat them, §2.8).
    pub fn set_params(&mut self, params: &OtpParams) -> Result<(), DeviceError> {
        self.params = Some(self.wire_params(params)?);
        Ok(())
    }

    pub(super) fn device(&self) -> String {
        self.link.reader().to_string()
    }

    fn unsupported(&self, what: impl Into<String>) -> DeviceError {
        DeviceError::Unsupported {
            device: self.device(),
            what: what.into(),
        }
    }

    fn send(&mut self, cmd: &Apdu, command: &'static str) -> Result<Vec<u8>, DeviceError> {
        let r = self.link.transmit(cmd)?;
        match r.sw {
            StatusWord::Success => Ok(r.data),
            sw => Err(DeviceError::Status {
                device: self.device(),
                command,
                sw,
            }),
        }
    }

    /// Get info: serial and clock (§2.5).
    pub fn read_info(&mut self) -> Result<Info, DeviceError> {
        let data = self.send(&protocol::get_info(), "GET INFO")?;
        let info = protocol::parse_info(&data).map_err(|reason| DeviceError::Unexpected {
            device: self.device(),
            command: "GET INFO",
            reason,
        })?;
        self.info = Some(info.clone());
        Ok(info)
    }

    fn known_model(&mut self) -> Result<Model, DeviceError> {
        if self.info.is_none() {
            self.read_info()?;
        }
        match self.model() {
            Some(m) => Ok(m),
            None => {
                let serial = self.info.as_ref().map(|i| i.serial.clone());
                Err(self.unsupported(format!(
                    "serial {} has no prefix of a programmable single-profile model \
                     (C202/C203 cannot be programmed); refusing to write",
                    serial.unwrap_or_default()
                )))
            }
        }
    }

    /// Challenge and answer with the device key (§2.6). `6983` is
    /// [`DeviceError::AuthFailed`] (wrong key, or a token locked by old firmware).
    pub fn authenticate(&mut self) -> Result<(), DeviceError> {
        let data = self.send(&protocol::get_challenge(), "GET CHALLENGE")?;
        let challenge: [u8; 8] =
            data.as_slice()
                .try_into()
                .map_err(|_| DeviceError::Unexpected {
                    device: self.device(),
                    command: "GET CHALLENGE",
                    reason: format!("{} challenge bytes, expected 8", data.len()),
                })?;
        let r = self
            .link
            .transmit(&protocol::answer_challenge(&self.key, &challenge))?;
        match r.sw {
            StatusWord::Success => Ok(()),
            StatusWord::AuthBlocked => Err(DeviceError::AuthFailed {
                device: self.device(),
                tries_left: None,
            }),
            sw => Err(DeviceError::Status {
                device: self.device(),
                command: "ANSWER CHALLENGE",
                sw,
            }),
        }
    }

    fn host_unix(&mut self, unix: i64) -> Result<u32, DeviceError> {
        u32::try_from(unix)
            .map_err(|_| self.unsupported(format!("clock value {unix} does not fit in u32")))
    }

    /// Authenticates and writes the config with the clock set to `unix` (§2.8). On a
    /// restricted model this wipes the seed.
    pub fn write_config(&mut self, unix: i64, hmac: Hmac, step: Step) -> Result<(), DeviceError> {
        let utc = self.host_unix(unix)?;
        // the clock as last read, to tell whether a read-back shows the new one
        let before = self.info.as_ref().map(|i| i64::from(i.time));
        self.authenticate()?;
        let config = Config {
            display_timeout: self.display_timeout,
            utc,
            hmac,
            step,
        };
        let sent_at = (self.host_clock)();
        let check = match self.send(&protocol::write_config(&self.key, &config), "WRITE CONFIG") {
            Ok(_) => WriteCheck::Answered,
            Err(e) if answer_lost(&e) => self.confirm_config(e, i64::from(utc), before, sent_at)?,
            Err(e) => return Err(e),
        };
        self.report.config = Some(check);
        self.params = Some((hmac, step));
        Ok(())
    }

    /// Authenticates and writes the seed (§2.7); the frames are redacted in traces. A
    /// lost answer is followed by get info: a token that answers may hold the seed (its
    /// displayed code confirms it, [`WriteCheck::NeedsCode`]); one that does not has
    /// failed the write.
    pub fn write_seed(&mut self, seed: &Secret) -> Result<(), DeviceError> {
        let cmd =
            protocol::write_seed(&self.key, seed.expose()).map_err(|e| self.unsupported(e))?;
        self.authenticate()?;
        let check = match self.send(&cmd, "WRITE SEED") {
            Ok(_) => WriteCheck::Answered,
            Err(lost) if answer_lost(&lost) => {
                if self.read_info().is_err() {
                    return Err(lost);
                }
                tracing::warn!(
                    "{}: WRITE SEED answer lost ({lost}); the token answers get info: \
                     its displayed code must confirm the seed",
                    self.device()
                );
                WriteCheck::NeedsCode
            }
            Err(e) => return Err(e),
        };
        self.report.seed = Some(check);
        self.seed = Some(seed.clone());
        Ok(())
    }

    fn wire_params(&self, p: &OtpParams) -> Result<(Hmac, Step), DeviceError> {
        if p.kind != Kind::Totp {
            return Err(self.unsupported("HOTP: these tokens only do TOTP"));
        }
        if p.digits.get() != 6 {
            return Err(
                self.unsupported(format!("{} digits: these tokens always show 6", p.digits))
            );
        }
        if p.t0 != 0 {
            return Err(self.unsupported(format!("T0 {}: the tokens count from 0", p.t0)));
        }
        let hmac = match p.algorithm {
            Algorithm::Sha1 => Hmac::Sha1,
            Algorithm::Sha256 => Hmac::Sha256,
            Algorithm::Sha512 => return Err(self.unsupported("SHA-512 (SHA-1 or SHA-256 only)")),
        };
        let step = match p.period {
            30 => Step::S30,
            60 => Step::S60,
            s => return Err(self.unsupported(format!("a {s} s period (30 or 60 s only)"))),
        };
        Ok((hmac, step))
    }

    /// Sets the clock to `unix` and, on models whose clock write wipes the seed,
    /// re-sends `seed` right after; records `params` as the token's.
    pub fn set_clock_and_reseed(
        &mut self,
        unix: i64,
        seed: &Secret,
        params: &OtpParams,
    ) -> Result<(), DeviceError> {
        let (hmac, step) = self.wire_params(params)?;
        let model = self.known_model()?;
        self.write_config(unix, hmac, step)?;
        if model.clock_write_wipes_seed() {
            self.write_seed(seed)?;
        }
        Ok(())
    }
}

impl<L: ApduLink> OtpToken for Token2Nfc<L> {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            program: true,
            read_code: false,
            read_clock: true,
            set_clock: true,
            list_slots: false,
            erase: false,
            slots: None,
            // Before get info the model is unknown: assume the worst.
            clock_write_wipes_seed: self.model().is_none_or(Model::clock_write_wipes_seed),
        }
    }

    fn info(&mut self) -> Result<DeviceInfo, DeviceError> {
        let info = self.read_info()?;
        Ok(DeviceInfo {
            family: FAMILY,
            model: Model::from_serial(&info.serial).map(|m| m.name().to_string()),
            serial: Some(info.serial),
            firmware: None,
            clock: Some(i64::from(info.time)),
        })
    }

    /// Config (clock = host time) then seed. `overwrite` is moot: the token cannot say
    /// whether it holds a seed.
    fn program(&mut self, req: &ProgramRequest<'_>) -> Result<(), DeviceError> {
        if req.slot.is_some_and(|s| s != 0) {
            return Err(self.unsupported("slots: a single-profile token has only slot 0"));
        }
        let (hmac, step) = self.wire_params(&req.params)?;
        let n = req.secret.len();
        if n == 0 || n > protocol::MAX_SEED {
            return Err(self.unsupported(format!(
                "a seed of {n} bytes (1 to {} bytes)",
                protocol::MAX_SEED
            )));
        }
        self.read_info()?;
        self.known_model()?;
        let now = (self.host_clock)();
        self.write_config(now, hmac, step)?;
        self.write_seed(req.secret)
    }

    fn list_slots(&mut self) -> Result<Vec<SlotInfo>, DeviceError> {
        Err(self.unsupported("listing: nothing but serial and clock can be read back"))
    }

    fn erase(&mut self, _slot: Option<u16>) -> Result<(), DeviceError> {
        Err(self.unsupported("erase: the token has no erase command (§2.4)"))
    }

    fn read_code(&mut self, _slot: Option<u16>, _at: i64) -> Result<Option<String>, DeviceError> {
        Ok(None)
    }

    fn write_unconfirmed(&self) -> bool {
        self.report.needs_code()
    }

    fn as_clock(&mut self) -> Option<&mut dyn TokenClock> {
        Some(self)
    }
}

impl<L: ApduLink> TokenClock for Token2Nfc<L> {
    /// Records the algorithm and step (every clock write repeats them) and the seed to
    /// re-send after a clock write on models that wipe it.
    fn declare_seed(&mut self, carried: &CarriedSeed<'_>) -> Result<(), DeviceError> {
        if carried.slot.is_some_and(|s| s != 0) {
            return Err(self.unsupported("slots: a single-profile token has only slot 0"));
        }
        self.set_params(&carried.params)?;
        self.seed = Some(carried.secret.clone());
        Ok(())
    }

    fn read_clock(&mut self) -> Result<i64, DeviceError> {
        Ok(i64::from(self.read_info()?.time))
    }

    /// Writes the clock with the algorithm and step burned or declared in this session
    /// (they cannot be read back). On models whose clock write wipes the seed, the seed
    /// burned in this session is re-sent; without one the write is refused.
    fn set_clock(&mut self, unix: i64) -> Result<(), DeviceError> {
        let model = self.known_model()?;
        let Some((hmac, step)) = self.params else {
            return Err(self.unsupported(
                "setting the clock without knowing the token's algorithm and period \
                 (they cannot be read back; declare them with set_params)",
            ));
        };
        if model.clock_write_wipes_seed() {
            let Some(seed) = self.seed.clone() else {
                return Err(self.unsupported(format!(
                    "setting the clock of a {} wipes its seed, and this session has no \
                     seed to re-send; use set_clock_and_reseed",
                    model.name()
                )));
            };
            self.write_config(unix, hmac, step)?;
            return self.write_seed(&seed);
        }
        self.write_config(unix, hmac, step)
    }
}
