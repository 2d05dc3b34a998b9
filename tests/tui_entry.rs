//! How the terminal UI is reached when there is no terminal (assert_cmd pipes every
//! stream): `tokenstation` alone prints the help as before, `tokenstation tui` says it
//! needs a terminal, and `demo` runs the scripted walk.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;

fn ts(dir: &tempfile::TempDir) -> Command {
    let mut c = Command::cargo_bin("tokenstation").unwrap();
    c.env("HOME", dir.path()).env_remove("TOKENSTATION_DB");
    c
}

#[test]
fn alone_without_a_terminal_prints_the_help() {
    let dir = tempfile::tempdir().unwrap();
    ts(&dir)
        .assert()
        .failure()
        .stderr(predicate::str::contains("Usage: tokenstation"));
}

#[test]
fn tui_without_a_terminal_says_it_needs_one() {
    let dir = tempfile::tempdir().unwrap();
    ts(&dir)
        .arg("tui")
        .assert()
        .failure()
        .stderr(predicate::str::contains("the terminal UI needs a terminal"));
}

#[test]
fn demo_without_a_terminal_runs_the_scripted_walk() {
    let dir = tempfile::tempdir().unwrap();
    ts(&dir)
        .args(["demo", "--keep"])
        .arg(dir.path().join("kept"))
        .assert()
        .success()
        .stdout(predicate::str::contains("== tokenstation demo"))
        .stdout(predicate::str::contains("9. audit log"));
}
