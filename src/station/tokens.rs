//! Token use cases: register a token with its sealed seed, compute its code, change
//! its status, assign it to a holder or a location, rename and remove it.

use serde::Serialize;

use super::{Result, Station, StationError};
use crate::model::{Product, Token, TokenStatus};
use crate::otp::{KeyUri, Kind, OtpKey, Secret, totp};
use crate::store::{Conn, tokens::NewToken};
use crate::vault::{self, random_fill};

/// Where a new token's seed comes from.
pub enum SeedInput {
    /// A seed the technician typed (base32 or `hex:`).
    Secret(Secret),
    /// A Key URI; its parameters must agree with the product.
    Uri(Box<KeyUri>),
    /// Fresh random bytes from the OS, as long as the hash output (20/32/64).
    Generate,
}

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

/// A fresh random row identity.
pub(crate) fn new_uid() -> Result<String> {
    let mut b = [0u8; 16];
    random_fill(&mut b)?;
    Ok(data_encoding::HEXLOWER.encode(&b))
}

/// Finds a token by serial, optionally within one product.
pub fn find_token(c: &Conn<'_>, serial: &str, product: Option<&str>) -> Result<Token> {
    let mut found = c.tokens_by_serial(serial)?;
    if let Some(p) = product {
        found.retain(|t| t.product == p);
    }
    match found.len() {
        0 => Err(StationError::Input(format!(
            "unknown token serial '{serial}'{} (see `tokenstation token list`)",
            product
                .map(|p| format!(" in product '{p}'"))
                .unwrap_or_default()
        ))),
        1 => Ok(found.remove(0)),
        _ => Err(StationError::Input(format!(
            "serial '{serial}' exists in several products ({}): add --product",
            found
                .iter()
                .map(|t| t.product.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Opens a token's sealed seed.
pub(crate) fn open_secret(
    c: &Conn<'_>,
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

/// Checks that a Key URI describes the product's codes.
fn check_uri_matches(uri: &KeyUri, p: &Product) -> Result<()> {
    let mismatch = |what: &str, uri_v: String, p_v: String| {
        Err(StationError::Input(format!(
            "the URI's {what} is {uri_v} but product '{}' has {p_v}: pick the matching product",
            p.name
        )))
    };
    if uri.params.kind != p.params.kind {
        return mismatch(
            "type",
            uri.params.kind.to_string(),
            p.params.kind.to_string(),
        );
    }
    if uri.params.algorithm != p.params.algorithm {
        return mismatch(
            "algorithm",
            uri.params.algorithm.to_string(),
            p.params.algorithm.to_string(),
        );
    }
    if uri.params.digits != p.params.digits {
        return mismatch(
            "digits",
            uri.params.digits.to_string(),
            p.params.digits.to_string(),
        );
    }
    if p.params.kind == Kind::Totp && uri.params.period != p.params.period {
        return mismatch(
            "period",
            uri.params.period.to_string(),
            p.params.period.to_string(),
        );
    }
    Ok(())
}

impl Station {
    /// Registers a token under a product with its seed sealed.
    pub fn token_add(
        &mut self,
        serial: &str,
        product: &str,
        seed: SeedInput,
        now: i64,
    ) -> Result<Token> {
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
            .ok_or_else(|| StationError::Input("nothing was added".into()))
    }

    /// Registers many tokens of one product in one transaction: all or none.
    pub fn token_add_batch(
        &mut self,
        product: &str,
        items: Vec<NewSeed>,
        now: i64,
    ) -> Result<Vec<Token>> {
        let key = self.key()?;
        let p = self.read().product_get(product)?;
        let mut prepared = Vec::with_capacity(items.len());
        for item in items {
            let serial = item.serial.trim().to_string();
            if serial.is_empty() || serial.chars().any(char::is_control) {
                return Err(StationError::Input(format!(
                    "serial '{}' is empty or has control characters",
                    serial.escape_default()
                )));
            }
            let (secret, counter) = match item.seed {
                SeedInput::Secret(s) => (s, 0),
                SeedInput::Uri(u) => {
                    check_uri_matches(&u, &p)?;
                    (u.secret.clone(), u.counter)
                }
                SeedInput::Generate => (
                    crate::seeds::generate_secret(p.params.algorithm)
                        .map_err(|e| StationError::Key(e.to_string()))?,
                    0,
                ),
            };
            if secret.is_empty() {
                return Err(StationError::Input(format!(
                    "token {serial}: the seed is empty"
                )));
            }
            let uid = new_uid()?;
            let sealed = vault::seal(key, uid.as_bytes(), &secret)?;
            prepared.push((serial, uid, sealed, counter, item.drift_steps));
        }
        self.write(|c, audit| {
            let mut out = Vec::with_capacity(prepared.len());
            for (serial, uid, sealed, counter, drift_steps) in &prepared {
                let t = c.token_add(&NewToken {
                    uid,
                    product_id: p.id,
                    serial,
                    status: TokenStatus::Unverified,
                    sealed_seed: sealed,
                    counter: *counter,
                    drift_steps: *drift_steps,
                    issuer: None,
                    now,
                })?;
                audit.log(
                    c,
                    now,
                    "token.add",
                    &format!("token {serial}"),
                    None::<&()>,
                    Some(&t),
                )?;
                out.push(t);
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
                let step = totp::time_step(at, p.params.period, p.params.t0).ok_or_else(|| {
                    StationError::Input(format!("time {at} is before the product's T0"))
                })?;
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
        self.write(|c, audit| {
            let before = find_token(c, serial, product)?;
            let allowed = match (before.status, to) {
                (TokenStatus::Retired, _) => false,
                (from, to) if from == to => false,
                (_, TokenStatus::Unverified) => false,
                (TokenStatus::Unverified, TokenStatus::Active) => false, // needs a code
                _ => true,
            };
            if !allowed {
                let why = match (before.status, to) {
                    (TokenStatus::Retired, _) => "a retired token stays retired".to_string(),
                    (TokenStatus::Unverified, TokenStatus::Active) => {
                        format!(
                            "activate it with a code: tokenstation token activate {serial} CODE"
                        )
                    }
                    (from, to) if from == to => format!("it is already {to}"),
                    _ => format!("{} → {to} is not a valid change", before.status),
                };
                return Err(StationError::Input(format!("token {serial}: {why}")));
            }
            // Enabling a token that never proved a code returns it to unverified.
            let to = if to == TokenStatus::Active && before.activated_at.is_none() {
                TokenStatus::Unverified
            } else {
                to
            };
            c.token_set_status(before.id, to, now)?;
            let after = c.token_by_id(before.id)?;
            audit.log(
                c,
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
        self.write(|c, audit| {
            let before = find_token(c, serial, product)?;
            let h = c.holder_get(holder)?;
            c.token_set_holder(before.id, Some(h.id), now)?;
            let after = c.token_by_id(before.id)?;
            audit.log(
                c,
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
        self.write(|c, audit| {
            let before = find_token(c, serial, product)?;
            match location {
                Some(name) => {
                    let l = c.location_get(name)?;
                    c.location_assign(before.id, l.id)?;
                }
                None => c.token_set_all_locations(before.id, true, now)?,
            }
            let after = c.token_by_id(before.id)?;
            let place = location.unwrap_or("*all*");
            audit.log(
                c,
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
        let new_serial = new_serial.trim();
        if new_serial.is_empty() {
            return Err(StationError::Input("the new serial is empty".into()));
        }
        self.write(|c, audit| {
            let before = find_token(c, serial, product)?;
            c.token_rename(before.id, new_serial, now)?;
            let after = c.token_by_id(before.id)?;
            audit.log(
                c,
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
        self.write(|c, audit| {
            let t = find_token(c, serial, product)?;
            if t.status == TokenStatus::Active && !force {
                return Err(StationError::Input(format!(
                    "token {serial} is active: retire it (`token retire`) or pass --force to delete it"
                )));
            }
            c.token_delete(t.id)?;
            audit.log(c, now, "token.rm", &format!("token {serial}"), Some(&t), None::<&()>)
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
