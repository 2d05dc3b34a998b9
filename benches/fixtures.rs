//! Shared bench fixture: a store of N TOTP tokens, built once under target/ and reused.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::mod_module_files
)]

use std::path::{Path, PathBuf};

use tokenstation::model::Product;
use tokenstation::otp::{OtpParams, Secret};
use tokenstation::station::tokens::{NewSeed, SeedInput};
use tokenstation::station::{KeySource, Station, default_key_file};

/// The deterministic seed of token `i` (so benches can compute its codes).
pub fn seed(i: u64) -> Secret {
    let mut b = [0u8; 20];
    b[..8].copy_from_slice(&i.to_be_bytes());
    b[8..16].copy_from_slice(&(i ^ 0x5a5a_5a5a).to_le_bytes());
    Secret::from_slice(&b)
}

/// Serial of token `i`.
pub fn serial(i: u64) -> String {
    format!("TS{i:08}")
}

/// A store with `n` active-able tokens of product "Bench" (assigned to all locations).
pub fn store(n: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-store-{n}"));
    let db = dir.join("station.db");
    if db.exists() {
        return db;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut st = Station::init(&db, &KeySource::File(default_key_file(&db)), 0).unwrap();
    st.product_add(
        &Product {
            id: 0,
            name: "Bench".into(),
            vendor: None,
            model: None,
            family: "generic".into(),
            params: OtpParams::default(),
            programmable: false,
            drift_per_year: None,
            skew: 1,
        },
        0,
    )
    .unwrap();
    st.location_add("Hall", "UTC", 0).unwrap();
    let items: Vec<NewSeed> = (0..n)
        .map(|i| NewSeed {
            serial: serial(i),
            seed: SeedInput::Secret(seed(i)),
            drift_steps: 0,
        })
        .collect();
    st.token_add_batch("Bench", items, 0).unwrap();
    db
}
