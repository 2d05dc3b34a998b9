//! Names in scope and path resolution, after the Rust 2018 rules: a path starts at
//! `crate`, `self`, `super`, `$crate` or `::crate_name`, or at a name in scope (a `use`,
//! an item or module declared here, an `extern crate`), then a glob import of one of our
//! modules, then an extern crate. `use` and `pub use` re-exports are followed to where
//! the item is defined, so a re-export cannot hide which of our modules a name comes from
//! (a re-exported external item counts as the re-exporting module's).

use std::collections::{BTreeMap, HashMap, HashSet};

use syn::{Item, Stmt};

use crate::uses::{Leaf, use_leaves};

use crate::tree::{Krate, Tree};

/// Where a resolved path starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Root {
    /// One of our crates.
    Crate(Krate),
    /// An external crate, by package name (`-` written `_`).
    Ext(String),
}

/// A resolved path: a root and the segments after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub root: Root,
    pub segs: Vec<String>,
}

/// The names one module or block brings into scope.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    aliases: HashMap<String, Leaf>,
    items: HashSet<String>,
    externs: HashMap<String, String>,
    globs: Vec<Leaf>,
}

impl Scope {
    /// The scope of a module's items.
    pub fn of_items<'i>(items: impl IntoIterator<Item = &'i Item>) -> Scope {
        let mut scope = Scope::default();
        for item in items {
            scope.add(item);
        }
        scope
    }

    /// The scope of a block's statements (items in a block are visible in all of it).
    pub fn of_stmts(stmts: &[Stmt]) -> Scope {
        Scope::of_items(stmts.iter().filter_map(|s| match s {
            Stmt::Item(i) => Some(i),
            _ => None,
        }))
    }

    fn add(&mut self, item: &Item) {
        let ident = match item {
            Item::Use(u) => {
                for leaf in use_leaves(&u.tree, u.leading_colon.is_some()) {
                    match &leaf.name {
                        _ if leaf.glob => self.globs.push(leaf),
                        Some(n) => {
                            self.aliases.insert(n.clone(), leaf);
                        }
                        None => {}
                    }
                }
                return;
            }
            Item::ExternCrate(e) => {
                let name = e.rename.as_ref().map_or(&e.ident, |(_, r)| r).to_string();
                self.externs.insert(name, e.ident.to_string());
                return;
            }
            Item::Const(i) => &i.ident,
            Item::Enum(i) => &i.ident,
            Item::Fn(i) => &i.sig.ident,
            Item::Macro(i) => match &i.ident {
                Some(id) => id,
                None => return,
            },
            Item::Mod(i) => &i.ident,
            Item::Static(i) => &i.ident,
            Item::Struct(i) => &i.ident,
            Item::Trait(i) => &i.ident,
            Item::TraitAlias(i) => &i.ident,
            Item::Type(i) => &i.ident,
            Item::Union(i) => &i.ident,
            _ => return,
        };
        self.items.insert(ident.to_string());
    }
}

/// The extern crates a path may start with: code name → package name.
pub(crate) struct Crates {
    /// Code name (`tower_http`, or a Cargo.toml rename) → package name (`tower_http`).
    pub names: BTreeMap<String, String>,
    /// The package's library name, which `src/main.rs` uses as a crate.
    pub lib: String,
}

/// What a path resolves to.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The target, and what its first segment's `use` or `extern crate` in this scope
    /// names (that import already answers for everything under it).
    Found(Target, Option<Target>),
    /// A name only an external glob import can bring: every possibility.
    Candidates(Vec<Target>),
    /// A local, a generic, a prelude name, `Self`: nothing to check.
    Unknown,
}

/// Resolves paths against the module tree and every module's scope.
pub(crate) struct Resolver<'t, 'a> {
    pub tree: &'t Tree<'a>,
    pub scopes: HashMap<(Krate, Vec<String>), Scope>,
    pub crates: &'t Crates,
}

const MAX_DEPTH: usize = 32;

impl Resolver<'_, '_> {
    /// Resolves `segs` written in module `(krate, at)` with block scopes `blocks`.
    pub fn resolve(
        &self,
        krate: Krate,
        at: &[String],
        blocks: &[Scope],
        leading: bool,
        segs: &[String],
    ) -> Outcome {
        self.resolve_in(krate, at, blocks, leading, segs, None, 0)
    }

