//! Pure: never reads std::fs, std::env::var or SystemTime::now (this comment and the
//! string below are not code).
pub mod totp;

use std::time::Duration;

/// A seed.
pub struct Secret(pub Vec<u8>);

/// The step.
pub const STEP: Duration = Duration::from_secs(30);

/// Not a call.
pub const NOTE: &str = "std::env::var(\"X\") and Instant::now()";
