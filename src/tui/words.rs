//! How the TUI words what the station says: errors with their hint (named as a TUI
//! action, never a CLI flag), times in UTC, short dates. Wording only, no rule.

use crate::model::display_safe;
use crate::station::StationError;

/// How many characters of a message a line shows.
const MAX: usize = 160;

/// An error as one line for the key bar.
pub fn error(e: &StationError) -> String {
    display_safe(&e.to_string(), MAX).into_owned()
}

/// `2026-12-02 09:10` (UTC) of Unix seconds.
pub fn time(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

/// `2026-12-02` (UTC) of Unix seconds.
pub fn date(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Text from the store, made safe to draw (no control characters) and cut to `max`.
pub fn safe(s: &str, max: usize) -> String {
    display_safe(s, max).into_owned()
}
