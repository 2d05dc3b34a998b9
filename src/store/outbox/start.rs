//! What the outbox keeps for a kiosk that starts while its server does not answer
//! (issue 17, "starting offline"): the location's reader specs with the snapshot's
//! settings (version 3 of the file), and a copy of the store's key check (its vault
//! header, a meta row: it holds no key and no seed) so the master key is verified
//! before anything is decided. Which store the outbox belongs to is its `store` row.
//! The rule of when a kiosk may start from them is `station::presence::offline_start`'s.

use rusqlite::OptionalExtension;

use super::Outbox;
use crate::store::StoreError;

/// Version 3 of the outbox file: the location's readers as copied (a JSON array of
/// reader specs; NULL in a snapshot taken before version 3).
pub(super) const V3: &str = r#"
ALTER TABLE snap_settings ADD COLUMN readers TEXT;
"#;

/// `outbox_meta` row of the store's key check (the vault header, copied).
const KEY_CHECK: &str = "key_check";

impl Outbox {
    /// Opens an outbox that exists already (as [`Outbox::open`]); a missing file is
    /// [`StoreError::Missing`] and nothing is created.
    pub fn open_existing(path: &std::path::Path) -> Result<Outbox, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing(path.display().to_string()));
        }
        Outbox::open(path)
    }

    /// The store this outbox belongs to, if it was bound to one.
    pub fn bound_store(&self) -> Result<Option<String>, StoreError> {
        self.meta("store")
    }

    /// The copy of the store's key check, if one was taken.
    pub fn key_check(&self) -> Result<Option<String>, StoreError> {
        self.meta(KEY_CHECK)
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM outbox_meta WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// Writes the key check copy (inside the snapshot's transaction).
pub(super) fn set_key_check(c: &rusqlite::Connection, value: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT OR REPLACE INTO outbox_meta (key, value) VALUES (?1, ?2)",
        [KEY_CHECK, value],
    )
    .map(|_| ())
}

/// Readers as stored (a JSON array), back to specs; `None` for a snapshot without them.
pub(super) fn readers_from(text: Option<String>) -> Option<Vec<String>> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

/// Readers as stored.
pub(super) fn readers_to(readers: &Option<Vec<String>>) -> Option<String> {
    readers.as_ref().and_then(|r| serde_json::to_string(r).ok())
}
