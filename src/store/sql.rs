//! One connection interface over both backends: the statements of the query modules
//! are written once, in SQLite's dialect with numbered parameters (`?1`), and run on
//! SQLite as they are or on PostgreSQL after [`super::pg::translate`]. Parameters are
//! [`Param`]s and columns are read through [`Row::get`] into plain Rust types, so no
//! query module names a driver type.
//!
//! Values are SQLite's five storage classes. PostgreSQL columns are `BIGINT`,
//! `DOUBLE PRECISION`, `TEXT` and `BYTEA` (see `pg_schema`); a parameter is converted
//! to the type the server inferred for it, a column from the type it has (a boolean
//! expression reads as 0 or 1, as in SQLite).

use std::cell::RefCell;

use super::pg::PgConn;

/// A database error of either backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// SQLite failed.
    #[error("{0}")]
    Sqlite(rusqlite::Error),
    /// PostgreSQL failed.
    #[error("{}", pg_text(.0))]
    Postgres(postgres::Error),
    /// A query that must return a row returned none.
    #[error("the query returned no row")]
    NoRow,
    /// A column did not convert to the Rust type asked for.
    #[error("column {column}: {why}")]
    Convert {
        /// Column index.
        column: usize,
        /// What was wrong.
        why: String,
    },
    /// No connection could be taken from the pool.
    #[error("no connection to the database server: {0}")]
    Pool(String),
}

/// PostgreSQL's message with its detail (the crate's `Display` says only "db error").
fn pg_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{}: {detail}", d.message()),
            None => d.message().to_string(),
        },
        None => e.to_string(),
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        match e {
            rusqlite::Error::QueryReturnedNoRows => DbError::NoRow,
            e => DbError::Sqlite(e),
        }
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        DbError::Postgres(e)
    }
}

impl DbError {
    /// Whether a UNIQUE (or primary key) constraint refused the statement.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(e) => {
                e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
                    && e.to_string().contains("UNIQUE")
            }
            DbError::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }

    /// A conversion failure of column `column`.
    pub(crate) fn convert(column: usize, why: impl std::fmt::Display) -> DbError {
        DbError::Convert {
            column,
            why: why.to_string(),
        }
    }
}

/// Result of a statement.
pub type DbResult<T> = Result<T, DbError>;

/// `Ok(None)` for [`DbError::NoRow`].
pub(crate) trait OptionalExtension<T> {
    /// The row, none, or the error.
    fn optional(self) -> DbResult<Option<T>>;
}

impl<T> OptionalExtension<T> for DbResult<T> {
    fn optional(self) -> DbResult<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(DbError::NoRow) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A parameter value, borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    /// NULL.
    Null,
    /// An integer (booleans are 0 and 1).
    Int(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

/// A Rust value that binds as a parameter.
pub(crate) trait ToParam {
    /// The value.
    fn param(&self) -> Param<'_>;
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl ToParam for $t {
            fn param(&self) -> Param<'_> {
                Param::Int(i64::from(*self))
            }
        }
    )*};
}
int_param!(i64, i32, u32, u16, u8, bool);

impl ToParam for f64 {
    fn param(&self) -> Param<'_> {
        Param::Real(*self)
    }
}
impl ToParam for str {
    fn param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToParam for String {
    fn param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToParam for [u8] {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl ToParam for Vec<u8> {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl<const N: usize> ToParam for [u8; N] {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl<T: ToParam> ToParam for Option<T> {
    fn param(&self) -> Param<'_> {
        match self {
            Some(v) => v.param(),
            None => Param::Null,
        }
    }
}
impl<T: ToParam + ?Sized> ToParam for &T {
    fn param(&self) -> Param<'_> {
        (**self).param()
    }
}

/// The parameters of a statement: `params![a, b]`, or an array of one type (`[id]`).
pub(crate) trait AsParams {
    /// The values, in order.
    fn values(&self) -> Vec<Param<'_>>;
}

impl AsParams for &[&dyn ToParam] {
    fn values(&self) -> Vec<Param<'_>> {
        self.iter().map(|p| p.param()).collect()
    }
}

impl AsParams for Vec<Param<'_>> {
    fn values(&self) -> Vec<Param<'_>> {
        self.clone()
    }
}

