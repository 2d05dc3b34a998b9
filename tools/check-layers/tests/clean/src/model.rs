//! Plain records.
use chrono::{DateTime, Utc};

use crate::otp::Secret;

/// A token.
pub struct Token {
    pub secret: Secret,
    pub seen: DateTime<Utc>,
}
