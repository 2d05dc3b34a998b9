//! Which hardware is which: USB VID:PID → vendor, model and family (token-protocols.md
//! §8), PC/SC reader names and ATRs → reader kind and card family.
//!
//! `udev/70-tokenstation.rules` must have a rule for every USB entry here; a test in
//! `tests/udev_rules.rs` checks it.

use serde::Serialize;

use super::pcsc_uid::ContactlessAtr;
pub use crate::model::Family;

/// How a known USB device is talked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interface {
    /// USB CCID smart-card interface, through pcscd.
    Ccid,
    /// HID reports (hidraw).
    Hid,
    /// CCID and HID both.
    CcidHid,
    /// USB CDC-ACM or USB-UART bridge: a serial port.
    Serial,
    /// A device in bootloader mode, not for OTP work.
    Bootloader,
}

/// A USB device the station knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KnownUsb {
    /// Vendor id.
    pub vid: u16,
    /// Product id; `None` matches every product of the vendor.
    pub pid: Option<u16>,
    /// Vendor name.
    pub vendor: &'static str,
    /// Model name.
    pub model: &'static str,
    /// The family (design.md §2) whose driver handles it, `None` when there is none yet.
    pub family: Option<Family>,
    /// How it is reached.
    pub interface: Interface,
}

const fn usb(
    vid: u16,
    pid: u16,
    vendor: &'static str,
    model: &'static str,
    family: Option<Family>,
    interface: Interface,
) -> KnownUsb {
    KnownUsb {
        vid,
        pid: Some(pid),
        vendor,
        model,
        family,
        interface,
    }
}

use Interface::{Bootloader, Ccid, CcidHid, Hid, Serial};

