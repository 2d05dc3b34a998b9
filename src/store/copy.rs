//! Generic table reading and writing for `store copy` (issue 17, "Moving"): the
//! tables of a store as its database lists them, in an order where every table comes
//! after the tables its foreign keys name, and their rows as plain values, read in
//! batches and written back with the same columns and ids. The rule of a copy (one
//! transaction on the target, the key check, the audit chain) is the station's
//! (`station::store_copy`); here is only what needs SQL.
//!
//! The catalogue queries are the one per-backend part: SQLite's `sqlite_schema`,
//! `pragma_table_info` and `pragma_foreign_key_list`, PostgreSQL's `pg_tables`,
//! `pg_attribute` and `pg_constraint`. Row statements go through the shared `sql`
//! layer. On PostgreSQL the identity sequences are set past the largest id copied, so
//! the next row a station adds gets a fresh id.

use std::collections::BTreeMap;

use super::sql::{Cell, FromColumn, Param, Row, params};
use super::{Reader, StoreError, Writer};

/// Rows read per batch from a table with an `id` column (others are read at once:
/// they are small — settings, counters, link tables).
pub(crate) const BATCH: u32 = 2_000;
/// Most parameters in one multi-row INSERT (below SQLite's and PostgreSQL's limits).
const MAX_PARAMS: usize = 10_000;

/// One table to copy: its name and columns, as the source lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Table name (letters, digits and `_` only).
    pub name: String,
    /// Column names in their order.
    pub columns: Vec<String>,
    /// Whether the table has an integer `id` key (read in batches by it; on
    /// PostgreSQL, an identity column whose sequence is moved after the copy).
    pub has_id: bool,
}

/// A column value as copied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl FromColumn for Value {
    fn from_cell(c: Cell<'_>) -> Result<Self, String> {
        Ok(match c {
            Cell::Null => Value::Null,
            Cell::Int(v) => Value::Int(v),
            Cell::Real(v) => Value::Real(v),
            Cell::Text(s) => Value::Text(s.to_string()),
            Cell::Blob(b) => Value::Blob(b.to_vec()),
        })
    }
}

impl Value {
    fn param(&self) -> Param<'_> {
        match self {
            Value::Null => Param::Null,
            Value::Int(v) => Param::Int(*v),
            Value::Real(v) => Param::Real(*v),
            Value::Text(s) => Param::Text(s),
            Value::Blob(b) => Param::Blob(b),
        }
    }
}

/// A batch of rows of one table, in the table's column order.
pub(crate) type Rows = Vec<Vec<Value>>;

/// Refuses a catalogue name that would need quoting rules (none of ours does).
fn plain(name: &str, path: &str) -> Result<(), StoreError> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            path: path.to_string(),
            why: format!(
                "it has a table or column named {name:?}, which no tokenstation schema has"
            ),
        })
    }
}

