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
    // A span without a location (line 0: `Span::call_site()`, or a span whose source map
    // was dropped) has no text; found by the `source_checks` fuzz target.
    if lo.line == 0 {
        return out;
    }
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

/// The `async fn`s of a file, by name: free functions (`fetch(..)`) and methods or
/// associated functions (`self.fetch(..)`, `Self::fetch(..)`). A name that also belongs to a
/// plain `fn` of the same kind anywhere in the file is left out, since a call by name alone
/// cannot tell them apart. Functions made by macros are not seen.
#[derive(Debug, Default)]
pub struct AsyncFns {
    free: HashSet<String>,
    methods: HashSet<String>,
}

impl AsyncFns {
    /// Collects them from a whole file (inline modules and functions nested in blocks too).
    pub fn of(file: &syn::File) -> Self {
        #[derive(Default)]
        struct Collect {
            free: (HashSet<String>, HashSet<String>),
            methods: (HashSet<String>, HashSet<String>),
        }
        fn add(sets: &mut (HashSet<String>, HashSet<String>), sig: &syn::Signature) {
            let name = sig.ident.to_string();
            if sig.asyncness.is_some() {
                sets.0.insert(name);
            } else {
                sets.1.insert(name);
            }
        }
        impl<'ast> Visit<'ast> for Collect {
            fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
                add(&mut self.free, &f.sig);
                visit::visit_item_fn(self, f);
            }
            fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
                add(&mut self.methods, &f.sig);
                visit::visit_impl_item_fn(self, f);
            }
            fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
                add(&mut self.methods, &f.sig);
                visit::visit_trait_item_fn(self, f);
            }
        }
        let mut c = Collect::default();
        c.visit_file(file);
        let keep = |(asyncs, syncs): (HashSet<String>, HashSet<String>)| {
            asyncs.into_iter().filter(|n| !syncs.contains(n)).collect()
        };
        AsyncFns {
            free: keep(c.free),
            methods: keep(c.methods),
        }
    }

    /// Whether `name(..)` calls an `async fn` of this file.
    pub fn is_free(&self, name: &str) -> bool {
        self.free.contains(name)
    }

    /// Whether `x.name(..)` or `Self::name(..)` calls an `async fn` method of this file.
    pub fn is_method(&self, name: &str) -> bool {
        self.methods.contains(name)
    }
}

/// Whether `tokens` (a macro's input) hold the identifier `name` anywhere, groups included.
pub fn tokens_mention(tokens: &proc_macro2::TokenStream, name: &str) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == name,
        proc_macro2::TokenTree::Group(g) => tokens_mention(&g.stream(), name),
        _ => false,
    })
}

/// Whether the local `name` appears in `stmt` as a plain path, in closures and async blocks
/// too, and, unlike [`mentions`], in the input of any macro call (`join!(a, b)`,
/// `tokio::pin!(fut)`, `println!("{name}")` are all uses; a macro's input is only tokens, so
/// any identifier spelled `name` counts).
pub fn stmt_uses(stmt: &Stmt, name: &str) -> bool {
    let mut uses = Uses { name, hit: false };
    uses.visit_stmt(stmt);
    uses.hit
}

/// [`stmt_uses`] for an expression.
pub fn expr_uses(expr: &Expr, name: &str) -> bool {
    let mut uses = Uses { name, hit: false };
    uses.visit_expr(expr);
    uses.hit
}

struct Uses<'n> {
    name: &'n str,
    hit: bool,
}

impl<'ast> Visit<'ast> for Uses<'_> {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.qself.is_none() && p.path.is_ident(self.name) {
            self.hit = true;
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if tokens_mention(&m.tokens, self.name) {
            self.hit = true;
        }
    }
    // `Struct { name }` shorthand reads the local too.
    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        if f.colon_token.is_none() {
            if let syn::Member::Named(n) = &f.member {
                if n == self.name {
                    self.hit = true;
                }
            }
        }
        visit::visit_field_value(self, f);
    }
    fn visit_item(&mut self, _: &'ast Item) {}
}

