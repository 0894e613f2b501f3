//! Rulebook × diagnostic → at most one [`Finding`]. Pure: no I/O, no global state.
//!
//! A rule matches when every condition holds: level, code (if given), the message regex,
//! each child regex on a distinct child message, and each label regex on some span label of
//! the diagnostic or its children. Among matching rules the most specific wins: higher
//! `priority`, then more conditions, then the smaller id (so results are deterministic).
use std::collections::BTreeMap;

use cargo_metadata::diagnostic::Diagnostic as RustcDiagnostic;

use crate::diagnostic::Diagnostic;
use crate::rules::{Pattern, Rule, Rulebook};

/// A rule that explains a diagnostic, with the values its placeholders take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Index of the rule in the rulebook.
    pub rule: usize,
    /// Named captures of the rule's regexes plus the built-in captures.
    pub captures: BTreeMap<String, String>,
}

/// Finds the most specific rule that explains `diag`, if any.
///
/// The bucket lists its candidates most specific first (see [`Rule::specificity`]), so the
/// first one whose conditions all hold wins and the rest are never evaluated.
pub fn find(book: &Rulebook, diag: &Diagnostic) -> Option<Finding> {
    let rustc = &diag.rustc;
    let level = diag.level();
    let (bucket, candidates, prefiltered) = book.candidates(diag.code(), &rustc.message);
    let mut facts = Facts::new(rustc);
    for set_index in candidates {
        let index = bucket.rules[set_index];
        let rule = book.rule(index);
        if !rule.level.accepts(level) {
            continue;
        }
        if !rule.codes.is_empty()
            && !diag
                .code()
                .is_some_and(|c| rule.codes.iter().any(|r| r == c))
        {
            continue;
        }
        if let Some(mut captures) = evaluate(rule, &mut facts, prefiltered) {
            add_builtin_captures(diag, &mut captures);
            return Some(Finding {
                rule: index,
                captures,
            });
        }
    }
    None
}

/// What the conditions read from a diagnostic, gathered once per diagnostic on first use
/// (several candidate rules may read the same lists).
struct Facts<'a> {
    rustc: &'a RustcDiagnostic,
    children: Option<Vec<&'a RustcDiagnostic>>,
    labels: Option<Vec<(&'a str, usize)>>,
    source: Option<Vec<&'a str>>,
}

impl<'a> Facts<'a> {
    fn new(rustc: &'a RustcDiagnostic) -> Self {
        Facts {
            rustc,
            children: None,
            labels: None,
            source: None,
        }
    }

    fn children(&mut self) -> &[&'a RustcDiagnostic] {
        let rustc = self.rustc;
        self.children.get_or_insert_with(|| {
            let mut out = Vec::new();
            flatten_children(rustc, &mut out);
            out
        })
    }

    fn labels(&mut self) -> &[(&'a str, usize)] {
        let rustc = self.rustc;
        self.labels.get_or_insert_with(|| {
            let mut out = Vec::new();
            collect_labels(rustc, &mut out);
            out
        })
    }

    fn source(&mut self) -> &[&'a str] {
        let rustc = self.rustc;
        self.source.get_or_insert_with(|| {
            let mut out = Vec::new();
            collect_source(rustc, &mut out);
            out
        })
    }
}

/// Checks the message, child, label and source conditions; returns the captures when all
/// hold. `prefiltered`: the bucket's `RegexSet` already matched the message pattern.
///
/// Every condition is first decided with `is_match` alone, remembering which text satisfied
/// it; only a rule whose conditions all hold pays for capture groups, on exactly those texts.
/// (Capturing costs a forward, a reverse and a slot search; most candidates fail on a later
/// condition, so capturing as they went was most of the matching time: BENCHMARKS.md.)
fn evaluate(
    rule: &Rule,
    facts: &mut Facts<'_>,
    prefiltered: bool,
) -> Option<BTreeMap<String, String>> {
    let rustc = facts.rustc;
    if let Some(re) = &rule.message {
        if !prefiltered && !re.is_match(&rustc.message) {
            return None;
        }
    }
    let mut chosen = Vec::new();
    if !rule.children.is_empty() {
        let children = facts.children();
        chosen = vec![usize::MAX; rule.children.len()];
        if !assign_children(&rule.children, children, &mut chosen, 0) {
            return None;
        }
    }
    let mut label_hits = Vec::with_capacity(rule.labels.len());
    if !rule.labels.is_empty() {
        let labels = facts.labels();
        for re in &rule.labels {
            label_hits.push(labels.iter().position(|(l, _)| re.is_match(l))?);
        }
    }
    let mut source_hit = None;
    if let Some(re) = &rule.source {
        source_hit = Some(facts.source().iter().position(|t| re.is_match(t))?);
    }

    // Every condition holds: now the capture groups, on the texts that satisfied them.
    let mut captures = BTreeMap::new();
    if let Some(re) = &rule.message {
        collect(re, &rustc.message, &mut captures)?;
    }
    if !rule.children.is_empty() {
        let children = facts.children();
        for (re, &child) in rule.children.iter().zip(&chosen) {
            collect(re, &children[child].message, &mut captures)?;
        }
    }
    if !rule.labels.is_empty() {
        let labels = facts.labels();
        for (re, &hit) in rule.labels.iter().zip(&label_hits) {
            let (text, line) = labels[hit];
            collect(re, text, &mut captures)?;
            // `{name_line}`: the line of the span whose label gave `name` (an await, a binding).
            for name in re.capture_names().flatten() {
                captures
                    .entry(format!("{name}_line"))
                    .or_insert_with(|| line.to_string());
            }
        }
    }
    if let (Some(re), Some(hit)) = (&rule.source, source_hit) {
        let text = facts.source()[hit];
        collect(re, text, &mut captures)?;
    }
    Some(captures)
}

/// Matches each child condition to a distinct child (backtracking; conditions are few):
/// `chosen[k]` becomes the child of condition `k`. `chosen[..at]` is already assigned.
fn assign_children(
    conditions: &[Pattern],
    children: &[&RustcDiagnostic],
    chosen: &mut [usize],
    at: usize,
) -> bool {
    let Some(condition) = conditions.get(at) else {
        return true;
    };
    for (i, child) in children.iter().enumerate() {
        if chosen[..at].contains(&i) || !condition.is_match(&child.message) {
            continue;
        }
        chosen[at] = i;
        if assign_children(conditions, children, chosen, at + 1) {
            return true;
        }
    }
    false
}

fn has_names(re: &Pattern) -> bool {
    re.capture_names().flatten().next().is_some()
}

pub(super) fn flatten_children<'a>(d: &'a RustcDiagnostic, out: &mut Vec<&'a RustcDiagnostic>) {
    for child in &d.children {
        out.push(child);
        flatten_children(child, out);
    }
}

