//! Walks one module's syntax tree and collects every path it reaches: `use` trees,
//! `extern crate`, paths in expressions, types, patterns, trait bounds and attributes,
//! and paths inside macro invocations (parsed as expressions or statements where they
//! parse, otherwise scanned token by token, `$crate` included). Method calls are kept
//! by name for the clock rules.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Expr, Item, Token};

use crate::scope::{Outcome, Resolver, Scope};
use crate::tree::Module;
use crate::uses::use_leaves;

/// One thing a module reaches, at a line.
#[derive(Debug)]
pub(crate) enum Seen {
    /// A resolved path (see [`Outcome`]).
    Path(Outcome),
    /// A method call, by name.
    Method(String),
}

/// Collects what one module reaches.
pub(crate) struct Walker<'r, 't, 'a> {
    res: &'r Resolver<'t, 'a>,
    module: &'r Module<'a>,
    blocks: Vec<Scope>,
    /// Position of the `Self` type in a `<T as Trait>::x` path about to be visited.
    qself: Option<usize>,
    pub seen: Vec<(usize, Seen)>,
}

impl<'r, 't, 'a> Walker<'r, 't, 'a> {
    pub fn new(res: &'r Resolver<'t, 'a>, module: &'r Module<'a>) -> Self {
        Walker {
            res,
            module,
            blocks: Vec::new(),
            qself: None,
            seen: Vec::new(),
        }
    }

    /// Walks the module's own items (inline and file submodules are modules of their own).
    pub fn walk(&mut self) {
        for item in self.module.items {
            match item {
                Item::Mod(m) => {
                    for a in &m.attrs {
                        self.visit_attribute(a);
                    }
                }
                _ => self.visit_item(item),
            }
        }
    }

    fn record(&mut self, line: usize, leading: bool, segs: &[String]) {
        let found = self.res.resolve(
            self.module.krate,
            &self.module.path,
            &self.blocks,
            leading,
            segs,
        );
        if !matches!(found, Outcome::Unknown) {
            self.seen.push((line, Seen::Path(found)));
        }
    }

    fn record_path(&mut self, path: &syn::Path) {
        let segs: Vec<String> = path.segments.iter().map(|s| ident(&s.ident)).collect();
        if segs.len() >= 2 || path.leading_colon.is_some() {
            let line = match (&path.leading_colon, path.segments.first()) {
                (Some(c), _) => c.spans[0].start().line,
                (None, Some(s)) => s.ident.span().start().line,
                (None, None) => return,
            };
            self.record(line, path.leading_colon.is_some(), &segs);
        }
    }

