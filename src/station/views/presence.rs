//! Presence read models: a location's kiosk settings and readers, who is in now, and
//! per-holder reports over a period given in the location's days.

use chrono::{Datelike as _, NaiveDate};
use serde::Serialize;

use crate::station::presence::Mode;
use crate::station::presence::report::{HolderSummary, day_start, local, zone};
use crate::station::{Result, Station, StationError};
use crate::store::presence::PresenceSettings;

pub use crate::station::presence::report::InNow;
pub use crate::store::presence::Credential;

/// A location's kiosk settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KioskSettings {
    /// What the kiosk requires.
    pub mode: Mode,
    /// Seconds between two accepted events of one holder (soft anti-passback).
    pub min_interval: i64,
    /// Seconds in which a repeated tap is folded into the last event.
    pub fold: i64,
    /// Closing time, minutes after midnight in the location's zone.
    pub close_minute: Option<i64>,
}

impl TryFrom<&PresenceSettings> for KioskSettings {
    type Error = StationError;
    fn try_from(s: &PresenceSettings) -> Result<Self> {
        Ok(KioskSettings {
            mode: s.mode.parse()?,
            min_interval: s.min_interval,
            fold: s.fold,
            close_minute: s.close_minute,
        })
    }
}

/// A location's kiosk set-up.
#[derive(Debug, Clone, Serialize)]
pub struct LocationPresence {
    /// The location.
    pub location: String,
    /// Its configured readers.
    pub readers: Vec<String>,
    /// Its kiosk settings.
    pub settings: KioskSettings,
}

/// One end of a report period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodEdge {
    /// A day in the location's zone: its first second (start), or the end of it (end).
    Day(NaiveDate),
    /// A time, Unix seconds (an end is exclusive).
    At(i64),
}

impl std::str::FromStr for PeriodEdge {
    type Err = StationError;
    /// A local day (`YYYY-MM-DD`) or a time (Unix seconds or RFC 3339).
    fn from_str(text: &str) -> Result<PeriodEdge> {
        if let Ok(d) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
            return Ok(PeriodEdge::Day(d));
        }
        Ok(PeriodEdge::At(crate::station::time::parse_time(text)?))
    }
}

/// Per-holder summaries of a location over a period.
#[derive(Debug, Clone, Serialize)]
pub struct PresenceReport {
    /// The location.
    pub location: String,
    /// Its time zone.
    pub tz: String,
    /// Start of the period, local time.
    pub from: String,
    /// End of the period (exclusive), local time.
    pub to: String,
    /// One summary per holder.
    pub holders: Vec<HolderSummary>,
}

/// The Unix seconds of a period edge in zone `tz`.
fn edge(tz: &str, e: PeriodEdge, end: bool) -> Result<i64> {
    match e {
        PeriodEdge::At(t) => Ok(t),
        PeriodEdge::Day(d) => {
            let day = if end { d.succ_opt() } else { Some(d) };
            day.and_then(|d| day_start(tz, d))
                .ok_or(StationError::DateOutOfRange(d))
        }
    }
}

impl Station {
    /// A location's readers and kiosk settings.
    pub fn location_presence(&self, location: &str) -> Result<LocationPresence> {
        let c = self.read();
        let l = c.location_get(location)?;
        Ok(LocationPresence {
            readers: c.location_readers(l.id)?,
            settings: KioskSettings::try_from(&c.presence_settings(l.id)?)?,
            location: l.name,
        })
    }

    /// The report of `location` over a period whose edges default to this month: from
    /// the first day of the month of `now` in the location's zone, to that day's end.
    pub fn presence_report_period(
        &self,
        location: &str,
        from: Option<PeriodEdge>,
        to: Option<PeriodEdge>,
        now: i64,
    ) -> Result<PresenceReport> {
        let tz = self.read().location_get(location)?.tz;
        let today = chrono::DateTime::from_timestamp(now, 0)
            .map(|d| d.with_timezone(&zone(&tz)).date_naive())
            .ok_or(StationError::Internal(format!("time {now} out of range")))?;
        let first = today.with_day(1).unwrap_or(today);
        self.presence_report_over(
            location,
            from.unwrap_or(PeriodEdge::Day(first)),
            to.unwrap_or(PeriodEdge::Day(today)),
        )
    }

    /// The report of `location` from `from` to `to` (a day as the end includes it).
    pub fn presence_report_over(
        &self,
        location: &str,
        from: PeriodEdge,
        to: PeriodEdge,
    ) -> Result<PresenceReport> {
        let tz = self.read().location_get(location)?.tz;
        let (f, t) = (edge(&tz, from, false)?, edge(&tz, to, true)?);
        let (tz, holders) = self.presence_report(location, f, t)?;
        Ok(PresenceReport {
            location: location.to_string(),
            from: local(&tz, f),
            to: local(&tz, t),
            tz,
            holders,
        })
    }
}
