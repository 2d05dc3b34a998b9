//! The tamper-evident audit log, attacked the way the issue did: by writing the SQLite
//! file directly (rusqlite) with no key. A backdated INSERT, a dropped trigger and an
//! edited line, a deleted line in the middle, a cut-off tail, stripped MACs and an
//! edited header are each found, by `audit verify` (exit 1, naming the first bad line)
//! and at unlock (every write refused, exit 3). A store from before the chain gets its
//! old lines sealed as the genesis segment on its first keyed write.
#![allow(clippy::unwrap_used, clippy::mod_module_files)]

mod common;

use common::Station;
use rusqlite::Connection;
use tokenstation::store::audit::TRIGGERS;

/// A store with a few audit lines (1 init, 2 product, 3-6 holders).
fn station() -> Station {
    let s = Station::new();
    s.ok(&["product", "add", "P"]);
    for h in ["h1", "h2", "h3", "h4"] {
        s.ok(&["holder", "add", h]);
    }
    s
}

fn sql(s: &Station, statements: &str) {
    Connection::open(s.db())
        .unwrap()
        .execute_batch(statements)
        .unwrap();
}

fn drop_triggers(s: &Station) {
    sql(
        s,
        "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;",
    );
}

/// Puts the triggers back exactly as created, so the file opens again: what an
/// attacker who knows the schema does to hide the edit.
fn recreate_triggers(s: &Station) {
    for (_, text) in TRIGGERS {
        sql(s, text);
    }
}

/// `audit verify --json`: (exit code, report).
fn verify(s: &Station) -> (i32, serde_json::Value) {
    let out = s.cmd(&["--json", "audit", "verify"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), v)
}

