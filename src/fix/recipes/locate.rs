//! Shared by the await, pin, runtime-entry, blocking and misc recipes: the user's file as
//! rustc named it (text and `syn` tree), one walk over its expressions that knows the
//! innermost function-like context of each (async fn, async block, closure, sync fn) and the
//! loops around it, the comma-separated expressions inside macro calls (`println!`,
//! `assert!`, …: `syn` leaves them as tokens), local bindings and their uses, and the
//! "quote these lines" half of an in-words proposal.
//!
//! Pure and conservative: anything that does not parse yields `None`, and the recipe declines.

use std::ops::Range;
use std::sync::Arc;

use cargo_metadata::diagnostic::{Diagnostic as RustcDiagnostic, DiagnosticSpan};
use proc_macro2::{TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Expr, Pat, Token};

use crate::fix::syntax::{self, node_range};
use crate::fix::{Input, QuotedLine};

/// One of the user's files, read now and parsed.
pub struct Source {
    /// The file name as rustc spells it (relative to the workspace root).
    pub file: String,
    pub text: Arc<str>,
    pub ast: syn::File,
}

impl Source {
    /// The file `file` as the sources hold it now, parsed; `None` when unreadable or when it
    /// does not parse.
    pub fn read(input: &Input<'_>, file: &str) -> Option<Self> {
        let text = input.sources.read(file)?;
        let ast = syntax::parse(&text)?;
        Some(Source {
            file: file.to_string(),
            text,
            ast,
        })
    }

    /// The file holding the diagnostic's span in the user's code, provided rustc's span still
    /// quotes what the file holds.
    pub fn primary<'i>(input: &Input<'i>) -> Option<(&'i DiagnosticSpan, Self)> {
        let span = input.diagnostic.user_span()?;
        let source = Self::read(input, &span.file_name)?;
        syntax::span_is_current(&source.text, span).then_some((span, source))
    }

    /// The file as tokens (comments dropped), spans relative to the text.
    pub fn tokens(&self) -> Option<TokenStream> {
        self.text.parse().ok()
    }

    /// The text of a byte range.
    pub fn slice(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or_default()
    }

    /// The 1-based lines covering `range`, quoted.
    pub fn quote(&self, range: &Range<usize>) -> Vec<QuotedLine> {
        let first = syntax::line_number(&self.text, range.start);
        let last = syntax::line_number(&self.text, range.end.saturating_sub(1).max(range.start));
        (first..=last)
            .filter_map(|n| {
                Some(QuotedLine {
                    file: self.file.clone(),
                    number: n,
                    text: syntax::line_text(&self.text, n)?.to_string(),
                })
            })
            .collect()
    }

    /// Quoted lines of several ranges, in file order, each line once.
    pub fn quote_all<'r>(
        &self,
        ranges: impl IntoIterator<Item = &'r Range<usize>>,
    ) -> Vec<QuotedLine> {
        let mut lines: Vec<QuotedLine> = ranges.into_iter().flat_map(|r| self.quote(r)).collect();
        lines.sort_by_key(|l| l.number);
        lines.dedup_by_key(|l| l.number);
        lines
    }
}

/// A span's byte range.
pub fn span_range(span: &DiagnosticSpan) -> Range<usize> {
    span.byte_start as usize..span.byte_end as usize
}

/// The spans of the children whose message contains `phrase` (in child order).
pub fn child_spans<'d>(diag: &'d RustcDiagnostic, phrase: &str) -> Vec<&'d DiagnosticSpan> {
    diag.children
        .iter()
        .filter(|c| c.message.contains(phrase))
        .flat_map(|c| c.spans.iter())
        .collect()
}

/// Whether some child's message contains `phrase`.
pub fn has_child(diag: &RustcDiagnostic, phrase: &str) -> bool {
    diag.children.iter().any(|c| c.message.contains(phrase))
}

/// The text squashed onto one line and cut to a readable length, for titles.
pub fn short(text: &str) -> String {
    let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if squashed.chars().count() <= 40 {
        return squashed;
    }
    let cut: String = squashed.chars().take(37).collect();
    format!("{cut}…")
}

