//! The PostgreSQL connection: a pool of blocking `postgres` clients (r2d2) per
//! database URL in the process, each with its own cache of prepared statements, and
//! the translation of the query modules' SQLite dialect into PostgreSQL's.
//!
//! The translation is small because the statements are written to port: numbered
//! parameters `?N` become `$N`, `ifnull(` becomes `coalesce(`, `instr(` becomes
//! `strpos(`, and `INSERT OR IGNORE` becomes `INSERT … ON CONFLICT DO NOTHING`. Text
//! inside quotes is left alone.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};

use super::sql::{Cell, DbError, DbResult, Param};

/// Whether `--db` names a PostgreSQL database rather than an SQLite file.
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgresql://") || db.starts_with("postgres://")
}

/// The URL with its password (in the authority or a `password=` parameter) replaced
/// by `***`, for messages and the audit log.
pub fn redact(url: &str) -> String {
    let url = &redact_param(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((creds, host)) => match creds.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

fn redact_param(url: &str) -> String {
    let Some((head, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => p.to_string(),
        })
        .collect();
    format!("{head}?{}", params.join("&"))
}

/// One pooled connection: the client, its prepared statements by SQL text, and the
/// rows changed by statements since it was opened (the store's journal check).
pub struct PgConn {
    pub(crate) client: Client,
    cache: HashMap<String, Statement>,
    pub(crate) changes: u64,
    /// Inside a write transaction (`BEGIN` sent).
    pub(crate) in_tx: bool,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConn")
            .field("statements", &self.cache.len())
            .finish()
    }
}

impl PgConn {
    fn statement(&mut self, sql: &str) -> DbResult<Statement> {
        if let Some(st) = self.cache.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(&translate(sql))?;
        self.cache.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Ends the write transaction with `COMMIT` or `ROLLBACK`; a failed rollback (a
    /// lost connection) is left to the pool, which drops broken connections.
    pub(crate) fn end_tx(&mut self, how: &str) {
        self.in_tx = false;
        let _ = self.client.batch_execute(how);
    }

    /// Whether a failure of `sql` may be caught by its caller inside a transaction (a
    /// UNIQUE refusal turned into `StoreError::Duplicate`): such a statement runs under
    /// a savepoint, since PostgreSQL aborts the whole transaction on any error. The
    /// append-only logs have no key a caller could collide with.
    fn needs_savepoint(&self, sql: &str) -> bool {
        self.in_tx
            && sql.trim_start().starts_with("INSERT")
            && !sql.contains("INTO attempts")
            && !sql.contains("INTO audit")
    }

    fn guarded<T>(
        &mut self,
        sql: &str,
        run: impl FnOnce(&mut PgConn) -> DbResult<T>,
    ) -> DbResult<T> {
        if !self.needs_savepoint(sql) {
            return run(self);
        }
        self.client.batch_execute("SAVEPOINT tks_stmt")?;
        match run(self) {
            Ok(v) => {
                self.client.batch_execute("RELEASE SAVEPOINT tks_stmt")?;
                Ok(v)
            }
            Err(e) => {
                self.client
                    .batch_execute("ROLLBACK TO SAVEPOINT tks_stmt")?;
                Err(e)
            }
        }
    }

    pub(crate) fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> DbResult<u64> {
        self.guarded(sql, |c| {
            let st = c.statement(sql)?;
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            let n = c.client.execute(&st, &refs)?;
            c.changes = c.changes.saturating_add(n);
            Ok(n)
        })
    }

    pub(crate) fn insert_id(&mut self, sql: &str, params: &[Param<'_>]) -> DbResult<i64> {
        self.guarded(sql, |c| {
            let returning = format!("{sql} RETURNING id");
            let rows = c.query(&returning, params)?;
            c.changes = c.changes.saturating_add(1);
            let row = rows.first().ok_or(DbError::NoRow)?;
            Ok(row.try_get::<_, i64>(0)?)
        })
    }

    pub(crate) fn query(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> DbResult<Vec<postgres::Row>> {
        let st = self.statement(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        Ok(self.client.query(&st, &refs)?)
    }
}

/// Opens connections for the pool.
#[derive(Debug)]
pub struct PgManager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        let mut client = self.config.connect(NoTls)?;
        // Every statement sees UTC and the store's own schema first.
        client.batch_execute("SET TIME ZONE 'UTC'")?;
        Ok(PgConn {
            client,
            cache: HashMap::new(),
            changes: 0,
            in_tx: false,
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        // a store dropped inside a write transaction (a panic) gave back an open one
        if conn.in_tx {
            conn.end_tx("ROLLBACK");
        }
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

/// The pool.
pub type Pool = r2d2::Pool<PgManager>;

/// The process's pool for `url` (made on first use): every store opened on one URL in
/// a process (the API server's stations, jobs) shares its connections.
pub fn pool(url: &str) -> Result<Pool, DbError> {
    static POOLS: OnceLock<Mutex<HashMap<String, Pool>>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut pools = pools.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = pools.get(url) {
        return Ok(p.clone());
    }
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e: postgres::Error| DbError::Pool(format!("bad PostgreSQL URL: {e}")))?;
    super::pgpass::apply(&mut config);
    let pool = r2d2::Pool::builder()
        .max_size(16)
        .min_idle(Some(0))
        .connection_timeout(std::time::Duration::from_secs(10))
        // a station's own errors say when the server is unreachable (offline kiosks)
        .error_handler(Box::new(r2d2::NopErrorHandler))
        .build(PgManager { config })
        .map_err(|e| DbError::Pool(e.to_string()))?;
    pools.insert(url.to_string(), pool.clone());
    Ok(pool)
}

/// Translates a statement of the query modules into PostgreSQL's dialect (see the
/// module header).
pub fn translate(sql: &str) -> String {
    let sql = &null_tests_last(sql);
    let mut out = String::with_capacity(sql.len() + 16);
    let b = sql.as_bytes();
    let mut i = 0;
    let mut or_ignore = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' {
            // a quoted literal, copied as is ('' is an escaped quote)
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += 1;
            }
            i = (i + 1).min(b.len());
            out.push_str(&sql[start..i]);
            continue;
        }
        if c == b'?' {
            out.push('$');
            i += 1;
            continue;
        }
        let rest = &sql[i..];
        let word_start = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if word_start {
            if let Some(r) = strip_prefix_ci(rest, "ifnull(") {
                out.push_str("coalesce(");
                i = sql.len() - r.len();
                continue;
            }
            if let Some(r) = strip_prefix_ci(rest, "instr(") {
                out.push_str("strpos(");
                i = sql.len() - r.len();
                continue;
            }
            if let Some(r) = strip_prefix_ci(rest, "INSERT OR IGNORE INTO") {
                out.push_str("INSERT INTO");
                or_ignore = true;
                i = sql.len() - r.len();
                continue;
            }
        }
        let ch = rest.chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    if or_ignore {
        out.push_str(" ON CONFLICT DO NOTHING");
    }
    out
}

/// Turns `(?N IS NULL OR expr)` into `(expr OR ?N IS NULL)`: PostgreSQL types a
/// parameter where it first meets it, and `?N IS NULL` gives it no type. Same meaning
/// (OR does not promise an order of evaluation).
fn null_tests_last(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find("(?") {
        out.push_str(&rest[..at]);
        let group = &rest[at..];
        let digits = group[2..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(group.len() - 2);
        let head = &group[..2 + digits];
        let tail = &group[2 + digits..];
        let (Some(body), Some(end)) = (tail.strip_prefix(" IS NULL OR "), close_paren(group))
        else {
            out.push_str("(?");
            rest = &group[2..];
            continue;
        };
        let inner_len = end - (group.len() - body.len()) - 1;
        let expr = null_tests_last(&body[..inner_len]);
        out.push_str(&format!("({expr} OR {} IS NULL)", &head[1..]));
        rest = &group[end..];
    }
    out.push_str(rest);
    out
}

/// The index just after the parenthesis closing the one `s` starts with.
fn close_paren(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                Type::FLOAT8 => (v as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::UNKNOWN => v.to_string().to_sql(ty, out),
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Param::Real(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                Type::FLOAT4 => (v as f32).to_sql(ty, out),
                _ => Err(format!("a float cannot be sent as {ty}").into()),
            },
            Param::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.to_sql(ty, out)
                }
                _ => Err(format!("text cannot be sent as {ty}").into()),
            },
            Param::Blob(b) => match *ty {
                Type::BYTEA => b.to_sql(ty, out),
                _ => Err(format!("bytes cannot be sent as {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Cell<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(match *ty {
            Type::INT8 => Cell::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Cell::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Cell::Int(i16::from_sql(ty, raw)?.into()),
            Type::OID => Cell::Int(u32::from_sql(ty, raw)?.into()),
            Type::BOOL => Cell::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Cell::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Cell::Real(f32::from_sql(ty, raw)?.into()),
            Type::BYTEA => Cell::Blob(<&[u8]>::from_sql(ty, raw)?),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                Cell::Text(<&str>::from_sql(ty, raw)?)
            }
            _ => return Err(format!("a {ty} column is not read by the store").into()),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Cell::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_the_sqlite_dialect() {
        assert_eq!(
            translate("SELECT x FROM t WHERE a = ?1 AND ifnull(b, 0) = ifnull(?2, 0) AND c = '?'"),
            "SELECT x FROM t WHERE a = $1 AND coalesce(b, 0) = coalesce($2, 0) AND c = '?'"
        );
        assert_eq!(
            translate("INSERT OR IGNORE INTO r (a, b) VALUES (?1, ?2)"),
            "INSERT INTO r (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            translate("WHERE instr(subject, ?1) > 0 AND myinstr(x)"),
            "WHERE strpos(subject, $1) > 0 AND myinstr(x)"
        );
        assert_eq!(translate("SELECT 'it''s é'"), "SELECT 'it''s é'");
        assert_eq!(
            translate(
                "WHERE (?1 IS NULL OR a = ?1) AND (?2 IS NULL OR b = 1 OR EXISTS (SELECT 1 WHERE c = ?2))"
            ),
            "WHERE (a = $1 OR $1 IS NULL) AND (b = 1 OR EXISTS (SELECT 1 WHERE c = $2) OR $2 IS NULL)"
        );
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgresql://st:s3cret@db.example/ts?host=/run"),
            "postgresql://st:***@db.example/ts?host=/run"
        );
        assert_eq!(redact("postgresql://st@db/ts"), "postgresql://st@db/ts");
        assert_eq!(
            redact("postgresql:///ts?host=/run&password=pw&user=u"),
            "postgresql:///ts?host=/run&password=***&user=u"
        );
        assert_eq!(
            redact("postgresql:///ts?host=/run/postgresql"),
            "postgresql:///ts?host=/run/postgresql"
        );
        assert!(is_url("postgres://x/y") && !is_url("/var/lib/ts/station.db"));
    }
}
