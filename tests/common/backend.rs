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
    if on_postgres() {
        TestDb {
            db: PathBuf::from(new_pg_database()),
            key: dir.join(format!("{file}.key")),
        }
    } else {
        let db = dir.join(file);
        let mut key = db.as_os_str().to_owned();
        key.push(".key");
        TestDb {
            db,
            key: PathBuf::from(key),
        }
    }
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
