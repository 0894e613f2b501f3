//! Recipes for `.await`: appending a forgotten one at the future-typed expression rustc
//! points at (`append_await`), turning Python's prefix `await x` into `x.await`
//! (`prefix_await`), removing one from a value that is not a future (`remove_await`), and, in
//! words, what to do about `.await` where no async context exists (`await_context_words`).
//!
//! rustc's own "consider `await`ing" suggestion is used as a cross-check: the recipe finds the
//! expression itself with `syn`, and when rustc's insertion point disagrees it declines.

use std::ops::Range;

use syn::Expr;

use super::locate::{
    binding_before, child_spans, expr_at, expr_ident, exprs_where, short, span_range, uses_of,
    wrap_postfix, Frame, Located, Source,
};
use crate::fix::runtime::MainEntry;
use crate::fix::syntax;
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// The type a `impl Future<Output = T>` / `dyn Future<Output = T>` text names as `T`.
pub fn future_output(text: &str) -> Option<String> {
    let at = text.find("Future<Output = ")? + "Future<Output = ".len();
    let mut depth = 0usize;
    for (i, c) in text[at..].char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' if depth > 0 => depth -= 1,
            '>' | ',' if depth == 0 => return Some(text[at..at + i].trim().to_string()),
            _ => {}
        }
    }
    None
}

/// rustc's "consider `await`ing" suggestions in this file: `(offset, replacement)`.
fn rustc_await_hints(input: &Input<'_>, file: &str) -> Vec<(usize, String)> {
    let diag = &input.diagnostic.rustc;
    let mut spans = child_spans(diag, "consider `await`ing");
    spans.extend(child_spans(diag, "consider awaiting this value"));
    spans
        .into_iter()
        .filter(|s| s.file_name == file)
        .filter_map(|s| Some((s.byte_start as usize, s.suggested_replacement.clone()?)))
        .collect()
}

/// How the future-typed expression was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Site {
    /// The expression rustc's primary span covers (E0308, E0277, unused, …).
    Expr,
    /// The receiver of the method rustc's span names (E0599).
    Receiver,
    /// The base of the field rustc's span names (E0609).
    FieldBase,
    /// The operand of an operator (E0369, E0277 `a + fut`).
    Operand,
    /// The initializer of `let _ = …;` (clippy::let_underscore_future).
    LetInit,
    /// The inner expression of `expr?`.
    TryInner,
}

