//! The record every importer yields ([`SeedRecord`]), where in the source it came from
//! ([`Place`]) and the one error type of the seeds layer ([`ImportError`]).
//!
//! Every importer ends each record with [`SeedRecord::checked`], the one gate that
//! applies the `otp` bounds (period, T0, drift, counter), the name rule of
//! [`model::name`](crate::model::name) and the short-seed warning to PSKC, CSV and URI
//! records alike.
//!
//! Messages are one line, name the key package or row they are about and say what to
//! do next (design §4). They never contain seed material, and file content quoted in
//! them has its control characters escaped.

use std::fmt;

use crate::model::{NameError, NameKind, display_safe, validate_name};
use crate::otp::bounds::{check_counter, check_drift};
use crate::otp::{OtpError, OtpParams, Secret};

/// One imported seed with everything the source said about its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedRecord {
    /// PSKC `Key@Id`, or the CSV row's id column.
    pub key_id: Option<String>,
    /// Device serial number: PSKC `DeviceInfo/SerialNo`, CSV serial, URI account.
    pub serial: Option<String>,
    /// PSKC `DeviceInfo/Manufacturer` or CSV manufacturer.
    pub manufacturer: Option<String>,
    /// PSKC `DeviceInfo/Model` or CSV model.
    pub model: Option<String>,
    /// PSKC `Issuer`, CSV issuer or URI issuer.
    pub issuer: Option<String>,
    /// PSKC `FriendlyName`, CSV account/upn or URI account name.
    pub account: Option<String>,
    /// Kind, algorithm, digits, period and T0.
    pub params: OtpParams,
    /// The seed.
    pub secret: Secret,
    /// HOTP moving factor (0 for TOTP unless the source says otherwise).
    pub counter: u64,
    /// PSKC `TimeDrift`: the token's clock offset in time steps (RFC 6030 §4.3.3).
    pub drift_steps: i64,
    /// 1-based line of the key package or row in the source.
    pub line: Option<usize>,
    /// Things the importer let pass but the caller should show (a MAC mismatch under
    /// [`MacCheck::Warn`](super::MacCheck::Warn), a guessed hash, …). Never secret.
    pub warnings: Vec<String>,
}

impl SeedRecord {
    /// The gate every importer passes each record through: names (serial, key id,
    /// issuer, account, maker, model) by [`validate_name`], parameters by
    /// [`OtpParams::validate`], the counter and drift by the `otp` bounds; a seed
    /// shorter than RFC 4226 asks for adds a warning.
    pub fn checked(mut self, place: &Place) -> Result<SeedRecord, ImportError> {
        let names = [
            (NameKind::Serial, &self.serial),
            (NameKind::KeyId, &self.key_id),
            (NameKind::Issuer, &self.issuer),
            (NameKind::Account, &self.account),
            (NameKind::Manufacturer, &self.manufacturer),
            (NameKind::Model, &self.model),
        ];
        for (kind, value) in names {
            if let Some(v) = value {
                validate_name(kind, v).map_err(|source| ImportError::Name {
                    place: place.clone(),
                    source,
                })?;
            }
        }
        let otp = |e| ImportError::from_otp(place, e);
        self.params.validate().map_err(otp)?;
        check_counter(self.counter).map_err(otp)?;
        check_drift(self.drift_steps, self.params.period).map_err(otp)?;
        if let Some(short) = self.secret.short_seed() {
            self.warnings.push(format!("{place}: {short}"));
        }
        Ok(self)
    }

    /// A record with default parameters and nothing but a seed.
    pub fn new(secret: Secret) -> Self {
        SeedRecord {
            key_id: None,
            serial: None,
            manufacturer: None,
            model: None,
            issuer: None,
            account: None,
            params: OtpParams::default(),
            secret,
            counter: 0,
            drift_steps: 0,
            line: None,
            warnings: Vec::new(),
        }
    }
}

/// `Some(name)` when `name` passes [`validate_name`], so that a [`Place`] never shows
/// a name that could upset a terminal.
pub(crate) fn shown_name(kind: NameKind, name: &str) -> Option<String> {
    validate_name(kind, name).ok().map(|()| name.to_string())
}

/// File content quoted in a message: control characters escaped, at most 100
/// characters.
pub(crate) fn quoted(text: &str) -> String {
    display_safe(text, 100).into_owned()
}

/// Where a problem is: a PSKC key package or a line of a text file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Place {
    /// A PSKC key package, by `Key@Id`, serial or position (`#3`).
    KeyPackage {
        /// The name shown: key id, else serial, else `#n`.
        name: String,
        /// 1-based line of `<KeyPackage>`.
        line: Option<usize>,
    },
    /// A line of a CSV file or URI list.
    Line {
        /// 1-based line number.
        line: usize,
        /// The row's serial, when it could be read.
        serial: Option<String>,
    },
}

