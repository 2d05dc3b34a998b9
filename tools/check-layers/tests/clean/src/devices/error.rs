//! Device errors.
pub struct DeviceError(pub u16);
