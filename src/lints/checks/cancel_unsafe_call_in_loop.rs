//! `cancel_unsafe_call_in_loop`: a call that is not cancel safe, made afresh in each round of
//! a loop that drops it midway and so starts it over: a branch of `select!` inside a loop, or
//! a call under `tokio::time::timeout` whose timeout path goes round the loop again. A future
//! is cancelled by being dropped; whatever progress it kept inside (bytes read, bytes
//! written, a place in a lock's queue) goes with it.
//!
//! One check for both shapes: the mistake, the calls and the cure (create the future once,
//! before the loop, and keep polling that one) are the same; the message names the shape.
//!
//! **The calls** ([`NOT_CANCEL_SAFE`]) are those tokio 1.54 documents as not cancel safe, in
//! `tokio::select!`'s "Cancellation safety" section and in each method's own "Cancel safety"
//! section, matched by method name and argument count (there are no types here):
//! - progress lost: `read_exact`, `read_to_end`, `read_to_string`, `read_line`, the
//!   multi-byte `read_u16` … `read_f64_le`, and `write_all`. futures-util's and futures-lite's
//!   `read_exact`, `read_to_end`, `read_to_string`, `read_line` and `write_all` keep their
//!   progress inside the future the same way (checked in their 0.3.34 / 2.6.1 sources), so
//!   these count under `futures::select!` too;
//! - place in the queue lost (tokio's fair `sync` types only, so only under `tokio::select!`
//!   or `tokio::time::timeout`, and not in a file that names another crate's async locks):
//!   `Mutex::lock`/`lock_owned`, `RwLock::read`/`write` (and `_owned`, no arguments),
//!   `Semaphore::acquire` (`_owned`, `_many`, `_many_owned`), `Notify::notified`
//!   (`_owned`), `mpsc::Sender::reserve` (`_owned`, `_many`).
//!
//! Not listed, so never flagged: everything tokio documents as cancel safe (`read`,
//! `read_buf`, `write`, `write_buf`, `write_all_buf`, `recv`, `accept`, `tick`, `changed`,
//! `StreamExt::next`, `join_next`, …), and ambiguous names (`send`, `wait`). A call of an
//! `async fn` of this file counts when its body awaits a listed progress-losing call (the
//! loss is then shown in that body); other own functions are left alone.
//!
//! **`select!` in a loop**: `tokio::select!`, `futures::select!`/`select_biased!` (resolved
//! through `use` items) directly in a loop's body (not in a closure, an async block or a
//! nested loop, which has its own turn), with the listed call as a branch's future
//! (`.fuse()`, `Box::pin(..)` and `timeout(d, ..)` looked through). It fires only when another
//! branch (or futures' `default`) can win and let the loop go round: its handler does not
//! always `break`/`return`/panic. A future created before the loop and raced by reference
//! (`&mut fut`, `fut.as_mut()`) is not a call and is never flagged.
//!
//! **`timeout` retried**: `tokio::time::timeout(d, call).await` (or `timeout_at`) at the top
//! level of a loop's body (or in a `while` condition), whose elapsed path goes round: a
//! `match` whose `Err`/catch-all arm does not always leave, `if let Ok(..)` with no leaving
//! `else`, `if let Err(..)`, `let Ok(..) = .. else { continue }`, `.is_err()`/`.is_ok()`
//! tests, `while let Err(..)`, `let _ = ..`. Results handled through `?`, `.unwrap()` or a
//! binding read later are left alone. It must be the *same* call each round: the call may
//! not mention names bound inside the loop, except buffers made fresh there (`[0u8; 4]`,
//! `vec![..]`, `Vec::new()`), since a retried read into a fresh buffer still lost the bytes.

use std::collections::{HashMap, HashSet};

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Block, Expr, ExprMethodCall, Item, Pat, Stmt};

use super::Check;
use crate::lints::resolve::join;
use crate::lints::syntax::{
    always_leaves, block_always_leaves, label, mentions, pat_idents, select_branches,
    stmt_always_leaves, strip_paren, SelectBranch,
};
use crate::lints::walker::{CheckContext, Node};

/// What dropping the call midway loses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loss {
    /// Bytes already read.
    Read,
    /// How much was already written (the restart writes from the start of the buffer).
    Write,
    /// A place in a fair queue (locks, permits, notifications, channel capacity).
    Queue,
}

