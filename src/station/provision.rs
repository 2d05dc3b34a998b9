//! Burning tokens (issue 6): write a seed into a programmable token, prove it, and only
//! then register the token as active. The station sees the device only through the
//! capability traits ([`OtpToken`], [`TokenClock`]) and the session API; the seed comes
//! from the one seed-input resolution ([`super::seed_input`]), so a Key URI whose
//! parameters differ from the product is refused here as everywhere.
//!
//! Steps, each named in the `token.burn.failed` audit entry when it fails:
//! `check` (product, serial, store row) → `detect` (device info) → `register` (the
//! sealed seed is stored as an *unverified* token, so a crash after the write loses
//! nothing) → `clock` (set where the family can, before the seed, so a clock write that
//! wipes the seed cannot undo the burn) → `write` → `prove` (read a code back, or ask
//! the technician to type the displayed one; ±1 step) → `activate` (status active,
//! counter, slot record and `token.burn` audit, one transaction). A failed burn leaves
//! the unverified row; running the same command again reuses it. Long work (waiting
//! for the token, batches) runs as a job: [`super::burn_job`].

use serde::Serialize;

use super::drift::{self, history::SampleKind};
use super::jobs::Asker;
use super::key_tries::KeyedDevice;
use super::seed_input::{SeedInput, SeedWarning};
use super::tokens::check_serial;
use super::{Result, Station, StationError};
use crate::devices::session::slot_name;
use crate::devices::{OtpToken, ProgramRequest, TokenClock};
use crate::model::{Family, NameKind, TokenStatus};
use crate::otp::Kind;
use crate::store::tokens::VerifyState;
use proof::ProofOf;

/// Where the seed of a burn comes from.
pub enum BurnSeed {
    /// A new seed (generated, typed or from a URI) for a token registered by the burn.
    New(SeedInput),
    /// The sealed seed of a token already in the store (e.g. imported from PSKC).
    FromStore,
}

/// How the burn is to be proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Proof {
    /// Read a code from the token where the family can, else ask the technician.
    #[default]
    Auto,
    /// Always ask the technician to type the code the token shows.
    Typed,
}

/// How the burn was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProofMethod {
    /// A code read from the token over the wire.
    ReadBack,
    /// A code the technician typed from the token's display.
    Typed,
}

impl std::fmt::Display for ProofMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProofMethod::ReadBack => "read-back",
            ProofMethod::Typed => "typed",
        })
    }
}

/// How to burn, whatever the seed: where it goes on the device and how it is proven.
#[derive(Debug, Clone, Default)]
pub struct BurnOptions {
    /// Issuer of OATH credential names (default: the product name).
    pub issuer: Option<String>,
    /// Slot or profile (default: the family's first).
    pub slot: Option<u16>,
    /// Without a slot: a Molto2's first free profile (it has no default one).
    pub free_slot: bool,
    /// Require touch to compute codes (OATH).
    pub touch: bool,
    /// Overwrite an occupied slot; re-burn a token that is already active.
    pub force: bool,
    /// How to prove the burn.
    pub proof: Proof,
    /// Send the key to a device with one try left without asking (`key_tries`).
    pub yes: bool,
}

/// What to burn.
pub struct BurnRequest<'a> {
    /// Product name (required for a new seed; checked against the token's for `FromStore`).
    pub product: Option<String>,
    /// Serial; `None`: the device's own serial.
    pub serial: Option<String>,
    /// The seed.
    pub seed: BurnSeed,
    /// Slot, issuer, touch, force, proof.
    pub options: BurnOptions,
    /// The reader, for messages and the audit log.
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
    pub family: Family,
    /// Slot or credential name written.
    pub name: String,
    /// Slot number recorded.
    pub slot: u16,
    /// How the burn was proven.
    pub proof: ProofMethod,
    /// Steps (TOTP) or counters (HOTP) between the expected and the proven code.
    pub offset: i64,
    /// Firmware, as the device reports it.
    pub firmware: Option<String>,
    /// Whether the device clock was set.
    pub clock_set: bool,
    /// What deserves a word about the seed (a short seed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<SeedWarning>,
}

