//! Token use cases: register a token with its sealed seed, compute its code, change
//! its status, assign it to a holder or a location, rename and remove it.

use serde::Serialize;

use super::seed_input::{self, SeedWarning};
use super::{Result, Station, StationError};
use crate::model::{NameKind, Token, TokenStatus};
use crate::otp::{Kind, OtpKey, Secret, totp};
use crate::store::{Reader, tokens::NewToken};
use crate::vault::{self, random_fill};

pub use super::seed_input::SeedInput;

/// One token of a batch.
pub struct NewSeed {
    /// Serial number.
    pub serial: String,
    /// Its seed.
    pub seed: SeedInput,
    /// Initial drift in steps (e.g. PSKC `TimeDrift`).
    pub drift_steps: i64,
}

/// A code computed for a technician.
#[derive(Debug, Clone, Serialize)]
pub struct CodeNow {
    /// Serial of the token.
    pub serial: String,
    /// The code.
    pub code: String,
    /// TOTP step or HOTP counter it belongs to.
    pub step: u64,
    /// Seconds the code stays current (TOTP only).
    pub valid_for: Option<i64>,
}

/// A token just registered, with what deserves a word about its seed.
#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    /// The token.
    #[serde(flatten)]
    pub token: Token,
    /// Warnings about its seed (a short seed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<SeedWarning>,
}

/// A fresh random row identity.
pub(crate) fn new_uid() -> Result<String> {
    let mut b = [0u8; 16];
    random_fill(&mut b)?;
    Ok(data_encoding::HEXLOWER.encode(&b))
}

/// Finds a token by serial, optionally within one product.
pub fn find_token(c: &Reader<'_>, serial: &str, product: Option<&str>) -> Result<Token> {
    let mut found = c.tokens_by_serial(serial)?;
    if let Some(p) = product {
        found.retain(|t| t.product == p);
    }
    match found.len() {
        0 => Err(StationError::UnknownToken {
            serial: serial.to_string(),
            product: product.map(str::to_string),
        }),
        1 => Ok(found.remove(0)),
        _ => Err(StationError::AmbiguousSerial {
            serial: serial.to_string(),
            products: found.into_iter().map(|t| t.product).collect(),
        }),
    }
}

/// Opens a token's sealed seed.
pub(crate) fn open_secret(
    c: &Reader<'_>,
    key: &crate::vault::MasterKey,
    t: &Token,
) -> Result<Secret> {
    let sealed = c.token_sealed_seed(t.id)?;
    Ok(vault::open(
        key,
        t.uid.as_bytes(),
        &sealed,
        &format!("token {}", t.serial),
    )?)
}

impl Station {
    /// Registers a token under a product with its seed sealed.
    pub fn token_add(
        &mut self,
        serial: &str,
        product: &str,
        seed: SeedInput,
        now: i64,
    ) -> Result<Registered> {
        let mut added = self.token_add_batch(
            product,
            vec![NewSeed {
                serial: serial.to_string(),
                seed,
                drift_steps: 0,
            }],
            now,
        )?;
        added
            .pop()
            .ok_or_else(|| StationError::Internal("a batch of one added nothing".into()))
    }

    /// Registers many tokens of one product in one transaction: all or none.
    pub fn token_add_batch(
        &mut self,
        product: &str,
        items: Vec<NewSeed>,
        now: i64,
    ) -> Result<Vec<Registered>> {
        let key = self.key()?;
        let p = self.read().product_get(product)?;
        let mut prepared = Vec::with_capacity(items.len());
        for item in items {
            let serial = check_serial(&item.serial)?;
            let seed = seed_input::resolve(item.seed, &p, &serial)?;
            let uid = new_uid()?;
            let sealed = vault::seal(key, uid.as_bytes(), &seed.secret)?;
            prepared.push((
                serial,
                uid,
                sealed,
                (seed.counter, item.drift_steps, seed.issuer),
                seed.warnings,
            ));
        }
        self.write(|tx| {
            let mut out = Vec::with_capacity(prepared.len());
            for (serial, uid, sealed, (counter, drift_steps, issuer), warnings) in &prepared {
                let t = tx.token_add(&NewToken {
                    uid,
                    product_id: p.id,
                    serial,
                    status: TokenStatus::Unverified,
                    sealed_seed: sealed,
                    counter: *counter,
                    drift_steps: *drift_steps,
                    issuer: issuer.as_deref(),
                    now,
                })?;
                tx.audit(
                    now,
                    "token.add",
                    &format!("token {serial}"),
                    None::<&()>,
                    Some(&t),
                )?;
                out.push(Registered {
                    token: t,
                    warnings: warnings.clone(),
                });
            }
            Ok(out)
        })
    }

    /// Finds a token by serial (see [`find_token`]).
    pub fn token(&self, serial: &str, product: Option<&str>) -> Result<Token> {
        find_token(&self.read(), serial, product)
    }

    /// Opens a token's sealed seed (needs the key).
    pub(crate) fn token_secret(&self, t: &Token) -> Result<Secret> {
        open_secret(&self.read(), self.key()?, t)
    }

