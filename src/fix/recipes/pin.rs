//! Pinning and boxing: `box_pin` (a recursive async call boxed with `Box::pin`, E0733; an
//! `async` block pinned and boxed where a `Pin<Box<dyn Future>>` is expected; async blocks of
//! different types boxed to one `Pin<Box<dyn Future<Output = _>>>`; a `Box<dyn Future>`
//! turned into a pinned one with `Box::into_pin` before it is awaited or handed to
//! `join_all`; a large future boxed, as clippy's `large_futures` suggests), `pin_future` (a future polled through `&mut` in `select!`, pinned in place
//! with `std::pin::pin!`, std since 1.68) and `impl_future_return` (`-> dyn Future` becomes
//! `-> impl Future`).
//!
//! Why `Box::into_pin` and not `Box::pin` for a value that is already a `Box<dyn Future>`:
//! `Box::pin(b)` pins the outer box, `Pin<Box<Box<dyn Future>>>`, which is still not a
//! future because `Box<dyn Future>` is one only when the trait object is `Unpin`.

use std::ops::Range;

use proc_macro2::{TokenStream, TokenTree};
use syn::Expr;

use super::locate::{
    binding_before, child_spans, expr_at, exprs_where, has_child, idents_in, locals_in, short,
    span_range, walk, wrap_postfix, Located, Node, Source,
};
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// Every pinning fix `box_pin` knows, tried by the diagnostic's shape.
pub fn box_pin(input: &Input<'_>) -> Option<Proposal> {
    let diag = &input.diagnostic.rustc;
    let code = input.diagnostic.code().unwrap_or_default();
    match code {
        "E0733" => recursive_call(input),
        "E0308" if has_child(diag, "you need to pin and box this expression") => {
            pin_expected_block(input)
        }
        "E0308"
            if has_child(
                diag,
                "no two async blocks, even if identical, have the same type",
            ) || has_child(
                diag,
                "distinct uses of `impl Trait` result in different opaque types",
            ) =>
        {
            distinct_blocks(input)
        }
        "clippy::large_futures" => large_future(input),
        "E0277"
            if diag.message.contains("cannot be unpinned")
                && has_child(diag, "required for `Box<dyn ") =>
        {
            unpinned_box(input)
        }
        _ => None,
    }
}

fn edit(src: &Source, at: Range<usize>, replacement: impl Into<String>) -> Edit {
    Edit {
        file: src.file.clone(),
        start: at.start,
        end: at.end,
        replacement: replacement.into(),
    }
}

/// clippy's `large_futures`: the large future moved to the heap with `Box::pin`, as clippy
/// suggests (checked: its replacement is exactly the span wrapped). The future is the same;
/// only where its state lives changes.
fn large_future(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let range = span_range(span);
    let text = src.slice(&range);
    let suggested = child_spans(&input.diagnostic.rustc, "consider `Box::pin` on it")
        .into_iter()
        .find(|s| span_range(s) == range)?
        .suggested_replacement
        .clone()?;
    if suggested != format!("Box::pin({text})") || expr_at(&src, &range).is_none() {
        return None;
    }
    Some(Proposal::Edits(Fix {
        title: format!("Box the large future `{}` with `Box::pin`", short(text)),
        applicability: Applicability::MachineApplicable,
        edits: vec![
            edit(&src, range.start..range.start, "Box::pin("),
            edit(&src, range.end..range.end, ")"),
        ],
    }))
}

