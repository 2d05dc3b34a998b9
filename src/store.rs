//! The station's store: one SQLite file (bundled SQLite, WAL, foreign keys on), or a
//! PostgreSQL database shared by many stations (`--db postgresql://…`), with one
//! schema and one list of versioned migrations for both. Every SQL statement of the
//! program lives under this module; the rest of the program sees [`Store`], its
//! handles and the records of [`crate::model`].
//!
//! Two backends, one query code: the query modules (`tokens`, `limits`, `audit`…)
//! are written once against a small connection interface (`sql`), in SQLite's dialect
//! with numbered parameters, plain types and plain Rust values in and out. On SQLite
//! the statements run as written; on PostgreSQL `pg::translate` rewrites the few
//! differences (`$N`, `coalesce`, `strpos`, `ON CONFLICT DO NOTHING`) once per
//! statement, and parameters and columns are converted to the types the server has
//! (`BIGINT`, `DOUBLE PRECISION`, `TEXT`, `BYTEA`). This was chosen over a `Store`
//! trait with two implementations: the ~100 statements exist once, so the two
//! backends cannot drift apart, and a new query is written once. What differs per
//! backend stays in two places: opening and migrating (`pg_schema`, the audit
//! triggers) and the write transaction below.
//!
//! Two handles, two powers: a [`Reader`] only reads, and a [`Writer`] (reads and
//! writes) exists only inside [`Store::write`], one transaction that holds the store's
//! write lock from its first statement: SQLite's IMMEDIATE transaction, and on
//! PostgreSQL a READ COMMITTED transaction that first takes one transaction-scoped
//! advisory lock (`WRITE_LOCK`). Every check-and-update (the replay guard, the failure
//! counters and per-source delays, the HOTP counter, presence anti-passback and
//! idempotency, the audit chain's next id and MAC) therefore sees the last committed
//! state and is exact across threads, processes and machines, with no retry loop
//! (SERIALIZABLE would need one for SQLSTATE 40001) and no lock-order deadlock (one
//! lock). The price is one writer at a time per store, as on SQLite; per-row locks
//! (`SELECT … FOR UPDATE` on the location, then the token) would let verifications of
//! different tokens overlap and are the next step when one server's write rate is the
//! limit. Reads take no lock. A write transaction that changes rows commits only if it
//! also wrote a journal line (the audit log, the attempt log or a presence event): no
//! change goes unrecorded. The station is the only caller of [`Store::write`]
//! (design.md §3).
//!
//! The audit log is append-only on both backends by triggers (PostgreSQL: also
//! TRUNCATE), checked at every open; on PostgreSQL stations should moreover connect as
//! a role without UPDATE, DELETE and TRUNCATE on `audit` (README, "Many stations").
//!
//! A read handle cannot change state; this does not compile:
//!
//! ```compile_fail,E0599
//! # fn f(store: &tokenstation::store::Store) {
//! let r = store.read();
//! r.token_set_status(1, tokenstation::model::TokenStatus::Active, 0);
//! # }
//! ```
//!
//! while the same call inside a write transaction does (with its audit line):
//!
//! ```no_run
//! # fn f(store: &mut tokenstation::store::Store) -> Result<(), tokenstation::store::StoreError> {
//! use tokenstation::store::audit::NewAudit;
//! store.write(|w| {
//!     w.token_set_status(1, tokenstation::model::TokenStatus::Active, 0)?;
//!     w.audit_append(&NewAudit { id: 1, at: 0, actor: "doc", action: "token.enable", subject: "token 1", before: None, after: None, mac: [0; 32] })?;
//!     Ok::<_, tokenstation::store::StoreError>(())
//! })
//! # }
//! ```

pub mod api_keys;
pub mod attempts;
pub mod audit;
pub(crate) mod copy;
pub mod drift;
mod error;
pub mod holders;
pub mod key_tries;
pub mod limits;
pub mod locations;
pub mod manage;
pub mod meta;
pub mod migrations;
pub mod outbox;
pub mod pg;
pub mod pg_schema;
pub(crate) mod pgpass;
pub mod presence;
pub mod products;
mod reach;
pub mod slots;
pub(crate) mod sql;
pub mod tokens;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use error::{StoreError, Thing};
pub use sql::DbError;
use sql::Sql;

/// An open store: one SQLite connection, or one connection from the process's pool
/// for a PostgreSQL URL.
pub struct Store {
    db: Db,
    path: PathBuf,
    name: String,
    station: Option<String>,
}