impl Place {
    /// The 1-based line, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            Place::KeyPackage { line, .. } => *line,
            Place::Line { line, .. } => Some(*line),
        }
    }

    /// The serial or key id it names, when it names one (not a position `#n`).
    pub fn serial(&self) -> Option<&str> {
        match self {
            Place::KeyPackage { name, .. } => (!name.starts_with('#')).then_some(name.as_str()),
            Place::Line { serial, .. } => serial.as_deref(),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::KeyPackage { name, line: None } => write!(f, "key package {name}"),
            Place::KeyPackage {
                name,
                line: Some(l),
            } => write!(f, "key package {name} (line {l})"),
            Place::Line { line, serial: None } => write!(f, "line {line}"),
            Place::Line {
                line,
                serial: Some(s),
            } => write!(f, "line {line} (serial {s})"),
        }
    }
}

/// Which secret the caller gave to open an encrypted PSKC file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// A pre-shared AES key.
    PreSharedKey,
    /// A password run through PBKDF2.
    Password,
}

impl KeySource {
    fn noun(self) -> &'static str {
        match self {
            KeySource::PreSharedKey => "pre-shared key",
            KeySource::Password => "password",
        }
    }
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// Why a file, a key package or a row could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The input is larger than [`MAX_INPUT_BYTES`](super::MAX_INPUT_BYTES).
    #[error(
        "the input has {bytes} bytes, more than the {max} bytes an import reads; split it into smaller files"
    )]
    TooLarge {
        /// Its size.
        bytes: u64,
        /// The limit.
        max: u64,
    },
    /// The XML is not well-formed.
    #[error("malformed XML at line {line}, column {column}: {reason}")]
    Xml {
        /// 1-based line.
        line: usize,
        /// 1-based column (in bytes).
        column: usize,
        /// The parser's complaint.
        reason: String,
    },
    /// Well-formed XML that is not a PSKC key container.
    #[error("not a PSKC file: {0}")]
    NotPskc(String),
    /// The file is encrypted and the caller gave no key of the needed kind.
    #[error("the file is encrypted with a {key}{hint}: give it")]
    KeyNeeded {
        /// What the file needs.
        key: KeySource,
        /// Extra detail such as ` named 'Pre-shared-key'`.
        hint: String,
    },
    /// The given key or password does not open the file.
    #[error("the {key} does not decrypt {place} ({why}): check it")]
    WrongKey {
        /// Which secret was wrong.
        key: KeySource,
        /// The first key package it failed on.
        place: Place,
        /// The symptom (`MAC mismatch`, `bad padding`).
        why: String,
    },
    /// A value's MAC does not match although the key looks right: the file was
    /// altered or damaged.
    #[error(
        "{place}: the ValueMAC of {field} does not match; the file was altered or damaged (ask the vendor for a fresh copy, or import with the MAC check set to warn)"
    )]
    MacMismatch {
        /// The key package.
        place: Place,
        /// The element whose MAC failed (`Secret`, `Counter`, …).
        field: &'static str,
    },
    /// An encrypted value without a `ValueMAC` in a file that declares a `MACMethod`,
    /// under [`MacCheck::Strict`](super::MacCheck::Strict).
    #[error(
        "{place}: {field} is encrypted without a ValueMAC although the file declares a MACMethod; it cannot be checked (ask the vendor for a complete file, or import with the MAC check set to warn)"
    )]
    MacMissing {
        /// The key package.
        place: Place,
        /// The element without a MAC (`Secret`, `Counter`, …).
        field: &'static str,
    },
    /// A serial, label or other name that breaks the name rule.
    #[error("{place}: {source}")]
    Name {
        /// Where.
        place: Place,
        /// What is wrong with it.
        source: NameError,
    },
    /// An algorithm URI or name this importer does not know.
    #[error("{place}: unknown algorithm {what}")]
    UnknownAlgorithm {
        /// Where.
        place: Place,
        /// The URI or suite as written.
        what: String,
    },
    /// A key that is not an OTP key (a PIN key of RFC 6030 §10.2, for instance).
    #[error("{place}: {what} is not an OTP key; skipped")]
    NotOtp {
        /// Where.
        place: Place,
        /// The algorithm URI.
        what: String,
    },
    /// Encryption this importer does not do.
    #[error("{0}")]
    Unsupported(String),
    /// A base64, base32 or hex value that does not decode.
    #[error("{place}: bad {encoding} in {field}: {reason}")]
    Encoding {
        /// Where.
        place: Place,
        /// `base64`, `base32` or `hex`.
        encoding: &'static str,
        /// Which field.
        field: String,
        /// What is wrong (never the value itself).
        reason: String,
    },
    /// No seed in the key package or row.
    #[error("{place}: no secret{why}")]
    MissingSecret {
        /// Where.
        place: Place,
        /// Extra detail, such as why a PSKC key has no `Secret`.
        why: String,
    },
    /// A field with a value outside its domain (digits, period, counter, …).
    #[error("{place}: invalid {field}: {reason}")]
    Invalid {
        /// Where.
        place: Place,
        /// The field's name.
        field: String,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A CSV row that the CSV reader could not split, or a file-level CSV problem.
    #[error("CSV {place}: {reason}")]
    Csv {
        /// Where.
        place: Place,
        /// What is wrong.
        reason: String,
    },
}