/// A statement that awaits a local by name and does nothing else that waits:
/// `let pat = name.await;`, `name.await?;`, `let v = name.await.unwrap();`, a final
/// `name.await`. The name and the `.await`.
pub fn awaits_name(stmt: &Stmt) -> Option<(String, &ExprAwait)> {
    let expr = match stmt {
        Stmt::Local(l) => &l.init.as_ref().filter(|i| i.diverge.is_none())?.expr,
        Stmt::Expr(e, _) => e,
        _ => return None,
    };
    let Expr::Await(a) = strip_result(expr) else {
        return None;
    };
    let Expr::Path(p) = strip_paren(&a.base) else {
        return None;
    };
    let name = p.path.get_ident()?.to_string();
    // The only `.await` of the statement: `name.await.process().await` does more.
    if first_await_in_expr(expr, |other| !std::ptr::eq(other, a)).is_some() {
        return None;
    }
    Some((name, a))
}

/// A branch of a `select!` body (tokio's or futures' grammar).
pub enum SelectBranch {
    /// `pattern = future (, if precondition)? => handler`
    Future { fut: Box<Expr>, handler: Box<Expr> },
    /// futures' `default => handler`: runs when no future is ready at once, dropping them.
    Default { handler: Box<Expr> },
    /// tokio's `else`, futures' `complete`: run when no future is left to race.
    Done,
}

/// Parses the body of `tokio::select!` or `futures::select!` (`mac.parse_body_with(..)`):
/// an optional `biased;`, then branches. The spans are the file's (a macro's tokens come
/// from the file), so what is found in a branch can be labelled in place.
pub fn select_branches(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<SelectBranch>> {
    use syn::Token;
    /// A handler and its optional comma (a block needs none).
    fn handler(input: syn::parse::ParseStream<'_>) -> syn::Result<Box<Expr>> {
        let e = Expr::parse_with_earlier_boundary_rule(input)?;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        Ok(Box::new(e))
    }
    let mut out = Vec::new();
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        let word: syn::Ident = input.parse()?;
        if word != "biased" {
            return Err(syn::Error::new(word.span(), "not a select! body"));
        }
        input.parse::<Token![;]>()?;
    }
    while !input.is_empty() {
        if input.peek(Token![else]) {
            input.parse::<Token![else]>()?;
            input.parse::<Token![=>]>()?;
            handler(input)?;
            out.push(SelectBranch::Done);
            continue;
        }
        if input.peek(syn::Ident) && input.peek2(Token![=>]) {
            let word: syn::Ident = input.parse()?;
            input.parse::<Token![=>]>()?;
            let handler = handler(input)?;
            out.push(if word == "default" {
                SelectBranch::Default { handler }
            } else {
                SelectBranch::Done
            });
            continue;
        }
        Pat::parse_multi_with_leading_vert(input)?;
        input.parse::<Token![=]>()?;
        let fut: Box<Expr> = input.parse()?;
        if input.peek(Token![,]) && input.peek2(Token![if]) {
            input.parse::<Token![,]>()?;
            input.parse::<Token![if]>()?;
            input.parse::<Expr>()?;
        }
        input.parse::<Token![=>]>()?;
        let handler = handler(input)?;
        out.push(SelectBranch::Future { fut, handler });
    }
    Ok(out)
}

/// Whether evaluating `expr` never finishes normally: it always leaves by `break`, `return`,
/// a labelled `continue` (to an outer loop), `Err(..)?`, or a panic
/// (`panic!`, `unreachable!`, `todo!`, `unimplemented!`, `std::process::exit`). A plain
/// `continue` is not leaving: it starts the loop's next round. Loops inside `expr` are not
/// looked into (a `break` there leaves only them).
pub fn always_leaves(expr: &Expr) -> bool {
    match expr {
        Expr::Break(_) | Expr::Return(_) => true,
        Expr::Continue(c) => c.label.is_some(),
        Expr::Paren(p) => always_leaves(&p.expr),
        Expr::Group(g) => always_leaves(&g.expr),
        Expr::Block(b) => block_always_leaves(&b.block),
        Expr::Unsafe(u) => block_always_leaves(&u.block),
        Expr::If(i) => match &i.else_branch {
            Some((_, els)) => block_always_leaves(&i.then_branch) && always_leaves(els),
            None => false,
        },
        Expr::Match(m) => !m.arms.is_empty() && m.arms.iter().all(|a| always_leaves(&a.body)),
        Expr::Macro(m) => is_panic_macro(&m.mac),
        Expr::Call(c) => matches!(strip_paren(&c.func), Expr::Path(p)
            if p.path.segments.len() >= 2
                && p.path.segments.iter().rev().take(2).map(|s| s.ident.to_string())
                    .eq(["exit", "process"])),
        Expr::Try(t) => matches!(strip_paren(&t.expr), Expr::Call(c)
            if matches!(strip_paren(&c.func), Expr::Path(p) if p.path.is_ident("Err"))),
        _ => false,
    }
}

