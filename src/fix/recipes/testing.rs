//! Test support for the recipes: rustc-shaped diagnostics built from a snippet and the text
//! their spans point at (line, columns and quoted text computed from the snippet, as rustc
//! would write them), and a one-call way to run a recipe over them.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::context::{PackageContext, Runtime, TokioDep};
use crate::diagnostic::Diagnostic;
use crate::fix::{Input, MemorySources, Proposal, Recipe};

/// The file every snippet is stored as.
pub const FILE: &str = "app/src/main.rs";
/// The manifest every snippet's diagnostic names.
pub const MANIFEST: &str = "/w/app/Cargo.toml";

/// A span over the `nth` (0-based) occurrence of `needle` in `text`.
pub fn span(text: &str, needle: &str, nth: usize, label: Option<&str>, primary: bool) -> Value {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} not in the snippet"))
        .0;
    span_at(text, start..start + needle.len(), label, primary)
}

/// A span over a byte range of `text`.
pub fn span_at(
    text: &str,
    range: std::ops::Range<usize>,
    label: Option<&str>,
    primary: bool,
) -> Value {
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let col_of = |at: usize| {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        text[line_start..at].chars().count() + 1
    };
    let (l1, l2) = (line_of(range.start), line_of(range.end.max(range.start)));
    let mut lines = Vec::new();
    for n in l1..=l2 {
        let line = text.lines().nth(n - 1).unwrap_or("");
        let hs = if n == l1 { col_of(range.start) } else { 1 };
        let he = if n == l2 {
            col_of(range.end)
        } else {
            line.chars().count() + 1
        };
        lines.push(json!({"text": line, "highlight_start": hs, "highlight_end": he}));
    }
    json!({
        "file_name": FILE,
        "byte_start": range.start,
        "byte_end": range.end,
        "line_start": l1,
        "line_end": l2,
        "column_start": col_of(range.start),
        "column_end": col_of(range.end),
        "is_primary": primary,
        "text": lines,
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

/// A child message.
pub fn child(level: &str, message: &str, spans: Vec<Value>) -> Value {
    json!({"message": message, "code": null, "level": level, "spans": spans, "children": [], "rendered": null})
}

/// A diagnostic from its parts.
pub fn diagnostic(
    level: &str,
    code: Option<&str>,
    message: &str,
    spans: Vec<Value>,
    children: Vec<Value>,
) -> Diagnostic {
    let value = json!({
        "message": message,
        "code": code.map(|c| json!({"code": c, "explanation": null})),
        "level": level,
        "spans": spans,
        "children": children,
        "rendered": message,
    });
    Diagnostic {
        rustc: serde_json::from_value(value).expect("a well-formed test diagnostic"),
        package_id: Some("path+file:///w/app#0.1.0".into()),
        src_path: Some("/w/app/src/main.rs".into()),
        manifest_path: Some(MANIFEST.into()),
    }
}

/// rustc's "future cannot be sent between threads safely" for `var` (declared at the
/// `decl`-th occurrence of `var`) alive at the `await_nth`-th `await`.
pub fn not_send(
    text: &str,
    var: &str,
    decl: usize,
    ty: &str,
    await_nth: usize,
    spawn: &str,
) -> Diagnostic {
    diagnostic(
        "error",
        None,
        "future cannot be sent between threads safely",
        vec![span(
            text,
            spawn,
            0,
            Some("future created by async block is not `Send`"),
            true,
        )],
        vec![
            child(
                "note",
                "future is not `Send` as this value is used across an await",
                vec![
                    span(
                        text,
                        "await",
                        await_nth,
                        Some(&format!("await occurs here, with `{var}` maybe used later")),
                        true,
                    ),
                    span(
                        text,
                        var,
                        decl,
                        Some(&format!("has type `{ty}` which is not `Send`")),
                        false,
                    ),
                ],
            ),
            child("note", &format!("required by a bound in `{spawn}`"), vec![]),
        ],
    )
}

/// A package depending on `runtimes` (tokio with `tokio_features` when it is one).
pub fn package(runtimes: &[Runtime], tokio_features: &[&str]) -> PackageContext {
    PackageContext {
        name: "app".into(),
        runtimes: runtimes.to_vec(),
        tokio: runtimes.contains(&Runtime::Tokio).then(|| TokioDep {
            req: "1".into(),
            features: tokio_features.iter().map(|s| s.to_string()).collect(),
            default_features: true,
        }),
        in_workspace: false,
        trpl_run_only: false,
    }
}

/// Runs `recipe` on `diagnostic` over the snippet (and a manifest, when given).
pub fn run(
    recipe: Recipe,
    diagnostic: &Diagnostic,
    text: &str,
    manifest: Option<&str>,
    package: Option<&PackageContext>,
) -> Option<Proposal> {
    let mut sources = MemorySources::default().with(FILE, text);
    if let Some(m) = manifest {
        sources = sources.with(MANIFEST, m);
    }
    let captures = BTreeMap::new();
    let input = Input {
        diagnostic,
        captures: &captures,
        package,
        sources: &sources,
    };
    recipe(&input)
}

/// The snippet with a proposal's edits applied (panics on anything but edits).
pub fn applied(proposal: &Proposal, text: &str) -> String {
    let Proposal::Edits(fix) = proposal else {
        panic!("expected edits, got {proposal:?}")
    };
    let edits: Vec<_> = fix.edits.iter().filter(|e| e.file == FILE).collect();
    crate::fix::apply(text, edits).expect("edits apply")
}
