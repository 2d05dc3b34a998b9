//! The drift trend and the exit-date prediction (issue 14): a Theil–Sen fit (the median
//! of the pairwise slopes, Sen 1968), robust against the ±P/2 noise of verification
//! samples and against odd points, not a two-point slope. Slopes are taken only between
//! samples of one clock segment (a clock set moves the offset, not the crystal's rate),
//! so the rate is learned across fixes; the current offset is the median intercept of
//! the last segment, evaluated now. Pure: `now` comes in as an argument.

use serde::Serialize;

use super::history::Sample;

const DAY: f64 = 86_400.0;
/// Pairs closer than this carry more noise than slope: left out.
const MIN_PAIR_GAP_S: i64 = 43_200;
/// At least this many samples, spanning at least [`MIN_SPAN_DAYS`], make a fit.
pub const MIN_SAMPLES: usize = 3;
/// Shortest history a fit is made from, in days.
pub const MIN_SPAN_DAYS: f64 = 2.0;

/// A fitted trend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fit {
    /// Seconds per day the token clock gains (positive) or loses on the host's.
    pub slope_s_per_day: f64,
    /// Offset now (token minus host), seconds, on the fitted line of the last segment.
    pub offset_now_s: f64,
    /// Samples used.
    pub samples: usize,
    /// Days between the first and the last sample.
    pub span_days: f64,
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mid = v.len() / 2;
    let (_, hi, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let hi = *hi;
    if v.len() % 2 == 1 {
        return Some(hi);
    }
    let lo = v[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lo + hi) / 2.0)
}

/// The Theil–Sen fit of `samples` (oldest first) at `now`, or `None` with too little
/// history (fewer than [`MIN_SAMPLES`], shorter than [`MIN_SPAN_DAYS`], or no pair of
/// one segment half a day apart).
pub fn theil_sen(samples: &[Sample], now: i64) -> Option<Fit> {
    theil_sen_in(samples, now, &mut Vec::new())
}

/// [`theil_sen`] with a caller's scratch buffer (a report fits many tokens).
pub fn theil_sen_in(samples: &[Sample], now: i64, slopes: &mut Vec<f64>) -> Option<Fit> {
    let (first, last) = (samples.first()?, samples.last()?);
    let span_days = (last.at - first.at) as f64 / DAY;
    if samples.len() < MIN_SAMPLES || span_days < MIN_SPAN_DAYS {
        return None;
    }
    slopes.clear();
    for (i, a) in samples.iter().enumerate() {
        for b in &samples[i + 1..] {
            let gap = b.at - a.at;
            if b.segment == a.segment && gap >= MIN_PAIR_GAP_S {
                slopes.push((b.offset_ms - a.offset_ms) as f64 / 1000.0 / gap as f64);
            }
        }
    }
    let slope = median(slopes)?;
    let segment = last.segment;
    slopes.clear();
    slopes.extend(
        samples
            .iter()
            .filter(|s| s.segment == segment)
            .map(|s| s.offset_ms as f64 / 1000.0 + slope * (now - s.at) as f64),
    );
    let offset_now_s = median(slopes)?;
    Some(Fit {
        slope_s_per_day: slope * DAY,
        offset_now_s,
        samples: samples.len(),
        span_days,
    })
}

/// The offsets (seconds, token minus host) at which codes stop verifying without an
/// operator: the learned drift may reach `base ± cap` steps and the window adds
/// `± skew` steps around it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Window {
    /// Lowest offset still verified, seconds.
    pub low_s: f64,
    /// Highest offset still verified, seconds.
    pub high_s: f64,
}

impl Window {
    /// The window of a token with baseline `base` steps, learning cap `cap`, product
    /// window `skew` and period `period` seconds.
    pub fn new(base: i64, cap: u64, skew: u32, period: u32) -> Window {
        let reach = cap as f64 + f64::from(skew);
        let p = f64::from(period);
        Window {
            low_s: (base as f64 - reach) * p,
            high_s: (base as f64 + reach) * p,
        }
    }

    /// Whether `offset_s` is inside.
    pub fn contains(&self, offset_s: f64) -> bool {
        (self.low_s..=self.high_s).contains(&offset_s)
    }
}

