//! The answer of a verification (design.md §4): a status from a fixed vocabulary, and
//! the facts a caller may need. A wrong code is a verdict, not an error.

use serde::Serialize;

/// Outcome vocabulary, also the `--json` `status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// The code is right and was accepted.
    Ok,
    /// The code is wrong (or malformed).
    InvalidCode,
    /// The code was right but its step or backup code was already used.
    Replayed,
    /// Too many failures; retry after `retry_after_ms`.
    LimitReached,
    /// No token with that serial.
    UnknownToken,
    /// The token has not proven a first code yet.
    NotActivated,
    /// The token is disabled, lost or retired.
    Disabled,
    /// The token may not be used at that location (or, restricted to locations, was
    /// presented at none).
    WrongLocation,
    /// An HOTP token whose counter reached `otp::bounds::COUNTER_MAX`: no code can
    /// advance it any more; the token needs a new seed.
    CounterExhausted,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 9] = [
        Status::Ok,
        Status::InvalidCode,
        Status::Replayed,
        Status::LimitReached,
        Status::UnknownToken,
        Status::NotActivated,
        Status::Disabled,
        Status::WrongLocation,
        Status::CounterExhausted,
    ];

    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::InvalidCode => "INVALID_CODE",
            Status::Replayed => "REPLAYED",
            Status::LimitReached => "LIMIT_REACHED",
            Status::UnknownToken => "UNKNOWN_TOKEN",
            Status::NotActivated => "NOT_ACTIVATED",
            Status::Disabled => "DISABLED",
            Status::WrongLocation => "WRONG_LOCATION",
            Status::CounterExhausted => "COUNTER_EXHAUSTED",
        }
    }
}

/// How the code was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// A code from the token.
    Otp,
    /// A one-time backup code.
    Backup,
    /// Two consecutive codes in a wide window.
    Resync,
    /// A first code that activated the token.
    Activate,
}

impl Method {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Otp => "otp",
            Method::Backup => "backup",
            Method::Resync => "resync",
            Method::Activate => "activate",
        }
    }
}

/// What a verdict's `step` and `offset` count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetUnit {
    /// TOTP time steps.
    Step,
    /// HOTP counter values.
    Counter,
}

impl OffsetUnit {
    /// The unit of a product of this kind.
    pub fn of(kind: crate::otp::Kind) -> OffsetUnit {
        match kind {
            crate::otp::Kind::Totp => OffsetUnit::Step,
            crate::otp::Kind::Hotp => OffsetUnit::Counter,
        }
    }

    /// The word for `n` of them: `1 step`, `2 counters`.
    pub fn word(self, n: i64) -> &'static str {
        match (self, n.abs() == 1) {
            (OffsetUnit::Step, true) => "step",
            (OffsetUnit::Step, false) => "steps",
            (OffsetUnit::Counter, true) => "counter",
            (OffsetUnit::Counter, false) => "counters",
        }
    }
}

/// The answer to one verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Outcome.
    pub status: Status,
    /// Serial the code was checked against.
    pub serial: String,
    /// How the code was recognised.
    pub method: Method,
    /// Matched step (TOTP) or counter (HOTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
    /// Signed distance of the match from the step the token's clock should show
    /// (the raw drift it revealed), or from the expected HOTP counter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// What `step` and `offset` count: TOTP time steps or HOTP counters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset_unit: Option<OffsetUnit>,
    /// Learned drift in steps after this verification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift_steps: Option<i64>,
    /// True when the learned drift hit the policy's cap: resync the token.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub drift_capped: bool,
    /// For `LIMIT_REACHED`: milliseconds until the next attempt is accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// For backup codes: how many are left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_codes_left: Option<u32>,
}

impl Verdict {
    /// A verdict with only a status.
    pub fn new(status: Status, serial: &str, method: Method) -> Verdict {
        Verdict {
            status,
            serial: serial.to_string(),
            method,
            step: None,
            offset: None,
            offset_unit: None,
            drift_steps: None,
            drift_capped: false,
            retry_after_ms: None,
            backup_codes_left: None,
        }
    }

    /// Whether the code was accepted.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }
}
