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
use common::plant::{arrow, clean, lines, plant};

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
    let got = plant(
        "src/seeds/planted.rs",
        "use crate::{otp::Secret, store::{self, Conn}};\n",
    );
    assert_eq!(
        got,
        [arrow(
            "src/seeds/planted.rs:1",
            "seeds::planted",
            "crate::store"
        )]
    );
}

#[test]
fn nested_groups_reach_a_family_protocol() {
    let code = "use crate::{otp, devices::{Uid, ykoath::{protocol::{self, INS_PUT}}}};\n";
    let got = plant("src/station/planted.rs", code);
    let want = "crate::devices::ykoath::protocol";
    assert_eq!(
        got,
        [arrow("src/station/planted.rs:1", "station::planted", want)]
    );
}

#[test]
fn use_spread_over_lines() {
    let code = "use crate::{\n    model::Token,\n    station::{\n        Station,\n    },\n};\n";
    let got = plant("src/store/planted.rs", code);
    assert_eq!(
        got,
        [arrow(
            "src/store/planted.rs:4",
            "store::planted",
            "crate::station"
        )]
    );
}

#[test]
fn colon_prefixed_own_crate_from_main() {
    let mut src = clean();
    let main = src.files.get_mut("src/main.rs").unwrap();
    main.push_str("fn extra() {\n    ::tokenstation::store::open(\"x\");\n}\n");
    assert_eq!(
        lines(&src),
        [arrow("src/main.rs:6", "main", "tokenstation::store")]
    );
}

#[test]
fn transport_to_devices() {
    let got = plant("src/transport/planted.rs", "use crate::devices::Uid;\n");
    assert_eq!(
        got,
        [arrow(
            "src/transport/planted.rs:1",
            "transport::planted",
            "crate::devices"
        )]
    );
}

#[test]
fn vault_to_seeds_in_an_expression() {
    let code = "pub fn fresh() {\n    let _ = crate::seeds::generate::secret();\n}\n";
    let got = plant("src/vault/planted.rs", code);
    let want = arrow(
        "src/vault/planted.rs:2",
        "vault::planted",
        "crate::seeds::generate",
    );
    assert_eq!(got, [want]);
}

#[test]
fn station_to_a_transport_backend() {
    let code = "pub fn hold(_: &crate::transport::pcsc::PcscLink) {}\n";
    let got = plant("src/station/planted.rs", code);
    let want = arrow(
        "src/station/planted.rs:1",
        "station::planted",
        "crate::transport::pcsc",
    );
    assert_eq!(got, [want]);
}

#[test]
fn station_to_the_emulator() {
    let got = plant(
        "src/station/planted.rs",
        "use crate::emulator::ykoath::Applet;\n",
    );
    let want = arrow(
        "src/station/planted.rs:1",
        "station::planted",
        "crate::emulator::ykoath",
    );
    assert_eq!(got, [want]);
}

#[test]
fn station_to_a_family_protocol() {
    let code = "pub const PUT: u8 = crate::devices::ykoath::protocol::INS_PUT;\n";
    let got = plant("src/station/planted.rs", code);
    let want = "crate::devices::ykoath::protocol";
    assert_eq!(
        got,
        [arrow("src/station/planted.rs:1", "station::planted", want)]
    );
}

#[test]
fn a_reexport_does_not_hide_a_family_protocol() {
    let mut src = clean();
    src.files
        .get_mut("src/devices.rs")
        .unwrap()
        .push_str("pub use ykoath::protocol::INS_PUT;\n");
    src.files
        .get_mut("src/station.rs")
        .unwrap()
        .push_str("pub const PUT: u8 = crate::devices::INS_PUT;\n");
    let want = "crate::devices::ykoath::protocol";
    assert_eq!(lines(&src), [arrow("src/station.rs:24", "station", want)]);
}

#[test]
fn a_use_inside_a_function() {
    let code = "pub fn f() {\n    use crate::emulator::ykoath::Applet;\n    let _ = Applet;\n}\n";
    let got = plant("src/station/planted.rs", code);
    let want = arrow(
        "src/station/planted.rs:2",
        "station::planted",
        "crate::emulator::ykoath",
    );
    assert_eq!(got, [want]);
}

#[test]
fn emulator_to_a_driver() {
    let got = plant(
        "src/emulator/planted.rs",
        "use crate::devices::ykoath::driver::Ykoath;\n",
    );
    let want = "crate::devices::ykoath::driver";
    assert_eq!(
        got,
        [arrow(
            "src/emulator/planted.rs:1",
            "emulator::planted",
            want
        )]
    );
}

#[test]
fn a_face_to_the_store() {
    let got = plant(
        "src/cli/planted.rs",
        "use crate::store::Conn;\n\npub fn f(_: Conn) {}\n",
    );
    assert_eq!(
        got,
        [arrow(
            "src/cli/planted.rs:1",
            "cli::planted",
            "crate::store"
        )]
    );
}

#[test]
fn a_path_inside_a_format_macro() {
    let code =
        "pub fn f() -> String {\n    format!(\"{:?}\", crate::station::views::TokenRow)\n}\n";
    let got = plant("src/store/planted.rs", code);
    let want = arrow(
        "src/store/planted.rs:2",
        "store::planted",
        "crate::station::views",
    );
    assert_eq!(got, [want]);
}

#[test]
fn a_path_inside_a_macro_that_is_no_expression() {
    let code = "pub fn f() {\n    tracing::info!(target: \"x\", \"{:?}\", crate::store::open(\"x\").is_some());\n}\n";
    let got = plant("src/transport/planted.rs", code);
    assert_eq!(
        got,
        [arrow(
            "src/transport/planted.rs:2",
            "transport::planted",
            "crate::store"
        )]
    );
}

