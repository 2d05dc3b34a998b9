//! The module tree, derived from the files the way rustc finds them: from `src/lib.rs`
//! and `src/main.rs`, `mod x;` is `x.rs` or `x/mod.rs` beside (or under) the declaring
//! file, `#[path = "…"]` is relative to the declaring file's directory, and inline
//! `mod x { … }` opens a directory level (Rust Reference, "Modules").

use std::collections::{BTreeMap, BTreeSet};

use syn::{Item, ItemMod};

use crate::Error;

/// Which crate of the package a module belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Krate {
    /// The library, `src/lib.rs`.
    Lib,
    /// The binary, `src/main.rs`.
    Bin,
}

/// One module: a file or an inline `mod x { … }`.
pub(crate) struct Module<'a> {
    pub krate: Krate,
    /// Logical path inside its crate (`["devices", "ykoath", "protocol"]`).
    pub path: Vec<String>,
    /// The file its items are in (`src/devices/ykoath/protocol.rs`).
    pub file: String,
    pub items: &'a [Item],
    /// The file and line of its `mod` declaration (its own file, line 1, for a crate root).
    pub decl_file: String,
    pub decl_line: usize,
}

/// Every module of the package, in a fixed order.
pub(crate) struct Tree<'a> {
    pub modules: Vec<Module<'a>>,
    /// `(krate, path)` of every module, for resolving paths.
    pub index: BTreeSet<(Krate, Vec<String>)>,
    /// Notes for stderr (unreached files, `mod.rs` files, missing files).
    pub warnings: Vec<String>,
}

impl<'a> Tree<'a> {
    /// Builds the tree from parsed files (keys are `src/…` paths with `/`).
    pub fn build(files: &'a BTreeMap<String, syn::File>) -> Result<Self, Error> {
        let mut tree = Tree {
            modules: Vec::new(),
            index: BTreeSet::new(),
            warnings: Vec::new(),
        };
        let mut reached = BTreeSet::new();
        for (root, krate) in [("src/lib.rs", Krate::Lib), ("src/main.rs", Krate::Bin)] {
            if let Some(file) = files.get(root) {
                reached.insert(root.to_string());
                let at = Place {
                    file: root.to_string(),
                    child_dir: "src".into(),
                    path_dir: "src".into(),
                };
                let decl = (root.to_string(), 1);
                tree.add(
                    files,
                    &mut reached,
                    krate,
                    Vec::new(),
                    &file.items,
                    &at,
                    decl,
                )?;
            }
        }
        if tree.modules.is_empty() {
            return Err(Error::NoRoot);
        }
        for (name, file) in files {
            if !reached.contains(name) {
                tree.warnings.push(format!(
                    "{name}: not reached from src/lib.rs or src/main.rs by any `mod`; checked as module {}",
                    path_of_file(name).join("::")
                ));
                let decl = (name.clone(), 1);
                tree.push(Krate::Lib, path_of_file(name), name, &file.items, decl);
            }
        }
        Ok(tree)
    }

    fn push(
        &mut self,
        krate: Krate,
        path: Vec<String>,
        file: &str,
        items: &'a [Item],
        (decl_file, decl_line): (String, usize),
    ) {
        self.index.insert((krate, path.clone()));
        self.modules.push(Module {
            krate,
            path,
            file: file.to_string(),
            items,
            decl_file,
            decl_line,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        files: &'a BTreeMap<String, syn::File>,
        reached: &mut BTreeSet<String>,
        krate: Krate,
        path: Vec<String>,
        items: &'a [Item],
        at: &Place,
        decl: (String, usize),
    ) -> Result<(), Error> {
        self.push(krate, path.clone(), &at.file, items, decl);
        for item in items {
            let Item::Mod(m) = item else { continue };
            let name = m.ident.to_string();
            let mut child = path.clone();
            child.push(name.clone());
            let line = m.ident.span().start().line;
            if let Some((_, inner)) = &m.content {
                let dir = match path_attr(m) {
                    Some(p) => join(&at.path_dir, &p),
                    None => join(&at.child_dir, &name),
                };
                let place = Place {
                    file: at.file.clone(),
                    child_dir: dir.clone(),
                    path_dir: dir,
                };
                self.add(
                    files,
                    reached,
                    krate,
                    child,
                    inner,
                    &place,
                    (at.file.clone(), line),
                )?;
                continue;
            }
            let candidates = match path_attr(m) {
                Some(p) => vec![join(&at.path_dir, &p)],
                None => vec![
                    join(&at.child_dir, &format!("{name}.rs")),
                    join(&at.child_dir, &format!("{name}/mod.rs")),
                ],
            };
            let Some(found) = candidates.iter().find(|c| files.contains_key(*c)) else {
                self.warnings.push(format!(
                    "{}:{line}: `mod {name};` but none of {} exists",
                    at.file,
                    candidates.join(", ")
                ));
                continue;
            };
            if !reached.insert(found.clone()) {
                return Err(Error::Tree(format!("{found}: reached twice by `mod`")));
            }
            let by_path = path_attr(m).is_some();
            let mod_rs = found.ends_with("/mod.rs");
            if mod_rs {
                self.warnings.push(format!(
                    "{found}: mod.rs module file (clippy::mod_module_files asks for {}.rs)",
                    &found[..found.len() - "/mod.rs".len()]
                ));
            }
            let dir = parent(found);
            let place = Place {
                file: found.clone(),
                child_dir: if mod_rs || by_path {
                    dir.clone()
                } else {
                    found.trim_end_matches(".rs").to_string()
                },
                path_dir: dir,
            };
            let decl = (at.file.clone(), line);
            self.add(
                files,
                reached,
                krate,
                child,
                &files[found].items,
                &place,
                decl,
            )?;
        }
        Ok(())
    }

    /// The longest prefix of `segs` that is a module of `krate` (empty: the crate root).
    pub fn module_prefix(&self, krate: Krate, segs: &[String]) -> Vec<String> {
        (0..=segs.len())
            .rev()
            .map(|n| segs[..n].to_vec())
            .find(|p| self.index.contains(&(krate, p.clone())))
            .unwrap_or_default()
    }

    /// Is `(krate, path)` a module?
    pub fn is_module(&self, krate: Krate, path: &[String]) -> bool {
        self.index.contains(&(krate, path.to_vec()))
    }
}

/// Where a module's items sit: its file, where `mod x;` looks, where `#[path]` is relative to.
struct Place {
    file: String,
    child_dir: String,
    path_dir: String,
}

fn path_attr(m: &ItemMod) -> Option<String> {
    m.attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

fn parent(file: &str) -> String {
    file.rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default()
}

/// `dir/rel` with `.` and `..` folded.
fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The module path a file would have by its name alone (`src/a/b.rs`, `src/a/b/mod.rs`).
fn path_of_file(file: &str) -> Vec<String> {
    let rel = file.strip_prefix("src/").unwrap_or(file);
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let rel = rel.strip_suffix("/mod").unwrap_or(rel);
    rel.split('/').map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins() {
        assert_eq!(join("src/a", "b.rs"), "src/a/b.rs");
        assert_eq!(join("src/a", "../c/d.rs"), "src/c/d.rs");
        assert_eq!(path_of_file("src/a/b/mod.rs"), ["a", "b"]);
    }
}
