//! Locations (sites, rooms, kiosks) and which tokens verify there.

use super::sql::{DbResult, OptionalExtension, Row, params};

use super::{Reader, StoreError, Thing, Writer};
use crate::model::Location;

fn row(r: &Row<'_>) -> DbResult<Location> {
    Ok(Location {
        id: r.get(0)?,
        name: r.get(1)?,
        tz: r.get(2)?,
        created_at: r.get(3)?,
    })
}

impl Reader<'_> {
    /// Finds a location by name.
    pub fn location_find(&self, name: &str) -> Result<Option<Location>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, name, tz, created_at FROM locations WHERE name = ?1",
                [name],
                row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Gets a location by name or fails naming it.
    pub fn location_get(&self, name: &str) -> Result<Location, StoreError> {
        self.location_find(name)?
            .ok_or_else(|| StoreError::NotFound(Thing::Location(name.to_string())))
    }

    /// All locations by name.
    pub fn location_list(&self) -> Result<Vec<Location>, StoreError> {
        self.conn
            .query_map(
                "SELECT id, name, tz, created_at FROM locations ORDER BY name",
                params![],
                row,
            )
            .map_err(|e| self.err(e))
    }

    /// Names of the locations a token is assigned to.
    pub fn token_location_names(&self, token_id: i64) -> Result<Vec<String>, StoreError> {
        self.conn
            .query_map(
                "SELECT l.name FROM token_locations tl JOIN locations l ON l.id = tl.location_id
                 WHERE tl.token_id = ?1 ORDER BY l.name",
                [token_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Whether a token is assigned to a location.
    pub fn token_at_location(&self, token_id: i64, location_id: i64) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM token_locations WHERE token_id = ?1 AND location_id = ?2",
                [token_id, location_id],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err(e))
    }

    /// Number of tokens assigned to a location.
    pub fn location_token_count(&self, location_id: i64) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM token_locations WHERE location_id = ?1",
                [location_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }
}

impl Writer<'_> {
    /// Adds a location.
    pub fn location_add(&self, name: &str, tz: &str, now: i64) -> Result<Location, StoreError> {
        self.conn
            .execute(
                "INSERT INTO locations (name, tz, created_at) VALUES (?1, ?2, ?3)",
                params![name, tz, now],
            )
            .map_err(|e| self.unique(e, || Thing::Location(name.to_string())))?;
        self.location_get(name)
    }

    /// Assigns a token to a location (idempotent).
    pub fn location_assign(&self, token_id: i64, location_id: i64) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO token_locations (token_id, location_id) VALUES (?1, ?2)",
                [token_id, location_id],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// Removes a token from a location.
    pub fn location_unassign(&self, token_id: i64, location_id: i64) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "DELETE FROM token_locations WHERE token_id = ?1 AND location_id = ?2",
                [token_id, location_id],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }
}
