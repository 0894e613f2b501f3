//! `async_fn_dyn`: `&dyn AsyncFn(…)` (or `&mut dyn AsyncFnMut(…)`) as a function parameter,
//! E0038/E0191, becomes `&impl AsyncFn(…)`, a generic parameter that takes the same closures.
//! Anywhere else (a `Box<dyn …>` field, a collection) no edit keeps the meaning, so the fix
//! says in words what to store instead.

use super::locate::{span_range, Source};
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// The byte ranges of every function parameter list in the file (free functions and the
/// methods of inherent and trait impls).
fn parameter_ranges(src: &Source) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let sig = |s: &syn::Signature, out: &mut Vec<_>| {
        out.extend(s.inputs.iter().map(node_range));
    };
    for item in &src.ast.items {
        match item {
            syn::Item::Fn(f) => sig(&f.sig, &mut out),
            syn::Item::Impl(i) => {
                for ii in &i.items {
                    if let syn::ImplItem::Fn(f) = ii {
                        sig(&f.sig, &mut out);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub fn async_fn_dyn(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let at = span_range(span);
    let trait_name = input
        .captures
        .get("written")
        .or_else(|| input.captures.get("trait"))
        .cloned()
        .unwrap_or_else(|| "AsyncFn".into());
    let before = src.text.get(..at.start)?;
    let dyn_at = before.strip_suffix("dyn ").map(str::len);
    let behind_ref = dyn_at.is_some_and(|d| {
        let lead = before[..d].trim_end();
        lead.ends_with('&') || lead.ends_with("&mut")
    });
    let in_params = parameter_ranges(&src)
        .iter()
        .any(|r| syntax::contains(r, &at));
    if let (Some(d), true, true) = (dyn_at, behind_ref, in_params) {
        return Some(Proposal::Edits(Fix {
            title: format!("Take the closure as `impl {trait_name}` instead of `dyn {trait_name}`"),
            applicability: Applicability::MachineApplicable,
            edits: vec![Edit {
                file: src.file.clone(),
                start: d,
                end: d + 3,
                replacement: "impl".into(),
            }],
        }));
    }
    Some(Proposal::InWords {
        text: format!(
            "`dyn {trait_name}` cannot be a type. Where one closure is passed at a time, take \
             it as a generic (`impl {trait_name}(…)`, or `F: {trait_name}(…)`); to store \
             different closures, store plain closures that return a boxed future, \
             `Box<dyn FnMut(…) -> std::pin::Pin<Box<dyn std::future::Future<Output = …>>>>`, \
             and make each with `|x| Box::pin(async move {{ … }})`."
        ),
        lines: src.quote(&at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::locate::test_support::{diagnostic, find, input_for};
    use crate::fix::MemorySources;

    fn run(text: &str, needle: &str) -> Option<Proposal> {
        let d = diagnostic(
            "error",
            "E0038",
            "the trait `AsyncFnMut` is not dyn compatible",
            "src/main.rs",
            text,
            find(text, needle, None),
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        async_fn_dyn(&input_for(&d, &sources, None))
    }

    #[test]
    fn a_borrowed_parameter_becomes_impl_and_a_field_is_in_words() {
        let text = "async fn f(s: &dyn AsyncFn(u32) -> u32) {}\nstruct H { h: Vec<Box<dyn AsyncFnMut()>> }\nfn g(s: Box<dyn AsyncFnOnce()>) {}\n";
        let Some(Proposal::Edits(fix)) = run(text, "AsyncFn(u32) -> u32") else {
            panic!("expected an edit")
        };
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(
            fixed.contains("fn f(s: &impl AsyncFn(u32) -> u32)"),
            "{fixed}"
        );
        assert!(matches!(
            run(text, "AsyncFnMut()"),
            Some(Proposal::InWords { .. })
        ));
        assert!(matches!(
            run(text, "AsyncFnOnce()"),
            Some(Proposal::InWords { .. })
        ));
    }
}