impl ImportError {
    /// Where the problem is, when it is at one key package or line.
    pub fn place(&self) -> Option<&Place> {
        match self {
            ImportError::MacMismatch { place, .. }
            | ImportError::MacMissing { place, .. }
            | ImportError::Name { place, .. }
            | ImportError::UnknownAlgorithm { place, .. }
            | ImportError::NotOtp { place, .. }
            | ImportError::Encoding { place, .. }
            | ImportError::MissingSecret { place, .. }
            | ImportError::Invalid { place, .. }
            | ImportError::Csv { place, .. } => Some(place),
            _ => None,
        }
    }

    /// The problem as a warning on a record that was imported anyway (`--mac-check
    /// warn`): what is wrong, without the advice to import with the check relaxed.
    pub fn warning(&self) -> String {
        match self {
            ImportError::MacMismatch { place, field } => format!(
                "{place}: the ValueMAC of {field} does not match; imported because the MAC check is set to warn"
            ),
            ImportError::MacMissing { place, field } => format!(
                "{place}: {field} is encrypted without a ValueMAC; imported unchecked because the MAC check is set to warn"
            ),
            other => other.to_string(),
        }
    }

    /// Shorthand for [`ImportError::Invalid`].
    pub fn invalid(place: &Place, field: impl Into<String>, reason: impl Into<String>) -> Self {
        ImportError::Invalid {
            place: place.clone(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Places an [`OtpError`] from the `otp` layer at a key package or line; input the
    /// `otp` layer quoted in its reason has its control characters escaped.
    pub fn from_otp(place: &Place, err: OtpError) -> Self {
        let err = match err {
            OtpError::Base32 { field, reason } => OtpError::Base32 {
                field,
                reason: display_safe(&reason, 200).into_owned(),
            },
            OtpError::Hex { field, reason } => OtpError::Hex {
                field,
                reason: display_safe(&reason, 200).into_owned(),
            },
            OtpError::Invalid { field, reason } => OtpError::Invalid {
                field,
                reason: display_safe(&reason, 200).into_owned(),
            },
            OtpError::Uri(reason) => OtpError::Uri(display_safe(&reason, 200).into_owned()),
        };
        match err {
            OtpError::Base32 { field, reason } => ImportError::Encoding {
                place: place.clone(),
                encoding: "base32",
                field: field.into(),
                reason,
            },
            OtpError::Hex { field, reason } => ImportError::Encoding {
                place: place.clone(),
                encoding: "hex",
                field: field.into(),
                reason,
            },
            OtpError::Invalid { field, reason } => ImportError::invalid(place, field, reason),
            OtpError::Uri(reason) => ImportError::invalid(place, "otpauth URI", reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_and_name_the_place() {
        let p = Place::KeyPackage {
            name: "12345678".into(),
            line: Some(37),
        };
        let e = ImportError::WrongKey {
            key: KeySource::PreSharedKey,
            place: p.clone(),
            why: "MAC mismatch".into(),
        };
        assert_eq!(
            e.to_string(),
            "the pre-shared key does not decrypt key package 12345678 (line 37) (MAC mismatch): check it"
        );
        let e = ImportError::KeyNeeded {
            key: KeySource::Password,
            hint: String::new(),
        };
        assert_eq!(
            e.to_string(),
            "the file is encrypted with a password: give it"
        );
        let l = Place::Line {
            line: 4,
            serial: Some("A1".into()),
        };
        assert_eq!(
            ImportError::invalid(&l, "digits", "5 is not between 6 and 10").to_string(),
            "line 4 (serial A1): invalid digits: 5 is not between 6 and 10"
        );
        assert!(
            !ImportError::MacMismatch {
                place: p,
                field: "Secret"
            }
            .to_string()
            .contains('\n')
        );
    }
}
