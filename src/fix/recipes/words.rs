//! Fixes in words for Send, `Sync` and lifetime mistakes where no edit of the user's lines is
//! sound without knowing more than the diagnostic and the file say: a non-`Send` capture of
//! `spawn_blocking`'s closure, a one-thread executor inside a spawned task, a callback bound
//! with a caller-chosen lifetime, a closure returning a borrowing `async` block, an
//! `#[async_trait]` body that is not `Send`, a trait object without `+ Send`, a reference
//! captured by an async block pointed at the block's own value, an async closure given to a
//! `FnOnce(&T) -> Fut` bound.
//!
//! Each recipe reads only rustc's message, labels and child notes (never the rule's
//! captures, so it works the same for any rule that names it), names the user's value and
//! type, and quotes the user's lines rustc points at. It returns `None` when a span in the
//! user's file no longer matches the file (the file changed since the check).

use std::collections::BTreeSet;

use cargo_metadata::diagnostic::{Diagnostic as RustcDiagnostic, DiagnosticSpan};

use super::body::Code;
use super::held;
use crate::fix::syntax;
use crate::fix::{Input, Proposal, QuotedLine};

/// The file of the diagnostic's primary span in the user's code, parsed.
fn user_code(input: &Input<'_>) -> Option<Code> {
    let span = input.diagnostic.user_span()?;
    Code::load(input.sources, &span.file_name)
}

/// Every span of the diagnostic and its children, depth first.
fn spans(d: &RustcDiagnostic) -> Vec<&DiagnosticSpan> {
    let mut out: Vec<&DiagnosticSpan> = d.spans.iter().collect();
    for c in &d.children {
        out.extend(spans(c));
    }
    out
}

/// The first line of each span in `code`'s file (up to `max` lines of the primary ones),
/// each line once, in file order; `None` when one of them is stale.
fn quoted(d: &RustcDiagnostic, code: &Code, max: usize) -> Option<Vec<QuotedLine>> {
    let mut seen = BTreeSet::new();
    let mut lines = Vec::new();
    for s in spans(d).into_iter().filter(|s| s.file_name == code.name) {
        if !syntax::span_is_current(&code.text, s) {
            return None;
        }
        let n = if s.is_primary { max } else { 1 };
        for l in code.quote(s.byte_start as usize..s.byte_end as usize, n) {
            if seen.insert(l.number) {
                lines.push(l);
            }
        }
    }
    lines.sort_by_key(|l| l.number);
    Some(lines)
}

/// The text between the first pair of backticks after `prefix` in `text`.
fn ticked_after<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    let rest = rest.strip_prefix('`')?;
    Some(&rest[..rest.find('`')?])
}

/// The function named by a child note "required by a bound in `f`".
fn bound_fn(d: &RustcDiagnostic) -> Option<&str> {
    d.children
        .iter()
        .find_map(|c| ticked_after(&c.message, "required by a bound in "))
}

/// The first span label (of the diagnostic or a child) that contains `needle`.
fn label_with<'d>(d: &'d RustcDiagnostic, needle: &str) -> Option<&'d str> {
    spans(d)
        .into_iter()
        .find_map(|s| s.label.as_deref().filter(|l| l.contains(needle)))
}

/// The type in a label "has type `T` which is not `Send`".
fn not_send_label(d: &RustcDiagnostic) -> Option<&str> {
    label_with(d, "which is not `Send`").and_then(|l| ticked_after(l, "has type "))
}

/// `blocking_capture_in_words`: E0277 "`T` cannot be sent between threads safely" with
/// "required because it's used within this closure" and a bound of `spawn_blocking`: the
/// closure captures a `T`. Names the type and the function, quotes the closure.
pub fn blocking_capture_in_words(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let rustc = &input.diagnostic.rustc;
    let ty = rustc
        .message
        .strip_prefix('`')?
        .strip_suffix("` cannot be sent between threads safely")?;
    let spawn = bound_fn(rustc).unwrap_or("spawn_blocking");
    let lines = quoted(rustc, &code, 2)?;
    let text = format!(
        "the closure given to `{spawn}` captures a `{ty}`, which is not `Send`: before the closure, turn what it captures into `Send` data (`Arc` for `Rc`, `Arc<Mutex<T>>` for `Rc<RefCell<T>>`, an owned copy such as `to_vec()` for a raw pointer or a borrow) and move that in"
    );
    Some(Proposal::InWords { text, lines })
}