    /// Resolves a `use` leaf (`use rusqlite;` names the crate, not itself).
    pub fn resolve_use(
        &self,
        krate: Krate,
        at: &[String],
        blocks: &[Scope],
        leaf: &Leaf,
    ) -> Outcome {
        let skip = leaf
            .name
            .as_deref()
            .filter(|n| leaf.segs.first().map(String::as_str) == Some(*n));
        self.resolve_in(krate, at, blocks, leaf.leading, &leaf.segs, skip, 0)
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve_in(
        &self,
        krate: Krate,
        at: &[String],
        blocks: &[Scope],
        leading: bool,
        segs: &[String],
        skip_alias: Option<&str>,
        depth: usize,
    ) -> Outcome {
        let Some((first, rest)) = segs.split_first() else {
            return Outcome::Unknown;
        };
        if depth > MAX_DEPTH {
            return Outcome::Unknown;
        }
        if leading {
            return Outcome::Found(
                self.descend(self.extern_crate(krate, first), rest, depth),
                None,
            );
        }
        match first.as_str() {
            "crate" | "$crate" => {
                let root = Target {
                    root: Root::Crate(krate),
                    segs: Vec::new(),
                };
                return Outcome::Found(self.descend(root, rest, depth), None);
            }
            "self" | "super" => {
                let mut path = at.to_vec();
                let mut i = 0;
                while let Some(s) = segs.get(i).map(String::as_str) {
                    match s {
                        "self" => {}
                        "super" if path.pop().is_some() => {}
                        "super" => return Outcome::Unknown,
                        _ => break,
                    }
                    i += 1;
                }
                let base = Target {
                    root: Root::Crate(krate),
                    segs: path,
                };
                return Outcome::Found(self.descend(base, &segs[i..], depth), None);
            }
            "Self" => return Outcome::Unknown,
            _ => {}
        }
        match self.lookup(krate, at, blocks, first, skip_alias, true, depth) {
            Outcome::Found(t, via) => Outcome::Found(self.descend(t, rest, depth), via),
            Outcome::Candidates(c) => Outcome::Candidates(
                c.into_iter()
                    .map(|mut t| {
                        t.segs.extend(rest.iter().cloned());
                        t
                    })
                    .collect(),
            ),
            Outcome::Unknown => Outcome::Unknown,
        }
    }

    /// The first segment of a path: names in scope, globs of our modules, extern crates,
    /// then globs of external paths.
    #[allow(clippy::too_many_arguments)]
    fn lookup(
        &self,
        krate: Krate,
        at: &[String],
        blocks: &[Scope],
        name: &str,
        skip_alias: Option<&str>,
        crates: bool,
        depth: usize,
    ) -> Outcome {
        let module = self.scopes.get(&(krate, at.to_vec()));
        let scopes: Vec<&Scope> = blocks.iter().rev().chain(module).collect();
        for scope in &scopes {
            if let Some(leaf) = scope.aliases.get(name).filter(|_| skip_alias != Some(name)) {
                let skip = (leaf.segs.first().map(String::as_str) == Some(name)).then_some(name);
                let found =
                    self.resolve_in(krate, at, blocks, leaf.leading, &leaf.segs, skip, depth + 1);
                if let Outcome::Found(t, _) = found {
                    return Outcome::Found(t.clone(), Some(t));
                }
                return Outcome::Unknown;
            }
            if scope.items.contains(name) {
                let mut segs = at.to_vec();
                segs.push(name.to_string());
                return Outcome::Found(
                    Target {
                        root: Root::Crate(krate),
                        segs,
                    },
                    None,
                );
            }
            if let Some(c) = scope.externs.get(name) {
                let t = if c == "self" {
                    Target {
                        root: Root::Crate(krate),
                        segs: Vec::new(),
                    }
                } else {
                    self.extern_crate(krate, c)
                };
                return Outcome::Found(t.clone(), Some(t));
            }
        }
        let mut candidates = Vec::new();
        for scope in &scopes {
            for glob in &scope.globs {
                let Outcome::Found(g, _) =
                    self.resolve_in(krate, at, blocks, glob.leading, &glob.segs, None, depth + 1)
                else {
                    continue;
                };
                match &g.root {
                    Root::Crate(k) if self.tree.is_module(*k, &g.segs) => {
                        if let found @ Outcome::Found(..) =
                            self.lookup(*k, &g.segs, &[], name, None, false, depth + 1)
                        {
                            return found;
                        }
                    }
                    Root::Crate(_) => {}
                    Root::Ext(_) => {
                        let mut t = g.clone();
                        t.segs.push(name.to_string());
                        candidates.push(t);
                    }
                }
            }
        }
        if crates && (self.crates.names.contains_key(name) || name == self.crates.lib) {
            return Outcome::Found(self.extern_crate(krate, name), None);
        }
        if crates && !candidates.is_empty() {
            return Outcome::Candidates(candidates);
        }
        Outcome::Unknown
    }

    /// `name` as an extern crate seen from `krate` (the binary sees the library as one).
    fn extern_crate(&self, krate: Krate, name: &str) -> Target {
        if krate == Krate::Bin && name == self.crates.lib {
            return Target {
                root: Root::Crate(Krate::Lib),
                segs: Vec::new(),
            };
        }
        let package = self
            .crates
            .names
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string());
        Target {
            root: Root::Ext(package),
            segs: Vec::new(),
        }
    }

    /// Follows `rest` down from `target`: child modules, then a module's `use` and glob
    /// re-exports, then items (where following stops).
    fn descend(&self, mut target: Target, rest: &[String], depth: usize) -> Target {
        let mut i = 0;
        while i < rest.len() {
            let Root::Crate(k) = target.root else { break };
            if !self.tree.is_module(k, &target.segs) || depth > MAX_DEPTH {
                break;
            }
            let next = &rest[i];
            let mut child = target.segs.clone();
            child.push(next.clone());
            if self.tree.is_module(k, &child) {
                target.segs = child;
                i += 1;
                continue;
            }
            // A `use`, `pub use` or glob re-export of one of our items, followed to where
            // it is defined (a re-exported external item stays the module's: its API).
            let at = target.segs.clone();
            match self.lookup(k, &at, &[], next, None, false, depth + 1) {
                Outcome::Found(t, _) if t.root == Root::Crate(k) && t.segs != child => {
                    target = t;
                    i += 1;
                }
                _ => break,
            }
        }
        target.segs.extend(rest[i..].iter().cloned());
        target
    }
}
