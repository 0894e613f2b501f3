//! Streams: `import_stream_ext` (a stream method called while no `StreamExt` is in scope,
//! E0599: the `use` line rustc lists for a crate the package really depends on),
//! `pin_stream` (`.next()` on a stream that is not `Unpin`, E0277: the stream's `let`
//! initializer wrapped in `std::pin::pin!`), `stream_loop_in_words` (`for x in stream`: the
//! `while let` line to write) and `receiver_recv` (a tokio `mpsc` receiver read with `.next()`
//! or `for`: `recv()`).
//!
//! rustc lists every trait that would provide the method, also through crates the package
//! only depends on indirectly (`use futures_util::stream::stream::StreamExt;` under trpl),
//! so the candidate is chosen by the package's own `[dependencies]` in its `Cargo.toml`.

use syn::Expr;

use super::locate::{binding_before, expr_ident, exprs_where, span_range, Source};
use crate::fix::syntax;
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// The crate names (as paths spell them, `-` → `_`) of a manifest's `[dependencies]`.
fn direct_dependencies(manifest: &str) -> Option<Vec<String>> {
    let table: toml::Table = manifest.parse().ok()?;
    let deps = table.get("dependencies")?.as_table()?;
    Some(deps.keys().map(|k| k.replace('-', "_")).collect())
}

/// Roots a `use` path may start with that need no dependency.
const LOCAL_ROOTS: &[&str] = &["crate", "self", "super", "std", "core", "alloc"];

/// The first path segment of `use a::b::C;` (`a`).
fn use_root(line: &str) -> Option<&str> {
    let path = line.trim().strip_prefix("use ")?;
    let path = path.strip_prefix("::").unwrap_or(path);
    path.split("::").next().filter(|s| !s.is_empty())
}

/// The `use …;` line rustc suggests, trimmed: `use futures::StreamExt;`.
fn use_path(line: &str) -> Option<&str> {
    let l = line.trim();
    (l.starts_with("use ") && l.ends_with(';')).then_some(l)
}

/// E0599 "trait `StreamExt` which provides `next` is implemented but not in scope" (or "the
/// following traits which provide `next`…"): rustc's `use` insertion for the candidate from
/// a crate in the package's `[dependencies]`, preferring the crate the stream's type comes
/// from. Without a readable manifest, rustc's only candidate, marked as maybe.
pub fn import_stream_ext(input: &Input<'_>) -> Option<Proposal> {
    let (_, src) = Source::primary(input)?;
    let diag = &input.diagnostic.rustc;
    let child = diag.children.iter().find(|c| {
        c.message.contains("implemented but not in scope") && c.message.contains("which provide")
    })?;
    let candidates: Vec<_> = child
        .spans
        .iter()
        .filter(|s| s.file_name == src.file)
        .filter_map(|s| {
            let text = s.suggested_replacement.as_deref()?;
            let path = use_path(text)?;
            path.contains("Stream").then_some((s, text, path))
        })
        .collect();
    let deps = input
        .diagnostic
        .manifest_path
        .as_deref()
        .and_then(|m| input.sources.read(m))
        .and_then(|m| direct_dependencies(&m));
    // The crate the receiver's type is from: `for struct `futures::stream::Iter<I>``.
    let type_root = diag
        .message
        .split('`')
        .nth(3)
        .and_then(|ty| ty.split("::").next())
        .filter(|r| !r.contains('<'))
        .map(str::to_string);
    let usable: Vec<_> = candidates
        .iter()
        .filter(|(_, _, path)| {
            use_root(path).is_some_and(|root| {
                LOCAL_ROOTS.contains(&root)
                    || deps
                        .as_ref()
                        .is_some_and(|d| d.iter().any(|dep| dep == root))
            })
        })
        .collect();
    let (chosen, applicability) = match (&deps, usable.as_slice(), candidates.as_slice()) {
        (None, _, [only]) => (only, Applicability::MaybeIncorrect),
        (Some(_), [], _) | (None, _, _) => return None,
        (Some(_), usable, _) => (
            usable
                .iter()
                .find(|(_, _, p)| use_root(p).map(str::to_string) == type_root)
                .copied()
                .unwrap_or(usable[0]),
            Applicability::MachineApplicable,
        ),
    };
    let (span, text, path) = chosen;
    let at = span_range(span);
    let trait_path = path.trim_start_matches("use ").trim_end_matches(';');
    Some(Proposal::Edits(Fix {
        title: format!("Import `{trait_path}`, which provides the stream's methods"),
        applicability,
        edits: vec![Edit {
            file: src.file.clone(),
            start: at.start,
            end: at.end,
            replacement: text.to_string(),
        }],
    }))
}

