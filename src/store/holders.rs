//! Holders: an opaque external id and a label.

use super::sql::{DbResult, OptionalExtension, Row, params};

use super::{Reader, StoreError, Thing, Writer};
use crate::model::Holder;

fn row(r: &Row<'_>) -> DbResult<Holder> {
    Ok(Holder {
        id: r.get(0)?,
        ext_id: r.get(1)?,
        label: r.get(2)?,
        created_at: r.get(3)?,
    })
}

impl Reader<'_> {
    /// Finds a holder by external id.
    pub fn holder_find(&self, ext_id: &str) -> Result<Option<Holder>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, ext_id, label, created_at FROM holders WHERE ext_id = ?1",
                [ext_id],
                row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Gets a holder by external id or fails with a message naming it.
    pub fn holder_get(&self, ext_id: &str) -> Result<Holder, StoreError> {
        self.holder_find(ext_id)?
            .ok_or_else(|| StoreError::NotFound(Thing::Holder(ext_id.to_string())))
    }

    /// All holders by external id.
    pub fn holder_list(&self) -> Result<Vec<Holder>, StoreError> {
        self.conn
            .query_map(
                "SELECT id, ext_id, label, created_at FROM holders ORDER BY ext_id",
                params![],
                row,
            )
            .map_err(|e| self.err(e))
    }
}

impl Writer<'_> {
    /// Adds a holder.
    pub fn holder_add(
        &self,
        ext_id: &str,
        label: Option<&str>,
        now: i64,
    ) -> Result<Holder, StoreError> {
        self.conn
            .execute(
                "INSERT INTO holders (ext_id, label, created_at) VALUES (?1, ?2, ?3)",
                params![ext_id, label, now],
            )
            .map_err(|e| self.unique(e, || Thing::Holder(ext_id.to_string())))?;
        self.holder_get(ext_id)
    }
}
