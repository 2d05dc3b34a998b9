//! HOTP of RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation
//! to 31 bits, modulo 10^digits. TOTP (RFC 6238 §4) feeds the time step as counter.
//!
//! [`OtpKey`] keys the HMAC once (the inner and outer pads are hashed once, RFC 2104
//! §4 "precomputed" note) and clones that state per code, so window searches pay two
//! compression rounds per candidate instead of four.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::{Algorithm, Digits, Secret};

/// An HMAC keyed with a token's seed, ready to compute many codes.
#[derive(Clone)]
pub enum OtpKey {
    /// Keyed HMAC-SHA-1.
    Sha1(Hmac<Sha1>),
    /// Keyed HMAC-SHA-256.
    Sha256(Hmac<Sha256>),
    /// Keyed HMAC-SHA-512.
    Sha512(Hmac<Sha512>),
}

impl std::fmt::Debug for OtpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtpKey([REDACTED])")
    }
}

/// RFC 4226 §5.3 dynamic truncation of an HMAC result to a 31-bit number.
pub fn dynamic_truncate(mac: &[u8]) -> u32 {
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let word = [
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ];
    u32::from_be_bytes(word) & 0x7fff_ffff
}

impl OtpKey {
    /// Keys the HMAC. HMAC accepts keys of any length (RFC 2104 §3).
    pub fn new(algorithm: Algorithm, secret: &Secret) -> Self {
        let k = secret.expose();
        // new_from_slice cannot fail for HMAC: every key length is valid.
        match algorithm {
            Algorithm::Sha1 => OtpKey::Sha1(
                <Hmac<Sha1> as KeyInit>::new_from_slice(k).unwrap_or_else(|_| unreachable_key()),
            ),
            Algorithm::Sha256 => OtpKey::Sha256(
                <Hmac<Sha256> as KeyInit>::new_from_slice(k).unwrap_or_else(|_| unreachable_key()),
            ),
            Algorithm::Sha512 => OtpKey::Sha512(
                <Hmac<Sha512> as KeyInit>::new_from_slice(k).unwrap_or_else(|_| unreachable_key()),
            ),
        }
    }

    /// The 31-bit truncated value for a counter (RFC 4226 §5.3 steps 1–2).
    pub fn truncated(&self, counter: u64) -> u32 {
        let msg = counter.to_be_bytes();
        match self {
            OtpKey::Sha1(m) => {
                let mut m = m.clone();
                m.update(&msg);
                dynamic_truncate(&m.finalize().into_bytes())
            }
            OtpKey::Sha256(m) => {
                let mut m = m.clone();
                m.update(&msg);
                dynamic_truncate(&m.finalize().into_bytes())
            }
            OtpKey::Sha512(m) => {
                let mut m = m.clone();
                m.update(&msg);
                dynamic_truncate(&m.finalize().into_bytes())
            }
        }
    }

    /// The code for a counter as a number (RFC 4226 §5.3 step 3).
    pub fn code(&self, counter: u64, digits: Digits) -> u64 {
        u64::from(self.truncated(counter)) % digits.modulus()
    }

    /// The code for a counter, zero-padded to `digits` characters.
    pub fn code_string(&self, counter: u64, digits: Digits) -> String {
        format_code(self.code(counter, digits), digits)
    }
}

/// HMAC keys of any length are valid; this branch exists only to avoid `unwrap`.
#[cold]
fn unreachable_key<T>() -> T {
    panic!("HMAC rejected a key, which RFC 2104 does not allow")
}

/// Zero-pads a code value to its digit count.
pub fn format_code(value: u64, digits: Digits) -> String {
    format!("{value:0width$}", width = usize::from(digits.get()))
}

/// One-shot HOTP value, for callers that compute a single code.
pub fn hotp(secret: &Secret, algorithm: Algorithm, counter: u64, digits: Digits) -> String {
    OtpKey::new(algorithm, secret).code_string(counter, digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC4226_SEED: &[u8] = b"12345678901234567890";

    /// RFC 4226 Appendix D: counter, truncated value (decimal), HOTP.
    const APPENDIX_D: &[(u64, u32, &str)] = &[
        (0, 1284755224, "755224"),
        (1, 1094287082, "287082"),
        (2, 137359152, "359152"),
        (3, 1726969429, "969429"),
        (4, 1640338314, "338314"),
        (5, 868254676, "254676"),
        (6, 1918287922, "287922"),
        (7, 82162583, "162583"),
        (8, 673399871, "399871"),
        (9, 645520489, "520489"),
    ];

    #[test]
    fn rfc4226_appendix_d() {
        let key = OtpKey::new(Algorithm::Sha1, &Secret::from_slice(RFC4226_SEED));
        for &(counter, truncated, code) in APPENDIX_D {
            assert_eq!(key.truncated(counter), truncated, "counter {counter}");
            assert_eq!(
                key.code_string(counter, Digits::SIX),
                code,
                "counter {counter}"
            );
        }
    }

    #[test]
    fn rfc4226_appendix_d_hmac_values() {
        let mut m = <Hmac<Sha1> as KeyInit>::new_from_slice(RFC4226_SEED).unwrap();
        m.update(&0u64.to_be_bytes());
        let mac = m.finalize().into_bytes();
        assert_eq!(
            data_encoding::HEXLOWER.encode(&mac),
            "cc93cf18508d94934c64b65d8ba7667fb7cde4b0"
        );
    }

    #[test]
    fn oathtool_man_page_values() {
        // `oathtool 00` and `oathtool -w 5 00`: all-zero one-byte key.
        let zero = OtpKey::new(Algorithm::Sha1, &Secret::from_slice(&[0]));
        let want = ["328482", "812658", "073348", "887919", "320986", "435986"];
        for (c, code) in want.iter().enumerate() {
            assert_eq!(zero.code_string(c as u64, Digits::SIX), *code);
        }
        // `oathtool -w 10 <RFC key>` prints counter 10 = 403154.
        let key = OtpKey::new(Algorithm::Sha1, &Secret::from_slice(RFC4226_SEED));
        assert_eq!(key.code_string(10, Digits::SIX), "403154");
    }

    #[test]
    fn ten_digits_keep_leading_zeros() {
        let key = OtpKey::new(Algorithm::Sha1, &Secret::from_slice(RFC4226_SEED));
        let ten = Digits::new(10).unwrap();
        assert_eq!(key.code_string(7, ten), "0082162583");
        assert_eq!(key.code_string(0, ten), "1284755224");
    }
}
