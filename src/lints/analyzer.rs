//! One walk over a parsed file that runs the three checks.
//!
//! The walk keeps what a syntactic check can know: whether the innermost function-like
//! context is async (`async fn`, `async` block, async closure; a plain closure or a nested
//! `fn` is sync, which is why `spawn_blocking(|| ..)` bodies are never flagged), the `use`
//! items in scope ([`super::resolve`]), and the types of local bindings made by a few known
//! constructors (`std::sync::mpsc::channel()`, `std::net::TcpListener::bind(..)`, …; see
//! [`super::apis`]). Macro bodies are token streams and are not looked into. Whatever this
//! cannot see for sure, it does not report.

use std::collections::{HashMap, HashSet};

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Attribute, Block, Expr, ExprAwait, FnArg, Item, Pat, Stmt, Type};

use super::apis::{self, Known};
use super::resolve::{join, Resolver, UseScope};
use super::{Check, Finding, Label, Pos};

/// What one file gave.
#[derive(Debug, Default)]
pub struct FileReport {
    pub findings: Vec<Finding>,
    /// `mod name;` declarations: the files to read next.
    pub modules: Vec<ModDecl>,
}

/// A `mod name;` (without a body) found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModDecl {
    pub name: String,
    /// The value of a `#[path = "…"]` attribute.
    pub path_attr: Option<String>,
    /// Names of the inline `mod x { … }` blocks it sits in, outermost first.
    pub inline_parents: Vec<String>,
}

/// Parses `text` and runs every check. See [`super::analyze_source`].
pub fn analyze(text: &str, include_cfg_test: bool) -> Result<FileReport, syn::Error> {
    let report = {
        let file = syn::parse_file(text)?;
        let mut analyzer = Analyzer {
            text,
            resolver: Resolver::default(),
            vars: Vec::new(),
            frames: Vec::new(),
            anchors: Vec::new(),
            include_cfg_test,
            inline_mods: Vec::new(),
            spawners: spawning_fns(&file),
            report: FileReport::default(),
        };
        analyzer.visit_file(&file);
        analyzer.report
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

/// An enclosing item or statement: an `allow` comment above it silences what is inside.
enum Anchor<'ast> {
    Item(&'ast Item),
    ImplItem(&'ast syn::ImplItem),
    TraitItem(&'ast syn::TraitItem),
    Stmt(&'ast Stmt),
}

impl Anchor<'_> {
    fn line(&self) -> usize {
        let span = match self {
            Anchor::Item(i) => i.span(),
            Anchor::ImplItem(i) => i.span(),
            Anchor::TraitItem(i) => i.span(),
            Anchor::Stmt(s) => s.span(),
        };
        span.start().line
    }
}

struct Analyzer<'ast, 't> {
    text: &'t str,
    resolver: Resolver,
    vars: Vec<VarScope>,
    frames: Vec<Frame>,
    anchors: Vec<Anchor<'ast>>,
    include_cfg_test: bool,
    inline_mods: Vec<String>,
    /// Functions of this file whose bodies spawn a task (see [`spawning_fns`]).
    spawners: HashSet<String>,
    report: FileReport,
}

fn pos(lc: proc_macro2::LineColumn) -> Pos {
    Pos {
        line: lc.line,
        column: lc.column,
    }
}

fn label(span: Span, text: String, primary: bool) -> Label {
    Label {
        lo: pos(span.start()),
        hi: pos(span.end()),
        text,
        primary,
    }
}

/// `#[cfg(test)]` or `#[cfg(all(test, …))]` among `attrs`: code compiled only for tests.
fn is_cfg_test(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        let syn::Meta::List(l) = &a.meta else {
            return false;
        };
        if !a.path().is_ident("cfg") {
            return false;
        }
        let text = l.tokens.to_string();
        let words: Vec<&str> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        words == ["test"]
            || (words.first() == Some(&"all") && words.contains(&"test") && !words.contains(&"not"))
    })
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Fn(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Const(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        _ => &[],
    }
}

/// Every name a pattern binds.
fn pat_idents(pat: &Pat, out: &mut Vec<String>) {
    struct Idents<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Idents<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.ident.to_string());
            visit::visit_pat_ident(self, p);
        }
        // Paths in patterns (`Ok(..)`, `Some(..)`) are not bindings; expressions in
        // patterns (ranges, consts) bind nothing.
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    Idents(out).visit_pat(pat);
}

/// The single name of a simple `x`, `mut x` or `x: T` pattern.
fn simple_ident(pat: &Pat) -> Option<&syn::Ident> {
    match pat {
        Pat::Ident(p) if p.subpat.is_none() => Some(&p.ident),
        Pat::Type(t) => simple_ident(&t.pat),
        _ => None,
    }
}

/// `expr` without the wrappers that only unwrap a `Result`/`Option` or group:
/// `(e)`, `e?`, `e.unwrap()`, `e.expect(..)`, `e.map_err(..)`, `e.context(..)`.
fn strip_result(mut expr: &Expr) -> &Expr {
    loop {
        expr = match expr {
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::Try(t) => &t.expr,
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "unwrap" | "expect" | "map_err" | "context" | "with_context" | "wrap_err"
                ) =>
            {
                &m.receiver
            }
            _ => return expr,
        };
    }
}

