//! The device side of each family.
pub mod pty;
pub mod ykoath;
