//! Failure counters and cooldowns per token (and, from stores before per-source
//! delays, per location), per-source delays, backup code hashes, per-location product
//! restrictions, and policy settings.

use super::sql::{OptionalExtension, params};

use super::{Reader, StoreError, Writer};

/// Which counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A token's consecutive failures anywhere.
    Token(i64),
    /// A location's consecutive failures, any token.
    Location(i64),
}

impl Scope {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Scope::Token(id) => ("token", id),
            Scope::Location(id) => ("location", id),
        }
    }
}

/// A counter's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailCounter {
    /// Consecutive failures since the last success or lockout.
    pub failures: u32,
    /// Lockouts since the last success (for growing cooldowns).
    pub lockouts: u32,
    /// Locked until this Unix time in milliseconds.
    pub locked_until_ms: Option<i64>,
}

/// Failures from one source at one location, and when it may try again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceDelay {
    /// Consecutive failures (reset by a success or a quiet period).
    pub failures: u32,
    /// Unix milliseconds of the last failure.
    pub last_failure_ms: i64,
    /// No attempt from the source is checked before this Unix time in milliseconds.
    pub next_at_ms: Option<i64>,
}

impl Reader<'_> {
    /// Reads the delay of `source` at a location (`0`: no location); zero when absent.
    pub fn source_delay(&self, location_id: i64, source: &str) -> Result<SourceDelay, StoreError> {
        self.conn
            .query_row(
                "SELECT failures, last_failure_ms, next_at_ms FROM source_delays
                 WHERE location_id = ?1 AND source = ?2",
                params![location_id, source],
                |r| {
                    Ok(SourceDelay {
                        failures: r.get(0)?,
                        last_failure_ms: r.get(1)?,
                        next_at_ms: r.get(2)?,
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.err(e))
    }

    /// Reads a counter (zero when absent).
    pub fn fail_counter(&self, scope: Scope) -> Result<FailCounter, StoreError> {
        let (s, id) = scope.parts();
        self.conn
            .query_row(
                "SELECT failures, lockouts, locked_until FROM fail_counters WHERE scope = ?1 AND scope_id = ?2",
                params![s, id],
                |r| {
                    Ok(FailCounter {
                        failures: r.get(0)?,
                        lockouts: r.get(1)?,
                        locked_until_ms: r.get(2)?,
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.err(e))
    }

    /// Whether an unused backup code with this hash exists (changes nothing).
    pub fn backup_code_unused(&self, token_id: i64, hash: &[u8; 32]) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM backup_codes WHERE token_id = ?1 AND hash = ?2 AND used_at IS NULL",
                params![token_id, &hash[..]],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err(e))
    }

    /// Whether `hash` is a backup code of the token's set that was used already.
    pub fn backup_code_used(&self, token_id: i64, hash: &[u8; 32]) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM backup_codes WHERE token_id = ?1 AND hash = ?2 AND used_at IS NOT NULL",
                params![token_id, &hash[..]],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err(e))
    }

    /// Unused backup codes of a token.
    pub fn backup_codes_left(&self, token_id: i64) -> Result<u32, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM backup_codes WHERE token_id = ?1 AND used_at IS NULL",
                [token_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Names of the products a location is restricted to (empty: unrestricted).
    pub fn location_product_names(&self, location_id: i64) -> Result<Vec<String>, StoreError> {
        self.conn
            .query_map(
                "SELECT p.name FROM location_products lp JOIN products p ON p.id = lp.product_id
                 WHERE lp.location_id = ?1 ORDER BY p.name",
                [location_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Whether a product may verify at a location.
    pub fn location_allows_product(
        &self,
        location_id: i64,
        product_id: i64,
    ) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM location_products WHERE location_id = ?1)
                     OR EXISTS (SELECT 1 FROM location_products WHERE location_id = ?1 AND product_id = ?2)",
                [location_id, product_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Reads a policy setting.
    pub fn setting_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// All policy settings that were set.
    pub fn setting_list(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.conn
            .query_map(
                "SELECT key, value FROM settings ORDER BY key",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))
    }
}

impl Writer<'_> {
    /// Writes the delay of `source` at a location (`0`: no location).
    pub fn source_delay_set(
        &self,
        location_id: i64,
        source: &str,
        d: SourceDelay,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO source_delays (location_id, source, failures, last_failure_ms, next_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (location_id, source) DO UPDATE SET failures = excluded.failures,
                     last_failure_ms = excluded.last_failure_ms, next_at_ms = excluded.next_at_ms",
                params![location_id, source, d.failures, d.last_failure_ms, d.next_at_ms],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Forgets the delay of `source` at a location; true if there was one.
    pub fn source_delay_clear(&self, location_id: i64, source: &str) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "DELETE FROM source_delays WHERE location_id = ?1 AND source = ?2",
                params![location_id, source],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// Forgets every source's delay at a location; how many there were.
    pub fn source_delays_clear_location(&self, location_id: i64) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "DELETE FROM source_delays WHERE location_id = ?1",
                [location_id],
            )
            .map_err(|e| self.err(e))
    }

    /// Writes a counter.
    pub fn fail_counter_set(&self, scope: Scope, c: FailCounter) -> Result<(), StoreError> {
        let (s, id) = scope.parts();
        self.conn
            .execute(
                "INSERT INTO fail_counters (scope, scope_id, failures, lockouts, locked_until)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (scope, scope_id) DO UPDATE SET failures = excluded.failures,
                     lockouts = excluded.lockouts, locked_until = excluded.locked_until",
                params![s, id, c.failures, c.lockouts, c.locked_until_ms],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Clears a counter; true if there was one with failures or a lock.
    pub fn fail_counter_clear(&self, scope: Scope) -> Result<bool, StoreError> {
        let (s, id) = scope.parts();
        self.conn
            .execute(
                "DELETE FROM fail_counters WHERE scope = ?1 AND scope_id = ?2
                 AND (failures > 0 OR lockouts > 0 OR locked_until IS NOT NULL)",
                params![s, id],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// Replaces a token's backup code hashes.
    pub fn backup_codes_replace(
        &self,
        token_id: i64,
        hashes: &[[u8; 32]],
    ) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM backup_codes WHERE token_id = ?1", [token_id])
            .map_err(|e| self.err(e))?;
        for h in hashes {
            self.conn
                .execute(
                    "INSERT INTO backup_codes (token_id, hash) VALUES (?1, ?2)",
                    params![token_id, &h[..]],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Marks an unused backup code used; false if no such unused code.
    pub fn backup_code_use(
        &self,
        token_id: i64,
        hash: &[u8; 32],
        at: i64,
    ) -> Result<bool, StoreError> {
        self.conn
            .execute("UPDATE backup_codes SET used_at = ?3 WHERE token_id = ?1 AND hash = ?2 AND used_at IS NULL", params![token_id, &hash[..], at])
            .map(|n| n == 1)
            .map_err(|e| self.err(e))
    }

    /// Sets the products allowed at a location (empty: all products).
    pub fn location_set_products(
        &self,
        location_id: i64,
        product_ids: &[i64],
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM location_products WHERE location_id = ?1",
                [location_id],
            )
            .map_err(|e| self.err(e))?;
        for p in product_ids {
            self.conn
                .execute(
                    "INSERT INTO location_products (location_id, product_id) VALUES (?1, ?2)",
                    [location_id, *p],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Writes a policy setting.
    pub fn setting_set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
