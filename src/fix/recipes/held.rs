//! What a "held across an `.await`" diagnostic says, in one shape for every source: rustc's
//! note "future is not `Send` as this value is used across an await" (its labels "await
//! occurs here, with `x` maybe used later" and "has type `T` which is not `Send`"), clippy's
//! `await_holding_lock` / `await_holding_refcell_ref` (the guard's span, then "these are all
//! the await points …"), and our own `lock_held_across_await` (the locking `.await`, then the
//! unrelated `.await`). Then where that value lives in the user's code: a `let`, a temporary
//! inside a statement, or a pattern binding.

use std::ops::Range;

use cargo_metadata::diagnostic::{Diagnostic as RustcDiagnostic, DiagnosticSpan};
use syn::{Block, Expr, Local, Stmt};

use super::body::{pat_ident, stmt_holding, Code, Index};
use crate::fix::syntax::{self, node_range};
use crate::fix::Input;

/// Who reported the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reporter {
    /// rustc (or clippy's `future_not_send`, which reuses rustc's note): the future must be
    /// `Send` (or `Sync`) and this value makes it not.
    Rustc,
    /// clippy's `await_holding_lock` / `await_holding_refcell_ref`: nothing fails to compile.
    Clippy,
    /// Our `lock_held_across_await`: an async lock guard.
    SourceCheck,
}

/// A value alive at an `.await`.
#[derive(Debug, Clone)]
pub(super) struct Held {
    pub file: String,
    /// rustc/clippy: the binding or temporary; source check: the locking `.await`.
    pub value: Range<usize>,
    /// The `await` keywords (or whole `.await` expressions) it is alive at, first first.
    pub awaits: Vec<Range<usize>>,
    /// The type rustc names (`Rc<u32>`), when it names one.
    pub ty: Option<String>,
    /// `Send` or `Sync` (rustc), else `None`.
    pub missing: Option<&'static str>,
    pub reporter: Reporter,
}

/// The held value a diagnostic describes, when its spans are in one user file and still
/// current.
pub(super) fn held(input: &Input<'_>, text: &str) -> Option<Held> {
    let rustc = &input.diagnostic.rustc;
    let code = input.diagnostic.code().unwrap_or("");
    let held = if code.starts_with("explain_async::") {
        source_check(rustc)?
    } else if code.starts_with("clippy::await_holding") {
        clippy(rustc)?
    } else {
        rustc_note(rustc)?
    };
    Some(held).filter(|h| {
        let spans = all_spans(rustc);
        spans
            .iter()
            .filter(|s| s.file_name == h.file)
            .all(|s| syntax::span_is_current(text, s))
    })
}

fn all_spans(d: &RustcDiagnostic) -> Vec<&DiagnosticSpan> {
    let mut out: Vec<&DiagnosticSpan> = d.spans.iter().collect();
    for c in &d.children {
        out.extend(all_spans(c));
    }
    out
}

fn range(span: &DiagnosticSpan) -> Range<usize> {
    span.byte_start as usize..span.byte_end as usize
}

fn rustc_note(d: &RustcDiagnostic) -> Option<Held> {
    for child in &d.children {
        let mut await_span = None;
        let mut value = None;
        for span in &child.spans {
            let Some(label) = span.label.as_deref() else {
                continue;
            };
            if label.starts_with("await occurs here") {
                await_span = Some(span);
            } else if let Some((ty, missing)) = not_send_type(label) {
                value = Some((span, ty, missing));
            }
        }
        if let (Some(a), Some((v, ty, missing))) = (await_span, value) {
            if a.file_name != v.file_name {
                return None;
            }
            return Some(Held {
                file: v.file_name.clone(),
                value: range(v),
                awaits: vec![range(a)],
                ty: Some(ty),
                missing: Some(missing),
                reporter: Reporter::Rustc,
            });
        }
    }
    None
}