/// `(method, argument count, loss)`: tokio 1.54's not-cancel-safe methods (see the module
/// comment for where each is documented).
const NOT_CANCEL_SAFE: &[(&str, usize, Loss)] = &[
    ("read_exact", 1, Loss::Read),
    ("read_to_end", 1, Loss::Read),
    ("read_to_string", 1, Loss::Read),
    ("read_line", 1, Loss::Read),
    ("read_u16", 0, Loss::Read),
    ("read_i16", 0, Loss::Read),
    ("read_u32", 0, Loss::Read),
    ("read_i32", 0, Loss::Read),
    ("read_u64", 0, Loss::Read),
    ("read_i64", 0, Loss::Read),
    ("read_u128", 0, Loss::Read),
    ("read_i128", 0, Loss::Read),
    ("read_f32", 0, Loss::Read),
    ("read_f64", 0, Loss::Read),
    ("read_u16_le", 0, Loss::Read),
    ("read_i16_le", 0, Loss::Read),
    ("read_u32_le", 0, Loss::Read),
    ("read_i32_le", 0, Loss::Read),
    ("read_u64_le", 0, Loss::Read),
    ("read_i64_le", 0, Loss::Read),
    ("read_u128_le", 0, Loss::Read),
    ("read_i128_le", 0, Loss::Read),
    ("read_f32_le", 0, Loss::Read),
    ("read_f64_le", 0, Loss::Read),
    ("write_all", 1, Loss::Write),
    ("lock", 0, Loss::Queue),
    ("lock_owned", 0, Loss::Queue),
    ("read", 0, Loss::Queue),
    ("read_owned", 0, Loss::Queue),
    ("write", 0, Loss::Queue),
    ("write_owned", 0, Loss::Queue),
    ("acquire", 0, Loss::Queue),
    ("acquire_owned", 0, Loss::Queue),
    ("acquire_many", 1, Loss::Queue),
    ("acquire_many_owned", 1, Loss::Queue),
    ("notified", 0, Loss::Queue),
    ("notified_owned", 0, Loss::Queue),
    ("reserve", 0, Loss::Queue),
    ("reserve_owned", 0, Loss::Queue),
    ("reserve_many", 1, Loss::Queue),
];

/// The loss of a listed method call.
fn listed(m: &ExprMethodCall) -> Option<Loss> {
    let method = m.method.to_string();
    NOT_CANCEL_SAFE
        .iter()
        .find(|(name, args, _)| *name == method && *args == m.args.len())
        .map(|(_, _, loss)| *loss)
}

/// Whose `select!` or `timeout` this is: which list applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runtime {
    Tokio,
    Futures,
}

/// A call found to be not cancel safe: where it is, how the message names it, what it
/// loses, and, for a call of an own `async fn`, the listed call inside it.
struct Found {
    call_span: Span,
    call_text: String,
    method: String,
    loss: Loss,
    inner: Option<(String, Span)>,
}

/// Looks at `loop`, `while` and `for` loops in async code.
pub(super) fn check<'ast>(cx: &mut CheckContext<'ast, '_>, node: Node<'ast>) {
    let Node::Expr(expr) = node else { return };
    let (body, cond) = match expr {
        Expr::Loop(l) => (&l.body, None),
        Expr::While(w) => (&w.body, Some(&*w.cond)),
        Expr::ForLoop(f) => (&f.body, None),
        _ => return,
    };
    if cx.async_context().is_none() {
        return;
    }
    let mut selects = Selects::default();
    selects.visit_block(body);
    for mac in selects.found {
        select_loop(cx, mac);
    }
    retried_timeouts(cx, expr, body, cond);
}

/// The `select!`-like macro calls in a loop body that run in the loop's own context.
#[derive(Default)]
struct Selects<'ast> {
    found: Vec<&'ast syn::Macro>,
}