impl<T: ToParam, const N: usize> AsParams for [T; N] {
    fn values(&self) -> Vec<Param<'_>> {
        self.iter().map(|p| p.param()).collect()
    }
}

/// Parameters of a statement: `params![a, b]`.
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::store::sql::ToParam]
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::store::sql::ToParam),+] as &[&dyn $crate::store::sql::ToParam]
    };
}
pub(crate) use params;

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match *self {
            Param::Null => ToSqlOutput::Owned(Value::Null),
            Param::Int(v) => ToSqlOutput::Owned(Value::Integer(v)),
            Param::Real(v) => ToSqlOutput::Owned(Value::Real(v)),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

/// A column value as read, borrowed from the row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// NULL.
    Null,
    /// An integer (a PostgreSQL boolean reads as 0 or 1).
    Int(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

impl Cell<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Int(_) => "an integer",
            Cell::Real(_) => "a float",
            Cell::Text(_) => "text",
            Cell::Blob(_) => "bytes",
        }
    }
}

/// A Rust type a column reads into.
pub(crate) trait FromColumn: Sized {
    /// Converts the cell; the error says why.
    fn from_cell(c: Cell<'_>) -> Result<Self, String>;
}

fn mismatch<T>(c: Cell<'_>, want: &str) -> Result<T, String> {
    Err(format!("{} where {want} was expected", c.kind()))
}

impl FromColumn for i64 {
    fn from_cell(c: Cell<'_>) -> Result<Self, String> {
        match c {
            Cell::Int(v) => Ok(v),
            c => mismatch(c, "an integer"),
        }
    }
}

macro_rules! narrow_int {
    ($($t:ty),*) => {$(
        impl FromColumn for $t {
            fn from_cell(c: Cell<'_>) -> Result<Self, String> {
                let v = i64::from_cell(c)?;
                <$t>::try_from(v).map_err(|_| format!("{v} is out of range"))
            }
        }
    )*};
}
narrow_int!(i32, u32, u16, u8);

impl FromColumn for bool {
    fn from_cell(c: Cell<'_>) -> Result<Self, String> {
        i64::from_cell(c).map(|v| v != 0)
    }
}

impl FromColumn for f64 {
    fn from_cell(c: Cell<'_>) -> Result<Self, String> {
        match c {
            Cell::Real(v) => Ok(v),
            Cell::Int(v) => Ok(v as f64),
            c => mismatch(c, "a number"),
        }
    }
}

impl FromColumn for String {
    fn from_cell(c: Cell<'_>) -> Result<Self, String> {
        match c {
            Cell::Text(s) => Ok(s.to_string()),
            c => mismatch(c, "text"),
        }
    }
}

impl FromColumn for Vec<u8> {
    fn from_cell(c: Cell<'_>) -> Result<Self, String> {
        match c {
            Cell::Blob(b) => Ok(b.to_vec()),
            c => mismatch(c, "bytes"),
        }
    }
}

impl<T: FromColumn> FromColumn for Option<T> {
    fn from_cell(c: Cell<'_>) -> Result<Self, String> {
        match c {
            Cell::Null => Ok(None),
            c => T::from_cell(c).map(Some),
        }
    }
}

/// One result row of either backend.
pub(crate) enum Row<'a> {
    /// An SQLite row.
    Lite(&'a rusqlite::Row<'a>),
    /// A PostgreSQL row.
    Pg(&'a postgres::Row),
}

impl Row<'_> {
    /// Column `i` as a `T`.
    pub(crate) fn get<T: FromColumn>(&self, i: usize) -> DbResult<T> {
        let cell = match self {
            Row::Lite(r) => {
                use rusqlite::types::ValueRef;
                match r.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Int(v),
                    ValueRef::Real(v) => Cell::Real(v),
                    ValueRef::Text(t) => {
                        Cell::Text(std::str::from_utf8(t).map_err(|e| DbError::convert(i, e))?)
                    }
                    ValueRef::Blob(b) => Cell::Blob(b),
                }
            }
            Row::Pg(r) => r.try_get::<_, Cell<'_>>(i)?,
        };
        T::from_cell(cell).map_err(|why| DbError::convert(i, why))
    }
}

