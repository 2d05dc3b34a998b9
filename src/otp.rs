//! One-time passwords, pure: HOTP (RFC 4226), TOTP (RFC 6238), base32 (RFC 4648),
//! `otpauth://` Key URIs, window search and the zeroized [`Secret`].
//!
//! Nothing here does I/O or reads a clock: time comes in as Unix seconds.

pub mod algorithm;
pub mod base32;
pub mod bounds;
pub mod code;
pub mod hotp;
pub mod otpauth;
pub mod params;
pub mod secret;
pub mod totp;
pub mod window;

pub use algorithm::{Algorithm, Kind};
pub use code::Code;
pub use hotp::OtpKey;
pub use otpauth::KeyUri;
pub use params::{Digits, OtpParams};
pub use secret::{Secret, ShortSeed};
pub use window::{Window, WindowMatch};

/// Errors of the pure OTP layer: malformed input, each naming the field it is about.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtpError {
    /// A base32 string that cannot be decoded.
    #[error("invalid base32 in {field}: {reason}")]
    Base32 {
        /// Which input held it (`secret`, …).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A hex string that cannot be decoded.
    #[error("invalid hex in {field}: {reason}")]
    Hex {
        /// Which input held it.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A parameter with a value outside its domain.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The parameter's name (`digits`, `period`, `algorithm`, …).
        field: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A Key URI that is not of the `otpauth://TYPE/LABEL?PARAMS` form.
    #[error("invalid otpauth URI: {0}")]
    Uri(String),
}

impl OtpError {
    /// Shorthand for [`OtpError::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        OtpError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
