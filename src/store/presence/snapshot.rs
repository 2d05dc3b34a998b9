//! The reads an offline-capable kiosk copies while the server answers
//! (`station::presence::offline`): every card and tag credential with its holder, and
//! each holder's last accepted kiosk or automatic event at a location.

use super::{CRED_COLS, Credential, EVENT_COLS, Event, cred_row, event_row};
use crate::store::sql::params;
use crate::store::{Reader, StoreError};

impl Reader<'_> {
    /// Every card and tag credential (not tokens: a typed code needs the server).
    pub fn credentials_tapped(&self) -> Result<Vec<Credential>, StoreError> {
        self.conn
            .query_map(
                &format!("SELECT {CRED_COLS} WHERE c.kind IN ('card', 'tag') ORDER BY c.id"),
                params![],
                cred_row,
            )
            .map_err(|e| self.err(e))
    }

    /// Each holder's last accepted kiosk or automatic event at a location (in or out).
    pub fn events_last_per_holder(&self, location_id: i64) -> Result<Vec<Event>, StoreError> {
        self.conn
            .query_map(
                &format!(
                    "SELECT {EVENT_COLS} WHERE e.id IN (
                   SELECT max(id) FROM presence_events
                   WHERE status = 'ok' AND holder_id IS NOT NULL AND source IN ('kiosk', 'auto')
                     AND location_id = ?1
                   GROUP BY holder_id)
                 ORDER BY e.id"
                ),
                [location_id],
                event_row,
            )
            .map_err(|e| self.err(e))
    }
}
