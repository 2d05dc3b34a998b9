//! Device families, capability traits, sessions.
pub mod capability;
pub mod error;
pub mod session;
pub mod ykoath;

pub use capability::OtpToken;
pub use error::DeviceError;

/// A card identifier.
pub struct Uid(pub Vec<u8>);
