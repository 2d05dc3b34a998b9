//! Slots: where a token's seed sits inside a multi-seed device (OATH credential name,
//! Nitrokey slot number), written by a burn.

use super::{Reader, StoreError, Writer, from_u64};

impl Reader<'_> {
    /// The slots of a token, by number.
    pub fn slots_of(&self, token_id: i64) -> Result<Vec<(u16, Option<String>)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT slot, name FROM slots WHERE token_id = ?1 ORDER BY slot")
            .map_err(|e| self.err(e))?;
        st.query_map([token_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
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
                rusqlite::params![token_id, slot, name],
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
                        drift_steps = 0, updated_at = ?4
                 WHERE id = ?1",
                rusqlite::params![id, sealed_seed, from_u64(counter, "counter")?, now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
