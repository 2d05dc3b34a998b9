//! What a listing asks for: the filters of the token list, the attempt log and the
//! audit log, and the attempt record itself. Plain data shared by the store (which
//! turns them into SQL), the station's views and the faces; no logic, no I/O.

use super::TokenStatus;

/// One attempt to record or read back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attempt {
    /// Unix seconds.
    pub at: i64,
    /// Token row, when the serial was known.
    #[serde(skip)]
    pub token_id: Option<i64>,
    /// Serial as presented.
    pub serial: String,
    /// Location row, when given.
    #[serde(skip)]
    pub location_id: Option<i64>,
    /// Location name (filled when reading).
    pub location: Option<String>,
    /// Verdict status (`OK`, `INVALID_CODE`, …).
    pub status: String,
    /// `otp`, `backup`, `resync` or `activate`.
    pub method: String,
    /// Matched step or counter.
    pub step: Option<u64>,
    /// Signed offset of the match from the expected step.
    pub step_offset: Option<i64>,
    /// Where the attempt came from (a kiosk's reader, a CLI user, an API client);
    /// `None` for attempts recorded before sources were.
    pub source: Option<String>,
    /// The station that recorded it (many stations on one store; set when reading,
    /// the store fills it in when writing); `None` for attempts from before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
}

/// Filter for reading attempts.
#[derive(Debug, Clone, Default)]
pub struct AttemptFilter {
    /// Only this serial.
    pub serial: Option<String>,
    /// Only this token (by id: one serial of several products).
    pub token_id: Option<i64>,
    /// Only this location name.
    pub location: Option<String>,
    /// Only at or after this time.
    pub from: Option<i64>,
    /// Only before this time.
    pub to: Option<i64>,
    /// At most this many, newest first.
    pub limit: Option<u32>,
}

/// Filter for reading the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only lines whose subject contains this text.
    pub subject: Option<String>,
    /// Only lines whose action starts with this text.
    pub action: Option<String>,
    /// Only at or after this time (Unix seconds).
    pub from: Option<i64>,
    /// Only before this time (Unix seconds).
    pub to: Option<i64>,
    /// At most this many, newest first.
    pub limit: Option<u32>,
}

/// Filter for listing tokens.
#[derive(Debug, Clone, Default)]
pub struct TokenFilter {
    /// Only this product (by name).
    pub product: Option<String>,
    /// Only this status.
    pub status: Option<TokenStatus>,
    /// Only this holder (external id).
    pub holder: Option<String>,
    /// Only tokens assigned to this location (by name), or to all locations.
    pub location: Option<String>,
}

/// Which tokens a drift report covers.
#[derive(Debug, Clone, Default)]
pub struct DriftFilter {
    /// Only this product (by name).
    pub product: Option<String>,
    /// Only tokens assigned to this location (by name), or to all locations.
    pub location: Option<String>,
    /// Only this serial.
    pub serial: Option<String>,
}
