//! The `check-layers` binary on disk trees: exit codes and output lines, and the real
//! tokenstation tree parses with every file reached by its module tree.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn clean_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clean")
}

fn run(root: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_check-layers"))
        .arg(root)
        .output()
        .unwrap()
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn clean_tree_exits_0() {
    let out = run(&clean_dir());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "check-layers: ok (37 modules)\n"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_violation_exits_1_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    copy(&clean_dir(), dir.path());
    let tr = dir.path().join("src/transport.rs");
    let text = std::fs::read_to_string(&tr).unwrap() + "pub fn f(_: crate::devices::Uid) {}\n";
    std::fs::write(&tr, text).unwrap();
    let out = run(dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let want = "src/transport.rs:21: transport uses crate::devices: transport uses no other \
                module: links know nothing of devices (design.md §3)\n\
                check-layers: 1 violation of design.md §3 in 37 modules\n";
    assert_eq!(stdout, want);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_file_that_does_not_parse_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    copy(&clean_dir(), dir.path());
    std::fs::write(dir.path().join("src/otp.rs"), "pub mod totp;\nfn (\n").unwrap();
    let out = run(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("check-layers: src/otp.rs:2:"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_real_tree_parses_and_every_file_is_a_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let source = check_layers::Source::load(&root).unwrap();
    assert!(
        source
            .files
            .contains_key("src/devices/ykoath/protocol_tests.rs")
    );
    let report = check_layers::check(&source).unwrap();
    assert_eq!(report.warnings, Vec::<String>::new());
    assert_eq!(report.modules, source.files.len() + inline_modules(&source));
}

/// Inline `mod x {` blocks (each a module without a file of its own).
fn inline_modules(source: &check_layers::Source) -> usize {
    source
        .files
        .values()
        .flat_map(|t| t.lines())
        .filter(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            l.starts_with("mod ") && l.ends_with('{')
        })
        .count()
}