/// E0733: `Box::pin(...)` around each recursive call rustc labels (the call, not its
/// `.await`).
fn recursive_call(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let primary = span_range(span);
    let mut edits = Vec::new();
    let mut calls = Vec::new();
    for s in &input.diagnostic.rustc.spans {
        if s.file_name != src.file || s.label.as_deref() != Some("recursive call here") {
            continue;
        }
        let range = span_range(s);
        let call = match expr_at(&src, &range) {
            Some(Located {
                expr: Expr::Await(a),
                ..
            }) => node_range(&*a.base),
            Some(l) if matches!(l.expr, Expr::Call(_) | Expr::MethodCall(_)) => l.range,
            _ => return None,
        };
        edits.push(edit(&src, call.start..call.start, "Box::pin("));
        edits.push(edit(&src, call.end..call.end, ")"));
        calls.push(short(src.slice(&call)));
    }
    if edits.is_empty() {
        return None;
    }
    let name = exprs_where(&src, |_, r| syntax::contains(&r, &primary))
        .first()
        .and_then(|l| l.item.as_ref().map(|i| i.sig.ident.to_string()))
        .or_else(|| input.captures.get("func").cloned())
        .unwrap_or_else(|| "the function".into());
    Some(Proposal::Edits(Fix {
        title: format!(
            "Box the recursive call `{}` with `Box::pin` inside `{name}`",
            calls.join("`, `")
        ),
        applicability: Applicability::MachineApplicable,
        edits,
    }))
}

/// Whether an async block can live on its own: it names no local variable or parameter of the
/// function around it (so it is `'static`), and if the expected trait object is `Send` it
/// holds nothing across an `.await` (so it is `Send` whenever what it makes is).
fn block_stands_alone(src: &Source, block: &Located, needs_send: bool) -> bool {
    let Some(item) = &block.item else {
        return false;
    };
    let outer = locals_in(src, &item.range);
    let inner = locals_in(src, &block.range);
    let captures = idents_in(src, &block.range)
        .into_iter()
        .any(|n| outer.contains(&n) && !inner.contains(&n));
    let awaits = !exprs_where(src, |e, r| {
        matches!(e, Expr::Await(_)) && syntax::contains(&block.range, &r)
    })
    .is_empty();
    !(captures || (needs_send && awaits))
}

/// Whether the future of `call` surely fits a `Pin<Box<dyn Future + 'static>>` once boxed: the
/// callee is an `async fn` of this file without generics, lifetimes or borrowed parameters (so
/// its future owns everything, `'static`), and if the trait object is `Send`, its body holds
/// nothing across an `.await` and no parameter names a type that is never `Send`.
fn call_stands_alone(src: &Source, call: &syn::ExprCall, needs_send: bool) -> bool {
    let Expr::Path(p) = &*call.func else {
        return false;
    };
    let Some(name) = p.path.get_ident() else {
        return false;
    };
    let Some(f) = src.ast.items.iter().find_map(|i| match i {
        syn::Item::Fn(f) if f.sig.ident == *name => Some(f),
        _ => None,
    }) else {
        return false;
    };
    if f.sig.asyncness.is_none() || !f.sig.generics.params.is_empty() {
        return false;
    }
    let params = f
        .sig
        .inputs
        .iter()
        .map(|a| src.slice(&node_range(a)).to_string())
        .collect::<Vec<_>>()
        .join(",");
    if params.contains('&') || params.contains('\'') || params.contains("impl ") {
        return false;
    }
    if !needs_send {
        return true;
    }
    let never_send = ["Rc<", "RefCell<", "Cell<", "*const", "*mut", "MutexGuard"];
    let body = node_range(&*f.block);
    let awaits = !exprs_where(src, |e, r| {
        matches!(e, Expr::Await(_)) && syntax::contains(&body, &r)
    })
    .is_empty();
    !awaits && !never_send.iter().any(|t| params.contains(t))
}

