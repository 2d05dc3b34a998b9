//! Use cases.
pub mod provision;
pub mod views;

use std::time::SystemTime;

use crate::devices::{DeviceError, OtpToken, Uid, capability, error, session};
use crate::store::Conn;

/// The station.
pub struct Station {
    pub conn: Conn,
}

/// When.
pub fn now() -> SystemTime {
    SystemTime::now()
}

/// Devices only through traits, errors and sessions.
pub fn touch(_: &dyn OtpToken, _: Uid, _: DeviceError, _: &dyn capability::OtpToken) {
    let _ = (error::DeviceError(0), session::open);
}
