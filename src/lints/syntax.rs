//! Questions about `syn` trees that any source check may ask, answered from the syntax alone:
//! which names a pattern binds, what an expression is once `?`/`.unwrap()` and parentheses
//! are taken off, which names it mentions, the first `.await` that runs in the current
//! context, whether code is test-only. Pure functions of the tree; no scope, no state (that
//! is [`super::walker`]'s).

use std::collections::HashSet;

use proc_macro2::Span;
use syn::visit::{self, Visit};
use syn::{Attribute, Block, Expr, ExprAwait, Item, Pat, Stmt};

use super::{Label, Pos};

/// A `proc_macro2` position as ours.
pub fn pos(lc: proc_macro2::LineColumn) -> Pos {
    Pos {
        line: lc.line,
        column: lc.column,
    }
}

/// A label over `span`; `primary` is where the finding is (rustc's `^^^`).
pub fn label(span: Span, text: String, primary: bool) -> Label {
    Label {
        lo: pos(span.start()),
        hi: pos(span.end()),
        text,
        primary,
    }
}

/// The source text of `span` in `text`, its lines trimmed and joined by single spaces.
pub fn source_text(text: &str, span: Span) -> String {
    let (lo, hi) = (span.start(), span.end());
    let mut out = String::new();
    for (i, line) in text.lines().enumerate().skip(lo.line - 1) {
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

/// `#[cfg(test)]` or `#[cfg(all(test, …))]` among `attrs`: code compiled only for tests.
pub fn is_cfg_test(attrs: &[Attribute]) -> bool {
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

/// The attributes of the items that can be test-only.
pub fn item_attrs(item: &Item) -> &[Attribute] {
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
pub fn pat_idents(pat: &Pat, out: &mut Vec<String>) {
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

/// The names a pattern binds, without `_`.
pub fn bound_names(pat: &Pat) -> HashSet<String> {
    let mut names = Vec::new();
    pat_idents(pat, &mut names);
    names.into_iter().filter(|n| n != "_").collect()
}

/// The single name of a simple `x`, `mut x` or `x: T` pattern.
pub fn simple_ident(pat: &Pat) -> Option<&syn::Ident> {
    match pat {
        Pat::Ident(p) if p.subpat.is_none() => Some(&p.ident),
        Pat::Type(t) => simple_ident(&t.pat),
        _ => None,
    }
}

/// `expr` without the wrappers that only unwrap a `Result`/`Option` or group:
/// `(e)`, `e?`, `e.unwrap()`, `e.expect(..)`, `e.map_err(..)`, `e.context(..)`.
pub fn strip_result(mut expr: &Expr) -> &Expr {
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

/// `expr` without enclosing parentheses.
pub fn strip_paren(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(p) = expr {
        expr = &p.expr;
    }
    expr
}

/// The first name of `names` that `expr` mentions as a plain path (`socket`, `&socket`,
/// `socket.peer_addr()`, inside closures and async blocks too). Macro bodies are not read.
pub fn mentions<'n>(node: &Expr, names: &'n HashSet<String>) -> Option<&'n String> {
    let mut finder = Finder { names, found: None };
    finder.visit_expr(node);
    finder.found
}

/// [`mentions`] for a block.
pub fn mentions_in_block<'n>(block: &Block, names: &'n HashSet<String>) -> Option<&'n String> {
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

/// The first `.await` in `stmt` that runs in the current context and for which `on_await`
/// says yes, outermost first.
pub fn first_await<'ast>(
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

/// [`first_await`] for an expression.
pub fn first_await_in_expr<'ast>(
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

/// Names of the functions and methods of a file whose bodies call something named
/// `spawn*` (`tokio::spawn`, `set.spawn(..)`, `spawn_local`): awaiting one of them with a
/// value hands the value over to a task rather than working on it inline (axum's
/// `handle_connection`).
pub fn spawning_fns(file: &syn::File) -> HashSet<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(src: &str) -> Expr {
        syn::parse_str(src).unwrap()
    }

    #[test]
    fn unwrapping_and_grouping_are_looked_through() {
        let e = expr("(listener.accept().await?).unwrap()");
        assert!(matches!(strip_result(&e), Expr::Await(_)));
        let e = expr("((x))");
        assert!(matches!(strip_paren(&e), Expr::Path(_)));
        // `.await` is not a wrapper: the call stays.
        let e = expr("f().await.len()");
        assert!(matches!(strip_result(&e), Expr::MethodCall(_)));
    }

    #[test]
    fn mentions_and_bindings() {
        let names: HashSet<String> = ["socket".to_string()].into();
        assert!(mentions(&expr("handle(&socket, 1)"), &names).is_some());
        assert!(mentions(&expr("socket_two.len()"), &names).is_none());
        assert!(mentions(&expr("async move { use_it(socket) }"), &names).is_some());
        let pat: Pat = syn::parse_quote!((Some(a), _, b @ 1..=2));
        let mut got: Vec<String> = bound_names(&pat).into_iter().collect();
        got.sort();
        assert_eq!(got, vec!["a", "b"]);
    }

    #[test]
    fn first_await_stays_in_the_current_context() {
        let stmt: Stmt = syn::parse_quote!(let x = spawn(async { a().await }).join(b().await););
        let hit = first_await(&stmt, |_| true).expect("an await");
        let Expr::Call(call) = &*hit.base else {
            panic!("the await is not on a call");
        };
        assert!(matches!(&*call.func, Expr::Path(p) if p.path.is_ident("b")));
        assert!(first_await(&stmt, |_| false).is_none());
    }
}
