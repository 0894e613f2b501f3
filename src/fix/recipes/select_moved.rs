//! `poll_by_mut_ref`: a future named by value in a `select!` inside a loop (E0382, "value
//! moved here, in previous iteration of loop") is polled through `&mut` instead, so every
//! iteration polls the same future. `&mut F` is a future only when `F: Unpin`: for handles
//! and boxed futures (`JoinHandle`, `Pin<Box<…>>`) the edit is exact; anything else must be
//! pinned first, which is said in words.

use super::locate::{span_range, Source};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// Types rustc prints for futures that are `Unpin`, so `&mut` of them is a future.
fn is_unpin_future(ty: &str) -> bool {
    let ty = ty
        .trim_start_matches("tokio::task::")
        .trim_start_matches("tokio::runtime::task::")
        .trim_start_matches("std::pin::")
        .trim_start_matches("core::pin::");
    ty.starts_with("JoinHandle<") || ty.starts_with("Pin<Box<") || ty.starts_with("Pin<&mut ")
}

pub fn poll_by_mut_ref(input: &Input<'_>) -> Option<Proposal> {
    let rustc = &input.diagnostic.rustc;
    let var = input.captures.get("var")?;
    let ty = input.captures.get("ty")?;
    let (primary, src) = Source::primary(input)?;
    if src.text.get(span_range(primary))? != var.as_str() {
        return None;
    }
    let decl = rustc.spans.iter().find(|s| {
        s.file_name == src.file
            && s.label
                .as_deref()
                .is_some_and(|l| l.starts_with("move occurs because"))
    })?;
    if src.text.get(span_range(decl))? != var.as_str() {
        return None;
    }
    if !is_unpin_future(ty) {
        let mut ranges = vec![span_range(decl), span_range(primary)];
        ranges.sort_by_key(|r| r.start);
        return Some(Proposal::InWords {
            text: format!(
                "Pin `{var}` once before the loop (`tokio::pin!({var});` or \
                 `let mut {var} = std::pin::pin!({var});`), then write `&mut {var}` in the \
                 `select!` so every iteration polls the same future."
            ),
            lines: src.quote_all(&ranges),
        });
    }
    let before = src.text[..decl.byte_start as usize].trim_end();
    let mut edits = Vec::new();
    if !before.ends_with("mut") {
        edits.push(Edit {
            file: src.file.clone(),
            start: decl.byte_start as usize,
            end: decl.byte_start as usize,
            replacement: "mut ".into(),
        });
    }
    edits.push(Edit {
        file: src.file.clone(),
        start: primary.byte_start as usize,
        end: primary.byte_start as usize,
        replacement: "&mut ".into(),
    });
    Some(Proposal::Edits(Fix {
        title: format!("Poll `&mut {var}` in the `select!` instead of moving `{var}`"),
        applicability: Applicability::MachineApplicable,
        edits,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{diagnostic, span, FILE};
    use super::*;
    use crate::fix::MemorySources;
    use std::collections::BTreeMap;

    const SRC: &str = "async fn f() {\n    let worker = tokio::spawn(async { 7 });\n    loop {\n        tokio::select! {\n            done = worker => { break; }\n        }\n    }\n}\n";

    fn run(ty: &str) -> Option<Proposal> {
        let d = diagnostic(
            "error",
            Some("E0382"),
            "use of moved value: `worker`",
            vec![
                span(SRC, "worker", 1, Some("value moved here, in previous iteration of loop"), true),
                span(SRC, "worker", 0, Some("move occurs because `worker` has type `X`, which does not implement the `Copy` trait"), false),
            ],
            vec![],
        );
        let sources = MemorySources::default().with(FILE, SRC);
        let captures: BTreeMap<String, String> = [("var", "worker"), ("ty", ty)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        poll_by_mut_ref(&Input {
            diagnostic: &d,
            captures: &captures,
            package: None,
            sources: &sources,
        })
    }

    #[test]
    fn join_handle_is_polled_by_mut_ref() {
        let Some(Proposal::Edits(fix)) = run("tokio::task::JoinHandle<i32>") else {
            panic!("no edit")
        };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        let fixed = crate::fix::apply(SRC, &fix.edits).unwrap();
        assert!(fixed.contains("let mut worker = "), "{fixed}");
        assert!(fixed.contains("done = &mut worker =>"), "{fixed}");
    }

    #[test]
    fn other_futures_are_pinned_in_words() {
        let Some(Proposal::InWords { text, lines }) = run("{async block@src/main.rs:2:18}") else {
            panic!("not in words")
        };
        assert!(text.contains("tokio::pin!(worker)"));
        assert_eq!(lines.len(), 2);
    }
}
