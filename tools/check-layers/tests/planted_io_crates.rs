//! One planted violation of each purity and crate rule (issue 10, design.md §3): clock,
//! environment, filesystem and process access in the pure layers, and each confined crate
//! outside its place, as `use`, expression, type, `::`-prefixed, renamed, `extern crate`,
//! Cargo.toml-renamed and derive paths. Each is caught exactly.

#![allow(clippy::unwrap_used)]

mod common {
    pub mod plant;
}

use common::plant::{clean, confined, impure, lines, plant};

#[test]
fn clock_read_in_otp() {
    let code = "use std::time::SystemTime;\n\npub fn now() -> u64 {\n    \
                SystemTime::now()\n        .duration_since(SystemTime::UNIX_EPOCH)\n        \
                .map_or(0, |d| d.as_secs())\n}\n";
    let got = plant("src/otp/planted.rs", code);
    let want = impure(
        "src/otp/planted.rs:4",
        "otp::planted",
        "std::time::SystemTime::now",
        "clock read",
    );
    assert_eq!(got, [want]);
}

#[test]
fn clock_read_through_a_glob() {
    let code = "use std::time::*;\n\npub fn t() -> Instant {\n    Instant::now()\n}\n";
    let got = plant("src/otp/planted.rs", code);
    let want = impure(
        "src/otp/planted.rs:4",
        "otp::planted",
        "std::time::Instant::now",
        "clock read",
    );
    assert_eq!(got, [want]);
}

#[test]
fn chrono_clock_in_model() {
    let code = "use chrono::Utc;\n\npub fn today() -> String {\n    Utc::now().to_string()\n}\n";
    let got = plant("src/model/planted.rs", code);
    let want = impure(
        "src/model/planted.rs:4",
        "model::planted",
        "chrono::Utc::now",
        "clock read",
    );
    assert_eq!(got, [want]);
}

#[test]
fn elapsed_on_a_value_in_vault() {
    let code = "pub fn age(t: std::time::SystemTime) -> u64 {\n    \
                t.elapsed().map_or(0, |d| d.as_secs())\n}\n";
    let got = plant("src/vault/planted.rs", code);
    assert_eq!(
        got,
        [impure(
            "src/vault/planted.rs:2",
            "vault::planted",
            ".elapsed()",
            "clock read"
        )]
    );
}

#[test]
fn env_read_in_seeds() {
    let code = "pub fn key() -> Option<String> {\n    std::env::var(\"SEED_KEY\").ok()\n}\n";
    let got = plant("src/seeds/planted.rs", code);
    let want = impure(
        "src/seeds/planted.rs:2",
        "seeds::planted",
        "std::env::var",
        "environment access",
    );
    assert_eq!(got, [want]);
}

#[test]
fn fs_in_vault_is_caught_at_the_import() {
    let code =
        "use std::fs::File;\n\npub fn open(p: &str) -> bool {\n    File::open(p).is_ok()\n}\n";
    let got = plant("src/vault/planted.rs", code);
    let want = impure(
        "src/vault/planted.rs:1",
        "vault::planted",
        "std::fs::File",
        "filesystem access",
    );
    assert_eq!(got, [want]);
}

#[test]
fn println_in_otp() {
    let got = plant(
        "src/otp/planted.rs",
        "pub fn show(x: u32) {\n    println!(\"{x}\");\n}\n",
    );
    assert_eq!(
        got,
        [impure(
            "src/otp/planted.rs:2",
            "otp::planted",
            "std::println",
            "process I/O"
        )]
    );
}

#[test]
fn os_randomness_outside_its_two_places() {
    let code = "pub fn salt(b: &mut [u8]) {\n    let _ = getrandom::fill(b);\n}\n";
    let got = plant("src/seeds/planted.rs", code);
    let what = "OS randomness outside seeds::generate and vault's random_fill";
    assert_eq!(
        got,
        [impure(
            "src/seeds/planted.rs:2",
            "seeds::planted",
            "getrandom::fill",
            what
        )]
    );
}

#[test]
fn colon_prefixed_crate_path() {
    let code = "pub fn ctx() {\n    let _ = ::pcsc::Context::establish(::pcsc::Scope::User);\n}\n";
    let got = plant("src/devices/planted.rs", code);
    assert_eq!(
        got,
        [confined(
            "src/devices/planted.rs:2",
            "devices::planted",
            "pcsc"
        )]
    );
}

#[test]
fn ratatui_outside_tui() {
    let got = plant(
        "src/cli/planted.rs",
        "pub fn draw(_: &mut ratatui::Frame<'_>) {}\n",
    );
    assert_eq!(
        got,
        [confined("src/cli/planted.rs:1", "cli::planted", "ratatui")]
    );
}

#[test]
fn axum_outside_api() {
    let code = "pub fn router() -> axum::Router {\n    axum::Router::new()\n}\n";
    let got = plant("src/station/planted.rs", code);
    let want = [
        confined("src/station/planted.rs:1", "station::planted", "axum"),
        confined("src/station/planted.rs:2", "station::planted", "axum"),
    ];
    assert_eq!(got, want);
}

#[test]
fn a_derive_from_an_api_crate_outside_api() {
    let code = "#[derive(Debug, utoipa::ToSchema)]\npub struct Row;\n";
    let got = plant("src/station/planted.rs", code);
    assert_eq!(
        got,
        [confined(
            "src/station/planted.rs:1",
            "station::planted",
            "utoipa"
        )]
    );
}

#[test]
fn rusqlite_outside_store_renamed() {
    let code = "use rusqlite::Connection as Db;\n\npub fn open() -> Option<Db> {\n    \
                Db::open_in_memory().ok()\n}\n";
    let got = plant("src/cli/planted.rs", code);
    assert_eq!(
        got,
        [confined("src/cli/planted.rs:1", "cli::planted", "rusqlite")]
    );
}

#[test]
fn pcsc_outside_its_file_as_a_renamed_crate() {
    let code = "use pcsc as card;\n\npub fn ctx() {\n    \
                let _ = card::Context::establish(card::Scope::User);\n}\n";
    let got = plant("src/transport/planted.rs", code);
    assert_eq!(
        got,
        [confined(
            "src/transport/planted.rs:1",
            "transport::planted",
            "pcsc"
        )]
    );
}

#[test]
fn a_crate_renamed_in_cargo_toml() {
    let mut src = clean();
    src.deps.insert("card".into(), "pcsc".into());
    src.files
        .get_mut("src/devices.rs")
        .unwrap()
        .push_str("pub fn f() {\n    card::Context::establish();\n}\n");
    assert_eq!(
        lines(&src),
        [confined("src/devices.rs:13", "devices", "pcsc")]
    );
}

#[test]
fn extern_crate_with_a_rename() {
    let code = "extern crate rusqlite as db;\n\npub fn f(_: &db::Connection) {}\n";
    let got = plant("src/station/planted.rs", code);
    assert_eq!(
        got,
        [confined(
            "src/station/planted.rs:1",
            "station::planted",
            "rusqlite"
        )]
    );
}

#[test]
fn anyhow_in_station() {
    let got = plant(
        "src/station/planted.rs",
        "pub fn f() -> anyhow::Result<()> {\n    Ok(())\n}\n",
    );
    assert_eq!(
        got,
        [confined(
            "src/station/planted.rs:1",
            "station::planted",
            "anyhow"
        )]
    );
}