/// E0308 with rustc's "you need to pin and box this expression": rustc's own two insertions,
/// checked to wrap an `async` block or a call (of an `async fn`) exactly.
fn pin_expected_block(input: &Input<'_>) -> Option<Proposal> {
    let (_, src) = Source::primary(input)?;
    let diag = &input.diagnostic.rustc;
    let spans = child_spans(diag, "you need to pin and box this expression");
    let [open, close] = spans.as_slice() else {
        return None;
    };
    if open.suggested_replacement.as_deref() != Some("Box::pin(")
        || close.suggested_replacement.as_deref() != Some(")")
        || open.file_name != src.file
    {
        return None;
    }
    let range = open.byte_start as usize..close.byte_start as usize;
    let block = expr_at(&src, &range)?;
    let expected = diag
        .spans
        .iter()
        .filter_map(|s| s.label.as_deref())
        .chain(diag.children.iter().map(|c| c.message.as_str()))
        .any(|l| l.contains("+ Send"));
    let (sure, title) = match &block.expr {
        Expr::Async(_) => (
            block_stands_alone(&src, &block, expected),
            "Pin and box the `async` block with `Box::pin`".to_string(),
        ),
        Expr::Call(c) => (
            call_stands_alone(&src, c, expected),
            format!(
                "Pin and box the future of `{}` with `Box::pin`",
                short(src.slice(&range))
            ),
        ),
        Expr::MethodCall(_) => (
            false,
            format!(
                "Pin and box the future of `{}` with `Box::pin`",
                short(src.slice(&range))
            ),
        ),
        _ => return None,
    };
    Some(Proposal::Edits(Fix {
        title,
        applicability: if sure {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
        edits: vec![
            edit(&src, range.start..range.start, "Box::pin("),
            edit(&src, range.end..range.end, ")"),
        ],
    }))
}

/// How the file can name `Pin` and `Future`: the short names when `use` items bring them in,
/// else the full std paths.
pub(super) fn pin_future_names(src: &Source) -> (String, String) {
    let imports = |full: &[&str]| {
        let mut found = false;
        for item in &src.ast.items {
            if let syn::Item::Use(u) = item {
                found |= use_tree_has(&u.tree, &mut Vec::new(), full);
            }
        }
        found
    };
    let pin = if imports(&["std", "pin", "Pin"]) || imports(&["core", "pin", "Pin"]) {
        "Pin"
    } else {
        "std::pin::Pin"
    };
    let future = if imports(&["std", "future", "Future"]) || imports(&["core", "future", "Future"])
    {
        "Future"
    } else {
        "std::future::Future"
    };
    (pin.to_string(), future.to_string())
}

fn use_tree_has(tree: &syn::UseTree, prefix: &mut Vec<String>, full: &[&str]) -> bool {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            let found = use_tree_has(&p.tree, prefix, full);
            prefix.pop();
            found
        }
        syn::UseTree::Name(n) => {
            prefix.len() + 1 == full.len()
                && prefix.iter().zip(full).all(|(a, b)| a == b)
                && n.ident == full[full.len() - 1]
        }
        syn::UseTree::Group(g) => g.items.iter().any(|t| use_tree_has(t, prefix, full)),
        _ => false,
    }
}

/// The value positions of an `if`/`match`: each branch's tail expression.
fn branch_values(e: &Expr) -> Option<Vec<&Expr>> {
    fn tail(block: &syn::Block) -> Option<&Expr> {
        match block.stmts.last()? {
            syn::Stmt::Expr(e, None) => Some(e),
            _ => None,
        }
    }
    match e {
        Expr::If(i) => {
            let mut out = vec![tail(&i.then_branch)?];
            match &i.else_branch {
                Some((_, e)) => match &**e {
                    Expr::Block(b) => out.push(tail(&b.block)?),
                    nested @ Expr::If(_) => out.extend(branch_values(nested)?),
                    _ => return None,
                },
                None => return None,
            }
            Some(out)
        }
        Expr::Match(m) => m
            .arms
            .iter()
            .map(|a| match &*a.body {
                Expr::Block(b) if b.block.stmts.len() == 1 => tail(&b.block),
                body => Some(body),
            })
            .collect(),
        _ => None,
    }
}