/// The table, most specific first (a vendor-wide entry comes after that vendor's
/// specific products). Source: token-protocols.md §8; USB-UART bridges: their vendors'
/// published ids, listed because RDM6300 and PN532 modules hang off them.
pub const USB_DEVICES: &[KnownUsb] = &[
    // Nitrokey (token-protocols.md §6, §8)
    usb(
        0x20a0,
        0x4108,
        "Nitrokey",
        "Nitrokey Pro",
        Some(Family::Nitrokey),
        Hid,
    ),
    usb(
        0x20a0,
        0x4109,
        "Nitrokey",
        "Nitrokey Storage",
        Some(Family::Nitrokey),
        Hid,
    ),
    usb(
        0x20a0,
        0x42b4,
        "Nitrokey",
        "Nitrokey Pro bootloader",
        None,
        Bootloader,
    ),
    usb(
        0x03eb,
        0x2ff1,
        "Nitrokey",
        "Nitrokey Storage bootloader",
        None,
        Bootloader,
    ),
    usb(0x20a0, 0x42b2, "Nitrokey", "Nitrokey 3", None, CcidHid),
    usb(
        0x20a0,
        0x42dd,
        "Nitrokey",
        "Nitrokey 3 bootloader",
        None,
        Bootloader,
    ),
    usb(
        0x20a0,
        0x42e8,
        "Nitrokey",
        "Nitrokey 3 bootloader",
        None,
        Bootloader,
    ),
    usb(0x20a0, 0x42f3, "Nitrokey", "Nitrokey Passkey", None, Hid),
    usb(
        0x20a0,
        0x42f4,
        "Nitrokey",
        "Nitrokey Passkey bootloader",
        None,
        Bootloader,
    ),
    usb(0x20a0, 0x4287, "Nitrokey", "Nitrokey FIDO U2F", None, Hid),
    usb(0x20a0, 0x42b1, "Nitrokey", "Nitrokey FIDO2", None, Hid),
    usb(0x2581, 0xf1d0, "Nitrokey", "Nitrokey U2F (old)", None, Hid),
    usb(0x20a0, 0x4211, "Nitrokey", "Nitrokey Start", None, Ccid),
    usb(0x20a0, 0x4230, "Nitrokey", "Nitrokey HSM", None, Ccid),
    usb(0x20a0, 0x4107, "Nitrokey", "CryptoStick 1.2", None, Ccid),
    // Purism (Nitrokey Pro protocol)
    usb(
        0x316d,
        0x4c4b,
        "Purism",
        "Librem Key",
        Some(Family::Nitrokey),
        Hid,
    ),
    // Token2 (token-protocols.md §3, §7.4, §8)
    usb(
        0x349e,
        0x0300,
        "Token2",
        "Molto2",
        Some(Family::Molto2),
        Ccid,
    ),
    usb(0x349e, 0x0013, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0014, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0015, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0016, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0022, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0023, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0024, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0025, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0026, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0202, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0203, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0204, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0205, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(0x349e, 0x0206, "Token2", "Token2 FIDO key", None, CcidHid),
    usb(
        0x04cc,
        0x2533,
        "Token2",
        "StickID Writer (PN533 NFC reader)",
        Some(Family::Token2Nfc),
        Ccid,
    ),
    // SoloKeys
    usb(0x1209, 0xbeee, "SoloKeys", "Solo 2", None, CcidHid),
    usb(
        0x1fc9,
        0x0021,
        "SoloKeys",
        "Solo 2 bootloader (LPC55 ROM)",
        None,
        Bootloader,
    ),
    usb(0x1209, 0x5070, "SoloKeys", "Solo 1", None, Hid),
    usb(
        0x1209,
        0x50b0,
        "SoloKeys",
        "Solo 1 bootloader",
        None,
        Bootloader,
    ),
    usb(0x0483, 0xa2ca, "SoloKeys", "Somu", None, Hid),
    // OnlyKey
    usb(0x1d50, 0x60fc, "CryptoTrust", "OnlyKey", None, Hid),
    usb(
        0x16c0,
        0x0486,
        "CryptoTrust",
        "OnlyKey (Teensy id)",
        None,
        Hid,
    ),
    // Feitian FIDO keys
    usb(0x096e, 0x0850, "Feitian", "ePass FIDO", None, Hid),
    usb(0x096e, 0x0852, "Feitian", "ePass FIDO", None, Hid),
    usb(0x096e, 0x0853, "Feitian", "ePass FIDO", None, Hid),
    usb(0x096e, 0x0854, "Feitian", "ePass FIDO", None, Hid),
    usb(0x096e, 0x0856, "Feitian", "ePass FIDO", None, Hid),
    usb(0x096e, 0x0858, "Feitian", "ePass FIDO", None, Hid),
    usb(0x096e, 0x085a, "Feitian", "BioPass FIDO", None, Hid),
    usb(0x096e, 0x085b, "Feitian", "BioPass FIDO", None, Hid),
    usb(0x096e, 0x085d, "Feitian", "BioPass FIDO", None, Hid),
    // TurtlPass
    usb(0x1209, 0xfa55, "TurtlPass", "TurtlPass", None, Serial),
    // USB-UART bridges that RDM6300 / PN532 modules are wired to
    usb(
        0x1a86,
        0x7523,
        "QinHeng",
        "CH340 USB-UART bridge",
        None,
        Serial,
    ),
    usb(
        0x10c4,
        0xea60,
        "Silicon Labs",
        "CP210x USB-UART bridge",
        None,
        Serial,
    ),
    usb(
        0x0403,
        0x6001,
        "FTDI",
        "FT232R USB-UART bridge",
        None,
        Serial,
    ),
    usb(
        0x067b,
        0x2303,
        "Prolific",
        "PL2303 USB-UART bridge",
        None,
        Serial,
    ),
    // Yubico: every product (CCID-capable YubiKey 4/5/NEO PIDs share the vendor)
    KnownUsb {
        vid: 0x1050,
        pid: None,
        vendor: "Yubico",
        model: "YubiKey",
        family: Some(Family::Ykoath),
        interface: CcidHid,
    },
];

/// The table entry for a USB device, if known.
pub fn recognise_usb(vid: u16, pid: u16) -> Option<&'static KnownUsb> {
    USB_DEVICES
        .iter()
        .find(|k| k.vid == vid && k.pid.is_none_or(|p| p == pid))
}

/// What a PC/SC reader name says about the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KnownReader {
    /// Substring matched in the reader name.
    pub pattern: &'static str,
    /// What it is.
    pub description: &'static str,
    /// Family of the token that *is* the reader (a USB token's own CCID interface).
    pub family: Option<Family>,
}

/// Reader names recognised (substring, case-sensitive as pcscd reports them).
pub const READERS: &[KnownReader] = &[
    KnownReader {
        pattern: "Virtual PCD",
        description: "vsmartcard-vpcd virtual reader (tests and demos)",
        family: None,
    },
    KnownReader {
        pattern: "ACR122",
        description: "ACS ACR122U contactless reader (PN532 inside)",
        family: None,
    },
    KnownReader {
        pattern: "YubiKey",
        description: "YubiKey CCID interface",
        family: Some(Family::Ykoath),
    },
    KnownReader {
        pattern: "Nitrokey 3",
        description: "Nitrokey 3 CCID interface",
        family: Some(Family::Nitrokey3),
    },
    KnownReader {
        pattern: "Molto2",
        description: "Token2 Molto2 CCID interface",
        family: Some(Family::Molto2),
    },
];

