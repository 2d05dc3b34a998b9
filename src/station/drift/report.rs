//! The drift report (issue 14): per TOTP token the learned drift, the estimated offset
//! now, the trend (a Theil–Sen fit over its history, else the product's expected
//! drift), the window codes verify in without an operator, and the predicted date the
//! clock leaves it; sorted by urgency. One store pass reads every token's row; the rest
//! is computation.

use super::expected::{expected_drift_per_year, fix_method};
use super::fit::{self, Fit, Window};
use super::history::{History, Sample};
use crate::station::policy::Policy;
use crate::station::views::drift::{
    DriftDetail, DriftFilter, DriftPoint, DriftReport, DriftRow, TrendSource,
};
use crate::station::{Result, Station, StationError};
use crate::store::drift::DriftInput;

const DAY: f64 = 86_400.0;

/// What a report covers.
#[derive(Debug, Clone, Default)]
pub struct DriftQuery {
    /// Tokens by product and location.
    pub filter: DriftFilter,
    /// Only tokens that leave their window within this many days (or have left).
    pub at_risk_days: Option<f64>,
}

/// One token's row, with its history and fit; `scratch` is reused between tokens.
pub(crate) fn row(
    i: &DriftInput,
    cap: u64,
    now: i64,
    scratch: &mut Vec<f64>,
) -> (DriftRow, History, Option<Fit>) {
    let h = History::decode(i.history.as_deref());
    let fit = fit::theil_sen_in(&h.samples, now, scratch);
    let window = Window::new(i.drift_base_steps, cap, i.skew, i.period);
    let expected = expected_drift_per_year(i.family, i.drift_per_year);
    let (offset_s, trend, source, exit_at) = match fit {
        Some(f) => (
            f.offset_now_s,
            Some(f.slope_s_per_day),
            TrendSource::Fit,
            fit::exit_time(&window, f.offset_now_s, f.slope_s_per_day, now),
        ),
        None => {
            let segment = h.segment();
            let last = h.samples.iter().rev().find(|s| s.segment == segment);
            let offset = last.map_or(i.drift_steps as f64 * f64::from(i.period), |s| {
                s.offset_ms as f64 / 1000.0
            });
            match expected.filter(|e| *e > 0.0) {
                Some(e) => (
                    offset,
                    Some(e / 365.25),
                    TrendSource::Product,
                    fit::exit_time_either_way(&window, offset, e, now),
                ),
                None => (
                    offset,
                    None,
                    TrendSource::None,
                    (!window.contains(offset)).then_some(now),
                ),
            }
        }
    };
    let row = DriftRow {
        serial: i.serial.clone(),
        product: i.product.clone(),
        family: i.family,
        status: i.status,
        offset_steps: i.drift_steps,
        baseline_steps: i.drift_base_steps,
        offset_s,
        trend_s_per_day: trend,
        trend_source: source,
        samples: h.samples.len(),
        last_seen: last_seen(i, &h, now),
        window,
        exit_at,
        days_left: exit_at.map(|e| (e - now) as f64 / DAY),
        out_of_window: !window.contains(offset_s),
        fix: fix_method(i.family),
        history: h.samples.iter().map(point).collect(),
    };
    (row, h, fit)
}

/// The last accepted code, host time: its step (the replay guard keeps it) less the
/// drift it was learned at, never after `now`; or the last resync or sample the
/// history saw.
fn last_seen(i: &DriftInput, h: &History, now: i64) -> Option<i64> {
    let step = i.last_step.and_then(|s| {
        i64::try_from(s)
            .ok()?
            .checked_sub(i.drift_steps)?
            .checked_mul(i64::from(i.period))?
            .checked_add(i.t0)
            .map(|t| t.min(now))
    });
    match (step, h.last_seen) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn point(s: &Sample) -> DriftPoint {
    DriftPoint {
        at: s.at,
        offset_s: s.offset_ms as f64 / 1000.0,
    }
}

/// Most urgent first: out of the window, then the nearest exit; no prediction last;
/// ties by serial and product. Sorts positions, then moves each row once.
fn by_urgency(rows: Vec<DriftRow>) -> Vec<DriftRow> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let key = |r: &DriftRow| (r.exit_at.is_none(), r.exit_at.unwrap_or(i64::MAX));
    order.sort_unstable_by(|&a, &b| {
        let (ra, rb) = (&rows[a], &rows[b]);
        key(ra)
            .cmp(&key(rb))
            .then_with(|| (&ra.serial, &ra.product).cmp(&(&rb.serial, &rb.product)))
    });
    let mut slots: Vec<Option<DriftRow>> = rows.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

impl Station {
    /// The drift report at `now`.
    pub fn drift_report(&self, q: &DriftQuery, now: i64) -> Result<DriftReport> {
        let c = self.read();
        let cap = Policy::load(&c)?.max_drift_steps;
        let inputs = c.drift_inputs(&q.filter)?;
        let tokens = inputs.len();
        let horizon = q
            .at_risk_days
            .map(|d| now.saturating_add((d * DAY).clamp(0.0, 1e15) as i64));
        let keep = |r: &DriftRow| horizon.is_none_or(|h| r.exit_at.is_some_and(|e| e <= h));
        let rows_of = |part: &[DriftInput]| -> Vec<DriftRow> {
            let mut scratch = Vec::new();
            part.iter()
                .map(|i| row(i, cap, now, &mut scratch).0)
                .filter(keep)
                .collect()
        };
        // Fits are independent: one share of the tokens per core.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let share = inputs.len().div_ceil(cores).max(4096);
        let parts: Vec<Vec<DriftRow>> = std::thread::scope(|s| {
            let parts: Vec<_> = inputs
                .chunks(share)
                .map(|part| s.spawn(move || rows_of(part)))
                .collect();
            parts
                .into_iter()
                .map(|h| h.join())
                .collect::<Result<_, _>>()
        })
        .map_err(|_| StationError::Internal("a drift report worker panicked".into()))?;
        let rows = by_urgency(parts.into_iter().flatten().collect());
        Ok(DriftReport {
            at: now,
            tokens,
            rows,
        })
    }

    /// One TOTP token's drift in detail at `now`.
    pub fn drift_show(&self, serial: &str, product: Option<&str>, now: i64) -> Result<DriftDetail> {
        let t = self.token(serial, product)?;
        let c = self.read();
        let cap = Policy::load(&c)?.max_drift_steps;
        let input = c
            .drift_inputs(&DriftFilter {
                serial: Some(t.serial.clone()),
                product: Some(t.product.clone()),
                ..DriftFilter::default()
            })?
            .into_iter()
            .next()
            .ok_or_else(|| StationError::NoDrift {
                serial: t.serial.clone(),
            })?;
        let (row, h, fit) = row(&input, cap, now, &mut Vec::new());
        Ok(DriftDetail {
            expected_drift_per_year: expected_drift_per_year(input.family, input.drift_per_year),
            row,
            samples: h.samples,
            fit,
        })
    }
}
