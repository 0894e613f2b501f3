//! The matching stage: rulebook × diagnostic → [`Verdict`]. One entry point,
//! [`Matcher::judge`], does everything a diagnostic needs before the fix stage and the
//! renderers see it: find the most specific rule ([`find`]), let an earlier root mistake cover
//! its follow-ups ([`cascades`], computed once), fill the explanation with every capture (the
//! rule's, the built-in ones and the project's, [`captures`]), or fall back to pointing at the
//! closest rules for an async-related diagnostic no rule explains ([`unknown`]).
//!
//! Pure: no I/O. Never imports `render`.

pub mod captures;
pub mod cascades;
pub mod explanation;
pub mod find;
pub mod unknown;

pub use cascades::Cascades;
pub use explanation::Explanation;
pub use find::{find, is_unsafe_char, sanitize, strip_unsafe, Finding};
pub use unknown::unknown_async;

use crate::context::Project;
use crate::diagnostic::Diagnostic;
use crate::rules::template::fill;
use crate::rules::Rulebook;

/// What matching decided about one diagnostic.
#[derive(Debug, Clone)]
pub enum Verdict<'r> {
    /// A rule explains it.
    Explained(Box<Explanation<'r>>),
    /// An earlier root mistake in the same package explains it: nothing of ours is shown.
    Covered,
    /// No rule explains it, but it is about async code: the closest rule ids (maybe none).
    UnknownAsync(Vec<String>),
    /// Not ours to explain.
    Plain,
}

impl<'r> Verdict<'r> {
    /// The explanation, when a rule explains the diagnostic.
    pub fn explanation(&self) -> Option<&Explanation<'r>> {
        match self {
            Verdict::Explained(e) => Some(e),
            _ => None,
        }
    }

    /// The closest rules, for an async-related diagnostic no rule explains.
    pub fn unknown_async(&self) -> Option<&[String]> {
        match self {
            Verdict::UnknownAsync(ids) => Some(ids),
            _ => None,
        }
    }
}

/// Judges the diagnostics of one stream, in order (cascades span the stream).
pub struct Matcher<'r> {
    book: &'r Rulebook,
    cascades: Cascades,
}

impl<'r> Matcher<'r> {
    pub fn new(book: &'r Rulebook) -> Self {
        Matcher {
            book,
            cascades: Cascades::default(),
        }
    }

    /// The verdict on `diagnostic`, the next one of the stream.
    pub fn judge(&mut self, diagnostic: &Diagnostic, project: &dyn Project) -> Verdict<'r> {
        let book = self.book;
        let found = find(book, diagnostic);
        let (finding, covered) = self.cascades.judge(book, diagnostic, found);
        let Some(mut finding) = finding else {
            if covered {
                return Verdict::Covered;
            }
            return match unknown_async(book, diagnostic) {
                Some(closest) => Verdict::UnknownAsync(closest),
                None => Verdict::Plain,
            };
        };
        let rule = book.rule(finding.rule);
        let features: Vec<String> = rule
            .tokio_features
            .iter()
            .map(|t| fill(t, &finding.captures))
            .collect();
        captures::add_captures(
            project.package(diagnostic),
            &features,
            &mut finding.captures,
        );
        Verdict::Explained(Box::new(Explanation::owning(rule, finding.captures)))
    }
}
