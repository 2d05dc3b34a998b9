//! Opening any token from a spec.
use super::OtpToken;
use super::ykoath::driver::Ykoath;
use crate::transport::pcsc::PcscLink;

/// Opens a token.
pub fn open(link: PcscLink) -> Box<dyn OtpToken> {
    Box::new(Ykoath(Box::new(link.0)))
}
