//! `await_forgotten_future`, for the rule `future_never_awaited`: the future bound by
//! `let name = <future>;` never runs, so make it run where it is made.
//!
//! In async code (an `async fn`, async block or async closure, read from the file around the
//! finding's primary span, which is the future's expression), the edit appends `.await` to
//! that expression: `let _audit = audit_log(event).await;`. The name then holds the result,
//! which the finding says nothing else uses, so no other line changes. `MaybeIncorrect`: the
//! author may have meant the work to run in the background, which the block's words offer
//! (spawn it). When the future is `drop`ped further down, awaiting it at the `let` would
//! leave a `drop` of its result behind, so the fix is said in words; in sync code there is
//! nothing to `.await` with, and the words name the runtime's spawn.

use std::ops::Range;

use syn::visit::{self, Visit};

use crate::context::Runtime;
use crate::fix::syntax::{line_text, node_range, parse, span_is_current};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal, QuotedLine};

/// The recipe (see the module comment).
pub fn await_forgotten_future(input: &Input<'_>) -> Option<Proposal> {
    let span = input.diagnostic.user_span()?;
    let text = input.sources.read(&span.file_name)?;
    if !span_is_current(&text, span) {
        return None;
    }
    let file = parse(&text)?;
    let target = span.byte_start as usize..span.byte_end as usize;
    let context = context_of_let(&file, &target)?;
    let name = input.captures.get("name")?;
    // How the message names it (shortened when long), for the words and the title.
    let call = match input.captures.get("call") {
        Some(call) => call.clone(),
        None => text.get(target.clone())?.to_string(),
    };
    let quoted = |number: usize| {
        line_text(&text, number).map(|t| QuotedLine {
            file: span.file_name.clone(),
            number,
            text: t.to_string(),
        })
    };
    let dropped = input.diagnostic.rustc.spans.iter().find(|s| {
        !s.is_primary
            && s.label
                .as_deref()
                .is_some_and(|l| l.starts_with("dropped here"))
    });
    if context.is_async {
        if let Some(d) = dropped {
            let words = format!(
                "`{name}` is dropped on line {} without ever being polled. Await it there \
                 instead, `{name}.await;` in place of `drop({name});`, so that `{call}` runs, or \
                 delete both lines if its work is not wanted.",
                d.line_start
            );
            let lines = [span.line_start, d.line_start]
                .into_iter()
                .filter_map(quoted)
                .collect();
            return Some(Proposal::InWords { text: words, lines });
        }
        return Some(Proposal::Edits(Fix {
            title: format!("await `{call}` where it is made, so that it runs"),
            applicability: Applicability::MaybeIncorrect,
            edits: vec![Edit {
                file: span.file_name.clone(),
                start: target.end,
                end: target.end,
                replacement: ".await".into(),
            }],
        }));
    }
    let api = input.runtime();
    let run = match (api.runtime, api.spawn()) {
        // A smol task is cancelled when its handle is dropped: detach it to let it run.
        (Runtime::Smol, Some(spawn)) => format!("`{spawn}({call}).detach();`"),
        (_, Some(spawn)) => format!("`{spawn}({call});` (inside a running runtime)"),
        (_, None) => format!("`futures::executor::block_on({call})`"),
    };
    let words = format!(
        "{} is not async, so nothing can `.await` `{name}` here. Run it with {run}, or make \
         the caller async and write `let {name} = {call}.await;`.",
        context.what
    );
    Some(Proposal::InWords {
        text: words,
        lines: quoted(span.line_start).into_iter().collect(),
    })
}

/// The function-like code around a `let` whose initializer spans `target`.
struct Context {
    is_async: bool,
    /// "fn `main`", "this closure", …
    what: String,
}

