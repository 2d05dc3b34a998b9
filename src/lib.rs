//! tokenstation: program hardware OTP tokens and run presence-token stations.
pub mod cli;
pub mod devices;
pub mod emulator;
pub mod otp;
pub mod transport;
