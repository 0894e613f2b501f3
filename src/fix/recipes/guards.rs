//! Recipes for a value (most often a lock guard or a `RefCell` borrow) still alive at an
//! `.await`: end it before the `.await` (`release_guard_before_await`), or switch a
//! `std::sync::Mutex` to the runtime's async mutex (`async_mutex`).
//!
//! `release_guard_before_await` picks one of four shapes from the syntax around rustc's (or
//! clippy's, or our source check's) spans:
//! - the value is not used after the `.await`: its `let` and the statements up to the
//!   `.await` go into a block that ends before it. An explicit `drop(guard)` is not enough
//!   for rustc 1.95: once the guard has been borrowed (any method call on it, `*guard`,
//!   printing it), the coroutine keeps its slot alive until the end of the scope, and the
//!   future is still not `Send` (checked with a program; only a never-borrowed value is
//!   released by `drop`);
//! - the `.await` is an argument of the call that uses the guard
//!   (`guard.push(fetch(id).await)`, `m.lock().unwrap().push(fetch(id).await)`): the awaited
//!   value goes into a local first, then the lock is taken;
//! - the value is used after the `.await`: the lock ends before it and is taken again after
//!   it (a `let` with nothing before the `.await` just moves below it);
//! - a temporary guard in a `match` / `if let` scrutinee: the scrutinee's (owned) result is
//!   bound to a local first.

use std::ops::Range;

use syn::{Block, Expr, Local, Stmt};

use super::body::{indent_lines, stmt_holding, Code, Index};
use super::held::{self, Held, Reporter, Site};
use super::imports;
use crate::context::Runtime;
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// The methods a re-evaluable lock expression may chain.
const LOCK_METHODS: &[&str] = &["lock", "read", "write", "borrow", "borrow_mut"];

/// `release_guard_before_await`: see the module docs for the shapes.
pub fn release_guard_before_await(input: &Input<'_>) -> Option<Proposal> {
    let span = input.diagnostic.user_span()?;
    let code = Code::load(input.sources, &span.file_name)?;
    let index = code.index();
    let h = held::held(input, &code.text)?;
    if h.file != code.name {
        return None;
    }
    match held::site(&h, &code, &index)? {
        Site::Let {
            local,
            name,
            block,
            index: i,
        } => let_value(&code, &index, &h, local, &name, block, i),
        Site::Temporary {
            expr,
            block,
            index: j,
        } => temporary(&code, &index, &h, expr, block, j),
        Site::Pattern { .. } => None,
    }
}

/// Whether moving the lock past an `.await` keeps the program's meaning: only for a `RefCell`
/// borrow in a future rustc requires to be `Send`, where the cell cannot be reached from
/// anywhere else (any shared path to a `RefCell` is not `Send`), so nobody can change it while
/// the task waits. A shared lock (`Mutex`, `RwLock`, an async lock, a `RefCell` behind a
/// reference) may be changed by other tasks in between.
fn relock_applicability(h: &Held) -> Applicability {
    let exclusive_cell = h.reporter == Reporter::Rustc
        && h.ty.as_deref().is_some_and(|t| {
            let t = t
                .trim_start_matches("std::cell::")
                .trim_start_matches("core::cell::");
            t.starts_with("Ref<") || t.starts_with("RefMut<")
        });
    if exclusive_cell {
        Applicability::MachineApplicable
    } else {
        Applicability::MaybeIncorrect
    }
}

/// What the guard is, for titles: "the lock", "the borrow".
fn what(h: &Held, init: Option<&Expr>) -> &'static str {
    let borrowish =
        h.ty.as_deref()
            .is_some_and(|t| t.contains("Ref<") || t.contains("RefMut<") || t.contains("RefCell"))
            || init.is_some_and(|e| {
                matches!(
                    last_method(e).as_deref(),
                    Some("borrow") | Some("borrow_mut")
                )
            });
    if borrowish {
        "borrow"
    } else {
        "lock"
    }
}

/// The last lock-ish method of a chain (`lock` of `m.lock().unwrap()`).
fn last_method(expr: &Expr) -> Option<String> {
    let mut e = expr;
    loop {
        match e {
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if LOCK_METHODS.contains(&name.as_str()) {
                    return Some(name);
                }
                e = &m.receiver;
            }
            Expr::Await(a) => e = &a.base,
            Expr::Try(t) => e = &t.expr,
            _ => return None,
        }
    }
}

