//! Family `rdm6300`: 125 kHz EM4100 readers that push ASCII frames over a 9600 baud
//! UART (reader-protocols.md §3, firmware-protocols/rdm6300.md).

pub mod driver;
pub mod presence;
pub mod protocol;

pub use driver::Rdm6300;
pub use protocol::Tag;
