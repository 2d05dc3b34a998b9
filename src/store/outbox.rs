//! A kiosk's outbox (issue 17): a small SQLite file of its own beside the kiosk, for
//! a kiosk whose store is on a PostgreSQL server. It keeps the presence events the
//! kiosk decided while the server did not answer, in the order they were taken, until
//! they are committed on the server, and the read-only snapshot the kiosk decides
//! them from (card and tag credentials with their holders, each holder's last event at
//! the location, the location's settings), copied while the server answered.
//!
//! The file has its own versioned migrations (`MIGRATIONS`, `PRAGMA user_version`),
//! WAL and `synchronous = FULL`: an event pushed here is on disk before the kiosk shows
//! it, as an event committed to the store would be. Every row carries what the server
//! needs to record it later: its idempotency key (the server refuses a second event
//! with one key, so a row sent twice is recorded once), the station's name, the
//! location, time, reader, credential and the holder it resolved to. The rule of what
//! may be decided offline is `station::presence::offline`'s; this module only keeps
//! rows.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use super::StoreError;

mod snapshot;
mod start;
mod tokens;

use snapshot::note_last;
pub use snapshot::{SnapSettings, Snapshot};
pub use tokens::{SnapToken, TokenUse};

/// Version 1 of the outbox file.
const V1: &str = r#"
CREATE TABLE outbox_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Events decided offline, oldest first (seq), removed once the server committed them.
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    idem        TEXT NOT NULL UNIQUE,
    station     TEXT,
    location    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    reader      TEXT,
    credential  TEXT,
    holder      TEXT,
    label       TEXT,
    direction   TEXT CHECK (direction IN ('in', 'out')),
    status      TEXT NOT NULL CHECK (status IN ('ok', 'refused')),
    reason      TEXT,
    recorded_ms INTEGER NOT NULL
);

-- The snapshot: card and tag credentials, last events, settings (read-only copies).
CREATE TABLE snap_credentials (
    kind   TEXT NOT NULL,
    value  TEXT NOT NULL,
    holder TEXT NOT NULL,
    label  TEXT,
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;
CREATE TABLE snap_last (
    location  TEXT NOT NULL,
    holder    TEXT NOT NULL,
    direction TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (location, holder)
) WITHOUT ROWID;
CREATE TABLE snap_settings (
    location     TEXT PRIMARY KEY,
    tz           TEXT NOT NULL,
    mode         TEXT NOT NULL,
    min_interval INTEGER NOT NULL,
    fold         INTEGER NOT NULL,
    taken_at     INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// The outbox file's migrations, oldest first.
const MIGRATIONS: [&str; 3] = [V1, tokens::V2, start::V3];

/// One event in the outbox (or to push into it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxEvent {
    /// Position in the outbox (0 before it is pushed).
    pub seq: i64,
    /// Idempotency key (sent to the server with the event).
    pub idem: String,
    /// The station that decided it.
    pub station: Option<String>,
    /// Location name.
    pub location: String,
    /// Unix seconds.
    pub at: i64,
    /// Reader.
    pub reader: Option<String>,
    /// What was presented (`card 04A1…`, `tag 0011649747`).
    pub credential: Option<String>,
    /// Holder's external id, when the snapshot knew the credential.
    pub holder: Option<String>,
    /// Holder's label.
    pub label: Option<String>,
    /// `in` / `out` (accepted events).
    pub direction: Option<String>,
    /// `ok` or `refused`.
    pub status: String,
    /// Why it was refused.
    pub reason: Option<String>,
}

/// An open outbox file.
pub struct Outbox {
    conn: Connection,
    path: PathBuf,
}

const EVENT_COLS: &str = "seq, idem, station, location, at, reader, credential, holder, label,
     direction, status, reason FROM outbox";

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEvent> {
    Ok(OutboxEvent {
        seq: r.get(0)?,
        idem: r.get(1)?,
        station: r.get(2)?,
        location: r.get(3)?,
        at: r.get(4)?,
        reader: r.get(5)?,
        credential: r.get(6)?,
        holder: r.get(7)?,
        label: r.get(8)?,
        direction: r.get(9)?,
        status: r.get(10)?,
        reason: r.get(11)?,
    })
}

/// Inserts an event row (inside the caller's transaction).
pub(super) fn insert_event(c: &Connection, e: &OutboxEvent, now_ms: i64) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO outbox (idem, station, location, at, reader, credential, holder, label,
               direction, status, reason, recorded_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            e.idem,
            e.station,
            e.location,
            e.at,
            e.reader,
            e.credential,
            e.holder,
            e.label,
            e.direction,
            e.status,
            e.reason,
            now_ms
        ],
    )
    .map(|_| ())
}

