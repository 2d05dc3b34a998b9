//! The options that open a token, shared by `burn`, `device` and `drift fix`: the
//! family, the device secrets (from the environment, or asked; the Nitrokey user PIN
//! only from `TOKENSTATION_USER_PIN` or asked, never in argv) and how long to wait for
//! the token. [`super::reader_args::ReaderArgs`] adds the reader for the commands that
//! always need one.

use zeroize::Zeroizing;

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
    /// OATH access code of a locked YubiKey (prefer TOKENSTATION_OATH_PASSWORD).
    #[arg(long, env = "TOKENSTATION_OATH_PASSWORD", hide_env_values = true)]
    pub oath_password: Option<String>,
    /// Molto2 customer key in hex (prefer TOKENSTATION_MOLTO2_KEY) [default: the factory key].
    #[arg(long, env = "TOKENSTATION_MOLTO2_KEY", hide_env_values = true)]
    pub molto2_key: Option<String>,
    /// Nitrokey admin PIN (prefer TOKENSTATION_ADMIN_PIN; asked when needed).
    #[arg(long, env = "TOKENSTATION_ADMIN_PIN", hide_env_values = true)]
    pub admin_pin: Option<String>,
    /// Seconds to wait for a token in the reader.
    #[arg(long, default_value_t = 30.0)]
    pub wait: f64,
}

impl DeviceArgs {
    /// The station's device options (a family name that is not one is refused).
    pub fn options(&self) -> anyhow::Result<DeviceOptions> {
        let secret = |s: &Option<String>| s.clone().map(Zeroizing::new);
        Ok(DeviceOptions {
            family: self.family.as_deref().map(parse_family).transpose()?,
            oath_access_code: secret(&self.oath_password),
            molto2_key_hex: secret(&self.molto2_key),
            admin_pin: secret(&self.admin_pin),
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
