//! `demo`: a short scripted walk through the station on a temporary store, so a new
//! user sees the main job work end to end before touching hardware.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::time::now;
use crate::model::{Family, Product};
use crate::otp::OtpParams;
use crate::station::seed_input::SeedInput;
use crate::station::{KeySource, Station, default_key_file};

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo store in this directory instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

/// Runs the demo.
pub fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let tmp;
    let dir = match a.keep {
        Some(d) => d,
        None => {
            tmp = std::env::temp_dir().join(format!("tokenstation-demo-{}", std::process::id()));
            tmp
        }
    };
    let db = dir.join("station.db");
    let t = now();
    outln!("== tokenstation demo (store {})", db.display())?;
    let mut st = Station::init(&db, &KeySource::File(default_key_file(&db)), t)?;
    outln!(
        "1. init: store and master key created (key file {}.key, mode 0600)",
        db.display()
    )?;
    let p = st.product_add(
        &Product {
            id: 0,
            name: "Demo TOTP".into(),
            vendor: Some("Token2".into()),
            model: Some("C302-i".into()),
            family: Family::Generic,
            params: OtpParams::default(),
            programmable: false,
            drift_per_year: None,
            skew: 1,
        },
        t,
    )?;
    outln!(
        "2. product '{}': totp sha1 6 digits 30 s, window ±1 step",
        p.name
    )?;
    st.location_add("Lobby", "UTC", t)?;
    st.holder_add("badge-0001", Some("Alice"), t)?;
    st.token_add("DEMO-0001", &p.name, SeedInput::Generate, t)?;
    st.token_assign_location("DEMO-0001", None, Some("Lobby"), t)?;
    st.token_assign_holder("DEMO-0001", None, "badge-0001", t)?;
    outln!(
        "3. token DEMO-0001: fresh 20-byte seed, sealed with XChaCha20-Poly1305; assigned to Alice at Lobby"
    )?;
    let code = st.token_code("DEMO-0001", None, t)?;
    outln!("4. the token shows {} now", code.code)?;
    let v = st.token_activate("DEMO-0001", None, &code.code, t)?;
    outln!("5. activate with that code: {}", v.status.as_str())?;
    let later = t + 95;
    let code = st.token_code("DEMO-0001", None, later + 30)?;
    let v = st.verify("DEMO-0001", &code.code, Some("Lobby"), later, true)?;
    outln!(
        "6. 95 s later the token's clock runs one step fast: {} (offset {:+}, drift learned {:+})",
        v.status.as_str(),
        v.offset.unwrap_or(0),
        v.drift_steps.unwrap_or(0)
    )?;
    let v = st.verify("DEMO-0001", &code.code, Some("Lobby"), later + 1, true)?;
    outln!("7. the same code again: {}", v.status.as_str())?;
    let v = st.verify("DEMO-0001", "000000", Some("Lobby"), later + 2, true)?;
    outln!("8. a wrong code: {}", v.status.as_str())?;
    let audit = st.audit(&Default::default())?;
    outln!(
        "9. audit log: {} entries, e.g. {} by {}",
        audit.len(),
        audit[audit.len() - 1].action,
        audit[0].actor
    )?;
    outln!(
        "== done. Try: tokenstation --db {} token list",
        db.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
