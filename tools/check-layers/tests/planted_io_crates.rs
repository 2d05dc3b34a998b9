//! One planted violation of each purity and crate rule (issue 10, design.md §3): clock,
//! environment, filesystem and process access in the pure layers, and each confined crate
//! outside its place, as `use`, expression, type, `::`-prefixed, renamed, `extern crate`,
//! Cargo.toml-renamed and derive paths. Each is caught exactly: file, line, module,
//! target, rule.

#![allow(clippy::unwrap_used)]

mod common {
    pub mod plant;
}

use common::plant::{caught, clean, confined, impure, lines};

#[test]
fn clock_read_in_otp() {
    let code = "use std::time::SystemTime;\n\npub fn now() -> u64 {\n    SystemTime::now()\n        \
                .duration_since(SystemTime::UNIX_EPOCH)\n        .map_or(0, |d| d.as_secs())\n}\n";
    let want = impure(
        "otp::planted",
        4,
        "std::time::SystemTime::now",
        "clock read",
    );
    caught("otp::planted", code, &[want]);
}

#[test]
fn clock_read_through_a_glob() {
    let code = "use std::time::*;\n\npub fn t() -> Instant {\n    Instant::now()\n}\n";
    let want = impure("otp::planted", 4, "std::time::Instant::now", "clock read");
    caught("otp::planted", code, &[want]);
}

#[test]
fn chrono_clock_in_model() {
    let code = "use chrono::Utc;\n\npub fn today() -> String {\n    Utc::now().to_string()\n}\n";
    let want = impure("model::planted", 4, "chrono::Utc::now", "clock read");
    caught("model::planted", code, &[want]);
}

#[test]
fn elapsed_on_a_value_in_vault() {
    let code = "pub fn age(t: std::time::SystemTime) -> u64 {\n    \
                t.elapsed().map_or(0, |d| d.as_secs())\n}\n";
    let want = impure("vault::planted", 2, ".elapsed()", "clock read");
    caught("vault::planted", code, &[want]);
}

#[test]
fn env_read_in_seeds() {
    let code = "pub fn key() -> Option<String> {\n    std::env::var(\"SEED_KEY\").ok()\n}\n";
    let want = impure("seeds::planted", 2, "std::env::var", "environment access");
    caught("seeds::planted", code, &[want]);
}

#[test]
fn fs_in_vault_is_caught_at_the_import() {
    let code =
        "use std::fs::File;\n\npub fn open(p: &str) -> bool {\n    File::open(p).is_ok()\n}\n";
    let want = impure("vault::planted", 1, "std::fs::File", "filesystem access");
    caught("vault::planted", code, &[want]);
}

#[test]
fn println_in_otp() {
    let code = "pub fn show(x: u32) {\n    println!(\"{x}\");\n}\n";
    let want = impure("otp::planted", 2, "std::println", "process I/O");
    caught("otp::planted", code, &[want]);
}

#[test]
fn os_randomness_outside_its_two_places() {
    let code = "pub fn salt(b: &mut [u8]) {\n    let _ = getrandom::fill(b);\n}\n";
    let what = "OS randomness outside seeds::generate and vault's random_fill";
    caught(
        "seeds::planted",
        code,
        &[impure("seeds::planted", 2, "getrandom::fill", what)],
    );
}

#[test]
fn colon_prefixed_crate_path() {
    let code = "pub fn ctx() {\n    let _ = ::pcsc::Context::establish(::pcsc::Scope::User);\n}\n";
    caught(
        "devices::planted",
        code,
        &[confined("devices::planted", 2, "pcsc")],
    );
}

#[test]
fn pcsc_outside_its_file_as_a_renamed_crate() {
    let code = "use pcsc as card;\n\npub fn ctx() {\n    \
                let _ = card::Context::establish(card::Scope::User);\n}\n";
    caught(
        "transport::planted",
        code,
        &[confined("transport::planted", 1, "pcsc")],
    );
}

#[test]
fn a_crate_renamed_in_cargo_toml() {
    let mut src = clean();
    src.deps.insert("card".into(), "pcsc".into());
    let code = "pub fn f() {\n    card::Context::establish();\n}\n";
    src.files.get_mut("src/devices.rs").unwrap().push_str(code);
    assert_eq!(lines(&src), [confined("devices", 13, "pcsc")]);
}

#[test]
fn extern_crate_with_a_rename() {
    let code = "extern crate rusqlite as db;\n\npub fn f(_: &db::Connection) {}\n";
    caught(
        "station::planted",
        code,
        &[confined("station::planted", 1, "rusqlite")],
    );
}

#[test]
fn rusqlite_outside_store_renamed() {
    let code = "use rusqlite::Connection as Db;\n\npub fn open() -> Option<Db> {\n    \
                Db::open_in_memory().ok()\n}\n";
    caught(
        "cli::planted",
        code,
        &[confined("cli::planted", 1, "rusqlite")],
    );
}

#[test]
fn ratatui_outside_tui() {
    let code = "pub fn draw(_: &mut ratatui::Frame<'_>) {}\n";
    caught(
        "cli::planted",
        code,
        &[confined("cli::planted", 1, "ratatui")],
    );
}

#[test]
fn a_ratatui_widget_crate_outside_tui() {
    let code =
        "use tui_big_text::BigText;\n\npub fn big() -> Option<BigText<'static>> {\n    None\n}\n";
    caught(
        "station::planted",
        code,
        &[confined("station::planted", 1, "tui_big_text")],
    );
}

#[test]
fn axum_outside_api() {
    let code = "pub fn router() -> axum::Router {\n    axum::Router::new()\n}\n";
    let want = [1, 2].map(|line| confined("station::planted", line, "axum"));
    caught("station::planted", code, &want);
}

#[test]
fn a_derive_from_an_api_crate_outside_api() {
    let code = "#[derive(Debug, utoipa::ToSchema)]\npub struct Row;\n";
    caught(
        "station::planted",
        code,
        &[confined("station::planted", 1, "utoipa")],
    );
}

#[test]
fn anyhow_in_station() {
    let code = "pub fn f() -> anyhow::Result<()> {\n    Ok(())\n}\n";
    caught(
        "station::planted",
        code,
        &[confined("station::planted", 1, "anyhow")],
    );
}

#[test]
fn colon_prefixed_crates_inside_macro_rules() {
    let code = "macro_rules! ctx {\n    () => {\n        use ::hidapi::HidApi;\n        \
                fn f() -> ::pcsc::Context {\n            loop {}\n        }\n    };\n}\n";
    let want = [
        confined("devices::planted", 3, "hidapi"),
        confined("devices::planted", 4, "pcsc"),
    ];
    caught("devices::planted", code, &want);
}
