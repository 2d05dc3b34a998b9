//! The station's store: one SQLite file (bundled SQLite, WAL, foreign keys on) with
//! versioned migrations. Every SQL statement of the program lives under this module;
//! the rest of the program sees [`Store`], [`Conn`] and the records of [`crate::model`].

pub mod attempts;
pub mod audit;
pub mod holders;
pub mod limits;
pub mod locations;
pub mod meta;
pub mod migrations;
pub mod presence;
pub mod products;
pub mod slots;
pub mod tokens;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

/// Errors of the store layer. Messages name the thing and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("store {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A row that was asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A uniqueness rule was broken.
    #[error("{0} already exists")]
    Duplicate(String),
    /// A row is still referenced.
    #[error("{0} is still in use")]
    InUse(String),
    /// The file was written by a newer tokenstation.
    #[error(
        "store {path} has schema version {found}, newer than this tokenstation knows ({known}): upgrade tokenstation or use the matching version"
    )]
    TooNew {
        /// The database file.
        path: String,
        /// Version in the file.
        found: i64,
        /// Highest version this build knows.
        known: i64,
    },
    /// No store at the path.
    #[error("no store at {0}: run `tokenstation init` first (or pass --db)")]
    Missing(String),
    /// A store already exists where one should be created.
    #[error("a store already exists at {0}")]
    Exists(String),
    /// The file is not a tokenstation store or is damaged.
    #[error("store {path} is not usable: {why}")]
    Corrupt {
        /// The database file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// File system error around the store.
    #[error("store {path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A connection or transaction to run queries on. Methods live in the submodules.
pub struct Conn<'a> {
    conn: Sql<'a>,
    path: &'a Path,
}

/// The connection as the query modules use it: every statement is prepared once per
/// connection and cached, so hot paths (verification) do not re-parse SQL.
struct Sql<'a>(&'a Connection);

impl Sql<'_> {
    fn prepare(&self, sql: &str) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
        self.0.prepare_cached(sql)
    }

    fn prepare_cached(&self, sql: &str) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
        self.0.prepare_cached(sql)
    }

    fn execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.0.prepare_cached(sql)?.execute(params)
    }

    fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.0.prepare_cached(sql)?.query_row(params, f)
    }

    fn last_insert_rowid(&self) -> i64 {
        self.0.last_insert_rowid()
    }
}

impl Store {
    /// Opens an existing store, migrating it to the current schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.display().to_string()));
        }
        Store::open_with(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
    }

    /// Creates a new store file (mode 0600) with the current schema.
    pub fn create(path: &Path) -> Result<Store, StoreError> {
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

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Store, StoreError> {
        let err = |source| StoreError::Sqlite {
            path: path.display().to_string(),
            source,
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
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes every commit durable across power loss (`synchronous = FULL`), for
    /// callers that acknowledge a commit to a person (kiosks).
    pub fn set_durable(&mut self) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|source| StoreError::Sqlite {
                path: self.path.display().to_string(),
                source,
            })
    }

    /// Reads outside a transaction (each statement sees a consistent snapshot).
    pub fn read(&self) -> Conn<'_> {
        Conn {
            conn: Sql(&self.conn),
            path: &self.path,
        }
    }

    /// Runs `f` in one IMMEDIATE transaction: it holds the write lock from the start,
    /// so a check-and-update inside is atomic across threads and processes. Commits
    /// when `f` returns `Ok`, rolls back otherwise.
    pub fn write<T, E>(&mut self, f: impl FnOnce(&Conn<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|source| StoreError::Sqlite {
                path: path.display().to_string(),
                source,
            })?;
        let out = f(&Conn {
            conn: Sql(&tx),
            path: &path,
        })?;
        tx.commit().map_err(|source| StoreError::Sqlite {
            path: path.display().to_string(),
            source,
        })?;
        Ok(out)
    }
}

impl Conn<'_> {
    /// Wraps a SQLite error with the store's path.
    pub(crate) fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Maps a UNIQUE violation to [`StoreError::Duplicate`] naming `what`.
    pub(crate) fn unique(
        &self,
        source: rusqlite::Error,
        what: impl FnOnce() -> String,
    ) -> StoreError {
        match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation)
                if source.to_string().contains("UNIQUE") =>
            {
                StoreError::Duplicate(what())
            }
            _ => self.err(source),
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

/// Reads a `u64` kept in an SQLite INTEGER (stored as its two's complement `i64`).
pub(crate) fn to_u64(v: i64) -> u64 {
    v as u64
}

/// Stores a `u64` in an SQLite INTEGER.
pub(crate) fn from_u64(v: u64) -> i64 {
    v as i64
}
