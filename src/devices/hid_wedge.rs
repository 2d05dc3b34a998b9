//! Family `hid-wedge`: keyboard-wedge USB readers that type a tag id (or a code) as
//! 8-byte HID boot-keyboard input reports followed by Enter (reader-protocols.md §5).
//! The pure decoder turns reports into lines; the driver reads them from any
//! [`crate::transport::HidLink`] (a `hid:/dev/hidrawN` node, or an emulator).

pub mod driver;
pub mod protocol;

pub use driver::WedgeReader;
pub use protocol::BootKeyboard;
