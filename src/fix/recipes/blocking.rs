//! Blocking work in async code and accept loops that serve one client at a time:
//! `async_twin` (a blocking std call → the runtime's async twin with `.await`, or the
//! runtime's blocking pool around it) and `spawn_handler` (the handling of an accepted
//! connection → the runtime's spawn with `async move`).
//!
//! A twin is written only when it returns the same type as the std call (`tokio::fs::File` is
//! not a `std::fs::File`, so `File::open` gets the blocking pool instead), and only for the
//! runtime the package uses. Tokio's twins need features (`time`, `fs`, `rt`): when the
//! package lacks one, the fix edits `Cargo.toml` too, or declines.

use std::ops::Range;

use syn::Expr;

use super::locate::{
    exprs_where, idents_in, locals_in, short, span_range, uses_of, wrap_postfix, Located, Source,
};
use super::manifest::tokio_feature_edits;
use crate::context::Runtime;
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal, RuntimeApi};
use crate::lints::resolve::{join, Resolver, UseScope};

/// `std::fs` functions whose async twins (tokio, smol's async-fs, async-std) take the same
/// arguments and return the same `io::Result<T>` (checked in tokio 1.54, async-fs 2.2 and
/// async-std 1.13).
const FS_SAME_TYPE: &[&str] = &[
    "copy",
    "create_dir",
    "create_dir_all",
    "metadata",
    "read",
    "read_to_string",
    "remove_dir",
    "remove_dir_all",
    "remove_file",
    "rename",
    "write",
];

/// An async twin: the path to call, the tokio feature it needs, and whether its output
/// differs from the std call's `()` (so it may only stand as a statement).
struct Twin {
    path: String,
    tokio_feature: Option<&'static str>,
    statement_only: bool,
}

fn twin(api: &RuntimeApi, std_path: &str) -> Option<Twin> {
    let tokio_feature = |feature| (api.runtime == Runtime::Tokio).then_some(feature);
    if std_path == "std::thread::sleep" {
        return Some(Twin {
            path: api.sleep()?.to_string(),
            tokio_feature: tokio_feature("time"),
            // smol's `Timer` resolves to the `Instant` it fired at, not `()`.
            statement_only: api.runtime == Runtime::Smol,
        });
    }
    let name = std_path.strip_prefix("std::fs::")?;
    if !FS_SAME_TYPE.contains(&name) {
        return None;
    }
    let path = match api.fs() {
        Some(module) => format!("{module}::{name}"),
        // trpl 0.3 has no `fs` module but re-exports `tokio::fs::read_to_string`.
        None if api.runtime == Runtime::Trpl && name == "read_to_string" => {
            "trpl::read_to_string".to_string()
        }
        None => return None,
    };
    Some(Twin {
        path,
        tokio_feature: tokio_feature("fs"),
        statement_only: false,
    })
}

/// The blocking call a diagnostic is about: our own finding (its primary span is the call, or
/// for a method the part from the method name on) or rustc's "`T` is not a future" (its
/// "this call returns" label is the call).
struct Call {
    located: Located,
    /// The called function's full path after `use` resolution, for a path call.
    path: Option<String>,
    /// The callee expression's range (the path), for a path call.
    func: Option<Range<usize>>,
    /// Whether `.await` already follows the call (rustc's E0277 case).
    awaited: bool,
}

fn find_call(input: &Input<'_>, src: &Source, primary: &Range<usize>) -> Option<Call> {
    let diag = &input.diagnostic.rustc;
    let (target, awaited) = if diag.message.ends_with("is not a future") {
        let span = diag.spans.iter().find(|s| {
            s.label
                .as_deref()
                .is_some_and(|l| l.starts_with("this call returns"))
        })?;
        (span_range(span), true)
    } else {
        (primary.clone(), false)
    };
    let located = exprs_where(src, |e, r| match e {
        Expr::Call(_) => r == target,
        Expr::MethodCall(m) => {
            r == target || (node_range(&m.method).start == target.start && r.end == target.end)
        }
        _ => false,
    })
    .pop()?;
    let mut resolver = Resolver::default();
    resolver.push(UseScope::from_items(&src.ast.items, false));
    let (path, func) = match &located.expr {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) if p.qself.is_none() => (
                resolver.resolve_path(&p.path).map(|p| join(&p)),
                Some(node_range(&*c.func)),
            ),
            _ => (None, None),
        },
        _ => (None, None),
    };
    Some(Call {
        located,
        path,
        func,
        awaited,
    })
}