fn strip_paren(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(p) = expr {
        expr = &p.expr;
    }
    expr
}

/// `x.accept().await` (any receiver, no arguments), possibly unwrapped.
fn accept_await(expr: &Expr) -> Option<&ExprAwait> {
    match strip_result(expr) {
        Expr::Await(a) => match strip_paren(&a.base) {
            Expr::MethodCall(m) if m.method == "accept" && m.args.is_empty() => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// `x.lock().await`, `x.read().await`, `x.write().await` (no arguments), possibly
/// unwrapped: the await and the lock's method call.
fn lock_await(expr: &Expr) -> Option<(&ExprAwait, &syn::ExprMethodCall)> {
    match strip_result(expr) {
        Expr::Await(a) => match strip_paren(&a.base) {
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(m.method.to_string().as_str(), "lock" | "read" | "write") =>
            {
                Some((a, m))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The first name of `names` that `expr` mentions as a plain path (`socket`, `&socket`,
/// `socket.peer_addr()`, inside closures and async blocks too). Macro bodies are not read.
fn mentions<'n>(node: &Expr, names: &'n HashSet<String>) -> Option<&'n String> {
    let mut finder = Finder { names, found: None };
    finder.visit_expr(node);
    finder.found
}

/// [`mentions`] for a block.
fn mentions_in_block<'n>(block: &Block, names: &'n HashSet<String>) -> Option<&'n String> {
    let mut finder = Finder { names, found: None };
    finder.visit_block(block);
    finder.found
}

struct Finder<'n> {
    names: &'n HashSet<String>,
    found: Option<&'n String>,
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if self.found.is_none() && p.qself.is_none() {
            if let Some(name) = p.path.get_ident() {
                self.found = self.names.get(&name.to_string());
            }
        }
    }
    fn visit_item(&mut self, _: &'ast Item) {}
}

/// Walks an expression or statements in the current context only: not into closures,
/// async blocks or nested items (their code does not run here and now), calling `on_await`
/// for each `.await`, outermost first; stops when it returns `true`.
struct AwaitWalker<'ast, F: FnMut(&'ast ExprAwait) -> bool> {
    on_await: F,
    hit: Option<&'ast ExprAwait>,
}

impl<'ast, F: FnMut(&'ast ExprAwait) -> bool> Visit<'ast> for AwaitWalker<'ast, F> {
    fn visit_expr_await(&mut self, a: &'ast ExprAwait) {
        if self.hit.is_some() {
            return;
        }
        if (self.on_await)(a) {
            self.hit = Some(a);
            return;
        }
        visit::visit_expr_await(self, a);
    }
    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.hit.is_none() {
            visit::visit_expr(self, e);
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast Item) {}
}

fn first_await<'ast>(
    stmt: &'ast Stmt,
    on_await: impl FnMut(&'ast ExprAwait) -> bool,
) -> Option<&'ast ExprAwait> {
    let mut walker = AwaitWalker {
        on_await,
        hit: None,
    };
    walker.visit_stmt(stmt);
    walker.hit
}

