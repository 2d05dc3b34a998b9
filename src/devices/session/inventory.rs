//! The hardware inventory: PC/SC readers and their cards (ATR, UID, family), USB
//! tokens and readers, HID interfaces of known tokens, and serial ports, recognised by
//! the [`registry`]. Serialisable with stable field names; the station's views hand
//! it to every face.

use serde::Serialize;

use crate::devices::presence::ReaderSpec;
use crate::devices::registry::{self, KnownUsb};
use crate::model::Family;
use crate::transport::discovery::SerialPortInfo;

/// A section of the inventory: items, or why they could not be listed.
#[derive(Debug, Serialize, Default)]
pub struct Section<T> {
    /// Whether the backend answered.
    pub available: bool,
    /// What went wrong and what to do, when not available.
    pub error: Option<String>,
    /// The items.
    pub items: Vec<T>,
}

impl<T> Section<T> {
    fn from(r: Result<Vec<T>, String>) -> Self {
        match r {
            Ok(items) => Section {
                available: true,
                error: None,
                items,
            },
            Err(e) => Section {
                available: false,
                error: Some(e),
                items: Vec::new(),
            },
        }
    }
}

/// A PC/SC reader of the inventory.
#[derive(Debug, Serialize)]
pub struct ReaderOut {
    /// Reader name.
    pub name: String,
    /// What the registry knows of the reader.
    pub reader_kind: Option<&'static str>,
    /// The card, when one is present.
    pub card: Option<CardOut>,
}

/// A card in a reader.
#[derive(Debug, Serialize)]
pub struct CardOut {
    /// ATR, hex.
    pub atr: String,
    /// UID from `FF CA 00 00 00`, hex, only for a card that answers it.
    pub uid: Option<String>,
    /// Family recognised from the ATR or an OATH SELECT (`pcsc-uid`: a memory card).
    pub family: Option<Family>,
    /// Card description.
    pub description: &'static str,
    /// Why the card could not be asked (it could not be connected to).
    pub note: Option<String>,
}

/// A USB device line.
#[derive(Debug, Serialize)]
pub struct UsbOut {
    /// `vid:pid`, lower-case hex.
    pub id: String,
    /// Bus number.
    pub bus: u8,
    /// Address.
    pub address: u8,
    /// Registry entry (vendor, model, family, interface).
    pub known: Option<KnownUsb>,
    /// Manufacturer string.
    pub manufacturer: Option<String>,
    /// Product string.
    pub product: Option<String>,
    /// Serial number.
    pub serial: Option<String>,
    /// Access problems and hints.
    pub note: Option<String>,
}

/// A HID interface line.
#[derive(Debug, Serialize)]
pub struct HidOut {
    /// `/dev/hidrawN`.
    pub path: String,
    /// `vid:pid`.
    pub id: String,
    /// Registry entry.
    pub known: Option<KnownUsb>,
    /// HID usage page.
    pub usage_page: u16,
    /// Whether this user can open it; `false` comes with a udev hint in `note`.
    pub accessible: bool,
    /// Access problems and hints.
    pub note: Option<String>,
}

/// A serial port line.
#[derive(Debug, Serialize)]
pub struct SerialOut {
    /// The port.
    #[serde(flatten)]
    pub port: SerialPortInfo,
    /// The family configured for it (`PATH=FAMILY`, `rdm6300:PATH`…).
    pub family: Option<Family>,
    /// Registry entry for a USB adapter.
    pub known: Option<KnownUsb>,
    /// Access problems and hints.
    pub note: Option<String>,
}

/// Everything attached to this machine.
#[derive(Debug, Serialize)]
pub struct Inventory {
    /// PC/SC readers.
    pub pcsc: Section<ReaderOut>,
    /// Known USB devices.
    pub usb: Section<UsbOut>,
    /// HID interfaces of known devices.
    pub hid: Section<HidOut>,
    /// Serial ports.
    pub serial: Section<SerialOut>,
}

#[allow(dead_code)] // used only when a backend feature is off
fn not_built(feature: &str) -> String {
    format!("built without the `{feature}` feature")
}

