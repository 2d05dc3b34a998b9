//! tokenstation: program hardware OTP tokens and run presence-token stations.
pub mod api;
pub mod cli;
pub mod devices;
pub mod emulator;
pub mod model;
pub mod otp;
pub mod seeds;
pub mod station;
pub mod store;
pub mod transport;
pub mod tui;
pub mod vault;
