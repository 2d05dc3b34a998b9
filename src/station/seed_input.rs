//! Where a new token's seed comes from, resolved against its product in one place for
//! every use case that takes one (registering a token, burning one): a typed secret, a
//! Key URI whose type, algorithm, digits and period must agree with the product, or
//! fresh random bytes as long as the product's hash output. A seed shorter than RFC
//! 4226 §4 R6 asks for (128 bits) is accepted with a typed warning.

use serde::Serialize;

use super::error::UriParam;
use super::names::{checked, checked_opt};
use super::{Result, StationError};
use crate::model::{NameKind, Product};
use crate::otp::{KeyUri, Kind, Secret};

/// The shortest seed RFC 4226 §4 (R6) accepts, in bytes.
pub const MIN_SEED_BYTES: usize = 16;

/// Where a new token's seed comes from.
#[derive(Clone)]
pub enum SeedInput {
    /// A seed the technician typed (base32 or `hex:`).
    Secret(Secret),
    /// A Key URI; its parameters must agree with the product.
    Uri(Box<KeyUri>),
    /// Fresh random bytes from the OS, as long as the hash output (20/32/64).
    Generate,
}

/// The largest seed file read (a Key URI or a secret fits in far less).
const SEED_FILE_LIMIT: u64 = 4096;

impl SeedInput {
    /// The seed in a file: an `otpauth://` Key URI, else a secret in base32 (or hex
    /// prefixed with `hex:`); surrounding whitespace is ignored.
    pub fn from_file(path: &std::path::Path) -> Result<SeedInput> {
        let text = super::input_file::read_text(path, SEED_FILE_LIMIT)?;
        let text = text.trim();
        if text.starts_with("otpauth://") {
            Ok(SeedInput::Uri(Box::new(KeyUri::parse(text)?)))
        } else {
            Ok(SeedInput::Secret(Secret::parse(text)?))
        }
    }
}

/// Something about a seed that is accepted but deserves a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum SeedWarning {
    /// Shorter than [`MIN_SEED_BYTES`].
    ShortSeed {
        /// Its length in bytes.
        bytes: usize,
    },
}

/// A seed ready to seal: the secret, the HOTP counter to start from, and warnings.
pub struct Seed {
    /// The secret.
    pub secret: Secret,
    /// Initial HOTP counter (a URI's `counter`, else 0).
    pub counter: u64,
    /// The issuer a URI named (kept so an export gives it back), else `None`.
    pub issuer: Option<String>,
    /// What deserves a word.
    pub warnings: Vec<SeedWarning>,
}

/// Checks that a Key URI describes the product's codes.
pub fn check_uri(uri: &KeyUri, p: &Product) -> Result<()> {
    let mismatch = |param, uri: String, wanted: String| {
        Err(StationError::UriMismatch {
            param,
            uri,
            product: p.name.clone(),
            wanted,
        })
    };
    let (u, w) = (&uri.params, &p.params);
    if u.kind != w.kind {
        return mismatch(UriParam::Kind, u.kind.to_string(), w.kind.to_string());
    }
    if u.algorithm != w.algorithm {
        return mismatch(
            UriParam::Algorithm,
            u.algorithm.to_string(),
            w.algorithm.to_string(),
        );
    }
    if u.digits != w.digits {
        return mismatch(UriParam::Digits, u.digits.to_string(), w.digits.to_string());
    }
    if w.kind == Kind::Totp && u.period != w.period {
        return mismatch(UriParam::Period, u.period.to_string(), w.period.to_string());
    }
    Ok(())
}

/// The warnings a seed of `len` bytes earns.
pub fn warnings_for(len: usize) -> Vec<SeedWarning> {
    if len < MIN_SEED_BYTES {
        vec![SeedWarning::ShortSeed { bytes: len }]
    } else {
        Vec::new()
    }
}

/// Resolves `input` for a token `serial` of product `p`.
pub fn resolve(input: SeedInput, p: &Product, serial: &str) -> Result<Seed> {
    let (secret, counter, issuer, given) = match input {
        SeedInput::Secret(s) => (s, 0, None, true),
        SeedInput::Uri(u) => {
            check_uri(&u, p)?;
            // The URI's names pass the one name rule, as they do on import.
            if !u.account.is_empty() {
                checked(NameKind::Account, &u.account)?;
            }
            let issuer = checked_opt(NameKind::Issuer, u.issuer.as_deref())?;
            (u.secret.clone(), u.counter, issuer, true)
        }
        SeedInput::Generate => (
            crate::seeds::generate_secret(p.params.algorithm)
                .map_err(|e| crate::vault::VaultError::Random(e.to_string()))?,
            0,
            None,
            false,
        ),
    };
    if secret.is_empty() {
        return Err(StationError::EmptySeed(serial.to_string()));
    }
    let warnings = if given {
        warnings_for(secret.len())
    } else {
        Vec::new()
    };
    Ok(Seed {
        secret,
        counter,
        issuer,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Family;
    use crate::otp::{Algorithm, Digits, OtpParams};

    fn product(digits: u8) -> Product {
        Product {
            id: 1,
            name: "P".into(),
            vendor: None,
            model: None,
            family: Family::Generic,
            params: OtpParams {
                digits: Digits::new(digits).unwrap(),
                ..OtpParams::default()
            },
            programmable: false,
            drift_per_year: None,
            skew: 1,
        }
    }

    #[test]
    fn uri_must_match_the_product() {
        let uri = KeyUri::parse(
            "otpauth://totp/A:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8&algorithm=SHA256&period=60",
        )
        .unwrap();
        let e = resolve(SeedInput::Uri(Box::new(uri)), &product(6), "T")
            .err()
            .unwrap();
        assert!(
            matches!(
                &e,
                StationError::UriMismatch {
                    param: UriParam::Algorithm,
                    ..
                }
            ),
            "{e}"
        );
        let ok =
            KeyUri::parse("otpauth://totp/A:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        let seed = resolve(SeedInput::Uri(Box::new(ok)), &product(6), "T").unwrap();
        assert_eq!(seed.secret.len(), 20);
        assert!(seed.warnings.is_empty());
    }

    #[test]
    fn short_and_empty_seeds() {
        let short = resolve(
            SeedInput::Secret(Secret::from_slice(&[1; 10])),
            &product(6),
            "T",
        )
        .unwrap();
        assert_eq!(short.warnings, [SeedWarning::ShortSeed { bytes: 10 }]);
        let e = resolve(SeedInput::Secret(Secret::from_slice(&[])), &product(6), "T")
            .err()
            .unwrap();
        assert!(matches!(e, StationError::EmptySeed(_)));
        let g = resolve(SeedInput::Generate, &product(6), "T").unwrap();
        assert_eq!(
            (g.secret.len(), g.warnings.len()),
            (Algorithm::Sha1.natural_seed_len(), 0)
        );
    }
}
