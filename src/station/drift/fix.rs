//! Correcting drift on one token (issue 14; token-protocols.md §2.8, §3, §6.5): the
//! token in the reader is recognised by its serial or its slot names, the host clock
//! is checked, the token's clock is read where the family can and compared with the
//! host's, the host time is written (Token2 NFC: with the algorithm and step, and the
//! seed from the store re-sent on models whose clock write wipes it; Molto2: one time
//! sync for every profile; Nitrokey Pro / Storage: SET_TIME), read back where it can
//! be, proven where the seed was re-sent (the burn's proof: a code read back, or the
//! one the token shows typed in), and then the learned drift and the baseline of every
//! store token on the device are reset in one transaction. Every step is audited
//! (`drift.fix.read`, `drift.fix.clock`, `drift.fix.proof`, `drift.fix`); a failure
//! writes `drift.fix.failed` with the step. Tokens whose clock cannot be written are
//! resynchronised in the store with two codes ([`Station::drift_resync`]).

use serde::Serialize;

use super::history::SampleKind;
use crate::devices::session::TokenSession;
use crate::devices::{CarriedSeed, DeviceInfo, OtpToken};
use crate::model::{Family, Product, Token, TokenStatus};
use crate::otp::Kind;
use crate::station::error::ProofFailure;
use crate::station::host_clock::{HostClock, HostSync};
use crate::station::jobs::{Ask, Asker};
use crate::station::provision::proof::{self, ProofOf};
use crate::station::provision::{Proof, ProofMethod};
use crate::station::views::FixMethod;
use crate::station::{Result, Station, StationError, Status};
use crate::store::tokens::VerifyState;

/// A clock read back after a write may differ by this much (seconds) from the host.
const READ_BACK_TOLERANCE_S: i64 = 2;

/// How to fix.
#[derive(Debug, Clone, Copy, Default)]
pub struct FixOptions {
    /// Write the clock although the host clock is not synchronised.
    pub force: bool,
    /// Prove with a typed code even where the seed was not re-sent.
    pub proof: Proof,
    /// Send a Molto2 key with one try left without asking (`station::key_tries`).
    pub yes: bool,
}

/// What a fix did.
#[derive(Debug, Clone, Serialize)]
pub struct FixOutcome {
    /// The store tokens on the device, all fixed (a Molto2 has one clock for all its
    /// profiles).
    pub serials: Vec<String>,
    /// Device family.
    pub family: Family,
    /// Clock written or resync.
    pub method: FixMethod,
    /// The host clock's status when the clock was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<HostSync>,
    /// The device clock read before the write, Unix seconds.
    pub clock_before: Option<i64>,
    /// Device minus host before the write, seconds.
    pub offset_before_s: Option<i64>,
    /// The time written, Unix seconds.
    pub clock_written: Option<i64>,
    /// Device minus host read back after the write, seconds.
    pub offset_after_s: Option<i64>,
    /// Whether the seed was re-sent (models whose clock write wipes it).
    pub reseeded: bool,
    /// How the token was proven afterwards, if it was.
    pub proof: Option<ProofMethod>,
    /// Learned drift before (steps), per serial; 0 after.
    pub drift_before_steps: Vec<i64>,
}

/// What happened to one token presented.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result")]
pub enum FixResult {
    /// Fixed.
    Fixed(FixOutcome),
    /// Recognised, but left alone (not at risk).
    Skipped {
        /// Its store tokens.
        serials: Vec<String>,
        /// Why.
        why: String,
    },
}

/// A store token found on the device.
struct Target {
    token: Token,
    product: Product,
    slot: Option<u16>,
}

/// What a fix on a session needs besides the session.
pub struct FixRequest<'a> {
    /// The serial the operator named (the device must carry it); `None`: whatever the
    /// store knows on the device (a batch).
    pub serial: Option<String>,
    /// The reader, for messages and the audit.
    pub reader: String,
    /// The host clock.
    pub clock: &'a dyn HostClock,
    /// Force and proof.
    pub options: FixOptions,
    /// Whether a recognised token is wanted (a batch's at-risk filter): a device is
    /// fixed, with every store token on it, when any of them is; `None`: always.
    pub only: Option<&'a dyn Fn(&Token) -> bool>,
}

