//! Reader specs: one grammar for every place a reader is named (a burn's token reader,
//! a kiosk's readers, a serial port listed by the hardware inventory), pure:
//!
//! ```text
//! spec   = "pcsc:" NAME            a PC/SC reader, by its pcscd name
//!        | "pn532:" PATH           a PN532 module on a serial port (115200 baud)
//!        | "rdm6300:" PATH         an RDM6300 on a serial port (9600 baud)
//!        | "hid:" PATH             a hidraw node (Nitrokey token, keyboard wedge)
//!        | PATH ["=" FAMILY]       a serial port, with its family (pn532, rdm6300)
//!        | NAME                    any other text: a PC/SC reader name
//! PATH   = "/" ...                 an absolute device path
//! ```
//!
//! `WORD:REST` with an unknown one-word prefix is refused rather than taken for a
//! PC/SC name, so a mistyped kind is reported (reader-protocols.md §2–§5). Opening a
//! reader is [`crate::devices::session`]'s job.

use std::fmt;
use std::str::FromStr;

use super::PresenceReader;
use crate::model::Family;

/// A reader, by kind and name or path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReaderSpec {
    /// A PC/SC reader, by its pcscd name.
    Pcsc(String),
    /// A PN532 module on a serial port (115200 baud).
    Pn532(String),
    /// An RDM6300 on a serial port (9600 baud).
    Rdm6300(String),
    /// A hidraw node: a Nitrokey token or a keyboard-wedge reader.
    Hid(String),
    /// A serial port whose family was not given.
    Serial(String),
}

/// A spec string that is none of the forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid reader '{0}': give pcsc:READER-NAME (or the name alone), pn532:/dev/PATH, rdm6300:/dev/PATH, hid:/dev/hidrawN or /dev/PATH=FAMILY"
)]
pub struct SpecError(pub String);

impl FromStr for ReaderSpec {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SpecError(s.to_string());
        if s.trim().is_empty() || s.chars().any(char::is_control) {
            return Err(bad());
        }
        let path = |r: &str| {
            if r.starts_with('/') {
                Ok(r.to_string())
            } else {
                Err(bad())
            }
        };
        if s.starts_with('/') {
            return match s.split_once('=') {
                None => Ok(ReaderSpec::Serial(s.to_string())),
                Some((p, f)) => match f.parse::<Family>().map_err(|_| bad())? {
                    Family::Pn532 => Ok(ReaderSpec::Pn532(p.to_string())),
                    Family::Rdm6300 => Ok(ReaderSpec::Rdm6300(p.to_string())),
                    _ => Err(bad()),
                },
            };
        }
        let Some((kind, rest)) = s
            .split_once(':')
            .filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric()))
        else {
            return Ok(ReaderSpec::Pcsc(s.to_string()));
        };
        if rest.trim().is_empty() {
            return Err(bad());
        }
        match kind.to_ascii_lowercase().as_str() {
            "pcsc" => Ok(ReaderSpec::Pcsc(rest.to_string())),
            "pn532" => path(rest).map(ReaderSpec::Pn532),
            "rdm6300" => path(rest).map(ReaderSpec::Rdm6300),
            "hid" => path(rest).map(ReaderSpec::Hid),
            "serial" => path(rest).map(ReaderSpec::Serial),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for ReaderSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReaderSpec::Pcsc(n) => write!(f, "pcsc:{n}"),
            ReaderSpec::Pn532(p) => write!(f, "pn532:{p}"),
            ReaderSpec::Rdm6300(p) => write!(f, "rdm6300:{p}"),
            ReaderSpec::Hid(p) => write!(f, "hid:{p}"),
            ReaderSpec::Serial(p) => write!(f, "serial:{p}"),
        }
    }
}

impl ReaderSpec {
    /// The reader's name or path, for messages and the audit log.
    pub fn name(&self) -> &str {
        match self {
            ReaderSpec::Pcsc(n)
            | ReaderSpec::Pn532(n)
            | ReaderSpec::Rdm6300(n)
            | ReaderSpec::Hid(n)
            | ReaderSpec::Serial(n) => n,
        }
    }

    /// The family the spec names for its reader (serial readers), if any.
    pub fn family(&self) -> Option<Family> {
        match self {
            ReaderSpec::Pn532(_) => Some(Family::Pn532),
            ReaderSpec::Rdm6300(_) => Some(Family::Rdm6300),
            _ => None,
        }
    }
}

/// A presence reader that can move to its own thread.
pub type BoxedReader = Box<dyn PresenceReader + Send>;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_every_form() {
        for s in [
            "pcsc:ACS ACR122U PICC Interface 00 00",
            "pn532:/dev/ttyUSB0",
            "rdm6300:/dev/pts/4",
            "hid:/dev/hidraw2",
            "serial:/dev/ttyS0",
        ] {
            let spec: ReaderSpec = s.parse().unwrap();
            assert_eq!(spec.to_string(), s);
        }
        // bare names are PC/SC readers (as burn has always taken them)
        assert_eq!(
            "Virtual PCD 00 00".parse::<ReaderSpec>().unwrap(),
            ReaderSpec::Pcsc("Virtual PCD 00 00".into())
        );
        assert_eq!(
            "/dev/ttyUSB0=rdm6300".parse::<ReaderSpec>().unwrap(),
            ReaderSpec::Rdm6300("/dev/ttyUSB0".into())
        );
        assert_eq!(
            "/dev/ttyUSB0".parse::<ReaderSpec>().unwrap(),
            ReaderSpec::Serial("/dev/ttyUSB0".into())
        );
        assert!("pn532:ttyUSB0".parse::<ReaderSpec>().is_err());
        assert!("usb:/dev/x".parse::<ReaderSpec>().is_err());
        assert!("pcsc:".parse::<ReaderSpec>().is_err());
        assert!("/dev/x=ykoath".parse::<ReaderSpec>().is_err());
        assert!("".parse::<ReaderSpec>().is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_round_trips(s in ".{0,40}") {
            if let Ok(spec) = s.parse::<ReaderSpec>() {
                prop_assert_eq!(spec.to_string().parse::<ReaderSpec>().unwrap(), spec);
            }
        }
    }
}