/// The future-typed expressions the diagnostic is about, with how each was found.
fn future_exprs(input: &Input<'_>, src: &Source, primary: &Range<usize>) -> Vec<(Located, Site)> {
    let diag = &input.diagnostic.rustc;
    let code = input.diagnostic.code().unwrap_or_default();
    // Operators: rustc labels each operand with its type.
    let operand_spans: Vec<Range<usize>> = diag
        .spans
        .iter()
        .filter(|s| s.file_name == src.file)
        .filter(|s| s.label.as_deref().is_some_and(|l| l.contains("Future<")))
        .map(span_range)
        .collect();
    if matches!(code, "E0369" | "E0368" | "E0600")
        || (!operand_spans.is_empty() && code == "E0277" && diag.message.starts_with("cannot "))
    {
        let found: Vec<(Located, Site)> = operand_spans
            .iter()
            .filter_map(|r| expr_at(src, r))
            .map(|l| (l, Site::Operand))
            .collect();
        if !found.is_empty() {
            return found;
        }
        // `u32 + fut()` (E0277): "cannot add `Rhs` to `Lhs`"; await the operand typed as a
        // future.
        if let Some(bin) = exprs_where(src, |e, r| {
            matches!(e, Expr::Binary(_)) && r == *primary
                || matches!(e, Expr::Binary(b) if syntax::node_range(&b.op) == *primary)
        })
        .pop()
        {
            if let Expr::Binary(b) = &bin.expr {
                let (rhs_ty, lhs_ty) = operator_types(&diag.message).unwrap_or_default();
                let mut out = Vec::new();
                for (side, ty) in [(&*b.left, lhs_ty), (&*b.right, rhs_ty)] {
                    if ty.contains("Future<") {
                        if let Some(l) = expr_at(src, &syntax::node_range(side)) {
                            out.push((l, Site::Operand));
                        }
                    }
                }
                return out;
            }
        }
        return Vec::new();
    }
    if code == "E0599" {
        return exprs_where(
            src,
            |e, _| matches!(e, Expr::MethodCall(m) if syntax::node_range(&m.method) == *primary),
        )
        .into_iter()
        .filter_map(|m| match &m.expr {
            Expr::MethodCall(call) => expr_at(src, &syntax::node_range(&*call.receiver)),
            _ => None,
        })
        .map(|l| (l, Site::Receiver))
        .collect();
    }
    if code == "E0609" {
        return exprs_where(
            src,
            |e, _| matches!(e, Expr::Field(f) if syntax::node_range(&f.member) == *primary),
        )
        .into_iter()
        .filter_map(|m| match &m.expr {
            Expr::Field(f) => expr_at(src, &syntax::node_range(&*f.base)),
            _ => None,
        })
        .map(|l| (l, Site::FieldBase))
        .collect();
    }
    if code == "clippy::let_underscore_future" {
        let mut init = None;
        super::locate::walk(&src.ast, &mut |node, _| {
            if let super::locate::Node::Local(l) = node {
                if syntax::node_range(l) == *primary {
                    init = l.init.as_ref().map(|i| syntax::node_range(&*i.expr));
                }
            }
        });
        return init
            .and_then(|r| expr_at(src, &r))
            .map(|l| vec![(l, Site::LetInit)])
            .unwrap_or_default();
    }
    let Some(found) = expr_at(src, primary) else {
        return Vec::new();
    };
    if let Expr::Try(t) = &found.expr {
        return expr_at(src, &syntax::node_range(&*t.expr))
            .map(|l| vec![(l, Site::TryInner)])
            .unwrap_or_default();
    }
    vec![(found, Site::Expr)]
}

/// `(rhs, lhs)` of "cannot add `Rhs` to `Lhs`".
fn operator_types(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("cannot ")?;
    let (_, rest) = rest.split_once(" `")?;
    let (rhs, rest) = rest.split_once("` to `")?;
    let lhs = rest.strip_suffix('`')?;
    Some((rhs.to_string(), lhs.to_string()))
}

const PRIMITIVES: &[&str] = &[
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32",
    "f64",
];

/// Types whose `Display` is in std (what `{}` can print).
fn is_display(ty: &str) -> bool {
    PRIMITIVES.contains(&ty) || matches!(ty, "String" | "&str" | "&'static str" | "char" | "bool")
}

/// std collections whose values iterate with `for`.
fn is_iterable(ty: &str) -> bool {
    [
        "Vec<",
        "VecDeque<",
        "HashMap<",
        "HashSet<",
        "BTreeMap<",
        "BTreeSet<",
    ]
    .iter()
    .any(|p| ty.starts_with(p) || ty.starts_with(&format!("std::collections::{p}")))
}

