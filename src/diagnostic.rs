//! One line of cargo's `--message-format=json` stream, classified. A compiler message becomes
//! an owned [`Diagnostic`]; everything else (artifact notices, unknown reasons, text, broken
//! JSON, non-UTF-8 bytes) is kept as raw bytes so it can be passed through untouched.
//!
//! This module never touches processes or stdout; it only turns bytes into values.

use cargo_metadata::diagnostic::{Diagnostic as RustcDiagnostic, DiagnosticSpan};
use serde::Deserialize;

/// One line as read, with its terminator (`\n`, `\r\n` or none at end of input).
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub raw: &'a [u8],
}

impl<'a> Line<'a> {
    /// The line without its `\n` / `\r\n` terminator.
    pub fn content(&self) -> &'a [u8] {
        let mut c = self.raw;
        if let Some(rest) = c.strip_suffix(b"\n") {
            c = rest;
            if let Some(rest) = c.strip_suffix(b"\r") {
                c = rest;
            }
        }
        c
    }

    /// The terminator exactly as read (possibly empty).
    pub fn terminator(&self) -> &'a [u8] {
        &self.raw[self.content().len()..]
    }
}

/// What a line turned out to be.
#[derive(Debug)]
pub enum Event {
    /// A `compiler-message`: a rustc (or clippy) diagnostic.
    Diagnostic(Box<Diagnostic>),
    /// Valid cargo JSON that is not a diagnostic (`compiler-artifact`, `build-finished`, …).
    CargoJson(CargoLine),
    /// Anything else: text, blank lines, broken or non-UTF-8 input. Passed through.
    Text,
}

/// What the stream needs from a cargo line that is not a diagnostic, read in the same parse.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CargoLine {
    /// `build-finished`: cargo's last line.
    pub finished: bool,
    /// A `compiler-artifact`'s package id (cargo prints one per checked unit, fresh or not,
    /// so a build with nothing to compile still tells which members it covered).
    pub artifact_of: Option<String>,
}

/// An owned view of one compiler message.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// rustc's diagnostic as cargo_metadata models it.
    pub rustc: RustcDiagnostic,
    /// Cargo's package id of the crate being compiled, when given.
    pub package_id: Option<String>,
    /// The target's main source file, when given (used to resolve relative paths).
    pub src_path: Option<String>,
    /// The package's `Cargo.toml` (absolute), when given: where a finding without a span in
    /// the user's code is anchored by the machine formats.
    pub manifest_path: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    reason: String,
    #[serde(default)]
    package_id: Option<String>,
    #[serde(default)]
    manifest_path: Option<String>,
    #[serde(default)]
    target: Option<TargetLite>,
    #[serde(default)]
    message: Option<RustcDiagnostic>,
}

#[derive(Deserialize)]
struct TargetLite {
    #[serde(default)]
    src_path: Option<String>,
}

/// Classifies one line. Never fails: what cannot be understood is [`Event::Text`].
pub fn classify(line: Line<'_>) -> Event {
    let content = line.content();
    // Cargo's JSON lines are objects; anything else is text without the cost of a parse.
    if content.first() != Some(&b'{') {
        return Event::Text;
    }
    let Ok(env) = parse_envelope(content) else {
        return Event::Text;
    };
    match (env.reason.as_str(), env.message) {
        ("compiler-message", Some(message)) => Event::Diagnostic(Box::new(Diagnostic {
            rustc: message,
            package_id: env.package_id,
            src_path: env.target.and_then(|t| t.src_path),
            manifest_path: env.manifest_path,
        })),
        ("compiler-message", None) => Event::Text,
        (reason, _) => Event::CargoJson(CargoLine {
            finished: reason == "build-finished",
            artifact_of: env.package_id.filter(|_| reason == "compiler-artifact"),
        }),
    }
}

