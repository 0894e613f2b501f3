//! Follow-up errors a root mistake drags in (`[cascade]` in a rule), tracked across one
//! stream. Pure.

use std::collections::HashMap;

use super::find::Finding;
use crate::diagnostic::Diagnostic;
use crate::rules::Rulebook;

/// Follow-up errors a root mistake drags in, tracked across one stream (`[cascade]` in a
/// rule). rustc reports the root first: E0433 on `#[tokio::main]` before the E0752 it causes,
/// E0746 before the size and "is not a future" errors of the same `dyn Future`. Once a rule
/// with a cascade fires, later diagnostics of the same package that the cascade describes are
/// covered: no explanation and no unknown-async note, so the root is explained once.
#[derive(Debug, Default)]
pub struct Cascades {
    /// The rule index of every root seen so far, per package id, each rule once: a stream
    /// with thousands of roots (one package) or thousands of packages (one root each) costs
    /// one lookup and a few rules per diagnostic, not a walk over every root seen.
    active: HashMap<Option<String>, Vec<usize>>,
}

impl Cascades {
    /// Call once per diagnostic, in stream order, with what [`find`](super::find) returned.
    /// Returns the finding to show (`None` when the diagnostic is covered by an earlier root)
    /// and whether it was covered; a finding whose rule has a cascade becomes a root.
    pub fn judge(
        &mut self,
        book: &Rulebook,
        diag: &Diagnostic,
        finding: Option<Finding>,
    ) -> (Option<Finding>, bool) {
        if self.covers(book, diag, finding.as_ref()) {
            return (None, true);
        }
        if let Some(f) = &finding {
            let rule = book.rule(f.rule);
            if !rule.cascade_rules.is_empty() || !rule.cascade_messages.is_empty() {
                let roots = self.active.entry(diag.package_id.clone()).or_default();
                if !roots.contains(&f.rule) {
                    roots.push(f.rule);
                }
            }
        }
        (finding, false)
    }

    /// [`Cascades::judge`] without the "covered" flag.
    pub fn filter(
        &mut self,
        book: &Rulebook,
        diag: &Diagnostic,
        finding: Option<Finding>,
    ) -> Option<Finding> {
        self.judge(book, diag, finding).0
    }

    /// Whether an earlier root in the same package explains this diagnostic.
    fn covers(&self, book: &Rulebook, diag: &Diagnostic, finding: Option<&Finding>) -> bool {
        let Some(roots) = self.active.get(&diag.package_id) else {
            return false;
        };
        roots.iter().any(|&root| {
            let root = book.rule(root);
            finding.is_some_and(|f| root.cascade_rules.contains(&book.rule(f.rule).id))
                || root
                    .cascade_messages
                    .iter()
                    .any(|re| re.is_match(&diag.rustc.message))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::find;

    #[test]
    fn a_cascade_covers_later_diagnostics_of_the_same_package_only() {
        use crate::diagnostic::{classify, Event, Line};
        let book = Rulebook::builtin().unwrap();
        let diag = |package: &str, code: &str, message: &str| {
            let raw = format!(
                r#"{{"reason":"compiler-message","package_id":"{package}","target":{{"src_path":"/x/src/main.rs"}},"message":{{"message":"{message}","code":{{"code":"{code}","explanation":null}},"level":"error","spans":[],"children":[],"rendered":"x"}}}}"#
            );
            match classify(Line {
                raw: raw.as_bytes(),
            }) {
                Event::Diagnostic(d) => d,
                _ => panic!("not a diagnostic"),
            }
        };
        let root = diag("a", "E0433", "cannot find `main` in `tokio`");
        let follow_up = diag("a", "E0752", "`main` function is not allowed to be `async`");
        let elsewhere = diag("b", "E0752", "`main` function is not allowed to be `async`");
        let mut cascades = Cascades::default();
        // Before the root, E0752 is explained on its own.
        assert!(cascades
            .filter(&book, &follow_up, find(&book, &follow_up))
            .is_some());
        assert!(cascades.filter(&book, &root, find(&book, &root)).is_some());
        assert!(cascades
            .filter(&book, &follow_up, find(&book, &follow_up))
            .is_none());
        assert!(cascades
            .filter(&book, &elsewhere, find(&book, &elsewhere))
            .is_some());
    }
}
