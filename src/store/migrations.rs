//! Versioned schema migrations, one list for both backends: on SQLite through
//! rusqlite_migration (`PRAGMA user_version`), on PostgreSQL through `pg_schema` (the
//! same SQL translated). Append new migrations at the end of `SQL`; never edit one
//! that has shipped. Write SQL that ports (plain types, no SQLite-only functions).

use std::path::Path;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use super::StoreError;

/// Version 1: products, holders, locations, tokens, slots, assignments, audit log.
const V1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE products (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    vendor         TEXT,
    model          TEXT,
    family         TEXT NOT NULL DEFAULT 'generic',
    kind           TEXT NOT NULL CHECK (kind IN ('hotp', 'totp')),
    algorithm      TEXT NOT NULL CHECK (algorithm IN ('sha1', 'sha256', 'sha512')),
    digits         INTEGER NOT NULL CHECK (digits BETWEEN 6 AND 10),
    period         INTEGER NOT NULL CHECK (period >= 1),
    t0             INTEGER NOT NULL DEFAULT 0,
    programmable   INTEGER NOT NULL DEFAULT 0 CHECK (programmable IN (0, 1)),
    drift_per_year REAL,
    skew           INTEGER NOT NULL DEFAULT 1 CHECK (skew >= 0),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE holders (
    id         INTEGER PRIMARY KEY,
    ext_id     TEXT NOT NULL UNIQUE,
    label      TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE locations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    tz         TEXT NOT NULL DEFAULT 'UTC',
    created_at INTEGER NOT NULL
);

CREATE TABLE tokens (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,
    product_id    INTEGER NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    serial        TEXT NOT NULL CHECK (length(serial) > 0),
    status        TEXT NOT NULL DEFAULT 'unverified'
                  CHECK (status IN ('unverified', 'active', 'disabled', 'lost', 'retired')),
    holder_id     INTEGER REFERENCES holders (id) ON DELETE RESTRICT,
    sealed_seed   BLOB NOT NULL,
    counter       INTEGER NOT NULL DEFAULT 0,
    last_step     INTEGER,
    drift_steps   INTEGER NOT NULL DEFAULT 0,
    all_locations INTEGER NOT NULL DEFAULT 0 CHECK (all_locations IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    activated_at  INTEGER,
    UNIQUE (product_id, serial)
);
CREATE INDEX tokens_by_serial ON tokens (serial);
CREATE INDEX tokens_by_holder ON tokens (holder_id);

-- A seed place inside a multi-seed token (Molto2 profile, OATH credential, Nitrokey slot).
CREATE TABLE slots (
    id       INTEGER PRIMARY KEY,
    token_id INTEGER NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    slot     INTEGER NOT NULL CHECK (slot >= 0),
    name     TEXT,
    UNIQUE (token_id, slot)
);

CREATE TABLE token_locations (
    token_id    INTEGER NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    location_id INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    PRIMARY KEY (token_id, location_id)
) WITHOUT ROWID;
CREATE INDEX token_locations_by_location ON token_locations (location_id);

-- Append-only: who did what to what, before and after (never a seed).
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    before  TEXT,
    after   TEXT
);
CREATE INDEX audit_by_subject ON audit (subject);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#;

/// Version 2: the verification engine's attempt log, failure counters, backup codes,
/// per-location product restrictions and policy settings.
const V2: &str = r#"
-- One row per verification; never the code itself. Append-only and deliberately
-- without secondary indexes: each index costs every verification a page write
-- (measured: 23k/s without, 15k/s with two); operator queries scan.
CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    token_id    INTEGER REFERENCES tokens (id) ON DELETE SET NULL,
    serial      TEXT NOT NULL,
    location_id INTEGER REFERENCES locations (id) ON DELETE SET NULL,
    status      TEXT NOT NULL,
    method      TEXT NOT NULL DEFAULT 'otp' CHECK (method IN ('otp', 'backup', 'resync', 'activate')),
    step        INTEGER,
    step_offset INTEGER
);

-- Consecutive failures and cooldowns, per token and per location.
CREATE TABLE fail_counters (
    scope        TEXT NOT NULL CHECK (scope IN ('token', 'location')),
    scope_id     INTEGER NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    lockouts     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    PRIMARY KEY (scope, scope_id)
) WITHOUT ROWID;

-- One-time backup codes, stored only as keyed hashes.
CREATE TABLE backup_codes (
    token_id INTEGER NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    hash     BLOB NOT NULL,
    used_at  INTEGER,
    PRIMARY KEY (token_id, hash)
) WITHOUT ROWID;