/// A `let`-bound value alive at the `.await`.
fn let_value(
    code: &Code,
    index: &Index<'_>,
    h: &Held,
    local: &Local,
    name: &str,
    block: &Block,
    i: usize,
) -> Option<Proposal> {
    let local_end = node_range(local).end;
    let await_range = h.awaits.iter().find(|a| a.start >= local_end)?.clone();
    let (j, stmt_j) = stmt_holding(block, &await_range)?;
    if j <= i {
        return None;
    }
    let init = &local.init.as_ref()?.expr;
    if local.init.as_ref()?.diverge.is_some() {
        return None;
    }
    let block_end = node_range(block).end - 1;
    let stmt_j_range = node_range(stmt_j);
    let after = stmt_j_range.end..block_end;
    let used_in_j = !code.var_uses(name, stmt_j_range.clone()).is_empty();
    let used_after = !code.var_uses(name, after.clone()).is_empty();
    let mids = &block.stmts[i + 1..j];
    if used_in_j {
        // `guard.push(fetch(id).await)` right after the `let`: fetch first, then lock.
        if !mids.is_empty() {
            return None;
        }
        let awaited = index.await_at(&await_range)?;
        let hoist = hoist_await(code, index, stmt_j, awaited, Some(name))?;
        let stmt_i = &block.stmts[i];
        let lines_i = code.own_lines(node_range(stmt_i))?;
        let indent = syntax::indent_at(&code.text, lines_i.start).to_string();
        let mut edits = vec![code.edit(
            lines_i.start..lines_i.start,
            format!("{indent}{}\n", hoist.line),
        )];
        edits.push(hoist.replace);
        let title = format!(
            "Await `{}` before taking the {} `{name}`",
            hoist.shown,
            what(h, Some(init))
        );
        return Some(Proposal::Edits(Fix {
            title,
            applicability: relock_applicability(h),
            edits,
        }));
    }
    // Statements between the `let` and the `.await` go into the block: what they declare must
    // not be needed later, and what they drop now drops earlier.
    let mut drops_earlier = false;
    for s in mids {
        // An item declared there would only be visible inside the new block.
        if matches!(s, Stmt::Item(_)) {
            return None;
        }
        let declared = declared_names(s);
        if declared
            .iter()
            .any(|d| !code.var_uses(d, stmt_j_range.start..block_end).is_empty())
        {
            return None;
        }
        if matches!(s, Stmt::Local(_)) {
            drops_earlier = true;
        }
    }
    let stmt_i = &block.stmts[i];
    let unit = code.indent_unit();
    if !used_after {
        if mids.is_empty() {
            // Nothing is done with the value before the `.await`: no block can keep meaning.
            return None;
        }
        let first = node_range(stmt_i).start;
        let last = node_range(&mids[mids.len() - 1]).end;
        let lines = code.own_lines(first..last)?;
        if code.has_multiline_literal(lines.clone()) {
            return None;
        }
        let indent = syntax::indent_at(&code.text, first).to_string();
        let body = indent_lines(code.src(lines.clone()), unit);
        let replacement = format!("{indent}{{\n{body}{indent}}}\n");
        return Some(Proposal::Edits(Fix {
            title: format!("End `{name}` in a block before the `.await`"),
            applicability: if drops_earlier {
                Applicability::MaybeIncorrect
            } else {
                Applicability::MachineApplicable
            },
            edits: vec![code.edit(lines, replacement)],
        }));
    }
    // Used after the `.await`: release before it, take it again after it.
    if !relockable(init) {
        return None;
    }
    let lines_j = code.own_lines(stmt_j_range.clone())?;
    let kind = what(h, Some(init));
    let mut edits: Vec<Edit> = Vec::new();
    if mids.is_empty() {
        let lines_i = code.own_lines(node_range(stmt_i))?;
        if lines_i.end != lines_j.start {
            // Something (a comment, a blank line) sits between: moving the line would carry
            // it along or leave it behind; keep it simple.
            if !code.src(lines_i.end..lines_j.start).trim().is_empty() {
                return None;
            }
        }
        let moved = code.src(lines_i.clone()).to_string();
        edits.push(code.edit(lines_i, ""));
        edits.push(code.edit(lines_j.end..lines_j.end, moved));
        return Some(Proposal::Edits(Fix {
            title: format!("Take the {kind} `{name}` after the `.await` instead of before it"),
            applicability: relock_applicability(h),
            edits,
        }));
    }
    let first = node_range(stmt_i).start;
    let last = node_range(&mids[mids.len() - 1]).end;
    let lines = code.own_lines(first..last)?;
    if code.has_multiline_literal(lines.clone()) {
        return None;
    }
    let indent = syntax::indent_at(&code.text, first).to_string();
    let body = indent_lines(code.src(lines.clone()), unit);
    edits.push(code.edit(lines, format!("{indent}{{\n{body}{indent}}}\n")));
    let again = code.src(node_range(stmt_i)).to_string();
    edits.push(code.edit(lines_j.end..lines_j.end, format!("{indent}{again}\n")));
    Some(Proposal::Edits(Fix {
        title: format!("Release the {kind} `{name}` before the `.await` and take it again after"),
        applicability: if drops_earlier {
            Applicability::MaybeIncorrect
        } else {
            relock_applicability(h)
        },
        edits,
    }))
}

/// The names a statement declares (`let` patterns; the arguments of `pin!` / `pin_mut!`,
/// which declare the names they pin).
fn declared_names(stmt: &Stmt) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'a> syn::visit::Visit<'a> for Names {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.0.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_block(&mut self, _: &'a Block) {}
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    }
    let mut names = Names(Vec::new());
    match stmt {
        Stmt::Local(l) => syn::visit::visit_pat(&mut names, &l.pat),
        Stmt::Macro(m) => {
            let last = m.mac.path.segments.last().map(|s| s.ident.to_string());
            if matches!(last.as_deref(), Some("pin") | Some("pin_mut")) {
                for t in m.mac.tokens.clone() {
                    if let proc_macro2::TokenTree::Ident(i) = t {
                        names.0.push(i.to_string());
                    }
                }
            }
        }
        _ => {}
    }
    names.0
}

/// Whether a guard's initialiser can be evaluated again to take the lock again: a chain of
/// lock methods, `.unwrap()`, `.expect("…")` and `.await` on a local or a field of one.
fn relockable(init: &Expr) -> bool {
    let mut e = init;
    let mut locks = 0;
    loop {
        match e {
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                let ok = if LOCK_METHODS.contains(&name.as_str()) {
                    locks += 1;
                    m.args.is_empty()
                } else {
                    match name.as_str() {
                        "unwrap" => m.args.is_empty(),
                        "expect" => m.args.len() == 1 && matches!(m.args[0], Expr::Lit(_)),
                        _ => false,
                    }
                };
                if !ok {
                    return false;
                }
                e = &m.receiver;
            }
            Expr::Await(a) => e = &a.base,
            Expr::Field(f) => e = &f.base,
            Expr::Path(p) => {
                return locks == 1 && p.qself.is_none() && p.path.get_ident().is_some()
            }
            _ => return false,
        }
    }
}

/// An `.await` moved out of its statement into a `let` before it.
struct Hoist {
    /// `let price = fetch_price(id).await;`
    line: String,
    /// The awaited expression replaced by the new local.
    replace: Edit,
    /// The awaited call as shown in the title (`fetch_price(id)`).
    shown: String,
}

