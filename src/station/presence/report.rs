//! Who is in now, and per-holder summaries over a period, in the location's time zone.
//!
//! A session is an accepted `in` followed by the holder's next accepted `out` at the
//! same location (kiosk, automatic and presence-token events alike, by time). Totals
//! count closed sessions inside the period; an `in` without its `out` is an open
//! session.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use super::Direction;
use super::vocab::EventStatus;
use crate::station::{Result, Station, StationError};
use crate::store::presence::Event;

/// The zone of a location (UTC if the stored name no longer parses).
pub fn zone(tz: &str) -> Tz {
    tz.parse().unwrap_or(Tz::UTC)
}

/// Unix seconds as local time in `tz`: `2026-11-22 09:30:00 CET`.
pub fn local(tz: &str, t: i64) -> String {
    let z = zone(tz);
    match chrono::DateTime::from_timestamp(t, 0) {
        Some(d) => d
            .with_timezone(&z)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
        None => t.to_string(),
    }
}

/// Unix seconds as RFC 3339 with the offset of `tz`.
pub fn local_rfc3339(tz: &str, t: i64) -> String {
    let z = zone(tz);
    match chrono::DateTime::from_timestamp(t, 0) {
        Some(d) => d
            .with_timezone(&z)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => t.to_string(),
    }
}

/// The first second of local day `d` in `tz` (the earliest instant if a DST jump
/// skips midnight).
pub fn day_start(tz: &str, d: NaiveDate) -> Option<i64> {
    let z = zone(tz);
    let midnight = d.and_time(NaiveTime::MIN);
    z.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            z.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.timestamp())
}

/// Parses `HH:MM` into minutes after midnight.
pub fn parse_hhmm(s: &str) -> Result<i64> {
    let t = NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| StationError::BadClosingTime(s.to_string()))?;
    Ok(i64::from(
        chrono::Timelike::hour(&t) * 60 + chrono::Timelike::minute(&t),
    ))
}

/// The latest closing time (local `minute` after midnight in `tz`) at or before `now`.
pub fn last_close(tz: &str, minute: i64, now: i64) -> Option<i64> {
    let z = zone(tz);
    let today = chrono::DateTime::from_timestamp(now, 0)?
        .with_timezone(&z)
        .date_naive();
    let at = |d: NaiveDate| -> Option<i64> {
        let h = u32::try_from(minute / 60).ok()?;
        let m = u32::try_from(minute % 60).ok()?;
        let local = d.and_time(NaiveTime::from_hms_opt(h, m, 0)?);
        z.from_local_datetime(&local)
            .earliest()
            .map(|t| t.timestamp())
    };
    match at(today) {
        Some(t) if t <= now => Some(t),
        _ => at(today.pred_opt()?),
    }
}

/// Someone in at a location now.
#[derive(Debug, Clone, Serialize)]
pub struct InNow {
    /// Location name.
    pub location: String,
    /// Holder's external id.
    pub holder: String,
    /// Holder's label.
    pub label: Option<String>,
    /// Check-in time, Unix seconds.
    pub since: i64,
    /// Check-in time in the location's zone (RFC 3339).
    pub since_local: String,
}

/// One holder's summary over a period.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HolderSummary {
    /// Holder's external id (`null` for refusals of unknown credentials).
    pub holder: Option<String>,
    /// Holder's label.
    pub label: Option<String>,
    /// First accepted check-in (local RFC 3339).
    pub first_in: Option<String>,
    /// Last accepted check-out (local RFC 3339).
    pub last_out: Option<String>,
    /// Seconds inside, closed sessions.
    pub total_seconds: i64,
    /// Closed sessions.
    pub sessions: u32,
    /// Check-ins without a check-out in the period.
    pub open_sessions: u32,
    /// Refused attempts.
    pub refused: u32,
    /// Events (accepted or refused) a kiosk decided without the server: their
    /// anti-passback rested on its snapshot (`super::offline`).
    pub offline: u32,
}