/// Whether the output type rustc named is an error type the enclosing fn's `?` accepts as is.
fn question_mark_fits(output: &str, src: &Source, item: Option<&super::locate::FnItem>) -> bool {
    let Ok(output_ty) = syn::parse_str::<syn::Type>(output) else {
        return false;
    };
    let Some(item) = item else { return false };
    let syn::ReturnType::Type(_, ret) = &item.sig.output else {
        return false;
    };
    let squash = |e: String| e.replace(char::is_whitespace, "");
    match (
        syntax::result_error(&output_ty, output).map(squash),
        syntax::result_error(ret, &src.text).map(squash),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// What the future-typed expressions' output is, as rustc printed it (message and labels).
fn output_of(input: &Input<'_>) -> Option<String> {
    let diag = &input.diagnostic.rustc;
    std::iter::once(diag.message.as_str())
        .chain(diag.spans.iter().filter_map(|s| s.label.as_deref()))
        .find_map(future_output)
}

/// Whether the callee of `expr` is an `async fn` of this file returning `()`.
fn returns_unit(src: &Source, expr: &Expr) -> bool {
    let Expr::Call(call) = expr else { return false };
    let Some(name) = expr_ident(&call.func) else {
        return false;
    };
    src.ast.items.iter().any(|item| {
        matches!(item, syn::Item::Fn(f) if f.sig.ident == name
            && f.sig.asyncness.is_some()
            && matches!(f.sig.output, syn::ReturnType::Default))
    })
}

/// Appends `.await` to the future-typed expression (or, when that value is used more than
/// once, to the `let` that produced it).
pub fn append_await(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let primary = span_range(span);
    let hints = rustc_await_hints(input, &src.file);
    let found = future_exprs(input, &src, &primary);
    if found.is_empty() {
        return None;
    }
    let code = input.diagnostic.code().unwrap_or_default().to_string();
    let output = output_of(input);
    let mut edits = Vec::new();
    let mut applicability = Applicability::MachineApplicable;
    let mut names = Vec::new();
    for (target, site) in &found {
        // rustc's insertion point must agree with ours.
        for (at, replacement) in &hints {
            let agrees = match (site, replacement.as_str()) {
                (_, ".await") => *at == target.range.end,
                (Site::Receiver, "await.") => {
                    *at == target.range.end + 1 || src.slice(&(target.range.end..*at)).trim() == "."
                }
                (_, r) => r.trim_end().ends_with(".await") && *at == target.range.start,
            };
            if !agrees {
                return None;
            }
        }
        if !target.frame.is_async() {
            return Some(sync_context_words(input, &src, target));
        }
        // The same future used more than once: awaiting each use would await it twice.
        let mut place = target.clone();
        if let Some(name) = expr_ident(&target.expr) {
            let binding = binding_before(&src, &name, &target.frame_range, target.range.start);
            if let Some(binding) = binding {
                let after = binding.local.end..target.frame_range.end;
                let uses = uses_of(&src, &name, &after);
                let awaited_elsewhere = uses
                    .iter()
                    .any(|u| src.text[u.end..].trim_start().starts_with(".await"));
                if uses.len() > 1 && !awaited_elsewhere && binding.frame.is_async() {
                    let init = expr_at(&src, &binding.init)?;
                    place = init;
                }
            }
            applicability = Applicability::MaybeIncorrect;
        }
        let (before, after) = wrap_postfix(&place.expr, ".await");
        // On a receiver or a field base, `.await` goes in right after the dot (as rustc's
        // own hint does): the edit then touches the range rustc's span covers (the method or
        // field name), and rust-analyzer offers a quick fix only where its edit meets the
        // diagnostic's range.
        let dot = src.text[place.range.end..]
            .find(|c: char| !c.is_whitespace())
            .map(|i| place.range.end + i)
            .filter(|&i| src.text[i..].starts_with('.') && !src.text[i..].starts_with(".."));
        match dot {
            Some(dot)
                if before.is_empty()
                    && place.range == target.range
                    && matches!(site, Site::Receiver | Site::FieldBase) =>
            {
                edits.push(Edit {
                    file: src.file.clone(),
                    start: dot + 1,
                    end: dot + 1,
                    replacement: "await.".to_string(),
                });
            }
            _ => {
                if !before.is_empty() {
                    edits.push(Edit {
                        file: src.file.clone(),
                        start: place.range.start,
                        end: place.range.start,
                        replacement: before,
                    });
                }
                edits.push(Edit {
                    file: src.file.clone(),
                    start: place.range.end,
                    end: place.range.end,
                    replacement: after,
                });
            }
        }
        names.push(short(src.slice(&place.range)));
        // How sure: rustc checked the output type when it made its suggestion; otherwise the
        // output type must be one whose use here is known to work.
        let sure = match site {
            _ if code.starts_with("clippy::async_yields_async") => false,
            Site::TryInner => {
                !hints.is_empty()
                    && place.frame == Frame::AsyncFn(fn_name(&place))
                    && output
                        .as_deref()
                        .is_some_and(|o| question_mark_fits(o, &src, place.item.as_ref()))
            }
            Site::Receiver | Site::FieldBase => !hints.is_empty(),
            Site::Operand => {
                let types: Vec<String> = operand_types(input);
                !types.is_empty()
                    && types.iter().all(|t| PRIMITIVES.contains(&t.as_str()))
                    && types.windows(2).all(|w| w[0] == w[1])
            }
            Site::LetInit => false,
            Site::Expr => {
                if code == "unused_must_use" {
                    returns_unit(&src, &place.expr)
                        || input.diagnostic.rustc.message.contains("`Sleep`")
                        || input.diagnostic.rustc.message.contains("`Timer`")
                } else if input
                    .diagnostic
                    .rustc
                    .message
                    .contains("doesn't implement `std::fmt::Display`")
                {
                    output.as_deref().is_some_and(is_display)
                } else if input
                    .diagnostic
                    .rustc
                    .message
                    .contains("is not an iterator")
                {
                    output.as_deref().is_some_and(is_iterable)
                } else {
                    !hints.is_empty()
                }
            }
        };
        if !sure {
            applicability = Applicability::MaybeIncorrect;
        }
    }
    // `let _ = fut;`: awaiting a unit output in `let _ =` draws clippy's `let_unit_value`;
    // write the call as a statement when the output is known to be `()`.
    if let [(target, Site::LetInit)] = found.as_slice() {
        if returns_unit(&src, &target.expr) {
            let local = primary.clone();
            let (before, after) = wrap_postfix(&target.expr, ".await");
            let text = format!("{before}{}{after};", src.slice(&target.range));
            return Some(Proposal::Edits(Fix {
                title: format!("Await `{}` so it runs", short(src.slice(&target.range))),
                applicability: Applicability::MachineApplicable,
                edits: vec![Edit {
                    file: src.file.clone(),
                    start: local.start,
                    end: local.end,
                    replacement: text,
                }],
            }));
        }
    }
    names.dedup();
    edits.sort_by_key(|e| (e.start, e.end));
    edits.dedup();
    let title = if code == "unused_must_use" || code == "clippy::let_underscore_future" {
        format!("Await `{}` so it runs", names.join("` and `"))
    } else if names.len() > 1 {
        format!("Await `{}` to use their values", names.join("` and `"))
    } else {
        format!("Await `{}` to use its value", names.join("` and `"))
    };
    Some(Proposal::Edits(Fix {
        title,
        applicability,
        edits,
    }))
}

fn fn_name(l: &Located) -> String {
    l.item
        .as_ref()
        .map(|i| i.sig.ident.to_string())
        .unwrap_or_default()
}

/// The output types of the future operands named in an operator message, and the types of
/// the other operands.
fn operand_types(input: &Input<'_>) -> Vec<String> {
    let diag = &input.diagnostic.rustc;
    let mut types: Vec<String> = diag
        .spans
        .iter()
        .filter_map(|s| s.label.as_deref())
        .filter_map(|l| future_output(l).or_else(|| (!l.contains(' ')).then(|| l.to_string())))
        .collect();
    if types.is_empty() {
        if let Some((rhs, lhs)) = operator_types(&diag.message) {
            for t in [rhs, lhs] {
                types.push(future_output(&t).unwrap_or(t));
            }
        }
    }
    types
}

/// In words, for a future used where no `.await` is possible: a sync fn or a closure.
fn sync_context_words(input: &Input<'_>, src: &Source, target: &Located) -> Proposal {
    let expr = short(src.slice(&target.range));
    let api = input.runtime();
    let block_on = match api.main_entry() {
        MainEntry::BlockOn(f) => f.to_string(),
        MainEntry::Attribute(_) => "tokio::runtime::Runtime::new().unwrap().block_on".to_string(),
    };
    let text = match &target.frame {
        Frame::SyncFn(name) if name == "main" => {
            let entry = match api.main_entry() {
                MainEntry::Attribute(attr) => {
                    format!("mark it `{attr}` and make it `async fn main`")
                }
                MainEntry::BlockOn(f) => format!("run the async part with `{f}(async {{ … }})`"),
            };
            format!(
                "`{expr}` is a future, and `main` is not async, so it cannot be awaited here: \
                 {entry}, then write `{expr}.await`."
            )
        }
        Frame::SyncFn(name) => format!(
            "`{expr}` is a future, and `{name}` is a plain fn, so it cannot be awaited here. \
             Make `{name}` an `async fn` and write `{expr}.await` (its callers then await \
             `{name}(…)` in turn), or, only at a program's entry point, drive it with \
             `{block_on}({expr})`."
        ),
        _ => format!(
            "`{expr}` is a future inside a plain closure, which cannot `.await`. Await it in \
             the async fn itself (a `for` loop instead of the closure), or make the closure \
             return a future (`async move {{ … }}`) and await those futures together."
        ),
    };
    Proposal::InWords {
        text,
        lines: src.quote(&target.range),
    }
}

/// `await x` (Python's prefix form) → `x.await`, using rustc's machine-applicable split of the
/// expression and checking that the result parses and sits in an async context.
pub fn prefix_await(input: &Input<'_>) -> Option<Proposal> {
    let diag = &input.diagnostic.rustc;
    let span = input.diagnostic.user_span()?;
    let text = input.sources.read(&span.file_name)?;
    if !syntax::span_is_current(&text, span) {
        return None;
    }
    let spans = child_spans(diag, "`await` is a postfix operation");
    let [remove, insert] = spans.as_slice() else {
        return None;
    };
    let remove = span_range(remove);
    let insert_at = insert.byte_start as usize;
    if text.get(remove.clone())?.trim() != "await" || insert_at < remove.end {
        return None;
    }
    let expr_text = text.get(remove.end..insert_at)?;
    let expr: Expr = syn::parse_str(expr_text).ok()?;
    let (before, after) = wrap_postfix(&expr, ".await");
    let edits = vec![
        Edit {
            file: span.file_name.clone(),
            start: remove.start,
            end: remove.end,
            replacement: before,
        },
        Edit {
            file: span.file_name.clone(),
            start: insert_at,
            end: insert_at,
            replacement: after,
        },
    ];
    // The fixed file must parse, and the new `.await` must be allowed where it is.
    let fixed = crate::fix::apply(&text, edits.iter()).ok()?;
    let ast = syntax::parse(&fixed)?;
    let new_src = Source {
        file: span.file_name.clone(),
        text: fixed.as_str().into(),
        ast,
    };
    let await_end = insert_at + edits[0].replacement.len() - (remove.end - remove.start)
        + edits[1].replacement.len();
    let in_async = exprs_where(&new_src, |e, r| {
        matches!(e, Expr::Await(_)) && r.end == await_end
    })
    .first()
    .is_some_and(|l| l.frame.is_async());
    Some(Proposal::Edits(Fix {
        title: format!(
            "Write `{}.await` instead of `await {}`",
            short(expr_text.trim()),
            short(expr_text.trim())
        ),
        applicability: if in_async {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
        edits,
    }))
}

/// Removes `.await` from a value that is not a future (rustc's own suggestion, checked: the
/// removed text is `.await`, and the type is not a future type that merely cannot be polled
/// as it is, such as an unsized `dyn Future` or an unpinned `Box<dyn Future>`).
pub fn remove_await(input: &Input<'_>) -> Option<Proposal> {
    let diag = &input.diagnostic.rustc;
    let (_, src) = Source::primary(input)?;
    let ty = diag
        .message
        .strip_prefix('`')?
        .split_once("` is not a future")?
        .0;
    if ty.contains("Future") {
        return None;
    }
    let spans = child_spans(diag, "remove the `.await`");
    let [span] = spans.as_slice() else {
        return None;
    };
    let range = span_range(span);
    if span.file_name != src.file
        || src.slice(&range).split_whitespace().collect::<String>() != ".await"
    {
        return None;
    }
    let base = exprs_where(&src, |e, r| {
        matches!(e, Expr::Await(_)) && r.end == range.end
    })
    .into_iter()
    .next()
    .and_then(|l| match l.expr {
        Expr::Await(a) => Some(short(src.slice(&syntax::node_range(&*a.base)))),
        _ => None,
    })?;
    Some(Proposal::Edits(Fix {
        title: format!("Remove `.await` after `{base}`: it is a `{ty}`, not a future"),
        applicability: Applicability::MachineApplicable,
        edits: vec![Edit {
            file: src.file.clone(),
            start: range.start,
            end: range.end,
            replacement: String::new(),
        }],
    }))
}

/// In words, for `.await` where no async context exists (E0728): a plain fn, a closure,
/// `Drop::drop`.
pub fn await_context_words(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let primary = span_range(span);
    let found = exprs_where(&src, |e, r| {
        matches!(e, Expr::Await(_)) && syntax::contains(&r, &primary)
    })
    .pop()?;
    let Expr::Await(a) = &found.expr else {
        return None;
    };
    let base = short(src.slice(&syntax::node_range(&*a.base)));
    let api = input.runtime();
    let spawn = api.spawn();
    let mut ranges = vec![found.range.clone()];
    let text = match &found.frame {
        Frame::SyncFn(name)
            if name == "drop" && found.item.as_ref().is_some_and(|i| i.is_method) =>
        {
            let hand_off = match spawn {
                Some(spawn) => format!(
                    ", or hand the work to a task with `{spawn}({base})` if it may finish later"
                ),
                None => String::new(),
            };
            format!(
                "`Drop::drop` is never async, so `{base}` cannot be awaited in it. Give the type \
                 an `async fn` that does the cleanup and call it (awaited) before the value goes \
                 out of scope{hand_off}."
            )
        }
        Frame::SyncFn(name) => {
            if let Some(item) = &found.item {
                ranges.push(item.range.start..syntax::line_end(&src.text, item.range.start));
            }
            if name == "main" {
                let entry = match api.main_entry() {
                    MainEntry::Attribute(attr) => {
                        format!("put `{attr}` on it and make it `async fn main`")
                    }
                    MainEntry::BlockOn(f) => format!("wrap its body in `{f}(async {{ … }})`"),
                };
                format!("`main` is a plain fn, so `.await` is not allowed in it: {entry}.")
            } else {
                format!(
                    "`{name}` is a plain fn, so `.await` is not allowed in it. Make it `async fn \
                     {name}` and write `{name}(…).await` at each call (callers must be async \
                     too), or keep it sync and let its caller await `{base}`."
                )
            }
        }
        Frame::Closure => {
            format!(
                "the closure around `{base}` is a plain closure, so it cannot `.await`, even \
                 inside an async fn. Await in the async fn itself, e.g. a `for` loop that \
                 pushes `{base}.await` into a `Vec`, or let the closure return `async move {{ \
                 … }}` blocks and await them together."
            )
        }
        _ => return None,
    };
    Some(Proposal::InWords {
        text,
        lines: src.quote_all(&ranges),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::locate::test_support::{diagnostic, input_for};
    use crate::fix::MemorySources;

    #[test]
    fn reads_the_output_type() {
        assert_eq!(
            future_output("impl Future<Output = User>").as_deref(),
            Some("User")
        );
        assert_eq!(
            future_output("`impl Future<Output = Result<String, E>>` x").as_deref(),
            Some("Result<String, E>")
        );
        assert_eq!(future_output("u32"), None);
    }

    #[test]
    fn error_types_of_results() {
        let text = "Result<String, FetchError>";
        let t: syn::Type = syn::parse_str(text).unwrap();
        assert_eq!(
            syntax::result_error(&t, text).as_deref(),
            Some("FetchError")
        );
        let text = "std::io::Result<u8>";
        let t: syn::Type = syn::parse_str(text).unwrap();
        assert_eq!(
            syntax::result_error(&t, text).as_deref(),
            Some("std::io::Error")
        );
    }

    const UNUSED: &str = "async fn save(id: u64) {}\nasync fn run() {\n    save(1);\n}\nfn main() {\n    save(2);\n}\n";

    #[test]
    fn unused_future_in_async_fn_gets_await() {
        let start = UNUSED.find("save(1)").unwrap();
        let d = diagnostic(
            "warning",
            "unused_must_use",
            "unused implementer of `Future` that must be used",
            "src/main.rs",
            UNUSED,
            start..start + 7,
            None,
            &[("futures do nothing unless you `.await` or poll them", None)],
        );
        let sources = MemorySources::default().with("src/main.rs", UNUSED);
        let Some(Proposal::Edits(fix)) = append_await(&input_for(&d, &sources, None)) else {
            panic!("no edit");
        };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        let fixed = crate::fix::apply(UNUSED, &fix.edits).unwrap();
        assert!(fixed.contains("    save(1).await;\n"), "{fixed}");
    }

    #[test]
    fn unused_future_in_sync_main_is_in_words() {
        let start = UNUSED.find("save(2)").unwrap();
        let d = diagnostic(
            "warning",
            "unused_must_use",
            "unused implementer of `Future` that must be used",
            "src/main.rs",
            UNUSED,
            start..start + 7,
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", UNUSED);
        let Some(Proposal::InWords { text, lines }) = append_await(&input_for(&d, &sources, None))
        else {
            panic!("expected words");
        };
        assert!(text.contains("`main` is not async"), "{text}");
        assert_eq!(lines[0].text, "    save(2);");
    }

    #[test]
    fn a_future_used_twice_is_awaited_at_its_let() {
        let text = "struct U { a: u8, b: u8 }\nasync fn get() -> U { U { a: 1, b: 2 } }\nasync fn run() {\n    let user = get();\n    let a = user.a;\n    let b = user.b;\n}\n";
        let start = text.find("user.a").unwrap() + 5;
        let d = diagnostic(
            "error",
            "E0609",
            "no field `a` on type `impl Future<Output = U>`",
            "src/main.rs",
            text,
            start..start + 1,
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        let Some(Proposal::Edits(fix)) = append_await(&input_for(&d, &sources, None)) else {
            panic!("no edit");
        };
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(fixed.contains("let user = get().await;"), "{fixed}");
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
    }

    #[test]
    fn a_disagreeing_rustc_hint_declines() {
        let text = "async fn n() -> u32 { 1 }\nasync fn run() {\n    let x: u32 = n();\n}\n";
        let start = text.find("n();").unwrap();
        let d = diagnostic(
            "error",
            "E0308",
            "mismatched types",
            "src/main.rs",
            text,
            start..start + 3,
            Some("expected `u32`, found future"),
            &[(
                "consider `await`ing on the `Future`",
                Some((start + 1, ".await")),
            )],
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        assert_eq!(append_await(&input_for(&d, &sources, None)), None);
    }

    #[test]
    fn operands_are_parenthesised_when_needed() {
        let text = "async fn n() -> u32 { 1 }\nasync fn run() {\n    let x = n() + n();\n}\n";
        let a = text.find("n() +").unwrap();
        let b = text.rfind("n();").unwrap();
        let mut d = diagnostic(
            "error",
            "E0369",
            "cannot add `impl Future<Output = u32>` to `impl Future<Output = u32>`",
            "src/main.rs",
            text,
            a + 4..a + 5,
            None,
            &[],
        );
        for r in [a..a + 3, b..b + 3] {
            let mut s = d.rustc.spans[0].clone();
            s.byte_start = r.start as u32;
            s.byte_end = r.end as u32;
            s.is_primary = false;
            s.label = Some("impl Future<Output = u32>".into());
            s.text[0].highlight_start = r.start - syntax::line_start(text, r.start) + 1;
            s.text[0].highlight_end = r.end - syntax::line_start(text, r.start) + 1;
            d.rustc.spans.push(s);
        }
        let sources = MemorySources::default().with("src/main.rs", text);
        let Some(Proposal::Edits(fix)) = append_await(&input_for(&d, &sources, None)) else {
            panic!("no edit");
        };
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(fixed.contains("let x = n().await + n().await;"), "{fixed}");
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
    }
}

#[cfg(test)]
mod more_tests {
    use super::*;
    use crate::fix::recipes::locate::test_support::{add_span, diagnostic, find, input_for};
    use crate::fix::MemorySources;

    fn prefix_case(text: &str) -> Option<Proposal> {
        let whole = find(text, "await fetch()", None);
        let mut d = diagnostic(
            "error",
            "",
            "incorrect use of `await`",
            "src/main.rs",
            text,
            whole.clone(),
            None,
            &[("`await` is a postfix operation", None)],
        );
        add_span(
            &mut d,
            Some(0),
            "src/main.rs",
            text,
            whole.start..whole.start + 6,
            true,
            None,
            Some(""),
        );
        add_span(
            &mut d,
            Some(0),
            "src/main.rs",
            text,
            whole.end..whole.end,
            true,
            None,
            Some(".await"),
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        prefix_await(&input_for(&d, &sources, None))
    }

    #[test]
    fn prefix_await_in_async_and_sync_code() {
        let text =
            "async fn fetch() -> u8 { 1 }\nasync fn run() {\n    let g = await fetch();\n}\n";
        let Some(Proposal::Edits(fix)) = prefix_case(text) else {
            panic!("no edit")
        };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        assert!(crate::fix::apply(text, &fix.edits)
            .unwrap()
            .contains("let g = fetch().await;"));
        // In a plain fn the syntax is fixed, but E0728 will follow: not machine-applicable.
        let text = "async fn fetch() -> u8 { 1 }\nfn run() {\n    let g = await fetch();\n}\n";
        let Some(Proposal::Edits(fix)) = prefix_case(text) else {
            panic!("no edit")
        };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
    }

    #[test]
    fn prefix_await_declines_when_rustc_split_something_else() {
        let text =
            "async fn fetch() -> u8 { 1 }\nasync fn run() {\n    let g = wait2 fetch();\n}\n";
        let whole = find(text, "wait2 fetch()", None);
        let mut d = diagnostic(
            "error",
            "",
            "incorrect use of `await`",
            "src/main.rs",
            text,
            whole.clone(),
            None,
            &[("`await` is a postfix operation", None)],
        );
        add_span(
            &mut d,
            Some(0),
            "src/main.rs",
            text,
            whole.start..whole.start + 6,
            true,
            None,
            Some(""),
        );
        add_span(
            &mut d,
            Some(0),
            "src/main.rs",
            text,
            whole.end..whole.end,
            true,
            None,
            Some(".await"),
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        assert_eq!(prefix_await(&input_for(&d, &sources, None)), None);
    }

    fn not_a_future(text: &str, ty: &str) -> Option<Proposal> {
        let dot_await = find(text, ".await", None);
        let mut d = diagnostic(
            "error",
            "E0277",
            &format!("`{ty}` is not a future"),
            "src/main.rs",
            text,
            dot_await.start + 1..dot_await.end,
            None,
            &[("remove the `.await`", None)],
        );
        add_span(
            &mut d,
            Some(0),
            "src/main.rs",
            text,
            dot_await,
            true,
            None,
            Some(""),
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        remove_await(&input_for(&d, &sources, None))
    }

    #[test]
    fn remove_await_only_for_values_that_are_no_future_at_all() {
        let text = "fn port() -> u16 { 1 }\nasync fn run() -> u16 {\n    port().await\n}\n";
        let Some(Proposal::Edits(fix)) = not_a_future(text, "u16") else {
            panic!("no edit")
        };
        assert!(crate::fix::apply(text, &fix.edits)
            .unwrap()
            .contains("    port()\n"));
        // An unsized `dyn Future` is a future that cannot be held: removing `.await` is wrong.
        assert_eq!(not_a_future(text, "dyn Future<Output = u16>"), None);
    }

    #[test]
    fn await_in_drop_and_in_a_closure_are_in_words() {
        let text = "async fn close() {}\nstruct C;\nimpl Drop for C {\n    fn drop(&mut self) {\n        close().await;\n    }\n}\nasync fn all(v: Vec<u8>) {\n    let _ = v.iter().map(|x| close().await);\n}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let r = find(text, "await", None);
        let d = diagnostic(
            "error",
            "E0728",
            "`await` is only allowed inside `async` functions and blocks",
            "src/main.rs",
            text,
            r,
            None,
            &[],
        );
        let Some(Proposal::InWords { text: words, .. }) =
            await_context_words(&input_for(&d, &sources, None))
        else {
            panic!("no words")
        };
        assert!(
            words.contains("`Drop::drop` is never async")
                && words.contains("tokio::spawn(close())"),
            "{words}"
        );
        let r = find(text, "await", Some("map("));
        let d = diagnostic(
            "error",
            "E0728",
            "`await` is only allowed inside `async` functions and blocks",
            "src/main.rs",
            text,
            r,
            None,
            &[],
        );
        let Some(Proposal::InWords { text: words, .. }) =
            await_context_words(&input_for(&d, &sources, None))
        else {
            panic!("no words")
        };
        assert!(words.contains("plain closure"), "{words}");
    }
}