/// What kind of body a piece of code runs in: the innermost function-like context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// `async fn name`.
    AsyncFn(String),
    /// `async { … }` / `async move { … }`.
    AsyncBlock,
    /// `async |…| …`.
    AsyncClosure,
    /// A plain `fn name` (also `Drop::drop`, trait methods).
    SyncFn(String),
    /// A plain closure `|…| …`.
    Closure,
    /// A `const`/`static` initializer or anything outside a function.
    Item,
}

impl Frame {
    /// Whether `.await` is allowed directly here.
    pub fn is_async(&self) -> bool {
        matches!(
            self,
            Frame::AsyncFn(_) | Frame::AsyncBlock | Frame::AsyncClosure
        )
    }
}

/// The function item around a piece of code.
#[derive(Clone)]
pub struct FnItem {
    pub sig: syn::Signature,
    /// The whole item, attributes included.
    pub range: Range<usize>,
    /// Its body block, braces included.
    pub body: Range<usize>,
    /// Whether it is a method of an `impl` or trait block.
    pub is_method: bool,
    /// Whether it is `pub` (any visibility other than private).
    pub is_pub: bool,
}

/// Where the walk is when it hands a node to the callback.
pub struct Ctx<'c> {
    pub frame: &'c Frame,
    /// The range of the innermost frame's body (fn body, closure body, async block).
    pub frame_range: Range<usize>,
    /// The innermost function item, if any.
    pub item: Option<&'c FnItem>,
    /// Bodies of the loops around the node inside the innermost frame, outermost first.
    pub loops: &'c [Range<usize>],
}

/// A node the walk visits.
#[derive(Clone, Copy)]
pub enum Node<'n> {
    Expr(&'n Expr),
    Local(&'n syn::Local),
    /// A macro call; `args` tells whether its body parsed as comma-separated expressions
    /// (which the walk then visits).
    Macro(&'n syn::Macro, bool),
}

struct FrameState {
    frame: Frame,
    range: Range<usize>,
    loops: Vec<Range<usize>>,
}

struct Walker<'cb> {
    frames: Vec<FrameState>,
    items: Vec<FnItem>,
    callback: &'cb mut dyn FnMut(Node<'_>, &Ctx<'_>),
}

impl Walker<'_> {
    fn emit(&mut self, node: Node<'_>) {
        let top = self.frames.last();
        let outside = FrameState {
            frame: Frame::Item,
            range: 0..0,
            loops: Vec::new(),
        };
        let top = top.unwrap_or(&outside);
        let ctx = Ctx {
            frame: &top.frame,
            frame_range: top.range.clone(),
            item: self.items.last(),
            loops: &top.loops,
        };
        (self.callback)(node, &ctx);
    }

    fn with_frame(&mut self, frame: Frame, range: Range<usize>, body: impl FnOnce(&mut Self)) {
        self.frames.push(FrameState {
            frame,
            range,
            loops: Vec::new(),
        });
        body(self);
        self.frames.pop();
    }

    fn with_loop(&mut self, body_range: Range<usize>, body: impl FnOnce(&mut Self)) {
        if let Some(top) = self.frames.last_mut() {
            top.loops.push(body_range);
        }
        body(self);
        if let Some(top) = self.frames.last_mut() {
            top.loops.pop();
        }
    }

    fn item_fn(
        &mut self,
        sig: &syn::Signature,
        range: Range<usize>,
        block: &syn::Block,
        is_method: bool,
        is_pub: bool,
    ) {
        let name = sig.ident.to_string();
        let frame = if sig.asyncness.is_some() {
            Frame::AsyncFn(name)
        } else {
            Frame::SyncFn(name)
        };
        let body = node_range(block);
        self.items.push(FnItem {
            sig: sig.clone(),
            range,
            body: body.clone(),
            is_method,
            is_pub,
        });
        // A nested fn does not see the loops or frames around it.
        let saved = std::mem::take(&mut self.frames);
        self.with_frame(frame, body, |w| w.visit_block(block));
        self.frames = saved;
        self.items.pop();
    }
}

