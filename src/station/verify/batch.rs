//! Verifications as requests: one [`Check`], or many in one write transaction (group
//! commit). A server that receives verifications faster than the disk syncs commits
//! several per transaction: each is decided in order on the state the previous ones
//! left, exactly as if each had its own transaction, and every verdict is returned
//! only after the commit that makes it durable.

use super::{VerifyRequest, verify_in};
use crate::model::NameKind;
use crate::station::names::checked;
use crate::station::tx::Tx;
use crate::station::{ErrorClass, Result, Source, Station, StationError, Verdict};
use crate::vault::MasterKey;

/// One verification request, owned (a [`VerifyRequest`] borrows): what a server queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Token serial.
    pub serial: String,
    /// Product, when the serial exists in several.
    pub product: Option<String>,
    /// The code (or backup code) presented.
    pub code: String,
    /// Location it is presented at.
    pub location: Option<String>,
    /// Who presents it: the unit of the per-source delay (see [`VerifyRequest::source`]).
    pub source: Option<Source>,
    /// Unix seconds.
    pub at: i64,
    /// Record the attempt and update the token (replay guard, drift, failure counts).
    pub record: bool,
}

impl Check {
    /// A check of `code` for `serial` (in any product) at `at`.
    pub fn new(serial: &str, code: &str, location: Option<&str>, at: i64, record: bool) -> Check {
        Check {
            serial: serial.to_string(),
            product: None,
            code: code.to_string(),
            location: location.map(str::to_string),
            source: None,
            at,
            record,
        }
    }

    /// The borrowed form the engine decides.
    pub fn request(&self) -> VerifyRequest<'_> {
        VerifyRequest {
            serial: &self.serial,
            code: &self.code,
            location: self.location.as_deref(),
            product: self.product.as_deref(),
            source: self.source.as_ref(),
            at: self.at,
            record: self.record,
        }
    }
}

/// One check inside a caller's write transaction: a serial no token can have is bad
/// input, refused before anything is recorded.
fn check_in(tx: &Tx<'_>, key: &MasterKey, check: &Check) -> Result<Verdict> {
    checked(NameKind::Serial, &check.serial)?;
    verify_in(tx, key, &check.request())
}

impl Station {
    /// Verifies one request in one write transaction (see [`Station::verify`]).
    pub fn verify_check(&mut self, check: &Check) -> Result<Verdict> {
        self.write_keyed(|tx, key| check_in(tx, key, check))
    }

    /// Verifies several requests in one write transaction, in order, and returns one
    /// result per request. A request refused for its input (an unknown location, a
    /// time before T0) is refused before it writes anything and does not stop the
    /// others; when the store itself fails, nothing is committed and the error is
    /// returned for all.
    pub fn verify_many(&mut self, checks: &[Check]) -> Result<Vec<Result<Verdict>>> {
        self.write_keyed(|tx, key| {
            let mut out = Vec::with_capacity(checks.len());
            for c in checks {
                match check_in(tx, key, c) {
                    Err(e) if fatal(&e) => return Err(e),
                    r => out.push(r),
                }
            }
            Ok(out)
        })
    }
}

/// Whether an error inside a batch must roll the whole batch back: a failure of the
/// store or key, rather than a refusal of one request's input.
fn fatal(e: &StationError) -> bool {
    e.class() != ErrorClass::Input
}
