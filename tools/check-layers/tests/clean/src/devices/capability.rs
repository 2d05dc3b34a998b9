//! Capability traits.
use crate::otp::Secret;

/// A token that takes seeds.
pub trait OtpToken {
    /// Programs a seed.
    fn program(&mut self, s: &Secret) -> Result<(), super::DeviceError>;
}