enum Db {
    Lite(Connection),
    Pg(Box<RefCell<r2d2::PooledConnection<pg::PgManager>>>),
    /// A PostgreSQL store whose server has not answered yet (`reach`: a kiosk that
    /// started offline); connected by [`Store::reconnect`].
    Away(reach::Expect),
}

/// A read-only handle: every query, no statement that changes a row. Methods live in
/// the submodules.
pub struct Reader<'a> {
    conn: Sql<'a>,
    path: &'a str,
    /// The station writing (recorded with attempts and presence events).
    station: Option<&'a str>,
}

/// A handle inside one write transaction: the reads of [`Reader`] (through `Deref`)
/// and the statements that change rows. Only [`Store::write`] makes one.
pub struct Writer<'a> {
    read: Reader<'a>,
    journal: std::cell::Cell<u32>,
}

impl<'a> std::ops::Deref for Writer<'a> {
    type Target = Reader<'a>;
    fn deref(&self) -> &Reader<'a> {
        &self.read
    }
}

impl Writer<'_> {
    /// Notes that a journal line (audit, attempt, presence event) was written.
    fn journaled(&self) {
        self.journal.set(self.journal.get().saturating_add(1));
    }
}

/// How long a write waits for a new connection when the server dropped the last one.
const RECONNECT_WAIT: Duration = Duration::from_secs(1);

/// The advisory lock every PostgreSQL write transaction takes first ("tkswrit").
const WRITE_LOCK: i64 = 0x0074_6b73_7772_6974;