/// Comma-separated expressions of a macro body (`println!("{}", x)`, `vec![a, b]`), if it
/// parses as such.
pub fn macro_args(mac: &syn::Macro) -> Option<Punctuated<Expr, Token![,]>> {
    mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()
}

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let is_pub = !matches!(f.vis, syn::Visibility::Inherited);
        self.item_fn(&f.sig, node_range(f), &f.block, false, is_pub);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let is_pub = !matches!(f.vis, syn::Visibility::Inherited);
        self.item_fn(&f.sig, node_range(f), &f.block, true, is_pub);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.item_fn(&f.sig, node_range(f), block, true, true);
        }
    }

    fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
        let saved = std::mem::take(&mut self.frames);
        visit::visit_item_const(self, c);
        self.frames = saved;
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        let saved = std::mem::take(&mut self.frames);
        visit::visit_item_static(self, s);
        self.frames = saved;
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        self.emit(Node::Expr(e));
        visit::visit_expr(self, e);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        self.emit(Node::Local(l));
        visit::visit_local(self, l);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        let frame = if c.asyncness.is_some() {
            Frame::AsyncClosure
        } else {
            Frame::Closure
        };
        for input in &c.inputs {
            self.visit_pat(input);
        }
        self.with_frame(frame, node_range(&*c.body), |w| w.visit_expr(&c.body));
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.with_frame(Frame::AsyncBlock, node_range(&a.block), |w| {
            w.visit_block(&a.block)
        });
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.with_loop(node_range(&l.body), |w| w.visit_block(&l.body));
    }

    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.with_loop(node_range(&l.body), |w| {
            w.visit_expr(&l.cond);
            w.visit_block(&l.body);
        });
    }

    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.visit_pat(&l.pat);
        self.visit_expr(&l.expr);
        self.with_loop(node_range(&l.body), |w| w.visit_block(&l.body));
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let args = macro_args(mac);
        self.emit(Node::Macro(mac, args.is_some()));
        if let Some(args) = args {
            for arg in &args {
                self.visit_expr(arg);
            }
        }
    }
}

/// Visits every expression, `let` and macro call of the file with its context, outer nodes
/// before the nodes inside them.
pub fn walk(file: &syn::File, callback: &mut dyn FnMut(Node<'_>, &Ctx<'_>)) {
    let mut walker = Walker {
        frames: Vec::new(),
        items: Vec::new(),
        callback,
    };
    walker.visit_file(file);
}

/// What [`expr_at`] found: a copy of the expression and its context.
#[derive(Clone)]
pub struct Located {
    pub expr: Expr,
    pub range: Range<usize>,
    pub frame: Frame,
    pub frame_range: Range<usize>,
    pub item: Option<FnItem>,
    pub loops: Vec<Range<usize>>,
}

/// The outermost expression whose range is exactly `range` (parentheses and the like count as
/// distinct expressions; the outermost is the one a suffix applies to), with its context.
pub fn expr_at(source: &Source, range: &Range<usize>) -> Option<Located> {
    exprs_where(source, |e, r| {
        r == *range && !matches!(e, Expr::Verbatim(_))
    })
    .into_iter()
    .next()
}

/// Every expression (outer first) that `keep(expr, its range)` accepts, with its context.
pub fn exprs_where(
    source: &Source,
    mut keep: impl FnMut(&Expr, Range<usize>) -> bool,
) -> Vec<Located> {
    let mut out = Vec::new();
    walk(&source.ast, &mut |node, ctx| {
        let Node::Expr(e) = node else { return };
        let r = node_range(e);
        if keep(e, r.clone()) {
            out.push(Located {
                expr: e.clone(),
                range: r,
                frame: ctx.frame.clone(),
                frame_range: ctx.frame_range.clone(),
                item: ctx.item.cloned(),
                loops: ctx.loops.to_vec(),
            });
        }
    });
    out
}

/// The name a simple pattern binds (`x`, `mut x`, `x: T`), if it is one.
pub fn pat_ident(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(p) if p.subpat.is_none() => Some(p.ident.to_string()),
        Pat::Type(t) => pat_ident(&t.pat),
        _ => None,
    }
}

/// A `let name = init;` binding.
#[derive(Clone)]
pub struct Binding {
    pub name: String,
    pub local: Range<usize>,
    pub init: Range<usize>,
    pub init_expr: Expr,
    pub frame: Frame,
    pub frame_range: Range<usize>,
    pub loops: Vec<Range<usize>>,
}