/// E0308 "no two async blocks … have the same type" (or two `async fn` calls, "distinct uses of
/// `impl Trait`"): every block or call boxed with `Box::pin`, and
/// the binding typed as one `Pin<Box<dyn Future<Output = _> + '_>>` (or a `Vec` of them), the
/// output type left to inference.
fn distinct_blocks(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let found = span_range(span);
    let (pin, future) = pin_future_names(&src);
    let boxed = format!("{pin}<Box<dyn {future}<Output = _> + '_>>");
    let mut edits = Vec::new();
    let wrap = |edits: &mut Vec<Edit>, r: &Range<usize>| {
        edits.push(edit(&src, r.start..r.start, "Box::pin("));
        edits.push(edit(&src, r.end..r.end, ")"));
    };
    // `jobs.push(async { … })` twice: the `Vec`'s `let` and every async block pushed to it.
    let vec_owner = input.diagnostic.rustc.spans.iter().find_map(|s| {
        let label = s.label.as_deref()?;
        let rest = label.strip_prefix("... which causes `")?;
        let (name, ty) = rest.split_once("` to have type `")?;
        ty.starts_with("Vec<")
            .then(|| (name.to_string(), span_range(s)))
    });
    if let Some((name, at)) = vec_owner {
        let user = exprs_where(&src, |_, r| r == at).pop()?;
        let binding = binding_before(&src, &name, &user.frame_range, at.start)?;
        let simple = matches!(&binding.init_expr, Expr::Call(c) if src.slice(&node_range(&*c.func)).ends_with("Vec::new"));
        if !simple {
            return None;
        }
        let pat_end = pattern_end(&src, &binding.local)?;
        edits.push(edit(&src, pat_end..pat_end, format!(": Vec<{boxed}>")));
        for push in exprs_where(&src, |e, r| {
            syntax::contains(&user.frame_range, &r)
                && matches!(e, Expr::MethodCall(m) if m.method == "push"
                    && super::locate::expr_ident(&m.receiver).as_deref() == Some(name.as_str()))
        }) {
            let Expr::MethodCall(m) = &push.expr else {
                continue;
            };
            let Some(arg) = m.args.first() else { continue };
            if matches!(arg, Expr::Async(_)) {
                wrap(&mut edits, &node_range(arg));
            }
        }
        return Some(Proposal::Edits(Fix {
            title: format!(
                "Box each async block pushed to `{name}` as one `Pin<Box<dyn Future>>` type"
            ),
            applicability: Applicability::MachineApplicable,
            edits,
        }));
    }
    // `let x = if … { async {…} } else { async {…} };` / `match`.
    // The `let` (range, binding name) and the async blocks of its branches.
    let mut owner: Option<(Range<usize>, String, Vec<Range<usize>>)> = None;
    walk(&src.ast, &mut |node, _| {
        let Node::Local(l) = node else { return };
        let Some(init) = &l.init else { return };
        let init_range = node_range(&*init.expr);
        if !syntax::contains(&init_range, &found) {
            return;
        }
        let Some(values) = branch_values(&init.expr) else {
            return;
        };
        let ranges: Vec<Range<usize>> = values.iter().map(|v| node_range(*v)).collect();
        // Async blocks and calls (of `async fn`s: rustc said they are different futures).
        let future_like =
            |v: &&Expr| matches!(v, Expr::Async(_) | Expr::Call(_) | Expr::MethodCall(_));
        if !values.iter().all(future_like) || !ranges.contains(&found) {
            return;
        }
        let name = super::locate::pat_ident(&l.pat).unwrap_or_default();
        owner = Some((node_range(l), name, ranges));
    });
    let (local, name, blocks) = owner?;
    let all_blocks = blocks
        .iter()
        .all(|b| matches!(expr_at(&src, b).map(|l| l.expr), Some(Expr::Async(_))));
    let kind = if all_blocks { "async block" } else { "future" };
    let pat_end = pattern_end(&src, &local)?;
    edits.push(edit(&src, pat_end..pat_end, format!(": {boxed}")));
    for b in &blocks {
        wrap(&mut edits, b);
    }
    let what = if name.is_empty() {
        "the value".to_string()
    } else {
        format!("`{name}`")
    };
    Some(Proposal::Edits(Fix {
        title: format!("Box each {kind} so {what} has one type, `Pin<Box<dyn Future>>`"),
        applicability: Applicability::MachineApplicable,
        edits,
    }))
}

