//! Burning.
use super::Station;
use crate::seeds::generate;
use crate::vault::seal::seal;

/// Burns a fresh seed.
pub fn burn(_: &Station, token: &mut dyn crate::devices::OtpToken) -> Option<Vec<u8>> {
    let s = generate::secret()?;
    token.program(&s).ok()?;
    Some(seal(&s))
}