-- When a location has rows here, only these products verify there.
CREATE TABLE location_products (
    location_id INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    product_id  INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    PRIMARY KEY (location_id, product_id)
) WITHOUT ROWID;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Version 3: presence. Credentials that identify holders at kiosks, per-location
/// kiosk settings and readers, presence tokens fixed at locations, and the presence
/// event log (accepted and refused, with an idempotency key per tap or row).
const V3: &str = r#"
CREATE TABLE credentials (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('card', 'tag', 'token')),
    value      TEXT NOT NULL,
    holder_id  INTEGER NOT NULL REFERENCES holders (id) ON DELETE CASCADE,
    token_id   INTEGER REFERENCES tokens (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX credentials_by_holder ON credentials (holder_id);

CREATE TABLE location_presence (
    location_id  INTEGER PRIMARY KEY REFERENCES locations (id) ON DELETE CASCADE,
    mode         TEXT NOT NULL DEFAULT 'card' CHECK (mode IN ('card', 'code', 'card+code')),
    min_interval INTEGER NOT NULL DEFAULT 60 CHECK (min_interval >= 0),
    fold         INTEGER NOT NULL DEFAULT 10 CHECK (fold >= 0),
    close_minute INTEGER CHECK (close_minute BETWEEN 0 AND 1439)
);

CREATE TABLE location_readers (
    location_id INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    spec        TEXT NOT NULL,
    PRIMARY KEY (location_id, spec)
) WITHOUT ROWID;

CREATE TABLE presence_tokens (
    token_id    INTEGER PRIMARY KEY REFERENCES tokens (id) ON DELETE CASCADE,
    location_id INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX presence_tokens_by_location ON presence_tokens (location_id);

-- One row per presence decision: accepted (status ok, with a direction) or refused
-- (with its reason). `idem` makes a replayed tap or import row a no-op.
CREATE TABLE presence_events (
    id                INTEGER PRIMARY KEY,
    location_id       INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    holder_id         INTEGER REFERENCES holders (id) ON DELETE SET NULL,
    at                INTEGER NOT NULL,
    direction         TEXT CHECK (direction IN ('in', 'out')),
    status            TEXT NOT NULL CHECK (status IN ('ok', 'refused')),
    reason            TEXT,
    source            TEXT NOT NULL CHECK (source IN ('kiosk', 'auto', 'token')),
    credential        TEXT,
    reader            TEXT,
    idem              TEXT UNIQUE,
    presence_token_id INTEGER REFERENCES tokens (id) ON DELETE SET NULL,
    step              INTEGER,
    bound_from        INTEGER,
    bound_to          INTEGER,
    nearest           INTEGER
);
CREATE INDEX presence_events_by_location ON presence_events (location_id, at);
CREATE INDEX presence_events_by_holder ON presence_events (holder_id, location_id, id);
-- A presence code proves one visit per holder (NULL holder: anonymous, counted as one).
CREATE UNIQUE INDEX presence_code_once
    ON presence_events (presence_token_id, step, ifnull(holder_id, 0))
    WHERE status = 'ok' AND presence_token_id IS NOT NULL;
"#;

/// Version 4: the issuer a token's source named (Key URI `issuer`, PSKC `Issuer`), so
/// an export gives it back instead of the product's; NULL means the product's.
const V4: &str = r#"
ALTER TABLE tokens ADD COLUMN issuer TEXT;
"#;

/// API keys for shared access (issue 16): the public key id, the role, the status and
/// only a keyed hash of the secret. Scopes (locations, products, client networks) are
/// kept by name, not by reference: a removed or renamed location or product then
/// matches nothing, so a scoped key loses access instead of silently gaining it. The
/// name of a key not revoked is unique. Plain types and a partial index: both port to
/// PostgreSQL (BLOB becomes BYTEA).
const API_KEYS: &str = r#"
CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    key_id      TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('kiosk', 'technician', 'operator', 'admin')),
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'revoked')),
    secret_hash BLOB NOT NULL,
    expires_at  INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE status <> 'revoked';

CREATE TABLE api_key_scopes (
    key_row INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL CHECK (kind IN ('location', 'product', 'cidr')),
    value   TEXT NOT NULL,
    PRIMARY KEY (key_row, kind, value)
);
"#;

/// Issue 11, verification sources: per-source delays replace the location-wide
/// cooldown (one person guessing at a kiosk slows that kiosk's reader, not every holder
/// of the location), and each attempt records its source. `location_id` 0 stands for
/// verifications without a location; `source` is the station's text form of a
/// `station::limits::Source`.
const V_SOURCES: &str = r#"
CREATE TABLE source_delays (
    location_id     INTEGER NOT NULL,
    source          TEXT NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_failure_ms INTEGER NOT NULL,
    next_at_ms      INTEGER,
    PRIMARY KEY (location_id, source)
);
ALTER TABLE attempts ADD COLUMN source TEXT;
"#;

/// Issue 11, tamper-evident audit log: each line written from now on carries an
/// HMAC-SHA256 over its content and the previous line's MAC (`station::audit_chain`).
/// Lines written before stay without one: the first keyed write seals them as the
/// chain's genesis segment.
const V_AUDIT_CHAIN: &str = r#"
ALTER TABLE audit ADD COLUMN mac BLOB;
"#;

