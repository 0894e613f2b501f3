//! The fix stage: for an explained diagnostic, concrete edits to the user's own files (file,
//! byte range, replacement) with rustc's applicability levels, or, when no sound edit exists,
//! the user's relevant lines and what to change in words. Sits between matching and rendering.
//!
//! Recipes are implemented once, in `recipes/`, and chosen by rule files (`[[fix]] recipe =
//! "…"`). A recipe reads rustc's spans, the rule's captures and, where it needs structure, the
//! enclosing item parsed with `syn`; it writes for the runtime the package uses and never
//! names a crate the package does not depend on (unless adding it is the fix, and it says so).
//!
//! Pure: files are read through [`Sources`]; nothing here writes anywhere.

pub mod edit;
pub mod recipes;
pub mod runtime;
pub mod syntax;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::context::{PackageContext, Project};
use crate::diagnostic::Diagnostic;
use crate::matching::Verdict;

pub use edit::{apply, preview, ApplyError, DiffLine, DiffLineKind, Hunk};
pub use runtime::RuntimeApi;

/// How sure a fix is, with rustc's meaning (`rustc_lint_defs::Applicability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// The edit is definitely what the user wants; `--fix` applies it.
    MachineApplicable,
    /// The edit compiles in the cases we know of but may not be what the user intended.
    MaybeIncorrect,
    /// The edit contains placeholders the user must fill in.
    HasPlaceholders,
}

impl Applicability {
    /// rustc's JSON spelling (`suggestion_applicability`).
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
            Applicability::HasPlaceholders => "HasPlaceholders",
        }
    }
}

/// One replacement in one file. `file` is spelled as rustc spells the diagnostic's files
/// (relative to the workspace root for members), or the package's `Cargo.toml` as cargo gave
/// its `manifest_path`. `start..end` is a byte range of the file's text as read through
/// [`Sources`] (rustc's `byte_start`/`byte_end` for source files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub file: String,
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// A concrete fix: a short title (an imperative sentence in the user's names, used as the
/// editor's quick-fix title), the edits, and how sure it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

/// One quoted source line: its 1-based number and text (without the newline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotedLine {
    pub file: String,
    pub number: usize,
    pub text: String,
}

/// What the fix stage has to say about one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal {
    /// Edits to apply (the human format shows them as a diff of the user's lines).
    Edits(Fix),
    /// No sound edit exists: what to change, in words, and the user's lines it is about.
    InWords {
        text: String,
        lines: Vec<QuotedLine>,
    },
}

/// Reads the user's files as they are now. `file` is spelled as in [`Edit::file`].
pub trait Sources {
    fn read(&self, file: &str) -> Option<Arc<str>>;
}

/// No files at all (tests of renderers, streams replayed away from their sources).
pub struct NoSources;

impl Sources for NoSources {
    fn read(&self, _: &str) -> Option<Arc<str>> {
        None
    }
}

/// Sources held in memory (unit tests of recipes).
#[derive(Debug, Default)]
pub struct MemorySources(pub BTreeMap<String, Arc<str>>);

impl MemorySources {
    pub fn with(mut self, file: &str, text: &str) -> Self {
        self.0.insert(file.to_string(), Arc::from(text));
        self
    }
}

impl Sources for MemorySources {
    fn read(&self, file: &str) -> Option<Arc<str>> {
        self.0.get(file).cloned()
    }
}

/// Everything a recipe may read.
pub struct Input<'a> {
    pub diagnostic: &'a Diagnostic,
    /// The rule's captures (its named regex groups and the built-in ones).
    pub captures: &'a BTreeMap<String, String>,
    /// The package the diagnostic belongs to, when the project context is known.
    pub package: Option<&'a PackageContext>,
    pub sources: &'a dyn Sources,
}

impl Input<'_> {
    /// The runtime spellings for this package (spawn, pin, sleep, block_on, …).
    pub fn runtime(&self) -> RuntimeApi {
        RuntimeApi::for_package(self.package, self.primary_source().as_deref())
    }

    /// The text of the file holding the diagnostic's primary span in the user's code.
    pub fn primary_source(&self) -> Option<Arc<str>> {
        let span = self.diagnostic.user_span()?;
        self.sources.read(&span.file_name)
    }
}

/// A recipe: computes a proposal for one diagnostic, or `None` when it does not apply here
/// (then the rule's next recipe is tried).
pub type Recipe = fn(&Input<'_>) -> Option<Proposal>;

/// The fix stage's entry point: for an explained diagnostic whose rule names recipes, the
/// first sound proposal is stored in the explanation.
pub fn attach(verdict: &mut Verdict<'_>, diagnostic: &Diagnostic, project: &dyn Project) {
    let Verdict::Explained(explanation) = verdict else {
        return;
    };
    if explanation.rule.fix_recipes.is_empty() {
        return;
    }
    let input = Input {
        diagnostic,
        captures: &explanation.captures,
        package: project.package(diagnostic),
        sources: project.sources(),
    };
    explanation.proposal = propose(&explanation.rule.fix_recipes, &input).map(shorten_titles);
    // Every syn parse adds the file to proc-macro2's per-thread source map; without this a
    // long stream would keep every parsed file in memory.
    proc_macro2::extra::invalidate_current_thread_spans();
    if let Some(Proposal::Edits(fix)) = &explanation.proposal {
        let (placed, diff) = show(fix, input.sources);
        explanation.placed = placed;
        explanation.diff = diff;
    }
}

/// Takes the fix from `early`, a verdict on the same line worked out ahead
/// ([`crate::stream::Injected::prejudged`]), when it names the same rule with the same
/// captures as `verdict`: the fix stage reads nothing else from the verdict, so [`attach`]
/// would compute the same fix. Returns whether it did (else the caller attaches one).
pub fn adopt<'r>(verdict: &mut Verdict<'r>, early: Option<Verdict<'r>>) -> bool {
    let (Verdict::Explained(now), Some(Verdict::Explained(early))) = (verdict, early) else {
        return false;
    };
    if !std::ptr::eq(now.rule, early.rule) || now.captures != early.captures {
        return false;
    }
    let early = *early;
    now.proposal = early.proposal;
    now.placed = early.placed;
    now.diff = early.diff;
    true
}

