//! What the backends find: plain records of readers, USB devices, HID interfaces and
//! serial ports, and hotplug events (rust-style.md §13 `transport::discover`).
//!
//! These types know nothing of families; `devices::registry` recognises them. Byte
//! strings (ATR, UID) are kept as bytes and shown as hex.

use serde::Serialize;

use super::trace::Hex;

/// A PC/SC reader and the card in it, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PcscReaderInfo {
    /// Reader name as pcscd reports it.
    pub name: String,
    /// The card in the reader, `None` when empty.
    pub card: Option<PcscCardInfo>,
}

/// A card seen in a PC/SC reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PcscCardInfo {
    /// Answer To Reset, hex.
    #[serde(serialize_with = "as_hex")]
    pub atr: Vec<u8>,
}

/// A USB device (from rusb).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsbDeviceInfo {
    /// Bus number.
    pub bus: u8,
    /// Address on the bus.
    pub address: u8,
    /// Vendor id.
    pub vid: u16,
    /// Product id.
    pub pid: u16,
    /// Manufacturer string, when readable.
    pub manufacturer: Option<String>,
    /// Product string, when readable.
    pub product: Option<String>,
    /// Serial number string, when readable.
    pub serial: Option<String>,
    /// Why the strings are missing (e.g. no permission on `/dev/bus/usb/…`).
    pub note: Option<String>,
}

/// A HID interface (from hidapi, hidraw backend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HidDeviceInfo {
    /// Device node (`/dev/hidraw3`).
    pub path: String,
    /// Vendor id.
    pub vid: u16,
    /// Product id.
    pub pid: u16,
    /// HID usage page.
    pub usage_page: u16,
    /// HID usage.
    pub usage: u16,
    /// USB interface number (-1 when unknown).
    pub interface: i32,
    /// Product string.
    pub product: Option<String>,
    /// Serial number string.
    pub serial: Option<String>,
}

/// A serial port (from serialport enumeration, or configured by path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SerialPortInfo {
    /// Device path (`/dev/ttyUSB0`).
    pub path: String,
    /// `usb`, `pci`, `bluetooth`, `unknown` or `configured`.
    pub kind: String,
    /// USB vendor id, for USB adapters.
    pub vid: Option<u16>,
    /// USB product id, for USB adapters.
    pub pid: Option<u16>,
    /// USB serial number, for USB adapters.
    pub serial: Option<String>,
    /// USB manufacturer string.
    pub manufacturer: Option<String>,
    /// USB product string.
    pub product: Option<String>,
}

/// A hardware change seen by `hw watch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum HwEvent {
    /// A PC/SC reader appeared.
    ReaderAdded {
        /// Reader name.
        reader: String,
    },
    /// A PC/SC reader went away.
    ReaderRemoved {
        /// Reader name.
        reader: String,
    },
    /// A card was put in (or on) a reader.
    CardInserted {
        /// Reader name.
        reader: String,
        /// The card's ATR, hex.
        #[serde(serialize_with = "as_hex")]
        atr: Vec<u8>,
    },
    /// The card left a reader.
    CardRemoved {
        /// Reader name.
        reader: String,
    },
    /// A USB device arrived.
    UsbArrived {
        /// Vendor id.
        vid: u16,
        /// Product id.
        pid: u16,
        /// Bus number.
        bus: u8,
        /// Address.
        address: u8,
    },
    /// A USB device left.
    UsbLeft {
        /// Vendor id.
        vid: u16,
        /// Product id.
        pid: u16,
        /// Bus number.
        bus: u8,
        /// Address.
        address: u8,
    },
}

impl std::fmt::Display for HwEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HwEvent::ReaderAdded { reader } => write!(f, "reader added: {reader}"),
            HwEvent::ReaderRemoved { reader } => write!(f, "reader removed: {reader}"),
            HwEvent::CardInserted { reader, atr } => {
                write!(f, "card inserted in {reader}: ATR {}", Hex(atr))
            }
            HwEvent::CardRemoved { reader } => write!(f, "card removed from {reader}"),
            HwEvent::UsbArrived {
                vid,
                pid,
                bus,
                address,
            } => write!(
                f,
                "usb arrived: {vid:04x}:{pid:04x} bus {bus} address {address}"
            ),
            HwEvent::UsbLeft {
                vid,
                pid,
                bus,
                address,
            } => write!(
                f,
                "usb left: {vid:04x}:{pid:04x} bus {bus} address {address}"
            ),
        }
    }
}

/// Serialises bytes as a compact upper-case hex string (`3B8F80…`).
pub fn as_hex<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex_compact(bytes))
}

/// Bytes as compact upper-case hex (`04A1B2`).
pub fn hex_compact(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