/// How a one-thread executor of type `ty` is driven where it was made.
fn how_to_drive(ty: &str) -> &'static str {
    let last = ty.rsplit("::").next().unwrap_or(ty);
    if last.starts_with("LocalSet") {
        "`.run_until(future).await` it (or `.await` the `LocalSet` itself) in the code that made it, and start its tasks with `tokio::task::spawn_local`"
    } else if last.starts_with("LocalPool") || last.starts_with("LocalSpawner") {
        "spawn onto the pool with its spawner and run it with `pool.run_until(future)` or `pool.run_until_stalled()` on the thread that made it"
    } else {
        "run it on the thread that made it with its own `run` method"
    }
}

/// `local_executor_in_words`: a spawned task captures or holds a one-thread executor
/// (`LocalSet`, `LocalPool`, `LocalSpawner`, …). Says to drive it where it was made instead.
pub fn local_executor_in_words(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let rustc = &input.diagnostic.rustc;
    let ty = not_send_label(rustc)?;
    let spawn = bound_fn(rustc).unwrap_or("spawn");
    // Held across an `.await`: rustc names the binding; captured: the label sits on its use.
    let name = match held::held(input, &code.text) {
        Some(h) => label_with(rustc, "maybe used later")
            .and_then(|l| ticked_after(l, "with "))
            .map(|n| n.trim_start_matches("mut ").to_string())
            .or_else(|| Some(code.src(h.value).to_string())),
        None => spans(rustc)
            .into_iter()
            .find(|s| {
                s.file_name == code.name
                    && s.label.as_deref().is_some_and(|l| l.contains("has type"))
            })
            .map(|s| {
                code.src(s.byte_start as usize..s.byte_end as usize)
                    .to_string()
            }),
    }
    .filter(|n| held::is_identifier(n))?;
    let lines = quoted(rustc, &code, 1)?;
    let text = format!(
        "`{name}` is a `{ty}`, an executor for one thread, so a `{spawn}` task cannot take it along: keep it out of the task and drive it where it was made: {}",
        how_to_drive(ty)
    );
    Some(Proposal::InWords { text, lines })
}

/// `caller_lifetime_in_words`: E0597 where the local must be borrowed for a lifetime
/// parameter of the function (`argument requires that `x` is borrowed for `'a``).
pub fn caller_lifetime_in_words(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let rustc = &input.diagnostic.rustc;
    let var = ticked_after(&rustc.message, "")?;
    let lt = label_with(rustc, "is borrowed for `'")
        .and_then(|l| ticked_after(l, " is borrowed for "))?;
    if lt == "'static" {
        return None;
    }
    let lines = quoted(rustc, &code, 1)?;
    let text = format!(
        "`{var}` lives only inside this function, and `{lt}` is a lifetime its caller picks: remove `{lt}` from the callback's bound and take an async closure instead (`F: AsyncFnOnce(&mut T) -> R`, Rust 1.85 or later, called with `async |x: &mut T| …`), or, on older compilers, a higher-ranked bound whose future is boxed (`F: for<'c> FnOnce(&'c mut T) -> Pin<Box<dyn Future<Output = R> + 'c>>`)"
    );
    Some(Proposal::InWords { text, lines })
}

/// `closure_future_in_words`: "lifetime may not live long enough" where the closure's return
/// type is an `async` block that borrows the closure's argument.
pub fn closure_future_in_words(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let rustc = &input.diagnostic.rustc;
    label_with(rustc, "return type of closure")?;
    let lines = quoted(rustc, &code, 1)?;
    let text = "write an async closure, `async |arg: &mut T| body`, in place of a closure that returns an `async move` block; the function it is given to must take `AsyncFnOnce`/`AsyncFnMut`/`AsyncFn` (change its `FnOnce(&mut T) -> Fut` bound if it is yours)".to_string();
    Some(Proposal::InWords { text, lines })
}

/// `async_trait_send_in_words`: an `#[async_trait]` method body keeps a non-`Send` value
/// across an `.await`.
pub fn async_trait_send_in_words(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let rustc = &input.diagnostic.rustc;
    let h = held::held(input, &code.text)?;
    let name = label_with(rustc, "maybe used later")
        .and_then(|l| ticked_after(l, "with "))?
        .trim_start_matches("mut ");
    let ty = h.ty.as_deref().unwrap_or("this type");
    let lines = quoted(rustc, &code, 1)?;
    let text = format!(
        "`{name}` (`{ty}`) is alive at the `.await`, and `#[async_trait]` makes the method's future `Send`: use a `Send` type in its place or end it in a block before the `.await`; if no caller needs these futures on another thread, write `#[async_trait(?Send)]` on the trait and on every impl instead"
    );
    Some(Proposal::InWords { text, lines })
}

