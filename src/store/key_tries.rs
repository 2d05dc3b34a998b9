//! A device key's tries (issue 12): the tries left a device last reported after a
//! wrong key, per family and device serial (table `device_key_tries`). Written only
//! through station transactions (`station::key_tries`), which audit each change.

use super::sql::{OptionalExtension, params};
use super::{Reader, StoreError, Writer};
use crate::model::Family;

impl Reader<'_> {
    /// The tries left the device `serial` of `family` last reported, if it reported
    /// any since its key was last accepted.
    pub fn key_tries(&self, family: Family, serial: &str) -> Result<Option<u8>, StoreError> {
        let n: Option<i64> = self
            .conn
            .query_row(
                "SELECT tries_left FROM device_key_tries WHERE family = ?1 AND serial = ?2",
                params![family.as_str(), serial],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        // A count beyond a byte is not one a device reported: read as "many".
        Ok(n.map(|n| u8::try_from(n).unwrap_or(u8::MAX)))
    }
}

impl Writer<'_> {
    /// Records the tries left the device reported at `now`.
    pub fn key_tries_set(
        &self,
        family: Family,
        serial: &str,
        tries_left: u8,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO device_key_tries (family, serial, tries_left, reported_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (family, serial) DO UPDATE
                 SET tries_left = excluded.tries_left, reported_at = excluded.reported_at",
                params![family.as_str(), serial, i64::from(tries_left), now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Forgets the count (the key was accepted); whether there was one.
    pub fn key_tries_clear(&self, family: Family, serial: &str) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "DELETE FROM device_key_tries WHERE family = ?1 AND serial = ?2",
                params![family.as_str(), serial],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }
}