impl Store {
    /// Opens an existing store, migrating it to the current schema. A store whose
    /// audit triggers are not as created is refused ([`StoreError::AuditTriggers`]).
    /// A `postgresql://` URL opens a PostgreSQL store, anything else an SQLite file.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let store = Store::open_for_audit(path)?;
        let problems = store.read().audit_trigger_problems()?;
        if !problems.is_empty() {
            return Err(StoreError::AuditTriggers {
                path: store.name.clone(),
                problems,
            });
        }
        Ok(store)
    }

    /// Opens an existing store whatever state its audit triggers are in: for checking
    /// the audit log (and restoring the triggers after it verified), nothing else.
    pub fn open_for_audit(path: &Path) -> Result<Store, StoreError> {
        if let Some(url) = postgres_url(path) {
            return Store::open_postgres(url, false);
        }
        match std::fs::metadata(path) {
            Err(_) => return Err(StoreError::Missing(path.display().to_string())),
            // SQLite would try to migrate a device (/dev/zero) or block on a FIFO.
            Ok(m) if !m.is_file() => {
                return Err(StoreError::Corrupt {
                    path: path.display().to_string(),
                    why: "it is not a regular file".into(),
                });
            }
            Ok(_) => {}
        }
        Store::open_with(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
    }

    /// Creates a new store with the current schema: a file (mode 0600), or the schema
    /// in an empty PostgreSQL database.
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        if let Some(url) = postgres_url(path) {
            return Store::open_postgres(url, true);
        }
        if path.exists() {
            return Err(StoreError::Exists(path.display().to_string()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        create_private_file(path)?;
        Store::open_with(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
    }

    fn open_postgres(url: &str, create: bool) -> Result<Store, StoreError> {
        let name = pg::redact(url);
        let conn = Store::connect_postgres(url, &name, create, None)?;
        Ok(Store {
            db: Db::Pg(Box::new(RefCell::new(conn))),
            path: PathBuf::from(url),
            name,
            station: None,
        })
    }

    /// A connection from the pool (waiting at most `wait`, else the pool's own
    /// timeout) to a store whose schema was inspected and migrated.
    fn connect_postgres(
        url: &str,
        name: &str,
        create: bool,
        wait: Option<Duration>,
    ) -> Result<r2d2::PooledConnection<pg::PgManager>, StoreError> {
        let name = name.to_string();
        let db = |source| StoreError::Database {
            path: name.clone(),
            source,
        };
        let pool = pg::pool(url).map_err(db)?;
        let got = match wait {
            Some(w) => pool.get_timeout(w),
            None => pool.get(),
        };
        let mut conn = got.map_err(|e| db(DbError::Pool(e.to_string())))?;
        match pg_schema::inspect(&mut conn, &name)? {
            pg_schema::Found::Empty if !create => return Err(StoreError::Missing(name)),
            pg_schema::Found::Store(_) if create => return Err(StoreError::Exists(name)),
            pg_schema::Found::Foreign => {
                return Err(StoreError::Corrupt {
                    path: name,
                    why: "it is a database of another program (tables but no tokenstation_schema)"
                        .into(),
                });
            }
            _ => {}
        }
        pg_schema::migrate(&mut conn, &name)?;
        Ok(conn)
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Store, StoreError> {
        let err = |source: rusqlite::Error| StoreError::Database {
            path: path.display().to_string(),
            source: source.into(),
        };
        let mut conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(err)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
            .map_err(|e| StoreError::Corrupt {
                path: path.display().to_string(),
                why: format!("it is not an SQLite database ({e})"),
            })?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt {
                path: path.display().to_string(),
                why: format!("journal mode is {mode}, WAL could not be enabled"),
            });
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        migrations::migrate(&mut conn, path)?;
        Ok(Store {
            db: Db::Lite(conn),
            path: path.to_path_buf(),
            name: path.display().to_string(),
            station: None,
        })
    }

    /// The database file, or the PostgreSQL URL as given (it may hold a password: show
    /// [`Store::name`] instead).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store as messages name it: the file, or the URL without its password.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the store is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.db, Db::Pg(_) | Db::Away(_))
    }

    /// Makes every commit durable across power loss (`synchronous = FULL`), for
    /// callers that acknowledge a commit to a person (kiosks). PostgreSQL commits are
    /// durable already (`synchronous_commit` on, the server's default).
    pub fn set_durable(&mut self) -> Result<(), StoreError> {
        match &self.db {
            Db::Lite(c) => c
                .pragma_update(None, "synchronous", "FULL")
                .map_err(|source| StoreError::Database {
                    path: self.name.clone(),
                    source: source.into(),
                }),
            Db::Pg(_) | Db::Away(_) => Ok(()),
        }
    }

    /// Refreshes the query planner's statistics after a bulk load (`store copy`):
    /// PostgreSQL's autovacuum would get to it only later, SQLite keeps none until
    /// asked. Changes no row.
    pub fn analyze(&self) -> Result<(), StoreError> {
        self.read()
            .conn
            .batch("ANALYZE")
            .map_err(|source| StoreError::Database {
                path: self.name.clone(),
                source,
            })
    }

    /// Reads outside a transaction (each statement sees a consistent snapshot). The
    /// handle has no method that changes a row.
    pub fn read(&self) -> Reader<'_> {
        Reader {
            conn: match &self.db {
                Db::Lite(c) => Sql::Lite(c),
                Db::Pg(c) => Sql::Pg(c),
                Db::Away(_) => Sql::Away,
            },
            path: &self.name,
            station: self.station.as_deref(),
        }
    }

    /// Names the station that writes through this store: every attempt and presence
    /// event it records carries the name (many stations share one PostgreSQL store).
    pub fn set_station(&mut self, name: Option<String>) {
        self.station = name;
    }

    /// Runs `f` in one write transaction that holds the store's write lock from the
    /// start, so a check-and-update inside is atomic across threads, processes and
    /// (on PostgreSQL) stations: SQLite's IMMEDIATE transaction, or on PostgreSQL a
    /// READ COMMITTED transaction that first takes the transaction-scoped advisory lock
    /// `WRITE_LOCK`. Commits when `f` returns `Ok` and every change came with a
    /// journal line, rolls back otherwise ([`StoreError::Unjournaled`]).
    pub fn write<T, E>(&mut self, f: impl FnOnce(&Writer<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        // a connection the server dropped (restart) is replaced first
        self.reconnect(RECONNECT_WAIT)?;
        let name = self.name.as_str();
        let station = self.station.as_deref();
        match &mut self.db {
            Db::Lite(conn) => {
                let sqlite = |source: rusqlite::Error| StoreError::Database {
                    path: name.to_string(),
                    source: source.into(),
                };
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(sqlite)?;
                let before = tx.total_changes();
                let w = Writer {
                    read: Reader {
                        conn: Sql::Lite(&tx),
                        path: name,
                        station,
                    },
                    journal: std::cell::Cell::new(0),
                };
                let out = f(&w)?;
                if tx.total_changes() != before && w.journal.get() == 0 {
                    return Err(StoreError::Unjournaled {
                        path: name.to_string(),
                    }
                    .into());
                }
                tx.commit().map_err(sqlite)?;
                Ok(out)
            }
            Db::Pg(cell) => {
                let pgerr = |source: postgres::Error| StoreError::Database {
                    path: name.to_string(),
                    source: source.into(),
                };
                let before = {
                    let mut c = cell.borrow_mut();
                    c.client.batch_execute("BEGIN").map_err(pgerr)?;
                    c.in_tx = true;
                    if let Err(e) = c
                        .client
                        .execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
                    {
                        c.end_tx("ROLLBACK");
                        return Err(pgerr(e).into());
                    }
                    c.changes
                };
                let w = Writer {
                    read: Reader {
                        conn: Sql::Pg(cell),
                        path: name,
                        station,
                    },
                    journal: std::cell::Cell::new(0),
                };
                let out = f(&w);
                let journal = w.journal.get();
                let mut c = cell.borrow_mut();
                let out = match out {
                    Err(e) => {
                        c.end_tx("ROLLBACK");
                        return Err(e);
                    }
                    Ok(v) => v,
                };
                if c.changes != before && journal == 0 {
                    c.end_tx("ROLLBACK");
                    return Err(StoreError::Unjournaled {
                        path: name.to_string(),
                    }
                    .into());
                }
                c.in_tx = false;
                c.client.batch_execute("COMMIT").map_err(pgerr)?;
                Ok(out)
            }
            // reconnect above failed or left it away: the server does not answer
            Db::Away(_) => Err(StoreError::Database {
                path: name.to_string(),
                source: reach::not_yet(),
            }
            .into()),
        }
    }
}

/// The URL when `path` is a PostgreSQL one.
fn postgres_url(path: &Path) -> Option<&str> {
    path.to_str().filter(|s| pg::is_url(s))
}

impl Reader<'_> {
    /// Wraps a database error with the store's name.
    pub(crate) fn err(&self, source: impl Into<DbError>) -> StoreError {
        StoreError::Database {
            path: self.path.to_string(),
            source: source.into(),
        }
    }

    /// Maps a UNIQUE violation to [`StoreError::Duplicate`] naming `what`.
    pub(crate) fn unique(&self, source: DbError, what: impl FnOnce() -> Thing) -> StoreError {
        if source.is_unique_violation() {
            StoreError::Duplicate(what())
        } else {
            self.err(source)
        }
    }
}

/// Creates an empty file readable only by its owner.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .map(|_| ())
        .map_err(|source| StoreError::Io {
            path: path.display().to_string(),
            source,
        })
}

