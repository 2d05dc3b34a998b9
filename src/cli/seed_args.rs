//! The options that name a new token's seed, shared by `token add` and `burn`: a seed
//! typed on the terminal (`--secret`), from the environment (`TOKENSTATION_SECRET`) or
//! a file (`--secret-file`) — the one secrets convention of [`super::secret_arg`], never
//! in argv — a Key URI, or a fresh seed from the OS.

use std::path::PathBuf;

use super::secret_arg::SecretSource;
use crate::otp::{KeyUri, Secret};
use crate::station::seed_input::SeedInput;

/// The environment variable scripts put a seed in.
pub const SECRET_ENV: &str = "TOKENSTATION_SECRET";

/// Where a new token's seed comes from.
#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// Ask on the terminal for the seed: base32, or hex prefixed with `hex:` (scripts
    /// set TOKENSTATION_SECRET or pass --secret-file).
    #[arg(long)]
    pub secret: bool,
    /// File whose first line is the seed (base32, or `hex:…`).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
    /// An otpauth:// Key URI; its parameters must match the product.
    #[arg(long)]
    pub uri: Option<String>,
    /// Draw a fresh seed from the OS (20/32/64 bytes for SHA1/256/512).
    #[arg(long)]
    pub generate: bool,
}

impl SeedArgs {
    /// A typed seed was named: `--secret`, `--secret-file` or `TOKENSTATION_SECRET`
    /// (the variable counts only when no other seed option is given).
    pub fn names_secret(&self) -> bool {
        self.secret
            || self.secret_file.is_some()
            || (self.uri.is_none() && !self.generate && env_secret_set())
    }

    /// The seed, or `None` when nothing names one. The typed seed is read (file,
    /// environment, terminal) only when neither `--uri` nor `--generate` is given.
    pub fn seed(&self) -> anyhow::Result<Option<SeedInput>> {
        if let Some(u) = &self.uri {
            return Ok(Some(SeedInput::Uri(Box::new(KeyUri::parse(u)?))));
        }
        if self.generate {
            return Ok(Some(SeedInput::Generate));
        }
        let typed = SecretSource {
            flag: "--secret",
            asked: self.secret,
            file: self.secret_file.as_deref(),
            env: SECRET_ENV,
            prompt: "Seed (base32, or hex:…): ",
            confirm: false,
        }
        .read()?;
        Ok(match typed {
            Some(s) => Some(SeedInput::Secret(Secret::parse(&s)?)),
            None => None,
        })
    }
}

fn env_secret_set() -> bool {
    std::env::var_os(SECRET_ENV).is_some_and(|v| !v.is_empty())
}

/// What to say when no seed is named.
pub const SEED_NEEDED: &str = "give the seed: --generate, --uri URI, --secret (asks on the terminal), --secret-file PATH or TOKENSTATION_SECRET";
