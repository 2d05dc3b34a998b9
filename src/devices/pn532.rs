//! Family `pn532`: NXP PN532 NFC module over UART (HSU), reader-protocols.md §2 and
//! firmware-protocols/pn532.md.

pub mod apdu_link;
pub mod driver;
pub mod presence;
pub mod protocol;

pub use apdu_link::Pn532ApduLink;
pub use driver::{Firmware, Pn532, Target};