/// Reads a `u64` kept in an SQLite INTEGER (a PostgreSQL BIGINT). Values are stored in 0..=2^63-1 (see
/// [`from_u64`]); a negative value, which a store written before that rule may hold
/// for a counter from 2^63 up, reads as 2^63 or more, a value no verification accepts
/// (`otp::bounds::COUNTER_MAX`).
pub(crate) fn to_u64(v: i64) -> u64 {
    v as u64
}

/// Stores a `u64` (an HOTP counter, a step) in an SQLite INTEGER: 2^63 and above do
/// not fit a signed 64-bit integer and are refused, never wrapped to a negative number.
pub(crate) fn from_u64(v: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::OutOfRange { what, value: v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Family, Product};
    use crate::otp::OtpParams;

    fn product(name: &str) -> Product {
        Product {
            id: 0,
            name: name.into(),
            vendor: None,
            model: None,
            family: Family::Generic,
            params: OtpParams::default(),
            programmable: false,
            drift_per_year: None,
            skew: 1,
        }
    }

    #[test]
    fn a_change_without_a_journal_line_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("s.db")).unwrap();
        let e = store
            .write(|w| w.product_add(&product("P"), 0).map(|_| ()))
            .unwrap_err();
        assert!(matches!(e, StoreError::Unjournaled { .. }), "{e}");
        assert!(store.read().product_find("P").unwrap().is_none());
        // with its audit line it commits
        store
            .write(|w| {
                w.product_add(&product("P"), 0)?;
                w.audit_append(&audit::NewAudit {
                    id: 1,
                    at: 0,
                    actor: "t",
                    action: "product.add",
                    subject: "product P",
                    before: None,
                    after: None,
                    mac: [0; 32],
                })
                .map(|_| ())
            })
            .unwrap();
        assert!(store.read().product_find("P").unwrap().is_some());
        // a transaction that changes nothing needs no line
        store.write(|w| w.product_get("P").map(|_| ())).unwrap();
    }
}