impl Reader<'_> {
    /// The store's tables (without the schema-version table), each after the tables
    /// its foreign keys reference.
    pub(crate) fn copy_tables(&self) -> Result<Vec<Table>, StoreError> {
        let pg = self.conn.is_postgres();
        let names: Vec<String> = self
            .conn
            .query_map(
                if pg {
                    "SELECT tablename::text FROM pg_tables
                     WHERE schemaname = current_schema() AND tablename <> 'tokenstation_schema'
                     ORDER BY 1"
                } else {
                    "SELECT name FROM sqlite_schema
                     WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
                },
                params![],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        let mut refs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut tables = BTreeMap::new();
        for name in names {
            plain(&name, self.path)?;
            let columns: Vec<String> = self
                .conn
                .query_map(
                    if pg {
                        "SELECT attname::text FROM pg_attribute
                         WHERE attrelid = to_regclass(?1::text) AND attnum > 0 AND NOT attisdropped
                         ORDER BY attnum"
                    } else {
                        "SELECT name FROM pragma_table_info(?1) ORDER BY cid"
                    },
                    [name.as_str()],
                    |r| r.get(0),
                )
                .map_err(|e| self.err(e))?;
            for c in &columns {
                plain(c, self.path)?;
            }
            let parents: Vec<String> = self
                .conn
                .query_map(
                    if pg {
                        "SELECT DISTINCT p.relname::text FROM pg_constraint k
                         JOIN pg_class p ON p.oid = k.confrelid
                         WHERE k.contype = 'f' AND k.conrelid = to_regclass(?1::text)"
                    } else {
                        "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)"
                    },
                    [name.as_str()],
                    |r| r.get(0),
                )
                .map_err(|e| self.err(e))?;
            let has_id = columns.iter().any(|c| c == "id");
            refs.insert(name.clone(), parents);
            tables.insert(
                name.clone(),
                Table {
                    name,
                    columns,
                    has_id,
                },
            );
        }
        // Parents first (a depth-first walk; the schema has no cycle, a self-reference
        // is ignored).
        let mut order = Vec::with_capacity(tables.len());
        let mut seen = std::collections::BTreeSet::new();
        fn visit(
            t: &str,
            refs: &BTreeMap<String, Vec<String>>,
            seen: &mut std::collections::BTreeSet<String>,
            order: &mut Vec<String>,
        ) {
            if !seen.insert(t.to_string()) {
                return;
            }
            for p in refs.get(t).into_iter().flatten() {
                if p != t {
                    visit(p, refs, seen, order);
                }
            }
            order.push(t.to_string());
        }
        for t in refs.keys() {
            visit(t, &refs, &mut seen, &mut order);
        }
        Ok(order
            .into_iter()
            .filter_map(|n| tables.remove(&n))
            .collect())
    }

    /// How many rows `t` holds.
    pub(crate) fn copy_count(&self, t: &Table) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                &format!("SELECT count(*) FROM \"{}\"", t.name),
                params![],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The next rows of `t`: with an `id`, at most [`BATCH`] rows after `after` in id
    /// order; without, every row (and nothing when `after` is given: read once).
    pub(crate) fn copy_rows(&self, t: &Table, after: Option<i64>) -> Result<Rows, StoreError> {
        let cols = quoted(&t.columns);
        let n = t.columns.len();
        let map = |r: &Row<'_>| (0..n).map(|i| r.get::<Value>(i)).collect();
        let rows = if t.has_id {
            self.conn.query_map(
                &format!(
                    "SELECT {cols} FROM \"{}\" WHERE id > ?1 ORDER BY id LIMIT ?2",
                    t.name
                ),
                params![after.unwrap_or(i64::MIN), i64::from(BATCH)],
                map,
            )
        } else if after.is_some() {
            return Ok(Vec::new());
        } else {
            self.conn.query_map(
                &format!("SELECT {cols} FROM \"{}\"", t.name),
                params![],
                map,
            )
        };
        rows.map_err(|e| self.err(e))
    }
}

fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Writer<'_> {
    /// Inserts `rows` into `t` as they are (ids kept), several rows per statement.
    pub(crate) fn copy_insert(&self, t: &Table, rows: &[Vec<Value>]) -> Result<(), StoreError> {
        let n = t.columns.len().max(1);
        let per = (MAX_PARAMS / n).max(1);
        let cols = quoted(&t.columns);
        for chunk in rows.chunks(per) {
            let mut sql = format!("INSERT INTO \"{}\" ({cols}) VALUES ", t.name);
            let mut k = 0usize;
            for (i, row) in chunk.iter().enumerate() {
                if row.len() != t.columns.len() {
                    return Err(StoreError::Corrupt {
                        path: self.path.to_string(),
                        why: format!(
                            "a row of {} has {} values for {n} columns",
                            t.name,
                            row.len()
                        ),
                    });
                }
                sql.push_str(if i == 0 { "(" } else { ", (" });
                for j in 0..row.len() {
                    k += 1;
                    sql.push_str(&format!("{}?{k}", if j == 0 { "" } else { ", " }));
                }
                sql.push(')');
            }
            let values: Vec<Param<'_>> = chunk.iter().flatten().map(Value::param).collect();
            self.conn.execute(&sql, values).map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// On PostgreSQL, moves the identity sequence of `t` past its largest id (nothing
    /// to do on SQLite, whose next rowid follows the largest).
    pub(crate) fn copy_set_sequence(&self, t: &Table) -> Result<(), StoreError> {
        if !t.has_id || !self.conn.is_postgres() {
            return Ok(());
        }
        self.conn
            .query_map(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{0}', 'id'), max(id)) FROM \"{0}\"
                     HAVING max(id) IS NOT NULL",
                    t.name
                ),
                params![],
                |r| r.get::<Option<i64>>(0),
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