/// The first segment of a path call's callee (`fs` in `fs::read(..)`).
fn first_segment(call: &Expr) -> Option<String> {
    let Expr::Call(c) = call else { return None };
    let Expr::Path(p) = &*c.func else { return None };
    (p.path.leading_colon.is_none())
        .then(|| p.path.segments.first().map(|s| s.ident.to_string()))
        .flatten()
}

/// When the callee's first segment `name` came from a top-level `use` item that nothing else
/// in the file uses, the edit deleting that item (a `use` left behind would warn). `Some(None)`:
/// nothing to remove; `None`: the import would be left unused but is part of a group we do not
/// edit.
fn import_left_unused(src: &Source, name: &str, callee: &Range<usize>) -> Option<Option<Edit>> {
    let item = src.ast.items.iter().find_map(|item| match item {
        syn::Item::Use(u) if use_names(&u.tree).iter().any(|n| n == name) => Some(u),
        _ => None,
    });
    let Some(item) = item else {
        return Some(None);
    };
    let item_range = node_range(item);
    let others = uses_of(src, name, &(0..src.text.len()))
        .into_iter()
        .filter(|r| !syntax::contains(&item_range, r) && !syntax::contains(callee, r))
        .count();
    if others > 0 {
        return Some(None);
    }
    if use_names(&item.tree).len() != 1 || !matches!(item.vis, syn::Visibility::Inherited) {
        return None;
    }
    let start = syntax::line_start(&src.text, item_range.start);
    let end = syntax::line_end(&src.text, item_range.end);
    if !src.text[start..item_range.start].trim().is_empty()
        || !src.text[item_range.end..end].trim().is_empty()
    {
        return None;
    }
    Some(Some(Edit {
        file: src.file.clone(),
        start,
        end,
        replacement: String::new(),
    }))
}

/// The local names a `use` tree brings in.
fn use_names(tree: &syn::UseTree) -> Vec<String> {
    match tree {
        syn::UseTree::Path(p) => use_names(&p.tree),
        syn::UseTree::Name(n) if n.ident == "self" => Vec::new(),
        syn::UseTree::Name(n) => vec![n.ident.to_string()],
        syn::UseTree::Rename(r) => vec![r.rename.to_string()],
        syn::UseTree::Glob(_) => Vec::new(),
        syn::UseTree::Group(g) => g.items.iter().flat_map(use_names).collect(),
    }
}

/// Whether the text right after `range` ends the statement (`;`).
fn is_statement(src: &Source, range: &Range<usize>) -> bool {
    src.text[range.end..].trim_start().starts_with(';')
}

/// The Cargo.toml edits for a tokio feature the fix needs, or `None` when it is missing and
/// cannot be added.
fn feature_edits(input: &Input<'_>, feature: Option<&str>) -> Option<Vec<Edit>> {
    let api = input.runtime();
    match feature {
        Some(f) if api.runtime == Runtime::Tokio && !api.tokio_has(f) => {
            let (edits, _) = tokio_feature_edits(input, &[f])?;
            (!edits.is_empty()).then_some(edits)
        }
        _ => Some(Vec::new()),
    }
}

/// Replaces a blocking std call with its async twin, or runs it on the runtime's blocking
/// pool, awaiting the result either way.
pub fn async_twin(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let primary = span_range(span);
    let call = find_call(input, &src, &primary)?;
    if !call.located.frame.is_async() {
        return None;
    }
    let api = input.runtime();
    let range = call.located.range.clone();
    let api_name = call
        .path
        .clone()
        .or_else(|| input.captures.get("api").cloned())
        .unwrap_or_else(|| short(src.slice(&range)));
    if let (Some(path), Some(func)) = (&call.path, &call.func) {
        if let Some(twin) = twin(&api, path) {
            let statement = is_statement(&src, &range);
            if !twin.statement_only || statement {
                let mut edits = feature_edits(input, twin.tokio_feature)?;
                edits.push(Edit {
                    file: src.file.clone(),
                    start: func.start,
                    end: func.end,
                    replacement: twin.path.clone(),
                });
                let mut tidy = true;
                if let Some(first) = first_segment(&call.located.expr) {
                    match import_left_unused(&src, &first, func) {
                        Some(Some(removal)) => edits.push(removal),
                        Some(None) => {}
                        None => tidy = false,
                    }
                }
                if !call.awaited {
                    let (before, after) = wrap_postfix(&call.located.expr, ".await");
                    debug_assert!(before.is_empty(), "a call takes a postfix as it is");
                    edits.push(Edit {
                        file: src.file.clone(),
                        start: range.end,
                        end: range.end,
                        replacement: after,
                    });
                }
                // async-std's twins take `AsRef<async_std::path::Path>`, which std's `Path`
                // and `PathBuf` do not implement: sure only for string literals.
                let literal_args = match &call.located.expr {
                    Expr::Call(c) => c.args.iter().all(|a| matches!(a, Expr::Lit(_))),
                    _ => false,
                };
                let sure = tidy
                    && (api.runtime != Runtime::AsyncStd
                        || literal_args
                        || path == "std::thread::sleep");
                return Some(Proposal::Edits(Fix {
                    title: format!("Use `{}` instead of the blocking `{api_name}`", twin.path),
                    applicability: if sure {
                        Applicability::MachineApplicable
                    } else {
                        Applicability::MaybeIncorrect
                    },
                    edits,
                }));
            }
        }
    }
    if call.awaited {
        return None;
    }
    blocking_pool(input, &src, &call, &api, &api_name)
}

