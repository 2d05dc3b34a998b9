//! The outbox's leased tokens (issue 17, "Offline kiosks"): the verification state of
//! each token leased to the kiosk's station, copied while the server answers, so a
//! code typed while it does not is checked exactly (`station::presence::offline_code`).
//! The seed is kept exactly as the store seals it (never opened here); the replay
//! guard (last step, next counter) only moves forward, also across a new copy, and a
//! code accepted offline writes its new state in the same SQLite transaction as its
//! event ([`Outbox::push_code`]). The state each coded event leaves is kept beside it
//! (`outbox_token_use`) for the drain to give to the server.

use rusqlite::{OptionalExtension, params};

use super::{Outbox, OutboxEvent};
use crate::store::StoreError;

/// Version 2 of the outbox file: leased tokens and the token state of coded events.
pub(super) const V2: &str = r#"
CREATE TABLE snap_tokens (
    serial           TEXT NOT NULL,
    product          TEXT NOT NULL,
    uid              TEXT NOT NULL,
    sealed_seed      BLOB NOT NULL,
    holder           TEXT,
    params           TEXT NOT NULL,
    skew             INTEGER NOT NULL,
    counter          INTEGER NOT NULL,
    last_step        INTEGER,
    drift_steps      INTEGER NOT NULL,
    drift_base_steps INTEGER NOT NULL,
    max_drift_steps  INTEGER NOT NULL,
    max_failures     INTEGER NOT NULL,
    failures         INTEGER NOT NULL,
    PRIMARY KEY (serial, product)
) WITHOUT ROWID;
CREATE TABLE outbox_token_use (
    seq       INTEGER PRIMARY KEY,
    serial    TEXT NOT NULL,
    product   TEXT NOT NULL,
    verdict   TEXT NOT NULL,
    method    TEXT NOT NULL,
    step      INTEGER,
    counter   INTEGER NOT NULL,
    last_step INTEGER
);
CREATE TRIGGER outbox_token_use_gone AFTER DELETE ON outbox BEGIN
    DELETE FROM outbox_token_use WHERE seq = old.seq;
END;
"#;

/// A leased token as copied: what the verification core needs, seed still sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapToken {
    /// Serial.
    pub serial: String,
    /// Product name.
    pub product: String,
    /// The token's uid (binds the sealed seed to it).
    pub uid: String,
    /// The seed as the store keeps it, sealed under the master key.
    pub sealed_seed: Vec<u8>,
    /// Holder's external id.
    pub holder: Option<String>,
    /// The product's OTP parameters (JSON of `otp::OtpParams`).
    pub params: String,
    /// The product's window.
    pub skew: u32,
    /// Next HOTP counter.
    pub counter: u64,
    /// Last accepted TOTP step.
    pub last_step: Option<u64>,
    /// Learned drift.
    pub drift_steps: i64,
    /// Operator's drift.
    pub drift_base_steps: i64,
    /// The policy's `drift.max_learned_steps`.
    pub max_drift_steps: i64,
    /// The policy's `limit.max_failures`: wrong codes in a row after which the kiosk
    /// refuses the token's codes offline (`LIMIT_REACHED`) until one is sent.
    pub max_failures: u32,
    /// Wrong codes in a row: the server's when copied, counted on offline (a copy
    /// does not lower it while its codes are not sent; a good code resets it).
    pub failures: u32,
}

/// What a coded event did to its token (sent with the event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUse {
    /// Serial.
    pub serial: String,
    /// Product name.
    pub product: String,
    /// The verdict (`OK`, `REPLAYED`, `INVALID_CODE`…).
    pub verdict: String,
    /// `otp` (the only method offline).
    pub method: String,
    /// The matched step or counter.
    pub step: Option<u64>,
    /// Next HOTP counter after it.
    pub counter: u64,
    /// Last accepted TOTP step after it.
    pub last_step: Option<u64>,
}

fn to_i64(v: u64) -> rusqlite::Result<i64> {
    i64::try_from(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn to_u64(v: i64, col: usize) -> rusqlite::Result<u64> {
    u64::try_from(v).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Integer, e.into())
    })
}

