//! Burning tokens (issue 6): write a seed into a programmable token, prove it, and only
//! then register the token as active. The station sees the device only through the
//! capability traits ([`OtpToken`], [`TokenClock`]).
//!
//! Steps, each named in the `token.burn.failed` audit entry when it fails:
//! `check` (product, serial, store row) → `detect` (device info) → `register` (the
//! sealed seed is stored as an *unverified* token, so a crash after the write loses
//! nothing) → `clock` (set where the family can, before the seed, so a clock write that
//! wipes the seed cannot undo the burn) → `write` → `prove` (read a code back, or ask
//! the technician to type the displayed one; ±1 step) → `activate` (status active,
//! counter, slot record and `token.burn` audit, one transaction). A failed burn leaves
//! the unverified row; running the same command again reuses it.

use serde::Serialize;

use super::tokens::{SeedInput, find_token, new_uid, open_secret};
use super::{Result, Station, StationError};
use crate::devices::ykoath::protocol::credential_id;
use crate::devices::{OtpToken, ProgramRequest, TokenClock};
use crate::model::{Product, Token, TokenStatus};
use crate::otp::{Code, Kind, OtpKey, Secret, totp};
use crate::store::tokens::{NewToken, VerifyState};
use crate::vault;

/// Where the seed of a burn comes from.
pub enum BurnSeed {
    /// A new seed (generated, typed or from a URI) for a token registered by the burn.
    New(SeedInput),
    /// The sealed seed of a token already in the store (e.g. imported from PSKC).
    FromStore,
}

/// How the burn is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Proof {
    /// Read a code from the token where the family can, else ask the technician.
    #[default]
    Auto,
    /// Always ask the technician to type the code the token shows.
    Typed,
}

/// What to burn.
pub struct BurnRequest<'a> {
    /// Product name (required for a new seed; checked against the token's for `FromStore`).
    pub product: Option<String>,
    /// Serial; `None`: the device's own serial.
    pub serial: Option<String>,
    /// The seed.
    pub seed: BurnSeed,
    /// Issuer of OATH credential names (default: the product name).
    pub issuer: Option<String>,
    /// Slot or profile (default: the family's first).
    pub slot: Option<u16>,
    /// Require touch to compute codes (OATH).
    pub touch: bool,
    /// Overwrite an occupied slot; re-burn a token that is already active.
    pub force: bool,
    /// How to prove the burn.
    pub proof: Proof,
    /// The reader, for the audit log.
    pub reader: String,
    /// The host clock, Unix seconds (read at each step that needs the time).
    pub now: &'a dyn Fn() -> i64,
}

/// What a burn did.
#[derive(Debug, Clone, Serialize)]
pub struct BurnOutcome {
    /// Token serial.
    pub serial: String,
    /// Product name.
    pub product: String,
    /// Device family.
    pub family: String,
    /// Slot or credential name written.
    pub name: String,
    /// Slot number recorded.
    pub slot: u16,
    /// `read-back` or `typed`.
    pub proof: &'static str,
    /// Steps (TOTP) or counters (HOTP) between the expected and the proven code.
    pub offset: i64,
    /// Firmware, as the device reports it.
    pub firmware: Option<String>,
    /// Whether the device clock was set.
    pub clock_set: bool,
}