fn first_await_in_expr<'ast>(
    expr: &'ast Expr,
    on_await: impl FnMut(&'ast ExprAwait) -> bool,
) -> Option<&'ast ExprAwait> {
    let mut walker = AwaitWalker {
        on_await,
        hit: None,
    };
    walker.visit_expr(expr);
    walker.hit
}

/// Whether `stmt` moves or drops the binding `name`, or binds that name again: any use of
/// `name` by value (as an argument, `let x = name;`, `drop(name)`, a `move` closure or an
/// `async move` block that mentions it). Uses through `&`, `*`, a field, an index or as a
/// method receiver keep it. Conservative: a guard we are no longer sure of is let go.
fn releases(stmt: &Stmt, name: &str) -> bool {
    struct Release<'a> {
        name: &'a str,
        hit: bool,
    }
    impl Release<'_> {
        fn is_name(&self, e: &Expr) -> bool {
            matches!(strip_paren(e), Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name))
        }
        fn names(&self) -> HashSet<String> {
            std::iter::once(self.name.to_string()).collect()
        }
    }
    impl<'ast> Visit<'ast> for Release<'_> {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.qself.is_none() && p.path.is_ident(self.name) {
                self.hit = true;
            }
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if !self.is_name(&m.receiver) {
                self.visit_expr(&m.receiver);
            }
            for arg in &m.args {
                self.visit_expr(arg);
            }
        }
        fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
            if !self.is_name(&f.base) {
                self.visit_expr(&f.base);
            }
        }
        fn visit_expr_index(&mut self, i: &'ast syn::ExprIndex) {
            if !self.is_name(&i.expr) {
                self.visit_expr(&i.expr);
            }
            self.visit_expr(&i.index);
        }
        fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
            if !self.is_name(&r.expr) {
                self.visit_expr(&r.expr);
            }
        }
        fn visit_expr_unary(&mut self, u: &'ast syn::ExprUnary) {
            if !(matches!(u.op, syn::UnOp::Deref(_)) && self.is_name(&u.expr)) {
                self.visit_expr(&u.expr);
            }
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            if c.capture.is_some() && mentions(&c.body, &self.names()).is_some() {
                self.hit = true;
            }
        }
        fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
            if a.capture.is_some() && mentions_in_block(&a.block, &self.names()).is_some() {
                self.hit = true;
            }
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if p.ident == self.name {
                self.hit = true;
            }
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut release = Release { name, hit: false };
    release.visit_stmt(stmt);
    release.hit
}

