//! Family `molto2`: Token2 Molto2 / Molto2v2, the 100-profile TOTP token on USB CCID
//! 349e:0300 (token-protocols.md §3, firmware-protocols/molto2.md).
//!
//! - [`protocol`]: key derivation, frames, TLVs and the per-profile public data;
//! - [`driver`]: [`Molto2`], an [`crate::devices::OtpToken`] + [`crate::devices::TokenClock`].
//!
//! The SM4 constructions are shared with the single-profile family
//! ([`crate::devices::token2_nfc::crypto`]).

pub mod driver;
mod management;
pub mod protocol;
mod token;

pub use driver::{Confirmation, Molto2};

pub use protocol::{DEFAULT_CUSTOMER_KEY, Molto2Digits, ProfileConfig, ProfileData};
