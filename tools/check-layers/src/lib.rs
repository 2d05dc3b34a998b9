//! The layer check of design.md §3, by parsing (not grepping) every source file under
//! `src/`: `use` trees (groups, nesting, renames, globs, `self`/`super`/`crate`/`::`),
//! paths in expressions, types, patterns, attributes and macro bodies, and `extern
//! crate` are resolved to the module or crate they name over the module tree that
//! rustc would build from the files; then the tables of [`rules`] judge every one.

mod judge;
pub mod rules;
mod scope;
mod tree;
mod uses;
mod walk;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use scope::{Crates, Resolver, Scope};
use tree::Tree;
use walk::Walker;

/// The package to check: its name, its dependencies and its `src/` files.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// The package name (its library is a crate of that name to `src/main.rs`).
    pub package: String,
    /// Dependency name as code writes it → package name (`-` written `_` in both).
    pub deps: BTreeMap<String, String>,
    /// `src/…` path (with `/`) → file text.
    pub files: BTreeMap<String, String>,
}

impl Source {
    /// Reads `root/Cargo.toml` and every `.rs` file under `root/src`.
    pub fn load(root: &Path) -> Result<Source, Error> {
        let manifest = root.join("Cargo.toml");
        let text = read(&manifest)?;
        let doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e| Error::Manifest(format!("{}: {e}", manifest.display())))?;
        let package = doc
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .ok_or_else(|| Error::Manifest(format!("{}: no [package] name", manifest.display())))?;
        let mut source = Source {
            package: package.replace('-', "_"),
            ..Source::default()
        };
        let mut tables: Vec<&dyn toml_edit::TableLike> = Vec::new();
        for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
            tables.extend(doc.get(key).and_then(|t| t.as_table_like()));
        }
        if let Some(targets) = doc.get("target").and_then(|t| t.as_table_like()) {
            for (_, target) in targets.iter() {
                for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
                    tables.extend(target.get(key).and_then(|t| t.as_table_like()));
                }
            }
        }
        for table in tables {
            for (name, spec) in table.iter() {
                let package = spec.get("package").and_then(|p| p.as_str()).unwrap_or(name);
                source
                    .deps
                    .insert(name.replace('-', "_"), package.replace('-', "_"));
            }
        }
        source.read_dir(root, &root.join("src"))?;
        Ok(source)
    }

    fn read_dir(&mut self, root: &Path, dir: &Path) -> Result<(), Error> {
        let entries =
            std::fs::read_dir(dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
        let mut paths = Vec::new();
        for entry in entries {
            paths.push(
                entry
                    .map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?
                    .path(),
            );
        }
        for path in paths {
            if path.is_dir() {
                self.read_dir(root, &path)?;
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                self.files.insert(rel.join("/"), read(&path)?);
            }
        }
        Ok(())
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))
}

/// One broken rule at one place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// `src/…` file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The module that reaches too far (`station::provision`).
    pub module: String,
    /// What it reaches (`crate::devices::ykoath::protocol`, `rusqlite`, `std::env::var`).
    pub target: String,
    /// The rule it breaks.
    pub rule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} uses {}: {} (design.md §3)",
            self.file, self.line, self.module, self.target, self.rule
        )
    }
}

/// What a check found.
#[derive(Debug, Default)]
pub struct Report {
    /// Broken rules, by file and line.
    pub violations: Vec<Violation>,
    /// Notes that are not violations (unreached files, `mod.rs` files).
    pub warnings: Vec<String>,
    /// `module -> target` for every path into another layer or an external crate.
    pub edges: BTreeSet<String>,
    /// Modules checked.
    pub modules: usize,
}

/// Why the check could not run.
#[derive(Debug)]
pub enum Error {
    /// A file or directory that cannot be read.
    Io(String),
    /// Cargo.toml that cannot be read.
    Manifest(String),
    /// A source file that does not parse.
    Parse(String),
    /// Neither `src/lib.rs` nor `src/main.rs`.
    NoRoot,
    /// A module tree rustc would refuse.
    Tree(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(m) | Error::Manifest(m) | Error::Parse(m) | Error::Tree(m) => f.write_str(m),
            Error::NoRoot => f.write_str("neither src/lib.rs nor src/main.rs exists"),
        }
    }
}

impl std::error::Error for Error {}

/// Checks `source` against the rules.
pub fn check(source: &Source) -> Result<Report, Error> {
    let mut parsed = BTreeMap::new();
    for (name, text) in &source.files {
        let file = syn::parse_file(text).map_err(|e| {
            let at = e.span().start();
            Error::Parse(format!(
                "{name}:{}:{}: does not parse: {e}",
                at.line,
                at.column + 1
            ))
        })?;
        parsed.insert(name.clone(), file);
    }
    let tree = Tree::build(&parsed)?;
    let mut names: BTreeMap<String, String> = source.deps.clone();
    let implied = ["std", "core", "alloc"].into_iter().chain(
        rules::CONFINED
            .iter()
            .flat_map(|c| c.crates.iter().map(|n| n.trim_end_matches('*')))
            .chain(
                rules::IMPURE
                    .iter()
                    .filter_map(|i| i.path.split("::").next()),
            ),
    );
    for name in implied {
        names
            .entry(name.to_string())
            .or_insert_with(|| name.to_string());
    }
    let crates = Crates {
        names,
        lib: source.package.clone(),
    };
    let scopes: HashMap<_, _> = tree
        .modules
        .iter()
        .map(|m| ((m.krate, m.path.clone()), Scope::of_items(m.items)))
        .collect();
    let resolver = Resolver {
        tree: &tree,
        scopes,
        crates: &crates,
    };
    let mut judge = judge::Judge {
        res: &resolver,
        violations: Vec::new(),
        edges: BTreeSet::new(),
    };
    for module in &tree.modules {
        let mut walker = Walker::new(&resolver, module);
        walker.walk();
        judge.module(module, &walker.seen);
    }
    let mut violations = judge.violations;
    violations.sort();
    violations.dedup();
    Ok(Report {
        violations,
        warnings: tree.warnings.clone(),
        edges: judge.edges,
        modules: tree.modules.len(),
    })
}
