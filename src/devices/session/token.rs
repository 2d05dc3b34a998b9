//! Token sessions: a programmable token opened from a reader spec, by family. PC/SC
//! readers wait for a card and connect (the family as named in the options, else
//! the ATR and the OATH SELECT answer: [`crate::devices::families`]); a PN532 selects
//! the card in its field and carries APDUs; a hidraw node is a Nitrokey Pro / Storage
//! / Librem Key, given its admin PIN (and user PIN) where known — a command that needs
//! one it lacks asks for it ([`DeviceError::AuthRequired`], then
//! [`TokenSession::supply`]) — whose clock is set as part of a burn.

use std::time::Duration;

use zeroize::Zeroizing;

use crate::devices::error::Credential;
use crate::devices::families::{self, OpenOptions};
use crate::devices::presence::ReaderSpec;
use crate::devices::ykoath::protocol::credential_id;
use crate::devices::{DeviceError, DeviceManagement, OtpToken, TokenClock};
use crate::model::Family;
use crate::otp::OtpParams;
use crate::transport::LinkError;

/// What opening a token may need besides its reader.
#[derive(Default)]
pub struct TokenOptions {
    /// The family; `None`: detect it from the card.
    pub family: Option<Family>,
    /// OATH access code (a locked YubiKey).
    pub oath_access_code: Option<Zeroizing<String>>,
    /// Molto2 customer key (the factory key when `None`).
    pub molto2_key: Option<Zeroizing<Vec<u8>>>,
    /// Nitrokey admin PIN (writes; asked for by a command that needs it when absent).
    pub admin_pin: Option<Zeroizing<String>>,
    /// Nitrokey user PIN (codes, when "user password for OTP" is on).
    pub user_pin: Option<Zeroizing<String>>,
    /// How long to wait for a token in the reader.
    pub wait: Duration,
}

/// An open token: the token, its clock where the family has a separate clock handle,
/// and the reader it is in.
pub struct TokenSession {
    token: Box<dyn DeviceManagement>,
    clock: Option<Box<dyn TokenClock>>,
    reader: String,
}

impl TokenSession {
    /// A session over a token opened elsewhere (an emulated device in-process).
    pub fn from_parts(
        reader: &str,
        token: Box<dyn DeviceManagement>,
        clock: Option<Box<dyn TokenClock>>,
    ) -> TokenSession {
        TokenSession {
            token,
            clock,
            reader: reader.to_string(),
        }
    }

    /// The reader (or device node) the token is in.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The token's clock: the separate handle where the family has one, else the
    /// token's own ([`OtpToken::as_clock`]); `None` for tokens without a clock to set.
    pub fn clock(&mut self) -> Option<&mut dyn TokenClock> {
        match &mut self.clock {
            Some(c) => Some(c.as_mut()),
            None => self.token.as_clock(),
        }
    }

    /// The token, for the steps that do not touch its clock.
    pub fn token(&mut self) -> &mut dyn OtpToken {
        self.token.as_mut()
    }

    /// The token and, where the family has one apart, its clock.
    pub fn parts(&mut self) -> (&mut dyn OtpToken, Option<&mut dyn TokenClock>) {
        let clock: Option<&mut dyn TokenClock> = match &mut self.clock {
            Some(c) => Some(c.as_mut()),
            None => None,
        };
        (self.token.as_mut(), clock)
    }

    /// The token's on-device management (list, delete, rename, reset).
    pub fn manage(&mut self) -> &mut dyn DeviceManagement {
        self.token.as_mut()
    }

    /// Gives the token a secret a command asked for ([`DeviceError::AuthRequired`]);
    /// `false` where the family takes none this way.
    pub fn supply(&mut self, needs: Credential, secret: &str) -> bool {
        self.token.supply(needs, secret)
    }
}

/// Whether tokens of `family` can be reached through `spec`.
pub fn family_fits(spec: &ReaderSpec, family: Family) -> bool {
    match spec {
        ReaderSpec::Hid(_) => family == Family::Nitrokey,
        ReaderSpec::Pcsc(_) | ReaderSpec::Pn532(_) => families::APDU_FAMILIES.contains(&family),
        ReaderSpec::Rdm6300(_) | ReaderSpec::Serial(_) => false,
    }
}

