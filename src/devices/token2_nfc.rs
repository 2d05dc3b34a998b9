//! Family `token2-nfc`: Token2 / ExcelSecu single-profile programmable NFC tokens
//! (C301-i, C302-i, OTPC-P1-i/P2-i, miniOTP-2-i/3-i; token-protocols.md §2,
//! firmware-protocols/token2-nfc.md) over any [`crate::transport::ApduLink`]: a PC/SC
//! contactless reader or a PN532 ([`crate::devices::pn532::Pn532ApduLink`]).
//!
//! - [`crypto`]: SM4 ECB, the secure-command MAC and method-2 padding (shared with
//!   [`crate::devices::molto2`]);
//! - [`protocol`]: the frames;
//! - [`driver`]: [`Token2Nfc`], an [`crate::devices::OtpToken`] + [`crate::devices::TokenClock`].

pub mod crypto;
pub mod driver;
mod management;
pub mod protocol;
mod readback;

pub use driver::Token2Nfc;
pub use protocol::{DisplayTimeout, Model};
pub use readback::{WriteCheck, WriteReport};