fn parse_envelope(content: &[u8]) -> serde_json::Result<Envelope> {
    // One UTF-8 check of the whole line (vectorised), then a parse that trusts it: parsing
    // from bytes checks every string, piece by piece between escapes, which cost about 4 % of
    // the process on a benchmark stream. A line that is not UTF-8 takes the byte parser, which
    // accepts or rejects it exactly as before.
    match std::str::from_utf8(content) {
        Ok(text) => deserialize_whole(serde_json::Deserializer::from_str(text)),
        Err(_) => deserialize_whole(serde_json::Deserializer::from_slice(content)),
    }
}

fn deserialize_whole<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> serde_json::Result<Envelope> {
    let env = Envelope::deserialize(&mut de)?;
    de.end()?;
    Ok(env)
}

impl Diagnostic {
    /// The rustc code or lint name (`E0277`, `unused_must_use`, `clippy::…`), if any.
    pub fn code(&self) -> Option<&str> {
        self.rustc.code.as_ref().map(|c| c.code.as_str())
    }

    /// The level as rustc spells it (`error`, `warning`, `failure-note`, …).
    pub fn level(&self) -> &'static str {
        self.severity().as_str()
    }

    /// The level, typed.
    pub fn severity(&self) -> Severity {
        Severity::of(&self.rustc.level)
    }

    /// `level[code]: message` (or `level: message` without a code): how rustc opens a
    /// diagnostic, the one spelling every renderer uses. `message` is the caller's (the whole
    /// message, its first line, or a sanitized form).
    pub fn headline(&self, message: &str) -> String {
        match self.code() {
            Some(code) => format!("{}[{code}]: {message}", self.level()),
            None => format!("{}: {message}", self.level()),
        }
    }

    /// The primary span: the first span rustc marks primary, else the first span.
    pub fn primary_span(&self) -> Option<&DiagnosticSpan> {
        let spans = &self.rustc.spans;
        spans
            .iter()
            .find(|s| s.is_primary)
            .or_else(|| spans.first())
    }

    /// Where the diagnostic is in the user's own code: the primary span when it lies in a
    /// workspace file, else the first macro call site (following `expansion`) that does.
    /// Errors raised inside a dependency's macro (`tokio::select!`) land on the user's call.
    pub fn user_span(&self) -> Option<&DiagnosticSpan> {
        let primary = self.primary_span()?;
        let mut span = primary;
        loop {
            if is_user_path(&span.file_name) {
                return Some(span);
            }
            match &span.expansion {
                Some(expansion) => span = &expansion.span,
                None => return Some(primary),
            }
        }
    }

    /// The source text under the primary span, as rustc quoted it (joined across lines).
    pub fn primary_snippet(&self) -> Option<String> {
        span_snippet(self.primary_span()?)
    }
}

/// The source text under a span: each quoted line's highlighted part, trimmed, empty parts
/// skipped, joined with spaces. `None` when rustc quoted nothing.
pub fn span_snippet(span: &DiagnosticSpan) -> Option<String> {
    let mut pieces = Vec::new();
    for line in &span.text {
        let text = line.text.as_str();
        let start = line.highlight_start.saturating_sub(1);
        let end = line.highlight_end.saturating_sub(1).max(start);
        // rustc's highlight columns count characters (1-based), not bytes.
        let from = char_offset(text, start);
        let to = char_offset(text, end);
        let piece = text[from..to].trim();
        if !piece.is_empty() {
            pieces.push(piece);
        }
    }
    (!pieces.is_empty()).then(|| pieces.join(" "))
}

/// The byte offset of character `n` of `text`, or its length when it has fewer characters.
fn char_offset(text: &str, n: usize) -> usize {
    if text.is_ascii() {
        return n.min(text.len());
    }
    text.char_indices().nth(n).map_or(text.len(), |(i, _)| i)
}

/// Whether rustc's `file_name` names a file of the workspace being checked. rustc gives
/// workspace files relative to the workspace root and everything else (registry crates, the
/// standard library, `<anon>` inputs) absolute or in angle brackets; recorded test streams
/// replace absolute prefixes with `[ROOT]`, `[CARGO_HOME]` or `[SYSROOT]`.
pub fn is_user_path(file_name: &str) -> bool {
    !(file_name.is_empty()
        || file_name.starts_with(['/', '\\', '<', '['])
        || std::path::Path::new(file_name).is_absolute())
}

