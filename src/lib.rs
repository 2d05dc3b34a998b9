//! tokenstation: program hardware OTP tokens and run presence-token stations.
pub mod otp;
pub mod seeds;
