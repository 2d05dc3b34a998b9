//! Pure seed formats.
pub mod generate;

use std::io::Read;

use crate::model::Token;
use crate::otp::Secret;

/// Reads a seed from any reader the caller opened.
pub fn read(mut r: impl Read) -> Option<Secret> {
    let mut b = Vec::new();
    r.read_to_end(&mut b).ok()?;
    Some(Secret(b))
}

/// The token's seed length.
pub fn len(t: &Token) -> usize {
    t.secret.0.len()
}
