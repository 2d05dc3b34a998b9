//! The options that open a token, shared by `burn`, `device` and `drift fix`: the
//! family, the device secrets (the secrets convention of [`super::secret_arg`]: an
//! environment variable, a `--…-file`, or a flag that asks on the terminal; never in
//! argv; the Nitrokey user PIN only from `TOKENSTATION_USER_PIN` or asked) and how long
//! to wait for the token. [`super::reader_args::ReaderArgs`] adds the reader for the commands that
//! always need one.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::secret_arg::SecretSource;
use crate::station::burn_job::DeviceOptions;
use crate::station::catalog::parse_family;

/// Where the Nitrokey user PIN ("user password for OTP") comes from; else it is asked.
const USER_PIN_ENV: &str = "TOKENSTATION_USER_PIN";

/// How to open the token in the reader.
#[derive(Debug, clap::Args)]
pub struct DeviceArgs {
    /// Token family: ykoath, nitrokey3, token2-nfc, molto2 or nitrokey [default: the
    /// product's family; else detected from the card (Token2 tokens must be named)].
    #[arg(long)]
    pub family: Option<String>,
    /// Ask on the terminal for the OATH access code of a locked YubiKey (scripts set
    /// TOKENSTATION_OATH_PASSWORD or pass --oath-password-file).
    #[arg(long)]
    pub oath_password: bool,
    /// File whose first line is the YubiKey's OATH access code.
    #[arg(long, value_name = "PATH")]
    pub oath_password_file: Option<PathBuf>,
    /// Ask on the terminal for a changed Molto2 customer key in hex (scripts set
    /// TOKENSTATION_MOLTO2_KEY or pass --molto2-key-file) [default: the factory key].
    #[arg(long)]
    pub molto2_key: bool,
    /// File whose first line is the Molto2 customer key in hex.
    #[arg(long, value_name = "PATH")]
    pub molto2_key_file: Option<PathBuf>,
    /// Ask on the terminal for the Nitrokey admin PIN now (it is asked anyway when
    /// needed; scripts set TOKENSTATION_ADMIN_PIN or pass --admin-pin-file).
    #[arg(long)]
    pub admin_pin: bool,
    /// File whose first line is the Nitrokey admin PIN.
    #[arg(long, value_name = "PATH")]
    pub admin_pin_file: Option<PathBuf>,
    /// Seconds to wait for a token in the reader.
    #[arg(long, default_value_t = 30.0)]
    pub wait: f64,
}

impl DeviceArgs {
    /// The station's device options (a family name that is not one is refused).
    pub fn options(&self) -> anyhow::Result<DeviceOptions> {
        let secret = |flag, asked, file: &Option<PathBuf>, env, prompt| {
            SecretSource {
                flag,
                asked,
                file: file.as_deref(),
                env,
                prompt,
                confirm: false,
            }
            .read()
        };
        Ok(DeviceOptions {
            family: self.family.as_deref().map(parse_family).transpose()?,
            oath_access_code: secret(
                "--oath-password",
                self.oath_password,
                &self.oath_password_file,
                "TOKENSTATION_OATH_PASSWORD",
                "YubiKey OATH access code: ",
            )?,
            molto2_key_hex: secret(
                "--molto2-key",
                self.molto2_key,
                &self.molto2_key_file,
                "TOKENSTATION_MOLTO2_KEY",
                "Molto2 customer key (hex): ",
            )?,
            admin_pin: secret(
                "--admin-pin",
                self.admin_pin,
                &self.admin_pin_file,
                "TOKENSTATION_ADMIN_PIN",
                "Nitrokey admin PIN: ",
            )?,
            // no option: a secret new to the command line stays out of argv
            user_pin: std::env::var(USER_PIN_ENV).ok().map(Zeroizing::new),
            wait: self.wait(),
        })
    }

    /// How long to wait for the token.
    pub fn wait(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.wait.max(0.0))
    }
}
