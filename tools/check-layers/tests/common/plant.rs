//! The clean miniature tree `tests/clean/` and planting one violation into it; the
//! expected lines, worded by the rule tables.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::Path;

use check_layers::{Source, check, rules};

pub fn clean() -> Source {
    Source::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clean")).unwrap()
}

pub fn lines(src: &Source) -> Vec<String> {
    check(src)
        .unwrap()
        .violations
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The clean tree plus `code` as the new module file `file`, declared in its parent.
pub fn plant(file: &str, code: &str) -> Vec<String> {
    let mut src = clean();
    let (dir, stem) = file.strip_suffix(".rs").unwrap().rsplit_once('/').unwrap();
    let parent = if dir == "src" {
        "src/lib.rs".to_string()
    } else {
        format!("{dir}.rs")
    };
    src.files
        .get_mut(&parent)
        .unwrap()
        .push_str(&format!("pub mod {stem};\n"));
    src.files.insert(file.to_string(), code.to_string());
    lines(&src)
}

/// A broken arrow of the layer table, worded by the table.
pub fn arrow(at: &str, module: &str, target: &str) -> String {
    let layer = module.split("::").next().unwrap();
    let rule = rules::layer(layer).unwrap().rule;
    format!("{at}: {module} uses {target}: {rule} (design.md §3)")
}

/// A crate used outside its place, worded by the crate table.
pub fn confined(at: &str, module: &str, krate: &str) -> String {
    let c = rules::CONFINED
        .iter()
        .find(|c| c.crates.iter().any(|p| rules::crate_matches(p, krate)))
        .unwrap();
    format!("{at}: {module} uses {krate}: {} (design.md §3)", c.rule)
}

/// I/O or a clock in a pure layer.
pub fn impure(at: &str, module: &str, target: &str, what: &str) -> String {
    let layer = module.split("::").next().unwrap();
    format!("{at}: {module} uses {target}: {layer} is pure: no {what} (design.md §3)")
}