/// The entry for a PC/SC reader name, if known.
pub fn recognise_reader(name: &str) -> Option<&'static KnownReader> {
    READERS.iter().find(|r| name.contains(r.pattern))
}

/// What an ATR says about the card: its family and a short description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardKind {
    /// Family (`pcsc-uid` for any contactless card whose UID can be read).
    pub family: Option<Family>,
    /// Description (`MIFARE Classic 1K`, `ISO 14443-4 card`, `contact card`).
    pub description: &'static str,
}

/// Recognises a card by its ATR.
pub fn recognise_atr(atr: &[u8]) -> CardKind {
    match ContactlessAtr::parse(atr) {
        Some(c) => CardKind {
            family: Some(Family::PcscUid),
            description: c.card_name(),
        },
        None => CardKind {
            family: None,
            description: "contact card or unrecognised ATR",
        },
    }
}

/// The token family an ATR's historical bytes name, if any: `YubiKey` → `ykoath`,
/// `Nitrokey` → `nitrokey3`. A hint only: the OATH SELECT answer decides.
pub fn recognise_token_atr(atr: &[u8]) -> Option<Family> {
    let has = |needle: &[u8]| atr.windows(needle.len()).any(|w| w == needle);
    if has(b"YubiKey") || has(b"Yubikey") {
        Some(Family::Ykoath)
    } else if has(b"Nitrokey") {
        Some(Family::Nitrokey3)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids_from_the_issue() {
        assert_eq!(
            recognise_usb(0x20a0, 0x4108).unwrap().family,
            Some(Family::Nitrokey)
        );
        assert_eq!(recognise_usb(0x316d, 0x4c4b).unwrap().model, "Librem Key");
        assert_eq!(recognise_usb(0x1050, 0x0407).unwrap().vendor, "Yubico");
        assert_eq!(
            recognise_usb(0x349e, 0x0300).unwrap().family,
            Some(Family::Molto2)
        );
        assert_eq!(recognise_usb(0x1d50, 0x60fc).unwrap().model, "OnlyKey");
        assert!(recognise_usb(0x1234, 0x5678).is_none());
    }

    #[test]
    fn specific_entries_precede_vendor_wildcards() {
        for (i, k) in USB_DEVICES.iter().enumerate() {
            if k.pid.is_none() {
                assert!(
                    USB_DEVICES[i + 1..].iter().all(|later| later.vid != k.vid),
                    "{:04x}:* shadows later entries",
                    k.vid
                );
            }
        }
    }

    #[test]
    fn token2_families() {
        assert_eq!(
            recognise_usb(0x349e, 0x0300).unwrap().family,
            Some(Family::Molto2)
        );
        // Same vendor, FIDO keys: not a Molto2.
        assert_eq!(recognise_usb(0x349e, 0x0016).unwrap().family, None);
        assert_eq!(
            recognise_usb(0x04cc, 0x2533).unwrap().family,
            Some(Family::Token2Nfc)
        );
        assert_eq!(
            recognise_reader("TOKEN2 Molto2 [CCID Interface] 00 00").and_then(|r| r.family),
            Some(Family::Molto2)
        );
        assert_eq!(recognise_reader("TOKEN2 FIDO2 Security Key 00 00"), None);
    }

    #[test]
    fn readers_and_atrs() {
        assert!(recognise_reader("Virtual PCD 00 00").is_some());
        assert!(recognise_reader("Some Reader 00 00").is_none());
        let atr = [
            0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00,
            0x01, 0x00, 0x00, 0x00, 0x00, 0x6A,
        ];
        assert_eq!(recognise_atr(&atr).family, Some(Family::PcscUid));
        assert_eq!(recognise_atr(&[0x3B, 0x00]).family, None);
        assert_eq!(
            recognise_token_atr(b"\x3B\xFD..YubiKey@"),
            Some(Family::Ykoath)
        );
        assert_eq!(
            recognise_token_atr(b"\x3B\x8F.Nitrokey\x00"),
            Some(Family::Nitrokey3)
        );
        assert_eq!(recognise_token_atr(&atr), None);
    }
}
