//! Family dispatch for burning and managing: one place that turns an APDU link into
//! the family's token ([`DeviceManagement`], which is also an
//! [`OtpToken`](super::OtpToken)), by the family the technician named or by what the
//! card says (ATR historical bytes, then a SELECT of the OATH application). Token2 NFC
//! and Molto2 tokens carry no recognisable ATR: their family must be named.

use super::molto2::Molto2;
use super::molto2::protocol::DEFAULT_CUSTOMER_KEY;
use super::registry;
use super::token2_nfc::Token2Nfc;
use super::ykoath::{OathToken, Variant};
use super::{DeviceError, DeviceManagement};
use crate::model::Family;
use crate::transport::ApduLink;

/// Families reached over APDUs that [`open_apdu_token`] knows.
pub const APDU_FAMILIES: &[Family] = &[
    Family::Ykoath,
    Family::Nitrokey3,
    Family::Token2Nfc,
    Family::Molto2,
];

/// Options some families need to open.
#[derive(Default)]
pub struct OpenOptions<'a> {
    /// OATH access code (YubiKey), when one is set.
    pub oath_password: Option<&'a str>,
    /// Molto2 customer key (the factory default when `None`).
    pub molto2_key: Option<&'a [u8]>,
}

/// Opens the token on `link` as `family`, or detects the family when `None`.
pub fn open_apdu_token<'l, L: ApduLink + 'l>(
    family: Option<Family>,
    link: L,
    opts: &OpenOptions<'_>,
) -> Result<Box<dyn DeviceManagement + 'l>, DeviceError> {
    let reader = link.reader().to_string();
    let family = family.or_else(|| registry::recognise_token_atr(link.atr()));
    match family {
        // No hint: try the OATH application (YubiKey or Nitrokey 3 answer it).
        None | Some(Family::Ykoath) | Some(Family::Nitrokey3) => {
            let t = OathToken::open(link, opts.oath_password)?;
            let got = t.oath_variant();
            match family {
                Some(Family::Nitrokey3) if got != Variant::Nitrokey3 => {
                    Err(DeviceError::Unexpected {
                        device: reader,
                        command: "SELECT",
                        reason:
                            "family nitrokey3 was named, but the OATH applet answers as a YubiKey"
                                .into(),
                    })
                }
                _ => Ok(Box::new(t)),
            }
        }
        Some(Family::Token2Nfc) => Ok(Box::new(Token2Nfc::new(link))),
        Some(Family::Molto2) => Ok(Box::new(Molto2::new(
            link,
            opts.molto2_key.unwrap_or(DEFAULT_CUSTOMER_KEY),
        ))),
        Some(other) => Err(DeviceError::Unsupported {
            device: reader,
            what: format!(
                "burning family '{other}' over APDUs (known here: {})",
                APDU_FAMILIES
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}