/// What an SQLite failure on the outbox at `path` becomes: the store error naming it.
fn database_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + Copy + '_ {
    move |e| StoreError::Database {
        path: path.display().to_string(),
        source: e.into(),
    }
}

impl Outbox {
    /// Opens the outbox at `path`, creating it (mode 0600, and its directory) and
    /// migrating it to the current version. Refuses a newer file or another database.
    pub fn open(path: &Path) -> Result<Outbox, StoreError> {
        let name = || path.display().to_string();
        let err = database_error(path);
        if !path.exists() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            super::create_private_file(path)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
            .map_err(|e| StoreError::Corrupt {
                path: name(),
                why: format!("it is not an SQLite database ({e})"),
            })?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt {
                path: name(),
                why: format!("journal mode is {mode}, WAL could not be enabled"),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        let foreign: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'outbox%' AND name NOT LIKE 'snap%' AND name NOT LIKE 'sqlite%'",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if foreign > 0 {
            return Err(StoreError::Corrupt {
                path: name(),
                why: "it is not a kiosk outbox (a store or another program's file?)".into(),
            });
        }
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::TooNew {
                path: name(),
                found,
                known,
            });
        }
        Migrations::new(MIGRATIONS.iter().map(|s| M::up(s)).collect())
            .to_latest(&mut conn)
            .map_err(|e| StoreError::Corrupt {
                path: name(),
                why: format!("migration failed: {e}"),
            })?;
        Ok(Outbox {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        database_error(&self.path)(e)
    }

    /// The store this outbox sends to (set once; an outbox of another store is refused
    /// by the caller).
    pub fn bind_store(&self, store: &str) -> Result<Option<String>, StoreError> {
        let old: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM outbox_meta WHERE key = 'store'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if old.is_none() {
            self.conn
                .execute(
                    "INSERT INTO outbox_meta (key, value) VALUES ('store', ?1)",
                    [store],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(old)
    }

    /// Makes `store` the one this outbox sends to (the caller checked it is empty
    /// or already bound to it).
    pub fn rebind_store(&self, store: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO outbox_meta (key, value) VALUES ('store', ?1)",
                [store],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Appends an event (durably, before it is shown) and, for an accepted one, makes
    /// it the holder's last event in the snapshot, in one transaction. A key already
    /// in the outbox returns the row stored then.
    pub fn push(&mut self, e: &OutboxEvent, now_ms: i64) -> Result<OutboxEvent, StoreError> {
        if let Some(old) = self.by_idem(&e.idem)? {
            return Ok(old);
        }
        let err = database_error(&self.path);
        let tx = self.conn.transaction().map_err(err)?;
        insert_event(&tx, e, now_ms).map_err(err)?;
        if let (Some(h), Some(d), "ok") = (&e.holder, &e.direction, e.status.as_str()) {
            note_last(&tx, &e.location, h, d, e.at).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        self.by_idem(&e.idem)?
            .ok_or_else(|| self.err(rusqlite::Error::QueryReturnedNoRows))
    }

    /// The event kept under an idempotency key.
    pub fn by_idem(&self, idem: &str) -> Result<Option<OutboxEvent>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {EVENT_COLS} WHERE idem = ?1"),
                [idem],
                event_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Events waiting to be sent.
    pub fn pending(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The oldest `n` events waiting, oldest first.
    pub fn oldest(&self, n: i64) -> Result<Vec<OutboxEvent>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {EVENT_COLS} ORDER BY seq LIMIT ?1"))
            .map_err(|e| self.err(e))?;
        st.query_map([n], event_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Removes an event the server committed.
    pub fn remove(&self, seq: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM outbox WHERE seq = ?1", [seq])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests;