/// A write is refused with exit 3, naming the problem; nothing is added.
fn writes_refused(s: &Station, needle: &str) {
    let before = audit_rows(s);
    let (_, err) = s.fails(&["holder", "add", "h9"], 3);
    assert!(err.contains(needle), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(audit_rows(s), before, "nothing written");
}

fn audit_rows(s: &Station) -> i64 {
    Connection::open(s.db())
        .unwrap()
        .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn an_intact_log_verifies() {
    let s = station();
    let (code, v) = verify(&s);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["report"]["lines"], 6);
    assert_eq!(v["report"]["chain_start"], 1);
    assert_eq!(v["report"]["head"][0], 6);
    let text = s.ok(&["audit", "verify"]);
    assert!(text.contains("OK: the audit log is intact"), "{text}");
}

#[test]
fn a_backdated_insert_is_found() {
    let s = station();
    // The triggers allow INSERT: no trigger is touched.
    sql(
        &s,
        "INSERT INTO audit (at, actor, action, subject) VALUES (0, 'root', 'seed.export', 'token X')",
    );
    let (code, v) = verify(&s);
    assert_eq!(code, 1);
    assert_eq!(v["report"]["problem"]["problem"], "unchained");
    assert_eq!(v["report"]["problem"]["line"], 7);
    writes_refused(&s, "audit line 7 has no MAC");
    // With a made-up MAC it is no better.
    let s = station();
    sql(
        &s,
        "INSERT INTO audit (at, actor, action, subject, mac) VALUES (0, 'root', 'seed.export', 'token X', zeroblob(32))",
    );
    assert_eq!(verify(&s).1["report"]["problem"]["problem"], "bad_mac");
    writes_refused(&s, "audit line 7 does not match its MAC");
}

#[test]
fn a_dropped_trigger_and_an_edited_line_are_found() {
    let s = station();
    drop_triggers(&s);
    sql(&s, "UPDATE audit SET actor = 'mallory' WHERE id = 3");
    // Every command refuses the store while its triggers are gone...
    let (_, err) = s.fails(&["holder", "list"], 3);
    assert!(err.contains("trigger audit_no_update is missing"), "{err}");
    assert!(err.contains("audit verify"), "{err}");
    // ...and the check names them and the first edited line.
    let (code, v) = verify(&s);
    assert_eq!(code, 1);
    let triggers = v["report"]["triggers"].to_string();
    assert!(
        triggers.contains("audit_no_update is missing"),
        "{triggers}"
    );
    assert_eq!(v["report"]["problem"]["line"], 3);
    // No restore over an edited log.
    let out = s
        .cmd(&["audit", "verify", "--restore-triggers"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(s.cmd(&["holder", "list"]).output().unwrap().status.code() == Some(3));
    // Put back exactly as they were, the triggers hide nothing: the MAC still breaks.
    recreate_triggers(&s);
    assert_eq!(verify(&s).1["report"]["problem"]["line"], 3);
    writes_refused(&s, "audit line 3 does not match its MAC");
}

#[test]
fn triggers_dropped_without_an_edit_are_restored_on_request_only() {
    let s = station();
    sql(&s, "DROP TRIGGER audit_no_delete");
    s.fails(&["holder", "add", "h9"], 3);
    let (code, v) = verify(&s);
    assert_eq!((code, v["report"]["problem"].is_null()), (1, true), "{v}");
    let out = s.ok(&["audit", "verify", "--restore-triggers"]);
    assert!(out.contains("OK"), "{out}");
    s.ok(&["holder", "add", "h9"]);
    let audit = s.json(&["audit", "list", "--limit", "2"]);
    assert_eq!(audit[1]["action"], "audit.triggers.restore");
    assert!(
        audit[1]["before"].to_string().contains("audit_no_delete"),
        "before is nested JSON: {}",
        audit[1]["before"]
    );
    // A trigger of someone else's on the audit table is refused too.
    sql(
        &s,
        "CREATE TRIGGER sneaky AFTER INSERT ON audit BEGIN SELECT 1; END",
    );
    let (_, err) = s.fails(&["holder", "list"], 3);
    assert!(err.contains("unknown trigger sneaky"), "{err}");
}

#[test]
fn a_line_deleted_in_the_middle_is_found() {
    let s = station();
    drop_triggers(&s);
    sql(&s, "DELETE FROM audit WHERE id = 3");
    recreate_triggers(&s);
    let (code, v) = verify(&s);
    assert_eq!(code, 1);
    assert_eq!(v["report"]["problem"]["problem"], "gap");
    assert_eq!(
        (
            &v["report"]["problem"]["from"],
            &v["report"]["problem"]["to"]
        ),
        (&serde_json::json!(3), &serde_json::json!(3))
    );
    writes_refused(&s, "audit lines 3 to 3 are missing");
    // Renumbering the rest to close the gap breaks the next MAC instead.
    let s = station();
    drop_triggers(&s);
    sql(
        &s,
        "DELETE FROM audit WHERE id = 3; UPDATE audit SET id = id - 1 WHERE id > 3;",
    );
    recreate_triggers(&s);
    assert_eq!(verify(&s).1["report"]["problem"]["line"], 3);
}

#[test]
fn a_truncated_tail_is_found() {
    let s = station();
    drop_triggers(&s);
    sql(&s, "DELETE FROM audit WHERE id > 4");
    recreate_triggers(&s);
    let (code, v) = verify(&s);
    assert_eq!(code, 1);
    assert_eq!(
        v["report"]["problem"],
        serde_json::json!({"problem": "truncated", "head": 6, "last": 4})
    );
    writes_refused(&s, "ends at line 4 but its head is line 6");
    // Moving the head back needs the key: a copied older head does not match its tag.
    let s = station();
    let conn = Connection::open(s.db()).unwrap();
    let head: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'audit.head'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let (_, rest) = head.split_once(':').unwrap();
    let mac4: Vec<u8> = conn
        .query_row("SELECT mac FROM audit WHERE id = 4", [], |r| r.get(0))
        .unwrap();
    let (_, tag) = rest.split_once(':').unwrap();
    let forged = format!("4:{}:{tag}", data_encoding::HEXLOWER.encode(&mac4));
    drop_triggers(&s);
    sql(
        &s,
        &format!(
            "DELETE FROM audit WHERE id > 4; UPDATE meta SET value = '{forged}' WHERE key = 'audit.head';"
        ),
    );
    recreate_triggers(&s);
    assert_eq!(verify(&s).1["report"]["problem"]["problem"], "head_forged");
    writes_refused(&s, "head does not match its tag");
}

#[test]
fn stripped_macs_and_an_edited_header_are_found() {
    let s = station();
    drop_triggers(&s);
    sql(
        &s,
        "UPDATE audit SET mac = NULL; DELETE FROM meta WHERE key = 'audit.head';",
    );
    recreate_triggers(&s);
    assert_eq!(verify(&s).1["report"]["problem"]["problem"], "macs_removed");
    writes_refused(&s, "no line carries a MAC");
    // Removing the header's chained mark too breaks the key check, and says why.
    sql(
        &s,
        "UPDATE meta SET value = replace(value, ';audit=chained', '') WHERE key = 'vault'",
    );
    assert_eq!(verify(&s).1["report"]["problem"]["problem"], "mark_removed");
    writes_refused(&s, "header was edited to remove its audit chain mark");
}

/// A store as issue 10's tokenstation left it: schema version 4, no MAC column, a key
/// check without the chained mark, and `lines` audit lines.
fn legacy_store(lines: u32) -> Station {
    use tokenstation::vault::MasterKey;
    let s = Station::empty();
    let key = MasterKey::generate().unwrap();
    std::fs::write(s.key(), key.to_key_file().as_bytes()).unwrap();
    let mut perms = std::fs::metadata(s.key()).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
    std::fs::set_permissions(s.key(), perms).unwrap();
    let check =
        tokenstation::vault::seal::seal_bytes(&key, b"tokenstation key check v1", b"").unwrap();
    let mut conn = Connection::open(s.db()).unwrap();
    conn.pragma_update(None, "journal_mode", "wal").unwrap();
    tokenstation::store::migrations::migrations()
        .to_version(&mut conn, 4)
        .unwrap();
    conn.execute_batch(&format!(
        "INSERT INTO meta (key, value) VALUES ('vault', 'keyfile;check={}'), ('created_at', '0');
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {lines})
         INSERT INTO audit (at, actor, action, subject, after)
         SELECT i, 'alice', 'product.add', 'product P' || i, '{{}}' FROM n;",
        data_encoding::HEXLOWER.encode(&check)
    ))
    .unwrap();
    s
}

#[test]
fn a_store_from_before_the_chain_is_sealed_as_its_genesis() {
    let s = legacy_store(2);
    // Not chained yet: it verifies as a genesis segment without a chain.
    let (code, v) = verify(&s);
    assert_eq!(
        (code, &v["report"]["chain_start"]),
        (0, &serde_json::Value::Null),
        "{v}"
    );
    // The first keyed write seals the two old lines and starts the chain.
    s.ok(&["holder", "add", "h1"]);
    let (code, v) = verify(&s);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["report"]["genesis_lines"], 2);
    assert_eq!(v["report"]["chain_start"], 3);
    let header: String = Connection::open(s.db())
        .unwrap()
        .query_row("SELECT value FROM meta WHERE key = 'vault'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(header.ends_with(";audit=chained"), "{header}");
    // From now on the old lines cannot change either.
    drop_triggers(&s);
    sql(&s, "UPDATE audit SET actor = 'mallory' WHERE id = 1");
    recreate_triggers(&s);
    let (code, v) = verify(&s);
    assert_eq!(code, 1);
    assert_eq!(
        v["report"]["problem"],
        serde_json::json!({"problem": "genesis_changed", "line": 3})
    );
    writes_refused(&s, "sealed genesis segment");
}

#[test]
fn a_large_genesis_is_checked_in_full_by_audit_verify_only() {
    let s = legacy_store(10_001);
    s.ok(&["holder", "add", "h1"]);
    s.ok(&["holder", "add", "h2"]);
    assert_eq!(verify(&s).1["report"]["genesis_lines"], 10_001);
    drop_triggers(&s);
    sql(&s, "UPDATE audit SET actor = 'mallory' WHERE id = 7");
    recreate_triggers(&s);
    // Unlocking does not re-read 10,001 old lines: writes go on...
    s.ok(&["holder", "add", "h3"]);
    // ...and the full check finds the edit.
    let (code, v) = verify(&s);
    assert_eq!(
        (code, &v["report"]["problem"]["problem"]),
        (1, &serde_json::json!("genesis_changed"))
    );
}
