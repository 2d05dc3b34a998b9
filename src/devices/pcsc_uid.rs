//! Family `pcsc-uid`: the UID (and ATS) of a contactless card through any PC/SC
//! contactless reader, with the PC/SC part 3 GET DATA pseudo-APDU
//! (reader-protocols.md §4, firmware-protocols/pcsc-uid.md).

pub mod driver;
#[cfg(feature = "pcsc")]
pub mod presence;
pub mod protocol;

pub use driver::PcscUidReader;
pub use protocol::ContactlessAtr;
