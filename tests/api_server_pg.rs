//! `tokenstation serve` on a PostgreSQL store (issue 17), the real binary over
//! loopback HTTP: a key created through the API, a code verified (`OK`, then
//! `REPLAYED`), wrong codes up to `LIMIT_REACHED`, a presence tap (201, then the
//! stored event for its idempotency key), and SIGTERM ending it cleanly (exit 0,
//! `stopped`, no panic of the blocking PostgreSQL client on the async threads). Then
//! two `serve` processes and CLI stations on one store verifying one code at once:
//! exactly one `OK`. Needs the test server (`make test`, or
//! `tools/with-test-postgres.sh cargo test --test api_server_pg`); without it the tests
//! fail, they are never skipped.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};

use common::api::{Keys, code_at, now, store_at, wrong_code};
use common::backend;
use common::served::Served;
use serde_json::{Value, json};
use tokenstation::station::presence::CredentialKey;

const FAST: &[&str] = &["--key-rate", "1000000", "--key-burst", "100000"];

/// The API fixture (tokens T1, T2, Q1, a key of every role) in a new database.
fn pg_store(dir: &Path) -> (PathBuf, PathBuf, Keys) {
    let url = PathBuf::from(backend::new_pg_database());
    let key = dir.join("master.key");
    let (mut st, keys) = store_at(&url, &key);
    st.holder_enrol(
        "alice",
        &CredentialKey::parse_card("04A1B2C3").unwrap(),
        now(),
    )
    .unwrap();
    st.policy_set("limit.max_failures", "3", now()).unwrap();
    drop(st);
    (url, key, keys)
}

fn status_of(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["status"]
        .as_str()
        .unwrap_or_else(|| panic!("no status in {body}"))
        .to_string()
}

#[test]
fn serve_on_postgres_answers_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (url, key, keys) = pg_store(dir.path());
    let err = dir.path().join("serve.err");
    let mut s = Served::start_with(&url, Some(&key), Some(&err), "127.0.0.1:0", FAST);

    // A key made through the API, used at once.
    let (status, body) = s.post(
        "/api/v1/keys",
        &keys.admin,
        &json!({"name": "door-1", "role": "kiosk", "locations": ["Lobby"]}),
    );
    assert_eq!(status, 201, "{body}");
    let door = serde_json::from_str::<Value>(&body).unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string();

    // One code: OK, then REPLAYED.
    let code = code_at(now());
    let verify = json!({"serial": "T1", "code": code});
    let (status, body) = s.post("/api/v1/verify", &keys.operator, &verify);
    assert_eq!(
        (status, status_of(&body)),
        (200, "OK".to_string()),
        "{body}"
    );
    let (status, body) = s.post("/api/v1/verify", &keys.operator, &verify);
    assert_eq!(
        (status, status_of(&body)),
        (200, "REPLAYED".to_string()),
        "{body}"
    );

    // Wrong codes: three failures (the limit), then LIMIT_REACHED.
    let wrong = json!({"serial": "Q1", "code": wrong_code(now(), 5), "location": "Lab"});
    let statuses: Vec<String> = (0..5)
        .map(|_| status_of(&s.post("/api/v1/verify", &keys.operator, &wrong).1))
        .collect();
    assert_eq!(
        statuses,
        [
            "INVALID_CODE",
            "INVALID_CODE",
            "INVALID_CODE",
            "LIMIT_REACHED",
            "LIMIT_REACHED"
        ],
    );

    // A presence tap with the new kiosk key: recorded, then the stored event.
    let tap =
        json!({"card": "04:a1:b2:c3", "idempotency_key": "door-1|04A1B2C3|1", "at": now() - 60});
    let (status, body) = s.post("/api/v1/presence/events", &door, &tap);
    assert_eq!(status, 201, "{body}");
    let first: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(first["outcome"], "recorded", "{body}");
    let (status, body) = s.post("/api/v1/presence/events", &door, &tap);
    assert_eq!(status, 200, "{body}");
    let again: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (again["outcome"].clone(), again["id"].clone()),
        (json!("duplicate"), first["id"].clone())
    );

    // Reads run on the reader stations.
    let (status, body) = s.get("/api/v1/tokens", Some(&keys.operator));
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["total"], 3);

    s.terminate();
    assert_eq!(s.wait(20), Some(0));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut s.stdout, &mut rest).unwrap();
    assert_eq!(rest.trim(), "stopped");
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(
        !stderr.contains("panic") && !stderr.contains("a runtime"),
        "serve's standard error: {stderr}"
    );
}

