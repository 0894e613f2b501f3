//! Values given where a future is wanted, other than by `.await` on a sync call's result
//! (that is `await_::remove_await` and `blocking::async_twin`):
//! - `remove_main_attribute`: a helper `async fn` carrying `#[tokio::main]` (or
//!   `#[async_std::main]`), which the attribute turned into a plain fn: the attribute goes.
//! - `non_future_closure`: a closure that returns a plain value given to a combinator that
//!   wants a future from it: `then` becomes `map`; any other combinator, in words.
//! - `non_future_to_spawn`: a plain call's value given to a spawn function: the helper's
//!   `main` attribute goes, or the call moves to the blocking pool in a closure.
//! - `async_closure_to_block`: `async || { … }` where a future is wanted: the `||` goes, so
//!   the async block is the future.

use syn::Expr;

use super::locate::{exprs_where, span_range, Source};
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// The function rustc suggests making async ("consider making `fn NAME` asynchronous"), with
/// the file its suggestion points into.
fn callee_to_make_async(input: &Input<'_>) -> Option<(String, String)> {
    input.diagnostic.rustc.children.iter().find_map(|c| {
        // rustc 1.95: "alternatively, consider making `fn NAME` asynchronous".
        let at = c.message.find("consider making `fn ")?;
        let rest = &c.message[at + "consider making `fn ".len()..];
        let name = rest.split('`').next()?.to_string();
        let file = c.spans.first()?.file_name.clone();
        Some((name, file))
    })
}

/// The edit that removes a runtime's `main` attribute (`#[tokio::main]`,
/// `#[async_std::main]`) from the top-level `async fn name` of `src`, with the attribute's
/// path.
fn main_attribute_removal(src: &Source, name: &str) -> Option<(Edit, String)> {
    let f = src.ast.items.iter().find_map(|item| match item {
        syn::Item::Fn(f) if f.sig.ident == name && f.sig.asyncness.is_some() => Some(f),
        _ => None,
    })?;
    let attr = f.attrs.iter().find(|a| {
        let segments: Vec<String> = a
            .path()
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        segments.len() == 2
            && segments[1] == "main"
            && matches!(segments[0].as_str(), "tokio" | "async_std")
    })?;
    let range = node_range(attr);
    let path = attr
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    // The attribute alone on its line: the whole line goes (`line_end` is past its newline).
    let line_start = syntax::line_start(&src.text, range.start);
    let line_end = syntax::line_end(&src.text, range.end);
    let alone = src.text[line_start..range.start].trim().is_empty()
        && src.text[range.end..line_end].trim().is_empty();
    let (start, end) = if alone {
        (line_start, line_end)
    } else {
        let after = src.text[range.end..]
            .find(|c: char| !c.is_whitespace())
            .map_or(range.end, |i| range.end + i);
        (range.start, after)
    };
    Some((
        Edit {
            file: src.file.clone(),
            start,
            end,
            replacement: String::new(),
        },
        path,
    ))
}

fn remove_attribute_fix(src: &Source, name: &str) -> Option<Proposal> {
    let (edit, path) = main_attribute_removal(src, name)?;
    Some(Proposal::Edits(Fix {
        title: format!("Remove `#[{path}]` from `{name}`: only `main` starts the runtime"),
        applicability: Applicability::MachineApplicable,
        edits: vec![edit],
    }))
}

/// Removes a runtime's `main` attribute from the helper `async fn` the `.await` calls (the
/// attribute made it a plain fn that blocks on its own runtime; without it the helper's
/// future is awaited as written).
pub fn remove_main_attribute(input: &Input<'_>) -> Option<Proposal> {
    let (name, file) = callee_to_make_async(input)?;
    let src = Source::read(input, &file)?;
    remove_attribute_fix(&src, &name)
}

