//! The API key text and its stored form (research api-and-stations.md §5, as
//! privacyIDEA 3.14's API clients do it): `tks_<key_id>_<secret>`, where `key_id` is
//! 8 random bytes and `secret` 32 random bytes, each in lower-case base32 without
//! padding (13 and 52 characters). Only HMAC-SHA256 over `key_id ":" secret` under a
//! pepper derived from the master key (its own label) is stored; a 256-bit random
//! secret needs no slow hash. Comparison is constant-time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::vault::{MasterKey, VaultError, random_fill};

/// Prefix of every key.
pub const PREFIX: &str = "tks_";
/// Label of the pepper derived from the master key.
const PEPPER_LABEL: &[u8] = b"tokenstation api keys v1";
/// Length of the public id in characters (8 bytes in base32).
pub const KEY_ID_CHARS: usize = 13;
/// Length of the secret in characters (32 bytes in base32).
pub const SECRET_CHARS: usize = 52;

/// The base32 alphabet, lower case, no padding (RFC 4648 §6).
fn b32() -> data_encoding::Encoding {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("abcdefghijklmnopqrstuvwxyz234567");
    // The specification is a constant: it always builds.
    spec.encoding()
        .unwrap_or_else(|_| data_encoding::BASE32_NOPAD.clone())
}

fn random_b32(bytes: usize) -> Result<Zeroizing<String>, VaultError> {
    let mut b = Zeroizing::new(vec![0u8; bytes]);
    random_fill(&mut b)?;
    Ok(Zeroizing::new(b32().encode(&b)))
}

/// A fresh public key id.
pub fn new_key_id() -> Result<String, VaultError> {
    Ok(random_b32(8)?.to_string())
}

/// A fresh secret.
pub fn new_secret() -> Result<Zeroizing<String>, VaultError> {
    random_b32(32)
}

/// The text of a key, shown once.
pub fn key_text(key_id: &str, secret: &str) -> Zeroizing<String> {
    Zeroizing::new(format!("{PREFIX}{key_id}_{secret}"))
}

/// A presented key split into its id and secret, when it has the key's shape.
pub fn split(presented: &str) -> Option<(&str, &str)> {
    let rest = presented.trim().strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let shaped = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    };
    (shaped(id, KEY_ID_CHARS) && shaped(secret, SECRET_CHARS)).then_some((id, secret))
}

/// HMAC-SHA256(pepper, key_id ":" secret), the pepper derived from the master key.
pub fn hash(key: &MasterKey, key_id: &str, secret: &str) -> [u8; 32] {
    let pepper = key.derive(PEPPER_LABEL);
    let mut out = [0u8; 32];
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(pepper.as_ref()) {
        mac.update(key_id.as_bytes());
        mac.update(b":");
        mac.update(secret.as_bytes());
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

/// Whether `secret` is the one whose hash is `stored`, in constant time.
pub fn matches(key: &MasterKey, key_id: &str, secret: &str, stored: &[u8]) -> bool {
    let h = hash(key, key_id, secret);
    stored.len() == h.len() && bool::from(h.as_slice().ct_eq(stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_hash() {
        let id = new_key_id().unwrap();
        let secret = new_secret().unwrap();
        assert_eq!((id.len(), secret.len()), (KEY_ID_CHARS, SECRET_CHARS));
        let text = key_text(&id, &secret);
        assert_eq!(split(&text), Some((id.as_str(), secret.as_str())));
        assert_eq!(
            split(&format!(" {} ", text.as_str())),
            Some((id.as_str(), secret.as_str()))
        );
        assert_eq!(split(&text.to_uppercase()), None);
        assert_eq!(split(&text[..text.len() - 1]), None);
        assert_eq!(split("tks_"), None);
        assert_eq!(split(&text.replace("tks_", "pi_")), None);

        let key = MasterKey::generate().unwrap();
        let stored = hash(&key, &id, &secret);
        assert!(matches(&key, &id, &secret, &stored));
        let mut other = secret.to_string();
        other.replace_range(0..1, if other.starts_with('a') { "b" } else { "a" });
        assert!(!matches(&key, &id, &other, &stored));
        assert!(!matches(&key, "aaaaaaaaaaaaa", &secret, &stored));
        assert!(!matches(
            &MasterKey::generate().unwrap(),
            &id,
            &secret,
            &stored
        ));
        assert!(!matches(&key, &id, &secret, &stored[..31]));
    }

    #[test]
    fn known_answer() {
        // Computed independently (Python hmac): pepper = HMAC-SHA256(32 zero bytes,
        // "tokenstation api keys v1" 0x01); hash = HMAC-SHA256(pepper, "id:s").
        let key = MasterKey::from_key_file(
            "tokenstation-master-key v1\n0000000000000000000000000000000000000000000000000000000000000000\n",
        )
        .unwrap();
        assert_eq!(
            data_encoding::HEXLOWER.encode(&hash(&key, "id", "s")),
            "bd91fede49687312eafac70b30d53d407d34cdfa036f6325b81973c415d1c337"
        );
    }
}
