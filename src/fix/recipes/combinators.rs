//! The `futures` crate's combinators and collections: `pin_select_futures` (futures given
//! to `futures::future::select`/`try_select` boxed with `Box::pin`; the futures of a
//! `futures::select!` pinned where they are bound), `pin_boxed_items` (a `FuturesUnordered`,
//! `FuturesOrdered` or `SelectAll` of `Box<dyn Future>` made one of `Pin<Box<dyn Future>>`)
//! and `awaited_twice_in_words` (a future used after `.await` consumed it: no edit can be
//! right, since what to reuse is the user's choice).

use std::ops::Range;

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::Expr;

use super::locate::{
    binding_before, expr_ident, exprs_where, short, span_range, walk, Node, Source,
};
use super::pin::pin_future_names;
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

fn edit(src: &Source, at: Range<usize>, replacement: impl Into<String>) -> Edit {
    Edit {
        file: src.file.clone(),
        start: at.start,
        end: at.end,
        replacement: replacement.into(),
    }
}

/// Whether `init` is already pinned (`pin!(…)`, `Box::pin(…)`, `.boxed()`).
fn already_pinned(init: &str) -> bool {
    init.contains("pin!(") || init.starts_with("Box::pin(") || init.ends_with(".boxed()")
}

/// Which `futures` function of two futures a call is (`select`, `future::select`, …).
fn is_select_call(e: &Expr) -> bool {
    let Expr::Call(c) = e else { return false };
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    let last = p.path.segments.last().map(|s| s.ident.to_string());
    matches!(last.as_deref(), Some("select" | "try_select")) && c.args.len() == 2
}

