//! Whether the PostgreSQL server answers, and getting a fresh connection when it went
//! away (a restart, a lost network). A store keeps one pooled connection for its life;
//! once the server dropped it, [`Store::reconnect`] takes another from the pool. Only
//! PostgreSQL stores can become unreachable; an SQLite file never is.
//!
//! A store can also start *away* ([`Store::unconnected`]): a PostgreSQL store whose
//! server did not answer when a kiosk started from its snapshot. Every statement then
//! fails as unreachable, and the first [`Store::reconnect`] that reaches the server
//! does what opening does (schema inspected and migrated, audit triggers checked) and
//! also checks that one meta row (the station's key check) is the one expected, so a
//! store recreated under another key meanwhile is refused, not written to.
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

/// What a store opened away expects of the server once it answers: one meta row.
#[derive(Debug, Clone)]
pub(super) struct Expect {
    key: String,
    value: String,
}

/// The failure of a statement on a store whose server has not answered yet.
pub(super) fn not_yet() -> DbError {
    DbError::Pool("the server has not answered since the station started".into())
}

impl Store {
    /// A PostgreSQL store at `url` whose server does not answer now: nothing is
    /// connected; statements fail as unreachable until [`Store::reconnect`] reaches
    /// the server, which must then be a store whose meta row `meta_key` is
    /// `meta_value`.
    pub fn unconnected(url: &str, meta_key: &str, meta_value: &str) -> Store {
        Store {
            db: Db::Away(Expect {
                key: meta_key.to_string(),
                value: meta_value.to_string(),
            }),
            path: std::path::PathBuf::from(url),
            name: pg::redact(url),
            station: None,
        }
    }

    /// Whether the store's server has not answered since it was opened away.
    pub fn is_away(&self) -> bool {
        matches!(self.db, Db::Away(_))
    }

    /// Another store like this one opened away (same URL and expectation), for a
    /// second thread of a kiosk that started offline; `None` when this one is not away.
    pub fn away_copy(&self) -> Option<Store> {
        match &self.db {
            Db::Away(x) => Some(Store {
                db: Db::Away(x.clone()),
                path: self.path.clone(),
                name: self.name.clone(),
                station: self.station.clone(),
            }),
            _ => None,
        }
    }

    /// First connection of a store opened away: as [`Store::open`] checks it, and
    /// the expected meta row.
    fn arrive(&mut self, wait: Duration) -> Result<(), StoreError> {
        let Db::Away(x) = &self.db else {
            return Ok(());
        };
        let x = x.clone();
        let url = self.path.to_string_lossy().into_owned();
        let conn = Store::connect_postgres(&url, &self.name, false, Some(wait))?;
        let fresh = Store {
            db: Db::Pg(Box::new(std::cell::RefCell::new(conn))),
            path: self.path.clone(),
            name: self.name.clone(),
            station: self.station.clone(),
        };
        let checked = (|| {
            let problems = fresh.read().audit_trigger_problems()?;
            if !problems.is_empty() {
                return Err(StoreError::AuditTriggers {
                    path: fresh.name.clone(),
                    problems,
                });
            }
            if fresh.read().meta_get(&x.key)?.as_deref() != Some(x.value.as_str()) {
                return Err(StoreError::Corrupt {
                    path: fresh.name.clone(),
                    why: format!(
                        "its {} row is not the one this station started from: another store, or one created again under another key",
                        x.key
                    ),
                });
            }
            Ok(())
        })();
        checked?;
        *self = fresh;
        Ok(())
    }

    /// Replaces a connection the server dropped by a new one from the pool, waiting at
    /// most `wait`; nothing to do on SQLite or while the connection is open. The
    /// store's schema was checked when it was opened and is not checked again (a
    /// store opened away is checked at its first connection).
    pub fn reconnect(&mut self, wait: Duration) -> Result<(), StoreError> {
        if self.is_away() {
            return self.arrive(wait);
        }
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
