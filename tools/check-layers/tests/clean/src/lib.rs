//! The layers, bottom up.
pub mod otp;
pub mod model;
pub mod seeds;
pub mod vault;
pub mod store;
pub mod transport;
pub mod devices;
pub mod emulator;
pub mod station;
pub mod cli;
pub mod tui;
pub mod api;
