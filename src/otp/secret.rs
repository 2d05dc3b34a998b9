//! [`Secret`]: the shared key of an OTP token (RFC 4226 §5.1 "K"), wiped from memory
//! when dropped and never printed.

use std::fmt;

use zeroize::Zeroizing;

use super::{OtpError, base32};

/// A token seed. Its bytes are zeroized on drop; `Debug` prints `[REDACTED n bytes]`
/// and there is deliberately no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Takes ownership of raw key bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(Zeroizing::new(bytes))
    }

    /// Copies raw key bytes.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Secret::new(bytes.to_vec())
    }

    /// The key bytes. Callers must not log or print them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Number of key bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for an empty key (never valid for a token).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Decodes a base32 seed leniently (see [`base32::decode`]).
    pub fn from_base32(text: &str) -> Result<Self, OtpError> {
        base32::decode(text, "secret").map(Secret::new)
    }

    /// Decodes a hex seed (upper or lower case, spaces and colons ignored).
    pub fn from_hex(text: &str) -> Result<Self, OtpError> {
        let clean: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != ':')
                .collect(),
        );
        if !clean.len().is_multiple_of(2) {
            return Err(OtpError::Hex {
                field: "secret",
                reason: format!("odd number of hex digits ({})", clean.len()),
            });
        }
        data_encoding::HEXLOWER_PERMISSIVE
            .decode(clean.as_bytes())
            .map(Secret::new)
            .map_err(|e| OtpError::Hex {
                field: "secret",
                reason: format!("not a hex digit at position {}", e.position),
            })
    }

    /// Parses a seed as technicians type it: `hex:…` for hex, otherwise base32.
    pub fn parse(text: &str) -> Result<Self, OtpError> {
        let secret = match text.strip_prefix("hex:") {
            Some(hex) => Secret::from_hex(hex)?,
            None => Secret::from_base32(text)?,
        };
        if secret.is_empty() {
            return Err(OtpError::invalid("secret", "the seed is empty"));
        }
        Ok(secret)
    }

    /// `Some` when the seed is shorter than RFC 4226 R6 asks for (16 bytes); every
    /// input path (imports, `token add`) warns with it.
    pub fn short_seed(&self) -> Option<ShortSeed> {
        (self.len() < ShortSeed::MIN_BYTES).then_some(ShortSeed { bytes: self.len() })
    }

    /// Canonical unpadded upper-case base32, in a buffer that is wiped on drop.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(base32::encode(&self.0))
    }

    /// Lower-case hex, in a buffer that is wiped on drop.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::HEXLOWER.encode(&self.0))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[REDACTED {} bytes]", self.0.len())
    }
}

/// A seed shorter than RFC 4226 §4 R6 asks for ("MUST be at least 128 bits", 160
/// recommended). Such seeds are imported with this as a warning, not refused: the
/// RFC 6030 Figure 2 example carries a 4-byte secret and 80-bit seeds are common in
/// Key URIs (the Key URI format's own worked example), so refusing would block
/// files that other tools read; the operator sees the warning per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortSeed {
    /// The seed's length in bytes.
    pub bytes: usize,
}

impl ShortSeed {
    /// RFC 4226 R6 minimum, in bytes.
    pub const MIN_BYTES: usize = 16;
    /// RFC 4226 R6 recommended length, in bytes.
    pub const RECOMMENDED_BYTES: usize = 20;
}

impl fmt::Display for ShortSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the seed has {} bytes; RFC 4226 asks for at least {} ({} recommended)",
            self.bytes,
            ShortSeed::MIN_BYTES,
            ShortSeed::RECOMMENDED_BYTES
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::from_slice(b"12345678901234567890");
        assert_eq!(format!("{s:?}"), "[REDACTED 20 bytes]");
        assert!(!format!("{s:?}").contains("1234"));
    }

    #[test]
    fn short_seeds_below_sixteen_bytes() {
        assert_eq!(
            Secret::from_slice(&[7]).short_seed().map(|s| s.to_string()),
            Some("the seed has 1 bytes; RFC 4226 asks for at least 16 (20 recommended)".into())
        );
        assert_eq!(
            Secret::from_slice(&[0; 15]).short_seed(),
            Some(ShortSeed { bytes: 15 })
        );
        assert_eq!(Secret::from_slice(&[0; 16]).short_seed(), None);
        assert_eq!(Secret::from_slice(&[0; 20]).short_seed(), None);
    }

    #[test]
    fn parse_hex_and_base32() {
        let a = Secret::parse("hex:3132333435363738393031323334353637383930").unwrap();
        let b = Secret::parse("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.expose(), b"12345678901234567890");
        assert_eq!(
            a.to_hex().as_str(),
            "3132333435363738393031323334353637383930"
        );
        assert!(Secret::parse("hex:313").is_err());
        assert!(Secret::parse("hex:zz").is_err());
        assert!(Secret::parse("").is_err());
        assert!(Secret::parse("1!").is_err());
    }
}
