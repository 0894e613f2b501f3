//! Our own source checks: asyncio habits that compile without a word from rustc or default
//! clippy (issue 6). They read the workspace members' sources with `syn` (no type
//! information), so every check is syntactic and conservative: when unsure, it stays silent.
//!
//! A finding becomes a cargo-compatible `compiler-message` line (see [`emit`]) with the code
//! `explain_async::<check>`, so it flows through the same matching and rendering as rustc's
//! diagnostics, and a rule file in `explanations/` explains it. This module never writes to
//! stdout; [`workspace::run`] returns lines for the stream loop to inject.
//!
//! - [`resolve`]: `use`-item resolution, so `use std::thread; thread::sleep(..)` is seen as
//!   `std::thread::sleep` while `use tokio::time::sleep; sleep(..)` is not.
//! - [`analyzer`]: one walk over a file that runs the three checks.
//! - [`allow`]: `// explain-async: allow(<check>)` comments.
//! - [`emit`]: a finding as a JSON line with a rustc-style `rendered` (annotate-snippets).
//! - [`workspace`]: which files to read (cargo metadata targets, module tree), and the run.

pub mod allow;
pub mod analyzer;
pub mod apis;
pub mod background;
pub mod emit;
pub mod resolve;
pub mod workspace;

use std::fmt;

/// The source checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// A known blocking call (`std::thread::sleep`, `std::fs::*`, …) inside async code.
    BlockingCallInAsync,
    /// A loop that awaits `.accept()` and then awaits handling of the connection inline.
    SequentialAcceptLoop,
    /// An async lock guard still alive at a later, unrelated `.await`.
    LockHeldAcrossAwait,
}

impl Check {
    /// Every check, in id order.
    pub const ALL: [Check; 3] = [
        Check::BlockingCallInAsync,
        Check::LockHeldAcrossAwait,
        Check::SequentialAcceptLoop,
    ];

    /// The check's id: also the id of the rule that explains it and the name used in
    /// `allow(...)`.
    pub fn id(self) -> &'static str {
        match self {
            Check::BlockingCallInAsync => "blocking_call_in_async",
            Check::SequentialAcceptLoop => "sequential_accept_loop",
            Check::LockHeldAcrossAwait => "lock_held_across_await",
        }
    }

    /// The diagnostic code findings carry (`explain_async::<id>`).
    pub fn code(self) -> String {
        format!("{CODE_PREFIX}{}", self.id())
    }

    /// The check with this id.
    pub fn from_id(id: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.id() == id)
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Prefix of the codes our findings carry; tells them apart from rustc's in a stream.
pub const CODE_PREFIX: &str = "explain_async::";

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

/// One finding of one check in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub check: Check,
    /// The diagnostic's message (rustc's first line).
    pub message: String,
    /// The primary label first, then context labels.
    pub labels: Vec<Label>,
    /// `(level, text)` children without spans: `note`, `help`.
    pub notes: Vec<(&'static str, String)>,
    /// First lines of the items and statements enclosing the finding, outermost first; an
    /// `allow` comment just above any of them silences the finding.
    pub anchors: Vec<usize>,
}

impl Finding {
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
) -> Result<analyzer::FileReport, syn::Error> {
    let mut report = analyzer::analyze(text, include_cfg_test)?;
    let allows = allow::Allows::scan(text);
    report.findings.retain(|f| !allows.silences(f));
    Ok(report)
}