/// A step of the burn, for the failure audit.
type Failed = (&'static str, StationError);

fn at(step: &'static str) -> impl Fn(StationError) -> Failed {
    move |e| (step, e)
}

/// Names a credential or slot after the serial: OATH `[period/]issuer:SERIAL`,
/// elsewhere the serial itself (the family cuts it to its slot-name size).
fn slot_name(family: &str, p: &Product, issuer: Option<&str>, serial: &str) -> String {
    match family {
        "ykoath" | "nitrokey3" => credential_id(
            p.params.kind,
            p.params.period,
            Some(issuer.unwrap_or(&p.name)),
            serial,
        ),
        _ => serial.to_string(),
    }
}

/// Checks `code` against the seed around `at` (TOTP, ±1 step) or at `counter` and the
/// next one (HOTP). Returns (offset, matched step or counter).
fn check_code(
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

impl Station {
    /// Burns a seed into `token`, proves it and registers the token as active.
    /// On failure an audit entry `token.burn.failed` names the step and the reason.
    pub fn burn(
        &mut self,
        token: &mut dyn OtpToken,
        clock: Option<&mut dyn TokenClock>,
        req: BurnRequest<'_>,
        prompt: &mut dyn FnMut(&str) -> Option<String>,
    ) -> Result<BurnOutcome> {
        let mut subject = req
            .serial
            .as_ref()
            .map(|s| format!("token {s}"))
            .unwrap_or_else(|| format!("reader {}", req.reader));
        match self.burn_steps(token, clock, &req, prompt, &mut subject) {
            Ok(o) => Ok(o),
            Err((step, e)) => {
                let now = (req.now)();
                let after = serde_json::json!({
                    "step": step,
                    "reason": e.to_string(),
                    "reader": req.reader,
                    "product": req.product,
                });
                let logged = self.write(|c, audit| {
                    audit.log(
                        c,
                        now,
                        "token.burn.failed",
                        &subject,
                        None::<&()>,
                        Some(&after),
                    )
                });
                if let Err(le) = logged {
                    tracing::warn!("could not write the token.burn.failed audit entry: {le}");
                }
                Err(e)
            }
        }
    }

    fn burn_steps(
        &mut self,
        token: &mut dyn OtpToken,
        clock: Option<&mut dyn TokenClock>,
        req: &BurnRequest<'_>,
        prompt: &mut dyn FnMut(&str) -> Option<String>,
        subject: &mut String,
    ) -> std::result::Result<BurnOutcome, Failed> {
        let caps = token.capabilities();
        if !caps.program {
            return Err((
                "detect",
                StationError::Input(format!("the token in {} cannot be programmed", req.reader)),
            ));
        }
        let info = token.info().map_err(|e| ("detect", e.into()))?;
        let info_at = (req.now)();
        let serial = req
            .serial
            .clone()
            .or_else(|| info.serial.clone())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && !s.chars().any(char::is_control))
            .ok_or_else(|| ("check", StationError::Input(format!(
                "the {} token in {} reports no serial: give --serial (or --serial-prefix in batch mode)",
                info.family, req.reader
            ))))?;
        *subject = format!("token {serial}");

        // check: product, seed, store row
        let (p, row, secret, counter) = self.burn_prepare(req, &serial).map_err(at("check"))?;
        if !p.programmable {
            return Err((
                "check",
                StationError::Input(format!(
                    "product '{}' is not programmable: `tokenstation product edit '{}' --programmable true`",
                    p.name, p.name
                )),
            ));
        }
        if !matches!(p.family.as_str(), "generic" | "software") && p.family != info.family {
            return Err((
                "check",
                StationError::Input(format!(
                    "product '{}' is for family {} but the token in {} is {}: pick the matching product",
                    p.name, p.family, req.reader, info.family
                )),
            ));
        }

        // register: the sealed seed is stored (unverified) before the token is written
        let t = self
            .burn_register(&p, row, &serial, &secret, counter, (req.now)())
            .map_err(at("register"))?;

        // clock, then seed
        let mut clock_set = false;
        if caps.set_clock
            && let Some(c) = clock
        {
            c.set_clock((req.now)()).map_err(|e| ("clock", e.into()))?;
            clock_set = true;
        }
        let name = slot_name(&info.family, &p, req.issuer.as_deref(), &serial);
        let slot = req.slot.unwrap_or(0);
        token
            .program(&ProgramRequest {
                slot: req.slot,
                name: &name,
                secret: &secret,
                params: p.params,
                counter,
                touch: req.touch,
                overwrite: req.force || t.1,
            })
            .map_err(|e| ("write", e.into()))?;
        // Families that set their clock but were given no separate clock handle (Token2
        // NFC, Molto2) write the host time with the seed's configuration.
        if caps.set_clock && !clock_set {
            clock_set = true;
        }

        // prove
        let read_back = caps.read_code && req.proof == Proof::Auto;
        // the token's time: host time, or its own clock where it has one we did not set
        let token_time = || match info.clock {
            Some(dev) if !clock_set => dev + ((req.now)() - info_at),
            _ => (req.now)(),
        };
        let mut at_time = token_time();
        let (code, how) = match read_back {
            true => match token
                .read_code(req.slot, at_time)
                .map_err(|e| ("prove", e.into()))?
            {
                Some(c) => (Some(c), "read-back"),
                None => (None, "typed"),
            },
            false => (None, "typed"),
        };
        let code = match code {
            Some(c) => c,
            None => {
                let c = prompt(&format!(
                    "Type the code token {serial} shows now ({} digits): ",
                    p.params.digits
                ))
                .ok_or_else(|| ("prove", StationError::ProofFailed(format!(
                    "token {serial}: no code was typed; the token stays unverified (run the burn again)"
                ))))?;
                at_time = token_time();
                c
            }
        };
        let (offset, matched) =
            check_code(&p, &secret, code.trim(), at_time, counter).ok_or_else(|| {
                (
                    "prove",
                    StationError::ProofFailed(format!(
                        "token {serial}: the {how} code does not match the seed that was written; \
                 the token stays unverified: check the token and run the burn again"
                    )),
                )
            })?;

        // activate
        let state = match p.params.kind {
            Kind::Totp => VerifyState {
                counter: 0,
                last_step: Some(matched),
                drift_steps: 0,
            },
            Kind::Hotp => VerifyState {
                counter: matched + 1,
                last_step: None,
                drift_steps: 0,
            },
        };
        let outcome = BurnOutcome {
            serial: serial.clone(),
            product: p.name.clone(),
            family: info.family.clone(),
            name,
            slot,
            proof: how,
            offset,
            firmware: info.firmware.clone(),
            clock_set,
        };
        let now = (req.now)();
        self.write(|c, audit| {
            let before = c.token_by_id(t.0.id)?;
            c.token_set_verify_state(t.0.id, state, now)?;
            c.token_set_status(t.0.id, TokenStatus::Active, now)?;
            c.slot_set(t.0.id, slot, Some(&outcome.name))?;
            let mut after =
                serde_json::to_value(c.token_by_id(t.0.id)?).unwrap_or(serde_json::Value::Null);
            if let Some(o) = after.as_object_mut() {
                o.insert(
                    "burn".into(),
                    serde_json::to_value(&outcome).unwrap_or_default(),
                );
                o.insert("reader".into(), req.reader.clone().into());
            }
            audit.log(
                c,
                now,
                "token.burn",
                &format!("token {serial}"),
                Some(&before),
                Some(&after),
            )
        })
        .map_err(at("activate"))?;
        Ok(outcome)
    }

    /// The product, the existing row (if any), the seed and the initial counter.
    fn burn_prepare(
        &self,
        req: &BurnRequest<'_>,
        serial: &str,
    ) -> Result<(Product, Option<Token>, Secret, u64)> {
        let c = self.read();
        match &req.seed {
            BurnSeed::FromStore => {
                let t = find_token(&c, serial, req.product.as_deref())?;
                if t.status == TokenStatus::Active && !req.force {
                    return Err(StationError::Input(format!(
                        "token {serial} is already active: pass --force to burn its seed again"
                    )));
                }
                if matches!(t.status, TokenStatus::Lost | TokenStatus::Retired) {
                    return Err(StationError::Input(format!(
                        "token {serial} is {}: its seed is not burned again",
                        t.status
                    )));
                }
                let p = c.product_by_id(t.product_id)?;
                let secret = open_secret(&c, self.key()?, &t)?;
                let counter = t.counter;
                Ok((p, Some(t), secret, counter))
            }
            BurnSeed::New(input) => {
                let product = req
                    .product
                    .as_deref()
                    .ok_or_else(|| StationError::Input("give --product for a new seed".into()))?;
                let p = c.product_get(product)?;
                let existing = c
                    .tokens_by_serial(serial)?
                    .into_iter()
                    .find(|t| t.product_id == p.id);
                if let Some(t) = &existing
                    && t.status != TokenStatus::Unverified
                    && !req.force
                {
                    return Err(StationError::Input(format!(
                        "token {serial} already exists in '{}' and is {}: pass --force to burn a new seed",
                        p.name, t.status
                    )));
                }
                let (secret, counter) = match input {
                    SeedInput::Secret(s) => (s.clone(), 0),
                    SeedInput::Uri(u) => (u.secret.clone(), u.counter),
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
                Ok((p, existing, secret, counter))
            }
        }
    }

    /// Stores the seed sealed, as an unverified token (new row, or the row of an earlier
    /// failed burn). Returns the row and whether it existed before.
    fn burn_register(
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
        self.write(|c, audit| {
            let t = match &row {
                Some(t) => {
                    c.token_replace_seed(t.id, &sealed, counter, now)?;
                    if t.status == TokenStatus::Active {
                        // re-burn (--force): active again only after the proof
                        c.token_set_status(t.id, TokenStatus::Unverified, now)?;
                    }
                    c.token_by_id(t.id)?
                }
                None => c.token_add(&NewToken {
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
            audit.log(
                c,
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

#[cfg(test)]
#[path = "provision_tests.rs"]
mod tests;
