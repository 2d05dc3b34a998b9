//! Command-line faces of the hardware layer (`hw`, `emulate`). The lead's CLI skeleton
//! replaces this file on merge; the handlers live in the submodules.

pub mod emulate;
pub mod hw;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: usage or input error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: hardware error.
pub const EXIT_HARDWARE: u8 = 4;