impl<'ast> Visit<'ast> for Selects<'ast> {
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if m.path
            .segments
            .last()
            .is_some_and(|s| matches!(s.ident.to_string().as_str(), "select" | "select_biased"))
        {
            self.found.push(m);
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_item(&mut self, _: &'ast Item) {}
}

/// Which runtime's `select!` a macro path names.
fn select_runtime(cx: &CheckContext<'_, '_>, path: &syn::Path) -> Option<Runtime> {
    match join(&cx.resolve(path)?).as_str() {
        "tokio::select" => Some(Runtime::Tokio),
        "futures::select"
        | "futures::select_biased"
        | "futures_util::select"
        | "futures_util::select_biased" => Some(Runtime::Futures),
        _ => None,
    }
}

/// The listed call a branch's future (or `timeout`'s future) is, once `.fuse()`,
/// `Box::pin(..)` and a `timeout(d, ..)` around it are taken off.
fn unsafe_call(cx: &CheckContext<'_, '_>, fut: &Expr, runtime: Runtime) -> Option<Found> {
    let queue_ok = runtime == Runtime::Tokio && !names_other_async_locks(cx.file_text());
    let keep = |loss: Loss| loss != Loss::Queue || queue_ok;
    match strip_paren(fut) {
        Expr::MethodCall(m) if m.method == "fuse" && m.args.is_empty() => {
            unsafe_call(cx, &m.receiver, runtime)
        }
        Expr::MethodCall(m) => {
            if let Some(loss) = listed(m).filter(|l| keep(*l)) {
                return Some(Found {
                    call_span: fut.span(),
                    call_text: short_call(cx, fut),
                    method: m.method.to_string(),
                    loss,
                    inner: None,
                });
            }
            let on_self =
                matches!(strip_paren(&m.receiver), Expr::Path(p) if p.path.is_ident("self"));
            if on_self {
                return own_fn(cx, fut, &m.method.to_string(), true);
            }
            None
        }
        Expr::Call(c) => {
            let Expr::Path(p) = strip_paren(&c.func) else {
                return None;
            };
            let last = p.path.segments.last()?.ident.to_string();
            if last == "pin" && c.args.len() == 1 {
                return unsafe_call(cx, &c.args[0], runtime);
            }
            let resolved = cx.resolve(&p.path).map(|r| join(&r));
            if matches!(
                resolved.as_deref(),
                Some("tokio::time::timeout" | "tokio::time::timeout_at")
            ) && c.args.len() == 2
            {
                return unsafe_call(cx, &c.args[1], runtime);
            }
            let own = if p.path.segments.len() == 1 && resolved.is_none() {
                Some(false)
            } else if p.path.segments.len() == 2 && p.path.segments[0].ident == "Self" {
                Some(true)
            } else {
                None
            };
            let method = own?;
            if p.path.segments.len() == 1 && cx.is_local(&last) {
                return None;
            }
            own_fn(cx, fut, &last, method)
        }
        _ => None,
    }
}

/// A call of an own `async fn` whose body awaits a listed call that loses progress.
fn own_fn(cx: &CheckContext<'_, '_>, call: &Expr, name: &str, method: bool) -> Option<Found> {
    let async_fns = cx.async_fns();
    let known = if method {
        async_fns.is_method(name)
    } else {
        async_fns.is_free(name)
    };
    if !known {
        return None;
    }
    let body = fn_body(cx.file(), name, method)?;
    let (inner, loss) = awaited_listed(body)?;
    Some(Found {
        call_span: call.span(),
        call_text: short_call(cx, call),
        method: name.to_string(),
        loss,
        inner: Some((short_call_of(cx, inner), inner.span())),
    })
}

/// The body of the only `async fn` called `name` in the file (a method when `method`).
fn fn_body<'ast>(file: &'ast syn::File, name: &str, method: bool) -> Option<&'ast Block> {
    struct Find<'ast, 'n> {
        name: &'n str,
        method: bool,
        found: Vec<&'ast Block>,
    }
    impl<'ast> Visit<'ast> for Find<'ast, '_> {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            if !self.method && f.sig.ident == self.name && f.sig.asyncness.is_some() {
                self.found.push(&f.block);
            }
            visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            if self.method && f.sig.ident == self.name && f.sig.asyncness.is_some() {
                self.found.push(&f.block);
            }
            visit::visit_impl_item_fn(self, f);
        }
    }
    let mut find = Find {
        name,
        method,
        found: Vec::new(),
    };
    find.visit_file(file);
    match find.found.as_slice() {
        [only] => Some(only),
        _ => None,
    }
}

/// The first listed progress-losing call a body awaits in its own context.
fn awaited_listed(body: &Block) -> Option<(&ExprMethodCall, Loss)> {
    struct Find<'ast> {
        hit: Option<(&'ast ExprMethodCall, Loss)>,
    }
    impl<'ast> Visit<'ast> for Find<'ast> {
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            if self.hit.is_none() {
                if let Expr::MethodCall(m) = strip_paren(&a.base) {
                    if let Some(loss) = listed(m).filter(|l| *l != Loss::Queue) {
                        self.hit = Some((m, loss));
                        return;
                    }
                }
            }
            visit::visit_expr_await(self, a);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut find = Find { hit: None };
    find.visit_block(body);
    find.hit
}

/// Whether a file names another crate's async locks (then `lock()`, `read()`, `acquire()`
/// may be theirs, whose cancellation tokio's docs say nothing about).
fn names_other_async_locks(text: &str) -> bool {
    [
        "futures::lock",
        "futures_util::lock",
        "async_lock",
        "smol::lock",
        "async_std::sync",
    ]
    .iter()
    .any(|n| text.contains(n))
}