/// `(T, "Send")` from "has type `T` which is not `Send`".
pub(super) fn not_send_type(label: &str) -> Option<(String, &'static str)> {
    let rest = label.strip_prefix("has type `")?;
    for missing in ["Send", "Sync"] {
        let tail = format!("` which is not `{missing}`");
        if let Some(ty) = rest.strip_suffix(tail.as_str()) {
            return Some((ty.to_string(), missing));
        }
    }
    None
}

fn clippy(d: &RustcDiagnostic) -> Option<Held> {
    let value = d.spans.iter().find(|s| s.is_primary)?;
    let awaits: Vec<Range<usize>> = d
        .children
        .iter()
        .filter(|c| c.message.contains("await points"))
        .flat_map(|c| c.spans.iter())
        .filter(|s| s.file_name == value.file_name)
        .map(range)
        .collect();
    if awaits.is_empty() {
        return None;
    }
    let ty = d.message.split('`').nth(1).map(|s| s.to_string());
    Some(Held {
        file: value.file_name.clone(),
        value: range(value),
        awaits,
        ty,
        missing: None,
        reporter: Reporter::Clippy,
    })
}

fn source_check(d: &RustcDiagnostic) -> Option<Held> {
    let acquire = d.spans.iter().find(|s| s.is_primary)?;
    let wait = d
        .spans
        .iter()
        .find(|s| !s.is_primary && s.label.as_deref().is_some_and(|l| l.contains(".await")))?;
    Some(Held {
        file: acquire.file_name.clone(),
        value: range(acquire),
        awaits: vec![range(wait)],
        ty: None,
        missing: None,
        reporter: Reporter::SourceCheck,
    })
}

/// Where a held value lives.
pub(super) enum Site<'a> {
    /// `let name = init;` (statement `index` of `block`).
    Let {
        local: &'a Local,
        name: String,
        block: &'a Block,
        index: usize,
    },
    /// A temporary (`m.lock().unwrap()`) inside statement `index` of `block`.
    Temporary {
        expr: &'a Expr,
        block: &'a Block,
        index: usize,
    },
    /// Bound by a pattern that is not a plain `let` (a match arm, `if let`, a parameter).
    Pattern { name: String },
}

/// Finds the held value in the syntax tree.
pub(super) fn site<'a>(held: &Held, code: &Code, index: &Index<'a>) -> Option<Site<'a>> {
    let local = match held.reporter {
        // Our check points at the locking `.await`: the guard is the `let` around it.
        Reporter::SourceCheck => index
            .locals
            .iter()
            .filter(|l| {
                l.init
                    .as_ref()
                    .is_some_and(|i| syntax::contains(&node_range(&*i.expr), &held.value))
            })
            .min_by_key(|l| node_range(**l).len())
            .copied(),
        _ => index.local_declaring(&held.value),
    };
    if let Some(local) = local {
        let name = pat_ident(&local.pat)?.to_string();
        let range = node_range(local);
        let block = index.block_at(&range)?;
        let (i, stmt) = stmt_holding(block, &range)?;
        if !matches!(stmt, Stmt::Local(l) if std::ptr::eq(l, local)) {
            return None;
        }
        return Some(Site::Let {
            local,
            name,
            block,
            index: i,
        });
    }
    if held.reporter == Reporter::SourceCheck {
        return None;
    }
    let text = code.src(held.value.clone());
    if is_identifier(text) {
        return Some(Site::Pattern {
            name: text.to_string(),
        });
    }
    let expr = index.expr_exact(&held.value)?;
    let block = index.block_at(&held.value)?;
    let (i, _) = stmt_holding(block, &held.value)?;
    Some(Site::Temporary {
        expr,
        block,
        index: i,
    })
}

/// Whether `s` is a plain identifier.
pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_from_label() {
        assert_eq!(
            not_send_type("has type `Rc<u32>` which is not `Send`"),
            Some(("Rc<u32>".to_string(), "Send"))
        );
        assert_eq!(
            not_send_type("has type `Cell<u32>` which is not `Sync`"),
            Some(("Cell<u32>".to_string(), "Sync"))
        );
        assert_eq!(not_send_type("await occurs here"), None);
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("mut_x1"));
        assert!(!is_identifier("m.lock()"));
        assert!(!is_identifier(""));
    }
}
