//! `tokenstation burn --reader hid:/dev/hidrawN`: Nitrokey Pro / Storage / Librem Key.

use crate::station::Station;
use crate::station::provision::{BurnOutcome, BurnRequest};

use super::burn::BurnArgs;

/// Burns the Nitrokey on hidraw node `path`.
pub fn burn_hid(
    _st: &mut Station,
    _args: &BurnArgs,
    path: &str,
    _request: BurnRequest<'_>,
    _prompt: &mut dyn FnMut(&str) -> Option<String>,
) -> anyhow::Result<BurnOutcome> {
    Err(crate::transport::LinkError::Unsupported {
        reader: path.to_string(),
        what: "burning over HID (not yet)".into(),
    }
    .into())
}
