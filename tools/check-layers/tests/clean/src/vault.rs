//! Sealing at rest.
pub mod header;
pub mod seal;

/// Vault errors.
pub struct VaultError;

/// Nonces and salts (the one allowed place in vault).
pub fn random_fill(b: &mut [u8]) -> Result<(), VaultError> {
    getrandom::fill(b).map_err(|_| VaultError)
}