/// A `select!` in a loop: each branch racing a listed call against a branch that can let
/// the loop go round.
fn select_loop<'ast>(cx: &mut CheckContext<'ast, '_>, mac: &'ast syn::Macro) {
    let Some(runtime) = select_runtime(cx, &mac.path) else {
        return;
    };
    let Ok(branches) = mac.parse_body_with(select_branches) else {
        return;
    };
    // The spans of the parsed branches point into the file (the macro's tokens are the
    // file's), so labels land on the user's code.
    for (i, branch) in branches.iter().enumerate() {
        let SelectBranch::Future { fut, .. } = branch else {
            continue;
        };
        let Some(found) = unsafe_call(cx, fut, runtime) else {
            continue;
        };
        let rival = branches.iter().enumerate().find_map(|(j, b)| match b {
            SelectBranch::Future { fut, handler } if j != i && !always_leaves(handler) => {
                Some((fut.span(), false))
            }
            SelectBranch::Default { handler } if !always_leaves(handler) => {
                Some((handler.span(), true))
            }
            _ => None,
        });
        let Some((rival, is_default)) = rival else {
            continue;
        };
        let rival_text = if is_default {
            format!(
                "when nothing is ready at once, this runs and `{}` is dropped midway",
                found.method
            )
        } else {
            format!(
                "when this finishes first, the loop goes round and calls `{}` again from scratch",
                found.method
            )
        };
        let shape = "this `select!` loop can drop it midway and start it again";
        let context = vec![label(rival, rival_text, false)];
        let anchor = mac.path.span().start().line;
        report(cx, &found, runtime, shape, context, true, anchor);
    }
}

/// How the message names a call: `receiver.method(..)`, `name(..)`.
fn short_call(cx: &CheckContext<'_, '_>, call: &Expr) -> String {
    match strip_paren(call) {
        Expr::MethodCall(m) if m.method == "fuse" && m.args.is_empty() => {
            short_call(cx, &m.receiver)
        }
        Expr::MethodCall(m) => short_call_of(cx, m),
        Expr::Call(c) => {
            let args = if c.args.is_empty() { "" } else { ".." };
            format!("{}({args})", cx.source(c.func.span()))
        }
        other => cx.source(other.span()),
    }
}

/// `receiver.method(..)`, the receiver shortened to `..` when long.
fn short_call_of(cx: &CheckContext<'_, '_>, m: &ExprMethodCall) -> String {
    let receiver = cx.source(m.receiver.span());
    let receiver = if receiver.chars().count() <= 24 {
        receiver
    } else {
        "..".into()
    };
    let args = if m.args.is_empty() { "" } else { ".." };
    format!("{receiver}.{}({args})", m.method)
}

fn report(
    cx: &mut CheckContext<'_, '_>,
    found: &Found,
    runtime: Runtime,
    shape: &str,
    mut context: Vec<crate::lints::Label>,
    select: bool,
    anchor: usize,
) {
    let call = &found.call_text;
    let message = format!("`{call}` is not cancel safe, and {shape}");
    let loss = match found.loss {
        Loss::Read => "the bytes it has read so far are lost".to_string(),
        Loss::Write if select => {
            "it forgets how much it wrote, and the next call writes from the start again"
                .to_string()
        }
        Loss::Write => "what it has already written is written again by the retry".to_string(),
        Loss::Queue => "it gives up its place in the queue".to_string(),
    };
    let primary = if select {
        format!("dropped midway when another branch wins: {loss}")
    } else {
        format!("`timeout` drops this midway when time runs out: {loss}")
    };
    let mut labels = vec![label(found.call_span, primary, true)];
    labels.append(&mut context);
    let method = &found.method;
    let mut notes = Vec::new();
    match &found.inner {
        Some((inner, span)) => {
            labels.push(label(
                *span,
                format!("`{method}` awaits this, which is not cancel safe"),
                false,
            ));
            notes.push((
                "note",
                format!("`{method}` awaits `{inner}`; dropping `{method}` midway drops that too"),
            ));
        }
        None if runtime == Runtime::Tokio => notes.push(("note", tokio_note(method))),
        None => notes.push((
            "note",
            format!(
                "`{method}` keeps its progress inside its future; dropping the future loses it"
            ),
        )),
    }
    let help = if select {
        "create the future once, before the loop, and pin it (`std::pin::pin!`); race \
         `fut.as_mut()` so that losing a round does not restart it"
    } else {
        "pin the future once, before the loop, and time out `fut.as_mut()`, so that a retry \
         goes on where the last attempt stopped"
    };
    notes.push(("help", help.to_string()));
    let finding = cx.report(Check::CancelUnsafeCallInLoop, message, labels, notes);
    // The walk stands at the loop; the `select!` or the statement consuming the timeout, inside
    // the loop, encloses the finding too, so an `allow` comment above it counts.
    finding.enclosing.push(anchor);
}