/// Where a type annotation goes in `let <pat> = …;`: after the pattern, when the pattern has
/// no type yet.
fn pattern_end(src: &Source, local: &Range<usize>) -> Option<usize> {
    let mut at = None;
    walk(&src.ast, &mut |node, _| {
        if let Node::Local(l) = node {
            if node_range(l) == *local && !matches!(l.pat, syn::Pat::Type(_)) {
                at = Some(node_range(&l.pat).end);
            }
        }
    });
    at
}

/// E0277 "`dyn Future` cannot be unpinned" for a `Box<dyn Future>`: `Box::into_pin` on the
/// awaited box, or on every item handed to `join_all`.
fn unpinned_box(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let primary = span_range(span);
    let diag = &input.diagnostic.rustc;
    let join_all = diag.children.iter().any(|c| {
        c.message.contains("required by a bound in `join_all`")
            || c.message.contains("join_all::JoinAll`")
            || c.message.contains("`JoinAll`")
    });
    if join_all {
        // The `join_all(…)` call around the span (its argument, the call, or its `.await`).
        let call = exprs_where(&src, |e, r| {
            matches!(e, Expr::Call(c) if src.slice(&node_range(&*c.func)).ends_with("join_all") && c.args.len() == 1)
                && (syntax::contains(&r, &primary) || syntax::contains(&primary, &r) || r.end == primary.start.saturating_sub(1))
        })
        .pop()
        .or_else(|| {
            // The `.await` after the call.
            let awaited = exprs_where(&src, |e, r| matches!(e, Expr::Await(_)) && syntax::contains(&r, &primary)).pop()?;
            let Expr::Await(a) = &awaited.expr else { return None };
            expr_at(&src, &node_range(&*a.base))
        })?;
        let Expr::Call(c) = &call.expr else {
            return None;
        };
        let arg = c.args.first()?;
        let arg_range = node_range(arg);
        let (before, after) = wrap_postfix(arg, ".into_iter().map(Box::into_pin)");
        let mut edits = Vec::new();
        if !before.is_empty() {
            edits.push(edit(&src, arg_range.start..arg_range.start, before));
        }
        edits.push(edit(&src, arg_range.end..arg_range.end, after));
        return Some(Proposal::Edits(Fix {
            title: format!(
                "Pin each boxed future of `{}` with `Box::into_pin`",
                short(src.slice(&arg_range))
            ),
            applicability: Applicability::MachineApplicable,
            edits,
        }));
    }
    // `job.await` on a `Box<dyn Future>`: the span is the `await` of the expression.
    let awaited = exprs_where(&src, |e, r| {
        matches!(e, Expr::Await(_)) && syntax::contains(&r, &primary)
    })
    .pop()?;
    let Expr::Await(a) = &awaited.expr else {
        return None;
    };
    let base = node_range(&*a.base);
    Some(Proposal::Edits(Fix {
        title: format!(
            "Pin `{}` with `Box::into_pin` before awaiting it",
            short(src.slice(&base))
        ),
        applicability: Applicability::MachineApplicable,
        edits: vec![
            edit(&src, base.start..base.start, "Box::into_pin("),
            edit(&src, base.end..base.end, ")"),
        ],
    }))
}

