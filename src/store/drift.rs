//! Drift: a token's compact offset history (in its row, so a verification that updates
//! the row anyway writes no extra page), and the rows the drift report is computed
//! from, in one pass over the TOTP tokens.

use super::sql::{OptionalExtension, params};

use super::tokens::VerifyState;
use super::{Reader, StoreError, Thing, Writer, from_u64, to_u64};
pub use crate::model::filters::DriftFilter;
use crate::model::{Family, TokenStatus};

/// What the drift report needs of one TOTP token.
#[derive(Debug, Clone)]
pub struct DriftInput {
    /// Token row id.
    pub token_id: i64,
    /// Serial.
    pub serial: String,
    /// Status.
    pub status: TokenStatus,
    /// Product name.
    pub product: String,
    /// Product family.
    pub family: Family,
    /// TOTP period, seconds.
    pub period: u32,
    /// Product window, steps each side.
    pub skew: u32,
    /// Product's expected drift, seconds per year, when set.
    pub drift_per_year: Option<f64>,
    /// Learned drift, steps.
    pub drift_steps: i64,
    /// Baseline drift, steps.
    pub drift_base_steps: i64,
    /// Last accepted TOTP step.
    pub last_step: Option<u64>,
    /// TOTP origin, Unix seconds.
    pub t0: i64,
    /// The stored history bytes.
    pub history: Option<Vec<u8>>,
}

impl Reader<'_> {
    /// The stored drift history of a token.
    pub fn token_drift_history(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row(
                "SELECT drift_history FROM tokens WHERE id = ?1",
                [id],
                |r| r.get(0).optional(),
            )
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::NotFound(Thing::TokenId(id)))
    }

    /// The TOTP tokens (not retired or lost) a drift report covers, by serial.
    pub fn drift_inputs(&self, f: &DriftFilter) -> Result<Vec<DriftInput>, StoreError> {
        let conv = |i: usize, e: Box<dyn std::error::Error + Send + Sync>| {
            super::sql::DbError::convert(i, e)
        };
        self.conn
            .query_map(
                "SELECT t.id, t.serial, t.status, p.name, p.family, p.period, p.skew,
                        p.drift_per_year, t.drift_steps, t.drift_base_steps, t.drift_history,
                        t.last_step, p.t0
                 FROM tokens t JOIN products p ON p.id = t.product_id
                 WHERE p.kind = 'totp' AND t.status IN ('active', 'unverified', 'disabled')
                   AND (?1 IS NULL OR p.name = ?1)
                   AND (?2 IS NULL OR t.all_locations = 1 OR EXISTS (
                         SELECT 1 FROM token_locations tl JOIN locations l ON l.id = tl.location_id
                         WHERE tl.token_id = t.id AND l.name = ?2))
                   AND (?3 IS NULL OR t.serial = ?3)
                 ORDER BY t.serial, p.name",
                params![f.product, f.location, f.serial],
                |r| {
                    let status: String = r.get(2)?;
                    let family: String = r.get(4)?;
                    Ok(DriftInput {
                        token_id: r.get(0)?,
                        serial: r.get(1)?,
                        status: status.parse().map_err(|e| conv(2, Box::new(e)))?,
                        product: r.get(3)?,
                        family: family.parse().map_err(|e| conv(4, Box::new(e)))?,
                        period: r.get(5)?,
                        skew: r.get(6)?,
                        drift_per_year: r.get(7)?,
                        drift_steps: r.get(8)?,
                        drift_base_steps: r.get(9)?,
                        history: r.get(10)?,
                        last_step: r.get::<Option<i64>>(11)?.map(to_u64),
                        t0: r.get(12)?,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }
}

impl Writer<'_> {
    /// Writes the verification state after a success together with a new history and
    /// its sample day: one row rewrite for both.
    pub fn token_set_verify_state_and_history(
        &self,
        id: i64,
        s: VerifyState,
        bytes: &[u8],
        sample_day: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let counter = from_u64(s.counter, "counter")?;
        let step = s.last_step.map(|v| from_u64(v, "step")).transpose()?;
        self.conn
            .execute(
                "UPDATE tokens SET counter = ?2, last_step = ?3, drift_steps = ?4, updated_at = ?5,
                                   drift_base_steps = ?6, drift_history = ?7,
                                   drift_sample_day = ?8
                 WHERE id = ?1",
                params![
                    id,
                    counter,
                    step,
                    s.drift_steps,
                    now,
                    s.drift_base_steps,
                    bytes,
                    sample_day
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Stores a token's drift history, and the UTC day of its last verification sample
    /// when `sample_day` says (`None` keeps the stored one).
    pub fn token_set_drift_history(
        &self,
        id: i64,
        bytes: &[u8],
        sample_day: Option<i64>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tokens SET drift_history = ?2,
                                   drift_sample_day = coalesce(?3, drift_sample_day)
                 WHERE id = ?1",
                params![id, bytes, sample_day],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