/// Where tokio 1.54 says so: the methods `tokio::select!`'s "Cancellation safety" section
/// lists as not cancellation safe, and for the others their own "Cancel safety" section.
fn tokio_note(method: &str) -> String {
    const IN_SELECT_DOCS: &[&str] = &[
        "read_exact",
        "read_to_end",
        "read_to_string",
        "write_all",
        "lock",
        "read",
        "write",
        "acquire",
        "notified",
    ];
    if IN_SELECT_DOCS.contains(&method) {
        format!(
            "tokio lists `{method}` as not cancel safe (`tokio::select!`'s \"Cancellation \
             safety\" section)"
        )
    } else {
        format!(
            "tokio's docs for `{method}` say what cancelling it loses (its \"Cancel safety\" \
             section)"
        )
    }
}

/// `timeout(d, call).await` at the top of a loop body (or in a `while` condition) whose
/// elapsed path goes round the loop again.
fn retried_timeouts<'ast>(
    cx: &mut CheckContext<'ast, '_>,
    lp: &'ast Expr,
    body: &'ast Block,
    cond: Option<&'ast Expr>,
) {
    let inside = loop_bindings(lp);
    if let Some(cond) = cond.map(strip_paren) {
        let (x, retries) = match cond {
            Expr::MethodCall(m) if m.method == "is_err" && m.args.is_empty() => {
                (&*m.receiver, true)
            }
            Expr::Let(l) if is_variant(&l.pat, "Err") => (&*l.expr, true),
            _ => (cond, false),
        };
        if retries && !block_always_leaves(body) {
            if let Some(found) = timed_out_call(cx, x, &inside) {
                let text = format!("after a timeout, the loop calls `{}` again", found.method);
                let anchor = cond.span().start().line;
                report_timeout(cx, &found, label(body.span(), text, false), anchor);
            }
        }
    }
    for (i, stmt) in body.stmts.iter().enumerate() {
        let rest_leaves = body.stmts[i + 1..].iter().any(stmt_always_leaves);
        let Some((x, elapsed)) = elapsed_path(stmt) else {
            continue;
        };
        let Some(found) = timed_out_call(cx, x, &inside) else {
            continue;
        };
        let (goes_round, span) = match elapsed {
            Elapsed::Runs { leaves, span } => (!leaves && !rest_leaves, span),
            Elapsed::Diverges { leaves, span } => (!leaves, Some(span)),
        };
        if !goes_round {
            continue;
        }
        let span = span.unwrap_or_else(|| stmt.span());
        let text = format!(
            "after a timeout, this goes round the loop and calls `{}` again",
            found.method
        );
        let anchor = stmt.span().start().line;
        report_timeout(cx, &found, label(span, text, false), anchor);
    }
}

fn report_timeout(
    cx: &mut CheckContext<'_, '_>,
    found: &Found,
    context: crate::lints::Label,
    anchor: usize,
) {
    let shape = "this loop retries it after `timeout` drops it midway";
    report(
        cx,
        found,
        Runtime::Tokio,
        shape,
        vec![context],
        false,
        anchor,
    );
}

/// What runs when the timeout elapses, for a statement that consumes `timeout(..).await`.
enum Elapsed {
    /// Some code runs (`span`; `None` when nothing does and the loop body simply goes on
    /// after the statement); `leaves`: whether that code always leaves the loop.
    Runs { leaves: bool, span: Option<Span> },
    /// A `let .. else` block, which must diverge; `leaves` unless it is a `continue`.
    Diverges { leaves: bool, span: Span },
}

impl Elapsed {
    fn expr(e: &Expr) -> Self {
        Elapsed::Runs {
            leaves: always_leaves(e),
            span: Some(e.span()),
        }
    }
    fn block(b: &Block) -> Self {
        Elapsed::Runs {
            leaves: block_always_leaves(b),
            span: Some(b.span()),
        }
    }
    fn nothing() -> Self {
        Elapsed::Runs {
            leaves: false,
            span: None,
        }
    }
    fn or_nothing(e: Option<&Expr>) -> Self {
        e.map_or_else(Elapsed::nothing, Elapsed::expr)
    }
}