/// The connection the query modules use: SQLite's (statements prepared once per
/// connection and cached) or a pooled PostgreSQL one.
#[derive(Clone, Copy)]
pub(crate) enum Sql<'a> {
    /// SQLite.
    Lite(&'a rusqlite::Connection),
    /// PostgreSQL.
    Pg(&'a RefCell<r2d2::PooledConnection<super::pg::PgManager>>),
    /// PostgreSQL whose server has not answered yet: every statement fails as
    /// unreachable (`super::reach`).
    Away,
}

impl Sql<'_> {
    /// Whether this is PostgreSQL.
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Sql::Pg(_) | Sql::Away)
    }

    /// Runs a statement that changes rows; how many it changed.
    pub(crate) fn execute(&self, sql: &str, params: impl AsParams) -> DbResult<usize> {
        match self {
            Sql::Away => Err(super::reach::not_yet()),
            Sql::Lite(c) => Ok(c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(params.values()))?),
            Sql::Pg(c) => {
                let mut c = c.borrow_mut();
                let n = PgConn::execute(&mut c, sql, &params.values())?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Inserts one row into a table whose key is `id`; returns the new row's id.
    pub(crate) fn insert_id(&self, sql: &str, params: impl AsParams) -> DbResult<i64> {
        match self {
            Sql::Away => Err(super::reach::not_yet()),
            Sql::Lite(c) => {
                c.prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(params.values()))?;
                Ok(c.last_insert_rowid())
            }
            Sql::Pg(c) => {
                let mut c = c.borrow_mut();
                PgConn::insert_id(&mut c, sql, &params.values())
            }
        }
    }

    /// The first row of a query, mapped by `f` ([`DbError::NoRow`] when none).
    pub(crate) fn query_row<T>(
        &self,
        sql: &str,
        params: impl AsParams,
        f: impl FnOnce(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<T> {
        match self {
            Sql::Away => Err(super::reach::not_yet()),
            Sql::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params.values()))?;
                match rows.next()? {
                    Some(r) => f(&Row::Lite(r)),
                    None => Err(DbError::NoRow),
                }
            }
            Sql::Pg(c) => {
                let rows = PgConn::query(&mut c.borrow_mut(), sql, &params.values())?;
                match rows.first() {
                    Some(r) => f(&Row::Pg(r)),
                    None => Err(DbError::NoRow),
                }
            }
        }
    }

    /// Every row of a query, mapped by `f`.
    pub(crate) fn query_map<T>(
        &self,
        sql: &str,
        params: impl AsParams,
        mut f: impl FnMut(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<Vec<T>> {
        match self {
            Sql::Away => Err(super::reach::not_yet()),
            Sql::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params.values()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Lite(r))?);
                }
                Ok(out)
            }
            Sql::Pg(c) => {
                let rows = PgConn::query(&mut c.borrow_mut(), sql, &params.values())?;
                rows.iter().map(|r| f(&Row::Pg(r))).collect()
            }
        }
    }

    /// Runs statements without parameters (DDL).
    pub(crate) fn batch(&self, sql: &str) -> DbResult<()> {
        match self {
            Sql::Away => Err(super::reach::not_yet()),
            Sql::Lite(c) => Ok(c.execute_batch(sql)?),
            Sql::Pg(c) => Ok(c.borrow_mut().client.batch_execute(sql)?),
        }
    }
}