/// `spawn_blocking(move || call).await`: only when every local the call uses can move into
/// the closure (owned, not used after the call, not borrowed from the caller).
fn blocking_pool(
    input: &Input<'_>,
    src: &Source,
    call: &Call,
    api: &RuntimeApi,
    api_name: &str,
) -> Option<Proposal> {
    let range = &call.located.range;
    let Some(pool) = api.spawn_blocking() else {
        return Some(blocking_words(src, range, api_name, api));
    };
    let Some(item) = &call.located.item else {
        return None;
    };
    let fn_locals = locals_in(src, &item.range);
    let used: Vec<String> = idents_in(src, range)
        .into_iter()
        .filter(|n| fn_locals.contains(n))
        .collect();
    let params: Vec<String> = item
        .sig
        .inputs
        .iter()
        .flat_map(|arg| match arg {
            syn::FnArg::Receiver(_) => vec!["self".to_string()],
            syn::FnArg::Typed(t) => super::locate::pat_names(&t.pat),
        })
        .collect();
    for name in &used {
        let later = uses_of(src, name, &(range.end..call.located.frame_range.end));
        // A parameter may be a reference; a closure on the pool must own what it uses.
        if params.contains(name) || !later.is_empty() {
            return Some(blocking_words(src, range, api_name, api));
        }
    }
    let mut edits = feature_edits(input, Some("rt"))?;
    // tokio's handle resolves to `Result<T, JoinError>` (Err only if the closure panicked);
    // smol's and async-std's resolve to `T`.
    let unwrap = if api.runtime == Runtime::Tokio {
        ".unwrap()"
    } else {
        ""
    };
    edits.push(Edit {
        file: src.file.clone(),
        start: range.start,
        end: range.start,
        replacement: format!("{pool}(move || "),
    });
    edits.push(Edit {
        file: src.file.clone(),
        start: range.end,
        end: range.end,
        replacement: format!(").await{unwrap}"),
    });
    Some(Proposal::Edits(Fix {
        title: format!("Run the blocking `{api_name}` on `{pool}` and await it"),
        // The closure must be `Send + 'static`, which the syntax alone cannot show.
        applicability: Applicability::MaybeIncorrect,
        edits,
    }))
}

fn blocking_words(
    src: &Source,
    range: &Range<usize>,
    api_name: &str,
    api: &RuntimeApi,
) -> Proposal {
    let call = short(src.slice(range));
    let text = match api.spawn_blocking() {
        Some(pool) => format!(
            "`{call}` blocks the thread that runs this task. Run it on the blocking pool with \
             `{pool}(move || …)` and await the handle; the closure must own what it uses, so \
             clone or convert borrowed values (a `&str` path to a `String`) before it."
        ),
        None => format!(
            "`{call}` blocks the thread that runs this task, and {} has no blocking pool to \
             move it to: do the blocking work on a `std::thread::spawn` thread and send the \
             result back over a channel the task awaits.",
            api.runtime.name()
        ),
    };
    let _ = api_name;
    Proposal::InWords {
        text,
        lines: src.quote(range),
    }
}

/// The statement holding `inner`, directly inside a block that `within` contains: the
/// statement's range and whether it ends with `;`.
fn statement_around(
    src: &Source,
    inner: &Range<usize>,
    within: &Range<usize>,
) -> Option<(Range<usize>, syn::Stmt)> {
    use syn::visit::Visit;
    struct Find<'r> {
        inner: &'r Range<usize>,
        within: &'r Range<usize>,
        best: Option<(Range<usize>, syn::Stmt)>,
    }
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_block(&mut self, b: &'ast syn::Block) {
            if syntax::contains(self.within, &node_range(b)) {
                for stmt in &b.stmts {
                    let r = node_range(stmt);
                    if syntax::contains(&r, self.inner) {
                        self.best = Some((r, stmt.clone()));
                    }
                }
            }
            syn::visit::visit_block(self, b);
        }
    }
    let mut find = Find {
        inner,
        within,
        best: None,
    };
    find.visit_file(&src.ast);
    find.best
}