/// The awaited expression a statement consumes and what runs when it is `Err(Elapsed)`.
fn elapsed_path(stmt: &Stmt) -> Option<(&Expr, Elapsed)> {
    let expr = match stmt {
        Stmt::Local(l) => {
            let init = l.init.as_ref()?;
            if let Some((_, diverge)) = &init.diverge {
                if is_variant(&l.pat, "Ok") {
                    let path = Elapsed::Diverges {
                        leaves: always_leaves(diverge),
                        span: diverge.span(),
                    };
                    return Some((&init.expr, path));
                }
                return None;
            }
            if matches!(l.pat, Pat::Wild(_)) && is_await(&init.expr) {
                return Some((&init.expr, Elapsed::nothing()));
            }
            &*init.expr
        }
        Stmt::Expr(e, _) => e,
        _ => return None,
    };
    match strip_paren(expr) {
        Expr::Match(m) => {
            let arm = m
                .arms
                .iter()
                .find(|a| is_variant(&a.pat, "Err") || catches_all(&a.pat))?;
            Some((&m.expr, Elapsed::expr(&arm.body)))
        }
        Expr::If(i) => {
            let els = i.else_branch.as_ref().map(|(_, e)| &**e);
            match strip_paren(&i.cond) {
                Expr::Let(l) if is_variant(&l.pat, "Ok") => {
                    Some((&l.expr, Elapsed::or_nothing(els)))
                }
                Expr::Let(l) if is_variant(&l.pat, "Err") => {
                    Some((&l.expr, Elapsed::block(&i.then_branch)))
                }
                Expr::MethodCall(m) if m.method == "is_err" && m.args.is_empty() => {
                    Some((&m.receiver, Elapsed::block(&i.then_branch)))
                }
                Expr::MethodCall(m) if m.method == "is_ok" && m.args.is_empty() => {
                    Some((&m.receiver, Elapsed::or_nothing(els)))
                }
                _ => None,
            }
        }
        Expr::MethodCall(m) if m.method == "ok" && m.args.is_empty() && is_stmt_expr(stmt) => {
            Some((&m.receiver, Elapsed::nothing()))
        }
        _ => None,
    }
}

fn is_stmt_expr(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Expr(_, Some(_)))
}

fn is_await(expr: &Expr) -> bool {
    matches!(strip_paren(expr), Expr::Await(_))
}

/// `Ok(..)`, `Err(..)` (by the variant's last path segment).
fn is_variant(pat: &Pat, variant: &str) -> bool {
    match pat {
        Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == variant),
        Pat::Paren(p) => is_variant(&p.pat, variant),
        _ => false,
    }
}

/// `_` or a plain binding.
fn catches_all(pat: &Pat) -> bool {
    matches!(pat, Pat::Wild(_)) || matches!(pat, Pat::Ident(p) if p.subpat.is_none())
}

/// `tokio::time::timeout(d, call).await` with a listed call that is the same each round:
/// what the finding needs.
fn timed_out_call(
    cx: &CheckContext<'_, '_>,
    x: &Expr,
    inside: &HashMap<String, bool>,
) -> Option<Found> {
    let Expr::Await(a) = strip_paren(x) else {
        return None;
    };
    let Expr::Call(c) = strip_paren(&a.base) else {
        return None;
    };
    let Expr::Path(p) = strip_paren(&c.func) else {
        return None;
    };
    let path = join(&cx.resolve(&p.path)?);
    if !matches!(
        path.as_str(),
        "tokio::time::timeout" | "tokio::time::timeout_at"
    ) || c.args.len() != 2
    {
        return None;
    }
    let call = &c.args[1];
    let not_fresh: HashSet<String> = inside
        .iter()
        .filter(|(_, fresh)| !**fresh)
        .map(|(n, _)| n.clone())
        .collect();
    if mentions(call, &not_fresh).is_some() {
        return None;
    }
    unsafe_call(cx, call, Runtime::Tokio)
}

