//! The `tokenstation` binary.
fn main() {}