/// `trait_object_send_in_words`: a spawned task holds a trait object without `+ Send`. Quotes
/// the lines of the file that spell the type, as well as rustc's.
pub fn trait_object_send_in_words(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let rustc = &input.diagnostic.rustc;
    let ty = not_send_label(rustc)?;
    let (before, object) = ty.split_once("dyn ")?;
    // `Box<dyn Notifier>` → `Box<dyn Notifier + Send>`: the object ends at the closing `>`
    // of the pointer type that holds it, or at the end for `&dyn T`.
    let closing = before.matches('<').count();
    let cut = object.len() - object.chars().rev().take(closing).count();
    let with_send = format!("{before}dyn {} + Send{}", &object[..cut], &object[cut..]);
    let mut lines = quoted(rustc, &code, 1)?;
    let mut seen: BTreeSet<usize> = lines.iter().map(|l| l.number).collect();
    for (at, _) in code.text.match_indices(ty).take(3) {
        for l in code.quote(at..at + ty.len(), 1) {
            if seen.insert(l.number) {
                lines.push(l);
            }
        }
    }
    lines.sort_by_key(|l| l.number);
    let text = format!(
        "write `{with_send}` where the type is declared (a return type, a parameter, a field), so the task may hold it; every value stored there must then be `Send`"
    );
    Some(Proposal::InWords { text, lines })
}

/// `escaping_borrow_in_words`: E0521 "borrowed data escapes outside of async block": a
/// reference captured from outside the block is assigned a borrow of the block's own value.
pub fn escaping_borrow_in_words(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let rustc = &input.diagnostic.rustc;
    let outer = label_with(rustc, "declared here, outside of the async block body")
        .and_then(|l| ticked_after(l, ""))?;
    let inner = label_with(rustc, "escapes the async block body here")
        .and_then(|l| ticked_after(l, "reference to "))?;
    let lines = quoted(rustc, &code, 1)?;
    let text = format!(
        "do not point `{outer}` (the caller's reference) at `{inner}`, which the async block owns: give the block an owned value to use instead (for a `&str`, a `String` made from either one before the block), or bind a new local reference inside the block"
    );
    Some(Proposal::InWords { text, lines })
}

