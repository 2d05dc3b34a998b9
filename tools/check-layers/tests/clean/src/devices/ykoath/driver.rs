//! The driver, generic over a link.
use super::protocol::INS_PUT;
use crate::devices::{DeviceError, OtpToken};
use crate::otp::Secret;
use crate::transport::ApduLink;

/// A YubiKey.
pub struct Ykoath<L>(pub L);

impl<L: ApduLink> OtpToken for Ykoath<L> {
    fn program(&mut self, s: &Secret) -> Result<(), DeviceError> {
        let r = self.0.exchange(&[0, INS_PUT, s.0.len() as u8]);
        tracing::trace!("answer {r:?}");
        Ok(())
    }
}