pub(super) fn collect_labels<'a>(d: &'a RustcDiagnostic, out: &mut Vec<(&'a str, usize)>) {
    out.extend(
        d.spans
            .iter()
            .filter_map(|s| s.label.as_deref().map(|l| (l, s.line_start))),
    );
    for child in &d.children {
        collect_labels(child, out);
    }
}

/// Source lines quoted by the diagnostic's spans and its children's, primary spans first.
fn collect_source<'a>(d: &'a RustcDiagnostic, out: &mut Vec<&'a str>) {
    let (primary, other): (Vec<_>, Vec<_>) = d.spans.iter().partition(|s| s.is_primary);
    for span in primary.into_iter().chain(other) {
        out.extend(span.text.iter().map(|t| t.text.as_str()));
    }
    for child in &d.children {
        collect_source(child, out);
    }
}

/// Adds the named groups of `re` on `text` to `captures` (first value wins). `None` if no match.
/// Only called on a text the regex is known to match, so a regex without names costs nothing.
fn collect(re: &Pattern, text: &str, captures: &mut BTreeMap<String, String>) -> Option<()> {
    if !has_names(re) {
        return Some(());
    }
    re.named_captures(text, |name, value| {
        captures
            .entry(name.to_string())
            .or_insert_with(|| sanitize(value));
    })
    .then_some(())
}

fn add_builtin_captures(diag: &Diagnostic, captures: &mut BTreeMap<String, String>) {
    let mut put = |k: &str, v: String| {
        captures.entry(k.to_string()).or_insert(v);
    };
    if let Some(span) = diag.primary_span() {
        put("file", sanitize(&span.file_name));
        put("line", span.line_start.to_string());
        put("column", span.column_start.to_string());
    }
    if let Some(snippet) = diag.primary_snippet() {
        put("snippet", sanitize(&snippet));
    }
    if let Some(code) = diag.code() {
        put("code", sanitize(code));
    }
    put("level", diag.level().to_string());
}

/// Captured text goes into our own output: drop control characters (ANSI escapes, newlines),
/// Unicode line and paragraph separators, bidirectional controls and invisible characters, so
/// compiler text can never forge, reorder or hide parts of our block.
pub fn sanitize(text: &str) -> String {
    strip_unsafe(text, false).into_owned()
}

/// `text` without the characters [`is_unsafe_char`] names, keeping CR and LF when
/// `keep_line_breaks` (for a caller that escapes them itself). Most text is printable ASCII,
/// which holds no unsafe character, and is returned as it is.
pub fn strip_unsafe(text: &str, keep_line_breaks: bool) -> std::borrow::Cow<'_, str> {
    // Most text holds nothing unsafe and is returned as it is; the rest is copied.
    if !has_unsafe(text.as_bytes(), keep_line_breaks) {
        return std::borrow::Cow::Borrowed(text);
    }
    let kept = |c: char| (keep_line_breaks && matches!(c, '\r' | '\n')) || !is_unsafe_char(c);
    text.chars().filter(|&c| kept(c)).collect()
}

