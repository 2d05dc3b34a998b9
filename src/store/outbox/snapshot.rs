//! The outbox's snapshot: read-only copies a kiosk takes while its server answers
//! (every card and tag credential with its holder, each holder's last accepted event
//! at the location, the location's settings), which the offline rule decides from
//! (`station::presence::offline`).

use rusqlite::{Connection, OptionalExtension, params};

use super::Outbox;
use crate::store::StoreError;

/// A location's settings as copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapSettings {
    /// Time zone.
    pub tz: String,
    /// `card`, `code` or `card+code`.
    pub mode: String,
    /// Seconds between two accepted events of one holder.
    pub min_interval: i64,
    /// Seconds in which a repeated tap is folded.
    pub fold: i64,
    /// Unix seconds of the copy.
    pub taken_at: i64,
    /// The location's configured reader specs (`None`: a copy taken before the
    /// outbox kept them).
    pub readers: Option<Vec<String>>,
}

/// A snapshot to store: replaces the previous one of its location in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Card and tag credentials: kind, value, holder, label.
    pub credentials: Vec<(String, String, String, Option<String>)>,
    /// Last accepted event per holder at the location: holder, direction, at.
    pub last: Vec<(String, String, i64)>,
    /// The store's key check (its vault header), for a kiosk that starts offline.
    pub key_check: Option<String>,
}

impl Outbox {
    /// Replaces the snapshot of `location` (credentials, last events, settings).
    pub fn snapshot_replace(
        &mut self,
        location: &str,
        settings: &SnapSettings,
        snap: &Snapshot,
    ) -> Result<(), StoreError> {
        let err = super::database_error(&self.path);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute("DELETE FROM snap_credentials", [])
            .map_err(err)?;
        tx.execute("DELETE FROM snap_last WHERE location = ?1", [location])
            .map_err(err)?;
        for (kind, value, holder, label) in &snap.credentials {
            tx.execute(
                "INSERT INTO snap_credentials (kind, value, holder, label) VALUES (?1, ?2, ?3, ?4)",
                params![kind, value, holder, label],
            )
            .map_err(err)?;
        }
        for (holder, direction, at) in &snap.last {
            note_last(&tx, location, holder, direction, *at).map_err(err)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO snap_settings (location, tz, mode, min_interval, fold, taken_at,
               readers)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                location,
                settings.tz,
                settings.mode,
                settings.min_interval,
                settings.fold,
                settings.taken_at,
                super::start::readers_to(&settings.readers)
            ],
        )
        .map_err(err)?;
        if let Some(k) = &snap.key_check {
            super::start::set_key_check(&tx, k).map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Makes an event decided online the holder's last one in the snapshot.
    pub fn note_last(
        &self,
        location: &str,
        holder: &str,
        direction: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        note_last(&self.conn, location, holder, direction, at).map_err(|e| self.err(e))
    }

    /// The holder and label of a card or tag in the snapshot.
    pub fn snap_credential(
        &self,
        kind: &str,
        value: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        self.conn
            .query_row(
                "SELECT holder, label FROM snap_credentials WHERE kind = ?1 AND value = ?2",
                [kind, value],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// A holder's last accepted event at a location: direction and time.
    pub fn snap_last(
        &self,
        location: &str,
        holder: &str,
    ) -> Result<Option<(String, i64)>, StoreError> {
        self.conn
            .query_row(
                "SELECT direction, at FROM snap_last WHERE location = ?1 AND holder = ?2",
                [location, holder],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The location's settings as last copied.
    pub fn snap_settings(&self, location: &str) -> Result<Option<SnapSettings>, StoreError> {
        self.conn
            .query_row(
                "SELECT tz, mode, min_interval, fold, taken_at, readers FROM snap_settings
                 WHERE location = ?1",
                [location],
                |r| {
                    Ok(SnapSettings {
                        tz: r.get(0)?,
                        mode: r.get(1)?,
                        min_interval: r.get(2)?,
                        fold: r.get(3)?,
                        taken_at: r.get(4)?,
                        readers: super::start::readers_from(r.get(5)?),
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// Makes an event the holder's last one (an older one does not replace a newer).
pub(super) fn note_last(
    c: &Connection,
    location: &str,
    holder: &str,
    direction: &str,
    at: i64,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO snap_last (location, holder, direction, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (location, holder) DO UPDATE SET direction = excluded.direction,
           at = excluded.at WHERE excluded.at >= snap_last.at",
        params![location, holder, direction, at],
    )
    .map(|_| ())
}