/// A diagnostic's level, typed (rustc's `level` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// An internal compiler error.
    Ice,
    Error,
    Warning,
    Note,
    Help,
    FailureNote,
}

impl Severity {
    /// The severity of rustc's level (levels cargo_metadata does not know count as notes).
    pub fn of(level: &cargo_metadata::diagnostic::DiagnosticLevel) -> Self {
        use cargo_metadata::diagnostic::DiagnosticLevel as L;
        match level {
            L::Ice => Severity::Ice,
            L::Error => Severity::Error,
            L::Warning => Severity::Warning,
            L::FailureNote => Severity::FailureNote,
            L::Note => Severity::Note,
            L::Help => Severity::Help,
            _ => Severity::Note,
        }
    }

    /// rustc's spelling, as it opens a rendered diagnostic.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ice => "error: internal compiler error",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::FailureNote => "failure-note",
            Severity::Note => "note",
            Severity::Help => "help",
        }
    }

    /// Errors, internal compiler errors included.
    pub fn is_error(self) -> bool {
        matches!(self, Severity::Error | Severity::Ice)
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// rustc's spelling of a level.
pub fn level_name(level: &cargo_metadata::diagnostic::DiagnosticLevel) -> &'static str {
    Severity::of(level).as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_lines() {
        let text = Line {
            raw: b"   Compiling foo\n",
        };
        assert!(matches!(classify(text), Event::Text));
        let broken = Line {
            raw: b"{\"reason\":\"compiler-message\",\"mess",
        };
        assert!(matches!(classify(broken), Event::Text));
        let done = Line {
            raw: b"{\"reason\":\"build-finished\",\"success\":true}\r\n",
        };
        let Event::CargoJson(cargo) = classify(done) else {
            panic!("not cargo's")
        };
        assert_eq!(
            cargo,
            CargoLine {
                finished: true,
                artifact_of: None
            }
        );
        let artifact = Line {
            raw: b"{\"reason\":\"compiler-artifact\",\"package_id\":\"p 0.1\",\"fresh\":true}\n",
        };
        let Event::CargoJson(cargo) = classify(artifact) else {
            panic!("not cargo's")
        };
        assert_eq!(cargo.artifact_of.as_deref(), Some("p 0.1"));
        assert!(!cargo.finished);
        let other = Line {
            raw: b"{\"reason\":\"build-script-executed\",\"package_id\":\"p 0.1\"}\n",
        };
        assert!(matches!(classify(other), Event::CargoJson(c) if c == CargoLine::default()));
        assert_eq!(done.terminator(), b"\r\n");
        let bad_utf8 = Line {
            raw: b"{\"reason\":\"\xff\"}\n",
        };
        assert!(matches!(classify(bad_utf8), Event::Text));
        let trailing = Line {
            raw: b"{\"reason\":\"build-finished\"} x\n",
        };
        assert!(matches!(classify(trailing), Event::Text));
    }

    #[test]
    fn a_snippet_counts_columns_in_characters() {
        let span: DiagnosticSpan = serde_json::from_value(serde_json::json!({
            "file_name": "src/main.rs", "byte_start": 0, "byte_end": 0,
            "line_start": 1, "line_end": 2, "column_start": 1, "column_end": 1,
            "is_primary": true, "label": null, "suggested_replacement": null,
            "suggestion_applicability": null, "expansion": null,
            "text": [
                { "text": "let é = «名前».await;", "highlight_start": 9, "highlight_end": 19 },
                { "text": "    ascii_only(x)", "highlight_start": 5, "highlight_end": 99 },
                { "text": "ü", "highlight_start": 7, "highlight_end": 3 }
            ]
        }))
        .unwrap();
        assert_eq!(
            span_snippet(&span).as_deref(),
            Some("«名前».await ascii_only(x)")
        );
    }
}