/// Whether UTF-8 `text` holds a character [`is_unsafe_char`] names (CR and LF aside when
/// `keep_line_breaks`), decided on bytes: every such character is a control byte or starts
/// with `C2`, `D8`, `E2` or `EF`, so ordinary text (ASCII, accents, CJK, arrows) is read
/// once without decoding. A test checks it against `is_unsafe_char` for every character
/// below U+11000.
///
/// Eight bytes at a time: a word of printable ASCII (no byte below 0x20, none at 0x7F or
/// above) holds nothing unsafe and no start of a multi-byte character, and is skipped whole;
/// only the bytes of other words are looked at one by one. (The byte-by-byte loop was the
/// github format's largest single cost: it reads each annotation's whole text.)
fn has_unsafe(b: &[u8], keep_line_breaks: bool) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut words = b.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let w = u64::from_ne_bytes(word.try_into().unwrap_or([0; 8]));
        // Some byte below 0x20 (the classic "has a byte less than n" test), or some byte of
        // 0x7F or above (adding 1 sets the high bit of 0x7F; 0x80 and above have it).
        let low = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        let high = (w.wrapping_add(ONES) | w) & HIGH;
        if low | high != 0 && unsafe_in(b, at, at + 8, keep_line_breaks) {
            return true;
        }
        at += 8;
    }
    unsafe_in(b, at, b.len(), keep_line_breaks)
}

/// Whether a character [`is_unsafe_char`] names starts in `b[from..to]` (its later bytes may
/// lie beyond `to`).
fn unsafe_in(b: &[u8], from: usize, to: usize, keep_line_breaks: bool) -> bool {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = from;
    while i < to {
        let unsafe_here = match b[i] {
            b'\r' | b'\n' => !keep_line_breaks,
            0x00..=0x1f | 0x7f => true,
            // U+0080–U+009F (C1 controls).
            0xc2 => (0x80..=0x9f).contains(&at(i + 1)),
            // U+061C.
            0xd8 => at(i + 1) == 0x9c,
            0xe2 => match at(i + 1) {
                // U+200B–U+200F, U+2028–U+202E.
                0x80 => matches!(at(i + 2), 0x8b..=0x8f | 0xa8..=0xae),
                // U+2060, U+2066–U+2069.
                0x81 => matches!(at(i + 2), 0xa0 | 0xa6..=0xa9),
                _ => false,
            },
            // U+FEFF.
            0xef => at(i + 1) == 0xbb && at(i + 2) == 0xbf,
            _ => false,
        };
        if unsafe_here {
            return true;
        }
        i += 1;
    }
    false
}

/// Characters never copied from a diagnostic into our own text: C0/C1 controls (ESC starts
/// ANSI sequences, CR/LF/VT/FF break lines), U+2028/U+2029 (line and paragraph separators),
/// bidi embeddings, overrides, isolates and marks (U+202A–E, U+2066–9, U+200E/F, U+061C),
/// and zero-width characters (U+200B–D, U+2060, U+FEFF).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200B}'..='\u{200F}'
                | '\u{061C}'
                | '\u{2060}'
                | '\u{FEFF}'
        )
}

#[cfg(test)]
mod sanitize_tests {
    use super::*;

    #[test]
    fn sanitize_drops_everything_that_could_reshape_a_line() {
        let hostile = "a\u{1b}[31mb\nc\rd\u{2028}e\u{2029}f\u{202e}g\u{2067}h\u{200b}i\u{feff}j\u{61c}k\u{2060}l\u{85}m";
        assert_eq!(sanitize(hostile), "a[31mbcdefghijklm");
        // Ordinary Unicode (type names, identifiers, emoji) is kept.
        assert_eq!(sanitize("Rc<Vec<&str>> é 名前 ✓"), "Rc<Vec<&str>> é 名前 ✓");
        assert_eq!(strip_unsafe("a\r\n\u{feff}b\u{200b}", true), "a\r\nb");
        assert_eq!(strip_unsafe("a\r\n\u{feff}b", false), "ab");
    }

    #[test]
    fn the_byte_check_names_exactly_the_unsafe_characters() {
        // At every place in an eight-byte word (and across the end of one), before printable
        // ASCII and before text that makes the word path look at its bytes.
        for keep in [false, true] {
            for c in (0..0x11000u32).filter_map(char::from_u32) {
                let want = (!keep || !matches!(c, '\r' | '\n')) && is_unsafe_char(c);
                for before in [0, 1, 6, 7, 9, 15] {
                    for after in ["b", "bcdefghijklmnop", "\u{e9}cdefghij\n"] {
                        let text = format!("{}{c}{after}", "a".repeat(before));
                        let want = want || (!keep && after.contains('\n'));
                        assert_eq!(
                            has_unsafe(text.as_bytes(), keep),
                            want,
                            "{:04X} {keep} {before} {after:?}",
                            c as u32
                        );
                    }
                }
            }
        }
    }
}