/// Names bound inside a loop (its pattern, `while let`, every `let`, arm and closure
/// pattern), each with whether it is a buffer made fresh there.
fn loop_bindings(lp: &Expr) -> HashMap<String, bool> {
    #[derive(Default)]
    struct Bind(HashMap<String, bool>);
    impl Bind {
        fn pat(&mut self, pat: &Pat, fresh: bool) {
            let mut names = Vec::new();
            pat_idents(pat, &mut names);
            for n in names {
                let e = self.0.entry(n).or_insert(fresh);
                *e = *e && fresh;
            }
        }
    }
    impl<'ast> Visit<'ast> for Bind {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            let fresh = l
                .init
                .as_ref()
                .is_some_and(|i| i.diverge.is_none() && is_fresh_buffer(&i.expr));
            self.pat(&l.pat, fresh);
            if let Some(init) = &l.init {
                self.visit_expr(&init.expr);
                if let Some((_, diverge)) = &init.diverge {
                    self.visit_expr(diverge);
                }
            }
        }
        fn visit_pat(&mut self, p: &'ast Pat) {
            self.pat(p, false);
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut bind = Bind::default();
    match lp {
        Expr::ForLoop(f) => {
            bind.pat(&f.pat, false);
            bind.visit_block(&f.body);
        }
        Expr::While(w) => {
            bind.visit_expr(&w.cond);
            bind.visit_block(&w.body);
        }
        Expr::Loop(l) => bind.visit_block(&l.body),
        _ => {}
    }
    bind.0
}

/// `[0u8; N]`, `[..]`, `vec![..]`, `Vec::new()`, `Vec::with_capacity(n)`, `String::new()`,
/// `BytesMut::with_capacity(n)`, …: a buffer that holds nothing read yet.
fn is_fresh_buffer(expr: &Expr) -> bool {
    match strip_paren(expr) {
        Expr::Repeat(_) | Expr::Array(_) => true,
        Expr::Macro(m) => m.mac.path.is_ident("vec"),
        Expr::Call(c) => matches!(strip_paren(&c.func), Expr::Path(p) if {
            let s: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
            s.len() >= 2
                && matches!(s[s.len() - 2].as_str(), "Vec" | "String" | "BytesMut")
                && matches!(s[s.len() - 1].as_str(), "new" | "with_capacity")
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::found;

    const C: &str = "cancel_unsafe_call_in_loop";

    #[test]
    fn raced_in_a_select_loop() {
        let src = r#"
use tokio::io::{AsyncReadExt, AsyncWriteExt};
async fn a(mut sock: TcpStream, mut rx: Receiver<Vec<u8>>, state: Arc<tokio::sync::Mutex<u8>>) {
    let mut header = [0u8; 4];
    loop {
        tokio::select! {
            res = sock.read_exact(&mut header) => { handle(res); }
            Some(msg) = rx.recv() => {
                sock.write_all(&msg).await.ok();
            }
        }
    }
}
async fn b(mut sock: TcpStream, mut tick: Interval, state: Arc<Mutex<u8>>, line: &mut String) {
    use tokio::select;
    while running() {
        select! {
            biased;
            _ = tick.tick() => println!("tick"),
            r = sock.write_all(b"ping"), if ready() => r.unwrap(),
            g = state.lock() => drop(g),
            n = reader.read_line(line) => {}
            else => break,
        }
    }
}
"#;
        assert_eq!(found(src), vec![(C, 7), (C, 20), (C, 21), (C, 22)]);
    }

    #[test]
    fn cancel_safe_calls_hoisted_futures_and_leaving_rivals_are_fine() {
        let src = r#"
async fn a(mut sock: TcpStream, mut rx: Receiver<u8>, listener: TcpListener, mut buf: BytesMut) {
    let mut small = [0u8; 64];
    let read = sock.read_exact(&mut small);
    tokio::pin!(read);
    loop {
        tokio::select! {
            n = sock.read(&mut small) => {}
            n = sock.read_buf(&mut buf) => {}
            m = rx.recv() => {}
            c = listener.accept() => {}
            f = frames.next() => {}
            r = &mut read => break,
            w = sock.write(b"x") => {}
            w = sock.write_all_buf(&mut out) => {}
        }
    }
    loop {
        tokio::select! {
            r = sock.read_exact(&mut small) => { handle(r) }
            _ = shutdown.recv() => break,
            _ = tokio::signal::ctrl_c() => return,
        }
    }
    tokio::select! {
        r = sock.read_exact(&mut small) => {}
        _ = tick.tick() => {}
    }
    loop {
        tokio::spawn(async move {
            tokio::select! {
                r = sock.read_exact(&mut small) => {}
                _ = tick.tick() => {}
            }
        });
    }
}
fn sync_loop() {
    loop {
        tokio::select! {
            r = sock.read_exact(&mut small) => {}
            _ = tick.tick() => {}
        }
    }
}
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn queue_losses_only_for_tokio() {
        let src = r#"
use futures::select;
async fn f(m: Arc<Mutex<u8>>, mut sock: Stream) {
    loop {
        select! {
            g = m.lock().fuse() => {}
            r = sock.read_exact(&mut buf).fuse() => {}
            d = delay.fuse() => {}
            default => {}
        }
    }
}
"#;
        assert_eq!(found(src), vec![(C, 7)]);
        let other_locks =
            "use async_lock::Mutex;\nasync fn f(m: Mutex<u8>) {\n    loop {\n        \
                           tokio::select! {\n            g = m.lock() => {}\n            \
                           _ = t.tick() => {}\n        }\n    }\n}\n";
        assert_eq!(found(other_locks), vec![]);
    }

    #[test]
    fn own_async_fns_count_when_their_body_shows_the_loss() {
        let src = r#"
struct Conn { stream: TcpStream }
impl Conn {
    async fn read_header(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.stream.read_exact(&mut b).await.unwrap();
        u32::from_be_bytes(b)
    }
    async fn read_frame(&mut self) -> Frame {
        self.stream.read_buf(&mut self.buffer).await.unwrap();
        parse(&self.buffer)
    }
    async fn run(&mut self, mut rx: Receiver<u8>) {
        loop {
            tokio::select! {
                h = self.read_header() => {}
                f = self.read_frame() => {}
                m = rx.recv() => {}
            }
        }
    }
}
"#;
        assert_eq!(found(src), vec![(C, 16)]);
        let report = crate::lints::analyze_source(src, false).unwrap();
        let f = &report.findings[0];
        assert_eq!(
            f.message,
            "`self.read_header()` is not cancel safe, and this `select!` loop can drop it \
             midway and start it again"
        );
        assert_eq!(f.labels[2].lo.line, 6);
    }

    #[test]
    fn timeouts_whose_elapsed_path_goes_round() {
        let src = r#"
use tokio::time::{timeout, Duration};
async fn retry(mut sock: TcpStream, msg: Vec<u8>, sem: Semaphore) -> io::Result<()> {
    loop {
        match timeout(D, sock.write_all(&msg)).await {
            Ok(r) => return r,
            Err(_) => eprintln!("slow, trying again"),
        }
    }
    for _attempt in 0..3 {
        if let Ok(r) = timeout(D, sock.write_all(&msg)).await {
            return r;
        }
    }
    loop {
        let mut header = [0u8; 4];
        let Ok(r) = timeout(D, sock.read_exact(&mut header)).await else { continue };
        break;
    }
    while tokio::time::timeout(D, sem.acquire()).await.is_err() {
        warn();
    }
    Ok(())
}
"#;
        assert_eq!(found(src), vec![(C, 5), (C, 11), (C, 17), (C, 20)]);
        let report = crate::lints::analyze_source(src, false).unwrap();
        assert_eq!(
            report.findings[0].message,
            "`sock.write_all(..)` is not cancel safe, and this loop retries it after `timeout` \
             drops it midway"
        );
    }

    #[test]
    fn timeouts_that_give_up_or_move_on_are_fine() {
        let src = r#"
use tokio::time::timeout;
async fn a(mut sock: TcpStream, mut rx: Receiver<Vec<u8>>) -> io::Result<()> {
    loop {
        timeout(D, sock.write_all(b"x")).await??;
        let r = timeout(D, sock.read_exact(&mut buf)).await;
        match timeout(D, sock.write_all(b"y")).await {
            Ok(r) => r?,
            Err(e) => return Err(e.into()),
        }
        if let Ok(r) = timeout(D, sock.write_all(b"z")).await {
            r?;
        } else {
            break;
        }
    }
    while let Some(msg) = rx.recv().await {
        match timeout(D, sock.write_all(&msg)).await {
            Ok(r) => r?,
            Err(_) => continue,
        }
    }
    loop {
        match timeout(D, sock.read(&mut buf)).await {
            Ok(n) => {}
            Err(_) => continue,
        }
    }
    loop {
        match timeout(D, sock.write_all(b"w")).await {
            Ok(_) => {}
            Err(_) => {}
        }
        break;
    }
    Ok(())
}
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn allow_comments_above_the_select_or_the_retry_statement() {
        let src = r#"
async fn a(mut sock: S, mut t: T) {
    loop {
        // explain-async: allow(cancel_unsafe_call_in_loop)
        tokio::select! {
            r = sock.read_exact(&mut b) => {}
            _ = t.tick() => {}
        }
    }
    loop {
        // explain-async: allow(cancel_unsafe_call_in_loop)
        match tokio::time::timeout(D, sock.write_all(b"x")).await {
            Ok(_) => break,
            Err(_) => {}
        }
    }
    loop {
        tokio::select! {
            r = sock.read_exact(&mut b) => {} // explain-async: allow(cancel_unsafe_call_in_loop)
            _ = t.tick() => {}
        }
    }
}
"#;
        assert_eq!(found(src), vec![]);
    }
}