/// Moves `awaited` out of `stmt` into `let <name> = …;` when that changes nothing but the
/// order against the lock: the `.await` is a direct argument (through `&`, parentheses or
/// other call arguments) of a call in `stmt`, not inside a closure, block, branch or loop;
/// the arguments before it are plain; it does not use the guard (`guard`) itself. The local
/// is named after the awaited function (`fetch_price` → `price`, else the function's own
/// name when nothing else in the function uses that name).
fn hoist_await(
    code: &Code,
    index: &Index<'_>,
    stmt: &Stmt,
    awaited: &syn::ExprAwait,
    guard: Option<&str>,
) -> Option<Hoist> {
    let a_range = node_range(awaited);
    if let Some(g) = guard {
        if !code.var_uses(g, a_range.clone()).is_empty() {
            return None;
        }
    }
    // The chain from the statement down to the `.await` must be eager and unconditional.
    let root = match stmt {
        Stmt::Expr(e, _) => e,
        Stmt::Local(l) => &l.init.as_ref()?.expr,
        _ => return None,
    };
    if !eager_path(root, &a_range) {
        return None;
    }
    let base_call = super::body::called_fn_name(&awaited.base)?;
    let func = index.fn_at(a_range.start)?;
    let fn_range = node_range(func.block);
    let candidates = name_candidates(&base_call);
    let name = candidates.into_iter().find(|n| {
        code.ident_tokens(n).into_iter().all(|t| {
            let r = &code.toks[t].range;
            !syntax::contains(&fn_range, r) || syntax::contains(&a_range, r)
        })
    })?;
    let awaited_text = code.src(a_range.clone());
    Some(Hoist {
        line: format!("let {name} = {awaited_text};"),
        replace: code.edit(a_range, name.clone()),
        shown: code.src(node_range(&*awaited.base)).to_string(),
    })
}

/// Names for the local holding an awaited call's value: the function's name without a verb
/// prefix (`fetch_price` → `price`), then the function's own name.
fn name_candidates(func: &str) -> Vec<String> {
    const VERBS: &[&str] = &[
        "fetch_",
        "get_",
        "load_",
        "read_",
        "compute_",
        "make_",
        "build_",
        "query_",
        "find_",
        "lookup_",
        "download_",
        "request_",
        "recv_",
        "receive_",
        "parse_",
        "calc_",
        "create_",
    ];
    let mut out = Vec::new();
    for v in VERBS {
        if let Some(rest) = func.strip_prefix(v) {
            if !rest.is_empty() && super::held::is_identifier(rest) && !is_keyword(rest) {
                out.push(rest.to_string());
            }
        }
    }
    if !is_keyword(func) {
        out.push(func.to_string());
    }
    out
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "gen"
            | "try"
            | "yield"
    )
}

/// Whether the way from `expr` down to `target` only goes through eager, unconditional
/// nodes (calls and their arguments, method receivers, `&`, parentheses, tuples, arrays),
/// and every argument evaluated before the one holding `target` is a plain path or literal.
fn eager_path(expr: &Expr, target: &Range<usize>) -> bool {
    let r = node_range(expr);
    if r == *target {
        return true;
    }
    if !syntax::contains(&r, target) {
        return false;
    }
    let plain = |e: &Expr| {
        matches!(e, Expr::Path(_) | Expr::Lit(_))
            || matches!(e, Expr::Reference(re) if matches!(&*re.expr, Expr::Path(_)))
    };
    let through_args = |args: &mut dyn Iterator<Item = &Expr>| {
        for a in args {
            if syntax::contains(&node_range(a), target) {
                return eager_path(a, target);
            }
            if !plain(a) {
                return false;
            }
        }
        false
    };
    match expr {
        Expr::MethodCall(m) => {
            if syntax::contains(&node_range(&*m.receiver), target) {
                return eager_path(&m.receiver, target);
            }
            through_args(&mut m.args.iter())
        }
        Expr::Call(c) => through_args(&mut c.args.iter()),
        Expr::Paren(p) => eager_path(&p.expr, target),
        Expr::Reference(re) => eager_path(&re.expr, target),
        Expr::Tuple(t) => through_args(&mut t.elems.iter()),
        Expr::Array(a) => through_args(&mut a.elems.iter()),
        _ => false,
    }
}

/// A temporary guard alive at an `.await` in the same statement.
fn temporary(
    code: &Code,
    index: &Index<'_>,
    h: &Held,
    expr: &Expr,
    block: &Block,
    j: usize,
) -> Option<Proposal> {
    let stmt = &block.stmts[j];
    let stmt_range = node_range(stmt);
    let temp = node_range(expr);
    let await_range = h
        .awaits
        .iter()
        .find(|a| syntax::contains(&stmt_range, a))?
        .clone();
    let awaited = index.await_at(&await_range)?;
    let lines = code.own_lines(stmt_range.clone())?;
    let indent = syntax::indent_at(&code.text, lines.start).to_string();
    let kind = what(h, Some(expr));
    // (b) `m.lock().unwrap().push(fetch(id).await)`: the await is an argument.
    let receiver_call = index.expr_around(&temp, |e| {
        matches!(e, Expr::MethodCall(m) if syntax::contains(&node_range(&*m.receiver), &temp)
            && m.args.iter().any(|a| syntax::contains(&node_range(a), &node_range(awaited))))
    });
    if receiver_call.is_some() {
        lock_base(expr)?;
        let hoist = hoist_await(code, index, stmt, awaited, None)?;
        return Some(Proposal::Edits(Fix {
            title: format!("Await `{}` before taking the {kind}", hoist.shown),
            applicability: relock_applicability(h),
            edits: vec![
                code.edit(
                    lines.start..lines.start,
                    format!("{indent}{}\n", hoist.line),
                ),
                hoist.replace,
            ],
        }));
    }
    // (e) `store(m.lock().unwrap().len()).await`: the guard is a temporary in an argument of
    // the awaited call; that argument's owned result goes into a local first.
    if let Some(arg) = argument_holding(awaited, &temp) {
        let name = owned_result_name(arg)?;
        if name_used_in_fn(code, index, &name, &node_range(arg))? {
            return None;
        }
        let arg_range = node_range(arg);
        let arg_text = code.src(arg_range.clone());
        return Some(Proposal::Edits(Fix {
            title: format!("Compute `{name}` before the `.await`, so the {kind} ends there"),
            applicability: Applicability::MachineApplicable,
            edits: vec![
                code.edit(
                    lines.start..lines.start,
                    format!("{indent}let {name} = {arg_text};\n"),
                ),
                code.edit(arg_range, name),
            ],
        }));
    }
    // (d) `match m.lock().unwrap().len() { … x.await … }`: bind the scrutinee first.
    let scrutinee = match stmt {
        Stmt::Expr(Expr::Match(m), _) => &*m.expr,
        Stmt::Expr(Expr::If(i), _) => match &*i.cond {
            Expr::Let(l) => &*l.expr,
            _ => return None,
        },
        _ => return None,
    };
    let s_range = node_range(scrutinee);
    if !syntax::contains(&s_range, &temp) || syntax::contains(&s_range, &await_range) {
        return None;
    }
    let name = owned_result_name(scrutinee)?;
    let func = index.fn_at(s_range.start)?;
    let fn_range = node_range(func.block);
    if code.ident_tokens(&name).into_iter().any(|t| {
        syntax::contains(&fn_range, &code.toks[t].range)
            && !syntax::contains(&s_range, &code.toks[t].range)
    }) {
        return None;
    }
    let scrutinee_text = code.src(s_range.clone());
    Some(Proposal::Edits(Fix {
        title: format!("Compute `{name}` before the `.await`, so the {kind} ends there"),
        applicability: Applicability::MachineApplicable,
        edits: vec![
            code.edit(
                lines.start..lines.start,
                format!("{indent}let {name} = {scrutinee_text};\n"),
            ),
            code.edit(s_range, name),
        ],
    }))
}

