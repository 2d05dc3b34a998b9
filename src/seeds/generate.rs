//! Fresh seeds. RFC 4226 §4 (R6) asks for at least 128 bits and recommends 160; this
//! draws as many bytes as the hash's output (20, 32 or 64), as RFC 6238's reference
//! code does.
//!
//! This is the one function of [`seeds`](super) that touches the operating system: it
//! reads the OS random number generator through `getrandom::fill`.

use crate::otp::{Algorithm, Secret};

/// The OS random number generator failed (no entropy source available).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomError(pub String);

/// A new random seed of `algorithm.natural_seed_len()` bytes from the OS RNG.
pub fn generate_secret(algorithm: Algorithm) -> Result<Secret, RandomError> {
    let mut bytes = vec![0u8; algorithm.natural_seed_len()];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(Secret::new(bytes))
}

/// Fills a buffer from the OS RNG (IVs, MAC keys and salts for
/// [`write_pskc`](super::write_pskc); check the result before using the buffer).
pub fn os_random(buf: &mut [u8]) -> Result<(), RandomError> {
    getrandom::fill(buf).map_err(|e| RandomError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_freshness() {
        for a in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
            let s = generate_secret(a).unwrap();
            assert_eq!(s.len(), a.natural_seed_len());
        }
        let a = generate_secret(Algorithm::Sha1).unwrap();
        let b = generate_secret(Algorithm::Sha1).unwrap();
        assert_ne!(a, b);
    }
}
