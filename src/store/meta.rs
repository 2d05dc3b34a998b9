//! Key/value facts about the store itself (vault header, creation time).

use super::sql::OptionalExtension;

use super::{Reader, StoreError, Writer};

impl Reader<'_> {
    /// Reads a meta value.
    pub fn meta_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }
}

impl Writer<'_> {
    /// Writes a meta value.
    pub fn meta_set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
