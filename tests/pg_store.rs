//! A PostgreSQL store through the binary: `init --db postgresql://…`, the refusals a
//! station starts with (another program's database, a newer schema, a different
//! master key), the audit log's append-only triggers as the server enforces them
//! (UPDATE, DELETE and TRUNCATE refused; a dropped trigger makes every command refuse
//! the store until `audit verify --restore-triggers`), and a station role with only
//! the privileges the README grants. Needs the test server (`make test`); without it
//! the tests fail, they are never skipped.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::backend;

/// `tokenstation --db URL --key-file KEY ARGS…`.
fn cmd(url: &str, key: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .env_remove("TOKENSTATION_DB")
        .env_remove("TOKENSTATION_KEY_FILE")
        .args(["--db", url, "--key-file", key.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

struct Pg {
    dir: tempfile::TempDir,
    url: String,
    key: std::path::PathBuf,
}

fn init() -> Pg {
    let dir = tempfile::tempdir().unwrap();
    let url = backend::new_pg_database();
    let key = dir.path().join("master.key");
    let o = cmd(&url, &key, &["init"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("created store postgresql://"),
        "{}",
        text(&o)
    );
    Pg { dir, url, key }
}

fn sql(url: &str, statements: &str) -> Result<(), postgres::Error> {
    backend::pg_exec(std::path::Path::new(url), statements)
}

#[test]
fn init_then_every_station_opens_it_and_a_second_init_is_refused() {
    let pg = init();
    let o = cmd(&pg.url, &pg.key, &["product", "add", "P"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = cmd(&pg.url, &pg.key, &["--json", "product", "list"]);
    assert!(text(&o).contains("\"P\""), "{}", text(&o));
    let other_key = pg.dir.path().join("other.key");
    let o = cmd(&pg.url, &other_key, &["init"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("a store already exists at postgresql://"),
        "{}",
        text(&o)
    );
    assert!(!other_key.exists(), "a refused init leaves no key file");
    // Without --key-file the command says what to pass.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tokenstation"))
        .env_remove("TOKENSTATION_KEY_FILE")
        .args(["--db", &pg.url, "holder", "add", "h1"])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o).contains("pass --key-file"), "{}", text(&o));
}

#[test]
fn a_station_with_another_master_key_refuses_to_write() {
    let pg = init();
    let other = pg.dir.path().join("other.key");
    std::fs::write(&other, [7u8; 32]).unwrap();
    let o = cmd(&pg.url, &other, &["holder", "add", "h1"]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).to_lowercase().contains("key"), "{}", text(&o));
    let o = cmd(&pg.url, &pg.key, &["--json", "holder", "list"]);
    assert!(!text(&o).contains("h1"), "nothing written: {}", text(&o));
}

#[test]
fn a_newer_schema_and_a_foreign_database_are_refused() {
    let pg = init();
    sql(&pg.url, "UPDATE tokenstation_schema SET version = 999").unwrap();
    let o = cmd(&pg.url, &pg.key, &["product", "list"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        text(&o).contains("schema version 999, newer than this tokenstation knows"),
        "{}",
        text(&o)
    );

    let foreign = backend::new_pg_database();
    sql(&foreign, "CREATE TABLE invoices (id int)").unwrap();
    for args in [&["init"][..], &["product", "list"][..]] {
        let o = cmd(&foreign, &pg.dir.path().join("f.key"), args);
        assert_ne!(o.status.code(), Some(0));
        assert!(
            text(&o).contains("database of another program"),
            "{args:?}: {}",
            text(&o)
        );
    }
    let empty = backend::new_pg_database();
    let o = cmd(&empty, &pg.key, &["product", "list"]);
    assert!(
        text(&o).contains("no store at postgresql://"),
        "{}",
        text(&o)
    );
}

#[test]
fn the_server_keeps_the_audit_log_append_only() {
    let pg = init();
    assert!(
        cmd(&pg.url, &pg.key, &["holder", "add", "h1"])
            .status
            .success()
    );
    for attack in [
        "UPDATE audit SET actor = 'mallory'",
        "DELETE FROM audit WHERE id = 1",
        "TRUNCATE audit",
    ] {
        let e = sql(&pg.url, attack).unwrap_err();
        let msg = e
            .as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_default();
        assert_eq!(msg, "the audit log is append-only", "{attack}");
    }
    let o = cmd(&pg.url, &pg.key, &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o));

    // A dropped trigger: every command refuses the store, naming it...
    sql(&pg.url, "DROP TRIGGER audit_no_delete ON audit").unwrap();
    let o = cmd(&pg.url, &pg.key, &["holder", "list"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("trigger audit_no_delete is missing"),
        "{}",
        text(&o)
    );
    // ...and a disabled one counts as altered.
    sql(&pg.url, "ALTER TABLE audit DISABLE TRIGGER audit_no_update").unwrap();
    let o = cmd(&pg.url, &pg.key, &["holder", "list"]);
    assert!(
        text(&o).contains("trigger audit_no_update was altered"),
        "{}",
        text(&o)
    );
    // The chain still verifies, so the triggers may be restored, audited.
    let o = cmd(&pg.url, &pg.key, &["audit", "verify", "--restore-triggers"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = cmd(&pg.url, &pg.key, &["holder", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(sql(&pg.url, "DELETE FROM audit").is_err());

    // A line inserted behind the station's back breaks the chain.
    sql(
        &pg.url,
        "INSERT INTO audit (id, at, actor, action, subject, mac)
         SELECT max(id) + 1, 0, 'root', 'seed.export', 'token X', '\\x00'::bytea FROM audit",
    )
    .unwrap();
    let o = cmd(&pg.url, &pg.key, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

/// The README's station role: it may read and append, never rewrite the journal.
#[test]
fn a_station_role_with_the_readme_grants_works_and_cannot_rewrite_the_journal() {
    let pg = init();
    let role = format!("station_{}", std::process::id());
    sql(
        &pg.url,
        &format!(
            "CREATE ROLE {role} LOGIN;
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
             REVOKE UPDATE, DELETE, TRUNCATE ON audit, attempts, presence_events FROM {role};
             GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role};"
        ),
    )
    .unwrap();
    let url = pg.url.replacen("tokenstation@", &format!("{role}@"), 1);
    for args in [
        &["product", "add", "P"][..],
        &["holder", "add", "h1"][..],
        &["location", "add", "Lobby"][..],
    ] {
        let o = cmd(&url, &pg.key, args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
    }
    let o = cmd(&url, &pg.key, &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o));
    // Even with the triggers out of the way (a superuser's doing), the role cannot.
    sql(&pg.url, "ALTER TABLE audit DISABLE TRIGGER USER").unwrap();
    let e = sql(&url, "UPDATE audit SET actor = 'mallory'").unwrap_err();
    assert!(
        e.to_string().contains("permission denied")
            || e.as_db_error()
                .is_some_and(|d| d.message().contains("permission denied")),
        "{e:?}"
    );
    let e = sql(&url, "DELETE FROM audit").unwrap_err();
    assert!(
        e.as_db_error()
            .is_some_and(|d| d.message().contains("permission denied")),
        "{e:?}"
    );
}
