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
    store_in(&format!("bench-store-{n}"), n)
}

/// The same store in its own directory under target/ (for benches that change it).
pub fn store_in(name: &str, n: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
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
            family: tokenstation::model::Family::Generic,
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

/// Keys in the large PSKC fixture.
pub const PSKC_KEYS: usize = 100_000;
/// Its pre-shared AES-128 key.
pub const PSKC_PSK: [u8; 16] = *b"0123456789abcdef";

/// A PSKC file of `PSKC_KEYS` TOTP keys (Token2 C302-i), AES-128-CBC under
/// `PSKC_PSK` with HMAC-SHA1 ValueMACs; a fixed xorshift stream stands in for the RNG so
/// the file is the same every run.
pub fn pskc_100k() -> zeroize::Zeroizing<String> {
    use tokenstation::seeds::{Protection, SeedRecord, write_pskc};
    let records: Vec<SeedRecord> = (0..PSKC_KEYS)
        .map(|i| {
            let mut seed = [0u8; 20];
            seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let mut r = SeedRecord::new(Secret::from_slice(&seed));
            r.serial = Some(format!("{:08}", 60_000_000 + i));
            r.manufacturer = Some("Token2".into());
            r.model = Some("C302-i".into());
            r
        })
        .collect();
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut rng = |buf: &mut [u8]| {
        for b in buf {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *b = s as u8;
        }
    };
    write_pskc(
        &records,
        &Protection::PreSharedKey {
            key: &PSKC_PSK,
            key_name: "bench",
        },
        &mut rng,
    )
    .unwrap()
}
