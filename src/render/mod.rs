//! Output formats. Each renderer is a pure consumer of [`Item`]s writing to a `&mut dyn Write`;
//! none of them touches the process, the environment or stdout directly. The machine formats
//! (github, sarif, gitlab) share path, dedupe and fingerprint logic in [`machine`].

pub mod catalog;
pub mod format;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod machine;
pub mod markdown;
pub mod sarif;
pub mod short;

pub use format::{Format, Settings};
pub use machine::PathContext;

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::diagnostic::{Diagnostic, Line};
use crate::matching::{Explanation, Verdict};

/// Lines are laid out to fit this many columns.
pub const WIDTH: usize = 100;

/// What a renderer is told about, one stream line at a time.
pub enum Item<'a> {
    /// A compiler message, with the rule that explains it (if any).
    Diagnostic {
        line: Line<'a>,
        diagnostic: &'a Diagnostic,
        /// What matching (and the fix stage) made of it.
        verdict: &'a Verdict<'a>,
    },
    /// Valid cargo JSON that is not a compiler message (artifacts, build-finished, …).
    CargoJson(Line<'a>),
    /// A line that is not cargo JSON (text, broken JSON, non-UTF-8): passed through.
    Text(Line<'a>),
    /// A one-per-run note of ours about the project (not tied to a diagnostic).
    Note(&'a str),
}

/// One output format.
pub trait Renderer {
    /// Renders one item as soon as it arrives.
    fn item(&mut self, item: &Item<'_>, out: &mut dyn Write) -> io::Result<()>;
    /// Called once at the end of the stream (summaries, whole documents).
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()>;
}

/// Settings shared by renderers.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext {
    pub color: bool,
}

/// The explanation as plain text: what the json format attaches to a diagnostic. Contains
/// every section and every fix option.
pub fn plain_text(e: &Explanation<'_>) -> String {
    let mut out = String::new();
    out.push_str(&format!("explain-async [{}]: {}\n", e.rule.id, e.title));
    for (name, text) in e.sections() {
        out.push('\n');
        out.push_str(name);
        out.push_str(":\n");
        push_laid(&mut out, text, "  ");
    }
    if let Some(url) = e.rule.url() {
        out.push_str(&format!("\nRead more: {url}\n"));
    }
    out
}

/// The fix options of an explanation's Fix section, numbered as written.
pub fn fix_options(e: &Explanation<'_>) -> Vec<String> {
    markdown::fix_options(&e.fix)
}

/// Appends laid-out Markdown, each line prefixed with `indent`.
fn push_laid(out: &mut String, text: &str, indent: &str) {
    for laid in markdown::layout(text, WIDTH - indent.len()) {
        match laid {
            markdown::Laid::Prose(l) | markdown::Laid::Code(l) => {
                out.push_str(indent);
                out.push_str(&l);
            }
            markdown::Laid::Blank => {}
        }
        out.push('\n');
    }
}

/// Counts explained diagnostics per rule, for summaries.
#[derive(Debug, Default)]
pub struct Tally {
    pub diagnostics: usize,
    pub by_rule: BTreeMap<String, usize>,
}

impl Tally {
    pub fn add(&mut self, explanation: Option<&Explanation<'_>>) {
        self.diagnostics += 1;
        if let Some(e) = explanation {
            *self.by_rule.entry(e.rule.id.clone()).or_default() += 1;
        }
    }

    pub fn explained(&self) -> usize {
        self.by_rule.values().sum()
    }
}
