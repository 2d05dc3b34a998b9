//! Plain domain records shared by the store, the devices, the station and the faces:
//! families, products, tokens, holders, locations and audit entries (words of
//! `design.md` §2). No logic beyond parsing names, no I/O. [`name`] holds the one
//! validation every name goes through.

pub mod access;
pub mod filters;
pub mod name;

pub use name::{LABEL_MAX_CHARS, NAME_MAX_CHARS, NameError, NameKind, display_safe, validate_name};

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::otp::{OtpError, OtpParams};

/// A hardware protocol (design.md §2), or what a product is bound to when it is not
/// burned into hardware (`generic`, `software`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Token2 single-profile NFC tokens (C301-i, C302-i, OTPC, miniOTP).
    Token2Nfc,
    /// Token2 Molto2 (100 profiles, USB CCID).
    Molto2,
    /// YubiKey OATH application.
    Ykoath,
    /// Nitrokey 3 Secrets App (the OATH protocol over CCID).
    Nitrokey3,
    /// Nitrokey Pro / Storage / Librem Key (HID feature reports).
    Nitrokey,
    /// PN532 NFC module on a serial port.
    Pn532,
    /// RDM6300 125 kHz reader on a serial port.
    Rdm6300,
    /// Any contactless card whose UID a PC/SC reader can read.
    PcscUid,
    /// Keyboard-wedge reader (HID).
    HidWedge,
    /// A product not bound to a hardware family.
    Generic,
    /// A software authenticator (an app holds the seed).
    Software,
}

impl Family {
    /// Every family, in the order of their names in messages.
    pub const ALL: [Family; 11] = [
        Family::Generic,
        Family::Software,
        Family::Token2Nfc,
        Family::Molto2,
        Family::Ykoath,
        Family::Nitrokey3,
        Family::Nitrokey,
        Family::Pn532,
        Family::Rdm6300,
        Family::PcscUid,
        Family::HidWedge,
    ];

    /// The families a product can name: the programmable token families and the two
    /// without hardware.
    pub const PRODUCT: [Family; 7] = [
        Family::Generic,
        Family::Software,
        Family::Token2Nfc,
        Family::Molto2,
        Family::Ykoath,
        Family::Nitrokey3,
        Family::Nitrokey,
    ];

    /// The stable name (`token2-nfc`, `pcsc-uid`…), also the stored and JSON form.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Token2Nfc => "token2-nfc",
            Family::Molto2 => "molto2",
            Family::Ykoath => "ykoath",
            Family::Nitrokey3 => "nitrokey3",
            Family::Nitrokey => "nitrokey",
            Family::Pn532 => "pn532",
            Family::Rdm6300 => "rdm6300",
            Family::PcscUid => "pcsc-uid",
            Family::HidWedge => "hid-wedge",
            Family::Generic => "generic",
            Family::Software => "software",
        }
    }

    /// Whether a product may name this family.
    pub fn is_product_family(self) -> bool {
        Family::PRODUCT.contains(&self)
    }

    /// Whether the family is bound to no hardware: its products accept any token.
    pub fn is_unbound(self) -> bool {
        matches!(self, Family::Generic | Family::Software)
    }

    /// Whether tokens of this family speak the OATH application protocol.
    pub fn is_oath(self) -> bool {
        matches!(self, Family::Ykoath | Family::Nitrokey3)
    }
}

impl Default for Family {
    /// `generic`: bound to no hardware.
    fn default() -> Self {
        Family::Generic
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Family {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A family name that is not one of [`Family::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown family '{0}'")]
pub struct UnknownFamily(pub String);

impl FromStr for Family {
    type Err = UnknownFamily;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Family::ALL
            .into_iter()
            .find(|f| f.as_str() == t)
            .ok_or_else(|| UnknownFamily(s.to_string()))
    }
}

/// A token's life: `unverified` → `active` → `disabled` / `lost` / `retired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenStatus {
    /// Registered, no valid code seen yet.
    Unverified,
    /// Proven by a valid code or a read-back after a burn.
    Active,
    /// Temporarily refused.
    Disabled,
    /// Reported lost; refused.
    Lost,
    /// Out of service for good; refused.
    Retired,
}

impl TokenStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenStatus::Unverified => "unverified",
            TokenStatus::Active => "active",
            TokenStatus::Disabled => "disabled",
            TokenStatus::Lost => "lost",
            TokenStatus::Retired => "retired",
        }
    }
}

impl fmt::Display for TokenStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenStatus {
    type Err = OtpError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "unverified" => TokenStatus::Unverified,
            "active" => TokenStatus::Active,
            "disabled" => TokenStatus::Disabled,
            "lost" => TokenStatus::Lost,
            "retired" => TokenStatus::Retired,
            _ => return Err(OtpError::invalid("status", format!("unknown status '{s}'"))),
        })
    }
}