/// E0277 "… cannot be unpinned" required by `StreamExt::next` (or another `Unpin`-bound
/// stream method): the receiver's `let` initializer wrapped in `std::pin::pin!`, so the local
/// is a `Pin<&mut S>`, which is `Unpin` and a stream itself. Only when the receiver is a plain
/// local bound in the same function before the call.
pub fn pin_stream(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let primary = span_range(span);
    // The method call under the span, or the call whose `.await` the span is.
    let call = exprs_where(&src, |e, r| {
        matches!(e, Expr::MethodCall(_)) && syntax::contains(&r, &primary)
    })
    .pop()
    .or_else(|| {
        let awaited = exprs_where(&src, |e, r| {
            matches!(e, Expr::Await(a) if matches!(&*a.base, Expr::MethodCall(_)))
                && syntax::contains(&r, &primary)
        })
        .pop()?;
        let Expr::Await(a) = &awaited.expr else {
            return None;
        };
        exprs_where(&src, |_, r| r == syntax::node_range(&*a.base)).pop()
    })?;
    let Expr::MethodCall(m) = &call.expr else {
        return None;
    };
    let name = expr_ident(&m.receiver)?;
    let binding = binding_before(&src, &name, &call.frame_range, call.range.start)?;
    let init = src.slice(&binding.init);
    if init.contains("pin!(") || init.starts_with("Box::pin(") {
        return None;
    }
    Some(Proposal::Edits(Fix {
        title: format!("Pin the stream `{name}` with `std::pin::pin!` where it is made"),
        applicability: Applicability::MachineApplicable,
        edits: vec![
            Edit {
                file: src.file.clone(),
                start: binding.init.start,
                end: binding.init.start,
                replacement: "std::pin::pin!(".into(),
            },
            Edit {
                file: src.file.clone(),
                start: binding.init.end,
                end: binding.init.end,
                replacement: ")".into(),
            },
        ],
    }))
}