/// `async_closure_bound_in_words`: E0308 "one type is more general than the other" for an
/// async closure given to a `FnOnce(&T) -> Fut` bound. Quotes the call and the bound.
pub fn async_closure_bound_in_words(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let rustc = &input.diagnostic.rustc;
    rustc
        .children
        .iter()
        .find(|c| c.message.starts_with("expected `async` closure body"))?;
    let lines = quoted(rustc, &code, 1)?;
    let text = "change the helper's bound to an async closure trait, `F: AsyncFnOnce(&mut T) -> R` (or `AsyncFnMut`/`AsyncFn`, Rust 1.85 or later), and drop its future type parameter; a `FnOnce(&mut T) -> Fut` bound cannot take a closure whose future borrows the argument".to_string();
    Some(Proposal::InWords { text, lines })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::testing::{child, diagnostic, not_send, run, span};

    fn words(p: Option<Proposal>) -> (String, Vec<usize>) {
        match p {
            Some(Proposal::InWords { text, lines }) => {
                (text, lines.iter().map(|l| l.number).collect())
            }
            other => panic!("expected words, got {other:?}"),
        }
    }

    const BLOCKING: &str = "use std::rc::Rc;\n\nasync fn sum(v: Vec<u8>) -> usize {\n    let shared = Rc::new(v);\n    tokio::task::spawn_blocking(move || shared.len()).await.unwrap()\n}\n";

    #[test]
    fn blocking_capture_names_the_type_and_the_spawn() {
        let d = diagnostic(
            "error",
            Some("E0277"),
            "`Rc<Vec<u8>>` cannot be sent between threads safely",
            vec![span(BLOCKING, "move || shared.len()", 0, None, true)],
            vec![
                child(
                    "note",
                    "required because it's used within this closure",
                    vec![],
                ),
                child("note", "required by a bound in `spawn_blocking`", vec![]),
            ],
        );
        let (text, lines) = words(run(blocking_capture_in_words, &d, BLOCKING, None, None));
        assert!(
            text.contains("`spawn_blocking` captures a `Rc<Vec<u8>>`"),
            "{text}"
        );
        assert_eq!(lines, vec![5]);
    }

    const LOCAL: &str = "fn f() {\n    tokio::spawn(async {\n        let mut pool = futures::executor::LocalPool::new();\n        pause().await;\n        pool.run_until_stalled();\n    });\n}\n";

    #[test]
    fn local_executor_names_the_binding_and_how_to_run_it() {
        let d = not_send(LOCAL, "mut pool", 0, "LocalPool", 0, "tokio::spawn");
        let (text, lines) = words(run(local_executor_in_words, &d, LOCAL, None, None));
        assert!(text.starts_with("`pool` is a `LocalPool`"), "{text}");
        assert!(text.contains("run_until_stalled"), "{text}");
        assert_eq!(lines, vec![2, 3, 4]);
    }

    const CALLER: &str = "async fn with<'a, F, Fut>(f: F) -> u32\nwhere\n    F: FnOnce(&'a mut u32) -> Fut,\n    Fut: std::future::Future<Output = u32> + 'a,\n{\n    let mut conn = 0;\n    f(&mut conn).await\n}\n";

    #[test]
    fn caller_lifetime_names_the_lifetime_but_not_static() {
        let mk = |lt: &str| {
            diagnostic(
                "error",
                Some("E0597"),
                "`conn` does not live long enough",
                vec![
                    span(
                        CALLER,
                        "&mut conn",
                        0,
                        Some("borrowed value does not live long enough"),
                        true,
                    ),
                    span(
                        CALLER,
                        "f(&mut conn)",
                        0,
                        Some(&format!(
                            "argument requires that `conn` is borrowed for `{lt}`"
                        )),
                        false,
                    ),
                    span(CALLER, "'a", 0, Some("lifetime `'a` defined here"), false),
                ],
                vec![],
            )
        };
        let (text, lines) = words(run(caller_lifetime_in_words, &mk("'a"), CALLER, None, None));
        assert!(
            text.contains("`'a` is a lifetime its caller picks"),
            "{text}"
        );
        assert!(text.contains("AsyncFnOnce"), "{text}");
        assert_eq!(lines, vec![1, 7]);
        assert!(run(caller_lifetime_in_words, &mk("'static"), CALLER, None, None).is_none());
    }

    const NOTIFIER: &str = "fn make() -> Box<dyn Notifier> {\n    Box::new(Stdout)\n}\n\nfn start() {\n    tokio::spawn(async {\n        let noti = make();\n        pause().await;\n        noti.notify();\n    });\n}\n";

    #[test]
    fn trait_object_gets_its_send_spelling_and_its_declaration_quoted() {
        let d = not_send(
            NOTIFIER,
            "noti",
            0,
            "Box<dyn Notifier>",
            0,
            "tokio::spawn(async {",
        );
        let (text, lines) = words(run(trait_object_send_in_words, &d, NOTIFIER, None, None));
        assert!(
            text.starts_with("write `Box<dyn Notifier + Send>`"),
            "{text}"
        );
        assert_eq!(lines, vec![1, 6, 7, 8]);
    }

    #[test]
    fn trait_object_with_arguments_keeps_them_inside() {
        let text = "fn f(cb: Box<dyn Fn(u32)>) {\n    tokio::spawn(async move {\n        pause().await;\n        cb(1);\n    });\n}\n";
        let d = not_send(
            text,
            "cb",
            0,
            "Box<dyn Fn(u32)>",
            0,
            "tokio::spawn(async move {",
        );
        let (words_text, _) = words(run(trait_object_send_in_words, &d, text, None, None));
        assert!(
            words_text.starts_with("write `Box<dyn Fn(u32) + Send>`"),
            "{words_text}"
        );
    }

    #[test]
    fn stale_spans_give_no_words() {
        let d = not_send(LOCAL, "mut pool", 0, "LocalPool", 0, "tokio::spawn");
        let edited = LOCAL.replace("let mut pool", "let mut poool");
        assert!(run(local_executor_in_words, &d, &edited, None, None).is_none());
    }

    const ESCAPE: &str = "fn f<'a>(mut label: &'a str, fallback: String) -> impl std::future::Future<Output = usize> + 'a {\n    async move {\n        label = &fallback;\n        label.len()\n    }\n}\n";

    #[test]
    fn escaping_borrow_names_both_values() {
        let d = diagnostic(
            "error",
            Some("E0521"),
            "borrowed data escapes outside of async block",
            vec![
                span(
                    ESCAPE,
                    "label = &fallback",
                    0,
                    Some("reference to `fallback` escapes the async block body here"),
                    true,
                ),
                span(
                    ESCAPE,
                    "&fallback",
                    0,
                    Some("borrow is only valid in the async block body"),
                    false,
                ),
                span(
                    ESCAPE,
                    "mut label",
                    0,
                    Some("`label` declared here, outside of the async block body"),
                    false,
                ),
            ],
            vec![],
        );
        let (text, lines) = words(run(escaping_borrow_in_words, &d, ESCAPE, None, None));
        assert!(
            text.starts_with("do not point `label` (the caller's reference) at `fallback`"),
            "{text}"
        );
        assert_eq!(lines, vec![1, 3]);
    }
}
