//! One convention for every secret this face reads (passwords, transport keys): a
//! flag that asks on the terminal (`--password`), an environment variable for scripts
//! (`TOKENSTATION_…`), and `--…-file PATH` for a file. A secret never travels in argv.

use std::io::IsTerminal;
use std::path::Path;

use zeroize::Zeroizing;

use super::errors::InputError;

/// A secret file may hold at most this much (a password or a hex key and a newline).
const SECRET_FILE_MAX_BYTES: u64 = 4096;

/// Where one secret may come from, and how it is named to the person.
pub struct SecretSource<'a> {
    /// The flag asking for it on the terminal, e.g. `--password`.
    pub flag: &'static str,
    /// The flag was given.
    pub asked: bool,
    /// `--…-file PATH`, when given.
    pub file: Option<&'a Path>,
    /// The environment variable scripts set.
    pub env: &'static str,
    /// The terminal prompt.
    pub prompt: &'static str,
    /// Ask twice (a new password).
    pub confirm: bool,
}

impl SecretSource<'_> {
    /// The secret: from the file, else the environment, else (when the flag asks for
    /// it) the terminal; `None` when nothing names one.
    pub fn read(&self) -> anyhow::Result<Option<Zeroizing<String>>> {
        if let Some(path) = self.file {
            return read_file(self.flag, path).map(Some);
        }
        if let Ok(v) = std::env::var(self.env)
            && !v.is_empty()
        {
            return Ok(Some(Zeroizing::new(v)));
        }
        if !self.asked {
            return Ok(None);
        }
        if !std::io::stdin().is_terminal() {
            return Err(InputError(format!(
                "{} asks on a terminal and there is none: set {} or pass {}-file PATH",
                self.flag, self.env, self.flag
            ))
            .into());
        }
        let first = Zeroizing::new(rpassword::prompt_password(self.prompt)?);
        if self.confirm {
            let again = Zeroizing::new(rpassword::prompt_password("Repeat: ")?);
            if *first != *again {
                return Err(InputError("the two entries differ: nothing done".into()).into());
            }
        }
        Ok(Some(first))
    }
}

/// A secret file's first line (a trailing newline is not part of the secret).
fn read_file(flag: &str, path: &Path) -> anyhow::Result<Zeroizing<String>> {
    let what = format!("{flag}-file {}", path.display());
    let meta = std::fs::metadata(path).map_err(|e| InputError(format!("{what}: {e}")))?;
    if !meta.is_file() || meta.len() > SECRET_FILE_MAX_BYTES {
        return Err(InputError(format!(
            "{what}: not a regular file of at most {SECRET_FILE_MAX_BYTES} bytes"
        ))
        .into());
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| InputError(format!("{what}: {e}")))?,
    );
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(InputError(format!("{what}: the file is empty")).into());
    }
    Ok(Zeroizing::new(line.to_string()))
}
