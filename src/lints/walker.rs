//! The shared pass: one walk over a parsed file that keeps the scope and hands every
//! expression and block to every source check ([`super::checks`]), clippy's late pass in
//! small.
//!
//! The walk keeps what a syntactic check can know: whether the innermost function-like
//! context is async (`async fn`, `async` block, async closure; a plain closure or a nested
//! `fn` is sync, which is why `spawn_blocking(|| ..)` bodies are never flagged), the `use`
//! items in scope ([`super::resolve`]), and the types of local bindings made by a few known
//! constructors (`std::sync::mpsc::channel()`, `std::net::TcpListener::bind(..)`, …; see
//! [`super::apis`]). Macro bodies are token streams and are not looked into. Whatever this
//! cannot see for sure, it does not report. It also collects the file's `mod name;`
//! declarations, the files to read next. It decides nothing about what is a mistake: that is
//! each check's job.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Block, Expr, FnArg, Item, Pat, Stmt, Type};

use super::apis::{self, Known};
use super::checks::Check;
use super::resolve::{join, Resolver, UseScope};
use super::syntax::{
    is_cfg_test, item_attrs, pat_idents, source_text, spawning_fns, strip_paren, AsyncFns,
};
use super::{CheckFinding, Label};

/// What one file gave.
#[derive(Debug, Default)]
pub struct FileReport {
    pub findings: Vec<CheckFinding>,
    /// `mod name;` declarations: the files to read next.
    pub modules: Vec<ModDecl>,
}

/// A `mod name;` (without a body) found in a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModDecl {
    pub name: String,
    /// The value of a `#[path = "…"]` attribute.
    pub path_attr: Option<String>,
    /// Names of the inline `mod x { … }` blocks it sits in, outermost first.
    pub inline_parents: Vec<String>,
}

/// Where the walk stands when it asks the checks. Each check looks at the nodes it cares
/// about and returns at once for the rest.
#[derive(Clone, Copy)]
pub enum Node<'ast> {
    /// An expression, before the walk goes into it (a loop before its body, a call before
    /// its arguments).
    Expr(&'ast Expr),
    /// A block, with its own `use` items in scope, before its statements are walked.
    Block(&'ast Block),
}

/// Where a future comes from, as far as the source shows ([`CheckContext::future_made_by`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FutureSource {
    /// An `async` block.
    AsyncBlock,
    /// A call of an `async fn` of this file.
    AsyncFn,
    /// A runtime function from [`apis::FUTURE_FNS`].
    Runtime {
        /// Whether all of its work waits for the first poll (timers do not).
        lazy: bool,
    },
}

impl FutureSource {
    /// Whether nothing of the future's work happens before it is first polled.
    pub fn is_lazy(self) -> bool {
        !matches!(self, FutureSource::Runtime { lazy: false })
    }
}

/// Parses `text` and runs every check. See [`super::analyze_source`].
pub fn analyze(text: &str, include_cfg_test: bool) -> Result<FileReport, syn::Error> {
    let report = {
        let file = syn::parse_file(text)?;
        let mut cx = CheckContext {
            text,
            file: &file,
            resolver: Resolver::default(),
            vars: Vec::new(),
            frames: Vec::new(),
            enclosing: Vec::new(),
            include_cfg_test,
            inline_mods: Vec::new(),
            spawners: OnceCell::new(),
            async_fns: OnceCell::new(),
            report: FileReport::default(),
        };
        cx.visit_file(&file);
        cx.report
    };
    // Every position is extracted; free proc-macro2's per-thread source map so that a long
    // run over many files does not keep every file's text alive.
    proc_macro2::extra::invalidate_current_thread_spans();
    Ok(report)
}

/// Local bindings of one block or function: name → known type (`None`: a binding we know
/// nothing about, which shadows an outer one). A barrier (a `fn` item) hides outer scopes.
struct VarScope {
    barrier: bool,
    names: HashMap<String, Option<Known>>,
}

/// A function-like context.
struct Frame {
    is_async: bool,
    /// How messages name it: "async fn `handle`", "an async block".
    what: String,
}

