//! tokenstation: program hardware OTP tokens and run presence-token stations.
pub mod cli;
pub mod model;
pub mod otp;
pub mod seeds;
pub mod station;
pub mod store;
pub mod vault;
