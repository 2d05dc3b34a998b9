//! Removing and editing holders, locations and credentials (issue 12's management
//! commands). Foreign keys do the rest: a holder's credentials go with it and its
//! presence events keep their time without it; a location's assignments, kiosk
//! settings, readers, presence tokens and events go with it.

use super::sql::params;
use super::{StoreError, Thing, Writer};

impl Writer<'_> {
    /// Changes a holder's external id and label.
    pub fn holder_update(
        &self,
        id: i64,
        ext_id: &str,
        label: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE holders SET ext_id = ?2, label = ?3 WHERE id = ?1",
                params![id, ext_id, label],
            )
            .map(|_| ())
            .map_err(|e| self.unique(e, || Thing::Holder(ext_id.to_string())))
    }

    /// Deletes a holder (its tokens must have been released).
    pub fn holder_delete(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM holders WHERE id = ?1", [id])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Deletes one credential of a holder; `false` when the holder has no such one.
    pub fn credential_delete(
        &self,
        kind: &str,
        value: &str,
        holder_id: i64,
    ) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "DELETE FROM credentials WHERE kind = ?1 AND value = ?2 AND holder_id = ?3",
                params![kind, value, holder_id],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// Deletes a location and everything that hangs on it.
    pub fn location_delete(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM locations WHERE id = ?1", [id])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
