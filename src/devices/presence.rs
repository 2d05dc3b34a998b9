//! Presence readers by spec string, for kiosks: `pcsc:READER-NAME`, `pn532:/dev/PATH`,
//! `rdm6300:/dev/PATH`, `hid:/dev/hidrawN` (reader-protocols.md §2–§5). [`ReaderSpec`]
//! is the parsed form (pure); [`open_reader`] opens one with the backend its feature
//! provides and returns it as a [`PresenceReader`].

use std::fmt;
use std::str::FromStr;

use super::{DeviceError, PresenceReader};
#[allow(unused_imports)]
use crate::transport::LinkError;

/// A reader a kiosk listens to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReaderSpec {
    /// A PC/SC contactless reader, by its pcscd name.
    Pcsc(String),
    /// A PN532 module on a serial port (115200 baud).
    Pn532(String),
    /// An RDM6300 on a serial port (9600 baud).
    Rdm6300(String),
    /// A keyboard-wedge reader's hidraw node.
    Hid(String),
}

/// A spec string that is not one of the four forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid reader '{0}': give pcsc:READER-NAME, pn532:/dev/PATH, rdm6300:/dev/PATH or hid:/dev/hidrawN"
)]
pub struct SpecError(pub String);

impl FromStr for ReaderSpec {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SpecError(s.to_string());
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        if rest.trim().is_empty() || rest.chars().any(char::is_control) {
            return Err(bad());
        }
        let path = |r: &str| {
            if r.starts_with('/') {
                Ok(r.to_string())
            } else {
                Err(bad())
            }
        };
        match kind.to_ascii_lowercase().as_str() {
            "pcsc" => Ok(ReaderSpec::Pcsc(rest.to_string())),
            "pn532" => path(rest).map(ReaderSpec::Pn532),
            "rdm6300" => path(rest).map(ReaderSpec::Rdm6300),
            "hid" => path(rest).map(ReaderSpec::Hid),
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
        }
    }
}

/// A presence reader that can move to its own thread.
pub type BoxedReader = Box<dyn PresenceReader + Send>;

#[allow(dead_code)]
fn missing(spec: &ReaderSpec, feature: &str) -> DeviceError {
    LinkError::Unsupported {
        reader: spec.to_string(),
        what: format!("this reader: tokenstation was built without the `{feature}` feature"),
    }
    .into()
}

/// Opens the reader `spec` names.
pub fn open_reader(spec: &ReaderSpec) -> Result<BoxedReader, DeviceError> {
    match spec {
        #[cfg(feature = "pcsc")]
        ReaderSpec::Pcsc(name) => {
            let ctx = crate::transport::pcsc::PcscContext::establish()?;
            Ok(Box::new(super::pcsc_uid::presence::PcscPresence::new(
                ctx, name,
            )?))
        }
        #[cfg(feature = "serial")]
        ReaderSpec::Pn532(path) => {
            let link = crate::transport::serial::SerialPortLink::open(path, 115_200)?;
            Ok(Box::new(super::pn532::presence::Pn532Presence::new(
                link,
                &spec.to_string(),
            )))
        }
        #[cfg(feature = "serial")]
        ReaderSpec::Rdm6300(path) => {
            let link = crate::transport::serial::SerialPortLink::open(path, 9_600)?;
            Ok(Box::new(super::rdm6300::presence::Rdm6300Presence::new(
                link,
                &spec.to_string(),
            )?))
        }
        #[cfg(feature = "hidapi")]
        ReaderSpec::Hid(path) => {
            let link = crate::transport::hid::HidapiLink::open(path)?;
            Ok(Box::new(super::hid_wedge::WedgeReader::new(link)))
        }
        #[allow(unreachable_patterns)]
        ReaderSpec::Pcsc(_) => Err(missing(spec, "pcsc")),
        #[allow(unreachable_patterns)]
        ReaderSpec::Pn532(_) | ReaderSpec::Rdm6300(_) => Err(missing(spec, "serial")),
        #[allow(unreachable_patterns)]
        ReaderSpec::Hid(_) => Err(missing(spec, "hidapi")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_four_forms() {
        for s in [
            "pcsc:ACS ACR122U PICC Interface 00 00",
            "pn532:/dev/ttyUSB0",
            "rdm6300:/dev/pts/4",
            "hid:/dev/hidraw2",
        ] {
            let spec: ReaderSpec = s.parse().unwrap();
            assert_eq!(spec.to_string(), s);
        }
        assert!("pn532:ttyUSB0".parse::<ReaderSpec>().is_err());
        assert!("usb:/dev/x".parse::<ReaderSpec>().is_err());
        assert!("pcsc:".parse::<ReaderSpec>().is_err());
        assert!("nothing".parse::<ReaderSpec>().is_err());
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
