//! The HTTP API under load (issue 16): the release `tokenstation serve` (every commit
//! durable, `synchronous = FULL`) on loopback over a 100,000-token store, driven by wrk
//! (`benches/api_wrk.lua`: random serials, wrong codes, one operator key whose rate
//! limit is set out of the way but still checked). Same load as
//! `../shared/bench/peer_privacyidea.sh` runs against privacyIDEA's `/validate/check`:
//! wrong codes, one wrk thread, a 5 s warm-up, then the measured run. The token failure
//! limit is raised to 1000, as the peer script raises privacyIDEA's max failcount, so
//! wrong codes stay `INVALID_CODE` verdicts (each writes a failure count and an
//! attempt).
//!
//! Prints one line per run: verifications/s, p50 and p99 latency, the verdicts. Runs:
//! 1 connection, 4 (the peer script's), 32, and 32 without group commit.
//! `API_BENCH_SECS` sets the measured seconds (default 20).
//!
//! `API_BENCH_BACKEND=postgres` serves a PostgreSQL store instead (issue 17): the same
//! 100,000-token store copied with `tokenstation store copy` into a new database on the
//! server of `TOKENSTATION_TEST_PG` (`tools/with-test-postgres.sh cargo bench --bench
//! api_http`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod fixtures;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokenstation::model::access::Role;
use tokenstation::otp::{Algorithm, Digits, OtpKey};
use tokenstation::station::access::KeySpec;
use tokenstation::station::{KeySource, Station, default_key_file};

const N: u64 = 100_000;

fn open(db: &Path) -> Station {
    let mut st = Station::open(db).unwrap();
    st.unlock(&KeySource::File(default_key_file(db))).unwrap();
    st
}

fn copy_store(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    std::fs::copy(default_key_file(from), default_key_file(to)).unwrap();
}

/// The 100,000-token fixture, copied and every token activated a day ago (built once
/// under target/, then copied for each run).
fn activated_store() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("api-bench-100000");
    let db = dir.join("station.db");
    if db.exists() {
        return db;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let building = dir.join("building.db");
    let _ = std::fs::remove_file(&building);
    let src = fixtures::store(N);
    // Checkpoint the shared fixture so that its main file is the whole store.
    drop(open(&src));
    copy_store(&src, &building);
    let mut st = open(&building);
    let day_ago = tokenstation::station::time::now() - 86_400;
    let step = (day_ago / 30) as u64;
    eprintln!("activating {N} tokens (once)…");
    for i in 0..N {
        let serial = fixtures::serial(i);
        if st.token(&serial, None).unwrap().status.as_str() == "active" {
            continue;
        }
        let code = OtpKey::new(Algorithm::Sha1, &fixtures::seed(i)).code_string(step, Digits::SIX);
        assert!(
            st.token_activate(&serial, None, &code, day_ago)
                .unwrap()
                .is_ok()
        );
    }
    st.policy_set("limit.max_failures", "1000", day_ago)
        .unwrap();
    // One key sends every request, naming a random end user (`client`, see
    // api_wrk.lua) as an application does; each end user's free failures raised to
    // the most the policy allows, so every request writes a failure count, a source
    // delay row and an attempt.
    st.policy_set("limit.source_free_failures", "1000", day_ago)
        .unwrap();
    drop(st);
    std::fs::rename(&building, &db).unwrap();
    std::fs::rename(default_key_file(&building), default_key_file(&db)).unwrap();
    db
}

/// The template copied into a new PostgreSQL database (`store copy`); its URL.
fn postgres_store(template: &Path) -> PathBuf {
    let base = std::env::var("TOKENSTATION_TEST_PG")
        .expect("API_BENCH_BACKEND=postgres needs a server: tools/with-test-postgres.sh");
    let name = format!("api_bench_{}", std::process::id());
    let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let url = base.replacen("/postgres?", &format!("/{name}?"), 1);
    eprintln!("copying the store to PostgreSQL…");
    let ok = Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .env("TOKENSTATION_CONFIG", "/dev/null")
        .arg("--key-file")
        .arg(default_key_file(template))
        .args(["store", "copy", "--from"])
        .arg(template)
        .args(["--to", &url])
        .status()
        .unwrap()
        .success();
    assert!(ok, "store copy failed");
    PathBuf::from(url)
}