/// In a sequential accept loop, spawns the handling of the accepted connection.
pub fn spawn_handler(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let hit = span_range(span);
    let api = input.runtime();
    let located = exprs_where(&src, |e, r| matches!(e, Expr::Await(_)) && r == hit).pop()?;
    if !located.frame.is_async() {
        return None;
    }
    let loop_body = located.loops.last()?.clone();
    let (stmt_range, stmt) = statement_around(&src, &hit, &loop_body)?;
    let Some(spawn) = api.spawn() else {
        return Some(accept_words(
            &src,
            &stmt_range,
            "the runtime has no spawn function",
        ));
    };
    // What goes into the task: the statement, without a trailing `?` on the awaited handling
    // (inside the task there is no caller to return the error to): the result becomes the
    // task's output, so no `Result` is left unused.
    let (inner, dropped_question) = match &stmt {
        syn::Stmt::Expr(Expr::Try(t), Some(_)) if matches!(&*t.expr, Expr::Await(a) if node_range(a) == hit) => {
            (src.slice(&node_range(&*t.expr)).to_string(), true)
        }
        syn::Stmt::Expr(_, _) => (src.slice(&stmt_range).to_string(), false),
        _ => {
            return Some(accept_words(
                &src,
                &stmt_range,
                "its result is used after it",
            ))
        }
    };
    if !dropped_question && src.slice(&stmt_range).contains('?') {
        return Some(accept_words(
            &src,
            &stmt_range,
            "it returns errors with `?`",
        ));
    }
    // The loop (with its `while let` / `for` pattern) is where the connection is bound. Every
    // local the statement uses must be bound there, before the statement, and not used after
    // it: the task takes it.
    let Some(item) = &located.item else {
        return None;
    };
    let fn_locals = locals_in(&src, &item.range);
    let loop_expr = exprs_where(&src, |e, r| {
        matches!(e, Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_))
            && syntax::contains(&r, &loop_body)
            && r.end == loop_body.end
    })
    .pop()?;
    let in_loop = locals_in(&src, &(loop_expr.range.start..stmt_range.start));
    let in_stmt = locals_in(&src, &stmt_range);
    for name in idents_in(&src, &stmt_range) {
        if !fn_locals.contains(&name) || in_stmt.contains(&name) {
            continue;
        }
        if !in_loop.contains(&name) {
            return Some(accept_words(
                &src,
                &stmt_range,
                &format!("it uses `{name}`, which lives outside the loop"),
            ));
        }
        if !uses_of(&src, &name, &(stmt_range.end..loop_body.end)).is_empty() {
            return Some(accept_words(
                &src,
                &stmt_range,
                &format!("`{name}` is used after it"),
            ));
        }
    }
    let mut edits = feature_edits(input, Some("rt"))?;
    let indent = syntax::indent_at(&src.text, stmt_range.start).to_string();
    let mut body = String::new();
    for (i, line) in inner.lines().enumerate() {
        if i > 0 {
            body.push('\n');
        }
        if line.trim().is_empty() {
            continue;
        }
        body.push_str(&indent);
        body.push_str("    ");
        body.push_str(line.strip_prefix(indent.as_str()).unwrap_or(line));
    }
    // smol's `Task` cancels its future when dropped; `detach` lets it run on.
    let detach = if api.runtime == Runtime::Smol {
        ".detach()"
    } else {
        ""
    };
    let replacement = format!("{spawn}(async move {{\n{body}\n{indent}}}){detach};");
    edits.push(Edit {
        file: src.file.clone(),
        start: stmt_range.start,
        end: stmt_range.end,
        replacement,
    });
    let var = input
        .captures
        .get("var")
        .cloned()
        .unwrap_or_else(|| "the connection".into());
    let mut title = format!("Handle `{var}` in a task of its own (`{spawn}`)");
    if dropped_question {
        title.push_str(": its error no longer ends the loop");
    }
    Some(Proposal::Edits(Fix {
        title,
        // Concurrency changes what the program does (and the task must be `Send + 'static`).
        applicability: Applicability::MaybeIncorrect,
        edits,
    }))
}

