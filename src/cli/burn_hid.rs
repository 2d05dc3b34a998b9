//! `tokenstation burn --reader hid:/dev/hidrawN`: Nitrokey Pro / Storage / Librem Key
//! through hidapi. The admin PIN comes from `--admin-pin` / TOKENSTATION_ADMIN_PIN or
//! is asked on the terminal; the device clock is set as part of the burn.

use zeroize::Zeroizing;

use super::burn::BurnArgs;
use crate::station::provision::{BurnOutcome, BurnRequest};
use crate::station::{Station, StationError};

fn admin_pin(args: &BurnArgs) -> anyhow::Result<Zeroizing<String>> {
    if let Some(p) = &args.admin_pin {
        return Ok(Zeroizing::new(p.clone()));
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(StationError::Input(
            "the Nitrokey needs its admin PIN: set TOKENSTATION_ADMIN_PIN (no terminal to ask on)"
                .into(),
        )
        .into());
    }
    Ok(Zeroizing::new(rpassword::prompt_password(
        "Nitrokey admin PIN: ",
    )?))
}

/// Burns the Nitrokey on hidraw node `path`.
#[cfg(feature = "hidapi")]
pub fn burn_hid(
    st: &mut Station,
    args: &BurnArgs,
    path: &str,
    request: BurnRequest<'_>,
    prompt: &mut dyn FnMut(&str) -> Option<String>,
) -> anyhow::Result<BurnOutcome> {
    use crate::devices::nitrokey::{Nitrokey, NitrokeyToken};
    use crate::transport::hid::HidapiLink;
    if let Some(f) = args.family.as_deref().filter(|f| *f != "nitrokey") {
        return Err(StationError::Input(format!(
            "--family {f} cannot be reached over hid: (only nitrokey)"
        ))
        .into());
    }
    let pin = admin_pin(args)?;
    let link = HidapiLink::open(path)?;
    let mut token = NitrokeyToken::new(Nitrokey::new(link).with_admin_pin(&pin));
    let mut clock = token.clone();
    Ok(st.burn(&mut token, Some(&mut clock), request, prompt)?)
}

/// Burns the Nitrokey on hidraw node `path` (built without hidapi: refused).
#[cfg(not(feature = "hidapi"))]
pub fn burn_hid(
    _st: &mut Station,
    args: &BurnArgs,
    path: &str,
    _request: BurnRequest<'_>,
    _prompt: &mut dyn FnMut(&str) -> Option<String>,
) -> anyhow::Result<BurnOutcome> {
    let _ = admin_pin;
    let _ = args;
    Err(crate::transport::LinkError::Unsupported {
        reader: path.to_string(),
        what: "HID (built without the `hidapi` feature)".into(),
    }
    .into())
}
