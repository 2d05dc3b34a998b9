//! Every SQL statement.
pub mod tokens;

use crate::vault::VaultError;
use crate::vault::header::VaultHeader;

/// A connection.
pub struct Conn(rusqlite::Connection);

/// Opens the store file.
pub fn open(path: &str) -> Option<(Conn, VaultHeader)> {
    let _ = std::fs::metadata(path).ok()?;
    let c = rusqlite::Connection::open(path).ok()?;
    Some((Conn(c), VaultHeader))
}

/// Maps a vault error.
pub fn vault_error(_: VaultError) -> String {
    String::from("vault")
}
