//! A token's offset history, kept compact in its row (issue 14): one sample per UTC day
//! of verifications (the day's first accepted code, `record_match`; samples
//! pushed on one day merge into their mean), plus resyncs, clock reads and clock sets
//! as they happen. When full, the two closest verification samples of one clock segment are
//! merged, so old history thins out instead of falling off. Pure: times come in as
//! arguments.
//!
//! Offsets are the token clock minus the host clock. A verification matched at step
//! `m` at host time `t` says the token clock was in `[m·P + T0, (m+1)·P + T0)`: its
//! sample is the middle of that interval minus `t` (within ±P/2 of the truth; the mean
//! of a day's verifications and the robust fit over many days narrow it). A clock read
//! is exact to the second. A clock set starts a new *segment*: the offset jumps to 0,
//! the crystal's rate stays.
//!
//! Byte layout (little endian): `01` version, `u32` last seen (Unix s, 0 = never),
//! then per sample 12 bytes: `u32` at (Unix s), `i32` offset (ms), `u16` weight
//! (observations merged), `u8` kind, `u8` segment.

use serde::Serialize;

/// Most samples kept per token.
pub const CAPACITY: usize = 24;
const VERSION: u8 = 1;
const HEADER: usize = 5;
const RECORD: usize = 12;
const DAY: i64 = 86_400;

/// What a sample comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SampleKind {
    /// Accepted verifications (one day's mean).
    Verify,
    /// A resynchronisation with two codes.
    Resync,
    /// The token's clock read and compared with the host's (before a fix).
    ClockRead,
    /// The token's clock set to host time (a burn or a fix): offset 0, new segment.
    ClockSet,
}

impl SampleKind {
    fn code(self) -> u8 {
        match self {
            SampleKind::Verify => 0,
            SampleKind::Resync => 1,
            SampleKind::ClockRead => 2,
            SampleKind::ClockSet => 3,
        }
    }

    fn from_code(c: u8) -> Option<SampleKind> {
        Some(match c {
            0 => SampleKind::Verify,
            1 => SampleKind::Resync,
            2 => SampleKind::ClockRead,
            3 => SampleKind::ClockSet,
            _ => return None,
        })
    }
}

/// One point of the history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sample {
    /// Host time, Unix seconds (the mean of merged observations).
    pub at: i64,
    /// Token clock minus host clock, milliseconds.
    pub offset_ms: i64,
    /// Observations merged into it.
    pub weight: u16,
    /// What it comes from.
    pub kind: SampleKind,
    /// Clock segment: increments (wrapping) at each clock set.
    pub segment: u8,
}

/// The offset sample of a TOTP match at `step` (period `period` s, origin `t0`) seen at
/// host time `at`: the middle of the step's interval minus the host time.
pub fn match_offset_ms(step: u64, period: u32, t0: i64, at: i64) -> i64 {
    let p = i128::from(period) * 1000;
    let mid = i128::from(step) * p + i128::from(t0) * 1000 + p / 2;
    (mid - i128::from(at) * 1000).clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i64
}

/// A token's history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Oldest first.
    pub samples: Vec<Sample>,
    /// Last accepted code or resync, Unix seconds.
    pub last_seen: Option<i64>,
}

fn clamp_u32(v: i64) -> u32 {
    v.clamp(0, i64::from(u32::MAX)) as u32
}

impl History {
    /// Decodes the stored bytes; anything unreadable is an empty history (the report
    /// then falls back to the product's expected drift).
    pub fn decode(bytes: Option<&[u8]>) -> History {
        let Some(b) = bytes else {
            return History::default();
        };
        if b.len() < HEADER || b[0] != VERSION || !(b.len() - HEADER).is_multiple_of(RECORD) {
            return History::default();
        }
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let seen = u32_at(1);
        let samples = b[HEADER..]
            .chunks_exact(RECORD)
            .filter_map(|r| {
                Some(Sample {
                    at: i64::from(u32::from_le_bytes([r[0], r[1], r[2], r[3]])),
                    offset_ms: i64::from(i32::from_le_bytes([r[4], r[5], r[6], r[7]])),
                    weight: u16::from_le_bytes([r[8], r[9]]),
                    kind: SampleKind::from_code(r[10])?,
                    segment: r[11],
                })
            })
            .collect();
        History {
            samples,
            last_seen: (seen != 0).then_some(i64::from(seen)),
        }
    }