/// The `StreamExt` a package would import, from its direct dependencies (`None` when the
/// manifest cannot be read or names none of these crates).
fn stream_ext_for(input: &Input<'_>) -> Option<&'static str> {
    let deps = input
        .diagnostic
        .manifest_path
        .as_deref()
        .and_then(|m| input.sources.read(m))
        .and_then(|m| direct_dependencies(&m))?;
    [
        ("trpl", "trpl::StreamExt"),
        ("futures", "futures::StreamExt"),
        ("tokio_stream", "tokio_stream::StreamExt"),
        ("smol", "smol::stream::StreamExt"),
        ("futures_lite", "futures_lite::StreamExt"),
        ("async_std", "async_std::stream::StreamExt"),
    ]
    .into_iter()
    .find(|(dep, _)| deps.iter().any(|d| d == dep))
    .map(|(_, path)| path)
}

/// E0277 "`…Stream…` is not an iterator" for `for pat in stream`: the `while let` line to
/// write instead, in words (the stream must also be a `let mut` local and a `StreamExt`
/// imported, which the user may do differently).
pub fn stream_loop_in_words(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let primary = span_range(span);
    let found = exprs_where(&src, |e, r| {
        matches!(e, Expr::ForLoop(f) if syntax::contains(&syntax::node_range(&*f.expr), &primary)
            || syntax::contains(&primary, &syntax::node_range(&*f.expr)))
            && syntax::contains(&r, &primary)
    })
    .pop()?;
    let Expr::ForLoop(f) = &found.expr else {
        return None;
    };
    let pat = src.slice(&syntax::node_range(&*f.pat)).to_string();
    let stream = src.slice(&syntax::node_range(&*f.expr)).to_string();
    let head = found.range.start..syntax::node_range(&f.body).start;
    let import = stream_ext_for(input).map_or_else(
        || "a `StreamExt` trait (from `futures`, `tokio-stream` or `trpl`)".to_string(),
        |p| format!("`use {p};`"),
    );
    let target = if expr_ident(&f.expr).is_some() {
        format!("`{stream}` bound with `let mut`")
    } else {
        format!("`{stream}` first bound to a `let mut` local, which the loop then polls")
    };
    Some(Proposal::InWords {
        text: format!(
            "Write `while let Some({pat}) = {stream}.next().await {{` instead of the `for` \
             line, with {target} and {import} in scope."
        ),
        lines: src.quote(&head),
    })
}

/// Whether the file uses tokio's `mpsc` (whose receivers have `recv() -> Option<T>`).
fn uses_tokio_mpsc(src: &Source) -> bool {
    src.text.contains("tokio::sync::mpsc") || src.text.contains("use tokio::sync::{")
}

/// A tokio `mpsc` receiver read as a stream or an iterator: `.next()` (E0599) becomes
/// `.recv()` (same `&mut self`, same `Option<T>` output); `for v in rx` (E0277) gets the
/// `while let` line in words (the receiver must also become `mut`, where it is bound).
pub fn receiver_recv(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    if !uses_tokio_mpsc(&src) {
        return None;
    }
    let at = span_range(span);
    if input.diagnostic.code() == Some("E0599") {
        if src.slice(&at) != "next" {
            return None;
        }
        return Some(Proposal::Edits(Fix {
            title: "Receive with `recv()` instead of `next()`".into(),
            applicability: Applicability::MachineApplicable,
            edits: vec![Edit {
                file: src.file.clone(),
                start: at.start,
                end: at.end,
                replacement: "recv".into(),
            }],
        }));
    }
    let found = exprs_where(&src, |e, r| {
        matches!(e, Expr::ForLoop(f) if syntax::contains(&syntax::node_range(&*f.expr), &at)
            || syntax::contains(&at, &syntax::node_range(&*f.expr)))
            && syntax::contains(&r, &at)
    })
    .pop()?;
    let Expr::ForLoop(f) = &found.expr else {
        return None;
    };
    let pat = src.slice(&syntax::node_range(&*f.pat)).to_string();
    let rx = src.slice(&syntax::node_range(&*f.expr)).to_string();
    let head = found.range.start..syntax::node_range(&f.body).start;
    Some(Proposal::InWords {
        text: format!(
            "Write `while let Some({pat}) = {rx}.recv().await {{` instead of the `for` line, \
             and bind `{rx}` as `mut` where it is declared."
        ),
        lines: src.quote(&head),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::locate::test_support::{diagnostic, find, input_for};
    use crate::fix::MemorySources;

    const TEXT: &str = "use futures::stream;\n\nasync fn f() {\n    let mut s = stream::iter(vec![1]);\n    while let Some(x) = s.next().await {}\n}\n";

    fn import_diag(suggestions: &[&str], plural: bool) -> crate::diagnostic::Diagnostic {
        let at = find(TEXT, "\nasync", None).start + 1;
        let message = if plural {
            "the following traits which provide `next` are implemented but not in scope; perhaps you want to import one of them"
        } else {
            "trait `StreamExt` which provides `next` is implemented but not in scope; perhaps you want to import it"
        };
        let children: Vec<(&str, Option<(usize, &str)>)> = suggestions
            .iter()
            .map(|s| (message, Some((at, *s))))
            .collect();
        let mut d = diagnostic(
            "error",
            "E0599",
            "no method named `next` found for struct `futures::stream::Iter<I>` in the current scope",
            "src/main.rs",
            TEXT,
            find(TEXT, "next", None),
            None,
            &children,
        );
        // One child holding every suggestion, as rustc writes it.
        let spans: Vec<_> = d
            .rustc
            .children
            .iter()
            .flat_map(|c| c.spans.clone())
            .collect();
        d.rustc.children.truncate(1);
        d.rustc.children[0].spans = spans;
        d.manifest_path = Some("/app/Cargo.toml".into());
        d
    }

    fn chosen(
        d: &crate::diagnostic::Diagnostic,
        manifest: Option<&str>,
    ) -> Option<(String, Applicability)> {
        let mut sources = MemorySources::default().with("src/main.rs", TEXT);
        if let Some(m) = manifest {
            sources = sources.with("/app/Cargo.toml", m);
        }
        match import_stream_ext(&input_for(d, &sources, None))? {
            Proposal::Edits(f) => Some((f.edits[0].replacement.clone(), f.applicability)),
            Proposal::InWords { .. } => None,
        }
    }

    #[test]
    fn picks_the_candidate_of_a_direct_dependency() {
        let d = import_diag(
            &[
                "use futures_util::stream::stream::StreamExt;\n",
                "use trpl::StreamExt;\n",
            ],
            true,
        );
        let manifest = "[package]\nname = \"app\"\n\n[dependencies]\ntrpl = \"0.3\"\n";
        assert_eq!(
            chosen(&d, Some(manifest)),
            Some((
                "use trpl::StreamExt;\n".into(),
                Applicability::MachineApplicable
            ))
        );
        // Neither candidate's crate is a dependency: no guess.
        let manifest = "[dependencies]\nsmol = \"2\"\n";
        assert_eq!(chosen(&d, Some(manifest)), None);
        // No manifest and two candidates: no guess either.
        assert_eq!(chosen(&d, None), None);
    }

    #[test]
    fn prefers_the_crate_of_the_stream_type_and_reads_renamed_crates() {
        let d = import_diag(
            &[
                "use tokio_stream::StreamExt;\n",
                "use futures::StreamExt;\n",
            ],
            true,
        );
        let manifest = "[dependencies]\ntokio-stream = \"0.1\"\nfutures = \"0.3\"\n";
        assert_eq!(
            chosen(&d, Some(manifest)).unwrap().0,
            "use futures::StreamExt;\n"
        );
        let manifest = "[dependencies]\ntokio-stream = \"0.1\"\n";
        assert_eq!(
            chosen(&d, Some(manifest)).unwrap().0,
            "use tokio_stream::StreamExt;\n"
        );
    }

    #[test]
    fn a_single_candidate_without_manifest_is_only_maybe() {
        let d = import_diag(&["use futures::StreamExt;\n"], false);
        assert_eq!(
            chosen(&d, None),
            Some((
                "use futures::StreamExt;\n".into(),
                Applicability::MaybeIncorrect
            ))
        );
    }

    #[test]
    fn a_tokio_receiver_gets_recv_and_others_nothing() {
        let text = "use tokio::sync::mpsc;\nasync fn f(mut rx: mpsc::Receiver<u8>) {\n    while let Some(v) = rx.next().await {}\n}\n";
        let d = diagnostic(
            "error",
            "E0599",
            "no method named `next` found for struct `tokio::sync::mpsc::Receiver<T>` in the current scope",
            "src/main.rs",
            text,
            find(text, "next", None),
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        let Some(Proposal::Edits(fix)) = receiver_recv(&input_for(&d, &sources, None)) else {
            panic!("expected an edit")
        };
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(fixed.contains("rx.recv().await"), "{fixed}");
        // A receiver from another crate (its `recv` returns a `Result`): no edit.
        let other = text.replace("tokio::sync::mpsc", "futures::channel::mpsc");
        let d = diagnostic(
            "error",
            "E0599",
            "no method named `next` found for struct `Receiver<T>` in the current scope",
            "src/main.rs",
            &other,
            find(&other, "next", None),
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", &other);
        assert_eq!(receiver_recv(&input_for(&d, &sources, None)), None);
    }

    #[test]
    fn pins_the_stream_binding_once() {
        let d = diagnostic(
            "error",
            "E0277",
            "`{async block@src/main.rs:4:46: 4:56}` cannot be unpinned",
            "src/main.rs",
            TEXT,
            find(TEXT, "s.next()", None),
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", TEXT);
        let Some(Proposal::Edits(fix)) = pin_stream(&input_for(&d, &sources, None)) else {
            panic!("expected edits");
        };
        let fixed = crate::fix::apply(TEXT, &fix.edits).unwrap();
        assert!(
            fixed.contains("let mut s = std::pin::pin!(stream::iter(vec![1]));"),
            "{fixed}"
        );
        let d2 = diagnostic(
            "error",
            "E0277",
            "x cannot be unpinned",
            "src/main.rs",
            &fixed,
            find(&fixed, "s.next()", None),
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", &fixed);
        assert_eq!(pin_stream(&input_for(&d2, &sources, None)), None);
    }
}