impl Station {
    /// Holders in at `location` (every location with `None`), by location and time.
    pub fn presence_now(&self, location: Option<&str>) -> Result<Vec<InNow>> {
        let c = self.read();
        let locations = c.location_list()?;
        let id = match location {
            Some(l) => Some(c.location_get(l)?.id),
            None => None,
        };
        let mut out = Vec::new();
        for e in c.events_open(id)? {
            let Some(l) = locations.iter().find(|l| l.id == e.location_id) else {
                continue;
            };
            out.push(InNow {
                location: l.name.clone(),
                holder: e.holder.clone().unwrap_or_default(),
                label: e.label.clone(),
                since: e.at,
                since_local: local_rfc3339(&l.tz, e.at),
            });
        }
        Ok(out)
    }

    /// Per-holder summaries of `location` for `from <= t < to` (Unix seconds), and the
    /// location's time zone name.
    pub fn presence_report(
        &self,
        location: &str,
        from: i64,
        to: i64,
    ) -> Result<(String, Vec<HolderSummary>)> {
        if from >= to {
            return Err(StationError::EmptyPeriod { from, to });
        }
        let c = self.read();
        let loc = c.location_get(location)?;
        let events = c.events_between(loc.id, from, to)?;
        Ok((loc.tz.clone(), summarise(&loc.tz, &events)))
    }
}

/// Summaries from events sorted by time.
pub fn summarise(tz: &str, events: &[Event]) -> Vec<HolderSummary> {
    let mut by: BTreeMap<Option<String>, (HolderSummary, Option<i64>)> = BTreeMap::new();
    for e in events {
        let key = e.holder.clone();
        let (s, open) = by.entry(key.clone()).or_insert_with(|| {
            (
                HolderSummary {
                    holder: key,
                    label: e.label.clone(),
                    ..HolderSummary::default()
                },
                None,
            )
        });
        if e.offline {
            s.offline += 1;
        }
        if EventStatus::from_stored(&e.status) != EventStatus::Ok {
            s.refused += 1;
            continue;
        }
        match e
            .direction
            .as_deref()
            .and_then(|d| d.parse::<Direction>().ok())
        {
            Some(Direction::In) => {
                if s.first_in.is_none() {
                    s.first_in = Some(local_rfc3339(tz, e.at));
                }
                if open.is_some() {
                    s.open_sessions += 1; // an in after an in: the first never closed
                }
                *open = Some(e.at);
            }
            Some(Direction::Out) => {
                s.last_out = Some(local_rfc3339(tz, e.at));
                if let Some(start) = open.take() {
                    s.total_seconds += (e.at - start).max(0);
                    s.sessions += 1;
                }
            }
            // A visit confirmed without a direction (a presence-token code) shows the
            // holder was there: it can be the first sign of them.
            None => {
                if s.first_in.is_none() {
                    s.first_in = Some(local_rfc3339(tz, e.at));
                }
            }
        }
    }
    by.into_values()
        .map(|(mut s, open)| {
            if open.is_some() {
                s.open_sessions += 1;
            }
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_time_in_the_zone() {
        // 2026-01-15 18:00 in Paris (CET, UTC+1) is 17:00Z = 1768496400.
        let close = 18 * 60;
        let at_1830 = 1_768_498_200; // 17:30Z = 18:30 CET
        assert_eq!(
            last_close("Europe/Paris", close, at_1830),
            Some(1_768_496_400)
        );
        // Before today's closing time: yesterday's.
        assert_eq!(
            last_close("Europe/Paris", close, 1_768_496_399),
            Some(1_768_496_400 - 86_400)
        );
        assert_eq!(parse_hhmm("18:00").unwrap(), close);
        assert!(parse_hhmm("25:00").is_err());
        assert_eq!(
            local("Europe/Paris", 1_768_496_400),
            "2026-01-15 18:00:00 CET"
        );
    }
}