/// An item or statement around the node being checked: an `allow` comment above it
/// silences what is inside.
enum Enclosing<'ast> {
    Item(&'ast Item),
    ImplItem(&'ast syn::ImplItem),
    TraitItem(&'ast syn::TraitItem),
    Stmt(&'ast Stmt),
}

impl Enclosing<'_> {
    fn line(&self) -> usize {
        let span = match self {
            Enclosing::Item(i) => i.span(),
            Enclosing::ImplItem(i) => i.span(),
            Enclosing::TraitItem(i) => i.span(),
            Enclosing::Stmt(s) => s.span(),
        };
        span.start().line
    }
}

/// The walk's state, and what a check may ask about the code around the node it is given
/// (the `cx` of `check(cx, node)`). Checks read the scope through the methods below and
/// report through [`CheckContext::report`]; only the walk changes the scope.
pub struct CheckContext<'ast, 't> {
    text: &'t str,
    file: &'ast syn::File,
    resolver: Resolver,
    vars: Vec<VarScope>,
    frames: Vec<Frame>,
    enclosing: Vec<Enclosing<'ast>>,
    include_cfg_test: bool,
    inline_mods: Vec<String>,
    /// Functions of this file whose bodies spawn a task, computed the first time a check
    /// asks (see [`CheckContext::spawners`]).
    spawners: OnceCell<HashSet<String>>,
    /// The file's `async fn`s, computed the first time a check asks.
    async_fns: OnceCell<AsyncFns>,
    report: FileReport,
}

impl CheckContext<'_, '_> {
    /// How messages name the innermost function-like context (“async fn `handle`”, “an
    /// async block”, “an async closure”) when it is async; `None` in sync code.
    pub fn async_context(&self) -> Option<&str> {
        self.frames
            .last()
            .filter(|f| f.is_async)
            .map(|f| f.what.as_str())
    }

    /// Whether `name` is a local binding here (a parameter, a `let`, a pattern), which
    /// shadows any item or import of that name.
    pub fn is_local(&self, name: &str) -> bool {
        self.var(name).is_some()
    }

    /// The full path a path names through the `use` items in scope
    /// (`thread::sleep` → `std::thread::sleep`); `None` when it is local or unknown.
    pub fn resolve(&self, path: &syn::Path) -> Option<Vec<String>> {
        self.resolver.resolve_path(path)
    }

    /// The known type of an expression, when a binding, constructor or builder tells it.
    pub fn known_type(&self, expr: &Expr) -> Option<Known> {
        match expr {
            Expr::Path(p) if p.qself.is_none() => self.var(&p.path.get_ident()?.to_string())?,
            Expr::Call(c) => match strip_paren(&c.func) {
                Expr::Path(p) if p.qself.is_none() => {
                    apis::constructor(&join(&self.resolver.resolve_path(&p.path)?))
                }
                _ => None,
            },
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if matches!(method.as_str(), "unwrap" | "expect") {
                    return self.known_type(&m.receiver);
                }
                apis::after_method(self.known_type(&m.receiver)?, &method)
            }
            Expr::Try(t) => self.known_type(&t.expr),
            Expr::Paren(p) => self.known_type(&p.expr),
            Expr::Group(g) => self.known_type(&g.expr),
            Expr::Reference(r) => self.known_type(&r.expr),
            _ => None,
        }
    }

    /// Whether `expr` makes a future, and how: an `async` block, a call of an `async fn` of
    /// this file (by name, `Self::name(..)`, or a method called on `self`; on any receiver
    /// when `any_receiver`, for callers that have another sign the value is a future), or a
    /// runtime function of [`apis::FUTURE_FNS`]. `Box::pin(f)` and `f.boxed()` are looked
    /// through. `None` when the source does not show it.
    pub fn future_made_by(&self, expr: &Expr, any_receiver: bool) -> Option<FutureSource> {
        match strip_paren(expr) {
            Expr::Async(_) => Some(FutureSource::AsyncBlock),
            Expr::Call(c) => {
                let Expr::Path(p) = strip_paren(&c.func) else {
                    return None;
                };
                if p.qself.is_some() {
                    return None;
                }
                let names: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                if names.ends_with(&["Box", "pin"]) && c.args.len() == 1 {
                    return self.future_made_by(&c.args[0], any_receiver);
                }
                if let [only] = names.as_slice() {
                    if self.is_local(only) {
                        return None;
                    }
                    if let Some(full) = self.resolve(&p.path) {
                        return apis::future_fn(&join(&full))
                            .map(|lazy| FutureSource::Runtime { lazy });
                    }
                    return self
                        .async_fns()
                        .is_free(only)
                        .then_some(FutureSource::AsyncFn);
                }
                if let ["Self", method] = names.as_slice() {
                    return self
                        .async_fns()
                        .is_method(method)
                        .then_some(FutureSource::AsyncFn);
                }
                let full = self.resolve(&p.path)?;
                apis::future_fn(&join(&full)).map(|lazy| FutureSource::Runtime { lazy })
            }
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if m.args.is_empty() && matches!(method.as_str(), "boxed" | "boxed_local") {
                    return self.future_made_by(&m.receiver, any_receiver);
                }
                let on_self =
                    matches!(strip_paren(&m.receiver), Expr::Path(p) if p.path.is_ident("self"));
                ((on_self || any_receiver) && self.async_fns().is_method(&method))
                    .then_some(FutureSource::AsyncFn)
            }
            _ => None,
        }
    }

    /// The source text of `span`, its lines trimmed and joined by single spaces.
    pub fn source(&self, span: Span) -> String {
        source_text(self.text, span)
    }

    /// Names of the functions and methods of this file whose bodies spawn a task
    /// ([`super::syntax::spawning_fns`]); read once per file, on first use.
    pub fn spawners(&self) -> &HashSet<String> {
        self.spawners.get_or_init(|| spawning_fns(self.file))
    }

    /// The `async fn`s of this file by name ([`AsyncFns`]); read once per file, on first use.
    pub fn async_fns(&self) -> &AsyncFns {
        self.async_fns.get_or_init(|| AsyncFns::of(self.file))
    }

    /// The whole text of the file (for cheap questions about what it names at all).
    pub fn file_text(&self) -> &str {
        self.text
    }

    /// Records a finding of `check` at the node being checked: `labels` with the primary
    /// first, `notes` as `(level, text)` children. The walk adds the note on how to silence
    /// it and the lines of the enclosing items and statements (where an `allow` comment
    /// counts); a check may add more lines to [`CheckFinding::enclosing`] on the result.
    pub fn report(
        &mut self,
        check: Check,
        message: String,
        labels: Vec<Label>,
        mut notes: Vec<(&'static str, String)>,
    ) -> &mut CheckFinding {
        notes.push((
            "note",
            format!(
                "`{}` is on by default; `// explain-async: allow({})` on this line or above the \
                 item silences it",
                check.code(),
                check.id()
            ),
        ));
        let enclosing = self.enclosing.iter().map(Enclosing::line).collect();
        let findings = &mut self.report.findings;
        findings.push(CheckFinding {
            check,
            message,
            labels,
            notes,
            enclosing,
        });
        let last = findings.len() - 1;
        &mut findings[last]
    }

    fn var(&self, name: &str) -> Option<Option<Known>> {
        for scope in self.vars.iter().rev() {
            if let Some(known) = scope.names.get(name) {
                return Some(*known);
            }
            if scope.barrier {
                break;
            }
        }
        None
    }

    fn push_vars(&mut self, barrier: bool) {
        self.vars.push(VarScope {
            barrier,
            names: HashMap::new(),
        });
    }

    fn bind(&mut self, name: String, known: Option<Known>) {
        if let Some(scope) = self.vars.last_mut() {
            scope.names.insert(name, known);
        }
    }

    fn bind_pat(&mut self, pat: &Pat, known: Option<Known>) {
        match pat {
            Pat::Ident(p) if p.subpat.is_none() => self.bind(p.ident.to_string(), known),
            Pat::Type(t) => {
                let known = known.or_else(|| self.type_known(&t.ty));
                self.bind_pat(&t.pat, known);
            }
            Pat::Tuple(t) if known == Some(Known::StdChannel) && t.elems.len() == 2 => {
                self.bind_pat(&t.elems[0], None);
                self.bind_pat(&t.elems[1], Some(Known::StdReceiver));
            }
            _ => {
                let mut names = Vec::new();
                pat_idents(pat, &mut names);
                for name in names {
                    self.bind(name, None);
                }
            }
        }
    }

    /// The known type a type expression names (`std::sync::mpsc::Receiver<T>`,
    /// `&TcpListener`, …).
    fn type_known(&self, ty: &Type) -> Option<Known> {
        match ty {
            Type::Path(p) if p.qself.is_none() => {
                apis::type_named(&join(&self.resolver.resolve_path(&p.path)?))
            }
            Type::Reference(r) => self.type_known(&r.elem),
            Type::Paren(p) => self.type_known(&p.elem),
            _ => None,
        }
    }
}

impl<'ast> CheckContext<'ast, '_> {
    /// The whole parsed file (for checks that look up an item elsewhere in it).
    pub fn file(&self) -> &'ast syn::File {
        self.file
    }

    /// Hands `node` to every check, in list order.
    fn run_checks(&mut self, node: Node<'ast>) {
        for &check in Check::ALL {
            check.run(self, node);
        }
    }

    /// A function body: its own frame (async or not) and, behind a barrier, its parameters.
    fn function(&mut self, sig: &'ast syn::Signature, block: &'ast Block) {
        self.frames.push(Frame {
            is_async: sig.asyncness.is_some(),
            what: format!("async fn `{}`", sig.ident),
        });
        self.push_vars(true);
        for input in &sig.inputs {
            if let FnArg::Typed(t) = input {
                let known = self.type_known(&t.ty);
                self.bind_pat(&t.pat, known);
            }
        }
        self.visit_block(block);
        self.vars.pop();
        self.frames.pop();
    }
}

