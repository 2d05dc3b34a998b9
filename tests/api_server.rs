//! The `tokenstation serve` binary on `127.0.0.1:0`: it prints its address, answers
//! over real HTTP, refuses a non-loopback address without `--allow-remote`, finishes a
//! request in flight on SIGTERM before it exits, and decides concurrent verifications
//! exactly (one `OK` for 100 copies of a code; failure counts exact for 100 wrong
//! codes).

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::api::{code_at, now, store, wrong_code};
use common::served::Served;
use serde_json::{Value, json};
use tokenstation::station::{KeySource, Station, default_key_file};
use tokenstation::store::attempts::AttemptFilter;

fn open(db: &std::path::Path) -> Station {
    let mut st = Station::open(db).unwrap();
    st.unlock(&KeySource::File(default_key_file(db))).unwrap();
    st
}

const FAST: &[&str] = &["--key-rate", "1000000", "--key-burst", "100000"];

#[test]
fn serves_over_loopback_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let (st, keys) = store(&dir);
    drop(st);
    let db = dir.path().join("s.db");
    let mut s = Served::start(&db, "127.0.0.1:0", FAST);
    assert!(s.base.starts_with("http://127.0.0.1:"), "{}", s.base);
    assert!(!s.base.ends_with(":0"));
    let (status, body) = s.get("/health", None);
    assert_eq!(
        (
            status,
            serde_json::from_str::<Value>(&body).unwrap()["status"].clone()
        ),
        (200, json!("ok"))
    );
    let (status, body) = s.post(
        "/api/v1/verify",
        &keys.operator,
        &json!({"serial": "T1", "code": code_at(now())}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "OK",
        "{body}"
    );
    assert_eq!(s.get("/api/v1/tokens", None).0, 401);

    // A request in flight: headers and half its body sent, then SIGTERM, then the rest.
    let body = json!({"serial": "Q1", "code": wrong_code(now(), 3), "location": "Lab"}).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut conn = TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "POST /api/v1/verify HTTP/1.1\r\nHost: {addr}\r\nX-API-Key: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        keys.operator,
        body.len()
    )
    .unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    s.terminate();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        s.child.try_wait().unwrap().is_none(),
        "it waits for the request in flight"
    );
    conn.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"INVALID_CODE\""), "{answer}");
    assert_eq!(s.wait(10), Some(0));
    let mut rest = String::new();
    s.stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest.trim(), "stopped");
    // Its verdict was committed before the answer.
    let attempts = open(&db)
        .attempts(&AttemptFilter {
            serial: Some("Q1".into()),
            ..AttemptFilter::default()
        })
        .unwrap();
    let invalid = attempts
        .iter()
        .filter(|a| a.status == "INVALID_CODE")
        .count();
    assert_eq!(invalid, 1, "{attempts:?}");
    assert!(TcpStream::connect(&addr).is_err(), "no longer listening");
}

#[test]
fn loopback_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let (st, _) = store(&dir);
    drop(st);
    let db = dir.path().join("s.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .env_remove("TOKENSTATION_DB")
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a loopback address") && err.contains("--allow-remote"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let mut s = Served::start(&db, "0.0.0.0:0", &["--allow-remote"]);
    assert!(s.base.starts_with("http://0.0.0.0:"), "{}", s.base);
    s.terminate();
    assert_eq!(s.wait(10), Some(0));
    // A store that cannot be opened: the CLI's error and exit code.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .env_remove("TOKENSTATION_DB")
        .arg("--db")
        .arg(dir.path().join("none.db"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tokenstation init"));
}

/// Sends `n` verifications at once (from `n` threads); their verdicts' statuses.
fn burst(s: &Served, key: &str, n: usize, body: Value) -> Vec<String> {
    let barrier = Arc::new(Barrier::new(n));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                let body = body.clone();
                scope.spawn(move || {
                    barrier.wait();
                    let (status, text) = s.post("/api/v1/verify", key, &body);
                    assert_eq!(status, 200, "{text}");
                    serde_json::from_str::<Value>(&text).unwrap()["status"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn count(statuses: &[String], s: &str) -> usize {
    statuses.iter().filter(|x| *x == s).count()
}

#[test]
fn concurrent_verifications_over_http_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (mut st, keys) = store(&dir);
    st.policy_set("limit.max_failures", "1000", now()).unwrap();
    drop(st);
    let db = dir.path().join("s.db");
    let s = Served::start(&db, "127.0.0.1:0", FAST);
    let t = now();

    // 100 copies of one valid code: exactly one OK.
    let code = code_at(t + 30);
    let statuses = burst(
        &s,
        &keys.operator,
        100,
        json!({"serial": "T1", "code": code}),
    );
    assert_eq!(count(&statuses, "OK"), 1, "{statuses:?}");
    assert_eq!(count(&statuses, "REPLAYED"), 99, "{statuses:?}");

    // 100 wrong codes: 100 failures counted, 100 attempts.
    let wrong = wrong_code(t, 5);
    let statuses = burst(
        &s,
        &keys.operator,
        100,
        json!({"serial": "Q1", "code": wrong, "location": "Lab"}),
    );
    assert_eq!(count(&statuses, "INVALID_CODE"), 100, "{statuses:?}");
    let st = open(&db);
    assert_eq!(st.token_detail("Q1", None).unwrap().failures, 100);
    let q1 = AttemptFilter {
        serial: Some("Q1".into()),
        ..AttemptFilter::default()
    };
    let attempts = st.attempts(&q1).unwrap();
    assert_eq!(
        attempts
            .iter()
            .filter(|a| a.status == "INVALID_CODE")
            .count(),
        100
    );
    drop(st);

    // With a limit of 5: exactly 5 failures, then LIMIT_REACHED for the other 95.
    let mut st = open(&db);
    st.policy_set("limit.max_failures", "5", now()).unwrap();
    st.token_unlock("Q1", None, now()).unwrap();
    drop(st);
    let statuses = burst(
        &s,
        &keys.operator,
        100,
        json!({"serial": "Q1", "code": wrong, "location": "Lab"}),
    );
    assert_eq!(count(&statuses, "INVALID_CODE"), 5, "{statuses:?}");
    assert_eq!(count(&statuses, "LIMIT_REACHED"), 95, "{statuses:?}");
    // The fifth failure started the cooldown (and the count over).
    let d = open(&db).token_detail("Q1", None).unwrap();
    assert_eq!(d.failures, 0);
    assert!(d.locked_until_ms.unwrap() > now() * 1000);
    let attempts = open(&db).attempts(&q1).unwrap();
    assert_eq!(
        attempts
            .iter()
            .filter(|a| a.status == "INVALID_CODE")
            .count(),
        105
    );
    assert_eq!(
        attempts
            .iter()
            .filter(|a| a.status == "LIMIT_REACHED")
            .count(),
        95
    );
}