/// `tokenstation --json verify T1 CODE` as a station process on the store.
fn cli_station(url: &Path, key: &Path, code: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .env_remove("TOKENSTATION_DB")
        .env("TOKENSTATION_CONFIG", "/dev/null")
        .arg("--db")
        .arg(url)
        .arg("--key-file")
        .arg(key)
        .args(["--json", "verify", "T1", code])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_servers_and_cli_stations_accept_one_code_once() {
    let dir = tempfile::tempdir().unwrap();
    let (url, key, keys) = pg_store(dir.path());
    let errs = [dir.path().join("a.err"), dir.path().join("b.err")];
    let mut servers: Vec<Served> = errs
        .iter()
        .map(|e| Served::start_with(&url, Some(&key), Some(e), "127.0.0.1:0", FAST))
        .collect();
    for round in 0..2 {
        // A code of a step not used yet (T1 was activated with the code of a minute ago).
        let at = now();
        let code = code_at(at + 30 * round);
        let per_server = 8;
        let barrier = Arc::new(Barrier::new(2 * per_server + 1));
        let (http, cli) = std::thread::scope(|scope| {
            let handles: Vec<_> = servers
                .iter()
                .flat_map(|s| std::iter::repeat_n(s, per_server))
                .map(|s| {
                    let barrier = Arc::clone(&barrier);
                    let body = json!({"serial": "T1", "code": code});
                    let key = keys.operator.clone();
                    scope.spawn(move || {
                        barrier.wait();
                        let (status, text) = s.post("/api/v1/verify", &key, &body);
                        assert_eq!(status, 200, "{text}");
                        status_of(&text)
                    })
                })
                .collect();
            barrier.wait();
            let cli: Vec<Child> = (0..3).map(|_| cli_station(&url, &key, &code)).collect();
            let http: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let cli: Vec<String> = cli
                .into_iter()
                .map(|c| {
                    let out = c.wait_with_output().unwrap();
                    let text = String::from_utf8_lossy(&out.stdout).to_string();
                    assert!(
                        out.status.code() == Some(0) || out.status.code() == Some(1),
                        "{text} {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    status_of(&text)
                })
                .collect();
            (http, cli)
        });
        let all: Vec<&String> = http.iter().chain(cli.iter()).collect();
        assert_eq!(
            all.iter().filter(|s| **s == "OK").count(),
            1,
            "round {round}: HTTP {http:?}, CLI {cli:?}"
        );
        assert!(
            all.iter().all(|s| *s == "OK" || *s == "REPLAYED"),
            "round {round}: HTTP {http:?}, CLI {cli:?}"
        );
    }
    for (s, e) in servers.iter_mut().zip(&errs) {
        s.terminate();
        assert_eq!(s.wait(20), Some(0));
        let stderr = std::fs::read_to_string(e).unwrap();
        assert!(
            !stderr.contains("panic"),
            "serve's standard error: {stderr}"
        );
    }
}

/// The API face built, used and dropped from inside the async runtime (as a library
/// user or an in-process test does): the reader stations are opened and closed on
/// threads of their own, or the blocking client would panic here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_keeps_its_stations_off_the_async_threads() {
    use axum::body::Body;
    use axum::extract::connect_info::MockConnectInfo;
    use tower::ServiceExt;

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let (st, keys) = tokio::task::spawn_blocking(move || {
        let (url, key, keys) = pg_store(&d);
        let mut st = tokenstation::station::Station::open(&url).unwrap();
        st.unlock(&tokenstation::station::KeySource::File(key))
            .unwrap();
        (st, keys)
    })
    .await
    .unwrap();
    let server = tokenstation::api::Server::new(st, &tokenstation::api::Config::default()).unwrap();
    let router = server
        .router
        .clone()
        .layer(MockConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            5555,
        ))));
    for _ in 0..3 {
        let req = axum::http::Request::get("/api/v1/tokens")
            .header("authorization", format!("Bearer {}", keys.operator))
            .body(Body::empty())
            .unwrap();
        let r = router.clone().oneshot(req).await.unwrap();
        assert_eq!(r.status(), 200);
    }
    drop(router);
    server.finish();
}