/// The last `let name = …;` before `before` in the same frame (the frame whose body range is
/// `frame_range`).
pub fn binding_before(
    source: &Source,
    name: &str,
    frame_range: &Range<usize>,
    before: usize,
) -> Option<Binding> {
    let mut found: Option<Binding> = None;
    walk(&source.ast, &mut |node, ctx| {
        let Node::Local(l) = node else { return };
        if ctx.frame_range != *frame_range {
            return;
        }
        let r = node_range(l);
        if r.end > before || pat_ident(&l.pat).as_deref() != Some(name) {
            return;
        }
        let Some(init) = &l.init else { return };
        if init.diverge.is_some() {
            return;
        }
        found = Some(Binding {
            name: name.to_string(),
            local: r,
            init: node_range(&*init.expr),
            init_expr: (*init.expr).clone(),
            frame: ctx.frame.clone(),
            frame_range: ctx.frame_range.clone(),
            loops: ctx.loops.to_vec(),
        });
    });
    found
}

/// Byte ranges of the identifier `name` used as a value inside `within`: path expressions,
/// identifiers in macro bodies, and `{name}` / `{name:…}` in string literals (inline format
/// arguments). Field names and method names after a `.` are not counted; shadowing is not
/// tracked, so this may count more uses than there are (callers treat more uses as "keep
/// away").
pub fn uses_of(source: &Source, name: &str, within: &Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if let Some(tokens) = source.tokens() {
        collect_ident_uses(tokens, name, within, &mut out);
    }
    out.sort_by_key(|r| r.start);
    out.dedup();
    out
}

fn collect_ident_uses(
    tokens: TokenStream,
    name: &str,
    within: &Range<usize>,
    out: &mut Vec<Range<usize>>,
) {
    // The two punctuation characters just before the current token (`.` names a field or
    // method, `::` a path segment: neither is a use of a local name).
    let mut before: [Option<char>; 2] = [None, None];
    for tt in tokens {
        match tt {
            TokenTree::Group(g) => {
                collect_ident_uses(g.stream(), name, within, out);
                before = [None, None];
            }
            TokenTree::Ident(i) => {
                let r = syntax::range(i.span());
                let qualified = before[1] == Some('.') || before == [Some(':'), Some(':')];
                if !qualified && i == name && syntax::contains(within, &r) {
                    out.push(r);
                }
                before = [None, None];
            }
            TokenTree::Punct(p) => {
                before = [before[1], Some(p.as_char())];
            }
            TokenTree::Literal(lit) => {
                let r = syntax::range(lit.span());
                if syntax::contains(within, &r) {
                    let text = lit.to_string();
                    if text.contains(&format!("{{{name}}}")) || text.contains(&format!("{{{name}:"))
                    {
                        out.push(r);
                    }
                }
                before = [None, None];
            }
        }
    }
}

/// Whether an expression can take a postfix `.await` / `.method()` without parentheses.
pub fn is_postfix_ready(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Array(_)
            | Expr::Async(_)
            | Expr::Await(_)
            | Expr::Block(_)
            | Expr::Call(_)
            | Expr::Field(_)
            | Expr::Index(_)
            | Expr::Lit(_)
            | Expr::Macro(_)
            | Expr::MethodCall(_)
            | Expr::Paren(_)
            | Expr::Path(_)
            | Expr::Struct(_)
            | Expr::Try(_)
            | Expr::Tuple(_)
    )
}

/// What to write before and after an expression to give it a postfix `suffix`: parentheses
/// first when the suffix would otherwise bind to a part of it (`a + b` → `(a + b).await`).
pub fn wrap_postfix(expr: &Expr, suffix: &str) -> (String, String) {
    if is_postfix_ready(expr) {
        (String::new(), suffix.to_string())
    } else {
        ("(".to_string(), format!("){suffix}"))
    }
}

/// The single identifier a path expression names (`x`), if it is one.
pub fn expr_ident(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(|i| i.to_string()),
        Expr::Paren(p) => expr_ident(&p.expr),
        _ => None,
    }
}

/// The names bound by a pattern (every identifier binding in it).
pub fn pat_names(pat: &Pat) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.ident.to_string());
            visit::visit_pat_ident(self, p);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_pat(pat);
    names.0
}

