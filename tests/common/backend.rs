//! Which backend a test's store is on. By default an SQLite file in the test's
//! directory; with `TOKENSTATION_TEST_BACKEND=postgres` (set by `make test` for a
//! second run of the store and engine tests) a new database on the throwaway server
//! of `TOKENSTATION_TEST_PG` (tools/with-test-postgres.sh), one per store. Asking for
//! PostgreSQL without a server fails the test: it is never skipped.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A store for a test and its key file.
#[derive(Debug, Clone)]
pub struct TestDb {
    /// What `--db` / `Station::open` take: a file path or a `postgresql://` URL.
    pub db: PathBuf,
    /// The key file (beside the file; in `dir` for PostgreSQL).
    pub key: PathBuf,
}

/// Whether this run puts test stores on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("TOKENSTATION_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A store named `file` in `dir` (SQLite), or a new PostgreSQL database.
pub fn test_db(dir: &Path, file: &str) -> TestDb {
    let db = if on_postgres() {
        PathBuf::from(new_pg_database())
    } else {
        dir.join(file)
    };
    TestDb {
        key: key_for(&db),
        db,
    }
}

/// The key file of the test store `db`: beside an SQLite file (the default key file),
/// or for a PostgreSQL database a file named after it in the temporary directory.
pub fn key_for(db: &Path) -> PathBuf {
    let text = db.to_string_lossy();
    if let Some(after_scheme) = text.strip_prefix("postgresql://") {
        // postgresql://user@host/NAME?host=...
        let path = after_scheme.split('?').next().unwrap_or("");
        let name = path.split_once('/').map_or("store", |(_, n)| n);
        let dir = std::env::temp_dir().join("tokenstation-test-keys");
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(format!("{name}.key"))
    } else {
        let mut key = db.as_os_str().to_owned();
        key.push(".key");
        PathBuf::from(key)
    }
}

/// The path of a store named `file` in `dir` (SQLite) or of a new PostgreSQL database.
pub fn store_in(dir: &Path, file: &str) -> PathBuf {
    test_db(dir, file).db
}

/// The URL of the test server's maintenance database.
pub fn server_url() -> String {
    std::env::var("TOKENSTATION_TEST_PG").expect(
        "TOKENSTATION_TEST_PG is not set: PostgreSQL tests run beside a server \
         (make test, or tools/with-test-postgres.sh cargo test ...)",
    )
}

/// Creates an empty database on the test server; its URL.
pub fn new_pg_database() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let base = server_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "t_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    assert!(
        base.contains("/postgres?"),
        "TOKENSTATION_TEST_PG must name the database `postgres` with ?host=: {base}"
    );
    base.replacen("/postgres?", &format!("/{name}?"), 1)
}

/// Runs SQL on a PostgreSQL test store (to tamper with it as an attacker would).
pub fn pg_exec(url: &Path, sql: &str) -> Result<(), postgres::Error> {
    let mut c = postgres::Client::connect(url.to_str().unwrap(), postgres::NoTls)?;
    c.batch_execute(sql)
}
