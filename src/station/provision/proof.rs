//! Proving that a token holds its seed (a burn, a drift fix that re-sent the seed): read
//! a code back where the family can, otherwise ask the person at the face to type the
//! code the token shows; either must match the seed at the token's time within ±1
//! step (HOTP: the counter or the next).

use super::{Proof, ProofMethod};
use crate::devices::OtpToken;
use crate::model::Product;
use crate::otp::Secret;
use crate::station::device::asking_secrets;
use crate::station::error::ProofFailure;
use crate::station::jobs::{Ask, Asker, CodeProblem, TYPED_PROOF_TRIES};
use crate::station::{Result, StationError};

/// What is proven: the token `serial` of `product` holds `secret`.
pub(crate) struct ProofOf<'a> {
    /// The serial, for the question and the error.
    pub serial: &'a str,
    /// Its product (parameters).
    pub product: &'a Product,
    /// The seed it should hold.
    pub secret: &'a Secret,
    /// Slot or profile.
    pub slot: Option<u16>,
    /// Expected HOTP counter.
    pub counter: u64,
    /// Read back where possible, or always ask.
    pub proof: Proof,
}

/// A proven code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Proven {
    /// Steps (TOTP) or counters (HOTP) between the expected and the proven code.
    pub offset: i64,
    /// The matched step or counter.
    pub matched: u64,
    /// How it was proven.
    pub how: ProofMethod,
}

/// Proves `of` on `token`; `token_time` gives the token's time when asked.
pub(crate) fn prove(
    token: &mut dyn OtpToken,
    asker: &mut dyn Asker,
    of: &ProofOf<'_>,
    token_time: &dyn Fn() -> i64,
) -> Result<Proven> {
    // A write whose answer was lost and that nothing read back confirms is proven only
    // by the code on the token's display.
    let read_back =
        token.capabilities().read_code && of.proof == Proof::Auto && !token.write_unconfirmed();
    let at = token_time();
    let read = match read_back {
        // a token with "user password for OTP" asks for the user PIN here
        true => asking_secrets(token, asker, |t| t.read_code(of.slot, at))?,
        false => None,
    };
    if let Some(code) = read {
        let (offset, matched) =
            super::prepare::check_code(of.product, of.secret, code.trim(), at, of.counter)
                .ok_or_else(|| StationError::ProofFailed {
                    serial: of.serial.to_string(),
                    failure: ProofFailure::Mismatch(ProofMethod::ReadBack),
                })?;
        return Ok(Proven {
            offset,
            matched,
            how: ProofMethod::ReadBack,
        });
    }
    typed(asker, of, token_time)
}

/// Asks for the displayed code up to [`TYPED_PROOF_TRIES`] times: a typo (a short
/// entry, a wrong digit) is asked again, saying what was wrong.
fn typed(asker: &mut dyn Asker, of: &ProofOf<'_>, token_time: &dyn Fn() -> i64) -> Result<Proven> {
    let digits = of.product.params.digits.get();
    let fail = |failure| StationError::ProofFailed {
        serial: of.serial.to_string(),
        failure,
    };
    let mut problem = None;
    for tries_left in (1..=TYPED_PROOF_TRIES).rev() {
        let ask = match problem {
            None => Ask::Code {
                serial: of.serial.to_string(),
                digits,
            },
            Some(problem) => Ask::CodeAgain {
                serial: of.serial.to_string(),
                digits,
                problem,
                tries_left,
            },
        };
        let Some(typed) = asker.ask(ask)?.text() else {
            // Nobody answers: the last entry's verdict stands.
            return Err(fail(match problem {
                Some(_) => ProofFailure::Mismatch(ProofMethod::Typed),
                None => ProofFailure::NoCode,
            }));
        };
        let typed = typed.trim();
        if typed.len() != usize::from(digits) || !typed.bytes().all(|b| b.is_ascii_digit()) {
            problem = Some(CodeProblem::NotDigits);
            continue;
        }
        match super::prepare::check_code(of.product, of.secret, typed, token_time(), of.counter) {
            Some((offset, matched)) => {
                return Ok(Proven {
                    offset,
                    matched,
                    how: ProofMethod::Typed,
                });
            }
            None => problem = Some(CodeProblem::Mismatch),
        }
    }
    Err(fail(ProofFailure::Mismatch(ProofMethod::Typed)))
}
