//! Tokens: one row per individual token, with its sealed seed and verification state.

use super::sql::{DbResult, OptionalExtension, Row, params};

use super::{Reader, StoreError, Thing, Writer, from_u64, to_u64};
pub use crate::model::filters::TokenFilter;
use crate::model::{Token, TokenStatus};

const SELECT: &str = "SELECT t.id, t.uid, t.serial, p.name, t.product_id, t.status, h.ext_id,
                             t.counter, t.last_step, t.drift_steps, t.all_locations,
                             t.created_at, t.updated_at, t.activated_at, t.issuer,
                             t.drift_base_steps, t.drift_sample_day, t.leased_to
                      FROM tokens t
                      JOIN products p ON p.id = t.product_id
                      LEFT JOIN holders h ON h.id = t.holder_id";

/// The token list's filter: product, status, holder, location (or all locations).
const FILTER: &str = "WHERE (?1 IS NULL OR p.name = ?1)
               AND (?2 IS NULL OR t.status = ?2)
               AND (?3 IS NULL OR h.ext_id = ?3)
               AND (?4 IS NULL OR t.all_locations = 1 OR EXISTS (
                     SELECT 1 FROM token_locations tl JOIN locations l ON l.id = tl.location_id
                     WHERE tl.token_id = t.id AND l.name = ?4))";

/// A count for SQL LIMIT/OFFSET (SQLite integers are signed).
fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn row(r: &Row<'_>) -> DbResult<Token> {
    let status: String = r.get(5)?;
    Ok(Token {
        id: r.get(0)?,
        uid: r.get(1)?,
        serial: r.get(2)?,
        product: r.get(3)?,
        product_id: r.get(4)?,
        status: status
            .parse()
            .map_err(|e| super::sql::DbError::convert(5, e))?,
        holder: r.get(6)?,
        counter: to_u64(r.get(7)?),
        last_step: r.get::<Option<i64>>(8)?.map(to_u64),
        drift_steps: r.get(9)?,
        all_locations: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        activated_at: r.get(13)?,
        issuer: r.get(14)?,
        drift_base_steps: r.get(15)?,
        drift_sample_day: r.get(16)?,
        leased_to: r.get(17)?,
    })
}

/// A token to insert.
#[derive(Debug)]
pub struct NewToken<'a> {
    /// Stable random identity (also the seed's associated data).
    pub uid: &'a str,
    /// Product row id.
    pub product_id: i64,
    /// Serial number.
    pub serial: &'a str,
    /// Initial status.
    pub status: TokenStatus,
    /// Sealed seed.
    pub sealed_seed: &'a [u8],
    /// Initial HOTP counter.
    pub counter: u64,
    /// Initial drift in steps (e.g. PSKC TimeDrift).
    pub drift_steps: i64,
    /// Issuer of the token's account when its source named one (Key URI `issuer`,
    /// PSKC `Issuer`); `None` means the product's.
    pub issuer: Option<&'a str>,
    /// Unix seconds.
    pub now: i64,
}

/// The verification state written after a successful check or a resync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyState {
    /// Next expected HOTP counter.
    pub counter: u64,
    /// Last accepted TOTP step.
    pub last_step: Option<u64>,
    /// Learned drift in steps.
    pub drift_steps: i64,
    /// The drift last established by an operator (resync, clock fix, burn, import):
    /// learning moves at most `drift.max_learned_steps` away from it.
    pub drift_base_steps: i64,
}

