//! The options that name a token's reader and open the token, shared by `burn` and
//! `device`: the reader spec and the [`DeviceArgs`].

use super::device_args::DeviceArgs;
use crate::devices::presence::ReaderSpec;
use crate::station::StationError;
use crate::station::burn_job::DeviceOptions;

/// Where the token is and how to open it.
#[derive(Debug, clap::Args)]
pub struct ReaderArgs {
    /// The reader: a PC/SC reader name (`pcsc:NAME` or just NAME), `pn532:/dev/PATH`
    /// (Token2 NFC tokens on a PN532) or `hid:/dev/hidrawN` (Nitrokey Pro / Storage /
    /// Librem Key).
    #[arg(long)]
    pub reader: String,
    /// How to open the token.
    #[command(flatten)]
    pub device: DeviceArgs,
}

impl ReaderArgs {
    /// The reader spec.
    pub fn spec(&self) -> anyhow::Result<ReaderSpec> {
        Ok(self.reader.parse().map_err(StationError::from)?)
    }

    /// How the station opens the token.
    pub fn device_options(&self) -> anyhow::Result<DeviceOptions> {
        self.device.options()
    }

    /// How long to wait for the token.
    pub fn wait(&self) -> std::time::Duration {
        self.device.wait()
    }
}
