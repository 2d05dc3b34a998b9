//! `check-layers [--edges] [ROOT]`: checks the package at ROOT (default `.`: the
//! directory with Cargo.toml and src/) against design.md §3. Prints one line per
//! violation, `path:line: <module> uses <target>: <rule> (design.md §3)`, and exits 1
//! when there is any; exits 2 when the source cannot be read or parsed. `--edges` also
//! lists every path from a module into another layer or an external crate.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut edges = false;
    let mut root = PathBuf::from(".");
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--edges" => edges = true,
            "-h" | "--help" => {
                println!("usage: check-layers [--edges] [ROOT]  (ROOT holds Cargo.toml and src/)");
                return ExitCode::SUCCESS;
            }
            _ if arg.starts_with('-') => {
                eprintln!("check-layers: unknown option {arg} (try --help)");
                return ExitCode::from(2);
            }
            _ => root = PathBuf::from(arg),
        }
    }
    let report = match check_layers::Source::load(&root).and_then(|s| check_layers::check(&s)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("check-layers: {e}");
            return ExitCode::from(2);
        }
    };
    for w in &report.warnings {
        eprintln!("check-layers: warning: {w}");
    }
    if edges {
        for e in &report.edges {
            println!("{e}");
        }
    }
    for v in &report.violations {
        println!("{v}");
    }
    if report.violations.is_empty() {
        println!("check-layers: ok ({} modules)", report.modules);
        ExitCode::SUCCESS
    } else {
        let n = report.violations.len();
        let s = if n == 1 { "" } else { "s" };
        println!(
            "check-layers: {n} violation{s} of design.md §3 in {} modules",
            report.modules
        );
        ExitCode::from(1)
    }
}