impl<'ast> Analyzer<'ast, '_> {
    fn async_frame(&self) -> Option<&Frame> {
        self.frames.last().filter(|f| f.is_async)
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

    /// The known type of an expression, when a binding, constructor or builder tells it.
    fn type_of(&self, expr: &Expr) -> Option<Known> {
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
                    return self.type_of(&m.receiver);
                }
                apis::after_method(self.type_of(&m.receiver)?, &method)
            }
            Expr::Try(t) => self.type_of(&t.expr),
            Expr::Paren(p) => self.type_of(&p.expr),
            Expr::Group(g) => self.type_of(&g.expr),
            Expr::Reference(r) => self.type_of(&r.expr),
            _ => None,
        }
    }

    /// The source text between two positions, whitespace collapsed.
    fn source(&self, span: Span) -> String {
        let (lo, hi) = (span.start(), span.end());
        let mut out = String::new();
        for (i, line) in self.text.lines().enumerate().skip(lo.line - 1) {
            let n = i + 1;
            if n > hi.line {
                break;
            }
            let start = if n == lo.line { lo.column } else { 0 };
            let end = if n == hi.line { hi.column } else { usize::MAX };
            let piece: String = line
                .chars()
                .skip(start)
                .take(end.saturating_sub(start))
                .collect();
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(piece.trim());
        }
        out
    }

    fn push_finding(
        &mut self,
        check: Check,
        message: String,
        labels: Vec<Label>,
        mut notes: Vec<(&'static str, String)>,
        extra_anchor: Option<usize>,
    ) {
        notes.push((
            "note",
            format!(
                "`{}` is on by default; `// explain-async: allow({})` on this line or above the \
                 item silences it",
                check.code(),
                check.id()
            ),
        ));
        let mut anchors: Vec<usize> = self.anchors.iter().map(Anchor::line).collect();
        anchors.extend(extra_anchor);
        self.report.findings.push(Finding {
            check,
            message,
            labels,
            notes,
            anchors,
        });
    }

    fn blocking(&mut self, span: Span, api: String, twin: &str) {
        let Some(what) = self.async_frame().map(|f| f.what.clone()) else {
            return;
        };
        let message = format!("blocking call `{api}` in {what}");
        let twin_help = if twin == "tokio::task::spawn_blocking" {
            "move the blocking work into `tokio::task::spawn_blocking(move || ..)` and `.await` \
             its handle"
                .to_string()
        } else {
            format!(
                "use {}, or move the call into `tokio::task::spawn_blocking(move || ..)`",
                apis::help_code(twin)
            )
        };
        self.push_finding(
            Check::BlockingCallInAsync,
            message,
            vec![label(
                span,
                "this blocks the executor thread; no other task runs on it until it returns".into(),
                true,
            )],
            vec![("help", twin_help)],
            None,
        );
    }

    /// `sequential_accept_loop`: `body` (and a `while let` condition) of a loop.
    fn check_accept_loop(&mut self, cond: Option<&'ast Expr>, body: &'ast Block) {
        if self.async_frame().is_none() {
            return;
        }
        if let Some(Expr::Let(l)) = cond.map(strip_paren) {
            if let Some(accept) = accept_await(&l.expr) {
                let mut bound = bound_names(&l.pat);
                if let Some(hit) = inline_handling(&body.stmts, &mut bound, &self.spawners) {
                    return self.accept_finding(accept, hit, &bound);
                }
            }
        }
        for (i, stmt) in body.stmts.iter().enumerate() {
            let rest = &body.stmts[i + 1..];
            match stmt {
                Stmt::Local(local) => {
                    let Some(init) = &local.init else { continue };
                    let init_expr = strip_result(&init.expr);
                    let (accept, mut bound) = if let Some(a) = accept_await(init_expr) {
                        (a, bound_names(&local.pat))
                    } else if let Expr::Match(m) = init_expr {
                        let Some(a) = accept_await(&m.expr) else {
                            continue;
                        };
                        let mut bound = bound_names(&local.pat);
                        for arm in &m.arms {
                            bound.extend(bound_names(&arm.pat));
                        }
                        (a, bound)
                    } else {
                        continue;
                    };
                    if let Some(hit) = inline_handling(rest, &mut bound, &self.spawners) {
                        return self.accept_finding(accept, hit, &bound);
                    }
                }
                Stmt::Expr(Expr::Match(m), _) => {
                    let Some(accept) = accept_await(&m.expr) else {
                        continue;
                    };
                    for arm in &m.arms {
                        let mut bound = bound_names(&arm.pat);
                        let hit = match strip_paren(&arm.body) {
                            Expr::Block(b) => {
                                inline_handling(&b.block.stmts, &mut bound, &self.spawners)
                            }
                            body => {
                                first_await_in_expr(body, |a| handles(a, &bound, &self.spawners))
                            }
                        };
                        if let Some(hit) = hit {
                            return self.accept_finding(accept, hit, &bound);
                        }
                    }
                }
                Stmt::Expr(Expr::If(e), _) => {
                    let Expr::Let(l) = strip_paren(&e.cond) else {
                        continue;
                    };
                    let Some(accept) = accept_await(&l.expr) else {
                        continue;
                    };
                    let mut bound = bound_names(&l.pat);
                    if let Some(hit) =
                        inline_handling(&e.then_branch.stmts, &mut bound, &self.spawners)
                    {
                        return self.accept_finding(accept, hit, &bound);
                    }
                }
                _ => {}
            }
        }
    }

    fn accept_finding(
        &mut self,
        accept: &'ast ExprAwait,
        hit: &'ast ExprAwait,
        bound: &HashSet<String>,
    ) {
        let var = mentions(&hit.base, bound)
            .cloned()
            .unwrap_or_else(|| "the connection".into());
        let message = format!(
            "accept loop awaits the handling of `{var}` before accepting the next connection"
        );
        let labels = vec![
            label(
                hit.span(),
                format!("the loop waits here until `{var}` is handled; no other client is accepted meanwhile"),
                true,
            ),
            label(accept.span(), "connection accepted here".into(), false),
        ];
        let help = format!(
            "spawn the handling so the loop goes straight back to `accept()`: \
             `tokio::spawn(async move {{ /* use {var} here */ }});`"
        );
        self.push_finding(
            Check::SequentialAcceptLoop,
            message,
            labels,
            vec![("help", help)],
            None,
        );
    }

    /// `lock_held_across_await`: guards bound by `let` in this block.
    fn check_guards(&mut self, block: &'ast Block) {
        if self.async_frame().is_none() {
            return;
        }
        for (i, stmt) in block.stmts.iter().enumerate() {
            let Stmt::Local(local) = stmt else { continue };
            let Some(init) = &local.init else { continue };
            if init.diverge.is_some() {
                continue;
            }
            let Some(guard) = simple_ident(&local.pat) else {
                continue;
            };
            let guard = guard.to_string();
            if guard == "_" {
                continue;
            }
            let Some((acquire, call)) = lock_await(&init.expr) else {
                continue;
            };
            let just_guard: HashSet<String> = std::iter::once(guard.clone()).collect();
            for later in &block.stmts[i + 1..] {
                let hit = first_await(later, |a| {
                    mentions(&a.base, &just_guard).is_none() && !is_lock_call(&a.base)
                });
                if let Some(hit) = hit {
                    let lock = self.source(call.receiver.span());
                    let method = call.method.to_string();
                    self.guard_finding(&guard, &lock, &method, acquire, hit, stmt);
                    break;
                }
                if releases(later, &guard) {
                    break;
                }
            }
        }
    }

    fn guard_finding(
        &mut self,
        guard: &str,
        lock: &str,
        method: &str,
        acquire: &'ast ExprAwait,
        hit: &'ast ExprAwait,
        stmt: &'ast Stmt,
    ) {
        let message = format!("lock guard `{guard}` is held across an `.await`");
        let labels = vec![
            label(
                acquire.span(),
                format!("`{lock}` is locked here, and `{guard}` keeps it locked"),
                true,
            ),
            label(
                hit.span(),
                format!("`{guard}` is still alive while this `.await` waits"),
                false,
            ),
        ];
        let notes = vec![
            (
                "note",
                format!(
                    "every other task that calls `{lock}.{method}().await` waits until this \
                     `.await` is done"
                ),
            ),
            (
                "help",
                format!(
                    "copy what you need out of `{guard}` in a block that ends before the \
                     `.await`, or `drop({guard})` first"
                ),
            ),
        ];
        let line = stmt.span().start().line;
        self.push_finding(
            Check::LockHeldAcrossAwait,
            message,
            labels,
            notes,
            Some(line),
        );
    }
}

