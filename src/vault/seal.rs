//! Sealing: `v1 || nonce(24) || ciphertext || tag(16)` with XChaCha20-Poly1305. The
//! associated data binds each sealed seed to its token, so a sealed blob copied onto
//! another row does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::{MasterKey, VaultError, random_fill};
use crate::otp::Secret;

/// Format byte of a sealed value.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

fn cipher(key: &MasterKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.bytes().into())
}

/// Seals raw bytes under the master key with `aad` as associated data.
pub fn seal_bytes(key: &MasterKey, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut nonce = [0u8; NONCE_LEN];
    random_fill(&mut nonce)?;
    let ct = cipher(key)
        .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad })
        .map_err(|_| VaultError::Random("AEAD refused the message".into()))?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Opens a value sealed by [`seal_bytes`]; `what` names it in the error.
pub fn open_bytes(
    key: &MasterKey,
    aad: &[u8],
    sealed: &[u8],
    what: &str,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != VERSION {
        return Err(VaultError::Tampered(what.to_string()));
    }
    let (nonce, ct) = sealed[1..].split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce
        .try_into()
        .map_err(|_| VaultError::Tampered(what.to_string()))?;
    cipher(key)
        .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Tampered(what.to_string()))
}

/// Seals a token seed; `aad` is the token's stable identity.
pub fn seal(key: &MasterKey, aad: &[u8], secret: &Secret) -> Result<Vec<u8>, VaultError> {
    seal_bytes(key, aad, secret.expose())
}

/// Opens a sealed token seed.
pub fn open(key: &MasterKey, aad: &[u8], sealed: &[u8], what: &str) -> Result<Secret, VaultError> {
    open_bytes(key, aad, sealed, what).map(|b| Secret::from_slice(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_binding() {
        let k = MasterKey::generate().unwrap();
        let s = Secret::from_slice(b"12345678901234567890");
        let sealed = seal(&k, b"token-a", &s).unwrap();
        assert_eq!(sealed.len(), 1 + 24 + 20 + 16);
        assert!(!sealed.windows(20).any(|w| w == b"12345678901234567890"));
        assert_eq!(open(&k, b"token-a", &sealed, "a").unwrap(), s);
        assert!(matches!(
            open(&k, b"token-b", &sealed, "b"),
            Err(VaultError::Tampered(_))
        ));
        let other = MasterKey::generate().unwrap();
        assert!(open(&other, b"token-a", &sealed, "a").is_err());
        let mut bad = sealed.clone();
        bad[30] ^= 1;
        assert!(open(&k, b"token-a", &bad, "a").is_err());
        assert!(open(&k, b"token-a", &sealed[..10], "a").is_err());
        // fresh nonce every time
        assert_ne!(seal(&k, b"token-a", &s).unwrap(), sealed);
    }

    #[test]
    fn xchacha20poly1305_known_answer() {
        // draft-irtf-cfrg-xchacha-03 §A.3.1 test vector.
        let key: [u8; 32] = core::array::from_fn(|i| 0x80 + i as u8);
        let nonce: [u8; 24] = data_encoding::HEXLOWER
            .decode(b"404142434445464748494a4b4c4d4e4f5051525354555657")
            .unwrap()
            .try_into()
            .unwrap();
        let aad = data_encoding::HEXLOWER
            .decode(b"50515253c0c1c2c3c4c5c6c7")
            .unwrap();
        let msg = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let ct = XChaCha20Poly1305::new(&key.into())
            .encrypt(&XNonce::from(nonce), Payload { msg, aad: &aad })
            .unwrap();
        let hex = data_encoding::HEXLOWER.encode(&ct);
        assert!(
            hex.starts_with("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"),
            "{hex}"
        );
        assert!(hex.ends_with("c0875924c1c7987947deafd8780acf49"), "{hex}");
    }
}
