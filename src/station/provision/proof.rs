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
use crate::station::jobs::{Ask, Asker};
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
    let mut at = token_time();
    let read = match read_back {
        // a token with "user password for OTP" asks for the user PIN here
        true => asking_secrets(token, asker, |t| t.read_code(of.slot, at))?,
        false => None,
    };
    let (code, how) = match read {
        Some(c) => (c, ProofMethod::ReadBack),
        None => {
            let answer = asker.ask(Ask::Code {
                serial: of.serial.to_string(),
                digits: of.product.params.digits.get(),
            })?;
            let typed = answer.text().ok_or_else(|| StationError::ProofFailed {
                serial: of.serial.to_string(),
                failure: ProofFailure::NoCode,
            })?;
            at = token_time();
            (typed.to_string(), ProofMethod::Typed)
        }
    };
    let (offset, matched) =
        super::prepare::check_code(of.product, of.secret, code.trim(), at, of.counter).ok_or_else(
            || StationError::ProofFailed {
                serial: of.serial.to_string(),
                failure: ProofFailure::Mismatch(how),
            },
        )?;
    Ok(Proven {
        offset,
        matched,
        how,
    })
}