/// The argument of the awaited call (`f(…)` or `recv.f(…)`) that holds the temporary
/// `temp`, when moving it before the statement keeps the order of evaluation: the callee is
/// a path (or a method on a place) and every other argument is a path or a literal.
fn argument_holding<'a>(awaited: &'a syn::ExprAwait, temp: &Range<usize>) -> Option<&'a Expr> {
    let simple = |e: &Expr| matches!(e, Expr::Path(_) | Expr::Lit(_));
    let args = match &*awaited.base {
        Expr::Call(c) if matches!(&*c.func, Expr::Path(_)) => &c.args,
        Expr::MethodCall(m) if lock_base(&m.receiver).is_some() => &m.args,
        _ => return None,
    };
    let holding = args
        .iter()
        .find(|a| syntax::contains(&node_range(*a), temp))?;
    args.iter()
        .all(|a| std::ptr::eq(a, holding) || simple(a))
        .then_some(holding)
}

/// Whether `name` appears in the function around `at` outside `at` (then a new local of that
/// name could shadow or be shadowed); `None` when `at` is in no function.
fn name_used_in_fn(code: &Code, index: &Index<'_>, name: &str, at: &Range<usize>) -> Option<bool> {
    let func = index.fn_at(at.start)?;
    let fn_range = node_range(func.block);
    Some(code.ident_tokens(name).into_iter().any(|t| {
        syntax::contains(&fn_range, &code.toks[t].range)
            && !syntax::contains(at, &code.toks[t].range)
    }))
}

/// The base a lock chain starts from (`m` of `m.lock().unwrap()`).
fn lock_base(expr: &Expr) -> Option<&Expr> {
    let mut e = expr;
    loop {
        match e {
            Expr::MethodCall(m) => e = &m.receiver,
            Expr::Field(f) => e = &f.base,
            Expr::Path(_) => return Some(e),
            _ => return None,
        }
    }
}

/// When a scrutinee ends in a method that returns an owned value (not a borrow of the
/// guard), the name for a local holding it: that method (`len`), or for `.copied()` and
/// friends the method before it (`first` of `.first().copied()`).
fn owned_result_name(expr: &Expr) -> Option<String> {
    const OWNED: &[&str] = &[
        "len",
        "is_empty",
        // `&mut self -> Option<T>` / `T`: the element is moved out, never a borrow of the guard.
        "pop",
        "pop_front",
        "pop_back",
        "take",
        "contains",
        "contains_key",
        "count",
        "sum",
        "copied",
        "cloned",
        "clone",
        "to_owned",
        "to_string",
        "to_vec",
        "is_some",
        "is_none",
        "starts_with",
        "ends_with",
    ];
    const PASS: &[&str] = &[
        "copied",
        "cloned",
        "clone",
        "to_owned",
        "to_string",
        "to_vec",
    ];
    let Expr::MethodCall(m) = expr else {
        return None;
    };
    let last = m.method.to_string();
    if !OWNED.contains(&last.as_str()) {
        return None;
    }
    if PASS.contains(&last.as_str()) {
        if let Expr::MethodCall(inner) = &*m.receiver {
            let name = inner.method.to_string();
            if !LOCK_METHODS.contains(&name.as_str()) && name != "unwrap" && !is_keyword(&name) {
                return Some(name);
            }
        }
        return None;
    }
    // A method named for an action names its result badly (`let pop = …`).
    let name = match last.as_str() {
        "pop" | "pop_front" | "pop_back" => "popped".to_string(),
        "take" => "taken".to_string(),
        _ => last,
    };
    (!is_keyword(&name)).then_some(name)
}