    /// The stored bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + RECORD * self.samples.len());
        out.push(VERSION);
        out.extend_from_slice(&clamp_u32(self.last_seen.unwrap_or(0)).to_le_bytes());
        for s in &self.samples {
            out.extend_from_slice(&clamp_u32(s.at).to_le_bytes());
            let ms = s.offset_ms.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
            out.extend_from_slice(&ms.to_le_bytes());
            out.extend_from_slice(&s.weight.to_le_bytes());
            out.push(s.kind.code());
            out.push(s.segment);
        }
        out
    }

    /// The current clock segment.
    pub fn segment(&self) -> u8 {
        self.samples.last().map_or(0, |s| s.segment)
    }

    /// Adds an observation of `kind` at host time `at` with offset `offset_ms`: a clock
    /// set opens a new segment; a verification on the same UTC day as the last
    /// verification sample of the segment is merged into it.
    pub fn push(&mut self, kind: SampleKind, at: i64, offset_ms: i64) {
        if matches!(kind, SampleKind::Verify | SampleKind::Resync) {
            self.last_seen = Some(self.last_seen.map_or(at, |s| s.max(at)));
        }
        let segment = match (kind, self.samples.last()) {
            (SampleKind::ClockSet, Some(_)) => self.segment().wrapping_add(1),
            _ => self.segment(),
        };
        let new = Sample {
            at,
            offset_ms,
            weight: 1,
            kind,
            segment,
        };
        if let Some(last) = self.samples.last_mut()
            && kind == SampleKind::Verify
            && last.kind == SampleKind::Verify
            && last.segment == segment
            && last.at.div_euclid(DAY) == at.div_euclid(DAY)
        {
            *last = merged(last, &new);
            return;
        }
        self.samples.push(new);
        if self.samples.len() > CAPACITY {
            self.thin();
        }
    }

    /// Merges the neighbouring verification samples of one segment that are closest
    /// relative to their age (gap ÷ time since), so resolution falls off with age;
    /// drops the oldest sample when no pair can merge.
    fn thin(&mut self) {
        let newest = self.samples.last().map_or(0, |s| s.at);
        let closest = self
            .samples
            .windows(2)
            .enumerate()
            .filter(|(_, w)| {
                w[0].kind == SampleKind::Verify
                    && w[1].kind == SampleKind::Verify
                    && w[0].segment == w[1].segment
            })
            .map(|(i, w)| {
                let gap = w[1].at.saturating_sub(w[0].at) as f64;
                let age = newest.saturating_sub(w[1].at).saturating_add(DAY) as f64;
                (i, gap / age)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        match closest {
            Some(i) => {
                let m = merged(&self.samples[i], &self.samples[i + 1]);
                self.samples[i] = m;
                self.samples.remove(i + 1);
            }
            None => {
                self.samples.remove(0);
            }
        }
    }
}

/// The weighted mean of two samples (time and offset).
fn merged(a: &Sample, b: &Sample) -> Sample {
    let (wa, wb) = (i128::from(a.weight.max(1)), i128::from(b.weight.max(1)));
    let mean = |x: i64, y: i64| ((i128::from(x) * wa + i128::from(y) * wb) / (wa + wb)) as i64;
    Sample {
        at: mean(a.at, b.at),
        offset_ms: mean(a.offset_ms, b.offset_ms),
        weight: a.weight.saturating_add(b.weight),
        kind: a.kind,
        segment: a.segment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_700_006_400; // a UTC midnight + 0

    #[test]
    fn match_offsets_are_the_middle_of_the_step() {
        // step 10 of 30 s covers [300, 330): seen at 300 the token is 15 s ahead
        assert_eq!(match_offset_ms(10, 30, 0, 300), 15_000);
        assert_eq!(match_offset_ms(10, 30, 0, 400), -85_000);
        assert_eq!(match_offset_ms(10, 30, 100, 400), 15_000);
    }

    #[test]
    fn a_day_of_verifications_is_one_sample_and_bytes_round_trip() {
        let mut h = History::default();
        h.push(SampleKind::Verify, T + 10, 1_000);
        h.push(SampleKind::Verify, T + 20, 3_000);
        h.push(SampleKind::Verify, T + DAY, 5_000);
        assert_eq!(h.samples.len(), 2);
        assert_eq!((h.samples[0].at, h.samples[0].offset_ms), (T + 15, 2_000));
        assert_eq!(h.samples[0].weight, 2);
        assert_eq!(h.last_seen, Some(T + DAY));
        h.push(SampleKind::ClockRead, T + 2 * DAY, 9_000);
        h.push(SampleKind::ClockSet, T + 2 * DAY, 0);
        h.push(SampleKind::Verify, T + 2 * DAY + 5, 0);
        assert_eq!(
            h.samples.iter().map(|s| s.segment).collect::<Vec<_>>(),
            [0, 0, 0, 1, 1]
        );
        // the clock read does not count as "seen"
        assert_eq!(h.last_seen, Some(T + 2 * DAY + 5));
        let bytes = h.encode();
        assert_eq!(bytes.len(), HEADER + 5 * RECORD);
        assert_eq!(History::decode(Some(&bytes)), h);
        // anything unreadable is an empty history, never an error
        assert_eq!(History::decode(Some(&bytes[..7])), History::default());
        assert_eq!(History::decode(Some(&[9, 0, 0, 0, 0])), History::default());
        assert_eq!(History::decode(None), History::default());
    }

    #[test]
    fn a_full_history_thins_the_oldest_verifications_most() {
        let mut h = History::default();
        h.push(SampleKind::ClockSet, T, 0);
        for day in 1..=400 {
            h.push(SampleKind::Verify, T + day * DAY, day * 100);
        }
        assert_eq!(h.samples.len(), CAPACITY);
        // the clock set survives, the history still spans the whole time
        assert_eq!(h.samples[0].kind, SampleKind::ClockSet);
        assert_eq!(h.samples[CAPACITY - 1].at, T + 400 * DAY);
        let days: Vec<i64> = h.samples.iter().map(|s| (s.at - T) / DAY).collect();
        assert!(h.samples[1].at < T + 60 * DAY, "{days:?}");
        // recent days keep their resolution
        assert_eq!(days[CAPACITY - 2], 399, "{days:?}");
        let total: u32 = h.samples.iter().map(|s| u32::from(s.weight)).sum();
        assert_eq!(total, 401);
        // merged samples keep the line: offset/100 = days since T
        for s in &h.samples[1..] {
            let day = (s.at - T) as f64 / DAY as f64;
            assert!((s.offset_ms as f64 / 100.0 - day).abs() < 1.0, "{s:?}");
        }
    }
}