/// A plain call's value given to a spawn function (E0277 "`T` is not a future", required by
/// a bound in `…spawn…`): a helper `async fn` that a `main` attribute made plain loses the
/// attribute (machine-applicable); a call of a sync function of this file goes to the
/// runtime's blocking pool in a `move` closure (to review: the closure takes ownership of
/// what the call uses); anything else, in words.
pub fn non_future_to_spawn(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let at = span_range(span);
    let arg = exprs_where(&src, |e, r| r == at && matches!(e, Expr::Call(_))).pop();
    let callee = arg.as_ref().and_then(|a| match &a.expr {
        Expr::Call(c) => super::locate::expr_ident(&c.func),
        _ => None,
    });
    if let Some(name) = &callee {
        if let Some(fix) = remove_attribute_fix(&src, name) {
            return Some(fix);
        }
    }
    let is_sync_fn = callee.as_ref().is_some_and(|name| {
        src.ast.items.iter().any(|item| {
            matches!(item, syn::Item::Fn(f) if f.sig.ident == name.as_str() && f.sig.asyncness.is_none())
        })
    });
    let api = input.runtime();
    // The spawn call whose only argument is the value.
    let spawn_call = exprs_where(&src, |e, _| {
        matches!(e, Expr::Call(c) if c.args.len() == 1
            && node_range(&c.args[0]) == at
            && matches!(&*c.func, Expr::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident.to_string().starts_with("spawn"))))
    })
    .pop();
    if let (true, Some(blocking), Some(call)) = (is_sync_fn, api.spawn_blocking(), &spawn_call) {
        let Expr::Call(c) = &call.expr else {
            return None;
        };
        let func = node_range(&*c.func);
        return Some(Proposal::Edits(Fix {
            title: format!("Run the blocking call on the blocking pool: `{blocking}(move || …)`"),
            applicability: Applicability::MaybeIncorrect,
            edits: vec![
                Edit {
                    file: src.file.clone(),
                    start: func.start,
                    end: func.end,
                    replacement: blocking.to_string(),
                },
                Edit {
                    file: src.file.clone(),
                    start: at.start,
                    end: at.start,
                    replacement: "move || ".to_string(),
                },
            ],
        }));
    }
    Some(Proposal::InWords {
        text: "this value is already computed: the call ran on the current thread. Give the \
               spawn function a future (an `async fn` call or an `async move { … }` block), or \
               run blocking work on the runtime's blocking pool in a closure."
            .to_string(),
        lines: src.quote(&at),
    })
}

/// The combinator a bound names: `futures::FutureExt::then` → (`FutureExt`, `then`).
fn combinator(input: &Input<'_>) -> Option<(String, String)> {
    input.diagnostic.rustc.children.iter().find_map(|c| {
        let rest = c.message.strip_prefix("required by a bound in `")?;
        let path = rest.split('`').next()?;
        let mut parts = path.rsplit("::");
        let method = parts.next()?.to_string();
        let owner = parts.next()?.to_string();
        matches!(owner.as_str(), "FutureExt" | "StreamExt").then_some((owner, method))
    })
}

/// `.then(|x| …)` whose closure returns a plain value → `.map(|x| …)`: `FutureExt::map` and
/// `StreamExt::map` take the same closure and want a plain value from it. Any other
/// combinator (`for_each`, `filter`, …) has no such twin: in words.
pub fn non_future_closure(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let at = span_range(span);
    let (owner, method) = combinator(input)?;
    if method == "then" && src.slice(&at) == "then" {
        let call = exprs_where(&src, |e, _| {
            matches!(e, Expr::MethodCall(m) if m.method == "then" && node_range(&m.method) == at
                && matches!(m.args.first(), Some(Expr::Closure(c)) if c.asyncness.is_none()))
        });
        if call.len() == 1 {
            return Some(Proposal::Edits(Fix {
                title: format!(
                    "Use `map` (`{owner}::map`), which takes a closure returning a plain value"
                ),
                applicability: Applicability::MachineApplicable,
                edits: vec![Edit {
                    file: src.file.clone(),
                    start: at.start,
                    end: at.end,
                    replacement: "map".into(),
                }],
            }));
        }
    }
    Some(Proposal::InWords {
        text: format!(
            "`{owner}::{method}` awaits what its closure returns: make the closure return a \
             future (`|x| async move {{ … }}`), or use a combinator whose closure returns a \
             plain value."
        ),
        lines: src.quote(&at),
    })
}