/// `async_mutex`: the `std::sync::Mutex` whose guard is alive at the `.await` becomes the
/// runtime's async mutex (`tokio::sync::Mutex`, `smol::lock::Mutex`,
/// `async_std::sync::Mutex`, `futures::lock::Mutex`), and every `.lock().unwrap()` in the
/// file `.lock().await`. Switches the whole file's `Mutex` (the import, or every
/// `std::sync::Mutex` path), so it declines when a lock is taken outside async code or the
/// file relies on the std mutex otherwise (poisoning, `Condvar`, `const` construction).
/// With tokio lacking its `sync` feature, the package's `Cargo.toml` gets it too. Always
/// `MaybeIncorrect`: an async mutex is slower, and holding a lock across the `.await` may
/// not be what the code should do.
pub fn async_mutex(input: &Input<'_>) -> Option<Proposal> {
    let span = input.diagnostic.user_span()?;
    let code = Code::load(input.sources, &span.file_name)?;
    let index = code.index();
    let h = held::held(input, &code.text)?;
    if h.file != code.name || h.reporter == Reporter::SourceCheck {
        return None;
    }
    if !h.ty.as_deref().is_some_and(|t| t.contains("MutexGuard")) {
        return None;
    }
    let guard = match held::site(&h, &code, &index)? {
        Site::Let { local, name, .. } => {
            let init = &local.init.as_ref()?.expr;
            if !is_std_lock_unwrap(init) {
                return None;
            }
            name
        }
        Site::Temporary { expr, .. } => {
            if !is_std_lock_unwrap(expr) {
                return None;
            }
            code.src(node_range(expr)).to_string()
        }
        Site::Pattern { .. } => return None,
    };
    let api = input.runtime();
    let mutex = api.async_mutex()?;
    if api.runtime != Runtime::Tokio && code.ident_tokens("try_lock").iter().any(|_| true) {
        // tokio's `try_lock` returns a `Result` like std's; the others return an `Option`.
        return None;
    }
    for name in [
        "MutexGuard",
        "PoisonError",
        "TryLockError",
        "LockResult",
        "Condvar",
        "is_poisoned",
        "clear_poison",
        "into_inner",
        "get_mut",
    ] {
        if !code.ident_tokens(name).is_empty() {
            return None;
        }
    }
    if mutex_in_const_or_static(&code) {
        return None;
    }
    let mut edits: Vec<Edit> = Vec::new();
    // The name: the import, or every full path.
    let leaves = imports::leaves(&code);
    let imported = leaves
        .iter()
        .any(|l| l.path == ["std", "sync"] && l.name == "Mutex" && l.alias == "Mutex");
    let mutex_idents: Vec<usize> = code.ident_tokens("Mutex");
    let mut full_paths = 0;
    for &t in &mutex_idents {
        let r = code.toks[t].range.clone();
        if leaves.iter().any(|l| syntax::contains(&l.item, &r)) {
            continue;
        }
        // `std::sync::Mutex` written out: tokens `std :: sync :: Mutex`.
        let start = r.start.saturating_sub("std::sync::".len());
        if code.src(start..r.end) == "std::sync::Mutex" {
            edits.push(code.edit(start..r.end, mutex));
            full_paths += 1;
        } else if !imported {
            return None;
        }
    }
    if imported {
        edits.extend(imports::swap(&code, "std::sync::Mutex", mutex, false)?);
    } else if full_paths == 0 {
        return None;
    }
    // Every `.lock().unwrap()` / `.lock().expect(…)` becomes `.lock().await`.
    let mut locks = 0;
    for t in code.ident_tokens("lock") {
        let lock = code.toks[t].range.clone();
        if t == 0 || !matches!(code.toks[t - 1].kind, super::body::TokKind::Punct('.', _)) {
            continue;
        }
        // Already an async lock (`.lock().await`): nothing to change.
        if matches!(
            code.toks.get(t + 3).map(|x| &x.kind),
            Some(super::body::TokKind::Punct('.', _))
        ) && matches!(code.toks.get(t + 4).map(|x| &x.kind), Some(super::body::TokKind::Ident(n)) if n == "await")
        {
            continue;
        }
        let call_end = match code.toks.get(t + 2) {
            Some(close)
                if code.toks[t + 1].kind
                    == super::body::TokKind::Open(proc_macro2::Delimiter::Parenthesis)
                    && close.kind
                        == super::body::TokKind::Close(proc_macro2::Delimiter::Parenthesis) =>
            {
                close.range.end
            }
            _ => return None,
        };
        // `.unwrap()` or `.expect(…)` right after.
        let then = code.method_after(t + 3)?;
        match then.method.as_str() {
            "unwrap" if code.src(then.args.clone()).trim().is_empty() => {}
            "expect" => {}
            _ => return None,
        }
        if !index.is_async_at(lock.start) {
            return None;
        }
        edits.push(code.edit(call_end..then.end, ".await"));
        locks += 1;
    }
    if locks == 0 {
        return None;
    }
    let mut title =
        format!("Switch the mutex behind `{guard}` to `{mutex}` and lock it with `.lock().await`");
    if api.runtime == Runtime::Tokio && !api.tokio_has("sync") {
        let manifest = input.diagnostic.manifest_path.as_deref()?;
        let text = input.sources.read(manifest)?;
        let (range, replacement) = tokio_feature_edit(&text, "sync")?;
        edits.push(Edit {
            file: manifest.to_string(),
            start: range.start,
            end: range.end,
            replacement,
        });
        title.push_str(" (and turn on tokio's `sync` feature)");
    }
    Some(Proposal::Edits(Fix {
        title,
        applicability: Applicability::MaybeIncorrect,
        edits,
    }))
}

/// `guard_in_words`: what to change, in words, for a guard alive at an `.await` that no
/// edit could release: end it (in a block, copying out what is needed) before the `.await`
/// and take it again after, or, for a `std::sync::Mutex`, use the runtime's async mutex
/// (named when the package has one). Quotes the guard's line and the `.await`'s.
pub fn guard_in_words(input: &Input<'_>) -> Option<Proposal> {
    let span = input.diagnostic.user_span()?;
    let code = Code::load(input.sources, &span.file_name)?;
    let index = code.index();
    let h = held::held(input, &code.text)?;
    if h.file != code.name {
        return None;
    }
    let mut lines = Vec::new();
    let (name, init) = match held::site(&h, &code, &index) {
        Some(Site::Let { local, name, .. }) => {
            lines.extend(code.quote(node_range(local), 2));
            (name, local.init.as_ref().map(|i| &*i.expr))
        }
        Some(Site::Temporary { expr, .. }) => {
            lines.extend(code.quote(node_range(expr), 1));
            (code.src(node_range(expr)).to_string(), Some(expr))
        }
        _ => return None,
    };
    for a in &h.awaits {
        for l in code.quote(a.clone(), 1) {
            if !lines.contains(&l) {
                lines.push(l);
            }
        }
    }
    let kind = what(&h, init);
    let std_mutex = h.ty.as_deref().is_some_and(|t| t.contains("MutexGuard"))
        && h.reporter != Reporter::SourceCheck;
    let mut text = format!(
        "end the {kind} `{name}` before the `.await`: take what you need out of it inside a block that closes before the `.await` (or clone it), and take the {kind} again after the `.await` if you still need it"
    );
    if std_mutex {
        match input.runtime().async_mutex() {
            Some(m) => text.push_str(&format!(
                "; if the {kind} must stay held while waiting, use `{m}` and `.lock().await`"
            )),
            None => text.push_str("; this runtime has no async mutex to hold across the `.await`"),
        }
    }
    Some(Proposal::InWords { text, lines })
}

/// `x.lock().unwrap()` or `x.lock().expect("…")`.
fn is_std_lock_unwrap(expr: &Expr) -> bool {
    let Expr::MethodCall(outer) = expr else {
        return false;
    };
    let ok_outer = (outer.method == "unwrap" && outer.args.is_empty()) || outer.method == "expect";
    ok_outer
        && matches!(&*outer.receiver, Expr::MethodCall(inner) if inner.method == "lock" && inner.args.is_empty())
}