/// Drift (issue 14): the drift an operator established last (resync, clock fix, burn,
/// import), from which automatic learning may move by at most `drift.max_learned_steps`,
/// a compact offset history for the drift report, and the UTC day of its last
/// verification sample (a day's first accepted code is sampled, the others cost
/// nothing). All live in the token row, which a successful verification rewrites
/// anyway: no extra page write (the attempt log stays one append without indexes).
/// Existing tokens take their current drift as their baseline: it was imported,
/// resynchronised or learned within the old absolute cap, and accepted.
const V5_DRIFT: &str = r#"
ALTER TABLE tokens ADD COLUMN drift_base_steps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN drift_history BLOB;
ALTER TABLE tokens ADD COLUMN drift_sample_day INTEGER;
UPDATE tokens SET drift_base_steps = drift_steps;
"#;

/// Issue 17, many stations on one store: the station that recorded each attempt and
/// presence event (`station::station_name`: `TOKENSTATION_STATION` or the host name);
/// NULL for rows from before.
const V_STATION_NAMES: &str = r#"
ALTER TABLE attempts ADD COLUMN station TEXT;
ALTER TABLE presence_events ADD COLUMN station TEXT;
"#;

/// Issue 17, offline kiosks and leases: `presence_events.offline` marks an event a
/// kiosk decided without the server (its anti-passback rested on the kiosk's own
/// snapshot and outbox, `station::presence::offline`), sent later from its outbox;
/// `tokens.leased_to` names the one station where a leased token verifies (NULL: every
/// station).
const V_OFFLINE: &str = r#"
ALTER TABLE presence_events ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN leased_to TEXT;
"#;

/// Issue 12, a device key's tries: the tries left a device last reported after a
/// wrong key (Molto2 `63 Cx`, token-protocols.md §3.3), per family and device serial,
/// so the station asks before the try that could lock it; the row goes when the right
/// key is accepted.
const V_KEY_TRIES: &str = r#"
CREATE TABLE device_key_tries (
    family      TEXT NOT NULL,
    serial      TEXT NOT NULL,
    tries_left  INTEGER NOT NULL CHECK (tries_left >= 0),
    reported_at INTEGER NOT NULL,
    PRIMARY KEY (family, serial)
);
"#;

/// The SQL of every migration, oldest first: one list for both backends (SQLite runs
/// it as written, PostgreSQL through `pg_schema::migration`).
pub(crate) const SQL: [&str; 11] = [
    V1,
    V2,
    V3,
    V4,
    API_KEYS,
    V_SOURCES,
    V_AUDIT_CHAIN,
    V5_DRIFT,
    V_STATION_NAMES,
    V_OFFLINE,
    V_KEY_TRIES,
];

/// The migrations, oldest first.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(SQL.iter().map(|sql| M::up(sql)).collect())
}

/// Highest schema version this build knows.
pub fn latest_version() -> i64 {
    SQL.len() as i64
}

/// Brings the file to the latest version; refuses files from a newer build.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let p = || path.display().to_string();
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|source| StoreError::Corrupt {
            path: p(),
            why: format!("cannot read its schema version ({source})"),
        })?;
    if found > latest_version() {
        return Err(StoreError::TooNew {
            path: p(),
            found,
            known: latest_version(),
        });
    }
    if found == 0 {
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(|source| StoreError::Database {
                path: p(),
                source: source.into(),
            })?;
        if tables > 0 {
            return Err(StoreError::Corrupt {
                path: p(),
                why: "it is an SQLite file of another program".into(),
            });
        }
    }
    migrations()
        .to_latest(conn)
        .map_err(|e| StoreError::Corrupt {
            path: p(),
            why: format!("migration failed: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_validate() {
        migrations().validate().unwrap();
        assert_eq!(latest_version(), migrations_count());
    }

    fn migrations_count() -> i64 {
        let mut c = Connection::open_in_memory().unwrap();
        migrations().to_latest(&mut c).unwrap();
        c.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn refuses_newer_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut c = Connection::open(&path).unwrap();
        migrate(&mut c, &path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        let e = migrate(&mut c, &path).unwrap_err();
        assert!(
            e.to_string().contains("newer than this tokenstation"),
            "{e}"
        );

        let other = dir.path().join("o.db");
        let mut c = Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE x (y)").unwrap();
        assert!(
            migrate(&mut c, &other)
                .unwrap_err()
                .to_string()
                .contains("another program")
        );
    }

    #[test]
    fn audit_is_append_only() {
        let mut c = Connection::open_in_memory().unwrap();
        migrations().to_latest(&mut c).unwrap();
        c.execute(
            "INSERT INTO audit (at, actor, action, subject) VALUES (1, 'a', 'b', 'c')",
            [],
        )
        .unwrap();
        assert!(c.execute("UPDATE audit SET actor = 'x'", []).is_err());
        assert!(c.execute("DELETE FROM audit", []).is_err());
    }
}