/// A burn that failed, as its audit entry names it.
pub(crate) struct BurnFailure<'a> {
    /// `token SERIAL` or `reader NAME`.
    pub subject: &'a str,
    /// The step: `open`, `check`, `detect`, `register`, `clock`, `write`, `prove`…
    pub step: &'static str,
    /// The reader.
    pub reader: &'a str,
    /// The product named, if any.
    pub product: Option<&'a str>,
}

/// A step of the burn, for the failure audit.
type Failed = (&'static str, StationError);

fn at(step: &'static str) -> impl Fn(StationError) -> Failed {
    move |e| (step, e)
}

impl Station {
    /// Burns a seed into `token`, proves it and registers the token as active; a typed
    /// proof asks `asker` for the code. On failure an audit entry `token.burn.failed`
    /// names the step and the reason.
    pub fn burn(
        &mut self,
        token: &mut dyn OtpToken,
        clock: Option<&mut dyn TokenClock>,
        req: BurnRequest<'_>,
        asker: &mut dyn Asker,
    ) -> Result<BurnOutcome> {
        let mut subject = req
            .serial
            .as_ref()
            .map(|s| format!("token {s}"))
            .unwrap_or_else(|| format!("reader {}", req.reader));
        match self.burn_steps(token, clock, &req, asker, &mut subject) {
            Ok(o) => Ok(o),
            Err((step, e)) => {
                let failure = BurnFailure {
                    subject: &subject,
                    step,
                    reader: &req.reader,
                    product: req.product.as_deref(),
                };
                self.audit_burn_failure(&failure, &e, (req.now)());
                Err(e)
            }
        }
    }

    /// Writes the `token.burn.failed` audit entry of a burn that failed at `f.step`
    /// (also the steps before [`Station::burn`]: opening the token, its secrets). A
    /// failure to write it is logged: the burn's own error is what the face reports.
    pub(crate) fn audit_burn_failure(&mut self, f: &BurnFailure<'_>, e: &StationError, now: i64) {
        let after = serde_json::json!({
            "step": f.step,
            "reason": e.to_string(),
            "reader": f.reader,
            "product": f.product,
        });
        let logged = self.write(|tx| {
            tx.audit(
                now,
                "token.burn.failed",
                f.subject,
                None::<&()>,
                Some(&after),
            )
        });
        if let Err(le) = logged {
            tracing::warn!("could not write the token.burn.failed audit entry: {le}");
        }
    }

    fn burn_steps(
        &mut self,
        token: &mut dyn OtpToken,
        clock: Option<&mut dyn TokenClock>,
        req: &BurnRequest<'_>,
        asker: &mut dyn Asker,
        subject: &mut String,
    ) -> std::result::Result<BurnOutcome, Failed> {
        asker.step("detect");
        let caps = token.capabilities();
        if !caps.program {
            return Err(("detect", StationError::NotProgrammable(req.reader.clone())));
        }
        let info = token.info().map_err(|e| ("detect", e.into()))?;
        let info_at = (req.now)();
        // A serial given by a person must pass the name rule (its refusal names it); a
        // device's own serial that does not is as good as none.
        let given = match &req.serial {
            Some(s) => Some(check_serial(s).map_err(|e| ("check", e))?),
            None => None,
        };
        let serial = given
            .or_else(|| info.serial.as_deref().and_then(|s| check_serial(s).ok()))
            .ok_or_else(|| {
                (
                    "check",
                    StationError::NoDeviceSerial {
                        family: info.family,
                        reader: req.reader.clone(),
                    },
                )
            })?;
        *subject = format!("token {serial}");
        let issuer = super::names::checked_opt(NameKind::Issuer, req.options.issuer.as_deref())
            .map_err(|e| ("check", e))?;

        // check: product, seed, store row
        let prep = self.burn_prepare(req, &serial).map_err(at("check"))?;
        let p = &prep.product;
        if !p.programmable {
            return Err((
                "check",
                StationError::ProductNotProgrammable(p.name.clone()),
            ));
        }
        if !p.family.is_unbound() && p.family != info.family {
            return Err((
                "check",
                StationError::FamilyMismatch {
                    product: p.name.clone(),
                    wanted: p.family,
                    reader: req.reader.clone(),
                    found: info.family,
                },
            ));
        }

        // a device whose next wrong key locks it: ask before the key goes
        let keyed = KeyedDevice::of(info.family, info.serial.as_deref());
        if let Some(d) = &keyed {
            (self.before_key_try(d, asker, req.options.yes)).map_err(at("check"))?;
        }

        // the slot: asked for, or found free (read before anything is stored)
        let chosen = slot::chosen(
            token,
            info.family,
            req.options.slot,
            req.options.free_slot,
            &req.reader,
        )
        .map_err(at("check"))?;

        // register: the sealed seed is stored (unverified) before the token is written
        asker.step("register");
        let (t, existed) = self
            .burn_register(
                p,
                prep.row.clone(),
                &serial,
                &prep.secret,
                prep.counter,
                (req.now)(),
            )
            .map_err(at("register"))?;

        // clock, then seed
        let mut clock_set = false;
        if caps.set_clock
            && let Some(c) = clock
        {
            asker.step("clock");
            c.set_clock((req.now)()).map_err(|e| ("clock", e.into()))?;
            clock_set = true;
        }
        let issuer = issuer.as_deref().unwrap_or(&p.name);
        let name = slot_name(info.family, &p.params, issuer, &serial);
        let slot = chosen.unwrap_or(0);
        asker.step("write");
        let wrote = token.program(&ProgramRequest {
            slot: chosen,
            name: &name,
            secret: &prep.secret,
            params: p.params,
            counter: prep.counter,
            touch: req.options.touch,
            overwrite: req.options.force || existed,
        });
        if let Some(d) = &keyed {
            self.after_key_try(d, &wrote, (req.now)());
        }
        wrote.map_err(|e| ("write", e.into()))?;
        // Families that set their clock but were given no separate clock handle (Token2
        // NFC, Molto2) write the host time with the seed's configuration.
        if caps.set_clock && !clock_set {
            clock_set = true;
        }

        asker.step("prove");
        // the token's time: host time, or its own clock where it has one we did not set
        let token_time = || match info.clock {
            Some(dev) if !clock_set => dev + ((req.now)() - info_at),
            _ => (req.now)(),
        };
        let proven = proof::prove(
            token,
            asker,
            &ProofOf {
                serial: &serial,
                product: p,
                secret: &prep.secret,
                slot: chosen,
                counter: prep.counter,
                proof: req.options.proof,
            },
            &token_time,
        )
        .map_err(at("prove"))?;
        let (offset, matched, how) = (proven.offset, proven.matched, proven.how);

        // activate
        let state = match p.params.kind {
            // A code read over the wire never left the station: the holder's first
            // code of this step is still theirs (steps before it are closed). A typed
            // one was seen: its step is used.
            Kind::Totp => VerifyState {
                counter: 0,
                last_step: match how {
                    ProofMethod::Typed => Some(matched),
                    ProofMethod::ReadBack => matched.checked_sub(1),
                },
                drift_steps: 0,
                drift_base_steps: 0,
            },
            Kind::Hotp => VerifyState {
                counter: matched + 1,
                last_step: None,
                drift_steps: 0,
                drift_base_steps: 0,
            },
        };
        let outcome = BurnOutcome {
            serial: serial.clone(),
            product: p.name.clone(),
            family: info.family,
            name,
            slot,
            proof: how,
            offset,
            firmware: info.firmware.clone(),
            clock_set,
            warnings: prep.warnings.clone(),
        };
        asker.step("activate");
        let now = (req.now)();
        self.write(|tx| {
            let before = tx.token_by_id(t.id)?;
            tx.token_set_verify_state(t.id, state, now)?;
            if clock_set && p.params.kind == Kind::Totp {
                drift::record(tx, t.id, SampleKind::ClockSet, now, 0)?;
            } else {
                drift::record_match(tx, &t, p, SampleKind::Verify, matched, now)?;
            }
            tx.token_set_status(t.id, TokenStatus::Active, now)?;
            tx.slot_set(t.id, slot, Some(&outcome.name))?;
            let mut after =
                serde_json::to_value(tx.token_by_id(t.id)?).unwrap_or(serde_json::Value::Null);
            if let Some(o) = after.as_object_mut() {
                o.insert(
                    "burn".into(),
                    serde_json::to_value(&outcome).unwrap_or_default(),
                );
                o.insert("reader".into(), req.reader.clone().into());
            }
            tx.audit(
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
}

mod prepare;
pub(crate) mod proof;
mod slot;

#[cfg(test)]
#[path = "provision_tests.rs"]
mod tests;
