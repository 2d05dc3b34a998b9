//! Opening presence readers by spec, with the backend each one's feature provides
//! (reader-protocols.md §2–§5).

use crate::devices::DeviceError;
use crate::devices::presence::{BoxedReader, ReaderSpec};
use crate::transport::LinkError;

#[allow(dead_code)] // used only when a backend feature is off
fn missing(spec: &ReaderSpec, feature: &str) -> DeviceError {
    LinkError::Unsupported {
        reader: spec.to_string(),
        what: format!("this reader: tokenstation was built without the `{feature}` feature"),
    }
    .into()
}

/// Opens the presence reader `spec` names.
pub fn open_reader(spec: &ReaderSpec) -> Result<BoxedReader, DeviceError> {
    match spec {
        #[cfg(feature = "pcsc")]
        ReaderSpec::Pcsc(name) => {
            let ctx = crate::transport::pcsc::PcscContext::establish()?;
            Ok(Box::new(
                crate::devices::pcsc_uid::presence::PcscPresence::new(ctx, name)?,
            ))
        }
        #[cfg(feature = "serial")]
        ReaderSpec::Pn532(path) => {
            let link = crate::transport::serial::SerialPortLink::open(path, 115_200)?;
            Ok(Box::new(
                crate::devices::pn532::presence::Pn532Presence::new(link, &spec.to_string()),
            ))
        }
        #[cfg(feature = "serial")]
        ReaderSpec::Rdm6300(path) => {
            let link = crate::transport::serial::SerialPortLink::open(path, 9_600)?;
            Ok(Box::new(
                crate::devices::rdm6300::presence::Rdm6300Presence::new(link, &spec.to_string())?,
            ))
        }
        #[cfg(feature = "hidapi")]
        ReaderSpec::Hid(path) => {
            let link = crate::transport::hid::HidapiLink::open(path)?;
            Ok(Box::new(crate::devices::hid_wedge::WedgeReader::new(link)))
        }
        ReaderSpec::Serial(path) => Err(DeviceError::Unsupported {
            device: path.clone(),
            what: "a serial port without its family: name it pn532:PATH or rdm6300:PATH".into(),
        }),
        #[allow(unreachable_patterns)]
        ReaderSpec::Pcsc(_) => Err(missing(spec, "pcsc")),
        #[allow(unreachable_patterns)]
        ReaderSpec::Pn532(_) | ReaderSpec::Rdm6300(_) => Err(missing(spec, "serial")),
        #[allow(unreachable_patterns)]
        ReaderSpec::Hid(_) => Err(missing(spec, "hidapi")),
    }
}