/// Whether a `const` or `static` item names `Mutex` (std's `Mutex::new` is `const`; the
/// async ones are not all).
fn mutex_in_const_or_static(code: &Code) -> bool {
    use super::body::{expr_idents, names_ident, type_idents};
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_item_static(&mut self, s: &'a syn::ItemStatic) {
            self.0 |= names_ident(|f| type_idents(&s.ty, f), "Mutex")
                || names_ident(|f| expr_idents(&s.expr, f), "Mutex");
        }
        fn visit_item_const(&mut self, c: &'a syn::ItemConst) {
            self.0 |= names_ident(|f| type_idents(&c.ty, f), "Mutex")
                || names_ident(|f| expr_idents(&c.expr, f), "Mutex");
        }
    }
    let mut f = Finder(false);
    syn::visit::visit_file(&mut f, &code.file);
    f.0
}

/// The edit to a `Cargo.toml` that turns on tokio's `feature` in `[dependencies]`: into the
/// `features` list, or a new one (`tokio = "1"` becomes an inline table). `None` when tokio is
/// declared some other way (several lines, renamed, only for a target), or the result would
/// not read back with the feature.
pub(super) fn tokio_feature_edit(text: &str, feature: &str) -> Option<(Range<usize>, String)> {
    let mut section = String::new();
    let mut offset = 0;
    let mut table_header: Option<usize> = None; // `[dependencies.tokio]`: end of the header line
    let mut found: Option<(Range<usize>, String)> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            if section == "dependencies.tokio" {
                table_header = Some(offset);
            }
            continue;
        }
        if section == "dependencies" {
            let Some((key, value)) = trimmed.split_once('=') else {
                continue;
            };
            if key.trim().trim_matches('"') != "tokio" {
                continue;
            }
            let value = value.trim();
            let value_start = start + line.find(value)?;
            let value_range = value_start..value_start + value.len();
            let new = if value.starts_with('"') {
                format!("{{ version = {value}, features = [\"{feature}\"] }}")
            } else if value.starts_with('{') && value.ends_with('}') {
                add_to_inline_table(value, feature)?
            } else {
                return None;
            };
            found = Some((value_range, new));
        } else if section == "dependencies.tokio" {
            if let Some(rest) = trimmed.strip_prefix("features") {
                let rest = rest.trim_start();
                if let Some(list) = rest.strip_prefix('=') {
                    let list = list.trim();
                    let list_start = start + line.find(list)?;
                    let new = add_to_array(list, feature)?;
                    found = Some((list_start..list_start + list.len(), new));
                }
            }
        }
    }
    if found.is_none() {
        if let Some(at) = table_header {
            found = Some((at..at, format!("features = [\"{feature}\"]\n")));
        }
    }
    let (range, new) = found?;
    // Read it back: the feature must now be in tokio's list.
    let mut edited = text.to_string();
    edited.replace_range(range.clone(), &new);
    let value: toml::Value = toml::from_str(&edited).ok()?;
    let features = value
        .get("dependencies")?
        .get("tokio")?
        .get("features")?
        .as_array()?;
    features
        .iter()
        .any(|f| f.as_str() == Some(feature))
        .then_some((range, new))
}

/// `{ version = "1" }` → `{ version = "1", features = ["sync"] }`; a `features` list in it
/// gets the feature added.
fn add_to_inline_table(table: &str, feature: &str) -> Option<String> {
    if let Some(at) = table.find("features") {
        let rest = &table[at..];
        let open = at + rest.find('[')?;
        let close = open + table[open..].find(']')?;
        let list = &table[open..=close];
        let new_list = add_to_array(list, feature)?;
        return Some(format!(
            "{}{}{}",
            &table[..open],
            new_list,
            &table[close + 1..]
        ));
    }
    let inner = table
        .strip_prefix('{')?
        .strip_suffix('}')?
        .trim()
        .trim_end_matches(',');
    if inner.is_empty() {
        return Some(format!("{{ features = [\"{feature}\"] }}"));
    }
    Some(format!("{{ {inner}, features = [\"{feature}\"] }}"))
}

