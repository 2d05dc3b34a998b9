//! Presence writes: enrolling credentials, kiosk settings and readers, presence tokens
//! and the event insert (the event log's one journal line).

use super::super::sql::params;
use super::{Credential, NewEvent, PresenceSettings};
use crate::store::{StoreError, Thing, Writer};

impl Writer<'_> {
    /// Enrols a credential; a credential already enrolled is a duplicate.
    pub fn credential_add(
        &self,
        kind: &str,
        value: &str,
        holder_id: i64,
        token_id: Option<i64>,
        now: i64,
    ) -> Result<Credential, StoreError> {
        self.conn
            .execute(
                "INSERT INTO credentials (kind, value, holder_id, token_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![kind, value, holder_id, token_id, now],
            )
            .map_err(|e| {
                self.unique(e, || Thing::Credential {
                    kind: kind.to_string(),
                    value: value.to_string(),
                })
            })?;
        self.credential_find(kind, value)?.ok_or_else(|| {
            StoreError::NotFound(Thing::Credential {
                kind: kind.to_string(),
                value: value.to_string(),
            })
        })
    }

    /// Stores a location's kiosk settings.
    pub fn presence_settings_set(
        &self,
        location_id: i64,
        s: &PresenceSettings,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO location_presence (location_id, mode, min_interval, fold, close_minute)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (location_id) DO UPDATE SET mode = excluded.mode,
                   min_interval = excluded.min_interval, fold = excluded.fold,
                   close_minute = excluded.close_minute",
                params![location_id, s.mode, s.min_interval, s.fold, s.close_minute],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Adds (`add`) or removes a reader spec; returns whether anything changed.
    pub fn location_reader_set(
        &self,
        location_id: i64,
        spec: &str,
        add: bool,
    ) -> Result<bool, StoreError> {
        let sql = if add {
            "INSERT OR IGNORE INTO location_readers (location_id, spec) VALUES (?1, ?2)"
        } else {
            "DELETE FROM location_readers WHERE location_id = ?1 AND spec = ?2"
        };
        self.conn
            .execute(sql, params![location_id, spec])
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// Binds a token to a location as a presence token.
    pub fn presence_token_add(
        &self,
        token_id: i64,
        location_id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO presence_tokens (token_id, location_id, created_at) VALUES (?1, ?2, ?3)",
                [token_id, location_id, now],
            )
            .map(|_| ())
            .map_err(|e| self.unique(e, || Thing::PresenceToken))
    }

    /// Inserts an event; a known idempotency key is [`StoreError::Duplicate`].
    pub fn event_insert(&self, e: &NewEvent<'_>) -> Result<i64, StoreError> {
        self.journaled();
        let id = self
            .conn
            .insert_id(
                "INSERT INTO presence_events (location_id, holder_id, at, direction, status,
                   reason, source, credential, reader, idem, presence_token_id, step,
                   bound_from, bound_to, nearest, station, offline)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                   ?17)",
                params![
                    e.location_id,
                    e.holder_id,
                    e.at,
                    e.direction,
                    e.status,
                    e.reason,
                    e.source,
                    e.credential,
                    e.reader,
                    e.idem,
                    e.presence_token_id,
                    e.step
                        .map(|v| crate::store::from_u64(v, "step"))
                        .transpose()?,
                    e.bound_from,
                    e.bound_to,
                    e.nearest,
                    self.station,
                    e.offline
                ],
            )
            .map_err(|err| self.unique(err, || Thing::PresenceEvent(format!("{:?}", e.idem))))?;
        Ok(id)
    }
}
