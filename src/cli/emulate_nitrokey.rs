//! `tokenstation emulate --nitrokey`: the kernel here offers no virtual HID device, so
//! the emulated Nitrokey Pro cannot appear as a `/dev/hidraw*` node for another
//! process. Instead this runs a demo burn in-process: a temporary store, the emulated
//! device behind an in-process `HidLink`, the real driver and the real burn workflow.

use std::process::ExitCode;

use crate::devices::nitrokey::{Nitrokey, NitrokeyToken, Timing};
use crate::emulator::link::InProcess;
use crate::emulator::nitrokey::NitrokeyPro;
use crate::model::{Family, Product};
use crate::otp::{Kind, OtpParams};
use crate::station::jobs::{Answer, AskWith};
use crate::station::provision::{BurnOptions, BurnRequest, BurnSeed, Proof};
use crate::station::seed_input::SeedInput;
use crate::station::{KeySource, Station, default_key_file};

/// Runs the in-process Nitrokey Pro demo burn.
pub fn demo_burn() -> anyhow::Result<ExitCode> {
    outln!(
        "Nitrokey Pro: the kernel offers no virtual HID device, so the emulated token cannot \
         appear as /dev/hidraw*.\nRunning an in-process demo burn instead (temporary store, \
         emulated device, real driver and burn workflow):"
    )?;
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("demo.db");
    let now = super::time::now;
    let mut st = Station::init(&db, &KeySource::File(default_key_file(&db)), now())?;
    st.product_add(
        &Product {
            id: 0,
            name: "Nitrokey Pro TOTP".into(),
            vendor: Some("Nitrokey".into()),
            model: Some("Nitrokey Pro".into()),
            family: Family::Nitrokey,
            params: OtpParams {
                kind: Kind::Totp,
                ..OtpParams::default()
            },
            programmable: true,
            drift_per_year: None,
            skew: 1,
        },
        now(),
    )?;
    let mut device = NitrokeyPro::new();
    device.set_drift_ppm(20.0);
    let link = InProcess::hid("/dev/hidraw-virtual (20a0:4108)", device);
    let nk = Nitrokey::new(link)
        .with_timing(Timing::IMMEDIATE)
        .with_admin_pin("12345678");
    let mut token = NitrokeyToken::new(nk);
    let mut clock = token.clone();
    outln!("  device clock before the burn: 0 (a Nitrokey starts at 0 on every power-up)")?;
    let out = st.burn(
        &mut token,
        Some(&mut clock),
        BurnRequest {
            product: Some("Nitrokey Pro TOTP".into()),
            serial: None,
            seed: BurnSeed::New(SeedInput::Generate),
            options: BurnOptions {
                slot: Some(0),
                proof: Proof::Auto,
                ..BurnOptions::default()
            },
            reader: "/dev/hidraw-virtual (20a0:4108)".into(),
            now: &now,
        },
        &mut AskWith(|_| Answer::Unavailable),
    )?;
    outln!(
        "  burned TOTP slot {} as \"{}\" on device {} (firmware {}), clock set, proven by {} code",
        out.slot,
        out.name,
        out.serial,
        out.firmware.as_deref().unwrap_or("?"),
        out.proof
    )?;
    let code = st.token_code(&out.serial, None, now())?;
    outln!(
        "  the station now knows token {} (active): code {} for the next {} s",
        out.serial,
        code.code,
        code.valid_for.unwrap_or(0)
    )?;
    outln!("demo done (the temporary store is removed)")?;
    Ok(ExitCode::SUCCESS)
}