/// Whether some statement of `block` always leaves (so the block never ends normally).
pub fn block_always_leaves(block: &Block) -> bool {
    block.stmts.iter().any(stmt_always_leaves)
}

/// Whether a statement always leaves ([`always_leaves`]).
pub fn stmt_always_leaves(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Expr(e, _) => always_leaves(e),
        Stmt::Macro(m) => is_panic_macro(&m.mac),
        Stmt::Local(l) => l
            .init
            .as_ref()
            .is_some_and(|i| i.diverge.is_none() && always_leaves(&i.expr)),
        Stmt::Item(_) => false,
    }
}

fn is_panic_macro(mac: &syn::Macro) -> bool {
    mac.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "panic" | "unreachable" | "todo" | "unimplemented"
        )
    })
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

    #[test]
    fn async_fns_by_name_leave_out_names_shared_with_sync_fns() {
        let file: syn::File = syn::parse_quote! {
            async fn fetch() {}
            fn both() {}
            mod m { async fn both() {} }
            impl S { async fn load(&self) {} fn save(&self) {} }
            impl T { fn load(&self) {} async fn run(&self) {} }
            trait U { async fn ping(&self); }
        };
        let fns = AsyncFns::of(&file);
        assert!(fns.is_free("fetch") && !fns.is_free("both"));
        assert!(fns.is_method("run") && fns.is_method("ping"));
        assert!(!fns.is_method("load") && !fns.is_method("save") && !fns.is_free("run"));
    }

    #[test]
    fn uses_count_macro_inputs_and_shorthand_fields() {
        let used = |src: &str| stmt_uses(&syn::parse_str::<Stmt>(src).unwrap(), "fut");
        assert!(used("tokio::join!(a, fut);"));
        assert!(used("let s = S { fut };"));
        assert!(used("spawn(async move { fut.await });"));
        assert!(!used("let fut2 = other(futx);"));
        assert!(!used("fn fut() {}"));
    }

    #[test]
    fn what_always_leaves() {
        let leaves = |src: &str| always_leaves(&expr(src));
        assert!(leaves("break"));
        assert!(leaves("{ log(); return Ok(()) }"));
        assert!(leaves("if a { break } else { panic!(\"x\") }"));
        assert!(leaves(
            "match r { Ok(_) => break, Err(e) => return Err(e) }"
        ));
        assert!(leaves("Err(e)?"));
        assert!(leaves("std::process::exit(1)"));
        assert!(leaves("continue 'outer"));
        assert!(!leaves("continue"));
        assert!(!leaves("if a { break }"));
        assert!(!leaves("{ r?; }"));
        assert!(!leaves("loop { break }"));
    }

    #[test]
    fn select_bodies_of_tokio_and_futures() {
        let mac: syn::Macro = syn::parse_quote! {
            select! {
                biased;
                Some(v) = rx.recv(), if open => { handle(v) }
                (a, b) = pair() => a + b,
                _ = tick.tick() => continue,
                default => break,
                complete => break,
                else => return,
            }
        };
        let branches = mac.parse_body_with(select_branches).unwrap();
        let kinds: Vec<&str> = branches
            .iter()
            .map(|b| match b {
                SelectBranch::Future { .. } => "future",
                SelectBranch::Default { .. } => "default",
                SelectBranch::Done => "done",
            })
            .collect();
        assert_eq!(
            kinds,
            ["future", "future", "future", "default", "done", "done"]
        );
        let not_select: syn::Macro = syn::parse_quote!(vec![1, 2]);
        assert!(not_select.parse_body_with(select_branches).is_err());
    }

    #[test]
    fn awaits_by_name() {
        let stmt = |src: &str| syn::parse_str::<Stmt>(src).unwrap();
        let name = |src: &str| awaits_name(&stmt(src)).map(|(n, _)| n);
        assert_eq!(name("let p = profile.await?;").as_deref(), Some("profile"));
        assert_eq!(name("orders.await.unwrap();").as_deref(), Some("orders"));
        assert_eq!(name("let x = a.await.next().await;"), None);
        assert_eq!(name("let x = f().await;"), None);
    }
}