fn accept_words(src: &Source, stmt: &Range<usize>, why: &str) -> Proposal {
    Proposal::InWords {
        text: format!(
            "move the handling of the accepted connection into a task of its own (the \
             runtime's spawn with an `async move` block), so the loop returns to `accept()` \
             at once; it cannot be wrapped as it stands because {why}: give the task owned \
             values (clone an `Arc` of shared state before spawning)."
        ),
        lines: src.quote(stmt),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::PackageContext;
    use crate::fix::recipes::locate::test_support::{diagnostic, input_for};
    use crate::fix::MemorySources;

    fn pkg(rt: Runtime) -> PackageContext {
        PackageContext {
            name: "app".into(),
            runtimes: vec![rt],
            tokio: None,
            in_workspace: false,
            trpl_run_only: false,
        }
    }

    fn lint(text: &str, needle: &str) -> crate::diagnostic::Diagnostic {
        let start = text.find(needle).unwrap();
        diagnostic(
            "warning",
            "explain_async::blocking_call_in_async",
            "blocking call in async fn `f`",
            "src/main.rs",
            text,
            start..start + needle.len(),
            None,
            &[],
        )
    }

    #[test]
    fn sleep_becomes_each_runtimes_sleep() {
        let text = "use std::time::Duration;\nasync fn f() {\n    std::thread::sleep(Duration::from_millis(5));\n}\n";
        let d = lint(text, "std::thread::sleep(Duration::from_millis(5))");
        let sources = MemorySources::default().with("src/main.rs", text);
        for (rt, line) in [
            (
                Runtime::Tokio,
                "    tokio::time::sleep(Duration::from_millis(5)).await;",
            ),
            (
                Runtime::Smol,
                "    smol::Timer::after(Duration::from_millis(5)).await;",
            ),
            (
                Runtime::AsyncStd,
                "    async_std::task::sleep(Duration::from_millis(5)).await;",
            ),
            (
                Runtime::Trpl,
                "    trpl::sleep(Duration::from_millis(5)).await;",
            ),
        ] {
            let p = pkg(rt);
            let Some(Proposal::Edits(fix)) = async_twin(&input_for(&d, &sources, Some(&p))) else {
                panic!("{rt:?}: no edit");
            };
            let fixed = crate::fix::apply(text, &fix.edits).unwrap();
            assert_eq!(fixed.lines().nth(2).unwrap(), line);
        }
        // futures alone has neither a timer nor a blocking pool.
        let p = pkg(Runtime::Futures);
        assert!(matches!(
            async_twin(&input_for(&d, &sources, Some(&p))),
            Some(Proposal::InWords { .. })
        ));
    }

    fn accept(text: &str, needle: &str) -> Option<Proposal> {
        use crate::fix::recipes::locate::test_support::find;
        let d = diagnostic(
            "warning",
            "explain_async::sequential_accept_loop",
            "accept loop awaits the handling of `s` before accepting the next connection",
            "src/main.rs",
            text,
            find(text, needle, None),
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        let p = pkg(Runtime::Smol);
        spawn_handler(&input_for(&d, &sources, Some(&p)))
    }

    #[test]
    fn accept_loop_spawns_with_detach_under_smol_and_declines_on_outer_state() {
        let text = "async fn serve(l: L) {\n    loop {\n        let (s, _) = l.accept().await.unwrap();\n        handle(s).await;\n    }\n}\n";
        let Some(Proposal::Edits(fix)) = accept(text, "handle(s).await") else {
            panic!("no edit")
        };
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(fixed.contains("        smol::spawn(async move {\n            handle(s).await;\n        }).detach();\n"), "{fixed}");
        // `log` lives outside the loop: moving it into the first task would break the loop.
        let text = "async fn serve(l: L, log: Log) {\n    loop {\n        let (s, _) = l.accept().await.unwrap();\n        handle(s, log).await;\n    }\n}\n";
        let Some(Proposal::InWords { text: words, .. }) = accept(text, "handle(s, log).await")
        else {
            panic!("expected words")
        };
        assert!(words.contains("`log`"), "{words}");
    }

    #[test]
    fn a_borrowed_argument_cannot_move_to_the_pool() {
        let text = "async fn f(path: &str) {\n    let file = std::fs::File::open(path);\n}\n";
        let d = lint(text, "std::fs::File::open(path)");
        let sources = MemorySources::default().with("src/main.rs", text);
        let p = pkg(Runtime::Tokio);
        let Some(Proposal::InWords { text, lines }) =
            async_twin(&input_for(&d, &sources, Some(&p)))
        else {
            panic!("expected words");
        };
        assert!(text.contains("tokio::task::spawn_blocking"), "{text}");
        assert_eq!(lines[0].number, 2);
    }
}