    /// The code a token shows at `at` (TOTP) or at its next counter (HOTP).
    pub fn token_code(&self, serial: &str, product: Option<&str>, at: i64) -> Result<CodeNow> {
        let t = self.token(serial, product)?;
        let p = self.read().product_by_id(t.product_id)?;
        let secret = self.token_secret(&t)?;
        let key = OtpKey::new(p.params.algorithm, &secret);
        let (step, valid_for) = match p.params.kind {
            Kind::Hotp => (t.counter, None),
            Kind::Totp => {
                let step = totp::time_step(at, p.params.period, p.params.t0).ok_or(
                    StationError::BeforeT0 {
                        at,
                        t0: p.params.t0,
                    },
                )?;
                let next = totp::step_start(step.saturating_add(1), p.params.period, p.params.t0);
                (step, Some(next - at))
            }
        };
        Ok(CodeNow {
            serial: t.serial,
            code: key.code_string(step, p.params.digits),
            step,
            valid_for,
        })
    }

    /// Moves a token to another status, enforcing the life cycle.
    pub fn token_set_status(
        &mut self,
        serial: &str,
        product: Option<&str>,
        to: TokenStatus,
        now: i64,
    ) -> Result<Token> {
        self.write(|tx| {
            let before = find_token(tx, serial, product)?;
            let allowed = match (before.status, to) {
                (TokenStatus::Retired, _) => false,
                (from, to) if from == to => false,
                (_, TokenStatus::Unverified) => false,
                (TokenStatus::Unverified, TokenStatus::Active) => false, // needs a code
                _ => true,
            };
            if !allowed {
                return Err(StationError::StatusChange {
                    serial: serial.to_string(),
                    from: before.status,
                    to,
                });
            }
            // Enabling a token that never proved a code returns it to unverified.
            let to = if to == TokenStatus::Active && before.activated_at.is_none() {
                TokenStatus::Unverified
            } else {
                to
            };
            tx.token_set_status(before.id, to, now)?;
            let after = tx.token_by_id(before.id)?;
            tx.audit(
                now,
                &format!("token.{}", action_name(to)),
                &format!("token {serial}"),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Assigns a token to a holder.
    pub fn token_assign_holder(
        &mut self,
        serial: &str,
        product: Option<&str>,
        holder: &str,
        now: i64,
    ) -> Result<Token> {
        self.write(|tx| {
            let before = find_token(tx, serial, product)?;
            let h = tx.holder_get(holder)?;
            tx.token_set_holder(before.id, Some(h.id), now)?;
            let after = tx.token_by_id(before.id)?;
            tx.audit(
                now,
                "token.assign.holder",
                &format!("token {serial}"),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Assigns a token to a location, or to all locations.
    pub fn token_assign_location(
        &mut self,
        serial: &str,
        product: Option<&str>,
        location: Option<&str>,
        now: i64,
    ) -> Result<Token> {
        self.write(|tx| {
            let before = find_token(tx, serial, product)?;
            match location {
                Some(name) => {
                    let l = tx.location_get(name)?;
                    tx.location_assign(before.id, l.id)?;
                }
                None => tx.token_set_all_locations(before.id, true, now)?,
            }
            let after = tx.token_by_id(before.id)?;
            let place = location.unwrap_or("*all*");
            tx.audit(
                now,
                "token.assign.location",
                &format!("token {serial}"),
                Some(&before),
                Some(&serde_json::json!({"location": place})),
            )?;
            Ok(after)
        })
    }

    /// Renames a token's serial.
    pub fn token_rename(
        &mut self,
        serial: &str,
        product: Option<&str>,
        new_serial: &str,
        now: i64,
    ) -> Result<Token> {
        let new_serial = check_serial(new_serial)?;
        self.write(|tx| {
            let before = find_token(tx, serial, product)?;
            tx.token_rename(before.id, &new_serial, now)?;
            let after = tx.token_by_id(before.id)?;
            tx.audit(
                now,
                "token.rename",
                &format!("token {serial}"),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Removes a token and its sealed seed. Active tokens need `force`.
    pub fn token_remove(
        &mut self,
        serial: &str,
        product: Option<&str>,
        force: bool,
        now: i64,
    ) -> Result<()> {
        self.write(|tx| {
            let t = find_token(tx, serial, product)?;
            if t.status == TokenStatus::Active && !force {
                return Err(StationError::RemoveActive(serial.to_string()));
            }
            tx.token_delete(t.id)?;
            tx.audit(
                now,
                "token.rm",
                &format!("token {serial}"),
                Some(&t),
                None::<&()>,
            )
        })
    }
}

fn action_name(s: TokenStatus) -> &'static str {
    match s {
        TokenStatus::Unverified | TokenStatus::Active => "enable",
        TokenStatus::Disabled => "disable",
        TokenStatus::Lost => "lost",
        TokenStatus::Retired => "retire",
    }
}

/// A serial as stored: trimmed and passing the name rule.
pub(crate) fn check_serial(serial: &str) -> Result<String> {
    super::names::checked(NameKind::Serial, serial)
}
