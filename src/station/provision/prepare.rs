//! Before the device is touched: the product, the seed (the one seed-input rule) and
//! the store row of a burn, and the sealed seed stored as an unverified token; after:
//! the proof window a code is checked in.

use super::{BurnRequest, BurnSeed};
use crate::model::{Product, Token, TokenStatus};
use crate::otp::{Code, Kind, OtpKey, Secret, totp};
use crate::station::seed_input::{self, SeedInput, SeedWarning};
use crate::station::tokens::{find_token, new_uid, open_secret};
use crate::station::{Result, Station, StationError};
use crate::store::tokens::NewToken;
use crate::vault;

/// Checks `code` against the seed around `at` (TOTP, ±1 step) or at `counter` and the
/// next one (HOTP). Returns (offset, matched step or counter).
pub(super) fn check_code(
    p: &Product,
    secret: &Secret,
    code: &str,
    at: i64,
    counter: u64,
) -> Option<(i64, u64)> {
    let code = Code::parse(code)?;
    if !code.fits(p.params.digits) {
        return None;
    }
    let key = OtpKey::new(p.params.algorithm, secret);
    match p.params.kind {
        Kind::Totp => {
            let step = totp::time_step(at, p.params.period, p.params.t0)?;
            [0i64, -1, 1].into_iter().find_map(|d| {
                let s = step.checked_add_signed(d)?;
                bool::from(code.ct_matches(&key, s, p.params.digits)).then_some((d, s))
            })
        }
        Kind::Hotp => [0u64, 1].into_iter().find_map(|d| {
            let c = counter.checked_add(d)?;
            bool::from(code.ct_matches(&key, c, p.params.digits)).then_some((d as i64, c))
        }),
    }
}

/// The product, the store row (if any), the seed, the initial counter and warnings.
pub(super) struct Prepared {
    pub(super) product: Product,
    pub(super) row: Option<Token>,
    pub(super) secret: Secret,
    pub(super) counter: u64,
    pub(super) warnings: Vec<SeedWarning>,
}

impl Station {
    /// Checks a new seed against its product before any hardware is touched: the
    /// product exists, and a Key URI describes its codes (the burn applies the same
    /// seed rule again).
    pub fn check_burn_seed(&self, product: Option<&str>, seed: &BurnSeed) -> Result<()> {
        if let BurnSeed::New(input) = seed {
            let p = self
                .read()
                .product_get(product.ok_or(StationError::ProductNeeded)?)?;
            if let SeedInput::Uri(u) = input {
                seed_input::check_uri(u, &p)?;
            }
        }
        Ok(())
    }

    pub(super) fn burn_prepare(&self, req: &BurnRequest<'_>, serial: &str) -> Result<Prepared> {
        let c = self.read();
        match &req.seed {
            BurnSeed::FromStore => {
                let t = find_token(&c, serial, req.product.as_deref())?;
                if t.status == TokenStatus::Active && !req.options.force {
                    return Err(StationError::AlreadyActive(serial.to_string()));
                }
                if matches!(t.status, TokenStatus::Lost | TokenStatus::Retired) {
                    return Err(StationError::NotReburnable {
                        serial: serial.to_string(),
                        status: t.status,
                    });
                }
                let product = c.product_by_id(t.product_id)?;
                let secret = open_secret(&c, self.key()?, &t)?;
                let counter = t.counter;
                Ok(Prepared {
                    product,
                    row: Some(t),
                    secret,
                    counter,
                    warnings: Vec::new(),
                })
            }
            BurnSeed::New(input) => {
                let product = req.product.as_deref().ok_or(StationError::ProductNeeded)?;
                let p = c.product_get(product)?;
                let existing = c
                    .tokens_by_serial(serial)?
                    .into_iter()
                    .find(|t| t.product_id == p.id);
                if let Some(t) = &existing
                    && t.status != TokenStatus::Unverified
                    && !req.options.force
                {
                    return Err(StationError::TokenExists {
                        serial: serial.to_string(),
                        product: p.name.clone(),
                        status: t.status,
                    });
                }
                let seed = seed_input::resolve(input.clone(), &p, serial)?;
                Ok(Prepared {
                    product: p,
                    row: existing,
                    secret: seed.secret,
                    counter: seed.counter,
                    warnings: seed.warnings,
                })
            }
        }
    }

    /// Stores the seed sealed, as an unverified token (new row, or the row of an earlier
    /// failed burn). Returns the row and whether it existed before.
    pub(super) fn burn_register(
        &mut self,
        p: &Product,
        row: Option<Token>,
        serial: &str,
        secret: &Secret,
        counter: u64,
        now: i64,
    ) -> Result<(Token, bool)> {
        let key = self.key()?;
        let (uid, existed) = match &row {
            Some(t) => (t.uid.clone(), true),
            None => (new_uid()?, false),
        };
        let sealed = vault::seal(key, uid.as_bytes(), secret)?;
        self.write(|tx| {
            let t = match &row {
                Some(t) => {
                    tx.token_replace_seed(t.id, &sealed, counter, now)?;
                    if t.status == TokenStatus::Active {
                        // a forced re-burn: active again only after the proof
                        tx.token_set_status(t.id, TokenStatus::Unverified, now)?;
                    }
                    tx.token_by_id(t.id)?
                }
                None => tx.token_add(&NewToken {
                    uid: &uid,
                    product_id: p.id,
                    serial,
                    status: TokenStatus::Unverified,
                    sealed_seed: &sealed,
                    counter,
                    drift_steps: 0,
                    issuer: None,
                    now,
                })?,
            };
            tx.audit(
                now,
                "token.burn.start",
                &format!("token {serial}"),
                None::<&()>,
                Some(&t),
            )?;
            Ok((t, existed))
        })
    }
}