impl Reader<'_> {
    /// Gets a token by row id.
    pub fn token_by_id(&self, id: i64) -> Result<Token, StoreError> {
        self.conn
            .query_row(&format!("{SELECT} WHERE t.id = ?1"), [id], row)
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::NotFound(Thing::TokenId(id)))
    }

    /// All tokens with this serial (one per product at most).
    pub fn tokens_by_serial(&self, serial: &str) -> Result<Vec<Token>, StoreError> {
        self.conn
            .query_map(
                &format!("{SELECT} WHERE t.serial = ?1 ORDER BY p.name"),
                [serial],
                row,
            )
            .map_err(|e| self.err(e))
    }

    /// Lists tokens.
    pub fn token_list(&self, f: &TokenFilter) -> Result<Vec<Token>, StoreError> {
        self.token_list_page(f, u64::MAX, 0)
    }

    /// Lists at most `limit` tokens after skipping `offset`, in the order of
    /// [`Reader::token_list`].
    pub fn token_list_page(
        &self,
        f: &TokenFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<Token>, StoreError> {
        let sql = format!("{SELECT} {FILTER} ORDER BY p.name, t.serial LIMIT ?5 OFFSET ?6");
        let (limit, offset) = (clamp(limit), clamp(offset));
        self.conn
            .query_map(
                &sql,
                params![
                    f.product,
                    f.status.map(|s| s.as_str()),
                    f.holder,
                    f.location,
                    limit,
                    offset
                ],
                row,
            )
            .map_err(|e| self.err(e))
    }

    /// How many tokens `f` selects.
    pub fn token_count_where(&self, f: &TokenFilter) -> Result<u64, StoreError> {
        let sql = format!(
            "SELECT count(*) FROM tokens t
             JOIN products p ON p.id = t.product_id
             LEFT JOIN holders h ON h.id = t.holder_id {FILTER}"
        );
        self.conn
            .query_row(
                &sql,
                params![
                    f.product,
                    f.status.map(|s| s.as_str()),
                    f.holder,
                    f.location
                ],
                |r| r.get::<i64>(0),
            )
            .map(to_u64)
            .map_err(|e| self.err(e))
    }

    /// Tokens with their sealed seeds (for look-ups over many tokens).
    pub fn token_list_with_seeds(
        &self,
        f: &TokenFilter,
    ) -> Result<Vec<(Token, Vec<u8>)>, StoreError> {
        let tokens = self.token_list(f)?;
        tokens
            .into_iter()
            .map(|t| {
                let sealed: Vec<u8> = self
                    .conn
                    .query_row(
                        "SELECT sealed_seed FROM tokens WHERE id = ?1",
                        [t.id],
                        |r| r.get(0),
                    )
                    .map_err(|e| self.err(e))?;
                Ok((t, sealed))
            })
            .collect()
    }

    /// Number of tokens.
    pub fn token_count(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM tokens", params![], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The sealed seed of a token.
    pub fn token_sealed_seed(&self, id: i64) -> Result<Vec<u8>, StoreError> {
        self.conn
            .query_row("SELECT sealed_seed FROM tokens WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::NotFound(Thing::TokenId(id)))
    }
}

impl Writer<'_> {
    /// Inserts a token.
    pub fn token_add(&self, t: &NewToken<'_>) -> Result<Token, StoreError> {
        let id = self
            .conn
            .insert_id(
                "INSERT INTO tokens (uid, product_id, serial, status, sealed_seed, counter,
                                     drift_steps, drift_base_steps, created_at, updated_at,
                                     activated_at, issuer)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?8, ?10, ?9)",
                params![
                    t.uid,
                    t.product_id,
                    t.serial,
                    t.status.as_str(),
                    t.sealed_seed,
                    from_u64(t.counter, "counter")?,
                    t.drift_steps,
                    t.now,
                    t.issuer,
                    (t.status == TokenStatus::Active).then_some(t.now)
                ],
            )
            .map_err(|e| self.unique(e, || Thing::TokenSerial(t.serial.to_string())))?;
        self.token_by_id(id)
    }

    /// Sets a token's status; activating stamps `activated_at` the first time.
    pub fn token_set_status(
        &self,
        id: i64,
        status: TokenStatus,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tokens SET status = ?2, updated_at = ?3,
                        activated_at = CASE WHEN ?2 = 'active' THEN coalesce(activated_at, ?3)
                                            ELSE activated_at END
                 WHERE id = ?1",
                params![id, status.as_str(), now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Leases a token to one station (`None`: releases it): it then verifies only there.
    pub fn token_set_lease(
        &self,
        id: i64,
        station: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tokens SET leased_to = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, station, now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Assigns a token to a holder (or none).
    pub fn token_set_holder(
        &self,
        id: i64,
        holder_id: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tokens SET holder_id = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, holder_id, now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Lets a token verify at every location, or only its assigned ones.
    pub fn token_set_all_locations(&self, id: i64, all: bool, now: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tokens SET all_locations = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, all, now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Renames a token's serial.
    pub fn token_rename(&self, id: i64, serial: &str, now: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tokens SET serial = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, serial, now],
            )
            .map(|_| ())
            .map_err(|e| self.unique(e, || Thing::TokenSerial(serial.to_string())))
    }

    /// Writes the verification state after a success or resync.
    pub fn token_set_verify_state(
        &self,
        id: i64,
        s: VerifyState,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tokens SET counter = ?2, last_step = ?3, drift_steps = ?4, updated_at = ?5,
                                   drift_base_steps = ?6
                 WHERE id = ?1",
                params![
                    id,
                    from_u64(s.counter, "counter")?,
                    s.last_step.map(|v| from_u64(v, "step")).transpose()?,
                    s.drift_steps,
                    now,
                    s.drift_base_steps
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Deletes a token (its slots and assignments go with it).
    pub fn token_delete(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM tokens WHERE id = ?1", [id])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
