//! Presence: credentials, kiosk settings and readers per location, presence tokens and
//! the presence event log (schema version 3).

use super::sql::{DbResult, OptionalExtension, Row, params};

use super::{Reader, StoreError, Thing};

mod snapshot;
mod write;

/// A credential that identifies a holder at a kiosk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Credential {
    /// Row id.
    #[serde(skip)]
    pub id: i64,
    /// `card`, `tag` or `token`.
    pub kind: String,
    /// Canonical value: card UID hex, tag id as 10 decimal digits, token serial.
    pub value: String,
    /// Holder row id.
    #[serde(skip)]
    pub holder_id: i64,
    /// Holder's external id.
    pub holder: String,
    /// Holder's label.
    pub label: Option<String>,
    /// Token row id (kind `token`).
    #[serde(skip)]
    pub token_id: Option<i64>,
    /// Unix seconds of enrolment.
    pub created_at: i64,
}

/// A location's kiosk settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PresenceSettings {
    /// `card`, `code` or `card+code`.
    pub mode: String,
    /// Seconds between two accepted events of one holder (soft anti-passback).
    pub min_interval: i64,
    /// Seconds in which a repeated tap is folded into the last event.
    pub fold: i64,
    /// Closing time, minutes after midnight in the location's zone.
    pub close_minute: Option<i64>,
}

impl Default for PresenceSettings {
    fn default() -> Self {
        PresenceSettings {
            mode: "card".into(),
            min_interval: 60,
            fold: 10,
            close_minute: None,
        }
    }
}

/// A presence event to insert.
#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    /// Location row id.
    pub location_id: i64,
    /// Holder row id, when known.
    pub holder_id: Option<i64>,
    /// Unix seconds.
    pub at: i64,
    /// `in` / `out` (accepted events).
    pub direction: Option<&'a str>,
    /// `ok` or `refused`.
    pub status: &'a str,
    /// Why it was refused.
    pub reason: Option<&'a str>,
    /// `kiosk`, `auto` or `token`.
    pub source: &'a str,
    /// What was presented (`card 04A1…`, `tag 0011649747`, `token T1`).
    pub credential: Option<&'a str>,
    /// Reader spec or name.
    pub reader: Option<&'a str>,
    /// Idempotency key.
    pub idem: Option<&'a str>,
    /// Presence token row id.
    pub presence_token_id: Option<i64>,
    /// Matched step of the presence token.
    pub step: Option<u64>,
    /// Start of the proven interval (Unix seconds).
    pub bound_from: Option<i64>,
    /// End of the proven interval (Unix seconds, exclusive).
    pub bound_to: Option<i64>,
    /// Nearest time the refused code matches (Unix seconds).
    pub nearest: Option<i64>,
    /// Decided by a kiosk without the server (sent from its outbox).
    pub offline: bool,
}

/// A stored presence event with its holder's names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    /// Row id.
    pub id: i64,
    /// Location row id.
    #[serde(skip)]
    pub location_id: i64,
    /// Holder row id.
    #[serde(skip)]
    pub holder_id: Option<i64>,
    /// Holder's external id.
    pub holder: Option<String>,
    /// Holder's label.
    pub label: Option<String>,
    /// Unix seconds.
    pub at: i64,
    /// `in` / `out`.
    pub direction: Option<String>,
    /// `ok` / `refused`.
    pub status: String,
    /// Why it was refused.
    pub reason: Option<String>,
    /// `kiosk`, `auto` or `token`.
    pub source: String,
    /// What was presented.
    pub credential: Option<String>,
    /// Reader.
    pub reader: Option<String>,
    /// Presence token row id.
    #[serde(skip)]
    pub presence_token_id: Option<i64>,
    /// Matched step.
    pub step: Option<u64>,
    /// Start of the proven interval.
    pub bound_from: Option<i64>,
    /// End of the proven interval.
    pub bound_to: Option<i64>,
    /// Nearest matching time of a refused code.
    pub nearest: Option<i64>,
    /// The station that recorded it; `None` for events from before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    /// Decided by a kiosk without the server (its outbox sent it later): its
    /// anti-passback rested on the kiosk's snapshot (`station::presence::offline`).
    pub offline: bool,
}

const EVENT_COLS: &str = "e.id, e.location_id, e.holder_id, h.ext_id, h.label, e.at, e.direction,
     e.status, e.reason, e.source, e.credential, e.reader, e.presence_token_id, e.step,
     e.bound_from, e.bound_to, e.nearest, e.station, e.offline
     FROM presence_events e LEFT JOIN holders h ON h.id = e.holder_id";

fn event_row(r: &Row<'_>) -> DbResult<Event> {
    Ok(Event {
        id: r.get(0)?,
        location_id: r.get(1)?,
        holder_id: r.get(2)?,
        holder: r.get(3)?,
        label: r.get(4)?,
        at: r.get(5)?,
        direction: r.get(6)?,
        status: r.get(7)?,
        reason: r.get(8)?,
        source: r.get(9)?,
        credential: r.get(10)?,
        reader: r.get(11)?,
        presence_token_id: r.get(12)?,
        step: r.get::<Option<i64>>(13)?.map(super::to_u64),
        bound_from: r.get(14)?,
        bound_to: r.get(15)?,
        nearest: r.get(16)?,
        station: r.get(17)?,
        offline: r.get(18)?,
    })
}

const CRED_COLS: &str = "c.id, c.kind, c.value, c.holder_id, h.ext_id, h.label, c.token_id,
     c.created_at FROM credentials c JOIN holders h ON h.id = c.holder_id";