/// `async || { … }` (or `async move || { … }`) where a future is wanted → `async { … }`
/// (`async move { … }`): the block is the future the closure would have returned. Only for a
/// closure without parameters whose body is a block.
pub fn async_closure_to_block(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let at = span_range(span);
    let found = exprs_where(&src, |e, r| {
        r == at && matches!(e, Expr::Closure(c) if c.asyncness.is_some())
    })
    .pop()?;
    let Expr::Closure(closure) = &found.expr else {
        return None;
    };
    if !closure.inputs.is_empty() || !matches!(&*closure.body, Expr::Block(_)) {
        return Some(Proposal::InWords {
            text: "an async closure returns a future only when called: where a future is \
                   wanted, write an async block (`async move { … }`) with the values it needs \
                   bound before it, or call the closure."
                .to_string(),
            lines: src.quote(&at),
        });
    }
    let body = node_range(&*closure.body);
    let keyword = if closure.capture.is_some() {
        "async move "
    } else {
        "async "
    };
    Some(Proposal::Edits(Fix {
        title: format!(
            "Write an async block (`{}{{ … }}`): it is the future itself",
            keyword
        ),
        applicability: Applicability::MachineApplicable,
        edits: vec![Edit {
            file: src.file.clone(),
            start: at.start,
            end: body.start,
            replacement: keyword.to_string(),
        }],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::locate::test_support::{add_span, diagnostic, find, input_for};
    use crate::fix::MemorySources;

    #[test]
    fn the_helper_loses_its_main_attribute() {
        let text = "#[tokio::main]\nasync fn rows() -> u32 { 3 }\n\n#[tokio::main]\nasync fn main() {\n    let n = rows().await;\n}\n";
        let mut d = diagnostic(
            "error",
            "E0277",
            "`u32` is not a future",
            "src/main.rs",
            text,
            find(text, "await", Some("rows()")),
            None,
            &[(
                "alternatively, consider making `fn rows` asynchronous",
                None,
            )],
        );
        let at = text.find("fn rows").unwrap();
        add_span(
            &mut d,
            Some(0),
            "src/main.rs",
            text,
            at..at,
            true,
            None,
            Some("async "),
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        let Some(Proposal::Edits(fix)) = remove_main_attribute(&input_for(&d, &sources, None))
        else {
            panic!("no edit")
        };
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(
            fixed.starts_with("async fn rows() -> u32 { 3 }\n\n#[tokio::main]\nasync fn main()"),
            "{fixed}"
        );
        // A helper without the attribute is not this recipe's business.
        let plain = text.replacen("#[tokio::main]\n", "", 1);
        let sources = MemorySources::default().with("src/main.rs", &plain);
        let mut d = diagnostic(
            "error",
            "E0277",
            "`u32` is not a future",
            "src/main.rs",
            &plain,
            find(&plain, "await", Some("rows()")),
            None,
            &[("consider making `fn rows` asynchronous", None)],
        );
        let at = plain.find("fn rows").unwrap();
        add_span(
            &mut d,
            Some(0),
            "src/main.rs",
            &plain,
            at..at,
            true,
            None,
            Some("async "),
        );
        assert_eq!(remove_main_attribute(&input_for(&d, &sources, None)), None);
    }

    #[test]
    fn a_plain_call_given_to_spawn() {
        use crate::context::{PackageContext, Runtime};
        let text = "fn count(t: String) -> usize { t.len() }\n\n#[tokio::main]\nasync fn rows() -> u32 { 3 }\n\nasync fn run(t: String) {\n    let a = tokio::spawn(count(t));\n    let b = tokio::spawn(rows());\n}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let pkg = PackageContext {
            name: "app".into(),
            runtimes: vec![Runtime::Tokio],
            tokio: None,
            in_workspace: false,
            trpl_run_only: false,
        };
        let d = |needle: &str| {
            diagnostic(
                "error",
                "E0277",
                "`usize` is not a future",
                "src/main.rs",
                text,
                find(text, needle, Some("async fn run")),
                None,
                &[("required by a bound in `tokio::spawn`", None)],
            )
        };
        let count = d("count(t)");
        let Some(Proposal::Edits(fix)) =
            non_future_to_spawn(&input_for(&count, &sources, Some(&pkg)))
        else {
            panic!("no edit for the sync call")
        };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(
            fixed.contains("let a = tokio::task::spawn_blocking(move || count(t));"),
            "{fixed}"
        );
        let rows = d("rows()");
        let Some(Proposal::Edits(fix)) =
            non_future_to_spawn(&input_for(&rows, &sources, Some(&pkg)))
        else {
            panic!("no edit for the attributed helper")
        };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(
            fixed.contains("\n\nasync fn rows() -> u32 { 3 }"),
            "{fixed}"
        );
        assert!(!fixed.contains("#[tokio::main]\nasync fn rows"), "{fixed}");
    }

    #[test]
    fn then_becomes_map_and_other_combinators_are_in_words() {
        let text = "fn main() {\n    let f = answer().then(|n| {\n        println!(\"{n}\");\n    });\n    let g = s.for_each(|n| println!(\"{n}\"));\n}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let d = diagnostic(
            "error",
            "E0277",
            "`()` is not a future",
            "src/main.rs",
            text,
            find(text, "then", None),
            None,
            &[("required by a bound in `futures::FutureExt::then`", None)],
        );
        let Some(Proposal::Edits(fix)) = non_future_closure(&input_for(&d, &sources, None)) else {
            panic!("no edit")
        };
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(fixed.contains("answer().map(|n| {"), "{fixed}");
        let d = diagnostic(
            "error",
            "E0277",
            "`()` is not a future",
            "src/main.rs",
            text,
            find(text, "for_each", None),
            None,
            &[(
                "required by a bound in `futures::StreamExt::for_each`",
                None,
            )],
        );
        assert!(matches!(
            non_future_closure(&input_for(&d, &sources, None)),
            Some(Proposal::InWords { .. })
        ));
    }

    #[test]
    fn an_async_closure_becomes_an_async_block() {
        for (closure, expected) in [
            (
                "async || {\n        work().await;\n    }",
                "async {\n        work().await;\n    }",
            ),
            (
                "async move || { work().await; }",
                "async move { work().await; }",
            ),
        ] {
            let text = format!("async fn main() {{\n    let h = tokio::spawn({closure});\n}}\n");
            let sources = MemorySources::default().with("src/main.rs", &text);
            let d = diagnostic(
                "error",
                "E0277",
                "`{async closure@src/main.rs:2:26: 2:34}` is not a future",
                "src/main.rs",
                &text,
                find(&text, closure, None),
                None,
                &[],
            );
            let Some(Proposal::Edits(fix)) = async_closure_to_block(&input_for(&d, &sources, None))
            else {
                panic!("no edit for {closure}")
            };
            let fixed = crate::fix::apply(&text, &fix.edits).unwrap();
            assert!(
                fixed.contains(&format!("tokio::spawn({expected})")),
                "{fixed}"
            );
        }
        // With a parameter there is no block to write without inventing its value.
        let text = "fn main() {\n    let h = tokio::spawn(async |x: u8| { x });\n}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let d = diagnostic(
            "error",
            "E0277",
            "`{async closure@src/main.rs:2:26: 2:40}` is not a future",
            "src/main.rs",
            text,
            find(text, "async |x: u8| { x }", None),
            None,
            &[],
        );
        assert!(matches!(
            async_closure_to_block(&input_for(&d, &sources, None)),
            Some(Proposal::InWords { .. })
        ));
    }
}