    /// A macro body: expressions, else statements, else tokens.
    fn macro_body(&mut self, mac: &syn::Macro) {
        if let Ok(exprs) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            for e in &exprs {
                self.visit_expr(e);
            }
        } else if let Ok(stmts) = mac.parse_body_with(syn::Block::parse_within) {
            self.blocks.push(Scope::of_stmts(&stmts));
            for s in &stmts {
                self.visit_stmt(s);
            }
            self.blocks.pop();
        } else {
            self.scan(mac.tokens.clone(), false);
        }
    }

    /// Finds paths in raw tokens: `a::b`, `::a::b`, `$crate::a`; in attributes also
    /// serde's `with = "path"` strings.
    fn scan(&mut self, tokens: TokenStream, in_attr: bool) {
        let tts: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tts.len() {
            let colons = is_colons(&tts, i);
            match &tts[i] {
                TokenTree::Group(g) => {
                    self.scan(g.stream(), in_attr);
                    i += 1;
                }
                TokenTree::Punct(p) if p.as_char() == '$' => {
                    match tts.get(i + 1) {
                        Some(TokenTree::Ident(id)) if id == "crate" => {
                            let line = id.span().start().line;
                            let (segs, next) = path_tail(&tts, i + 2, vec!["$crate".into()]);
                            if let Some(after) = self.use_group(&tts, i + 1, next) {
                                i = after;
                                continue;
                            }
                            self.record(line, false, &segs);
                            i = next;
                        }
                        _ => i += 2, // a metavariable or repetition
                    }
                }
                TokenTree::Punct(p) if colons && ident_at(&tts, i + 2).is_some() => {
                    let line = p.span().start().line;
                    let (segs, next) = path_tail(&tts, i, Vec::new());
                    if !continues_a_path(&tts, i) {
                        if let Some(after) = self.use_group(&tts, i, next) {
                            i = after;
                            continue;
                        }
                        self.record(line, true, &segs);
                    }
                    i = next;
                }
                TokenTree::Ident(id) if KEYWORDS.contains(&id.to_string().as_str()) => i += 1,
                TokenTree::Ident(id) => {
                    let after_tick =
                        i > 0 && matches!(&tts[i - 1], TokenTree::Punct(q) if q.as_char() == '\'');
                    let (segs, next) = path_tail(&tts, i + 1, vec![ident(id)]);
                    if !after_tick && let Some(after) = self.use_group(&tts, i, next) {
                        i = after;
                        continue;
                    }
                    if in_attr && segs.len() == 1 {
                        self.attr_string_path(&tts, i);
                    }
                    if segs.len() >= 2 && !after_tick {
                        self.record(id.span().start().line, false, &segs);
                    }
                    i = next;
                }
                _ => i += 1,
            }
        }
    }

    /// A path that goes on with `::{…}` (a `use` tree in raw tokens, as in a
    /// `macro_rules!` body): its leaves, resolved like a `use`. Returns the index after it.
    fn use_group(&mut self, tts: &[TokenTree], start: usize, end: usize) -> Option<usize> {
        let brace = matches!(tts.get(end + 2),
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace);
        if !brace || !is_colons(tts, end) {
            return None;
        }
        let leading = is_colons(tts, start);
        let from = if leading { start + 2 } else { start };
        let tokens: TokenStream = tts[from..end + 3].iter().cloned().collect();
        let tree: syn::UseTree = syn::parse2(tokens).ok()?;
        for leaf in use_leaves(&tree, leading) {
            let found =
                self.res
                    .resolve_use(self.module.krate, &self.module.path, &self.blocks, &leaf);
            if !matches!(found, Outcome::Unknown) {
                self.seen.push((leaf.line, Seen::Path(found)));
            }
        }
        Some(end + 3)
    }

    /// serde's `with = "module"`, `serialize_with = "path"`, … name a path in a string.
    fn attr_string_path(&mut self, tts: &[TokenTree], i: usize) {
        let TokenTree::Ident(key) = &tts[i] else {
            return;
        };
        let keys = ["with", "serialize_with", "deserialize_with", "default"];
        if !keys.iter().any(|k| key == k) {
            return;
        }
        let (Some(TokenTree::Punct(eq)), Some(TokenTree::Literal(lit))) =
            (tts.get(i + 1), tts.get(i + 2))
        else {
            return;
        };
        if eq.as_char() != '=' {
            return;
        }
        let Ok(s) = syn::parse_str::<syn::LitStr>(&lit.to_string()) else {
            return;
        };
        if let Ok(path) = syn::parse_str::<syn::Path>(&s.value()) {
            let segs: Vec<String> = path.segments.iter().map(|s| ident(&s.ident)).collect();
            if segs.len() >= 2 || path.leading_colon.is_some() {
                self.record(lit.span().start().line, path.leading_colon.is_some(), &segs);
            }
        }
    }
}

/// Keywords that cannot start a path (`use ::pcsc::X` is a `use` of `::pcsc::X`).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "type", "unsafe", "use", "where", "while",
];

/// Does the `::` at `i` go on from something before it (`Vec::<u8>::new`, `<T>::f`,
/// `$x::f`) rather than start a path at an extern crate (`use ::pcsc`, `-> ::pcsc::X`)?
fn continues_a_path(tts: &[TokenTree], i: usize) -> bool {
    let punct =
        |j: usize, c: char| matches!(tts.get(j), Some(TokenTree::Punct(p)) if p.as_char() == c);
    let Some(prev) = i.checked_sub(1) else {
        return false;
    };
    match &tts[prev] {
        TokenTree::Punct(p) if p.as_char() == '>' => {
            // `->` and `=>` end an arrow, not generics.
            !(prev > 0 && (punct(prev - 1, '-') || punct(prev - 1, '=')))
        }
        TokenTree::Ident(_) => prev > 0 && punct(prev - 1, '$'),
        TokenTree::Group(_) => true,
        _ => false,
    }
}