/// `x.lock()`-like call without the await (a guard being acquired by a nested await).
fn is_lock_call(expr: &Expr) -> bool {
    matches!(strip_paren(expr), Expr::MethodCall(m) if m.args.is_empty()
        && matches!(m.method.to_string().as_str(), "lock" | "read" | "write" | "acquire" | "acquire_owned"))
}

/// Names of the functions and methods of a file whose bodies call something named
/// `spawn*` (`tokio::spawn`, `set.spawn(..)`, `spawn_local`): awaiting one of them with a
/// connection hands it over rather than serving it inline (axum's `handle_connection`).
fn spawning_fns(file: &syn::File) -> HashSet<String> {
    #[derive(Default)]
    struct Spawns(bool);
    impl<'ast> Visit<'ast> for Spawns {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let Expr::Path(p) = strip_paren(&c.func) {
                if p.path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident.to_string().starts_with("spawn"))
                {
                    self.0 = true;
                }
            }
            visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method.to_string().starts_with("spawn") {
                self.0 = true;
            }
            visit::visit_expr_method_call(self, m);
        }
    }
    #[derive(Default)]
    struct Collect(HashSet<String>);
    impl Collect {
        fn check(&mut self, name: &syn::Ident, block: &Block) {
            let mut spawns = Spawns::default();
            spawns.visit_block(block);
            if spawns.0 {
                self.0.insert(name.to_string());
            }
        }
    }
    impl<'ast> Visit<'ast> for Collect {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            self.check(&f.sig.ident, &f.block);
            visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            self.check(&f.sig.ident, &f.block);
            visit::visit_impl_item_fn(self, f);
        }
    }
    let mut collect = Collect::default();
    collect.visit_file(file);
    collect.0
}

