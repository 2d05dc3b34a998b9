//! Seeds at rest: every seed is sealed with XChaCha20-Poly1305 (RFC 8439 AEAD with the
//! 24-byte extended nonce of draft-irtf-cfrg-xchacha) under the station's master key.
//! The master key comes from a key file or from a passphrase through Argon2id
//! (RFC 9106). Pure: callers read and write files; only nonces and salts come from
//! the OS random generator.

pub mod header;
pub mod key;
pub mod seal;

pub use header::{KeyKind, VaultHeader};
pub use key::MasterKey;
pub use seal::{open, seal};

/// Errors of the vault layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The key or passphrase does not open this store.
    #[error("the {0} does not match this store (its key check fails)")]
    WrongKey(&'static str),
    /// A key file with the wrong contents.
    #[error("key file is malformed: {0}")]
    BadKeyFile(String),
    /// A sealed value that does not open (tampered or moved to another row).
    #[error(
        "sealed seed of {0} does not open: the store was altered or the row was copied from elsewhere"
    )]
    Tampered(String),
    /// A stored header that cannot be read.
    #[error("vault header is malformed: {0}")]
    BadHeader(String),
    /// The OS random generator failed.
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
    /// Argon2 refused its parameters.
    #[error("passphrase key derivation failed: {0}")]
    Kdf(String),
}

/// Fills `buf` from the OS random generator.
pub fn random_fill(buf: &mut [u8]) -> Result<(), VaultError> {
    getrandom::fill(buf).map_err(|e| VaultError::Random(e.to_string()))
}
