//! A PostgreSQL cluster of a test's own, for tests that stop and restart their server
//! (the offline kiosk): initdb and pg_ctl from `TOKENSTATION_TEST_PG_BIN`, in a new
//! directory under `TOKENSTATION_TEST_PG_DIR`, run as `TOKENSTATION_TEST_PG_RUNAS`
//! when set (tools/with-test-postgres.sh exports all three). Unix socket only, its own
//! port number, fsync off. Stopped when dropped. Without the variables the test fails:
//! it is never skipped.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A running (or stopped) cluster.
pub struct Cluster {
    dir: PathBuf,
    port: u32,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: this PostgreSQL test runs beside tools/with-test-postgres.sh \
             (make test, or tools/with-test-postgres.sh cargo test --test NAME)"
        )
    })
}

fn as_pg(tool: &str) -> Command {
    let bin = PathBuf::from(env("TOKENSTATION_TEST_PG_BIN")).join(tool);
    match std::env::var("TOKENSTATION_TEST_PG_RUNAS") {
        Ok(user) if !user.is_empty() => {
            let mut c = Command::new("runuser");
            c.args(["-u", &user, "--"]).arg(bin);
            c
        }
        _ => Command::new(bin),
    }
}

fn run(mut c: Command, what: &str) {
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

impl Cluster {
    /// A new cluster, started.
    pub fn new() -> Cluster {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = PathBuf::from(env("TOKENSTATION_TEST_PG_DIR"))
            .join(format!("own-{}-{n}", std::process::id()));
        let port = 20_000 + (std::process::id() % 20_000) + n;
        let mut init = as_pg("initdb");
        init.arg("-D").arg(dir.join("data")).args([
            "-A",
            "trust",
            "-U",
            "tokenstation",
            "--no-sync",
            "-E",
            "UTF8",
        ]);
        run(init, "initdb");
        let c = Cluster { dir, port };
        c.start();
        c
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&self) {
        let mut c = as_pg("pg_ctl");
        c.arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .arg("-w")
            .arg("-o")
            .arg(format!(
                "-k {} -p {} -c listen_addresses='' -c fsync=off -c full_page_writes=off",
                self.dir.display(),
                self.port
            ))
            .arg("start");
        run(c, "pg_ctl start");
    }

    /// Stops the server (fast shutdown: sessions are ended) and waits until it is down.
    pub fn stop(&self) {
        let mut c = as_pg("pg_ctl");
        c.arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w", "stop"]);
        run(c, "pg_ctl stop");
    }

    /// The URL of database `name` (created now).
    pub fn database(&self, name: &str) -> String {
        let base = self.url("postgres");
        let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        self.url(name)
    }

    fn url(&self, db: &str) -> String {
        format!(
            "postgresql://tokenstation@/{db}?host={}&port={}",
            self.dir.display(),
            self.port
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut c = as_pg("pg_ctl");
        c.arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "stop"]);
        let _ = c.output();
    }
}