/// A token model or family with its OTP parameters and hardware driver.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Product {
    /// Row id.
    #[serde(skip)]
    pub id: i64,
    /// Unique name, e.g. "Token2 C302-i".
    pub name: String,
    /// Maker.
    pub vendor: Option<String>,
    /// Model designation.
    pub model: Option<String>,
    /// Hardware family (`token2-nfc`, `molto2`, `ykoath`, `nitrokey3`, `nitrokey`) or
    /// `software` / `generic`.
    pub family: Family,
    /// OTP parameters every token of the product shares.
    #[serde(flatten)]
    pub params: OtpParams,
    /// Whether seeds can be burned into it.
    pub programmable: bool,
    /// Expected clock drift in seconds per year (vendor figure), if known.
    pub drift_per_year: Option<f64>,
    /// Verification window in steps around the learned drift (TOTP) or look-ahead
    /// (HOTP).
    pub skew: u32,
}

/// One individual token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Token {
    /// Row id.
    #[serde(skip)]
    pub id: i64,
    /// Stable random identity; binds the sealed seed to this row.
    #[serde(skip)]
    pub uid: String,
    /// Serial number, unique within its product.
    pub serial: String,
    /// Product name.
    pub product: String,
    /// Product row id.
    #[serde(skip)]
    pub product_id: i64,
    /// Life-cycle status.
    pub status: TokenStatus,
    /// Holder's external id, if assigned.
    pub holder: Option<String>,
    /// Next expected HOTP counter.
    pub counter: u64,
    /// Last accepted TOTP step (replay guard).
    pub last_step: Option<u64>,
    /// Learned drift in steps.
    pub drift_steps: i64,
    /// The drift an operator established last (resync, clock fix, burn, import), in
    /// steps: automatic learning moves at most `drift.max_learned_steps` from it.
    pub drift_base_steps: i64,
    /// UTC day (Unix seconds ÷ 86,400) of the last verification sample of its drift
    /// history: the day's first accepted code is sampled.
    #[serde(skip)]
    pub drift_sample_day: Option<i64>,
    /// Whether it verifies at every location.
    pub all_locations: bool,
    /// Unix seconds of registration.
    pub created_at: i64,
    /// Unix seconds of the last change.
    pub updated_at: i64,
    /// Unix seconds of activation.
    pub activated_at: Option<i64>,
    /// Issuer its source named (Key URI, PSKC); `None`: the product's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The one station where it verifies (`token lease`); `None`: every station.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leased_to: Option<String>,
}

/// The person or thing a token or card belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holder {
    /// Row id.
    #[serde(skip)]
    pub id: i64,
    /// Opaque external id chosen by the operator.
    pub ext_id: String,
    /// Display label.
    pub label: Option<String>,
    /// Unix seconds of creation.
    pub created_at: i64,
}

/// A site, room or kiosk with its time zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    /// Row id.
    #[serde(skip)]
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// IANA time zone name.
    pub tz: String,
    /// Unix seconds of creation.
    pub created_at: i64,
}

/// One line of the append-only audit log. Never holds a seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who did it (the operating-system user, or whom the face names).
    pub actor: String,
    /// What was done, e.g. `token.add`.
    pub action: String,
    /// What it was done to, e.g. `token C302-0001`.
    pub subject: String,
    /// State before, as JSON text (serialised nested, as JSON).
    #[serde(serialize_with = "nested_json")]
    pub before: Option<String>,
    /// State after, as JSON text (serialised nested, as JSON).
    #[serde(serialize_with = "nested_json")]
    pub after: Option<String>,
}

/// Serialises JSON text as the JSON it holds (text that is not JSON stays a string).
fn nested_json<S: serde::Serializer>(text: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize as _;
    match text {
        None => s.serialize_none(),
        Some(t) => match serde_json::from_str::<serde_json::Value>(t) {
            Ok(v) => v.serialize(s),
            Err(_) => s.serialize_str(t),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_round_trip() {
        for f in Family::ALL {
            assert_eq!(f.as_str().parse::<Family>().unwrap(), f);
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
        assert_eq!(" YKOATH ".parse::<Family>().unwrap(), Family::Ykoath);
        assert!("display".parse::<Family>().is_err());
        assert!(Family::Generic.is_product_family());
        assert!(!Family::PcscUid.is_product_family());
    }
}
