//! Judges what a module reaches against the tables of [`rules`](crate::rules).

use std::collections::BTreeSet;

use crate::Violation;
use crate::rules::{self, CONFINED, IMPURE, IMPURE_METHODS, PURE_LAYERS};
use crate::scope::{Outcome, Resolver, Root, Target};
use crate::tree::{Krate, Module};
use crate::walk::Seen;

/// A broken rule before it gets a file and line: the rule and what was reached.
#[derive(Debug, PartialEq)]
struct Broken {
    rule: String,
    target: String,
}

/// Applies the rules to one module's findings.
pub(crate) struct Judge<'r, 't, 'a> {
    pub res: &'r Resolver<'t, 'a>,
    pub violations: Vec<Violation>,
    /// `module -> target` for every path into another layer or an external crate.
    pub edges: BTreeSet<String>,
}

/// The layer a module belongs to: its top-level module, `main` for the binary,
/// `crate` for `src/lib.rs` itself.
pub(crate) fn layer_of<'m>(m: &'m Module<'_>) -> &'m str {
    match (m.krate, m.path.first()) {
        (Krate::Bin, _) => "main",
        (Krate::Lib, None) => "crate",
        (Krate::Lib, Some(top)) => top,
    }
}

/// The module's path as the tables name it (`main` for the binary's root).
fn place_of(m: &Module<'_>) -> Vec<String> {
    match m.krate {
        Krate::Lib => m.path.clone(),
        Krate::Bin => std::iter::once("main".to_string())
            .chain(m.path.iter().cloned())
            .collect(),
    }
}

/// The module's name in a report.
pub(crate) fn name_of(m: &Module<'_>) -> String {
    match (m.krate, m.path.is_empty()) {
        (Krate::Lib, true) => "crate".into(),
        _ => place_of(m).join("::"),
    }
}

fn is_prefix(short: &str, long: &str) -> bool {
    let (s, l): (Vec<&str>, Vec<&str>) = (short.split("::").collect(), long.split("::").collect());
    l.starts_with(&s)
}

impl Judge<'_, '_, '_> {
    /// Judges everything module `m` reaches.
    pub fn module(&mut self, m: &Module<'_>, seen: &[(usize, Seen)]) {
        let layer = layer_of(m);
        let pure = PURE_LAYERS.contains(&layer);
        for (line, s) in seen {
            let broken = match s {
                Seen::Path(Outcome::Found(target, via)) => {
                    let mut now = self.target(m, target, true);
                    if let Some(via) = via {
                        let before = self.target(m, via, false);
                        now.retain(|b| {
                            !before
                                .iter()
                                .any(|o| o.rule == b.rule && is_prefix(&o.target, &b.target))
                        });
                    }
                    now
                }
                Seen::Path(Outcome::Candidates(c)) => c
                    .iter()
                    .map(|t| self.purity(m, t))
                    .find(|b| !b.is_empty())
                    .unwrap_or_default(),
                Seen::Path(Outcome::Unknown) => Vec::new(),
                Seen::Method(name) => IMPURE_METHODS
                    .iter()
                    .filter(|(n, _)| pure && n == name)
                    .map(|(_, what)| Broken {
                        rule: format!("{layer} is pure: no {what}"),
                        target: format!(".{name}()"),
                    })
                    .collect(),
            };
            for b in broken {
                self.violations.push(Violation {
                    file: m.file.clone(),
                    line: *line,
                    module: name_of(m),
                    target: b.target,
                    rule: b.rule,
                });
            }
        }
        if m.krate == Krate::Lib && m.path.len() == 1 && rules::layer(layer).is_none() {
            self.violations.push(Violation {
                file: m.decl_file.clone(),
                line: m.decl_line,
                module: "crate".into(),
                target: format!("crate::{layer}"),
                rule: format!(
                    "{layer} is not a layer of design.md §3: give it its arrows in the layer table \
                     (tools/check-layers/src/rules.rs)"
                ),
            });
        }
    }

    /// Every rule `m` breaks by reaching `t`.
    fn target(&mut self, m: &Module<'_>, t: &Target, edge: bool) -> Vec<Broken> {
        let layer = layer_of(m);
        match &t.root {
            Root::Crate(Krate::Bin) => Vec::new(),
            Root::Crate(Krate::Lib) => {
                let tm = self.res.tree.module_prefix(Krate::Lib, &t.segs);
                let target_layer = tm.first().map_or("crate", String::as_str);
                if m.krate == Krate::Lib && target_layer == layer {
                    return Vec::new();
                }
                let base = match m.krate {
                    Krate::Lib => "crate",
                    Krate::Bin => self.res.crates.lib.as_str(),
                };
                let shown = std::iter::once(base).chain(tm.iter().map(String::as_str));
                let shown: Vec<&str> = shown.collect();
                let shown = shown.join("::");
                if edge {
                    self.edges.insert(format!("{} -> {shown}", name_of(m)));
                }
                match rules::layer(layer) {
                    Some(l) if !l.may_use.iter().any(|p| rules::matches(p, &tm)) => vec![Broken {
                        rule: l.rule.to_string(),
                        target: shown,
                    }],
                    _ => Vec::new(),
                }
            }
            Root::Ext(krate) => {
                if edge && !matches!(krate.as_str(), "std" | "core" | "alloc") {
                    self.edges.insert(format!("{} -> {krate}", name_of(m)));
                }
                let place = place_of(m);
                let mut broken: Vec<Broken> = CONFINED
                    .iter()
                    .filter(|c| c.crates.iter().any(|p| rules::crate_matches(p, krate)))
                    .filter(|c| !c.only_in.iter().any(|p| rules::matches(p, &place)))
                    .map(|c| Broken {
                        rule: c.rule.to_string(),
                        target: krate.clone(),
                    })
                    .collect();
                broken.extend(self.purity(m, t));
                broken
            }
        }
    }

    /// The purity rules `m` breaks by reaching the external path `t`.
    fn purity(&self, m: &Module<'_>, t: &Target) -> Vec<Broken> {
        let layer = layer_of(m);
        let Root::Ext(krate) = &t.root else {
            return Vec::new();
        };
        if !PURE_LAYERS.contains(&layer) {
            return Vec::new();
        }
        let full: Vec<String> = std::iter::once(krate.clone())
            .chain(t.segs.iter().cloned())
            .collect();
        let place = place_of(m);
        IMPURE
            .iter()
            .filter(|i| rules::matches(i.path, &full))
            .filter(|i| !i.except_in.iter().any(|p| rules::matches(p, &place)))
            .map(|i| Broken {
                rule: format!("{layer} is pure: no {}", i.what),
                target: full.join("::"),
            })
            .take(1)
            .collect()
    }
}