fn bound_names(pat: &Pat) -> HashSet<String> {
    let mut names = Vec::new();
    pat_idents(pat, &mut names);
    names.into_iter().filter(|n| n != "_").collect()
}

/// An await that handles the connection: it mentions a bound name and does not merely hand
/// it over (`tx.send(socket).await`, or a function of this file that spawns the work).
fn handles(a: &ExprAwait, bound: &HashSet<String>, spawners: &HashSet<String>) -> bool {
    if bound.is_empty() || mentions(&a.base, bound).is_none() {
        return false;
    }
    match strip_result(&a.base) {
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            !(matches!(
                method.as_str(),
                "send" | "send_async" | "send_timeout" | "reserve"
            ) || spawners.contains(&method))
        }
        Expr::Call(c) => !matches!(strip_paren(&c.func), Expr::Path(p)
            if p.path.segments.last().is_some_and(|s| spawners.contains(&s.ident.to_string()))),
        _ => true,
    }
}

/// The first await in `stmts` that handles a connection bound to one of `bound`. Names
/// bound by `let` from an expression that mentions the connection join the set
/// (`let io = TokioIo::new(stream);`); a `let` that rebinds a name removes it.
fn inline_handling<'ast>(
    stmts: &'ast [Stmt],
    bound: &mut HashSet<String>,
    spawners: &HashSet<String>,
) -> Option<&'ast ExprAwait> {
    for stmt in stmts {
        if let Some(hit) = first_await(stmt, |a| handles(a, bound, spawners)) {
            return Some(hit);
        }
        if let Stmt::Local(local) = stmt {
            let tainted = local
                .init
                .as_ref()
                .is_some_and(|init| mentions(&init.expr, bound).is_some());
            let names = bound_names(&local.pat);
            if tainted {
                bound.extend(names);
            } else {
                for name in names {
                    bound.remove(&name);
                }
            }
        }
    }
    None
}

