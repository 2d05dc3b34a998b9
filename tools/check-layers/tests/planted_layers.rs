//! One planted violation of each layer-arrow kind (issue 10, design.md §3) put into the
//! clean miniature tree `tests/clean/`, in every form a path can take (grouped, nested and
//! multi-line `use`, `::`, `super::super`, globs, renames, re-exports, macros, `$crate`,
//! inline and `#[path]` modules), each caught exactly: file, line, module, target, rule.
//! The clean tree itself passes.

#![allow(clippy::unwrap_used)]

mod common {
    pub mod plant;
}

use check_layers::check;
use common::plant::{arrow, arrow_at, caught, clean, lines, with};

#[test]
fn the_clean_tree_passes_without_warnings() {
    let report = check(&clean()).unwrap();
    assert_eq!(report.violations, []);
    assert_eq!(report.warnings, Vec::<String>::new());
    // It does reach what the plants misuse, from where it is allowed.
    for edge in [
        "transport::pcsc -> pcsc",
        "emulator::pty -> serialport",
        "store -> rusqlite",
        "tui -> ratatui",
        "api -> axum",
        "api -> tokio",
        "cli::burn -> anyhow",
        "station -> crate::devices::capability",
        "emulator::ykoath -> crate::devices::ykoath::protocol",
        "devices::session -> crate::transport::pcsc",
        "seeds::generate -> getrandom",
        "main -> tokenstation::cli",
    ] {
        assert!(
            report.edges.contains(edge),
            "{edge} missing from {:#?}",
            report.edges
        );
    }
}

#[test]
fn grouped_use_crate() {
    let code = "use crate::{otp::Secret, store::{self, Conn}};\n";
    caught(
        "seeds::planted",
        code,
        &[arrow("seeds::planted", 1, "crate::store")],
    );
}

#[test]
fn nested_groups_reach_a_family_protocol() {
    let code = "use crate::{otp, devices::{Uid, ykoath::{protocol::{self, INS_PUT}}}};\n";
    let want = arrow("station::planted", 1, "crate::devices::ykoath::protocol");
    caught("station::planted", code, &[want]);
}

#[test]
fn use_spread_over_lines() {
    let code = "use crate::{\n    model::Token,\n    station::{\n        Station,\n    },\n};\n";
    caught(
        "store::planted",
        code,
        &[arrow("store::planted", 4, "crate::station")],
    );
}

#[test]
fn colon_prefixed_own_crate_from_main() {
    let src = with(&[(
        "src/main.rs",
        "fn extra() {\n    ::tokenstation::store::open(\"x\");\n}\n",
    )]);
    assert_eq!(
        lines(&src),
        [arrow_at("src/main.rs", 6, "main", "tokenstation::store")]
    );
}

#[test]
fn transport_to_devices() {
    let code = "use crate::devices::Uid;\n";
    caught(
        "transport::planted",
        code,
        &[arrow("transport::planted", 1, "crate::devices")],
    );
}

#[test]
fn vault_to_seeds_in_an_expression() {
    let code = "pub fn fresh() {\n    let _ = crate::seeds::generate::secret();\n}\n";
    let want = arrow("vault::planted", 2, "crate::seeds::generate");
    caught("vault::planted", code, &[want]);
}

#[test]
fn station_to_a_transport_backend() {
    let code = "pub fn hold(_: &crate::transport::pcsc::PcscLink) {}\n";
    let want = arrow("station::planted", 1, "crate::transport::pcsc");
    caught("station::planted", code, &[want]);
}

#[test]
fn station_to_the_emulator() {
    let code = "use crate::emulator::ykoath::Applet;\n";
    let want = arrow("station::planted", 1, "crate::emulator::ykoath");
    caught("station::planted", code, &[want]);
}

#[test]
fn station_to_a_family_protocol() {
    let code = "pub const PUT: u8 = crate::devices::ykoath::protocol::INS_PUT;\n";
    let want = arrow("station::planted", 1, "crate::devices::ykoath::protocol");
    caught("station::planted", code, &[want]);
}

#[test]
fn a_reexport_does_not_hide_a_family_protocol() {
    for reexport in [
        "pub use ykoath::protocol::INS_PUT;\n",
        "pub use ykoath::protocol::*;\n",
    ] {
        let src = with(&[
            ("src/devices.rs", reexport),
            (
                "src/station.rs",
                "pub const PUT: u8 = crate::devices::INS_PUT;\n",
            ),
        ]);
        let want = arrow("station", 24, "crate::devices::ykoath::protocol");
        assert_eq!(lines(&src), [want], "{reexport}");
    }
}

#[test]
fn a_use_inside_a_function() {
    let code = "pub fn f() {\n    use crate::emulator::ykoath::Applet;\n    let _ = Applet;\n}\n";
    let want = arrow("station::planted", 2, "crate::emulator::ykoath");
    caught("station::planted", code, &[want]);
}

#[test]
fn emulator_to_a_driver() {
    let code = "use crate::devices::ykoath::driver::Ykoath;\n";
    let want = arrow("emulator::planted", 1, "crate::devices::ykoath::driver");
    caught("emulator::planted", code, &[want]);
}

