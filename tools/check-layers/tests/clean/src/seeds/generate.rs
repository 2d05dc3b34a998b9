//! Fresh seeds from the OS random generator (the one allowed place in seeds).
use crate::otp::Secret;

/// A new seed.
pub fn secret() -> Option<Secret> {
    let mut b = vec![0u8; 20];
    getrandom::fill(&mut b).ok()?;
    Some(Secret(b))
}