impl<'ast> Visit<'ast> for Analyzer<'ast, '_> {
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
        self.anchors.push(Anchor::Item(item));
        visit::visit_item(self, item);
        self.anchors.pop();
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        if let syn::ImplItem::Fn(f) = item {
            if !self.include_cfg_test && is_cfg_test(&f.attrs) {
                return;
            }
        }
        self.anchors.push(Anchor::ImplItem(item));
        visit::visit_impl_item(self, item);
        self.anchors.pop();
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        self.anchors.push(Anchor::TraitItem(item));
        visit::visit_trait_item(self, item);
        self.anchors.pop();
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
        self.check_guards(block);
        visit::visit_block(self, block);
        self.vars.pop();
        self.resolver.pop();
    }

    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        self.anchors.push(Anchor::Stmt(stmt));
        visit::visit_stmt(self, stmt);
        self.anchors.pop();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let mut known = None;
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
            known = self.type_of(&init.expr);
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

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if self.async_frame().is_some() {
            if let Expr::Path(p) = strip_paren(&call.func) {
                let local = p
                    .path
                    .get_ident()
                    .is_some_and(|i| self.var(&i.to_string()).is_some());
                if p.qself.is_none() && !local {
                    if let Some(path) = self.resolver.resolve_path(&p.path) {
                        if let Some(b) = apis::blocking_fn(&join(&path)) {
                            self.blocking(call.span(), b.path.to_string(), b.twin);
                        }
                    }
                }
            }
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if self.async_frame().is_some() {
            if let Some(ty) = self.type_of(&m.receiver) {
                let method = m.method.to_string();
                if let Some((type_path, twin)) = apis::blocking_method(ty, &method) {
                    // `.output()` rather than the whole chain from `Command::new(..)` on.
                    let span = m
                        .method
                        .span()
                        .join(m.paren_token.span.close())
                        .unwrap_or_else(|| m.span());
                    self.blocking(span, format!("{type_path}::{method}"), twin);
                }
            }
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.check_accept_loop(None, &l.body);
        visit::visit_expr_loop(self, l);
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.check_accept_loop(Some(&w.cond), &w.body);
        visit::visit_expr_while(self, w);
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.push_vars(false);
        self.bind_pat(&f.pat, None);
        self.check_accept_loop(None, &f.body);
        self.visit_block(&f.body);
        self.vars.pop();
    }
}

impl<'ast> Analyzer<'ast, '_> {
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

#[cfg(test)]
mod tests {
    use crate::lints::analyze_source;

    /// `(check, line)` of every finding in `src`.
    fn found(src: &str) -> Vec<(&'static str, usize)> {
        analyze_source(src, false)
            .unwrap()
            .findings
            .iter()
            .map(|f| (f.check.id(), f.primary().lo.line))
            .collect()
    }

    const B: &str = "blocking_call_in_async";
    const S: &str = "sequential_accept_loop";
    const L: &str = "lock_held_across_await";

    #[test]
    fn blocking_calls_resolved_through_use_items() {
        let src = r#"
use std::thread;
use std::fs::{self, File};
use std::time::Duration;
async fn a() {
    thread::sleep(Duration::from_secs(1));
    let _ = fs::read_to_string("x");
    let _ = File::open("x");
    std::thread::sleep(Duration::from_secs(1));
}
mod inner {
    use std::thread::sleep;
    pub async fn b() { sleep(std::time::Duration::ZERO); }
}
"#;
        assert_eq!(found(src), vec![(B, 6), (B, 7), (B, 8), (B, 9), (B, 13)]);
    }

