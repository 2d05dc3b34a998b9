//! The clean miniature tree `tests/clean/`, planting violations into it, and the lines
//! the check must print for them, worded by the rule tables.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::Path;

use check_layers::{Source, check, rules};

/// The clean tree.
pub fn clean() -> Source {
    Source::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clean")).unwrap()
}

/// The clean tree with `text` appended to each named file (a new file when absent).
pub fn with(edits: &[(&str, &str)]) -> Source {
    let mut src = clean();
    for (file, text) in edits {
        src.files
            .entry(file.to_string())
            .or_default()
            .push_str(text);
    }
    src
}

/// What the check prints for `src`.
pub fn lines(src: &Source) -> Vec<String> {
    let report = check(src).unwrap();
    report.violations.iter().map(ToString::to_string).collect()
}

/// `src/a/b.rs` for the module `a::b`.
fn file_of(module: &str) -> String {
    format!("src/{}.rs", module.replace("::", "/"))
}

/// Plants `code` as the new module `module` (declared in its parent) and asserts that
/// the check prints exactly `want`.
pub fn caught(module: &str, code: &str, want: &[String]) {
    let (parent, name) = module.rsplit_once("::").unwrap_or(("", module));
    let parent = if parent.is_empty() {
        "src/lib.rs".into()
    } else {
        file_of(parent)
    };
    let decl = format!("pub mod {name};\n");
    let src = with(&[(&parent, &decl), (&file_of(module), code)]);
    assert_eq!(lines(&src), want);
}

/// A broken arrow of the layer table at `line` of `module`'s own file.
pub fn arrow(module: &str, line: usize, target: &str) -> String {
    arrow_at(&file_of(module), line, module, target)
}

/// A broken arrow of the layer table at `file:line`, in `module`.
pub fn arrow_at(file: &str, line: usize, module: &str, target: &str) -> String {
    let layer = module.split("::").next().unwrap();
    let rule = rules::layer(layer).unwrap().rule;
    format!("{file}:{line}: {module} uses {target}: {rule} (design.md §3)")
}

/// A crate used outside its place, at `line` of `module`'s own file.
pub fn confined(module: &str, line: usize, krate: &str) -> String {
    let c = rules::CONFINED
        .iter()
        .find(|c| c.crates.iter().any(|p| rules::crate_matches(p, krate)))
        .unwrap();
    let file = file_of(module);
    format!(
        "{file}:{line}: {module} uses {krate}: {} (design.md §3)",
        c.rule
    )
}

/// I/O or a clock in a pure layer, at `line` of `module`'s own file.
pub fn impure(module: &str, line: usize, target: &str, what: &str) -> String {
    let layer = module.split("::").next().unwrap();
    let file = file_of(module);
    format!("{file}:{line}: {module} uses {target}: {layer} is pure: no {what} (design.md §3)")
}