#[test]
fn a_face_to_the_store() {
    let code = "use crate::store::Conn;\n\npub fn f(_: Conn) {}\n";
    caught(
        "cli::planted",
        code,
        &[arrow("cli::planted", 1, "crate::store")],
    );
}

#[test]
fn a_path_inside_a_format_macro() {
    let code =
        "pub fn f() -> String {\n    format!(\"{:?}\", crate::station::views::TokenRow)\n}\n";
    let want = arrow("store::planted", 2, "crate::station::views");
    caught("store::planted", code, &[want]);
}

#[test]
fn a_path_inside_a_macro_that_is_no_expression() {
    let code = "pub fn f() {\n    \
                tracing::info!(target: \"x\", \"{:?}\", crate::store::open(\"x\").is_some());\n}\n";
    caught(
        "transport::planted",
        code,
        &[arrow("transport::planted", 2, "crate::store")],
    );
}

#[test]
fn dollar_crate_inside_macro_rules() {
    let code = "macro_rules! open {\n    () => {\n        $crate::station::now()\n    };\n}\n";
    caught(
        "devices::planted",
        code,
        &[arrow("devices::planted", 3, "crate::station")],
    );
}

#[test]
fn a_use_group_inside_macro_rules() {
    let code = "macro_rules! open {\n    () => {\n        use $crate::{otp::Secret, station::{\n            \
                Station,\n        }};\n    };\n}\n";
    caught(
        "devices::planted",
        code,
        &[arrow("devices::planted", 4, "crate::station")],
    );
}

#[test]
fn super_super_climbs_into_another_layer() {
    let code = "use super::super::vault::seal::seal;\n";
    caught(
        "otp::planted",
        code,
        &[arrow("otp::planted", 1, "crate::vault::seal")],
    );
}

#[test]
fn a_glob_of_another_layer() {
    let code = "use crate::store::*;\n";
    caught(
        "seeds::planted",
        code,
        &[arrow("seeds::planted", 1, "crate::store")],
    );
}

#[test]
fn a_renamed_module_is_caught_once() {
    let code = "use crate::store as s;\n\npub fn f() {\n    let _ = s::open(\"x\");\n}\n";
    caught(
        "vault::planted",
        code,
        &[arrow("vault::planted", 1, "crate::store")],
    );
}

#[test]
fn a_serde_with_path_in_a_string() {
    let code = "#[derive(serde::Serialize)]\npub struct R {\n    \
                #[serde(with = \"crate::store::codec\")]\n    pub x: u8,\n}\n";
    caught(
        "model::planted",
        code,
        &[arrow("model::planted", 3, "crate::store")],
    );
}

#[test]
fn inline_modules_and_path_attributes() {
    let code = "mod inner {\n    pub fn f() -> Option<crate::store::Conn> {\n        None\n    }\n}\n\n\
                #[path = \"planted_impl.rs\"]\nmod imp;\n";
    let src = with(&[
        ("src/transport.rs", "pub mod planted;\n"),
        ("src/transport/planted.rs", code),
        (
            "src/transport/planted_impl.rs",
            "use crate::devices::Uid;\n",
        ),
    ]);
    assert_eq!(check(&src).unwrap().warnings, Vec::<String>::new());
    let inner = "transport::planted::inner";
    let imp = "transport::planted::imp";
    let want = [
        arrow_at("src/transport/planted.rs", 2, inner, "crate::store"),
        arrow_at("src/transport/planted_impl.rs", 1, imp, "crate::devices"),
    ];
    assert_eq!(lines(&src), want);
}

#[test]
fn a_mod_rs_module_file_is_followed_and_noted() {
    let mut src = clean();
    let otp = src.files.remove("src/otp.rs").unwrap();
    src.files
        .insert("src/otp/mod.rs".into(), otp + "use crate::store::Conn;\n");
    assert_eq!(
        lines(&src),
        [arrow_at("src/otp/mod.rs", 15, "otp", "crate::store")]
    );
    let note = "src/otp/mod.rs: mod.rs module file (clippy::mod_module_files asks for src/otp.rs)";
    assert_eq!(check(&src).unwrap().warnings, [note]);
}

#[test]
fn a_file_no_mod_reaches_is_still_checked() {
    let src = with(&[("src/seeds/stray.rs", "use crate::store::Conn;\n")]);
    assert_eq!(lines(&src), [arrow("seeds::stray", 1, "crate::store")]);
    assert_eq!(check(&src).unwrap().warnings.len(), 1);
}

#[test]
fn a_module_outside_the_layer_table() {
    let rule = "gadgets is not a layer of design.md §3: give it its arrows in the layer table \
                (tools/check-layers/src/rules.rs)";
    let want = format!("src/lib.rs:14: crate uses crate::gadgets: {rule} (design.md §3)");
    caught("gadgets", "pub fn f() {}\n", &[want]);
}

#[test]
fn a_file_that_does_not_parse_is_an_error() {
    let mut src = clean();
    src.files
        .insert("src/otp/totp.rs".into(), "pub fn broken( {\n".into());
    let err = check(&src).unwrap_err().to_string();
    assert!(err.starts_with("src/otp/totp.rs:1:"), "{err}");
}
