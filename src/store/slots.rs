//! Slots: where a token's seed sits inside a multi-seed device (OATH credential name,
//! Nitrokey slot number), written by a burn and renamed by on-device management.

use super::sql::params;
use super::{Reader, StoreError, Writer, from_u64};
use crate::model::{Family, TokenStatus};
use crate::otp::Kind;

/// A token that is not retired with the place a burn recorded for its seed: what
/// on-device management matches a device's slots against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotHolder {
    /// Token row id.
    pub token_id: i64,
    /// Its serial.
    pub serial: String,
    /// Its product.
    pub product: String,
    /// Its status.
    pub status: TokenStatus,
    /// The product's family.
    pub family: Family,
    /// The product's kind (a Nitrokey numbers HOTP and TOTP slots apart).
    pub kind: Kind,
    /// The slot number as burned.
    pub slot: u16,
    /// The name written with the seed (OATH credential id, slot name, title).
    pub name: Option<String>,
}

impl Reader<'_> {
    /// The slots of a token, by number.
    pub fn slots_of(&self, token_id: i64) -> Result<Vec<(u16, Option<String>)>, StoreError> {
        self.conn
            .query_map(
                "SELECT slot, name FROM slots WHERE token_id = ?1 ORDER BY slot",
                [token_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))
    }

    /// Every token not retired whose burn recorded a slot, with the slot, under the
    /// products of `family` and the products bound to no family (`generic`,
    /// `software`: a burn accepts those for any token).
    pub fn slot_holders(&self, family: Family) -> Result<Vec<SlotHolder>, StoreError> {
        let bad = |i: usize, e: String| super::sql::DbError::convert(i, e);
        let families = [family, Family::Generic, Family::Software].map(Family::as_str);
        self.conn
            .query_map(
                "SELECT t.id, t.serial, p.name, t.status, p.family, p.kind, s.slot, s.name
                 FROM slots s
                 JOIN tokens t ON t.id = s.token_id
                 JOIN products p ON p.id = t.product_id
                 WHERE t.status <> 'retired' AND p.family IN (?1, ?2, ?3)
                 ORDER BY t.serial, s.slot",
                families,
                |r| {
                    let status: String = r.get(3)?;
                    let family: String = r.get(4)?;
                    let kind: String = r.get(5)?;
                    Ok(SlotHolder {
                        token_id: r.get(0)?,
                        serial: r.get(1)?,
                        product: r.get(2)?,
                        status: status.parse().map_err(|e| bad(3, format!("{e}")))?,
                        family: family.parse().map_err(|e| bad(4, format!("{e}")))?,
                        kind: kind.parse().map_err(|e| bad(5, format!("{e}")))?,
                        slot: r.get(6)?,
                        name: r.get(7)?,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }
}

impl Writer<'_> {
    /// Records (or replaces) the slot `slot` of token `token_id` with its name.
    pub fn slot_set(&self, token_id: i64, slot: u16, name: Option<&str>) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO slots (token_id, slot, name) VALUES (?1, ?2, ?3)
                 ON CONFLICT (token_id, slot) DO UPDATE SET name = excluded.name",
                params![token_id, slot, name],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Replaces a token's sealed seed and HOTP counter and clears its verification
    /// state (a re-burn of an unverified token with a new seed).
    pub fn token_replace_seed(
        &self,
        id: i64,
        sealed_seed: &[u8],
        counter: u64,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tokens SET sealed_seed = ?2, counter = ?3, last_step = NULL,
                        drift_steps = 0, drift_base_steps = 0, updated_at = ?4
                 WHERE id = ?1",
                params![id, sealed_seed, from_u64(counter, "counter")?, now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
