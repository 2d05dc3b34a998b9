//! The HMAC algorithm (RFC 6238 §1.2: SHA-1, SHA-256, SHA-512) and the OTP kind.

use std::fmt;
use std::str::FromStr;

use super::OtpError;

/// The hash under the HMAC of RFC 4226 §5.2 / RFC 6238 §1.2.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// HMAC-SHA-1, the default of RFC 4226 and of Key URIs.
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl Algorithm {
    /// Lower-case name as stored and printed (`sha1`, `sha256`, `sha512`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Upper-case name used in Key URIs (`SHA1`, …).
    pub fn uri_name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// Seed length that matches the hash output (20, 32 or 64 bytes), the size
    /// `--generate` draws and RFC 6238's reference code uses.
    pub fn natural_seed_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = OtpError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "sha1" => Ok(Algorithm::Sha1),
            "sha256" => Ok(Algorithm::Sha256),
            "sha512" => Ok(Algorithm::Sha512),
            _ => Err(OtpError::invalid(
                "algorithm",
                format!("'{s}' is not one of sha1, sha256, sha512"),
            )),
        }
    }
}

/// Event-based (HOTP, RFC 4226) or time-based (TOTP, RFC 6238).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Counter-based codes.
    Hotp,
    /// Time-based codes.
    #[default]
    Totp,
}

impl Kind {
    /// Lower-case name (`hotp`, `totp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Hotp => "hotp",
            Kind::Totp => "totp",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = OtpError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "hotp" => Ok(Kind::Hotp),
            "totp" => Ok(Kind::Totp),
            _ => Err(OtpError::invalid(
                "kind",
                format!("'{s}' is not one of totp, hotp"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
            assert_eq!(a.as_str().parse::<Algorithm>().unwrap(), a);
            assert_eq!(a.uri_name().parse::<Algorithm>().unwrap(), a);
        }
        assert_eq!("SHA-256".parse::<Algorithm>().unwrap(), Algorithm::Sha256);
        assert!("md5".parse::<Algorithm>().is_err());
        assert_eq!("HOTP".parse::<Kind>().unwrap(), Kind::Hotp);
        assert!("daypassword".parse::<Kind>().is_err());
    }
}
