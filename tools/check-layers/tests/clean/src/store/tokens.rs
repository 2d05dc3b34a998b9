//! Token rows.
use rusqlite::params;

use crate::model::Token;

/// Inserts a token.
pub fn insert(c: &super::Conn, t: &Token) {
    let _ = c.0.execute("INSERT INTO t VALUES (?1)", params![t.secret.0.len()]);
}
