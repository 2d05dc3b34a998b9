//! `burn`.
use anyhow::Context;

use crate::emulator::ykoath::Applet;
use crate::station::{Station, provision, views::TokenRow};

/// Burns one token.
pub fn burn() -> anyhow::Result<()> {
    let _ = (Applet, provision::burn::<>);
    let station: Option<Station> = None;
    station.context("no station")?;
    println!("{:?} {}", TokenRow, crate::otp::totp::at(&crate::otp::Secret(vec![]), 0));
    Ok(())
}
