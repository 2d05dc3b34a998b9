//! Shared helpers for binary tests: a temporary store and a command builder.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::new_without_default,
    clippy::mod_module_files
)]

pub mod api;
pub mod backend;
pub mod bench;
pub mod corpus;
pub mod device;
#[cfg(feature = "pcsc")]
pub mod pcsc;
pub mod pty;
pub mod requests;
pub mod served;
pub mod transcripts;

use std::path::PathBuf;

use assert_cmd::Command;

/// A temporary station directory (and, when the run is on PostgreSQL, a database:
/// see [`backend`]).
pub struct Station {
    /// The directory holding the store and its key file.
    pub dir: tempfile::TempDir,
    /// The store and its key file.
    pub store: backend::TestDb,
}

impl Station {
    /// A new, uninitialised directory.
    pub fn empty() -> Station {
        let dir = tempfile::tempdir().unwrap();
        let store = backend::test_db(dir.path(), "station.db");
        Station { dir, store }
    }

    /// A directory with an initialised store (key file).
    pub fn new() -> Station {
        let s = Station::empty();
        s.cmd(&["init"]).assert().success();
        s
    }

    /// The store file (or PostgreSQL URL).
    pub fn db(&self) -> PathBuf {
        self.store.db.clone()
    }

    /// The default key file (for PostgreSQL, the one every command is given).
    pub fn key(&self) -> PathBuf {
        self.store.key.clone()
    }

    /// `--key-file` for a PostgreSQL store (an SQLite one uses the default).
    fn key_args(&self) -> Vec<std::ffi::OsString> {
        if backend::on_postgres() {
            vec!["--key-file".into(), self.key().into()]
        } else {
            Vec::new()
        }
    }

    /// `tokenstation --db <tmp> ARGS…` with a clean environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("tokenstation").unwrap();
        c.env_remove("TOKENSTATION_DB")
            .env_remove("TOKENSTATION_KEY_FILE")
            .env_remove("TOKENSTATION_PASSPHRASE")
            .env_remove("TOKENSTATION_SECRET")
            .env_remove("TOKENSTATION_URI")
            // An empty configuration file: tests do not read /etc/tokenstation/station.toml.
            .env("TOKENSTATION_CONFIG", "/dev/null")
            .arg("--db")
            .arg(self.db())
            .args(self.key_args())
            .args(args);
        c
    }

    /// [`Station::cmd`] in a pseudo-terminal (`script`), so that its standard streams
    /// are a terminal, with `typed` typed into it; the output (stdout carries what the
    /// terminal showed, lines ending in `\r\n`).
    pub fn on_terminal(&self, args: &[&str], typed: &str) -> std::process::Output {
        use std::io::Write;
        use std::process::Stdio;
        let mut line = format!(
            "'{}' --db '{}'",
            env!("CARGO_BIN_EXE_tokenstation"),
            self.db().display()
        );
        let keys = self.key_args();
        let keys = keys.iter().map(|a| a.to_string_lossy());
        for a in keys.chain(args.iter().map(|a| (*a).into())) {
            line.push_str(&format!(" '{a}'"));
        }
        let mut child = std::process::Command::new("script")
            .args(["-q", "-e", "-c", &line, "/dev/null"])
            .env_remove("TOKENSTATION_DB")
            .env_remove("TOKENSTATION_KEY_FILE")
            .env_remove("TOKENSTATION_PASSPHRASE")
            .env_remove("TOKENSTATION_SECRET")
            .env_remove("TOKENSTATION_URI")
            .env("TOKENSTATION_CONFIG", "/dev/null")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(typed.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// [`Station::cmd`] as a `std::process::Command` (to spawn, pipe and kill).
    pub fn std_cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"));
        c.env_remove("TOKENSTATION_DB")
            .env_remove("TOKENSTATION_KEY_FILE")
            .env_remove("TOKENSTATION_PASSPHRASE")
            .env_remove("TOKENSTATION_SECRET")
            .env_remove("TOKENSTATION_URI")
            // An empty configuration file: tests do not read /etc/tokenstation/station.toml.
            .env("TOKENSTATION_CONFIG", "/dev/null")
            .arg("--db")
            .arg(self.db())
            .args(self.key_args())
            .args(args);
        c
    }

    /// Runs and returns stdout; panics with stderr on failure.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `args` with `seed` in `TOKENSTATION_SECRET` (a seed never goes in argv)
    /// and returns stdout; panics with stderr on failure.
    pub fn ok_secret(&self, args: &[&str], seed: &str) -> String {
        let out = self
            .cmd(args)
            .env("TOKENSTATION_SECRET", seed)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `args` with `seed` in `TOKENSTATION_SECRET`, expects exit `code`, returns
    /// stderr.
    pub fn fails_secret(&self, args: &[&str], seed: &str, code: i32) -> String {
        let out = self
            .cmd(args)
            .env("TOKENSTATION_SECRET", seed)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: stderr {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    /// Runs with --json and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    /// Runs, expects exit `code`, returns (stdout, stderr).
    pub fn fails(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self.cmd(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

/// RFC 4226 / RFC 6238 SHA1 seed "12345678901234567890" in base32.
pub const RFC_SEED_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// The logical content of every table of the store at `db`: each table's rows, every
/// column, sorted. Two equal dumps mean a refused command changed nothing.
pub fn dump(db: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = String::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        out.push_str(&format!("[{t}]\n{}\n", rows.join("\n")));
    }
    out
}

/// The name `id -un` gives the user running the tests (the passwd entry of the uid).
pub fn os_user_name() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Makes a FIFO at `path` (`mkfifo`).
pub fn mkfifo(path: &std::path::Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}