/// A proposal whose words name rustc's anonymous types the way explanations do
/// (`{async block}`, not `{async block@src/main.rs:9:5: 9:10}`): recipes build their titles
/// from captures, so this is done once here.
fn shorten_titles(proposal: Proposal) -> Proposal {
    use crate::rules::template::shorten_anonymous;
    match proposal {
        Proposal::Edits(mut fix) => {
            fix.title = shorten_anonymous(&fix.title);
            Proposal::Edits(fix)
        }
        Proposal::InWords { text, lines } => Proposal::InWords {
            text: shorten_anonymous(&text),
            lines,
        },
    }
}

/// An edit with rustc-style positions (1-based lines and columns counted in characters, end
/// exclusive) and the lines it touches, as the json format's suggestion spans need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub edit: Edit,
    pub line_start: usize,
    pub line_end: usize,
    pub column_start: usize,
    pub column_end: usize,
    /// Each touched line's text (without newline) and the highlighted columns on it.
    pub lines: Vec<(String, usize, usize)>,
}

/// The diff one file gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    pub file: String,
    pub hunks: Vec<Hunk>,
}

/// Lines of context shown around a change.
const CONTEXT: usize = 1;

/// Positions and diffs for a fix whose edits were checked to apply ([`propose`]).
fn show(fix: &Fix, sources: &dyn Sources) -> (Vec<Placed>, Vec<FileDiff>) {
    let mut placed = Vec::new();
    let mut diff = Vec::new();
    let mut files: Vec<&str> = fix.edits.iter().map(|e| e.file.as_str()).collect();
    files.dedup();
    let mut seen = std::collections::BTreeSet::new();
    for file in files {
        if !seen.insert(file) {
            continue;
        }
        let Some(text) = sources.read(file) else {
            continue;
        };
        let edits: Vec<&Edit> = fix.edits.iter().filter(|e| e.file == file).collect();
        for edit in &edits {
            placed.push(place(&text, edit));
        }
        if let Ok(hunks) = preview(&text, edits.iter().copied(), CONTEXT) {
            diff.push(FileDiff {
                file: file.to_string(),
                hunks,
            });
        }
    }
    (placed, diff)
}

/// rustc-style positions of an edit in `text` (its range was checked to be on char
/// boundaries).
pub fn place(text: &str, edit: &Edit) -> Placed {
    let position = |at: usize| {
        let at = at.min(text.len());
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = text[..start].matches('\n').count() + 1;
        let column = text.get(start..at).map_or(1, |s| s.chars().count() + 1);
        (line, column, start)
    };
    let (line_start, column_start, first_line_at) = position(edit.start);
    let (line_end, column_end, _) = position(edit.end);
    let mut lines = Vec::new();
    let mut at = first_line_at;
    for number in line_start..=line_end {
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = text[at..end].trim_end_matches('\r').to_string();
        let from = if number == line_start {
            column_start
        } else {
            1
        };
        let to = if number == line_end {
            column_end
        } else {
            line.chars().count() + 1
        };
        lines.push((line, from, to));
        at = (end + 1).min(text.len());
    }
    Placed {
        edit: edit.clone(),
        line_start,
        line_end,
        column_start,
        column_end,
        lines,
    }
}

/// Runs a rule's recipes in order and returns the first proposal that is sound: its edits
/// apply cleanly to the files as read now (ranges inside the text, on char boundaries, not
/// overlapping, and the text under a rustc span still what rustc quoted).
pub fn propose(recipe_names: &[String], input: &Input<'_>) -> Option<Proposal> {
    for name in recipe_names {
        let Some(recipe) = recipes::get(name) else {
            continue;
        };
        let Some(proposal) = recipe(input) else {
            continue;
        };
        if let Proposal::Edits(fix) = &proposal {
            if !edits_apply(fix, input.sources) {
                continue;
            }
        }
        return Some(proposal);
    }
    None
}

/// Whether every edit of `fix` applies to the current text of its file.
fn edits_apply(fix: &Fix, sources: &dyn Sources) -> bool {
    if fix.edits.is_empty() {
        return false;
    }
    let mut files: Vec<&str> = fix.edits.iter().map(|e| e.file.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    files.into_iter().all(|file| {
        let Some(text) = sources.read(file) else {
            return false;
        };
        let edits: Vec<&Edit> = fix.edits.iter().filter(|e| e.file == file).collect();
        apply(&text, edits.iter().copied()).is_ok()
    })
}