/// The secret opening a token on `spec` needs that `opts` does not carry, so the
/// caller can ask for it first.
pub fn missing_secret(spec: &ReaderSpec, opts: &TokenOptions) -> Option<Credential> {
    match spec {
        ReaderSpec::Hid(_) if opts.admin_pin.is_none() => Some(Credential::AdminPin),
        _ => None,
    }
}

/// Names a credential or slot after the serial: OATH `[period/]issuer:SERIAL`,
/// elsewhere the serial itself (the family cuts it to its slot-name size).
pub fn slot_name(family: Family, params: &OtpParams, issuer: &str, serial: &str) -> String {
    if family.is_oath() {
        credential_id(params.kind, params.period, Some(issuer), serial)
    } else {
        serial.to_string()
    }
}

#[allow(dead_code)] // used only when a backend feature is off
fn not_built(reader: &str, what: &str) -> DeviceError {
    LinkError::Unsupported {
        reader: reader.to_string(),
        what: what.to_string(),
    }
    .into()
}

/// The error of a reader in which no token came in time.
pub fn no_token(spec: &ReaderSpec) -> DeviceError {
    LinkError::NoCard {
        reader: spec.name().to_string(),
    }
    .into()
}

/// Opens the token in `spec`: waits up to `opts.wait` for it, connects, and opens it
/// with its family's driver.
pub fn open_token(spec: &ReaderSpec, opts: &TokenOptions) -> Result<TokenSession, DeviceError> {
    let apdu = OpenOptions {
        oath_password: opts.oath_access_code.as_ref().map(|p| p.as_str()),
        molto2_key: opts.molto2_key.as_ref().map(|k| k.as_slice()),
    };
    match spec {
        ReaderSpec::Pcsc(name) => open_pcsc(name, opts, &apdu),
        ReaderSpec::Pn532(path) => open_pn532(path, opts, &apdu),
        ReaderSpec::Hid(path) => open_hid(path, opts),
        ReaderSpec::Rdm6300(p) | ReaderSpec::Serial(p) => Err(DeviceError::Unsupported {
            device: p.clone(),
            what: "tokens on this reader: burn through PC/SC, a PN532 or hid:".into(),
        }),
    }
}

#[cfg(feature = "pcsc")]
fn open_pcsc(
    name: &str,
    opts: &TokenOptions,
    apdu: &OpenOptions<'_>,
) -> Result<TokenSession, DeviceError> {
    use crate::transport::pcsc::{CardWait, PcscContext};
    let ctx = PcscContext::establish()?;
    match ctx.wait_for(name, true, Some(opts.wait))? {
        CardWait::Present(_) => {}
        _ => {
            return Err(LinkError::NoCard {
                reader: name.to_string(),
            }
            .into());
        }
    }
    let link = ctx.connect(name)?;
    let token = families::open_apdu_token(opts.family, link, apdu)?;
    Ok(TokenSession {
        token,
        clock: None,
        reader: name.to_string(),
    })
}

#[cfg(not(feature = "pcsc"))]
fn open_pcsc(
    name: &str,
    _: &TokenOptions,
    _: &OpenOptions<'_>,
) -> Result<TokenSession, DeviceError> {
    Err(not_built(name, "PC/SC (built without the `pcsc` feature)"))
}

