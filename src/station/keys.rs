//! Where the master key comes from: a key file (created mode 0600 by `init`) or a
//! passphrase. The caller resolves prompts and environment; this module reads and
//! writes the key file and checks the key against the store's header.

use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::input_file;
use super::{Result, StationError};
use crate::vault::{KeyKind, MasterKey, VaultError, VaultHeader, header::Argon2Params};

/// How to obtain the master key.
pub enum KeySource {
    /// A key file at this path.
    File(PathBuf),
    /// A passphrase (already read from the environment or a prompt).
    Passphrase(Zeroizing<String>),
}

/// Makes a new key and its header; writes the key file for [`KeySource::File`].
pub fn create(source: &KeySource) -> Result<(MasterKey, VaultHeader)> {
    match source {
        KeySource::File(path) => {
            let key = MasterKey::generate()?;
            write_key_file(path, &key)?;
            let header = VaultHeader::new(KeyKind::KeyFile, None, &key)?;
            Ok((key, header))
        }
        KeySource::Passphrase(pw) => {
            if pw.chars().count() < 8 {
                return Err(StationError::ShortPassphrase);
            }
            let params = Argon2Params::recommended()?;
            let key = MasterKey::from_passphrase(pw.as_bytes(), &params)?;
            let header = VaultHeader::new(KeyKind::Passphrase, Some(params), &key)?;
            Ok((key, header))
        }
    }
}

/// Derives or reads the key and checks it against the header.
pub fn unlock(source: &KeySource, header: &VaultHeader) -> Result<MasterKey> {
    let key = match (source, header.kind) {
        (KeySource::File(path), KeyKind::KeyFile) => read_key_file(path)?,
        (KeySource::Passphrase(pw), KeyKind::Passphrase) => {
            let params = header.argon2.as_ref().ok_or_else(|| {
                VaultError::BadHeader("the passphrase header has no Argon2 parameters".into())
            })?;
            MasterKey::from_passphrase(pw.as_bytes(), params)?
        }
        (KeySource::File(_), KeyKind::Passphrase) => return Err(StationError::NeedsPassphrase),
        (KeySource::Passphrase(_), KeyKind::KeyFile) => return Err(StationError::NeedsKeyFile),
    };
    if header.audit_mark_edited(&key) {
        return Err(StationError::AuditTampered(
            super::audit_check::ChainProblem::MarkRemoved,
        ));
    }
    header.verify(&key).map_err(|_| match source {
        KeySource::File(p) => StationError::WrongKeyFile(p.clone()),
        KeySource::Passphrase(_) => StationError::WrongPassphrase,
    })?;
    Ok(key)
}

/// The most a master key file may hold: one key line (a few dozen bytes) and comments.
const KEY_FILE_MAX_BYTES: u64 = 4096;

/// Refuses a key file that group or others may read or write (as ssh refuses a private
/// key file with such a mode): whoever can read it can open every seed.
fn check_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.is_file()
    {
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(StationError::KeyFilePermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    Ok(())
}

fn read_key_file(path: &Path) -> Result<MasterKey> {
    check_private(path)?;
    let text = input_file::read_text(path, KEY_FILE_MAX_BYTES).map_err(|source| {
        StationError::KeyFileUnreadable {
            path: path.to_path_buf(),
            source,
        }
    })?;
    MasterKey::from_key_file(&text).map_err(|source| StationError::KeyFileInvalid {
        path: path.to_path_buf(),
        source,
    })
}

fn write_key_file(path: &PathBuf, key: &MasterKey) -> Result<()> {
    let fail = |source: std::io::Error| StationError::KeyFileCreate {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(fail)?;
    f.write_all(key.to_key_file().as_bytes()).map_err(fail)?;
    f.sync_all().map_err(fail)
}