#[cfg(feature = "pcsc")]
fn pcsc_readers() -> Result<Vec<ReaderOut>, String> {
    use crate::devices::identify::identify_card;
    use crate::transport::pcsc::PcscContext;
    let ctx = PcscContext::establish().map_err(|e| e.to_string())?;
    let readers = ctx.readers().map_err(|e| e.to_string())?;
    Ok(readers
        .into_iter()
        .map(|r| {
            let card = r.card.map(|c| {
                let atr = crate::transport::discovery::hex_compact(&c.atr);
                match ctx.connect(&r.name) {
                    Ok(link) => {
                        let id = identify_card(link);
                        CardOut {
                            atr,
                            uid: id.uid,
                            family: id.family,
                            description: id.description,
                            note: None,
                        }
                    }
                    Err(e) => CardOut {
                        atr,
                        uid: None,
                        family: registry::recognise_token_atr(&c.atr),
                        description: crate::devices::identify::UNKNOWN_TOKEN,
                        note: Some(e.to_string()),
                    },
                }
            });
            ReaderOut {
                reader_kind: registry::recognise_reader(&r.name).map(|k| k.description),
                name: r.name,
                card,
            }
        })
        .collect())
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_readers() -> Result<Vec<ReaderOut>, String> {
    Err(not_built("pcsc"))
}

#[cfg(feature = "usb")]
fn usb_devices(all: bool) -> Result<Vec<UsbOut>, String> {
    let devices = crate::transport::usb::list_devices().map_err(|e| e.to_string())?;
    Ok(devices
        .into_iter()
        .filter_map(|d| {
            let known = registry::recognise_usb(d.vid, d.pid).copied();
            (all || known.is_some()).then(|| UsbOut {
                id: format!("{:04x}:{:04x}", d.vid, d.pid),
                bus: d.bus,
                address: d.address,
                known,
                manufacturer: d.manufacturer,
                product: d.product,
                serial: d.serial,
                note: d.note,
            })
        })
        .collect())
}

#[cfg(not(feature = "usb"))]
fn usb_devices(_all: bool) -> Result<Vec<UsbOut>, String> {
    Err(not_built("usb"))
}

#[cfg(feature = "hidapi")]
fn hid_devices() -> Result<Vec<HidOut>, String> {
    let devices = crate::transport::hid::list_devices().map_err(|e| e.to_string())?;
    Ok(devices
        .into_iter()
        .filter_map(|d| {
            let known = registry::recognise_usb(d.vid, d.pid).copied()?;
            let access = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&d.path);
            let (accessible, note) = match access {
                Ok(_) => (true, None),
                Err(e) => (
                    false,
                    Some(format!(
                        "cannot open {}: {e}; {}",
                        d.path,
                        crate::transport::error::UDEV_HINT
                    )),
                ),
            };
            Some(HidOut {
                id: format!("{:04x}:{:04x}", d.vid, d.pid),
                path: d.path,
                known: Some(known),
                usage_page: d.usage_page,
                accessible,
                note,
            })
        })
        .collect())
}

#[cfg(not(feature = "hidapi"))]
fn hid_devices() -> Result<Vec<HidOut>, String> {
    Err(not_built("hidapi"))
}

#[cfg(feature = "serial")]
fn enumerated_ports() -> Result<Vec<SerialPortInfo>, String> {
    crate::transport::serial::list_ports().map_err(|e| e.to_string())
}

#[cfg(not(feature = "serial"))]
fn enumerated_ports() -> Result<Vec<SerialPortInfo>, String> {
    Ok(Vec::new())
}

fn serial_ports(configured: &[ReaderSpec]) -> Result<Vec<SerialOut>, String> {
    let mut out: Vec<SerialOut> = enumerated_ports()?
        .into_iter()
        .map(|p| SerialOut {
            known: p
                .vid
                .zip(p.pid)
                .and_then(|(v, d)| registry::recognise_usb(v, d).copied()),
            port: p,
            family: None,
            note: None,
        })
        .collect();
    for spec in configured {
        let (path, family) = (spec.name().to_string(), spec.family());
        let note = match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
        {
            Ok(_) => None,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Some(format!(
                "permission denied: {}",
                crate::transport::error::SERIAL_HINT
            )),
            Err(e) => Some(format!("cannot open: {e}")),
        };
        if let Some(existing) = out.iter_mut().find(|o| o.port.path == path) {
            existing.family = family;
            existing.note = note;
        } else {
            out.push(SerialOut {
                port: SerialPortInfo {
                    path,
                    kind: "configured".into(),
                    vid: None,
                    pid: None,
                    serial: None,
                    manufacturer: None,
                    product: None,
                },
                family,
                known: None,
                note,
            });
        }
    }
    Ok(out)
}

/// Collects the inventory: PC/SC readers with their cards, known USB devices (every
/// one with `all_usb`), HID interfaces of known tokens, and serial ports, including
/// the `configured` ones (pseudo-terminals and some adapters are never enumerated).
/// Each part is collected on its own: a missing pcscd or USB host is reported in its
/// section with what to install or start, and the other parts are still listed.
pub fn collect(all_usb: bool, configured: &[ReaderSpec]) -> Inventory {
    Inventory {
        pcsc: Section::from(pcsc_readers()),
        usb: Section::from(usb_devices(all_usb)),
        hid: Section::from(hid_devices()),
        serial: Section::from(serial_ports(configured)),
    }
}