/// Identifiers `x` of `&mut x` branch futures in a `select!` body (`pat = &mut x => …`).
fn select_borrowed_futures(tokens: TokenStream) -> Vec<String> {
    let list: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    for w in list.windows(4) {
        let (TokenTree::Punct(eq), TokenTree::Punct(amp), TokenTree::Ident(m), TokenTree::Ident(x)) =
            (&w[0], &w[1], &w[2], &w[3])
        else {
            continue;
        };
        if eq.as_char() == '=' && amp.as_char() == '&' && m == "mut" {
            out.push(x.to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A future polled as `&mut x` in `tokio::select!` without being pinned: its `let` initializer
/// wrapped in `std::pin::pin!`, so `x` is a `Pin<&mut …>` (which is `Unpin`) and `&mut x`
/// polls it in place, across loop iterations.
pub fn pin_future(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let call = span_range(span);
    struct Select {
        futures: Vec<String>,
        frame: Range<usize>,
        loops: Vec<Range<usize>>,
    }
    let mut found: Option<Select> = None;
    walk(&src.ast, &mut |node, ctx| {
        let Node::Macro(mac, _) = node else { return };
        let path: Vec<String> = mac
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let is_tokio = path == ["tokio", "select"] || path == ["select"];
        if !is_tokio || !syntax::contains(&call, &node_range(mac)) && node_range(mac) != call {
            return;
        }
        found = Some(Select {
            futures: select_borrowed_futures(mac.tokens.clone()),
            frame: ctx.frame_range.clone(),
            loops: ctx.loops.to_vec(),
        });
    });
    let Select {
        futures: names,
        frame,
        loops,
    } = found?;
    // `select!` without a `tokio::` path must be tokio's (imported), not futures'.
    if src.slice(&call).trim_start().starts_with("select!")
        && !src.text.contains("use tokio::select")
    {
        return None;
    }
    let mut edits = Vec::new();
    let mut pinned = Vec::new();
    let mut hoisted = true;
    for name in names {
        let Some(b) = binding_before(&src, &name, &frame, call.start) else {
            continue;
        };
        let init = src.slice(&b.init);
        if init.contains("pin!(") || init.starts_with("Box::pin(") {
            continue;
        }
        // Made before the loop, the one future lives across iterations, as `&mut` meant.
        hoisted &= loops.first().is_none_or(|l| !syntax::contains(l, &b.local));
        edits.push(edit(&src, b.init.start..b.init.start, "std::pin::pin!("));
        edits.push(edit(&src, b.init.end..b.init.end, ")"));
        pinned.push(name);
    }
    if edits.is_empty() {
        return None;
    }
    Some(Proposal::Edits(Fix {
        title: format!(
            "Pin `{}` with `std::pin::pin!` before the loop polls it",
            pinned.join("`, `")
        ),
        applicability: if hoisted {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
        edits,
    }))
}

/// E0746 `-> dyn Future<…>`: rustc's `impl` suggestion, when the function returns one value
/// (a single tail expression, no `return`), which one opaque type can always describe.
pub fn impl_future_return(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let ty = span_range(span);
    let spans = child_spans(
        &input.diagnostic.rustc,
        "consider returning an `impl Trait`",
    );
    let [s] = spans.as_slice() else { return None };
    let dyn_kw = span_range(s);
    if s.suggested_replacement.as_deref() != Some("impl ") || src.slice(&dyn_kw) != "dyn " {
        return None;
    }
    let item = src.ast.items.iter().find_map(|i| match i {
        syn::Item::Fn(f) if syntax::contains(&node_range(&f.sig.output), &ty) => Some(f.clone()),
        _ => None,
    })?;
    let returns = exprs_where(&src, |e, r| {
        matches!(e, Expr::Return(_)) && syntax::contains(&node_range(&item.block), &r)
    });
    let single_tail = matches!(item.block.stmts.last(), Some(syn::Stmt::Expr(e, None)) if !matches!(e, Expr::If(_) | Expr::Match(_)));
    if !returns.is_empty() || !single_tail {
        return Some(Proposal::InWords {
            text: format!(
                "`{}` returns more than one value here, so one `impl Future` type cannot \
                 describe them all: return `std::pin::Pin<Box<dyn Future<Output = …>>>` and \
                 wrap each returned future in `Box::pin(…)`.",
                item.sig.ident
            ),
            lines: src.quote(&ty),
        });
    }
    Some(Proposal::Edits(Fix {
        title: format!("Return `impl Future` from `{}`", item.sig.ident),
        applicability: Applicability::MachineApplicable,
        edits: vec![edit(&src, dyn_kw, "impl ")],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::locate::test_support::{add_span, diagnostic, find, input_for};
    use crate::fix::MemorySources;

    fn run(
        recipe: fn(&Input<'_>) -> Option<Proposal>,
        d: &crate::diagnostic::Diagnostic,
        text: &str,
    ) -> Option<Proposal> {
        let sources = MemorySources::default().with("src/main.rs", text);
        recipe(&input_for(d, &sources, None))
    }

    fn edits(p: Option<Proposal>, text: &str) -> (String, Applicability) {
        match p {
            Some(Proposal::Edits(fix)) => (
                crate::fix::apply(text, &fix.edits).unwrap(),
                fix.applicability,
            ),
            other => panic!("expected edits, got {other:?}"),
        }
    }

    #[test]
    fn recursion_boxes_the_labelled_call_and_declines_otherwise() {
        let text =
            "async fn walk(n: u8) -> u8 {\n    if n == 0 { return 0; }\n    walk(n - 1).await\n}\n";
        let sig = find(text, "async fn walk(n: u8) -> u8", None);
        let mut d = diagnostic(
            "error",
            "E0733",
            "recursion in an async fn requires boxing",
            "src/main.rs",
            text,
            sig,
            None,
            &[],
        );
        add_span(
            &mut d,
            None,
            "src/main.rs",
            text,
            find(text, "walk(n - 1).await", None),
            false,
            Some("recursive call here"),
            None,
        );
        let (fixed, a) = edits(run(box_pin, &d, text), text);
        assert!(
            fixed.contains("    Box::pin(walk(n - 1)).await\n"),
            "{fixed}"
        );
        assert_eq!(a, Applicability::MachineApplicable);
        // A label on something that is not a call: no guess.
        d.rustc.spans[1] = serde_json::from_value(crate::fix::recipes::locate::test_support::span(
            "src/main.rs",
            text,
            find(text, "n == 0", None),
            false,
            Some("recursive call here"),
            None,
        ))
        .unwrap();
        assert_eq!(run(box_pin, &d, text), None);
    }

    #[test]
    fn a_block_that_captures_a_local_is_only_maybe() {
        let text = "use std::future::Future;\nuse std::pin::Pin;\nfn job(name: String) -> Pin<Box<dyn Future<Output = ()>>> {\n    async move { println!(\"{name}\") }\n}\n";
        let block = find(text, "async move { println!(\"{name}\") }", None);
        let mut d = diagnostic(
            "error",
            "E0308",
            "mismatched types",
            "src/main.rs",
            text,
            block.clone(),
            Some("expected `Pin<Box<dyn Future<Output = ()>>>`, found `async` block"),
            &[(
                "you need to pin and box this expression",
                Some((block.start, "Box::pin(")),
            )],
        );
        add_span(
            &mut d,
            Some(0),
            "src/main.rs",
            text,
            block.end..block.end,
            true,
            None,
            Some(")"),
        );
        let (fixed, a) = edits(run(box_pin, &d, text), text);
        assert!(
            fixed.contains("Box::pin(async move { println!(\"{name}\") })"),
            "{fixed}"
        );
        assert_eq!(a, Applicability::MaybeIncorrect);
    }

    #[test]
    fn select_pins_once_and_leaves_pinned_futures_alone() {
        let text = "async fn tick() {}\nasync fn run() {\n    let mut t = tick();\n    loop {\n        tokio::select! {\n            _ = &mut t => break,\n        }\n    }\n}\n";
        let call = find(
            text,
            "tokio::select! {\n            _ = &mut t => break,\n        }",
            None,
        );
        let d = diagnostic(
            "error",
            "E0277",
            "`{async fn body of tick()}` cannot be unpinned",
            "src/main.rs",
            text,
            call,
            None,
            &[],
        );
        let (fixed, a) = edits(run(pin_future, &d, text), text);
        assert!(
            fixed.contains("let mut t = std::pin::pin!(tick());"),
            "{fixed}"
        );
        assert_eq!(a, Applicability::MachineApplicable);
        let pinned = fixed;
        let call = find(
            &pinned,
            "tokio::select! {\n            _ = &mut t => break,\n        }",
            None,
        );
        let d = diagnostic(
            "error",
            "E0277",
            "`{async fn body of tick()}` cannot be unpinned",
            "src/main.rs",
            &pinned,
            call,
            None,
            &[],
        );
        assert_eq!(run(pin_future, &d, &pinned), None);
    }

    #[test]
    fn dyn_return_with_several_values_is_in_words() {
        let text = "use std::future::Future;\nfn f(a: bool) -> dyn Future<Output = u8> {\n    if a { return async { 1 }; }\n    async { 2 }\n}\n";
        let ty = find(text, "dyn Future<Output = u8>", None);
        let d = diagnostic(
            "error",
            "E0746",
            "return type cannot be a trait object without pointer indirection",
            "src/main.rs",
            text,
            ty.clone(),
            None,
            &[(
                "consider returning an `impl Trait` instead of a `dyn Trait`",
                Some((ty.start, "impl ")),
            )],
        );
        let mut d = d;
        d.rustc.children[0].spans[0].byte_end = (ty.start + 4) as u32;
        assert!(matches!(
            run(impl_future_return, &d, text),
            Some(Proposal::InWords { .. })
        ));
        let text =
            "use std::future::Future;\nfn f() -> dyn Future<Output = u8> {\n    async { 2 }\n}\n";
        let ty = find(text, "dyn Future<Output = u8>", None);
        let mut d = diagnostic(
            "error",
            "E0746",
            "return type cannot be a trait object without pointer indirection",
            "src/main.rs",
            text,
            ty.clone(),
            None,
            &[(
                "consider returning an `impl Trait` instead of a `dyn Trait`",
                Some((ty.start, "impl ")),
            )],
        );
        d.rustc.children[0].spans[0].byte_end = (ty.start + 4) as u32;
        let (fixed, _) = edits(run(impl_future_return, &d, text), text);
        assert!(
            fixed.contains("fn f() -> impl Future<Output = u8> {"),
            "{fixed}"
        );
    }

    #[test]
    fn an_awaited_box_is_pinned_with_into_pin() {
        let text = "use std::future::Future;\nasync fn run(job: Box<dyn Future<Output = ()>>) {\n    job.await;\n}\n";
        let kw = find(text, "await", None);
        let d = diagnostic(
            "error",
            "E0277",
            "`dyn Future<Output = ()>` cannot be unpinned",
            "src/main.rs",
            text,
            kw,
            None,
            &[(
                "required for `Box<dyn Future<Output = ()>>` to implement `Future`",
                None,
            )],
        );
        let (fixed, _) = edits(run(box_pin, &d, text), text);
        assert!(fixed.contains("    Box::into_pin(job).await;"), "{fixed}");
    }

    #[test]
    fn finds_the_borrowed_select_futures() {
        let tokens: TokenStream =
            "_ = &mut deadline => break, msg = next() => {}, s = &mut dl, if x => {}"
                .parse()
                .unwrap();
        assert_eq!(select_borrowed_futures(tokens), vec!["deadline", "dl"]);
    }

    #[test]
    fn branch_values_of_if_and_match() {
        let e: Expr = syn::parse_str("if a { async { 1 } } else { async { 2 } }").unwrap();
        assert_eq!(branch_values(&e).unwrap().len(), 2);
        let e: Expr = syn::parse_str("if a { async { 1 } }").unwrap();
        assert!(branch_values(&e).is_none());
        let e: Expr = syn::parse_str("match a { 0 => async { 1 }, _ => { async { 2 } } }").unwrap();
        assert_eq!(branch_values(&e).unwrap().len(), 2);
    }

    #[test]
    fn short_names_only_when_imported() {
        let s = super::super::locate::tests::source("use std::future::Future;\nfn main() {}\n");
        assert_eq!(
            pin_future_names(&s),
            ("std::pin::Pin".to_string(), "Future".to_string())
        );
        let s = super::super::locate::tests::source(
            "use std::{future::Future, pin::Pin};\nfn main() {}\n",
        );
        assert_eq!(
            pin_future_names(&s),
            ("Pin".to_string(), "Future".to_string())
        );
    }
}
