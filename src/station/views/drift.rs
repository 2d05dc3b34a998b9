//! Drift: the report over many tokens (sorted by urgency) and one token's history with
//! its fit (issue 14). Computed by [`crate::station::drift::report`]; the CLI prints a
//! table with sparklines, the TUI draws the same rows, the API serialises them.

use serde::Serialize;

use crate::model::{Family, TokenStatus};
use crate::station::drift::fit::{Fit, Window};
use crate::station::drift::history::Sample;

pub use crate::model::filters::DriftFilter;

/// How a token's drift is corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixMethod {
    /// Its clock is written (Token2 NFC, Molto2, Nitrokey Pro / Storage).
    Clock,
    /// Its clock cannot be written (host-time tokens, sealed tokens): resynchronise it
    /// in the store with two codes.
    Resync,
}

/// Where a row's trend comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrendSource {
    /// A Theil–Sen fit over the token's own history.
    Fit,
    /// Too little history: the product's expected drift, direction unknown (the nearer
    /// edge of the window is assumed).
    Product,
    /// Neither: no prediction.
    None,
}

/// One point of the offset history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DriftPoint {
    /// Host time, Unix seconds.
    pub at: i64,
    /// Token clock minus host clock, seconds.
    pub offset_s: f64,
}

/// One token of the drift report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftRow {
    /// Serial.
    pub serial: String,
    /// Product name.
    pub product: String,
    /// Hardware family.
    pub family: Family,
    /// Life-cycle status.
    pub status: TokenStatus,
    /// Learned drift the next window is centred on, steps.
    pub offset_steps: i64,
    /// The drift an operator established last (resync, fix, burn), steps.
    pub baseline_steps: i64,
    /// Estimated offset now (token minus host), seconds.
    pub offset_s: f64,
    /// Seconds per day the clock gains (negative: loses); for the product's expected
    /// drift, its magnitude.
    pub trend_s_per_day: Option<f64>,
    /// Where the trend comes from.
    pub trend_source: TrendSource,
    /// History samples.
    pub samples: usize,
    /// Last accepted code or resync, Unix seconds (to the step).
    pub last_seen: Option<i64>,
    /// Offsets (seconds) between which codes verify without an operator.
    pub window: Window,
    /// When the clock leaves the window (Unix seconds; in the past when it has).
    pub exit_at: Option<i64>,
    /// Days from the report's time to `exit_at` (negative: already out).
    pub days_left: Option<f64>,
    /// The estimated offset is outside the window now.
    pub out_of_window: bool,
    /// How its drift is corrected.
    pub fix: FixMethod,
    /// The offset history, oldest first (for sparklines).
    pub history: Vec<DriftPoint>,
}

/// The drift report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    /// When it was computed (Unix seconds).
    pub at: i64,
    /// TOTP tokens considered (before the at-risk filter).
    pub tokens: usize,
    /// The rows, most urgent first: already out, then by exit date; no prediction last.
    pub rows: Vec<DriftRow>,
}

/// One token's drift in detail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftDetail {
    /// The report row.
    #[serde(flatten)]
    pub row: DriftRow,
    /// The history: verifications (day means), resyncs, clock reads and sets.
    pub samples: Vec<Sample>,
    /// The fit, with enough history.
    pub fit: Option<Fit>,
    /// The product's expected drift, seconds per year (its own, or its family's).
    pub expected_drift_per_year: Option<f64>,
}