/// `["rt", "macros"]` → `["rt", "macros", "sync"]`.
fn add_to_array(list: &str, feature: &str) -> Option<String> {
    let inner = list.strip_prefix('[')?.strip_suffix(']')?;
    if inner.contains('\n') {
        return None;
    }
    let items = inner.trim().trim_end_matches(',').trim();
    Some(if items.is_empty() {
        format!("[\"{feature}\"]")
    } else {
        format!("[{items}, \"{feature}\"]")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Runtime;
    use crate::fix::recipes::testing::{
        applied, child, diagnostic, not_send, package, run, span, MANIFEST,
    };

    const GUARD: &str = "use std::sync::{Arc, Mutex};\n\nasync fn pause() {}\n\nfn spawn_recorder(hit_counts: Arc<Mutex<Vec<u32>>>) {\n    tokio::spawn(async move {\n        let mut counts = hit_counts.lock().unwrap();\n        counts.push(1);\n        pause().await;\n        counts.push(2);\n    });\n}\n\n#[tokio::main]\nasync fn main() {\n    spawn_recorder(Arc::new(Mutex::new(Vec::new())));\n}\n";

    fn guard_diag(text: &str) -> crate::diagnostic::Diagnostic {
        not_send(
            text,
            "mut counts",
            0,
            "std::sync::MutexGuard<'_, Vec<u32>>",
            0,
            "tokio::spawn(async move {",
        )
    }

    #[test]
    fn a_guard_used_after_is_released_and_taken_again() {
        let p = run(
            release_guard_before_await,
            &guard_diag(GUARD),
            GUARD,
            None,
            None,
        )
        .unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
        assert_eq!(
            fix.title,
            "Release the lock `counts` before the `.await` and take it again after"
        );
        let out = applied(&p, GUARD);
        assert!(out.contains("        {\n            let mut counts = hit_counts.lock().unwrap();\n            counts.push(1);\n        }\n        pause().await;\n        let mut counts = hit_counts.lock().unwrap();\n        counts.push(2);\n"), "{out}");
    }

    #[test]
    fn a_guard_not_used_after_goes_into_a_block() {
        let text = GUARD.replace("        counts.push(2);\n", "");
        let p = run(
            release_guard_before_await,
            &guard_diag(&text),
            &text,
            None,
            None,
        )
        .unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        let out = applied(&p, &text);
        assert!(out.contains("        {\n            let mut counts = hit_counts.lock().unwrap();\n            counts.push(1);\n        }\n        pause().await;\n    });"), "{out}");
    }

    #[test]
    fn a_local_needed_later_declines_the_block() {
        let text = GUARD
            .replace(
                "        counts.push(1);\n",
                "        let n = counts.len();\n",
            )
            .replace("counts.push(2);", "println!(\"{n}\");");
        assert_eq!(
            run(
                release_guard_before_await,
                &guard_diag(&text),
                &text,
                None,
                None
            ),
            None
        );
    }

    #[test]
    fn a_lock_right_before_the_await_moves_below_it() {
        let text = "use std::cell::RefCell;\nasync fn pause() {}\nfn spawn_reader() {\n    let settings = RefCell::new(String::from(\"debug\"));\n    tokio::spawn(async move {\n        let level = settings.borrow();\n        pause().await;\n        println!(\"level: {level}\");\n    });\n}\n";
        let d = not_send(
            text,
            "level",
            0,
            "std::cell::Ref<'_, String>",
            0,
            "tokio::spawn(async move {",
        );
        let p = run(release_guard_before_await, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        // The cell is owned by the task: nobody can change it while it waits.
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        assert_eq!(
            fix.title,
            "Take the borrow `level` after the `.await` instead of before it"
        );
        let out = applied(&p, text);
        assert!(
            out.contains(
                "        pause().await;\n        let level = settings.borrow();\n        println!"
            ),
            "{out}"
        );
    }

    #[test]
    fn an_await_inside_the_locked_call_is_hoisted() {
        let text = "use std::sync::{Arc, Mutex};\nasync fn fetch_price(id: u32) -> u32 { id }\nfn f(m: Arc<Mutex<Vec<u32>>>) {\n    tokio::spawn(async move {\n        m.lock().unwrap().push(fetch_price(1).await);\n    });\n}\n";
        let d = not_send(
            text,
            "m.lock().unwrap()",
            0,
            "std::sync::MutexGuard<'_, Vec<u32>>",
            0,
            "tokio::spawn(async move {",
        );
        let p = run(release_guard_before_await, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.title, "Await `fetch_price(1)` before taking the lock");
        let out = applied(&p, text);
        assert!(out.contains("        let price = fetch_price(1).await;\n        m.lock().unwrap().push(price);\n"), "{out}");
        // With a `let` guard right before: the same, above the `let`.
        let text = text.replace(
            "        m.lock().unwrap().push(fetch_price(1).await);\n",
            "        let mut v = m.lock().unwrap();\n        v.push(fetch_price(1).await);\n",
        );
        let d = not_send(
            &text,
            "mut v",
            0,
            "std::sync::MutexGuard<'_, Vec<u32>>",
            0,
            "tokio::spawn(async move {",
        );
        let p = run(release_guard_before_await, &d, &text, None, None).unwrap();
        let out = applied(&p, &text);
        assert!(out.contains("        let price = fetch_price(1).await;\n        let mut v = m.lock().unwrap();\n        v.push(price);\n"), "{out}");
    }

    #[test]
    fn a_scrutinee_temporary_is_bound_first() {
        let text = "use std::sync::{Arc, Mutex};\nasync fn pause() {}\nfn f(m: Arc<Mutex<Vec<u32>>>) {\n    tokio::spawn(async move {\n        match m.lock().unwrap().len() {\n            0 => pause().await,\n            _ => {}\n        }\n    });\n}\n";
        let d = not_send(
            text,
            "m.lock().unwrap()",
            0,
            "std::sync::MutexGuard<'_, Vec<u32>>",
            0,
            "tokio::spawn(async move {",
        );
        let p = run(release_guard_before_await, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        let out = applied(&p, text);
        assert!(
            out.contains("        let len = m.lock().unwrap().len();\n        match len {\n"),
            "{out}"
        );
        // A scrutinee that borrows from the guard cannot be bound.
        let text = text.replace(".len()", ".first()");
        let d = not_send(
            &text,
            "m.lock().unwrap()",
            0,
            "std::sync::MutexGuard<'_, Vec<u32>>",
            0,
            "tokio::spawn(async move {",
        );
        assert_eq!(run(release_guard_before_await, &d, &text, None, None), None);
    }

    #[test]
    fn an_argument_temporary_is_bound_first() {
        let text = "use std::sync::{Arc, RwLock};\nasync fn store(n: usize) {}\nfn f(m: Arc<RwLock<Vec<u32>>>) {\n    tokio::spawn(async move {\n        store(m.read().unwrap().len()).await;\n    });\n}\n";
        let d = not_send(
            text,
            "m.read().unwrap()",
            0,
            "std::sync::RwLockReadGuard<'_, Vec<u32>>",
            0,
            "tokio::spawn(async move {",
        );
        let p = run(release_guard_before_await, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        let out = applied(&p, text);
        assert!(
            out.contains("        let len = m.read().unwrap().len();\n        store(len).await;\n"),
            "{out}"
        );
        // Another argument that is a call would run after the lock instead of before it.
        let text = text.replace("store(m", "store2(next(), m");
        let d = not_send(
            &text,
            "m.read().unwrap()",
            0,
            "std::sync::RwLockReadGuard<'_, Vec<u32>>",
            0,
            "tokio::spawn(async move {",
        );
        assert_eq!(run(release_guard_before_await, &d, &text, None, None), None);
    }

    #[test]
    fn a_popped_scrutinee_is_named_for_its_result() {
        let text = "use std::sync::{Arc, Mutex};\nasync fn store(n: u32) {}\nfn f(q: Arc<Mutex<Vec<u32>>>) {\n    tokio::spawn(async move {\n        if let Some(job) = q.lock().unwrap().pop() {\n            store(job).await;\n        }\n    });\n}\n";
        let d = not_send(
            text,
            "q.lock().unwrap()",
            0,
            "std::sync::MutexGuard<'_, Vec<u32>>",
            0,
            "tokio::spawn(async move {",
        );
        let p = run(release_guard_before_await, &d, text, None, None).unwrap();
        let out = applied(&p, text);
        assert!(
            out.contains("        let popped = q.lock().unwrap().pop();\n        if let Some(job) = popped {\n"),
            "{out}"
        );
    }

    #[test]
    fn clippy_await_holding_lock_gets_the_same_shapes() {
        let text = "use std::sync::Mutex;\nuse std::time::Duration;\n\nasync fn record_visit(visits: &Mutex<Vec<u32>>, user: u32) {\n    let mut log = visits.lock().unwrap();\n    tokio::time::sleep(Duration::from_millis(1)).await;\n    log.push(user);\n}\n";
        let d = diagnostic(
            "warning",
            Some("clippy::await_holding_lock"),
            "this `MutexGuard` is held across an await point",
            vec![span(text, "mut log", 0, None, true)],
            vec![child(
                "note",
                "these are all the await points this lock is held through",
                vec![span(text, "await", 0, None, true)],
            )],
        );
        let p = run(release_guard_before_await, &d, text, None, None).unwrap();
        let out = applied(&p, text);
        assert!(out.contains("    tokio::time::sleep(Duration::from_millis(1)).await;\n    let mut log = visits.lock().unwrap();\n    log.push(user);\n"), "{out}");
        // async_mutex for the same lint: the import switches, `.lock().unwrap()` awaits.
        let tokio = package(&[Runtime::Tokio], &["full"]);
        let p = run(async_mutex, &d, text, None, Some(&tokio)).unwrap();
        let out = applied(&p, text);
        assert!(out.starts_with("use tokio::sync::Mutex;\n"), "{out}");
        assert!(out.contains("let mut log = visits.lock().await;"), "{out}");
    }

    #[test]
    fn async_mutex_follows_the_runtime_and_the_tokio_features() {
        let d = guard_diag(GUARD);
        let smol = package(&[Runtime::Smol], &[]);
        let p = run(async_mutex, &d, GUARD, None, Some(&smol)).unwrap();
        let out = applied(&p, GUARD);
        assert!(
            out.starts_with("use std::sync::Arc;\nuse smol::lock::Mutex;\n"),
            "{out}"
        );
        assert!(out.contains("hit_counts.lock().await;"), "{out}");
        let trpl = package(&[Runtime::Trpl], &[]);
        assert_eq!(run(async_mutex, &d, GUARD, None, Some(&trpl)), None);
        // tokio without `sync`: Cargo.toml gets it.
        let manifest = "[package]\nname = \"app\"\n\n[dependencies]\ntokio = { version = \"1\", features = [\"rt-multi-thread\", \"macros\", \"time\"] }\n";
        let bare = package(&[Runtime::Tokio], &["rt-multi-thread", "macros", "time"]);
        let Some(Proposal::Edits(fix)) = run(async_mutex, &d, GUARD, Some(manifest), Some(&bare))
        else {
            panic!()
        };
        let toml_edit: Vec<_> = fix.edits.iter().filter(|e| e.file == MANIFEST).collect();
        let new_manifest = crate::fix::apply(manifest, toml_edit).unwrap();
        assert!(
            new_manifest
                .contains("features = [\"rt-multi-thread\", \"macros\", \"time\", \"sync\"]"),
            "{new_manifest}"
        );
        assert!(
            fix.title.ends_with("(and turn on tokio's `sync` feature)"),
            "{}",
            fix.title
        );
        // A lock taken in a sync function cannot be awaited.
        let text = format!(
            "{GUARD}\nfn peek(m: &Mutex<Vec<u32>>) -> usize {{\n    m.lock().unwrap().len()\n}}\n"
        );
        let d = guard_diag(&text);
        let tokio = package(&[Runtime::Tokio], &["full"]);
        assert_eq!(run(async_mutex, &d, &text, None, Some(&tokio)), None);
    }

    #[test]
    fn guard_in_words_quotes_the_guard_and_the_await() {
        let text = GUARD.replace(
            "        counts.push(1);\n        pause().await;",
            "        if counts.is_empty() {\n            pause().await;\n        }",
        );
        let d = guard_diag(&text);
        // The `.await` sits in a statement that uses the guard: no edit.
        assert_eq!(run(release_guard_before_await, &d, &text, None, None), None);
        let smol = package(&[Runtime::Smol], &[]);
        let Some(Proposal::InWords { text: words, lines }) =
            run(guard_in_words, &d, &text, None, Some(&smol))
        else {
            panic!()
        };
        assert!(
            words.starts_with("end the lock `counts` before the `.await`"),
            "{words}"
        );
        assert!(
            words.contains("use `smol::lock::Mutex` and `.lock().await`"),
            "{words}"
        );
        let quoted: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            quoted,
            [
                "        let mut counts = hit_counts.lock().unwrap();",
                "            pause().await;"
            ]
        );
        // Not a held value at all: nothing to say.
        let other = diagnostic(
            "error",
            Some("E0308"),
            "mismatched types",
            vec![span(&text, "counts", 0, None, true)],
            vec![],
        );
        assert_eq!(run(guard_in_words, &other, &text, None, None), None);
    }

    #[test]
    fn tokio_features_in_each_declaration_form() {
        let edit = |t: &str| {
            let (r, new) = tokio_feature_edit(t, "sync").unwrap();
            let mut s = t.to_string();
            s.replace_range(r, &new);
            s
        };
        assert_eq!(
            edit("[dependencies]\ntokio = \"1\"\n"),
            "[dependencies]\ntokio = { version = \"1\", features = [\"sync\"] }\n"
        );
        assert_eq!(
            edit("[dependencies]\ntokio = { workspace = true }\n"),
            "[dependencies]\ntokio = { workspace = true, features = [\"sync\"] }\n"
        );
        assert_eq!(
            edit("[dependencies.tokio]\nversion = \"1\"\n"),
            "[dependencies.tokio]\nfeatures = [\"sync\"]\nversion = \"1\"\n"
        );
        assert_eq!(
            edit("[dependencies.tokio]\nversion = \"1\"\nfeatures = []\n"),
            "[dependencies.tokio]\nversion = \"1\"\nfeatures = [\"sync\"]\n"
        );
        assert!(tokio_feature_edit("[dependencies]\nserde = \"1\"\n", "sync").is_none());
    }
}
