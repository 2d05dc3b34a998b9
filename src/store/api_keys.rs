//! API keys (shared access): one row per key with the keyed hash of its secret, and
//! its scopes (locations, products, client networks) by name.

use super::sql::{DbResult, OptionalExtension, Row, params};

use super::{Reader, StoreError, Thing, Writer};
use crate::model::access::{ApiKey, KeyStatus, Role};

const SELECT: &str = "SELECT id, key_id, name, role, status, secret_hash, expires_at,
                             created_at, updated_at
                      FROM api_keys";

fn row(r: &Row<'_>) -> DbResult<ApiKey> {
    let role: String = r.get(3)?;
    let status: String = r.get(4)?;
    Ok(ApiKey {
        id: r.get(0)?,
        key_id: r.get(1)?,
        name: r.get(2)?,
        role: role
            .parse()
            .map_err(|e| super::sql::DbError::convert(3, e))?,
        status: KeyStatus::from_stored(&status),
        secret_hash: r.get(5)?,
        expires_at: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        locations: Vec::new(),
        products: Vec::new(),
        cidrs: Vec::new(),
    })
}

/// A key to insert.
#[derive(Debug)]
pub struct NewApiKey<'a> {
    /// Public id.
    pub key_id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Role.
    pub role: Role,
    /// Keyed hash of the secret.
    pub secret_hash: &'a [u8],
    /// Expiry, Unix seconds.
    pub expires_at: Option<i64>,
    /// Location names it is limited to.
    pub locations: &'a [String],
    /// Product names it is limited to.
    pub products: &'a [String],
    /// Client networks (CIDR).
    pub cidrs: &'a [String],
    /// Unix seconds.
    pub now: i64,
}

impl Reader<'_> {
    /// Fills a key's scopes.
    fn api_key_scopes(&self, mut k: ApiKey) -> Result<ApiKey, StoreError> {
        let rows: Vec<(String, String)> = self
            .conn
            .query_map(
                "SELECT kind, value FROM api_key_scopes WHERE key_row = ?1 ORDER BY kind, value",
                [k.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))?;
        for (kind, value) in rows {
            match kind.as_str() {
                "location" => k.locations.push(value),
                "product" => k.products.push(value),
                _ => k.cidrs.push(value),
            }
        }
        Ok(k)
    }

    /// A key by its public id, with its scopes.
    pub fn api_key_by_key_id(&self, key_id: &str) -> Result<Option<ApiKey>, StoreError> {
        let k = self
            .conn
            .query_row(&format!("{SELECT} WHERE key_id = ?1"), [key_id], row)
            .optional()
            .map_err(|e| self.err(e))?;
        k.map(|k| self.api_key_scopes(k)).transpose()
    }

    /// A key by its public id, or the key not revoked with this name.
    pub fn api_key_get(&self, id_or_name: &str) -> Result<ApiKey, StoreError> {
        if let Some(k) = self.api_key_by_key_id(id_or_name)? {
            return Ok(k);
        }
        let k = self
            .conn
            .query_row(
                &format!("{SELECT} WHERE name = ?1 AND status <> 'revoked'"),
                [id_or_name],
                row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::NotFound(Thing::ApiKey(id_or_name.to_string())))?;
        self.api_key_scopes(k)
    }

    /// Every key (revoked ones too), by name.
    pub fn api_key_list(&self) -> Result<Vec<ApiKey>, StoreError> {
        let keys: Vec<ApiKey> = self
            .conn
            .query_map(&format!("{SELECT} ORDER BY name, id"), params![], row)
            .map_err(|e| self.err(e))?;
        keys.into_iter().map(|k| self.api_key_scopes(k)).collect()
    }
}

impl Writer<'_> {
    /// Inserts a key with its scopes.
    pub fn api_key_add(&self, k: &NewApiKey<'_>) -> Result<ApiKey, StoreError> {
        let row_id = self
            .conn
            .insert_id(
                "INSERT INTO api_keys (key_id, name, role, status, secret_hash, expires_at,
                                       created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'active', ?4, ?5, ?6, ?6)",
                params![
                    k.key_id,
                    k.name,
                    k.role.as_str(),
                    k.secret_hash,
                    k.expires_at,
                    k.now
                ],
            )
            .map_err(|e| self.unique(e, || Thing::ApiKey(k.name.to_string())))?;

        let scopes = [
            ("location", k.locations),
            ("product", k.products),
            ("cidr", k.cidrs),
        ];
        for (kind, values) in scopes {
            for v in values {
                self.conn
                    .execute(
                        "INSERT OR IGNORE INTO api_key_scopes (key_row, kind, value)
                         VALUES (?1, ?2, ?3)",
                        params![row_id, kind, v],
                    )
                    .map_err(|e| self.err(e))?;
            }
        }
        self.api_key_by_key_id(k.key_id)?
            .ok_or_else(|| StoreError::NotFound(Thing::ApiKey(k.key_id.to_string())))
    }

    /// Sets a key's status.
    pub fn api_key_set_status(
        &self,
        id: i64,
        status: KeyStatus,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE api_keys SET status = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, status.as_str(), now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Replaces a key's secret hash (rotation).
    pub fn api_key_set_secret(&self, id: i64, hash: &[u8], now: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE api_keys SET secret_hash = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, hash, now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
