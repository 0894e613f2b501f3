//! A rule applied to one diagnostic: its title and sections with the captures filled in, and
//! (from the fix stage) the fix in the user's own code. The product of matching that every
//! renderer reads; laying it out is the renderers' job.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::fix::{FileDiff, Placed, Proposal};
use crate::rules::template::fill;
use crate::rules::{Rule, Rulebook, Section};

use super::find::Finding;

/// A rule applied to one diagnostic.
#[derive(Debug, Clone)]
pub struct Explanation<'r> {
    pub rule: &'r Rule,
    pub title: String,
    /// The three sections, each filled on first use: the human block reads only the framing,
    /// so most explanations never lay out the canned code (see [`Explanation::python`]).
    sections: [OnceLock<String>; 3],
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
            sections: Default::default(),
            captures,
            proposal: None,
            placed: Vec::new(),
            diff: Vec::new(),
        }
    }

    /// The "In asyncio terms" section, filled.
    pub fn python(&self) -> &str {
        self.section(0, &self.rule.body.python)
    }

    /// The "What Rust is telling you" section, filled.
    pub fn rust(&self) -> &str {
        self.section(1, &self.rule.body.rust)
    }

    /// The "Fix" section (the rule file's canned examples), filled.
    pub fn fix(&self) -> &str {
        self.section(2, &self.rule.body.fix)
    }

    fn section(&self, index: usize, template: &str) -> &str {
        self.sections[index].get_or_init(|| fill(template, &self.captures))
    }

    /// The three sections with their headings, in the rule file's order.
    pub fn sections(&self) -> [(&'static str, &str); 3] {
        [
            (Section::Python.heading(), self.python()),
            (Section::Rust.heading(), self.rust()),
            (Section::Fix.heading(), self.fix()),
        ]
    }

    /// The command that shows the whole rule.
    pub fn more_command(&self) -> String {
        format!("cargo explain-async --explain {}", self.rule.id)
    }
}
