//! YubiKey OATH.
pub mod driver;
pub mod protocol;