struct Server(Child, String);

impl Server {
    fn start(db: &Path, key_file: &Path, group: usize) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tokenstation"))
            .env_remove("TOKENSTATION_DB")
            .env("TOKENSTATION_CONFIG", "/dev/null")
            .arg("--db")
            .arg(db)
            .arg("--key-file")
            .arg(key_file)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--key-rate",
                "100000000",
            ])
            .args([
                "--key-burst",
                "1000000",
                "--group-commit",
                &group.to_string(),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line.trim().trim_start_matches("listening on ").to_string();
        Server(child, base)
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// One wrk run: (requests/s, p50 ms, p99 ms, verdicts line).
fn wrk(base: &str, key: &str, conns: u32, secs: u64) -> (f64, f64, f64, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/api_wrk.lua");
    let out = Command::new("wrk")
        .env("API_KEY", key)
        .env("TOKENS", N.to_string())
        .args([
            "-t1",
            &format!("-c{conns}"),
            &format!("-d{secs}s"),
            "--timeout",
            "30s",
            "--latency",
            "-s",
        ])
        .arg(&script)
        .arg(base)
        .output()
        .expect("wrk is missing: install the Debian package wrk (make deps)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let ms = |label: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in wrk's output:\n{text}"));
        let v = line.split_whitespace().nth(1).unwrap();
        let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap());
        let n: f64 = num.parse().unwrap();
        n * match unit {
            "us" => 0.001,
            "ms" => 1.0,
            "s" => 1000.0,
            _ => panic!("unit {unit}"),
        }
    };
    let rps: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let verdicts = text
        .lines()
        .find(|l| l.starts_with("VERDICTS"))
        .unwrap_or("")
        .to_string();
    (rps, ms("50%"), ms("99%"), verdicts)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run only
    // when benchmarking.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let secs: u64 = std::env::var("API_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let template = activated_store();
    let dir = tempfile::tempdir().unwrap();
    let pg = std::env::var("API_BENCH_BACKEND").is_ok_and(|b| b == "postgres");
    let key_file = default_key_file(&template);
    let db = if pg {
        postgres_store(&template)
    } else {
        let db = dir.path().join("station.db");
        copy_store(&template, &db);
        db
    };
    let key = {
        let mut st = Station::open(&db).unwrap();
        st.unlock(&KeySource::File(key_file.clone())).unwrap();
        let spec = KeySpec {
            name: "bench".into(),
            role: Role::Operator,
            locations: Vec::new(),
            products: Vec::new(),
            cidrs: Vec::new(),
            expires_at: None,
        };
        st.key_add(&spec, tokenstation::station::time::now())
            .unwrap()
            .key
            .to_string()
    };
    println!(
        "api_http: {N} tokens on {}, durable commits, wrk -t1, wrong codes, {secs} s per run after a 5 s warm-up",
        if pg { "PostgreSQL" } else { "SQLite" }
    );
    for (conns, group) in [(1, 64), (4, 64), (32, 64), (32, 1)] {
        let server = Server::start(&db, &key_file, group);
        wrk(&server.1, &key, conns, 5);
        let (rps, p50, p99, verdicts) = wrk(&server.1, &key, conns, secs);
        println!(
            "{conns:>2} conns, group commit {group:>2}: {rps:>8.0} verifications/s, p50 {p50:.2} ms, p99 {p99:.2} ms  ({verdicts})"
        );
        server.stop();
        std::thread::sleep(Duration::from_millis(500));
    }
}