    #[test]
    fn tokio_twins_sync_code_and_spawn_blocking_are_silent() {
        let src = r#"
use tokio::time::sleep;
use tokio::fs;
use std::time::Duration;
async fn a() {
    sleep(Duration::from_secs(1)).await;
    let _ = fs::read_to_string("x").await;
    tokio::task::spawn_blocking(|| std::thread::sleep(Duration::ZERO)).await.unwrap();
    tokio::task::block_in_place(|| { let _ = std::fs::read("x"); });
    let f = || std::fs::read("x");
    fn nested() { std::thread::sleep(Duration::ZERO); }
}
fn sync() { std::thread::sleep(Duration::ZERO); }
mod m {
    // An inline module does not see the parent's imports.
    async fn c() { fs::read("x"); sleep(1); }
}
"#;
        assert_eq!(found(src), vec![]);
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
    fn methods_of_known_std_types() {
        let src = r#"
use std::sync::mpsc;
use std::process::Command;
async fn a(h: std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<u8>();
    let _ = rx.recv();
    let l = std::net::TcpListener::bind("0:0").unwrap();
    let _ = l.accept();
    let _ = Command::new("ls").arg("-l").output();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    h.join().unwrap();
    let t = tokio::sync::mpsc::channel::<u8>(1);
}
async fn b(mut rx: tokio::sync::mpsc::Receiver<u8>) {
    let _ = rx.recv().await;
    let out = tokio::process::Command::new("ls").output().await;
}
"#;
        assert_eq!(found(src), vec![(B, 6), (B, 8), (B, 9), (B, 11), (B, 12)]);
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
    fn sequential_accept_loops() {
        let src = r#"
async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        handle(socket).await;
    }
}
async fn tls(listener: TcpListener, acceptor: TlsAcceptor) {
    while let Ok((stream, _)) = listener.accept().await {
        let io = Wrap::new(stream);
        serve_connection(io).await;
    }
}
async fn matched(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((s, _)) => { process(s).await.unwrap(); }
            Err(e) => log(e).await,
        }
    }
}
"#;
        assert_eq!(found(src), vec![(S, 5), (S, 11), (S, 17)]);
    }

    #[test]
    fn spawned_or_handed_off_connections_are_fine() {
        let src = r#"
async fn serve(listener: TcpListener, tx: Sender<TcpStream>) {
    loop {
        let (socket, addr) = listener.accept().await.unwrap();
        tokio::spawn(async move { handle(socket).await });
    }
    loop {
        let (socket, _) = listener.accept().await.unwrap();
        tx.send(socket).await.unwrap();
        other().await;
    }
    loop {
        let (stream, _) = listener.accept().await?;
        let io = TokioIo::new(stream);
        tokio::task::spawn(async move { serve(io).await });
    }
    let (socket, _) = listener.accept().await.unwrap();
    handle(socket).await;
    loop {
        let (io, addr) = listener.accept().await;
        handle_connection(&mut svc, io, addr).await;
    }
}
async fn handle_connection(svc: &mut Svc, io: Io, addr: Addr) {
    let svc = svc.ready().await;
    tokio::spawn(async move { serve(svc, io).await });
}
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn lock_guards_across_awaits() {
        let src = r#"
async fn a(state: Arc<tokio::sync::Mutex<u32>>) {
    let mut guard = state.lock().await;
    *guard += 1;
    fetch().await;
}
async fn b(db: &RwLock<Db>) {
    let w = db.write().await;
    if w.ready {
        tokio::time::sleep(d).await;
    }
}
"#;
        assert_eq!(found(src), vec![(L, 3), (L, 8)]);
    }

    #[test]
    fn scoped_dropped_or_resource_guards_are_fine() {
        let src = r#"
async fn scoped(state: Arc<Mutex<u32>>) {
    {
        let mut g = state.lock().await;
        *g += 1;
    }
    fetch().await;
}
async fn dropped(state: Arc<Mutex<u32>>) {
    let g = state.lock().await;
    let v = *g;
    drop(g);
    fetch().await;
}
async fn resource(conn: Arc<Mutex<Conn>>) {
    let mut c = conn.lock().await;
    c.execute("q").await;
}
async fn temporary(state: Arc<Mutex<u32>>) {
    let n = state.lock().await.clone();
    fetch().await;
}
async fn moved_and_nested(state: Arc<Mutex<u32>>, conn: Arc<Mutex<Conn>>) {
    let other = state.lock().await;
    let second = conn.lock().await;
    tokio::spawn(async move { use_it(other, second).await });
    fetch().await;
}
fn sync(m: &std::sync::Mutex<u8>) { let g = m.lock().unwrap(); }
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn allow_comments_silence() {
        let src = r#"
async fn a() {
    std::thread::sleep(d); // explain-async: allow(blocking_call_in_async)
    // explain-async: allow(blocking_call_in_async)
    let _ = std::fs::read(
        "x",
    );
}
// explain-async: allow(blocking_call_in_async)
#[tokio::main]
async fn main() {
    std::thread::sleep(d);
}
async fn b() { std::thread::sleep(d); }
"#;
        assert_eq!(found(src), vec![(B, 14)]);
    }
}
