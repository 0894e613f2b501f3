//! `rustc_suggestion`: rustc's own suggestion, taken as it is. For mistakes where rustc already
//! knows the edit (`T: 'static` for E0310, `+ use<'_>` for E0700, the desugared signature of
//! the `async_fn_in_trait` lint), the rule explains the async side and this recipe shows the
//! edit in the user's lines, with rustc's applicability.

use std::collections::BTreeSet;

use cargo_metadata::diagnostic::{Applicability as RustcApplicability, Diagnostic as Rustc};

use crate::diagnostic::is_user_path;
use crate::fix::syntax;
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// The edits of the first child (depth first) whose spans all carry a replacement in a file of
/// the workspace that still reads as rustc quoted it.
pub fn rustc_suggestion(input: &Input<'_>) -> Option<Proposal> {
    let rustc = &input.diagnostic.rustc;
    let mut children = Vec::new();
    flatten(rustc, &mut children);
    children
        .into_iter()
        .find_map(|child| proposal(input, child))
}

fn flatten<'a>(d: &'a Rustc, out: &mut Vec<&'a Rustc>) {
    for child in &d.children {
        out.push(child);
        flatten(child, out);
    }
}

/// An insertion point quotes nothing, so [`syntax::span_is_current`] cannot tell a moved
/// file: the line around it must also read as rustc quoted it.
fn line_is_current(text: &str, span: &cargo_metadata::diagnostic::DiagnosticSpan) -> bool {
    let at = span.byte_start as usize;
    let Some(before) = text.get(..at) else {
        return false;
    };
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    span.text
        .first()
        .is_some_and(|quoted| quoted.text == text[start..end])
}

fn proposal(input: &Input<'_>, child: &Rustc) -> Option<Proposal> {
    let spans: Vec<_> = child
        .spans
        .iter()
        .filter(|s| s.suggested_replacement.is_some())
        .collect();
    if spans.is_empty() {
        return None;
    }
    let mut edits = Vec::new();
    let mut worst = Applicability::MachineApplicable;
    let mut lines = BTreeSet::new();
    for span in spans {
        if !is_user_path(&span.file_name) {
            return None;
        }
        let text = input.sources.read(&span.file_name)?;
        if !syntax::span_is_current(&text, span) || !line_is_current(&text, span) {
            return None;
        }
        let level = match span.suggestion_applicability {
            Some(RustcApplicability::MachineApplicable) => Applicability::MachineApplicable,
            Some(RustcApplicability::HasPlaceholders) => Applicability::HasPlaceholders,
            _ => Applicability::MaybeIncorrect,
        };
        // rustc's `.expect("REASON")` is marked machine-applicable, but the reason is for
        // the user to write.
        let replacement = span.suggested_replacement.as_deref().unwrap_or_default();
        let level = if replacement.contains("\"REASON\"") {
            level.max(Applicability::HasPlaceholders)
        } else {
            level
        };
        worst = worst.max(level);
        lines.insert(span.line_start);
        edits.push(Edit {
            file: span.file_name.clone(),
            start: span.byte_start as usize,
            end: span.byte_end as usize,
            replacement: span.suggested_replacement.clone()?,
        });
    }
    edits.sort_by_key(|e| (e.file.clone(), e.start));
    // rustc never overlaps the parts of one suggestion; a stream that does is not applied.
    if edits
        .windows(2)
        .any(|w| w[0].file == w[1].file && w[0].end > w[1].start)
    {
        return None;
    }
    let at: Vec<String> = lines.iter().map(usize::to_string).collect();
    let plural = if at.len() > 1 { "s" } else { "" };
    let title = format!("Apply rustc's suggestion on line{plural} {}", at.join(", "));
    Some(Proposal::Edits(Fix {
        title,
        applicability: worst,
        edits,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{child, diagnostic, span, FILE};
    use super::*;
    use crate::fix::MemorySources;
    use std::collections::BTreeMap;

    fn with_replacement(
        mut v: serde_json::Value,
        text: &str,
        applicability: &str,
    ) -> serde_json::Value {
        v["suggested_replacement"] = text.into();
        v["suggestion_applicability"] = applicability.into();
        v
    }

    fn run(text: &str, d: &crate::diagnostic::Diagnostic) -> Option<Proposal> {
        let sources = MemorySources::default().with(FILE, text);
        let captures = BTreeMap::new();
        rustc_suggestion(&Input {
            diagnostic: d,
            captures: &captures,
            package: None,
            sources: &sources,
        })
    }

    const SRC: &str = "fn later<T: Send>(x: T) {\n    tokio::spawn(async move { drop(x) });\n}\n";

    fn e0310(applicability: &str) -> crate::diagnostic::Diagnostic {
        let insert = SRC.find("Send").unwrap() + 4;
        let mut point = super::super::testing::span_at(SRC, insert..insert, None, true);
        point = with_replacement(point, " + 'static", applicability);
        diagnostic(
            "error",
            Some("E0310"),
            "the parameter type `T` may not live long enough",
            vec![span(
                SRC,
                "tokio::spawn",
                0,
                Some("the parameter type `T` must be valid for the static lifetime..."),
                true,
            )],
            vec![child(
                "help",
                "consider adding an explicit lifetime bound",
                vec![point],
            )],
        )
    }

    #[test]
    fn takes_rustc_edit_with_its_applicability() {
        let Some(Proposal::Edits(fix)) = run(SRC, &e0310("MaybeIncorrect")) else {
            panic!("no edit")
        };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
        assert_eq!(fix.edits.len(), 1);
        assert_eq!(fix.edits[0].replacement, " + 'static");
        assert_eq!(fix.title, "Apply rustc's suggestion on line 1");
        let Some(Proposal::Edits(fix)) = run(SRC, &e0310("MachineApplicable")) else {
            panic!("no edit")
        };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
    }

    #[test]
    fn nothing_when_the_file_changed_or_no_suggestion() {
        let edited = SRC.replace("fn later", "fn  later");
        assert_eq!(run(&edited, &e0310("MaybeIncorrect")), None);
        let bare = diagnostic(
            "error",
            Some("E0310"),
            "m",
            vec![],
            vec![child("help", "h", vec![])],
        );
        assert_eq!(run(SRC, &bare), None);
    }
}