#[cfg(feature = "serial")]
fn open_pn532(
    path: &str,
    opts: &TokenOptions,
    apdu: &OpenOptions<'_>,
) -> Result<TokenSession, DeviceError> {
    use crate::devices::pn532::Pn532;
    use crate::devices::pn532::apdu_link::Pn532ApduLink;
    use std::time::Instant;
    let link = crate::transport::serial::SerialPortLink::open(path, 115_200)?;
    let mut pn = Pn532::new(link);
    pn.begin()?;
    let deadline = Instant::now() + opts.wait;
    let target = loop {
        if let Some(t) = pn.in_list_passive_target()? {
            break t;
        }
        if Instant::now() >= deadline {
            return Err(LinkError::NoCard {
                reader: format!("pn532:{path}"),
            }
            .into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let link = Pn532ApduLink::new(pn, target);
    let reader = format!("pn532:{path}");
    let token = families::open_apdu_token(opts.family, link, apdu)?;
    Ok(TokenSession {
        token,
        clock: None,
        reader,
    })
}

#[cfg(not(feature = "serial"))]
fn open_pn532(
    path: &str,
    _: &TokenOptions,
    _: &OpenOptions<'_>,
) -> Result<TokenSession, DeviceError> {
    Err(not_built(
        path,
        "serial readers (built without the `serial` feature)",
    ))
}

#[cfg(feature = "hidapi")]
fn open_hid(path: &str, opts: &TokenOptions) -> Result<TokenSession, DeviceError> {
    use crate::devices::nitrokey::{Model, Nitrokey, NitrokeyToken};
    use crate::transport::hid::HidapiLink;
    let link = HidapiLink::open(path)?;
    // The model sets libnitrokey's timing budget (the Storage answers slower).
    let model = link
        .usb_ids()
        .and_then(|(vid, pid)| Model::from_usb(vid, pid))
        .unwrap_or(Model::Pro);
    let mut nk = Nitrokey::new(link).with_model(model);
    if let Some(pin) = &opts.admin_pin {
        nk = nk.with_admin_pin(pin);
    }
    if let Some(pin) = &opts.user_pin {
        nk = nk.with_user_pin(pin);
    }
    let token = NitrokeyToken::new(nk);
    let clock = token.clone();
    Ok(TokenSession {
        token: Box::new(token),
        clock: Some(Box::new(clock)),
        reader: path.to_string(),
    })
}

#[cfg(not(feature = "hidapi"))]
fn open_hid(path: &str, _: &TokenOptions) -> Result<TokenSession, DeviceError> {
    Err(not_built(path, "HID (built without the `hidapi` feature)"))
}

/// Waits up to `timeout` until a token is in `spec`'s reader (`present`) or gone;
/// `Ok(false)` when not yet. Readers whose presence is not watched (hidraw, PN532:
/// the open polls the field) answer `true` at once.
pub fn wait_token(
    spec: &ReaderSpec,
    present: bool,
    timeout: Duration,
) -> Result<bool, DeviceError> {
    match spec {
        ReaderSpec::Pcsc(name) => wait_pcsc(name, present, timeout),
        _ => Ok(true),
    }
}

#[cfg(feature = "pcsc")]
fn wait_pcsc(name: &str, present: bool, timeout: Duration) -> Result<bool, DeviceError> {
    use crate::transport::pcsc::{CardWait, PcscContext};
    let ctx = PcscContext::establish()?;
    Ok(!matches!(
        ctx.wait_for(name, present, Some(timeout))?,
        CardWait::NotYet
    ))
}

#[cfg(not(feature = "pcsc"))]
fn wait_pcsc(name: &str, _: bool, _: Duration) -> Result<bool, DeviceError> {
    Err(not_built(name, "PC/SC (built without the `pcsc` feature)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::Kind;

    #[test]
    fn slot_names_and_reach() {
        let p = OtpParams::default();
        assert_eq!(slot_name(Family::Ykoath, &p, "ACME", "YK-1"), "ACME:YK-1");
        let hotp = OtpParams {
            kind: Kind::Hotp,
            ..p
        };
        assert_eq!(slot_name(Family::Nitrokey3, &hotp, "ACME", "N"), "ACME:N");
        assert_eq!(slot_name(Family::Molto2, &p, "ACME", "M2-1"), "M2-1");
        let hid = ReaderSpec::Hid("/dev/hidraw3".into());
        assert!(family_fits(&hid, Family::Nitrokey));
        assert!(!family_fits(&hid, Family::Ykoath));
        assert!(family_fits(&ReaderSpec::Pcsc("R".into()), Family::Molto2));
        assert_eq!(
            missing_secret(&hid, &TokenOptions::default()),
            Some(Credential::AdminPin)
        );
    }
}