/// `::` at `i` (two `:` puncts, the first joint).
fn is_colons(tts: &[TokenTree], i: usize) -> bool {
    matches!((tts.get(i), tts.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
}

fn ident_at(tts: &[TokenTree], i: usize) -> Option<String> {
    match tts.get(i) {
        Some(TokenTree::Ident(id)) => Some(ident(id)),
        _ => None,
    }
}

/// Extends `segs` with `:: ident` pairs from `i`; returns them and the next index.
fn path_tail(tts: &[TokenTree], mut i: usize, mut segs: Vec<String>) -> (Vec<String>, usize) {
    while is_colons(tts, i) {
        match ident_at(tts, i + 2) {
            Some(id) => {
                segs.push(id);
                i += 3;
            }
            None => break,
        }
    }
    (segs, i)
}

/// An identifier as written, without `r#`.
fn ident(id: &proc_macro2::Ident) -> String {
    let s = id.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

impl<'ast> Visit<'ast> for Walker<'_, '_, '_> {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        for leaf in use_leaves(&u.tree, u.leading_colon.is_some()) {
            let found =
                self.res
                    .resolve_use(self.module.krate, &self.module.path, &self.blocks, &leaf);
            if !matches!(found, Outcome::Unknown) {
                self.seen.push((leaf.line, Seen::Path(found)));
            }
        }
    }

    fn visit_item_extern_crate(&mut self, e: &'ast syn::ItemExternCrate) {
        let line = e.ident.span().start().line;
        if e.ident != "self" {
            self.record(line, true, &[ident(&e.ident)]);
        }
    }

    fn visit_item_macro(&mut self, i: &'ast syn::ItemMacro) {
        for a in &i.attrs {
            self.visit_attribute(a);
        }
        if i.mac.path.is_ident("macro_rules") {
            self.scan(i.mac.tokens.clone(), false);
        } else {
            self.visit_macro(&i.mac);
        }
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.blocks.push(Scope::of_stmts(&b.stmts));
        visit::visit_block(self, b);
        self.blocks.pop();
    }

    fn visit_qself(&mut self, q: &'ast syn::QSelf) {
        self.visit_type(&q.ty);
        self.qself = Some(q.position);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        // `<T>::f` starts at a type, not at a path: only its generics count.
        if self.qself.take() != Some(0) {
            self.record_path(p);
        }
        for seg in &p.segments {
            self.visit_path_arguments(&seg.arguments);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if mac.path.segments.len() == 1 && mac.path.leading_colon.is_none() {
            // `println!`: a std macro unless a `use` names another.
            let name = ident(&mac.path.segments[0].ident);
            let line = mac.path.segments[0].ident.span().start().line;
            let found = self.res.resolve(
                self.module.krate,
                &self.module.path,
                &self.blocks,
                false,
                std::slice::from_ref(&name),
            );
            match found {
                Outcome::Unknown => self.record(line, true, &["std".into(), name]),
                other => self.seen.push((line, Seen::Path(other))),
            }
        } else {
            self.record_path(&mac.path);
        }
        self.macro_body(mac);
    }

    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        let path = a.path();
        if path.is_ident("doc") || path.is_ident("path") {
            return;
        }
        self.record_path(path);
        match &a.meta {
            syn::Meta::Path(_) => {}
            syn::Meta::List(l) => self.scan(l.tokens.clone(), true),
            syn::Meta::NameValue(nv) => self.visit_expr(&nv.value),
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.seen
            .push((m.method.span().start().line, Seen::Method(ident(&m.method))));
        visit::visit_expr_method_call(self, m);
    }

    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}
}
