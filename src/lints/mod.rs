//! Source checks: asyncio habits that compile without a word from rustc or default clippy
//! (issue 6). They read the workspace members' sources with `syn` (no type information), so
//! every check is syntactic and conservative: when unsure, it stays silent. (The folder and
//! the `--no-lints`/`--deny-lints` flags keep the older word "lints"; in code the concept is
//! [`Check`], in prose "source check".)
//!
//! A finding ([`CheckFinding`]) becomes a cargo-compatible `compiler-message` line (see
//! [`emit`]) with the code `explain_async::<check_id>`, so it flows through the same matching
//! and rendering as rustc's diagnostics, and a rule file in `explanations/` explains it. This
//! module never writes to stdout; [`workspace::run`] returns lines for the stream loop to
//! inject.
//!
//! The shape is clippy's: one file per check under one shared pass.
//! - [`walker`]: the pass. One walk over a parsed file that keeps the scope (async or not,
//!   `use` items, known local types, enclosing items) and hands every expression and block
//!   to every check as a [`walker::Node`], with a [`walker::CheckContext`] to ask and report.
//! - [`checks`]: the list of checks ([`Check`]) and `checks/<check_id>.rs`, one per check,
//!   each with its `check(cx, node)` and its own unit tests.
//! - [`syntax`]: questions about `syn` trees any check may ask (strip `?`, which names a
//!   pattern binds, the first `.await` in the current context, …).
//! - [`resolve`]: `use`-item resolution, so `use std::thread; thread::sleep(..)` is seen as
//!   `std::thread::sleep` while `use tokio::time::sleep; sleep(..)` is not.
//! - [`apis`]: the std and reqwest APIs known to block, and the types the walk follows.
//! - [`allow`]: `// explain-async: allow(<check_id>)` comments.
//! - [`emit`]: a finding as a JSON line with a rustc-style `rendered` (annotate-snippets).
//! - [`workspace`]: which files to read (cargo metadata targets, module tree), and the run.
//! - [`background`]: the thread the run goes on while cargo builds.
//!
//! # Adding a source check
//!
//! 1. Write `src/lints/checks/<check_id>.rs` (the id is a snake_case noun for the situation).
//!    It opens with a `//!` saying what it finds and what it leaves alone, and has
//!    `pub(super) fn check<'ast>(cx: &mut CheckContext<'ast, '_>, node: Node<'ast>)`: match
//!    the nodes you care about, return at once for the rest, ask `cx` about the scope
//!    (`async_context`, `resolve`, `known_type`, `is_local`, …), and call
//!    `cx.report(Check::<Name>, message, labels, notes)`; the walk adds the note on how to
//!    silence it. Put its unit tests beside it: `crate::lints::found` gives
//!    `(check_id, line)` pairs. If it needs the walk to stop somewhere new (a statement, a
//!    macro call), add a [`walker::Node`] variant for it.
//! 2. In `checks/mod.rs`, add `mod <check_id>;` and one line `<Name> => <check_id>,` at the
//!    end of the `declare_checks!` list. Forgetting either is caught: a file without its
//!    `mod` line fails the unit test in `checks/mod.rs`, a `mod` line without its list entry
//!    leaves `check` unused (a warning `cargo clippy -- -D warnings` rejects), and a list
//!    entry whose module has no `check` does not compile.
//! 3. Write the rule that explains it, `explanations/<check_id>.md`, matching
//!    `level = "warning"` and `code = "explain_async::<check_id>"`, with captures from the
//!    message (copy an existing check's rule).
//! 4. Add fixtures, as for any rule: `tests/fixtures/<check_id>/` with
//!    `// explain-async: <check_id>` on each line the check must flag, and near misses
//!    `tests/fixtures/<check_id>__<variant>/` it must leave alone; list both in `members` of
//!    `tests/fixtures/Cargo.toml` and record their cargo streams with
//!    `scripts/record-streams.sh` (the replay layer wants one per member, and shows that
//!    rustc itself says nothing there). `tests/lints.rs` runs every check over every fixture
//!    and snapshots each check's output in every format (`snapshots/lints/`), and
//!    `tests/rule_blocks.rs` the rule's block (`snapshots/rules/`); read the new snapshots,
//!    then accept them with `cargo insta review`.

pub mod allow;
pub mod apis;
pub mod background;
pub mod checks;
pub mod emit;
pub mod memo;
pub mod resolve;
pub mod syntax;
pub mod walker;
pub mod workspace;

pub use checks::{Check, CODE_PREFIX};

/// A position in a source file: 1-based line, 0-based column in characters (as
/// `proc_macro2` reports it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// A labelled region of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub lo: Pos,
    pub hi: Pos,
    pub text: String,
    /// The primary label is where the finding is (rustc's `^^^`); others give context.
    pub primary: bool,
}

/// One finding of one source check in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFinding {
    pub check: Check,
    /// The diagnostic's message (rustc's first line).
    pub message: String,
    /// The primary label first, then context labels.
    pub labels: Vec<Label>,
    /// `(level, text)` children without spans: `note`, `help`.
    pub notes: Vec<(&'static str, String)>,
    /// First lines of the items and statements enclosing the finding, outermost first; an
    /// `allow` comment just above any of them silences the finding.
    pub enclosing: Vec<usize>,
}

impl CheckFinding {
    /// The primary label (every finding has one).
    pub fn primary(&self) -> &Label {
        &self.labels[0]
    }
}

/// Runs the checks over one file's text. `include_cfg_test`: whether `#[cfg(test)]` items are
/// compiled in this run (else they are skipped, like the compiler skips them). Findings that
/// an `allow` comment in the file silences are already removed. Fails only when the file does
/// not parse (rustc will report it; we stay silent).
pub fn analyze_source(
    text: &str,
    include_cfg_test: bool,
) -> Result<walker::FileReport, syn::Error> {
    let mut report = walker::analyze(text, include_cfg_test)?;
    let allows = allow::Allows::scan(text);
    report.findings.retain(|f| !allows.silences(f));
    Ok(report)
}

/// `(check_id, line)` of every finding in `src`, in the order of the walk (for the checks'
/// unit tests).
#[cfg(test)]
pub(crate) fn found(src: &str) -> Vec<(&'static str, usize)> {
    analyze_source(src, false)
        .unwrap()
        .findings
        .iter()
        .map(|f| (f.check.id(), f.primary().lo.line))
        .collect()
}