fn cred_row(r: &Row<'_>) -> DbResult<Credential> {
    Ok(Credential {
        id: r.get(0)?,
        kind: r.get(1)?,
        value: r.get(2)?,
        holder_id: r.get(3)?,
        holder: r.get(4)?,
        label: r.get(5)?,
        token_id: r.get(6)?,
        created_at: r.get(7)?,
    })
}

impl Reader<'_> {
    /// The credential of this kind and value, with its holder.
    pub fn credential_find(
        &self,
        kind: &str,
        value: &str,
    ) -> Result<Option<Credential>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {CRED_COLS} WHERE c.kind = ?1 AND c.value = ?2"),
                [kind, value],
                cred_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// A holder's credentials, by kind and value.
    pub fn credentials_of_holder(&self, holder_id: i64) -> Result<Vec<Credential>, StoreError> {
        self.conn
            .query_map(
                &format!("SELECT {CRED_COLS} WHERE c.holder_id = ?1 ORDER BY c.kind, c.value"),
                [holder_id],
                cred_row,
            )
            .map_err(|e| self.err(e))
    }

    /// A location's kiosk settings (defaults when never set).
    pub fn presence_settings(&self, location_id: i64) -> Result<PresenceSettings, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT mode, min_interval, fold, close_minute FROM location_presence
                 WHERE location_id = ?1",
                [location_id],
                |r| {
                    Ok(PresenceSettings {
                        mode: r.get(0)?,
                        min_interval: r.get(1)?,
                        fold: r.get(2)?,
                        close_minute: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?
            .unwrap_or_default())
    }

    /// A location's configured reader specs.
    pub fn location_readers(&self, location_id: i64) -> Result<Vec<String>, StoreError> {
        self.conn
            .query_map(
                "SELECT spec FROM location_readers WHERE location_id = ?1 ORDER BY spec",
                [location_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Token row ids of a location's presence tokens.
    pub fn presence_tokens_at(&self, location_id: i64) -> Result<Vec<i64>, StoreError> {
        self.conn
            .query_map(
                "SELECT token_id FROM presence_tokens WHERE location_id = ?1 ORDER BY token_id",
                [location_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// The event with this row id.
    pub fn event_by_id(&self, id: i64) -> Result<Event, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {EVENT_COLS} WHERE e.id = ?1"),
                [id],
                event_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::NotFound(Thing::PresenceEvent(id.to_string())))
    }

    /// The event recorded under an idempotency key.
    pub fn event_by_idem(&self, idem: &str) -> Result<Option<Event>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {EVENT_COLS} WHERE e.idem = ?1"),
                [idem],
                event_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// A holder's last accepted kiosk (or automatic) event at a location.
    pub fn event_last_kiosk(
        &self,
        holder_id: i64,
        location_id: i64,
    ) -> Result<Option<Event>, StoreError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {EVENT_COLS} WHERE e.holder_id = ?1 AND e.location_id = ?2
                     AND e.status = 'ok' AND e.source IN ('kiosk', 'auto')
                     ORDER BY e.id DESC LIMIT 1"
                ),
                [holder_id, location_id],
                event_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Whether a holder (or the anonymous submitter) already proved presence with this
    /// step of this presence token.
    pub fn presence_code_used(
        &self,
        token_id: i64,
        step: u64,
        holder_id: Option<i64>,
    ) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM presence_events WHERE presence_token_id = ?1 AND step = ?2
                 AND ifnull(holder_id, 0) = ifnull(?3, 0) AND status = 'ok'",
                params![token_id, super::from_u64(step, "step")?, holder_id],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err(e))
    }

    /// The holder's last accepted presence-token check-in at a location before `at`.
    pub fn event_last_token_in(
        &self,
        holder_id: Option<i64>,
        location_id: i64,
        at: i64,
    ) -> Result<Option<Event>, StoreError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {EVENT_COLS} WHERE ifnull(e.holder_id, 0) = ifnull(?1, 0)
                     AND e.location_id = ?2 AND e.status = 'ok' AND e.source = 'token'
                     AND e.direction = 'in' AND e.at <= ?3
                     ORDER BY e.at DESC, e.id DESC LIMIT 1"
                ),
                params![holder_id, location_id, at],
                event_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Holders whose last accepted kiosk or automatic event at a location is a
    /// check-in (every location with `None`): the events that opened their sessions.
    pub fn events_open(&self, location_id: Option<i64>) -> Result<Vec<Event>, StoreError> {
        self.conn
            .query_map(
                &format!(
                    "SELECT {EVENT_COLS} WHERE e.id IN (
                   SELECT max(id) FROM presence_events
                   WHERE status = 'ok' AND holder_id IS NOT NULL AND source IN ('kiosk', 'auto')
                     AND (?1 IS NULL OR location_id = ?1)
                   GROUP BY location_id, holder_id)
                 AND e.direction = 'in' ORDER BY e.location_id, e.at, e.id"
                ),
                [location_id],
                event_row,
            )
            .map_err(|e| self.err(e))
    }

    /// A location's events with `from <= at < to`, by time.
    pub fn events_between(
        &self,
        location_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<Event>, StoreError> {
        self.conn
            .query_map(
                &format!(
                    "SELECT {EVENT_COLS} WHERE e.location_id = ?1 AND e.at >= ?2 AND e.at < ?3
                 ORDER BY e.at, e.id"
                ),
                [location_id, from, to],
                event_row,
            )
            .map_err(|e| self.err(e))
    }

    /// Number of events at a location (every status).
    pub fn event_count(&self, location_id: i64) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM presence_events WHERE location_id = ?1",
                [location_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }
}