/// Finds the `let` whose initializer is exactly `target` and the innermost `fn`, closure or
/// async block around it.
fn context_of_let(file: &syn::File, target: &Range<usize>) -> Option<Context> {
    struct Find<'t> {
        target: &'t Range<usize>,
        stack: Vec<(bool, String)>,
        found: Option<(bool, String)>,
    }
    impl Find<'_> {
        fn within(&mut self, is_async: bool, what: String, f: impl FnOnce(&mut Self)) {
            self.stack.push((is_async, what));
            f(self);
            self.stack.pop();
        }
    }
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            let what = format!("`fn {}`", f.sig.ident);
            self.within(f.sig.asyncness.is_some(), what, |s| {
                visit::visit_item_fn(s, f)
            });
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            let what = format!("`fn {}`", f.sig.ident);
            self.within(f.sig.asyncness.is_some(), what, |s| {
                visit::visit_impl_item_fn(s, f)
            });
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            let what = "this closure".to_string();
            self.within(c.asyncness.is_some(), what, |s| {
                visit::visit_expr_closure(s, c)
            });
        }
        fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
            self.within(true, "this async block".into(), |s| {
                visit::visit_expr_async(s, a)
            });
        }
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let Some(init) = &l.init {
                if node_range(&*init.expr) == *self.target {
                    self.found = self.stack.last().cloned();
                }
            }
            visit::visit_local(self, l);
        }
    }
    let mut find = Find {
        target,
        stack: Vec::new(),
        found: None,
    };
    find.visit_file(file);
    find.found
        .map(|(is_async, what)| Context { is_async, what })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::check_findings::{case, package};

    const CHECK: &str = "future_never_awaited";
    const SRC: &str = "async fn audit_log(e: u32) {}\nasync fn login() {\n    \
                       let _audit = audit_log(7);\n    println!(\"in\");\n}\nfn main() {\n    \
                       let _later = audit_log(8);\n}\nasync fn f() {\n    let t = async {};\n    \
                       drop(t);\n}\n";

    #[test]
    fn async_code_gets_the_await_appended() {
        let c = case(SRC, CHECK, 0);
        let Some(Proposal::Edits(fix)) = await_forgotten_future(&c.input(None)) else {
            panic!("no edit");
        };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
        assert_eq!(
            fix.title,
            "await `audit_log(7)` where it is made, so that it runs"
        );
        let fixed = crate::fix::apply(SRC, &fix.edits).unwrap();
        assert!(
            fixed.contains("    let _audit = audit_log(7).await;\n"),
            "{fixed}"
        );
        assert!(syn::parse_file(&fixed).is_ok());
    }

    #[test]
    fn sync_code_names_the_runtime_spawn() {
        let c = case(SRC, CHECK, 1);
        for (runtime, expected) in [
            (Runtime::Tokio, "`tokio::spawn(audit_log(8));`"),
            (Runtime::Smol, "`smol::spawn(audit_log(8)).detach();`"),
            (Runtime::Trpl, "`trpl::spawn_task(audit_log(8));`"),
            (
                Runtime::Futures,
                "`futures::executor::block_on(audit_log(8))`",
            ),
        ] {
            let package = package(vec![runtime]);
            let Some(Proposal::InWords { text, lines }) =
                await_forgotten_future(&c.input(Some(&package)))
            else {
                panic!("no words");
            };
            assert!(text.starts_with("`fn main` is not async"), "{text}");
            assert!(text.contains(expected), "{runtime:?}: {text}");
            assert!(
                text.contains("`let _later = audit_log(8).await;`"),
                "{text}"
            );
            if runtime != Runtime::Tokio {
                assert!(!text.contains("tokio"), "{text}");
            }
            assert_eq!(lines[0].number, 7);
        }
    }

    #[test]
    fn a_dropped_future_is_awaited_where_it_is_dropped_in_words() {
        let c = case(SRC, CHECK, 2);
        let Some(Proposal::InWords { text, lines }) = await_forgotten_future(&c.input(None)) else {
            panic!("no words");
        };
        assert!(text.contains("`t.await;` in place of `drop(t);`"), "{text}");
        let numbers: Vec<usize> = lines.iter().map(|l| l.number).collect();
        assert_eq!(numbers, vec![10, 11]);
    }

    #[test]
    fn a_file_changed_since_gives_nothing() {
        let mut c = case(SRC, CHECK, 0);
        c.sources = crate::fix::MemorySources::default().with(
            crate::fix::recipes::check_findings::FILE,
            &SRC.replace("audit_log(7)", "audit_log(9)"),
        );
        assert_eq!(await_forgotten_future(&c.input(None)), None);
    }
}