#[test]
fn dollar_crate_inside_macro_rules() {
    let code = "macro_rules! open {\n    () => {\n        $crate::station::now()\n    };\n}\n";
    let got = plant("src/devices/planted.rs", code);
    assert_eq!(
        got,
        [arrow(
            "src/devices/planted.rs:3",
            "devices::planted",
            "crate::station"
        )]
    );
}

#[test]
fn super_super_climbs_into_another_layer() {
    let got = plant(
        "src/otp/planted.rs",
        "use super::super::vault::seal::seal;\n",
    );
    assert_eq!(
        got,
        [arrow(
            "src/otp/planted.rs:1",
            "otp::planted",
            "crate::vault::seal"
        )]
    );
}

#[test]
fn a_glob_of_another_layer() {
    let got = plant("src/seeds/planted.rs", "use crate::store::*;\n");
    assert_eq!(
        got,
        [arrow(
            "src/seeds/planted.rs:1",
            "seeds::planted",
            "crate::store"
        )]
    );
}

#[test]
fn a_renamed_module_is_caught_once() {
    let code = "use crate::store as s;\n\npub fn f() {\n    let _ = s::open(\"x\");\n}\n";
    let got = plant("src/vault/planted.rs", code);
    assert_eq!(
        got,
        [arrow(
            "src/vault/planted.rs:1",
            "vault::planted",
            "crate::store"
        )]
    );
}

#[test]
fn a_serde_with_path_in_a_string() {
    let code = "#[derive(serde::Serialize)]\npub struct R {\n    \
                #[serde(with = \"crate::store::codec\")]\n    pub x: u8,\n}\n";
    let got = plant("src/model/planted.rs", code);
    assert_eq!(
        got,
        [arrow(
            "src/model/planted.rs:3",
            "model::planted",
            "crate::store"
        )]
    );
}

#[test]
fn inline_modules_and_path_attributes() {
    let code = "mod inner {\n    pub fn f() -> Option<crate::store::Conn> {\n        None\n    }\n}\n\n\
                #[path = \"planted_impl.rs\"]\nmod imp;\n";
    let mut src = clean();
    src.files
        .get_mut("src/transport.rs")
        .unwrap()
        .push_str("pub mod planted;\n");
    src.files
        .insert("src/transport/planted.rs".into(), code.into());
    src.files.insert(
        "src/transport/planted_impl.rs".into(),
        "use crate::devices::Uid;\n".into(),
    );
    let report = check(&src).unwrap();
    assert_eq!(report.warnings, Vec::<String>::new());
    let got: Vec<String> = report.violations.iter().map(ToString::to_string).collect();
    let want = [
        arrow(
            "src/transport/planted.rs:2",
            "transport::planted::inner",
            "crate::store",
        ),
        arrow(
            "src/transport/planted_impl.rs:1",
            "transport::planted::imp",
            "crate::devices",
        ),
    ];
    assert_eq!(got, want);
}

#[test]
fn a_mod_rs_module_file_is_followed_and_noted() {
    let mut src = clean();
    let otp = src.files.remove("src/otp.rs").unwrap();
    src.files
        .insert("src/otp/mod.rs".into(), otp + "use crate::store::Conn;\n");
    let report = check(&src).unwrap();
    let got: Vec<String> = report.violations.iter().map(ToString::to_string).collect();
    assert_eq!(got, [arrow("src/otp/mod.rs:15", "otp", "crate::store")]);
    let note = "src/otp/mod.rs: mod.rs module file (clippy::mod_module_files asks for src/otp.rs)";
    assert_eq!(report.warnings, [note]);
}

#[test]
fn a_file_no_mod_reaches_is_still_checked() {
    let mut src = clean();
    src.files.insert(
        "src/seeds/stray.rs".into(),
        "use crate::store::Conn;\n".into(),
    );
    let report = check(&src).unwrap();
    let got: Vec<String> = report.violations.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [arrow(
            "src/seeds/stray.rs:1",
            "seeds::stray",
            "crate::store"
        )]
    );
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
}

#[test]
fn a_module_outside_the_layer_table() {
    let got = plant("src/gadgets.rs", "pub fn f() {}\n");
    let rule = "gadgets is not a layer of design.md §3: give it its arrows in the layer table \
                (tools/check-layers/src/rules.rs)";
    assert_eq!(
        got,
        [format!(
            "src/lib.rs:14: crate uses crate::gadgets: {rule} (design.md §3)"
        )]
    );
}

#[test]
fn a_file_that_does_not_parse_is_an_error() {
    let mut src = clean();
    src.files
        .insert("src/otp/totp.rs".into(), "pub fn broken( {\n".into());
    let err = check(&src).unwrap_err().to_string();
    assert!(err.starts_with("src/otp/totp.rs:1:"), "{err}");
}

#[test]
fn a_glob_reexport_does_not_hide_a_family_protocol() {
    let mut src = clean();
    src.files
        .get_mut("src/devices.rs")
        .unwrap()
        .push_str("pub use ykoath::protocol::*;\n");
    src.files
        .get_mut("src/station.rs")
        .unwrap()
        .push_str("pub const PUT: u8 = crate::devices::INS_PUT;\n");
    let want = "crate::devices::ykoath::protocol";
    assert_eq!(lines(&src), [arrow("src/station.rs:24", "station", want)]);
}

#[test]
fn a_use_group_inside_macro_rules() {
    let code = "macro_rules! open {\n    () => {\n        use $crate::{otp::Secret, station::{\n            Station,\n        }};\n    };\n}\n";
    let got = plant("src/devices/planted.rs", code);
    assert_eq!(
        got,
        [arrow(
            "src/devices/planted.rs:4",
            "devices::planted",
            "crate::station"
        )]
    );
}
