//! The stored header.
pub struct VaultHeader;