/// When a clock at `offset_s` now, moving `slope_s_per_day`, crosses out of `w` (Unix
/// seconds; in the past when it already has); `None` when it does not move.
pub fn exit_time(w: &Window, offset_s: f64, slope_s_per_day: f64, now: i64) -> Option<i64> {
    let per_s = slope_s_per_day / DAY;
    if !per_s.is_finite() || per_s.abs() < 1e-12 {
        return (!w.contains(offset_s)).then_some(now);
    }
    let edge = if per_s > 0.0 { w.high_s } else { w.low_s };
    let t = now as f64 + (edge - offset_s) / per_s;
    Some(t.clamp(i64::MIN as f64, i64::MAX as f64) as i64)
}

/// When a clock at `offset_s` drifting `rate_s_per_year` in an unknown direction (a
/// product's expected drift) would leave `w` first: the nearer edge.
pub fn exit_time_either_way(
    w: &Window,
    offset_s: f64,
    rate_s_per_year: f64,
    now: i64,
) -> Option<i64> {
    let per_day = rate_s_per_year.abs() / 365.25;
    let up = exit_time(w, offset_s, per_day, now);
    let down = exit_time(w, offset_s, -per_day, now);
    match (up, down) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::super::history::{History, SampleKind};
    use super::*;

    const T: i64 = 1_700_006_400;
    const D: i64 = 86_400;

    #[test]
    fn theil_sen_finds_the_rate_through_noise_outliers_and_a_fix() {
        // 4.32 s/day (50 ppm), ±15 s of step noise, one wild point, a fix on day 40
        let mut h = History::default();
        let noise = [
            -14_000, 9_000, 3_000, -7_000, 12_000, -2_000, 14_500, -11_000,
        ];
        for day in 0..60i64 {
            let at = T + day * D + 3_600;
            let base = if day < 40 { 20_000 } else { 0 };
            let since = if day < 40 { day } else { day - 40 };
            if day == 40 {
                h.push(SampleKind::ClockSet, T + 40 * D, 0);
                continue;
            }
            let wild = if day == 13 { 400_000 } else { 0 };
            let off = base + since * 4_320 + noise[day as usize % noise.len()] + wild;
            h.push(SampleKind::Verify, at, off);
        }
        let now = T + 60 * D;
        let f = theil_sen(&h.samples, now).unwrap();
        assert!((f.slope_s_per_day - 4.32).abs() < 0.25, "{f:?}");
        // 20 days after the fix: about 86 s ahead
        assert!((f.offset_now_s - 86.4).abs() < 8.0, "{f:?}");
    }

    #[test]
    fn too_little_history_is_no_fit() {
        let mut h = History::default();
        h.push(SampleKind::Verify, T, 0);
        h.push(SampleKind::Verify, T + D, 100);
        assert_eq!(theil_sen(&h.samples, T + D), None);
        h.push(SampleKind::Verify, T + D + D / 2, 100);
        assert!(theil_sen(&h.samples, T + 2 * D).is_none(), "1.5 days");
        h.push(SampleKind::Verify, T + 3 * D, 100);
        assert!(theil_sen(&h.samples, T + 3 * D).is_some());
    }

    #[test]
    fn exit_dates() {
        // base 0, cap 20, skew 1, 30 s: ±630 s
        let w = Window::new(0, 20, 1, 30);
        assert_eq!((w.low_s, w.high_s), (-630.0, 630.0));
        // 30 s ahead gaining 6 s/day: 100 days to +630
        assert_eq!(exit_time(&w, 30.0, 6.0, T), Some(T + 100 * D));
        // losing 6 s/day: 110 days to −630
        assert_eq!(exit_time(&w, 30.0, -6.0, T), Some(T + 110 * D));
        // already out: in the past
        assert!(exit_time(&w, 700.0, 6.0, T).unwrap() < T);
        assert_eq!(exit_time(&w, 700.0, 0.0, T), Some(T));
        assert_eq!(exit_time(&w, 0.0, 0.0, T), None);
        // a product's 120 s/year, direction unknown: the nearer edge
        let e = exit_time_either_way(&w, 30.0, 120.0, T).unwrap();
        assert_eq!((e - T) / D, (600.0 / (120.0 / 365.25)) as i64);
        // a resync to +22 moves the window
        assert_eq!(Window::new(22, 20, 1, 30).high_s, 43.0 * 30.0);
    }
}