impl Outbox {
    /// Replaces the leased tokens (only those of serial `only`, when given) by
    /// `tokens`; a replay guard kept here that is ahead of the copied one (a code
    /// accepted offline, not yet sent) is kept.
    pub fn snap_tokens_replace(
        &mut self,
        only: Option<&str>,
        tokens: &[SnapToken],
    ) -> Result<(), StoreError> {
        let err = super::database_error(&self.path);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "CREATE TEMP TABLE IF NOT EXISTS keep (serial TEXT, product TEXT)",
            [],
        )
        .map_err(err)?;
        tx.execute("DELETE FROM temp.keep", []).map_err(err)?;
        for t in tokens {
            let last = t.last_step.map(to_i64).transpose().map_err(err)?;
            // a token registered again under its serial starts from the server's state
            tx.execute(
                "DELETE FROM snap_tokens WHERE serial = ?1 AND product = ?2 AND uid <> ?3",
                params![t.serial, t.product, t.uid],
            )
            .map_err(err)?;
            tx.execute(
                "INSERT INTO snap_tokens (serial, product, uid, sealed_seed, holder, params, skew,
                   counter, last_step, drift_steps, drift_base_steps, max_drift_steps,
                   max_failures, failures)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT (serial, product) DO UPDATE SET uid = excluded.uid,
                   sealed_seed = excluded.sealed_seed, holder = excluded.holder,
                   params = excluded.params, skew = excluded.skew,
                   counter = max(snap_tokens.counter, excluded.counter),
                   last_step = CASE WHEN snap_tokens.last_step IS NULL THEN excluded.last_step
                     WHEN excluded.last_step IS NULL THEN snap_tokens.last_step
                     ELSE max(snap_tokens.last_step, excluded.last_step) END,
                   drift_steps = excluded.drift_steps,
                   drift_base_steps = excluded.drift_base_steps,
                   max_drift_steps = excluded.max_drift_steps,
                   max_failures = excluded.max_failures,
                   failures = CASE WHEN EXISTS (SELECT 1 FROM outbox_token_use u
                       WHERE u.serial = excluded.serial AND u.product = excluded.product)
                     THEN max(snap_tokens.failures, excluded.failures)
                     ELSE excluded.failures END",
                params![
                    t.serial,
                    t.product,
                    t.uid,
                    t.sealed_seed,
                    t.holder,
                    t.params,
                    t.skew,
                    to_i64(t.counter).map_err(err)?,
                    last,
                    t.drift_steps,
                    t.drift_base_steps,
                    t.max_drift_steps,
                    t.max_failures,
                    t.failures
                ],
            )
            .map_err(err)?;
            tx.execute(
                "INSERT INTO temp.keep (serial, product) VALUES (?1, ?2)",
                params![t.serial, t.product],
            )
            .map_err(err)?;
        }
        tx.execute(
            "DELETE FROM snap_tokens WHERE (?1 IS NULL OR serial = ?1)
               AND (serial, product) NOT IN (SELECT serial, product FROM temp.keep)",
            [only],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// The leased tokens of a serial (one per product).
    pub fn snap_tokens(&self, serial: &str) -> Result<Vec<SnapToken>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT serial, product, uid, sealed_seed, holder, params, skew, counter,
                   last_step, drift_steps, drift_base_steps, max_drift_steps, max_failures,
                   failures
                 FROM snap_tokens WHERE serial = ?1 ORDER BY product",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([serial], |r| {
            Ok(SnapToken {
                serial: r.get(0)?,
                product: r.get(1)?,
                uid: r.get(2)?,
                sealed_seed: r.get(3)?,
                holder: r.get(4)?,
                params: r.get(5)?,
                skew: r.get(6)?,
                counter: to_u64(r.get(7)?, 7)?,
                last_step: r
                    .get::<_, Option<i64>>(8)?
                    .map(|v| to_u64(v, 8))
                    .transpose()?,
                drift_steps: r.get(9)?,
                drift_base_steps: r.get(10)?,
                max_drift_steps: r.get(11)?,
                max_failures: r.get(12)?,
                failures: r.get(13)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    /// Appends a coded event with what it did to its token, and (when accepted) the
    /// token's new replay guard, in one transaction, durably, before it is shown.
    pub fn push_code(
        &mut self,
        e: &OutboxEvent,
        u: &TokenUse,
        now_ms: i64,
    ) -> Result<OutboxEvent, StoreError> {
        if let Some(old) = self.by_idem(&e.idem)? {
            return Ok(old);
        }
        let err = super::database_error(&self.path);
        let tx = self.conn.transaction().map_err(err)?;
        super::insert_event(&tx, e, now_ms).map_err(err)?;
        let seq = tx.last_insert_rowid();
        let last = u.last_step.map(to_i64).transpose().map_err(err)?;
        let step = u.step.map(to_i64).transpose().map_err(err)?;
        let counter = to_i64(u.counter).map_err(err)?;
        tx.execute(
            "INSERT INTO outbox_token_use (seq, serial, product, verdict, method, step, counter,
               last_step) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                seq, u.serial, u.product, u.verdict, u.method, step, counter, last
            ],
        )
        .map_err(err)?;
        if u.verdict == "OK" {
            tx.execute(
                "UPDATE snap_tokens SET counter = ?3, last_step = ?4, failures = 0
                 WHERE serial = ?1 AND product = ?2",
                params![u.serial, u.product, counter, last],
            )
            .map_err(err)?;
        } else if u.verdict == "INVALID_CODE" {
            tx.execute(
                "UPDATE snap_tokens SET failures = failures + 1 WHERE serial = ?1 AND product = ?2",
                params![u.serial, u.product],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        self.by_idem(&e.idem)?
            .ok_or_else(|| self.err(rusqlite::Error::QueryReturnedNoRows))
    }

    /// What a coded event in the outbox did to its token.
    pub fn token_use(&self, seq: i64) -> Result<Option<TokenUse>, StoreError> {
        self.conn
            .query_row(
                "SELECT serial, product, verdict, method, step, counter, last_step
                 FROM outbox_token_use WHERE seq = ?1",
                [seq],
                |r| {
                    Ok(TokenUse {
                        serial: r.get(0)?,
                        product: r.get(1)?,
                        verdict: r.get(2)?,
                        method: r.get(3)?,
                        step: r
                            .get::<_, Option<i64>>(4)?
                            .map(|v| to_u64(v, 4))
                            .transpose()?,
                        counter: to_u64(r.get(5)?, 5)?,
                        last_step: r
                            .get::<_, Option<i64>>(6)?
                            .map(|v| to_u64(v, 6))
                            .transpose()?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(uid: &str, last: Option<u64>) -> SnapToken {
        SnapToken {
            serial: "T1".into(),
            product: "P".into(),
            uid: uid.into(),
            sealed_seed: vec![1, 2, 3],
            holder: Some("d000".into()),
            params: "{}".into(),
            skew: 1,
            counter: 0,
            last_step: last,
            drift_steps: 0,
            drift_base_steps: 0,
            max_drift_steps: 20,
            max_failures: 5,
            failures: 0,
        }
    }

    fn coded(idem: &str) -> OutboxEvent {
        OutboxEvent {
            seq: 0,
            idem: idem.into(),
            station: Some("k1".into()),
            location: "Lobby".into(),
            at: 100,
            reader: Some("stdin".into()),
            credential: Some("token T1".into()),
            holder: Some("d000".into()),
            label: None,
            direction: Some("in".into()),
            status: "ok".into(),
            reason: None,
        }
    }

    #[test]
    fn replay_guard_only_moves_forward_and_travels_with_its_event() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = Outbox::open(&dir.path().join("o.db")).unwrap();
        o.snap_tokens_replace(None, &[tok("u1", Some(10))]).unwrap();
        let u = TokenUse {
            serial: "T1".into(),
            product: "P".into(),
            verdict: "OK".into(),
            method: "otp".into(),
            step: Some(12),
            counter: 0,
            last_step: Some(12),
        };
        let e = o.push_code(&coded("a"), &u, 1).unwrap();
        assert_eq!(o.snap_tokens("T1").unwrap()[0].last_step, Some(12));
        assert_eq!(o.token_use(e.seq).unwrap(), Some(u.clone()));
        // a copy from a server that has not seen it yet does not move it back
        o.snap_tokens_replace(None, &[tok("u1", Some(11))]).unwrap();
        assert_eq!(o.snap_tokens("T1").unwrap()[0].last_step, Some(12));
        // a refused code leaves the guard alone
        let r = TokenUse {
            verdict: "REPLAYED".into(),
            last_step: Some(99),
            ..u
        };
        o.push_code(&coded("b"), &r, 2).unwrap();
        assert_eq!(o.snap_tokens("T1").unwrap()[0].last_step, Some(12));
        // a token registered again under the serial starts from the server's state
        o.snap_tokens_replace(Some("T1"), &[tok("u2", Some(3))])
            .unwrap();
        assert_eq!(o.snap_tokens("T1").unwrap()[0].last_step, Some(3));
        // wrong codes count on; a copy does not lower the count while they are unsent
        let bad = TokenUse {
            verdict: "INVALID_CODE".into(),
            step: None,
            counter: 0,
            last_step: Some(3),
            serial: "T1".into(),
            product: "P".into(),
            method: "otp".into(),
        };
        let b1 = o.push_code(&coded("c"), &bad, 3).unwrap();
        let b2 = o.push_code(&coded("d"), &bad, 4).unwrap();
        assert_eq!(o.snap_tokens("T1").unwrap()[0].failures, 2);
        o.snap_tokens_replace(None, &[tok("u2", Some(3))]).unwrap();
        assert_eq!(o.snap_tokens("T1").unwrap()[0].failures, 2);
        // once sent, the server's count is the one copied
        for seq in [b1.seq, b2.seq] {
            o.remove(seq).unwrap();
        }
        let sent = o.oldest(10).unwrap();
        for ev in &sent {
            o.remove(ev.seq).unwrap();
        }
        o.snap_tokens_replace(None, &[tok("u2", Some(3))]).unwrap();
        assert_eq!(o.snap_tokens("T1").unwrap()[0].failures, 0);
        // a sent event takes its token use along; a lease gone empties the copy
        o.remove(e.seq).unwrap();
        assert_eq!(o.token_use(e.seq).unwrap(), None);
        o.snap_tokens_replace(None, &[]).unwrap();
        assert!(o.snap_tokens("T1").unwrap().is_empty());
    }
}
