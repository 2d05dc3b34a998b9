//! LIST (token-protocols.md §4.3, §5.2): the credential list of the OATH applet, and
//! the Nitrokey 3's version 1 with a properties byte per entry.

use super::{ins, kind_of, parse_tlvs, tag};
use crate::otp::Kind;
use crate::transport::Apdu;

/// `00 A1 00 00`.
pub fn list() -> Apdu {
    Apdu::new(0x00, ins::LIST, 0x00, 0x00)
}

/// One LIST entry: `72 L (type|alg) name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// Type/alg byte as sent.
    pub type_alg: u8,
    /// Credential id.
    pub name: String,
}

impl ListEntry {
    /// HOTP or TOTP (None for NK3-only kinds).
    pub fn kind(&self) -> Option<Kind> {
        kind_of(self.type_alg)
    }
}

/// Parses a LIST answer (all pages concatenated).
pub fn parse_list(data: &[u8]) -> Result<Vec<ListEntry>, String> {
    parse_tlvs(data, false)?
        .into_iter()
        .filter(|(t, _)| *t == tag::NAME_LIST)
        .map(|(_, v)| {
            let (&type_alg, name) = v.split_first().ok_or("empty LIST entry")?;
            Ok(ListEntry {
                type_alg,
                name: String::from_utf8_lossy(name).into_owned(),
            })
        })
        .collect()
}

/// LIST version 1 `00 A1 00 00 01 01` (Nitrokey 3 Secrets App): each entry ends with a
/// properties byte (bit 0: touch required; TSA `credential.rs` `PropertiesByte`).
pub fn list_with_properties() -> Apdu {
    Apdu::new(0x00, ins::LIST, 0x00, 0x00).data([0x01])
}

/// Touch bit of a LIST version 1 properties byte.
pub const LIST_PROP_TOUCH: u8 = 0x01;

/// Parses a LIST version 1 answer: entries `72 L (type|alg) name props`.
pub fn parse_list_with_properties(data: &[u8]) -> Result<Vec<(ListEntry, u8)>, String> {
    parse_tlvs(data, false)?
        .into_iter()
        .filter(|(t, _)| *t == tag::NAME_LIST)
        .map(|(_, v)| match v {
            [type_alg, name @ .., props] => Ok((
                ListEntry {
                    type_alg: *type_alg,
                    name: String::from_utf8_lossy(name).into_owned(),
                },
                *props,
            )),
            _ => Err("LIST entry shorter than type, name and properties".to_string()),
        })
        .collect()
}