type Failed = (&'static str, StationError);

fn at(step: &'static str) -> impl Fn(StationError) -> Failed {
    move |e| (step, e)
}

fn dev(step: &'static str) -> impl Fn(crate::devices::DeviceError) -> Failed {
    move |e| (step, e.into())
}

impl Station {
    /// Fixes the clock of the token in `s` (see the module doc). On failure a
    /// `drift.fix.failed` audit line names the step.
    pub fn drift_fix_clock(
        &mut self,
        s: &mut TokenSession,
        req: &FixRequest<'_>,
        asker: &mut dyn Asker,
    ) -> Result<FixResult> {
        let mut subject = req.serial.as_ref().map_or_else(
            || format!("reader {}", req.reader),
            |s| format!("token {s}"),
        );
        match self.fix_steps(s, req, asker, &mut subject) {
            Ok(r) => Ok(r),
            Err((step, e)) => {
                let after = serde_json::json!({
                    "step": step, "reason": e.to_string(), "reader": req.reader,
                });
                let now = req.clock.now();
                if let Err(le) = self.write(|tx| {
                    tx.audit(now, "drift.fix.failed", &subject, None::<&()>, Some(&after))
                }) {
                    tracing::warn!("could not write the drift.fix.failed audit entry: {le}");
                }
                Err(e)
            }
        }
    }

    fn fix_steps(
        &mut self,
        s: &mut TokenSession,
        req: &FixRequest<'_>,
        asker: &mut dyn Asker,
        subject: &mut String,
    ) -> std::result::Result<FixResult, Failed> {
        // detect: which store tokens the device carries
        let caps = s.token().capabilities();
        let info = s.token().info().map_err(dev("detect"))?;
        let targets = self
            .recognise(s.token(), &info, req)
            .map_err(at("detect"))?;
        let serials = |t: &[Target]| t.iter().map(|t| t.token.serial.clone()).collect::<Vec<_>>();
        *subject = format!("token {}", serials(&targets).join(", "));
        // one clock for the whole device: fixed when any of its tokens is wanted
        if let Some(only) = req.only
            && !targets.iter().any(|t| only(&t.token))
        {
            return Ok(FixResult::Skipped {
                serials: serials(&targets),
                why: "not at risk".into(),
            });
        }
        let first = targets.first().ok_or_else(|| {
            (
                "detect",
                StationError::Internal("no token recognised".into()),
            )
        })?;
        let (first_token, first_product, first_slot) =
            (first.token.clone(), first.product.clone(), first.slot);

        // host clock first
        let host = req.clock.sync();
        if !host.is_synchronised() && !req.options.force {
            return Err((
                "host-clock",
                StationError::HostClockUnsynced { why: host.why() },
            ));
        }

        // read the token's clock where the family can, and compare
        let clock = s.clock().ok_or_else(|| {
            (
                "clock",
                StationError::ReaderNeeded {
                    serial: first_token.serial.clone(),
                    family: info.family,
                },
            )
        })?;
        let (clock_before, offset_before) = if caps.read_clock {
            let c = clock.read_clock().map_err(dev("read"))?;
            let host_now = req.clock.now();
            (Some(c), Some(c - host_now))
        } else {
            (None, None)
        };
        if let Some(off) = offset_before {
            let now = req.clock.now();
            let ids: Vec<i64> = targets.iter().map(|t| t.token.id).collect();
            let after =
                serde_json::json!({"clock": clock_before, "offset_s": off, "reader": req.reader});
            self.write(|tx| {
                for id in &ids {
                    super::record(
                        tx,
                        *id,
                        SampleKind::ClockRead,
                        now,
                        off.saturating_mul(1000),
                    )?;
                }
                tx.audit(now, "drift.fix.read", subject, None::<&()>, Some(&after))
            })
            .map_err(at("read"))?;
        }

        // write the host time (the seed re-sent where the write wipes it)
        let secret = self.token_secret(&first_token).map_err(at("clock"))?;
        clock
            .declare_seed(&CarriedSeed {
                slot: first_slot,
                secret: &secret,
                params: first_product.params,
            })
            .map_err(dev("clock"))?;
        let written = req.clock.now();
        clock.set_clock(written).map_err(dev("clock"))?;
        let reseeded = caps.clock_write_wipes_seed;
        let offset_after = if caps.read_clock {
            let c = clock.read_clock().map_err(dev("check"))?;
            let off = c - req.clock.now();
            if off.abs() > READ_BACK_TOLERANCE_S {
                return Err((
                    "check",
                    StationError::ClockNotSet {
                        reader: req.reader.clone(),
                        off_by: off,
                    },
                ));
            }
            Some(off)
        } else {
            None
        };
        let now = req.clock.now();
        let after = serde_json::json!({
            "written": written, "reseeded": reseeded, "offset_after_s": offset_after,
            "host": host, "forced": !host.is_synchronised(), "reader": req.reader,
        });
        self.write(|tx| tx.audit(now, "drift.fix.clock", subject, None::<&()>, Some(&after)))
            .map_err(at("clock"))?;

        // prove: always where the seed was re-sent, where a code can be read back, or
        // when asked to
        let proven = if reseeded || caps.read_code || req.options.proof == Proof::Typed {
            let p = proof::prove(
                s.token(),
                asker,
                &ProofOf {
                    serial: &first_token.serial,
                    product: &first_product,
                    secret: &secret,
                    slot: first_slot,
                    counter: first_token.counter,
                    proof: req.options.proof,
                },
                &|| req.clock.now(),
            )
            .map_err(at("prove"))?;
            let after = serde_json::json!({"proof": p.how, "offset": p.offset});
            let now = req.clock.now();
            self.write(|tx| tx.audit(now, "drift.fix.proof", subject, None::<&()>, Some(&after)))
                .map_err(at("prove"))?;
            Some(p)
        } else {
            None
        };

        // store: drift and baseline back to zero, a new clock segment
        let outcome = FixOutcome {
            serials: serials(&targets),
            family: info.family,
            method: FixMethod::Clock,
            host: Some(host),
            clock_before,
            offset_before_s: offset_before,
            clock_written: Some(written),
            offset_after_s: offset_after,
            reseeded,
            proof: proven.map(|p| p.how),
            drift_before_steps: targets.iter().map(|t| t.token.drift_steps).collect(),
        };
        let now = req.clock.now();
        self.write(|tx| {
            for t in &targets {
                let before = tx.token_by_id(t.token.id)?;
                let proven_step = proven
                    .filter(|_| t.token.id == first_token.id)
                    .map(|p| p.matched);
                let last_step = match (before.last_step, proven_step) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                tx.token_set_verify_state(
                    t.token.id,
                    VerifyState {
                        counter: before.counter,
                        last_step,
                        drift_steps: 0,
                        drift_base_steps: 0,
                    },
                    now,
                )?;
                super::record(tx, t.token.id, SampleKind::ClockSet, now, 0)?;
                let after = tx.token_by_id(t.token.id)?;
                tx.audit(
                    now,
                    "drift.fix",
                    &format!("token {}", t.token.serial),
                    Some(&before),
                    Some(&serde_json::json!({"token": after, "fix": outcome})),
                )?;
            }
            Ok(())
        })
        .map_err(at("store"))?;
        Ok(FixResult::Fixed(outcome))
    }

    /// The store tokens the device carries: its serial, and the names of its slots
    /// (Molto2 profile titles, Nitrokey slot names: a burn names them after the
    /// serial), of TOTP products of the device's family.
    fn recognise(
        &self,
        token: &mut dyn OtpToken,
        info: &DeviceInfo,
        req: &FixRequest<'_>,
    ) -> Result<Vec<Target>> {
        let mut names: Vec<(String, Option<u16>)> = Vec::new();
        if let Some(s) = &info.serial {
            names.push((s.clone(), None));
        }
        if token.capabilities().list_slots {
            for slot in token.list_slots()? {
                if let (true, Some(n)) = (slot.occupied, slot.name) {
                    names.push((n, Some(slot.slot)));
                }
            }
        }
        let c = self.read();
        let mut found: Vec<Target> = Vec::new();
        for (name, slot) in &names {
            for t in c.tokens_by_serial(name)? {
                let p = c.product_by_id(t.product_id)?;
                let fits = p.params.kind == Kind::Totp
                    && (p.family == info.family || p.family.is_unbound())
                    && !matches!(t.status, TokenStatus::Lost | TokenStatus::Retired)
                    && !found.iter().any(|f| f.token.id == t.id);
                if fits {
                    found.push(Target {
                        token: t,
                        product: p,
                        slot: *slot,
                    });
                }
            }
        }
        let seen = || {
            names
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(want) = &req.serial
            && !found.iter().any(|t| &t.token.serial == want)
        {
            return Err(StationError::WrongTokenInReader {
                serial: want.clone(),
                reader: req.reader.clone(),
                found: seen(),
            });
        }
        if found.is_empty() {
            return Err(StationError::UnknownTokenInReader {
                reader: req.reader.clone(),
                found: seen(),
            });
        }
        Ok(found)
    }

    /// Resynchronises a token whose clock cannot be written (it takes the host's time,
    /// or it is sealed): asks for two consecutive codes and resyncs with them, which
    /// records the offset, sets the baseline and writes the audit (`token.resync`).
    pub fn drift_resync(
        &mut self,
        serial: &str,
        product: Option<&str>,
        clock: &dyn HostClock,
        asker: &mut dyn Asker,
    ) -> Result<FixResult> {
        let t = self.token(serial, product)?;
        let p = self.read().product_by_id(t.product_id)?;
        if p.params.kind != Kind::Totp {
            return Err(StationError::NoDrift {
                serial: serial.to_string(),
            });
        }
        let digits = p.params.digits.get();
        let no_code = || StationError::ProofFailed {
            serial: serial.to_string(),
            failure: ProofFailure::NoCode,
        };
        let first = asker
            .ask(Ask::Code {
                serial: serial.to_string(),
                digits,
            })?
            .text()
            .ok_or_else(no_code)?;
        let second = asker
            .ask(Ask::NextCode {
                serial: serial.to_string(),
                digits,
            })?
            .text()
            .ok_or_else(no_code)?;
        let v = self.token_resync(serial, Some(&p.name), &first, &second, clock.now())?;
        if v.status != Status::Ok {
            return Err(StationError::ProofFailed {
                serial: serial.to_string(),
                failure: ProofFailure::Mismatch(ProofMethod::Typed),
            });
        }
        Ok(FixResult::Fixed(FixOutcome {
            serials: vec![t.serial],
            family: p.family,
            method: FixMethod::Resync,
            host: None,
            clock_before: None,
            offset_before_s: None,
            clock_written: None,
            offset_after_s: None,
            reseeded: false,
            proof: Some(ProofMethod::Typed),
            drift_before_steps: vec![t.drift_steps],
        }))
    }
}
