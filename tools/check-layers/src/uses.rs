//! `use` trees flattened to their leaves: groups, nested groups, renames, `self`, `_`
//! and globs, each with the line of its last segment.

use syn::UseTree;

/// A `use` leaf, a glob or an `extern crate`, before resolution.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    /// The name it binds (`None` for `_` and globs).
    pub name: Option<String>,
    /// `::`-prefixed.
    pub leading: bool,
    /// The path, leaf included (for a glob: the path before `*`).
    pub segs: Vec<String>,
    pub line: usize,
    pub glob: bool,
}

/// Every leaf of a `use` tree: groups, nested groups, renames, `self`, globs.
pub(crate) fn use_leaves(tree: &UseTree, leading: bool) -> Vec<Leaf> {
    let mut out = Vec::new();
    walk_use(tree, Vec::new(), leading, &mut out);
    out
}

fn walk_use(tree: &UseTree, prefix: Vec<String>, leading: bool, out: &mut Vec<Leaf>) {
    let leaf = |name: Option<String>, segs: Vec<String>, line: usize, glob: bool| Leaf {
        name,
        leading,
        segs,
        line,
        glob,
    };
    match tree {
        UseTree::Path(p) => {
            let mut next = prefix;
            next.push(p.ident.to_string());
            walk_use(&p.tree, next, leading, out);
        }
        UseTree::Name(n) => {
            let line = n.ident.span().start().line;
            if n.ident == "self" {
                out.push(leaf(prefix.last().cloned(), prefix, line, false));
            } else {
                let mut segs = prefix;
                segs.push(n.ident.to_string());
                out.push(leaf(Some(n.ident.to_string()), segs, line, false));
            }
        }
        UseTree::Rename(r) => {
            let line = r.ident.span().start().line;
            let name = (r.rename != "_").then(|| r.rename.to_string());
            let mut segs = prefix;
            if r.ident != "self" {
                segs.push(r.ident.to_string());
            }
            out.push(leaf(name, segs, line, false));
        }
        UseTree::Glob(g) => out.push(leaf(None, prefix, g.star_token.span.start().line, true)),
        UseTree::Group(g) => {
            for t in &g.items {
                walk_use(t, prefix.clone(), leading, out);
            }
        }
    }
}
