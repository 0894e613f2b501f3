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
use crate::fix::{DiffLineKind, FileDiff, Proposal};
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

/// The explanation as plain text: what the json, github, gitlab and sarif formats attach to
/// a diagnostic. Every section; then the fix in the user's code (a diff, or what to change in
/// words) when the fix stage made one, else the rule's fix options, labelled as examples.
pub fn plain_text(e: &Explanation<'_>) -> String {
    let mut out = String::new();
    out.push_str(&format!("explain-async [{}]: {}\n", e.rule.id, e.title));
    let [python, rust, fix] = e.sections();
    for (name, text) in [python, rust] {
        out.push('\n');
        out.push_str(name);
        out.push_str(":\n");
        push_laid_once(&mut out, text);
    }
    out.push('\n');
    match &e.proposal {
        Some(Proposal::Edits(f)) if !e.diff.is_empty() => {
            out.push_str(&format!("Your code, fixed: {}\n", f.title));
            push_diff(&mut out, &e.diff, "  ");
        }
        Some(Proposal::InWords { text, lines }) => {
            out.push_str("What to change:\n");
            push_laid(&mut out, text, "  ");
            for line in lines {
                out.push_str(&format!("  {:>4} | {}\n", line.number, line.text));
            }
        }
        _ => {
            out.push_str(&format!("{} (examples, not your code):\n", fix.0));
            push_laid_once(&mut out, fix.1);
        }
    }
    if let Some(url) = e.rule.url() {
        out.push_str(&format!("\nRead more: {url}\n"));
    }
    out
}

/// A diff as plain lines: `NN - old`, `NN + new`, `NN   context`, files named by a `-->` line
/// when there are several.
pub fn push_diff(out: &mut String, diff: &[FileDiff], indent: &str) {
    for file in diff {
        if diff.len() > 1 {
            out.push_str(&format!("{indent}--> {}\n", file.file));
        }
        for (i, hunk) in file.hunks.iter().enumerate() {
            if i > 0 {
                out.push_str(&format!("{indent}...\n"));
            }
            for line in &hunk.lines {
                let mark = match line.kind {
                    DiffLineKind::Removed => '-',
                    DiffLineKind::Added => '+',
                    DiffLineKind::Context => ' ',
                };
                out.push_str(&format!(
                    "{indent}{:>4} {mark} {}\n",
                    line.number, line.text
                ));
            }
        }
    }
}

/// The fix options of an explanation's Fix section, numbered as written.
pub fn fix_options(e: &Explanation<'_>) -> Vec<String> {
    markdown::fix_options(e.fix())
}

/// [`push_laid`] with the two-space indent of [`plain_text`]. Layout is a pure function of
/// the text, so a section's layout is remembered by its text (per thread, at most 4,096 texts) and copied when the same text
/// comes again: a section without placeholders is the same for every diagnostic its rule
/// explains, and a filled one repeats when the same mistake with the same names does (one
/// `Rc` named `state` held in many functions; each replay of a saved stream).
fn push_laid_once(out: &mut String, text: &str) {
    thread_local! {
        /// Laid-out sections, by their text (a pure function of it).
        static LAID: std::cell::RefCell<foldhash::HashMap<String, String>> =
            Default::default();
    }
    LAID.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(laid) = cache.get(text) {
            out.push_str(laid);
            return;
        }
        let mut laid = String::new();
        push_laid(&mut laid, text, "  ");
        out.push_str(&laid);
        // Bounded: a long stream of distinct filled sections cannot grow it without limit.
        if cache.len() < 4096 {
            cache.insert(text.to_string(), laid);
        }
    });
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
