//! Seal and open.
use crate::otp::Secret;

/// Seals a seed.
pub fn seal(s: &Secret) -> Vec<u8> {
    s.0.clone()
}