/// The names every `let`, closure parameter, `for`/`match`/`if let` pattern and fn parameter
/// binds inside the byte range `within` of the file (the local variables there).
pub fn locals_in(source: &Source, within: &Range<usize>) -> Vec<String> {
    struct Locals<'r> {
        within: &'r Range<usize>,
        names: Vec<String>,
    }
    impl<'ast> Visit<'ast> for Locals<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if syntax::contains(self.within, &node_range(p)) {
                self.names.push(p.ident.to_string());
            }
            visit::visit_pat_ident(self, p);
        }
        fn visit_receiver(&mut self, r: &'ast syn::Receiver) {
            if syntax::contains(self.within, &node_range(r)) {
                self.names.push("self".to_string());
            }
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            if let Some(args) = macro_args(mac) {
                for a in &args {
                    self.visit_expr(a);
                }
            }
        }
    }
    let mut locals = Locals {
        within,
        names: Vec::new(),
    };
    locals.visit_file(&source.ast);
    locals.names.sort();
    locals.names.dedup();
    locals.names
}

/// Every identifier token inside `within` (macro bodies included) and every `{name}` in
/// string literals there: the names a piece of code may refer to.
pub fn idents_in(source: &Source, within: &Range<usize>) -> Vec<String> {
    fn collect(tokens: TokenStream, within: &Range<usize>, out: &mut Vec<String>) {
        for tt in tokens {
            match tt {
                TokenTree::Group(g) => collect(g.stream(), within, out),
                TokenTree::Ident(i) => {
                    if syntax::contains(within, &syntax::range(i.span())) {
                        out.push(i.to_string());
                    }
                }
                TokenTree::Literal(l) => {
                    if syntax::contains(within, &syntax::range(l.span())) {
                        out.extend(format_args_in(&l.to_string()));
                    }
                }
                TokenTree::Punct(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Some(tokens) = source.tokens() {
        collect(tokens, within, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// Names used as inline format arguments in a string literal's text (`"{x} {y:?}"`).
fn format_args_in(literal: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = literal;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fix::MemorySources;
    use std::collections::BTreeMap;

    pub(crate) fn source(text: &str) -> Source {
        Source {
            file: "src/main.rs".into(),
            text: Arc::from(text),
            ast: syntax::parse(text).unwrap(),
        }
    }

    #[test]
    fn frames_and_macro_arguments() {
        let text = "async fn a() { println!(\"{}\", f()); let c = || g(); }\nfn b() { h(); }\n";
        let s = source(text);
        let at = |needle: &str| {
            let start = text.find(needle).unwrap();
            expr_at(&s, &(start..start + needle.len())).unwrap()
        };
        assert_eq!(at("f()").frame, Frame::AsyncFn("a".into()));
        assert_eq!(at("g()").frame, Frame::Closure);
        assert_eq!(at("h()").frame, Frame::SyncFn("b".into()));
        assert_eq!(at("h()").item.unwrap().sig.ident, "b");
        let _ = MemorySources::default();
        let _: BTreeMap<String, String> = BTreeMap::new();
    }

    #[test]
    fn bindings_and_uses() {
        let text =
            "async fn a() {\n    let x = f();\n    println!(\"{x}\");\n    x.len();\n    y.x;\n}\n";
        let s = source(text);
        let body = 0..text.len();
        let b = binding_before(
            &s,
            "x",
            &expr_at(
                &s,
                &(text.find("f()").unwrap()..text.find("f()").unwrap() + 3),
            )
            .unwrap()
            .frame_range,
            text.len(),
        )
        .unwrap();
        assert_eq!(s.slice(&b.init), "f()");
        // The pattern, the format argument and `x.len()`, not the field `y.x`.
        assert_eq!(uses_of(&s, "x", &body).len(), 3);
        assert!(locals_in(&s, &body).contains(&"x".to_string()));
        assert!(idents_in(&s, &body).contains(&"x".to_string()));
    }

    #[test]
    fn parens_when_needed() {
        let e: Expr = syn::parse_str("a + b").unwrap();
        assert_eq!(wrap_postfix(&e, ".await").0, "(");
        let e: Expr = syn::parse_str("a()").unwrap();
        assert_eq!(wrap_postfix(&e, ".await").1, ".await");
    }
}

/// Diagnostics and inputs for the recipes' unit tests.
#[cfg(test)]
pub mod test_support {
    use std::collections::BTreeMap;
    use std::ops::Range;

    use serde_json::{json, Value};

    use crate::context::PackageContext;
    use crate::diagnostic::Diagnostic;
    use crate::fix::{Input, Sources};

    static NO_CAPTURES: BTreeMap<String, String> = BTreeMap::new();

    /// A rustc-shaped span over `range` of `text` in `file`.
    pub fn span(
        file: &str,
        text: &str,
        range: Range<usize>,
        primary: bool,
        label: Option<&str>,
        replacement: Option<&str>,
    ) -> Value {
        let line_start = crate::fix::syntax::line_number(text, range.start);
        let line_end = crate::fix::syntax::line_number(text, range.end);
        let col = |at: usize| {
            text[crate::fix::syntax::line_start(text, at)..at]
                .chars()
                .count()
                + 1
        };
        let lines: Vec<Value> = (line_start..=line_end)
            .map(|n| {
                let line = crate::fix::syntax::line_text(text, n).unwrap_or_default();
                let start = if n == line_start { col(range.start) } else { 1 };
                let end = if n == line_end {
                    col(range.end)
                } else {
                    line.chars().count() + 1
                };
                json!({"text": line, "highlight_start": start, "highlight_end": end})
            })
            .collect();
        json!({
            "file_name": file, "byte_start": range.start, "byte_end": range.end,
            "line_start": line_start, "line_end": line_end,
            "column_start": col(range.start), "column_end": col(range.end),
            "is_primary": primary, "text": lines, "label": label,
            "suggested_replacement": replacement,
            "suggestion_applicability": replacement.map(|_| "MaybeIncorrect"),
            "expansion": null,
        })
    }

    /// A diagnostic with one primary span and children `(message, Some((offset, replacement)))`.
    #[expect(
        clippy::too_many_arguments,
        reason = "a test builder that mirrors rustc's fields"
    )]
    pub fn diagnostic(
        level: &str,
        code: &str,
        message: &str,
        file: &str,
        text: &str,
        primary: Range<usize>,
        label: Option<&str>,
        children: &[(&str, Option<(usize, &str)>)],
    ) -> Diagnostic {
        let children: Vec<Value> = children
            .iter()
            .map(|(m, s)| {
                let spans: Vec<Value> = s
                    .iter()
                    .map(|(at, r)| span(file, text, *at..*at, true, None, Some(r)))
                    .collect();
                json!({"message": m, "code": null, "level": "help", "spans": spans, "children": [], "rendered": null})
            })
            .collect();
        let message = json!({
            "message": message,
            "code": if code.is_empty() { Value::Null } else { json!({"code": code, "explanation": null}) },
            "level": level,
            "spans": [span(file, text, primary, true, label, None)],
            "children": children,
            "rendered": "",
        });
        Diagnostic {
            rustc: serde_json::from_value(message).expect("a well-formed test diagnostic"),
            package_id: None,
            src_path: None,
            manifest_path: None,
        }
    }

    /// Adds a span to the diagnostic (`child: None`) or to its child number `child`.
    #[expect(
        clippy::too_many_arguments,
        reason = "a test builder that mirrors rustc's fields"
    )]
    pub fn add_span(
        d: &mut Diagnostic,
        child: Option<usize>,
        file: &str,
        text: &str,
        range: Range<usize>,
        primary: bool,
        label: Option<&str>,
        replacement: Option<&str>,
    ) {
        let s = serde_json::from_value(span(file, text, range, primary, label, replacement))
            .expect("a well-formed test span");
        match child {
            None => d.rustc.spans.push(s),
            Some(i) => d.rustc.children[i].spans.push(s),
        }
    }

    /// The byte range of the first `needle` in `text` (after `after`, when given).
    pub fn find(text: &str, needle: &str, after: Option<&str>) -> Range<usize> {
        let from = after.map_or(0, |a| text.find(a).expect("the anchor is in the text"));
        let start = from
            + text[from..]
                .find(needle)
                .expect("the needle is in the text");
        start..start + needle.len()
    }

    /// An input over `diagnostic` with no captures.
    pub fn input_for<'a>(
        diagnostic: &'a Diagnostic,
        sources: &'a dyn Sources,
        package: Option<&'a PackageContext>,
    ) -> Input<'a> {
        Input {
            diagnostic,
            captures: &NO_CAPTURES,
            package,
            sources,
        }
    }
}