/// Names `x` of `pat = x =>` branches in a `futures::select!` body.
fn select_branch_futures(tokens: TokenStream) -> Vec<String> {
    let list: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    for w in list.windows(4) {
        let (TokenTree::Punct(eq), TokenTree::Ident(x), TokenTree::Punct(a), TokenTree::Punct(b)) =
            (&w[0], &w[1], &w[2], &w[3])
        else {
            continue;
        };
        if eq.as_char() == '='
            && eq.spacing() == Spacing::Alone
            && a.as_char() == '='
            && a.spacing() == Spacing::Joint
            && b.as_char() == '>'
        {
            out.push(x.to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// E0277 "… cannot be unpinned" required by `futures::future::select` (the argument, or the
/// `.await` of the call), or by `futures::select!`'s `assert_unpin`.
pub fn pin_select_futures(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let primary = span_range(span);
    if let Some(p) = pin_select_macro_futures(&src, &primary) {
        return Some(p);
    }
    // The call holding the span (an argument), or the call just before the span's `.await`.
    let call = exprs_where(&src, |e, r| {
        is_select_call(e)
            && (syntax::contains(&r, &primary) || r.end == primary.start.saturating_sub(1))
    })
    .pop()?;
    let Expr::Call(c) = &call.expr else {
        return None;
    };
    let mut edits = Vec::new();
    for arg in &c.args {
        let r = node_range(arg);
        if already_pinned(src.slice(&r)) {
            continue;
        }
        edits.push(edit(&src, r.start..r.start, "Box::pin("));
        edits.push(edit(&src, r.end..r.end, ")"));
    }
    if edits.is_empty() {
        return None;
    }
    Some(Proposal::Edits(Fix {
        title: format!(
            "Pin the futures given to `{}` with `Box::pin`",
            short(src.slice(&node_range(&*c.func)))
        ),
        applicability: Applicability::MachineApplicable,
        edits,
    }))
}

/// `futures::select! { v = a => …, }` with `a` bound by `let a = …;` earlier in the function:
/// `let mut a = std::pin::pin!(…);` (the macro polls each branch future through `&mut`).
fn pin_select_macro_futures(src: &Source, call: &Range<usize>) -> Option<Proposal> {
    let mut found: Option<(Vec<String>, Range<usize>, Range<usize>)> = None;
    walk(&src.ast, &mut |node, ctx| {
        let Node::Macro(mac, _) = node else { return };
        let path: Vec<String> = mac
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let futures_select = path == ["futures", "select"]
            || path == ["futures", "select_biased"]
            || (path.len() == 1 && (path[0] == "select" || path[0] == "select_biased"));
        let at = node_range(mac);
        if !futures_select || !(syntax::contains(call, &at) || syntax::contains(&at, call)) {
            return;
        }
        found = Some((
            select_branch_futures(mac.tokens.clone()),
            ctx.frame_range.clone(),
            at,
        ));
    });
    let (names, frame, at) = found?;
    // A bare `select!` must be the `futures` one (imported), not tokio's.
    if src.slice(&at).starts_with("select") && !src.text.contains("use futures::select") {
        return None;
    }
    let mut edits = Vec::new();
    let mut pinned = Vec::new();
    for name in names {
        let Some(b) = binding_before(src, &name, &frame, at.start) else {
            continue;
        };
        if already_pinned(src.slice(&b.init)) {
            continue;
        }
        let local = src.slice(&b.local);
        let Some(rest) = local.strip_prefix("let ") else {
            continue;
        };
        if !rest.starts_with("mut ") {
            if !rest.starts_with(name.as_str()) {
                continue;
            }
            edits.push(edit(src, b.local.start + 4..b.local.start + 4, "mut "));
        }
        edits.push(edit(src, b.init.start..b.init.start, "std::pin::pin!("));
        edits.push(edit(src, b.init.end..b.init.end, ")"));
        pinned.push(name);
    }
    if pinned.is_empty() {
        return None;
    }
    Some(Proposal::Edits(Fix {
        title: format!(
            "Pin `{}` with `std::pin::pin!` before `select!` polls {}",
            pinned.join("`, `"),
            if pinned.len() == 1 { "it" } else { "them" }
        ),
        applicability: Applicability::MachineApplicable,
        edits,
    }))
}

/// The range of the first `Box<…>` (angle brackets balanced) starting at or after `from`.
fn box_type_at(text: &str, from: usize) -> Option<Range<usize>> {
    let start = from + text.get(from..)?.find("Box<dyn ")?;
    let mut depth = 0usize;
    for (i, ch) in text[start..].char_indices() {
        match ch {
            '<' => depth += 1,
            '>' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(start..start + i + 1);
                }
            }
            ';' | '=' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// E0599 "the method `next` exists for struct `FuturesUnordered<Box<dyn Future…>>`, but its
/// trait bounds were not satisfied": the collection's `let` annotation made
/// `…<Pin<Box<dyn Future…>>>`, and each `Box::new(…)` pushed to it `Box::pin(…)`. In words
/// when the collection's type is written elsewhere.
pub fn pin_boxed_items(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let primary = span_range(span);
    let coll = input.captures.get("coll").cloned().unwrap_or_default();
    let kind = coll
        .split('<')
        .next()
        .unwrap_or("FuturesUnordered")
        .to_string();
    let call = exprs_where(&src, |e, r| {
        matches!(e, Expr::MethodCall(_)) && syntax::contains(&r, &primary)
    })
    .pop()?;
    let Expr::MethodCall(m) = &call.expr else {
        return None;
    };
    let words = |src: &Source| {
        Some(Proposal::InWords {
            text: format!(
                "Declare the items as `Pin<Box<dyn Future<Output = …>>>` where the `{kind}` \
                 type is written, and make each item with `Box::pin(fut)` instead of \
                 `Box::new(fut)`."
            ),
            lines: src.quote(&primary),
        })
    };
    let Some(name) = expr_ident(&m.receiver) else {
        return words(&src);
    };
    let Some(binding) = binding_before(&src, &name, &call.frame_range, call.range.start) else {
        return words(&src);
    };
    let local = binding.local.clone();
    let annotation_end = binding.init.start;
    let Some(kind_at) = src
        .slice(&(local.start..annotation_end))
        .find(&format!("{kind}<"))
    else {
        return words(&src);
    };
    let Some(boxed) = box_type_at(&src.text, local.start + kind_at) else {
        return words(&src);
    };
    if boxed.end > annotation_end {
        return words(&src);
    }
    let (pin, _) = pin_future_names(&src);
    let mut edits = vec![
        edit(&src, boxed.start..boxed.start, format!("{pin}<")),
        edit(&src, boxed.end..boxed.end, ">"),
    ];
    let mut all_boxed_here = true;
    for push in exprs_where(&src, |e, r| {
        syntax::contains(&call.frame_range, &r)
            && matches!(e, Expr::MethodCall(p) if p.method == "push"
                && expr_ident(&p.receiver).as_deref() == Some(name.as_str()))
    }) {
        let Expr::MethodCall(p) = &push.expr else {
            continue;
        };
        let Some(arg) = p.args.first() else { continue };
        let arg_range = node_range(arg);
        match arg {
            Expr::Call(c) if src.slice(&node_range(&*c.func)) == "Box::new" => {
                let func = node_range(&*c.func);
                edits.push(edit(&src, func, "Box::pin"));
            }
            _ if already_pinned(src.slice(&arg_range)) => {}
            _ => all_boxed_here = false,
        }
    }
    Some(Proposal::Edits(Fix {
        title: format!("Hold pinned boxes in `{name}`: `Pin<Box<dyn Future>>` and `Box::pin`"),
        applicability: if all_boxed_here {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
        edits,
    }))
}

/// E0382 "use of moved value" after "`x` moved due to this await": what to do instead, with
/// the awaiting line and the later use quoted.
pub fn awaited_twice_in_words(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let diag = &input.diagnostic.rustc;
    let name = input
        .captures
        .get("name")
        .cloned()
        .unwrap_or_else(|| "the future".into());
    let moved = diag.spans.iter().find(|s| {
        s.file_name == src.file
            && s.label
                .as_deref()
                .is_some_and(|l| l.ends_with("moved due to this await"))
    })?;
    let pinned = diag
        .children
        .iter()
        .any(|c| c.message.contains("consider reborrowing the `Pin`"));
    let text = if pinned {
        format!(
            "`{name}` is a pinned future and the `.await` on line {} consumed it. Inside a \
             loop or `select!`, await `{name}.as_mut()` instead (as rustc suggests), and stop \
             polling once it has finished; a second `.await` in straight-line code would poll \
             a finished future, which panics: keep the first output instead.",
            moved.line_start
        )
    } else {
        format!(
            "The `.await` on line {} consumed `{name}` and produced its output once. Keep that \
             output in a variable and use it (or a clone) on line {}, or call the `async fn` \
             again if the work should run twice.",
            moved.line_start, span.line_start
        )
    };
    Some(Proposal::InWords {
        text,
        lines: src.quote_all([&span_range(moved), &span_range(span)]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::locate::test_support::{add_span, diagnostic, find, input_for};
    use crate::fix::MemorySources;

    fn applied(p: Option<Proposal>, text: &str) -> (String, Applicability) {
        match p {
            Some(Proposal::Edits(fix)) => (
                crate::fix::apply(text, &fix.edits).unwrap(),
                fix.applicability,
            ),
            other => panic!("expected edits, got {other:?}"),
        }
    }

    fn unpinned(text: &str, at: Range<usize>) -> crate::diagnostic::Diagnostic {
        diagnostic(
            "error",
            "E0277",
            "`{async fn body of ping()}` cannot be unpinned",
            "src/main.rs",
            text,
            at,
            None,
            &[],
        )
    }

    #[test]
    fn select_arguments_are_boxed_from_the_argument_or_the_await() {
        let text = "async fn a() {}\nasync fn b() {}\nasync fn r() {\n    let _ = futures::future::select(a(), Box::pin(b())).await;\n}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        for at in [find(text, "a()", Some("select")), find(text, "await", None)] {
            let d = unpinned(text, at);
            let (fixed, a) = applied(pin_select_futures(&input_for(&d, &sources, None)), text);
            assert!(
                fixed.contains("select(Box::pin(a()), Box::pin(b())).await"),
                "{fixed}"
            );
            assert_eq!(a, Applicability::MachineApplicable);
        }
    }

    #[test]
    fn select_macro_branches_are_pinned_and_made_mut() {
        let text = "async fn r() -> u8 {\n    let a = x().fuse();\n    let mut b = y().fuse();\n    let c = std::pin::pin!(z().fuse());\n    futures::select! {\n        v = a => v,\n        v = b => v,\n        v = c => v,\n    }\n}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let at = find(text, "futures::select! {", None);
        let d = unpinned(text, at.start..at.start + 16);
        let (fixed, _) = applied(pin_select_futures(&input_for(&d, &sources, None)), text);
        assert!(
            fixed.contains("let mut a = std::pin::pin!(x().fuse());"),
            "{fixed}"
        );
        assert!(
            fixed.contains("let mut b = std::pin::pin!(y().fuse());"),
            "{fixed}"
        );
        assert!(
            fixed.contains("let c = std::pin::pin!(z().fuse());"),
            "{fixed}"
        );
        assert_eq!(
            select_branch_futures("v = a => v, w = f(x) => w, complete => 0".parse().unwrap()),
            vec!["a"]
        );
    }

    #[test]
    fn boxed_items_become_pinned_boxes() {
        let text = "use std::future::Future;\nasync fn r() {\n    let mut jobs: FuturesUnordered<Box<dyn Future<Output = u32>>> = FuturesUnordered::new();\n    jobs.push(Box::new(p()));\n    while let Some(v) = jobs.next().await {}\n}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let d = diagnostic(
            "error",
            "E0599",
            "the method `next` exists for struct `FuturesUnordered<Box<dyn futures::Future<Output = u32>>>`, but its trait bounds were not satisfied",
            "src/main.rs",
            text,
            find(text, "next", None),
            None,
            &[],
        );
        let (fixed, a) = applied(pin_boxed_items(&input_for(&d, &sources, None)), text);
        assert!(
            fixed.contains("FuturesUnordered<std::pin::Pin<Box<dyn Future<Output = u32>>>> ="),
            "{fixed}"
        );
        assert!(fixed.contains("jobs.push(Box::pin(p()));"), "{fixed}");
        assert_eq!(a, Applicability::MachineApplicable);
        assert_eq!(box_type_at("x: Vec<Box<dyn F<A<B>>>> = y", 0), Some(7..23));
    }

    #[test]
    fn awaited_twice_quotes_both_lines() {
        let text =
            "async fn r() {\n    let p = f();\n    let a = p.await;\n    let b = p.await;\n}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let mut d = diagnostic(
            "error",
            "E0382",
            "use of moved value: `p`",
            "src/main.rs",
            text,
            find(text, "p", Some("let b")),
            Some("value used here after move"),
            &[],
        );
        add_span(
            &mut d,
            None,
            "src/main.rs",
            text,
            find(text, "await", None),
            false,
            Some("`p` moved due to this await"),
            None,
        );
        let Some(Proposal::InWords { text: words, lines }) =
            awaited_twice_in_words(&input_for(&d, &sources, None))
        else {
            panic!("expected words")
        };
        assert!(words.contains("line 3"), "{words}");
        assert_eq!(
            lines.iter().map(|l| l.number).collect::<Vec<_>>(),
            vec![3, 4]
        );
    }
}
