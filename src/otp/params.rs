//! The parameters that, with a seed, define a token's codes.

use std::fmt;

use super::{Algorithm, Kind, OtpError};

/// Number of code digits, 6 to 10 (RFC 4226 §5.3 requires at least 6; 31 bits of
/// dynamic truncation give at most 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Digits(u8);

impl Digits {
    /// Six digits, the default everywhere.
    pub const SIX: Digits = Digits(6);
    /// Eight digits.
    pub const EIGHT: Digits = Digits(8);

    /// Validates a digit count.
    pub fn new(n: u8) -> Result<Self, OtpError> {
        if (6..=10).contains(&n) {
            Ok(Digits(n))
        } else {
            Err(OtpError::invalid(
                "digits",
                format!("{n} is not between 6 and 10"),
            ))
        }
    }

    /// The count.
    pub fn get(self) -> u8 {
        self.0
    }

    /// 10^digits, the modulus of RFC 4226 §5.3 step 3.
    pub fn modulus(self) -> u64 {
        10u64.pow(u32::from(self.0))
    }
}

impl Default for Digits {
    fn default() -> Self {
        Digits::SIX
    }
}

impl TryFrom<u8> for Digits {
    type Error = OtpError;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Digits::new(n)
    }
}

impl From<Digits> for u8 {
    fn from(d: Digits) -> u8 {
        d.0
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Everything but the seed that fixes a token's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OtpParams {
    /// HOTP or TOTP.
    pub kind: Kind,
    /// HMAC hash.
    pub algorithm: Algorithm,
    /// Code length.
    pub digits: Digits,
    /// TOTP time step X in seconds (RFC 6238 §4.1), 1 to
    /// [`PERIOD_MAX_S`](super::bounds::PERIOD_MAX_S). Ignored for HOTP.
    pub period: u32,
    /// TOTP T0 in Unix seconds (RFC 6238 §4.1), within
    /// [`T0_MIN`](super::bounds::T0_MIN)..=[`T0_MAX`](super::bounds::T0_MAX). Ignored for HOTP.
    pub t0: i64,
}

impl Default for OtpParams {
    fn default() -> Self {
        OtpParams {
            kind: Kind::Totp,
            algorithm: Algorithm::Sha1,
            digits: Digits::SIX,
            period: 30,
            t0: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_bounds() {
        assert!(Digits::new(5).is_err());
        assert!(Digits::new(11).is_err());
        assert_eq!(Digits::new(10).unwrap().modulus(), 10_000_000_000);
    }
}
