//! `tokenstation store copy` through the binary with a real PostgreSQL server (issue
//! 17, "Moving"): SQLite to PostgreSQL and back, every table's rows equal, a token's
//! next code verifies on each target, the audit chain verifies there with the copy's
//! own line after it, new rows get fresh ids; a non-empty target and a source whose
//! audit log was edited (triggers put back to hide it) are refused with nothing
//! written. Needs the test server (`make test`, or
//! `tools/with-test-postgres.sh cargo test --test store_copy`); never skipped.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::backend;
use rusqlite::Connection;
use serde_json::Value;
use tokenstation::otp::{Algorithm, Digits, OtpKey, Secret};
use tokenstation::station::catalog::ProductChange;
use tokenstation::station::tokens::SeedInput;
use tokenstation::station::{KeySource, Station};
use tokenstation::store::audit::TRIGGERS;

const SEED: &[u8] = b"12345678901234567890";
const T0: i64 = 1_700_000_015;

fn code_at(t: i64) -> String {
    OtpKey::new(Algorithm::Sha1, &Secret::from_slice(SEED))
        .code_string((t / 30) as u64, Digits::SIX)
}

/// `tokenstation --key-file KEY ARGS…` (no configuration file, no store variable).
fn run(key: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .env_remove("TOKENSTATION_DB")
        .env_remove("TOKENSTATION_KEY_FILE")
        .env("TOKENSTATION_CONFIG", "/dev/null")
        .arg("--key-file")
        .arg(key)
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(key: &Path, args: &[&str]) -> String {
    let o = run(key, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// `store copy --json`: the rows per table.
fn copy(key: &Path, from: &str, to: &str) -> Vec<(String, u64)> {
    let out = ok(
        key,
        &["--json", "store", "copy", "--from", from, "--to", to],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap().to_string(),
                t["rows"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// An SQLite store with a bit of everything: product, location, holder, an active
/// token assigned to both, attempts, an API key, policy, backup codes.
fn source(dir: &Path) -> (PathBuf, PathBuf) {
    let db = dir.join("src.db");
    let key = dir.join("src.db.key");
    let mut st = Station::init(&db, &KeySource::File(key.clone()), T0 - 100).unwrap();
    st.product_add(&ProductChange::default().new_product("P"), T0)
        .unwrap();
    st.location_add("Lab", "UTC", T0).unwrap();
    st.holder_add("alice", Some("Alice"), T0).unwrap();
    st.token_add("T1", "P", SeedInput::Secret(Secret::from_slice(SEED)), T0)
        .unwrap();
    st.token_assign_location("T1", None, Some("Lab"), T0)
        .unwrap();
    st.token_assign_holder("T1", None, "alice", T0).unwrap();
    assert!(
        st.token_activate("T1", None, &code_at(T0), T0)
            .unwrap()
            .is_ok()
    );
    st.policy_set("limit.max_failures", "7", T0).unwrap();
    drop(st);
    ok(
        &key,
        &["--db", db.to_str().unwrap(), "token", "backup-codes", "T1"],
    );
    ok(
        &key,
        &[
            "--db",
            db.to_str().unwrap(),
            "key",
            "add",
            "--role",
            "operator",
            "ops",
        ],
    );
    (db, key)
}

/// Rows per table of an SQLite store, read directly.
fn sqlite_counts(db: &Path, tables: &[(String, u64)]) -> Vec<(String, u64)> {
    let c = Connection::open(db).unwrap();
    tables
        .iter()
        .map(|(t, _)| {
            let n: i64 = c
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap();
            (t.clone(), n as u64)
        })
        .collect()
}

/// Rows per table of a PostgreSQL store, read directly.
fn pg_counts(url: &str, tables: &[(String, u64)]) -> Vec<(String, u64)> {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    tables
        .iter()
        .map(|(t, _)| {
            let n: i64 = c
                .query_one(&format!("SELECT count(*) FROM \"{t}\""), &[])
                .unwrap()
                .get(0);
            (t.clone(), n as u64)
        })
        .collect()
}

/// The counts a target holds after the copy: the copied rows and the copy's audit line.
fn with_copy_line(report: &[(String, u64)]) -> Vec<(String, u64)> {
    report
        .iter()
        .map(|(t, n)| (t.clone(), if t == "audit" { n + 1 } else { *n }))
        .collect()
}

/// `audit verify --json` passes; the last audit line's action.
fn audit_ok(key: &Path, db: &str) -> String {
    let v: Value =
        serde_json::from_str(&ok(key, &["--db", db, "--json", "audit", "verify"])).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    let list: Value = serde_json::from_str(&ok(
        key,
        &["--db", db, "--json", "audit", "list", "--limit", "1"],
    ))
    .unwrap();
    list[0]["action"].as_str().unwrap().to_string()
}

fn verify_status(key: &Path, db: &str, at: i64) -> String {
    let o = run(
        key,
        &[
            "--db",
            db,
            "--json",
            "verify",
            "T1",
            &code_at(at),
            "--location",
            "Lab",
            "--at",
            &at.to_string(),
        ],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", text(&o)));
    v["status"].as_str().unwrap().to_string()
}

#[test]
fn sqlite_to_postgres_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = source(dir.path());
    let src = db.to_str().unwrap();
    let pg = backend::new_pg_database();

    let first = copy(&key, src, &pg);
    assert_eq!(
        first,
        sqlite_counts(&db, &first),
        "every row of every table"
    );
    assert_eq!(pg_counts(&pg, &first), with_copy_line(&first));
    let rows = |name: &str| first.iter().find(|(t, _)| t == name).unwrap().1;
    assert_eq!(
        (
            rows("tokens"),
            rows("backup_codes"),
            rows("api_keys"),
            rows("meta") > 1
        ),
        (1, 10, 1, true)
    );
    assert!(
        first.iter().position(|(t, _)| t == "products")
            < first.iter().position(|(t, _)| t == "tokens")
    );
    assert_eq!(audit_ok(&key, &pg), "store.copy");
    // The planner's statistics were refreshed (ANALYZE): reltuples is -1 before.
    let mut c = postgres::Client::connect(&pg, postgres::NoTls).unwrap();
    let tuples: f32 = c
        .query_one(
            "SELECT reltuples FROM pg_class WHERE oid = 'tokens'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tuples, 1.0, "ANALYZE ran on the target");
    drop(c);
    // The seed opens under the same key on the target: its next code verifies, once.
    assert_eq!(verify_status(&key, &pg, T0 + 90), "OK");
    assert_eq!(verify_status(&key, &pg, T0 + 90), "REPLAYED");
    // New rows get fresh ids after the copied ones (the sequences moved).
    ok(&key, &["--db", &pg, "product", "add", "Q"]);
    ok(&key, &["--db", &pg, "holder", "add", "bob"]);

    // Back to a new SQLite file: the PostgreSQL store's rows, one more copy line.
    let back = dir.path().join("back.db");
    let on_pg = pg_counts(&pg, &first);
    let second = copy(&key, &pg, back.to_str().unwrap());
    assert_eq!(second, on_pg, "every row of every table");
    assert_eq!(sqlite_counts(&back, &second), with_copy_line(&second));
    for (t, n) in &second {
        let before = rows(t);
        let want = match t.as_str() {
            // the copy line, product Q and holder bob, then their audit lines
            "audit" => before + 3,
            "products" | "holders" => before + 1,
            // the two verifications on PostgreSQL
            "attempts" => before + 2,
            _ => before,
        };
        if t != "meta" && t != "fail_counters" && t != "source_delays" {
            assert_eq!(*n, want, "table {t}");
        }
    }
    assert_eq!(audit_ok(&key, back.to_str().unwrap()), "store.copy");
    let stats: i64 = Connection::open(&back)
        .unwrap()
        .query_row("SELECT count(*) FROM sqlite_stat1", [], |r| r.get(0))
        .unwrap();
    assert!(stats > 0, "ANALYZE ran on the SQLite target");
    // The replay guard came along (the step of T0+90 is used); the next step verifies.
    assert_eq!(
        verify_status(&key, back.to_str().unwrap(), T0 + 90),
        "REPLAYED"
    );
    assert_eq!(verify_status(&key, back.to_str().unwrap(), T0 + 150), "OK");
    let copies: Value = serde_json::from_str(&ok(
        &key,
        &[
            "--db",
            back.to_str().unwrap(),
            "--json",
            "audit",
            "list",
            "--action",
            "store.copy",
        ],
    ))
    .unwrap();
    assert_eq!(copies.as_array().unwrap().len(), 2, "{copies}");
}

#[test]
fn a_non_empty_target_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = source(dir.path());
    let src = db.to_str().unwrap();
    // A PostgreSQL store with its own first lines.
    let pg = backend::new_pg_database();
    let other_key = dir.path().join("other.key");
    ok(&other_key, &["--db", &pg, "init"]);
    let o = run(&key, &["store", "copy", "--from", src, "--to", &pg]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("is not empty") && err.contains("copy only into a new store"),
        "{err}"
    );
    assert_eq!(
        audit_ok(&other_key, &pg),
        "station.init",
        "the target is as it was"
    );
    // An SQLite store is refused the same way, and kept.
    let (other, _) = {
        let d = dir.path().join("o");
        std::fs::create_dir(&d).unwrap();
        source(&d)
    };
    let before = std::fs::read(&other).unwrap().len();
    let o = run(
        &key,
        &[
            "store",
            "copy",
            "--from",
            src,
            "--to",
            other.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("is not empty"), "{}", text(&o));
    assert!(std::fs::read(&other).unwrap().len() >= before);
    // The same store as source and target.
    let o = run(&key, &["store", "copy", "--from", src, "--to", src]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("the same store"), "{}", text(&o));
}

#[test]
fn a_source_with_an_edited_audit_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = source(dir.path());
    // More lines than the unlock's tail check reads, so only the whole chain finds it.
    let mut st = Station::open(&db).unwrap();
    st.unlock(&KeySource::File(key.clone())).unwrap();
    for i in 0..110 {
        st.holder_add(&format!("h{i}"), None, T0).unwrap();
    }
    drop(st);
    let c = Connection::open(&db).unwrap();
    c.execute_batch(
        "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;
         UPDATE audit SET subject = 'holder mallory' WHERE id = 3;",
    )
    .unwrap();
    for (_, sql) in TRIGGERS {
        c.execute_batch(sql).unwrap();
    }
    drop(c);
    let pg = backend::new_pg_database();
    let o = run(
        &key,
        &["store", "copy", "--from", db.to_str().unwrap(), "--to", &pg],
    );
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("audit line 3"), "{err}");
    // Nothing was created on the target: the next copy of a good store goes in.
    let mut client = postgres::Client::connect(&pg, postgres::NoTls).unwrap();
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
    let sqlite_target = dir.path().join("t.db");
    let o = run(
        &key,
        &[
            "store",
            "copy",
            "--from",
            db.to_str().unwrap(),
            "--to",
            sqlite_target.to_str().unwrap(),
        ],
    );
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!sqlite_target.exists(), "no file left behind");
}

#[test]
fn foreign_and_newer_stores_are_refused_at_either_end() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = source(dir.path());
    let src = db.to_str().unwrap();
    // A database of another program, as source and as target.
    let foreign = backend::new_pg_database();
    backend::pg_exec(Path::new(&foreign), "CREATE TABLE orders (id BIGINT)").unwrap();
    let x = dir.path().join("x.db");
    let o = run(
        &key,
        &[
            "store",
            "copy",
            "--from",
            &foreign,
            "--to",
            x.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("another program"), "{}", text(&o));
    assert!(!x.exists());
    let o = run(&key, &["store", "copy", "--from", src, "--to", &foreign]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("another program"), "{}", text(&o));
    // A store from a newer tokenstation.
    let newer = dir.path().join("newer.db");
    std::fs::copy(&db, &newer).unwrap();
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let target = dir.path().join("t.db");
    let o = run(
        &key,
        &[
            "store",
            "copy",
            "--from",
            newer.to_str().unwrap(),
            "--to",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("newer than this tokenstation"),
        "{}",
        text(&o)
    );
    assert!(!target.exists());
}

#[test]
fn within_one_backend() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = source(dir.path());
    // SQLite to SQLite (a new directory is made).
    let file = dir.path().join("moved/station.db");
    let report = copy(&key, db.to_str().unwrap(), file.to_str().unwrap());
    assert_eq!(report, sqlite_counts(&db, &report));
    assert_eq!(sqlite_counts(&file, &report), with_copy_line(&report));
    assert_eq!(audit_ok(&key, file.to_str().unwrap()), "store.copy");
    assert_eq!(verify_status(&key, file.to_str().unwrap(), T0 + 90), "OK");
    // PostgreSQL to PostgreSQL.
    let a = backend::new_pg_database();
    let b = backend::new_pg_database();
    let first = copy(&key, db.to_str().unwrap(), &a);
    let on_a = pg_counts(&a, &first);
    let second = copy(&key, &a, &b);
    assert_eq!(second, on_a);
    assert_eq!(pg_counts(&b, &second), with_copy_line(&second));
    assert_eq!(audit_ok(&key, &b), "store.copy");
    assert_eq!(verify_status(&key, &b, T0 + 90), "OK");
    ok(&key, &["--db", &b, "holder", "add", "carol"]);
}
