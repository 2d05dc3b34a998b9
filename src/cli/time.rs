//! TIME arguments: Unix seconds or RFC 3339 (`2026-11-22T09:30:00Z`), parsed as the
//! station parses every time.

pub use crate::station::time::{TimeError, now, parse_time, rfc3339};

/// `--at` or now.
pub fn at_or_now(at: Option<&str>) -> Result<i64, TimeError> {
    at.map(parse_time).unwrap_or_else(|| Ok(now()))
}
