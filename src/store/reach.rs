//! Whether the PostgreSQL server answers, and getting a fresh connection when it went
//! away (a restart, a lost network). A store keeps one pooled connection for its life;
//! once the server dropped it, [`Store::reconnect`] takes another from the pool. Only
//! PostgreSQL stores can become unreachable; an SQLite file never is.
//!
//! What the station does with an unreachable server (an offline kiosk, issue 17) is
//! `station::presence::offline`'s rule; this module only tells the failure apart.

use std::time::Duration;

use super::sql::DbError;
use super::{Db, Reader, Store, StoreError, pg};

/// SQLSTATEs of a server going away or not yet up: admin_shutdown, crash_shutdown,
/// cannot_connect_now, and the connection exception class (08…).
fn unreachable_state(code: &str) -> bool {
    matches!(code, "57P01" | "57P02" | "57P03") || code.starts_with("08")
}

impl DbError {
    /// Whether the failure is the server not answering (no connection, connection
    /// lost, server shutting down or starting), not a refusal of the statement.
    pub fn is_unreachable(&self) -> bool {
        match self {
            DbError::Pool(_) => true,
            DbError::Postgres(e) => match e.as_db_error() {
                Some(d) => unreachable_state(d.code().code()),
                // no server answer at all: I/O error, closed connection, timeout
                None => true,
            },
            _ => false,
        }
    }
}

impl StoreError {
    /// Whether the store failed because its PostgreSQL server did not answer.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StoreError::Database { source, .. } if source.is_unreachable())
    }
}

impl Store {
    /// Replaces a connection the server dropped by a new one from the pool, waiting at
    /// most `wait`; nothing to do on SQLite or while the connection is open. The
    /// store's schema was checked when it was opened and is not checked again.
    pub fn reconnect(&mut self, wait: Duration) -> Result<(), StoreError> {
        let Db::Pg(cell) = &mut self.db else {
            return Ok(());
        };
        if !cell.get_mut().client.is_closed() {
            return Ok(());
        }
        let url = self.path.to_string_lossy().into_owned();
        let db = |source| StoreError::Database {
            path: self.name.clone(),
            source,
        };
        let pool = pg::pool(&url).map_err(db)?;
        let fresh = pool
            .get_timeout(wait)
            .map_err(|e| db(DbError::Pool(e.to_string())))?;
        **cell = std::cell::RefCell::new(fresh);
        Ok(())
    }
}

impl Reader<'_> {
    /// The station this handle records with its attempts and events.
    pub fn station(&self) -> Option<&str> {
        self.station
    }
}
