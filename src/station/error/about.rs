//! What station errors are about: input fields, Key URI parameters, proof failures,
//! policy values.

use std::fmt;

/// An input field, named in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The Molto2 customer key.
    Molto2Key,
    /// The pre-shared key of a PSKC file.
    PskcKey,
    /// A presence direction (`in`, `out`).
    Direction,
    /// A kiosk mode.
    Mode,
    /// A CSV column mapping.
    ColumnMap,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Molto2Key => "the Molto2 customer key",
            Field::PskcKey => "the pre-shared key",
            Field::Direction => "direction",
            Field::Mode => "mode",
            Field::ColumnMap => "the column map",
        })
    }
}

/// A parameter of a Key URI compared with its product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriParam {
    /// `totp` / `hotp`.
    Kind,
    /// The hash.
    Algorithm,
    /// The code length.
    Digits,
    /// The TOTP step.
    Period,
}

impl fmt::Display for UriParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UriParam::Kind => "type",
            UriParam::Algorithm => "algorithm",
            UriParam::Digits => "digits",
            UriParam::Period => "period",
        })
    }
}

/// How a burn proof failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofFailure {
    /// The technician typed no code.
    NoCode,
    /// The code (read back or typed) does not match the seed written.
    Mismatch(crate::station::provision::ProofMethod),
}

/// What is wrong with a policy value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyProblem {
    /// Not a number.
    NotANumber(String),
    /// Outside the allowed range.
    OutOfRange {
        /// The value given.
        value: String,
        /// The range, `lo..=hi`.
        range: String,
    },
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyProblem::NotANumber(v) => write!(f, "'{v}' is not a number"),
            PolicyProblem::OutOfRange { value, range } => write!(f, "{value} is outside {range}"),
        }
    }
}
