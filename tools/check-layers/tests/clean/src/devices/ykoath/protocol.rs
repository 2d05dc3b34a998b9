//! The frame codec.
/// PUT.
pub const INS_PUT: u8 = 0x01;

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
