//! The attempt log: one row per verification (time, token, location, status, step
//! offset), never the code.

use super::sql::params;
use super::{Reader, StoreError, Writer, from_u64, to_u64};
pub use crate::model::filters::{Attempt, AttemptFilter};

impl Reader<'_> {
    /// Reads attempts, newest first.
    pub fn attempt_list(&self, f: &AttemptFilter) -> Result<Vec<Attempt>, StoreError> {
        let limit = f.limit.map(i64::from).unwrap_or(i64::MAX);
        self.conn
            .query_map(
                "SELECT a.at, a.token_id, a.serial, a.location_id, l.name, a.status, a.method,
                        a.step, a.step_offset, a.source, a.station
                 FROM attempts a LEFT JOIN locations l ON l.id = a.location_id
                 WHERE (?1 IS NULL OR a.serial = ?1) AND (?2 IS NULL OR l.name = ?2)
                   AND (?3 IS NULL OR a.at >= ?3) AND (?4 IS NULL OR a.at < ?4)
                   AND (?6 IS NULL OR a.token_id = ?6)
                 ORDER BY a.id DESC LIMIT ?5",
                params![f.serial, f.location, f.from, f.to, limit, f.token_id],
                |r| {
                    Ok(Attempt {
                        at: r.get(0)?,
                        token_id: r.get(1)?,
                        serial: r.get(2)?,
                        location_id: r.get(3)?,
                        location: r.get(4)?,
                        status: r.get(5)?,
                        method: r.get(6)?,
                        step: r.get::<Option<i64>>(7)?.map(to_u64),
                        step_offset: r.get(8)?,
                        source: r.get(9)?,
                        station: r.get(10)?,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }
}

impl Writer<'_> {
    /// Records an attempt.
    pub fn attempt_add(&self, a: &Attempt) -> Result<(), StoreError> {
        self.journaled();
        let step = a.step.map(|v| from_u64(v, "step")).transpose()?;
        self.conn
            .execute(
                "INSERT INTO attempts (at, token_id, serial, location_id, status, method, step, step_offset,
                                       source, station)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    a.at,
                    a.token_id,
                    a.serial,
                    a.location_id,
                    a.status,
                    a.method,
                    step,
                    a.step_offset,
                    a.source,
                    self.station
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
