//! Plain domain records shared by the store, the station and the faces: products,
//! tokens, holders, locations and audit entries (words of `design.md` §2). No logic
//! beyond parsing names, no I/O. [`name`] holds the one validation every name goes
//! through.

pub mod name;

pub use name::{NameError, NameKind, display_safe, validate_name};

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::otp::{OtpError, OtpParams};

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
    /// Hardware family (`token2-nfc`, `molto2`, `ykoath`, `nitrokey`) or `software` /
    /// `generic`.
    pub family: String,
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
    /// Who did it (OS user or `TOKENSTATION_ACTOR`).
    pub actor: String,
    /// What was done, e.g. `token.add`.
    pub action: String,
    /// What it was done to, e.g. `token C302-0001`.
    pub subject: String,
    /// State before, as JSON text.
    pub before: Option<String>,
    /// State after, as JSON text.
    pub after: Option<String>,
}