impl<'ast> Visit<'ast> for CheckContext<'ast, '_> {
    fn visit_file(&mut self, file: &'ast syn::File) {
        self.resolver.push(UseScope::from_items(&file.items, false));
        self.push_vars(true);
        visit::visit_file(self, file);
        self.vars.pop();
        self.resolver.pop();
    }

    fn visit_item(&mut self, item: &'ast Item) {
        if !self.include_cfg_test && is_cfg_test(item_attrs(item)) {
            return;
        }
        self.enclosing.push(Enclosing::Item(item));
        visit::visit_item(self, item);
        self.enclosing.pop();
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        if let syn::ImplItem::Fn(f) = item {
            if !self.include_cfg_test && is_cfg_test(&f.attrs) {
                return;
            }
        }
        self.enclosing.push(Enclosing::ImplItem(item));
        visit::visit_impl_item(self, item);
        self.enclosing.pop();
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        self.enclosing.push(Enclosing::TraitItem(item));
        visit::visit_trait_item(self, item);
        self.enclosing.pop();
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let name = m.ident.to_string();
        let Some((_, items)) = &m.content else {
            let path_attr = m.attrs.iter().find_map(|a| match &a.meta {
                syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            });
            self.report.modules.push(ModDecl {
                name,
                path_attr,
                inline_parents: self.inline_mods.clone(),
            });
            return;
        };
        self.resolver.push(UseScope::from_items(items, false));
        self.push_vars(true);
        self.inline_mods.push(name);
        for item in items {
            self.visit_item(item);
        }
        self.inline_mods.pop();
        self.vars.pop();
        self.resolver.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.function(&f.sig, &f.block);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.function(&f.sig, &f.block);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.function(&f.sig, block);
        }
    }

    fn visit_block(&mut self, block: &'ast Block) {
        let items = block.stmts.iter().filter_map(|s| match s {
            Stmt::Item(i) => Some(i),
            _ => None,
        });
        self.resolver.push(UseScope::from_items(items, true));
        self.push_vars(false);
        self.run_checks(Node::Block(block));
        visit::visit_block(self, block);
        self.vars.pop();
        self.resolver.pop();
    }

    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        self.enclosing.push(Enclosing::Stmt(stmt));
        visit::visit_stmt(self, stmt);
        self.enclosing.pop();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let mut known = None;
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
            known = self.known_type(&init.expr);
        }
        self.bind_pat(&local.pat, known);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        // Names bound by the pattern shadow outer bindings inside the arm.
        self.push_vars(false);
        self.bind_pat(&arm.pat, None);
        visit::visit_arm(self, arm);
        self.vars.pop();
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        self.run_checks(Node::Expr(expr));
        visit::visit_expr(self, expr);
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        // `if let` / `while let` bindings: over-approximated as shadowing from here on in the
        // enclosing block, which can only make the checks quieter.
        self.visit_expr(&l.expr);
        self.bind_pat(&l.pat, None);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.frames.push(Frame {
            is_async: c.asyncness.is_some(),
            what: "an async closure".into(),
        });
        self.push_vars(false);
        for input in &c.inputs {
            self.bind_pat(input, None);
        }
        self.visit_expr(&c.body);
        self.vars.pop();
        self.frames.pop();
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.frames.push(Frame {
            is_async: true,
            what: "an async block".into(),
        });
        visit::visit_expr_async(self, a);
        self.frames.pop();
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.push_vars(false);
        self.bind_pat(&f.pat, None);
        self.visit_block(&f.body);
        self.vars.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::found;

    const B: &str = "blocking_call_in_async";

    #[test]
    fn cfg_test_code_is_skipped_unless_tests_are_checked() {
        let src = "#[cfg(test)]\nmod tests {\n    async fn t() { std::thread::sleep(d); }\n}\n";
        assert_eq!(found(src), vec![]);
        let all = "#[cfg(all(test, unix))]\nasync fn t() { std::thread::sleep(d); }\n";
        assert_eq!(found(all), vec![]);
        let not = "#[cfg(not(test))]\nasync fn t() { std::thread::sleep(d); }\n";
        assert_eq!(found(not), vec![(B, 2)]);
        let report = crate::lints::analyze_source(src, true).unwrap();
        assert_eq!(report.findings.len(), 1);
    }

    #[test]
    fn async_blocks_and_closures_count() {
        let src = r#"
fn spawner() {
    tokio::spawn(async { std::thread::sleep(d) });
    let c = async || std::fs::write("a", "b");
    let d = || async move { std::fs::remove_file("a") };
}
"#;
        assert_eq!(found(src), vec![(B, 3), (B, 4), (B, 5)]);
    }

    #[test]
    fn shadowed_and_local_names_are_silent() {
        let src = r#"
use std::fs::read;
async fn a(rx: std::sync::mpsc::Receiver<u8>) {
    let read = |p: &str| p.len();
    read("x");
    let rx = other();
    rx.recv();
}
async fn b(rx: std::sync::mpsc::Receiver<u8>, o: Option<Thing>) {
    match o {
        Some(rx) => rx.recv(),
        None => {}
    }
    if let Some(rx) = o {
        rx.recv();
    }
}
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn out_of_line_modules_are_collected_with_their_place() {
        let src = r#"
mod net;
#[path = "other/io.rs"]
mod io;
mod outer {
    mod inner { mod leaf; }
}
#[cfg(test)]
mod tests;
"#;
        let report = analyze(src, false).unwrap();
        let decl = |name: &str, path: Option<&str>, parents: &[&str]| ModDecl {
            name: name.into(),
            path_attr: path.map(String::from),
            inline_parents: parents.iter().map(|p| p.to_string()).collect(),
        };
        assert_eq!(
            report.modules,
            vec![
                decl("net", None, &[]),
                decl("io", Some("other/io.rs"), &[]),
                decl("leaf", None, &["outer", "inner"]),
            ]
        );
        assert_eq!(analyze(src, true).unwrap().modules.len(), 4);
    }
}
