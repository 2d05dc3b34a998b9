//! The options that name a new token's seed, shared by `token add` and `burn`, under
//! the one secrets convention of [`super::secret_arg`] (never in argv): a typed seed
//! (`--secret` asks on the terminal, `TOKENSTATION_SECRET`, `--secret-file PATH`), an
//! otpauth:// Key URI — it holds the seed too — (`--uri` asks on the terminal,
//! `TOKENSTATION_URI`, `--uri-file PATH`; a value after `--uri` is refused), or a fresh
//! seed from the OS (`--generate`).

use std::path::PathBuf;

use super::errors::InputError;
use super::secret_arg::SecretSource;
use crate::otp::{KeyUri, Secret};
use crate::station::seed_input::SeedInput;

/// The environment variable scripts put a seed in.
pub const SECRET_ENV: &str = "TOKENSTATION_SECRET";

/// The environment variable scripts put a Key URI in.
pub const URI_ENV: &str = "TOKENSTATION_URI";

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
    /// Ask on the terminal for an otpauth:// Key URI (it holds the seed, so a value
    /// here is refused: scripts set TOKENSTATION_URI or pass --uri-file); its
    /// parameters must match the product.
    #[arg(long)]
    pub uri: bool,
    /// File whose first line is an otpauth:// Key URI.
    #[arg(long, value_name = "PATH")]
    pub uri_file: Option<PathBuf>,
    /// Draw a fresh seed from the OS (20/32/64 bytes for SHA1/256/512).
    #[arg(long)]
    pub generate: bool,
}

impl SeedArgs {
    /// A seed option was given on the command line (not only a variable).
    fn flagged(&self) -> bool {
        self.secret
            || self.secret_file.is_some()
            || self.uri
            || self.uri_file.is_some()
            || self.generate
    }

    /// A typed seed was named: `--secret`, `--secret-file` or `TOKENSTATION_SECRET`
    /// (the variable counts only when no seed option is given).
    pub fn names_secret(&self) -> bool {
        self.secret || self.secret_file.is_some() || (!self.flagged() && env_set(SECRET_ENV))
    }

    /// A Key URI was named: `--uri`, `--uri-file` or `TOKENSTATION_URI` (the variable
    /// counts only when no seed option is given).
    pub fn names_uri(&self) -> bool {
        self.uri || self.uri_file.is_some() || (!self.flagged() && env_set(URI_ENV))
    }

    /// The seed, or `None` when nothing names one. Options win over variables; with no
    /// option, one variable may be set, not both.
    pub fn seed(&self) -> anyhow::Result<Option<SeedInput>> {
        if self.generate {
            return Ok(Some(SeedInput::Generate));
        }
        if !self.flagged() && env_set(SECRET_ENV) && env_set(URI_ENV) {
            return Err(InputError(format!(
                "{SECRET_ENV} and {URI_ENV} are both set: unset one, or name the seed \
                 with --secret-file PATH or --uri-file PATH"
            ))
            .into());
        }
        if self.names_uri() {
            let uri = self.uri_source().read()?;
            return match uri {
                Some(u) => Ok(Some(SeedInput::Uri(Box::new(KeyUri::parse(&u)?)))),
                None => Ok(None),
            };
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

    fn uri_source(&self) -> SecretSource<'_> {
        SecretSource {
            flag: "--uri",
            asked: self.uri,
            file: self.uri_file.as_deref(),
            env: URI_ENV,
            prompt: "Key URI (otpauth://…): ",
            confirm: false,
        }
    }
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// What to say when no seed is named.
pub const SEED_NEEDED: &str = "give the seed: --generate, --secret or --uri (ask on the terminal), --secret-file PATH, --uri-file PATH, TOKENSTATION_SECRET or TOKENSTATION_URI";
