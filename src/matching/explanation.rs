//! A rule applied to one diagnostic: its title and sections with the captures filled in, and
//! (from the fix stage) the fix in the user's own code. The product of matching that every
//! renderer reads; laying it out is the renderers' job.

use std::collections::BTreeMap;

use crate::fix::{FileDiff, Placed, Proposal};
use crate::rules::template::fill;
use crate::rules::{Rule, Rulebook, Section};

use super::find::Finding;

/// A rule applied to one diagnostic.
#[derive(Debug, Clone)]
pub struct Explanation<'r> {
    pub rule: &'r Rule,
    pub title: String,
    pub python: String,
    pub rust: String,
    pub fix: String,
    /// The captures the texts were filled from (the fix stage reads them too).
    pub captures: BTreeMap<String, String>,
    /// The fix in the user's own code, when the fix stage found one (`None` until it ran).
    pub proposal: Option<Proposal>,
    /// For a fix with edits: each edit with rustc-style positions (json's suggestion spans).
    pub placed: Vec<Placed>,
    /// For a fix with edits: the diff of the user's lines, per file.
    pub diff: Vec<FileDiff>,
}

impl<'r> Explanation<'r> {
    /// Fills a rule's templates from a finding's captures.
    pub fn new(book: &'r Rulebook, finding: &Finding) -> Self {
        let rule = book.rule(finding.rule);
        Self::from_rule(rule, &finding.captures)
    }

    /// Fills a rule's templates from explicit captures (empty for `--explain`).
    pub fn from_rule(rule: &'r Rule, captures: &BTreeMap<String, String>) -> Self {
        Self::owning(rule, captures.clone())
    }

    /// [`Explanation::from_rule`], keeping the captures without a copy (the matcher's path:
    /// one explanation per explained diagnostic).
    pub fn owning(rule: &'r Rule, captures: BTreeMap<String, String>) -> Self {
        Explanation {
            rule,
            title: fill(&rule.title, &captures),
            python: fill(&rule.body.python, &captures),
            rust: fill(&rule.body.rust, &captures),
            fix: fill(&rule.body.fix, &captures),
            captures,
            proposal: None,
            placed: Vec::new(),
            diff: Vec::new(),
        }
    }

    /// The three sections with their headings, in the rule file's order.
    pub fn sections(&self) -> [(&'static str, &str); 3] {
        [
            (Section::Python.heading(), &self.python),
            (Section::Rust.heading(), &self.rust),
            (Section::Fix.heading(), &self.fix),
        ]
    }

    /// The command that shows the whole rule.
    pub fn more_command(&self) -> String {
        format!("cargo explain-async --explain {}", self.rule.id)
    }
}
