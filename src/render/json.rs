//! The cargo-compatible JSON stream for editors and scripts. Every input line is written in
//! order; unexplained lines byte-for-byte. An explained `compiler-message` is spliced: its
//! bytes are copied as they were (key order, unknown fields, escapes and number spellings
//! kept), with:
//! - a top-level `"explain_async": {rule, title, url, text}`,
//! - one span-less `help` child carrying the text (rust-analyzer shows those inline),
//! - the text appended to `message.rendered`.

use std::io::{self, Write};

use std::ops::Range;

use super::{plain_text, Item, Renderer};
use crate::fix::{Fix, Placed, Proposal};
use crate::matching::{Explanation, Verdict};

/// Renders the json format.
#[derive(Default)]
pub struct Json;

impl Renderer for Json {
    fn item(&mut self, item: &Item<'_>, out: &mut dyn Write) -> io::Result<()> {
        match item {
            Item::Diagnostic {
                line,
                diagnostic,
                verdict: Verdict::Explained(e),
            } => {
                let text = plain_text(e);
                let ours = Ours {
                    rule: &e.rule.id,
                    title: &e.title,
                    url: e.rule.url(),
                    text: &text,
                    lead: lost_label(diagnostic),
                    fix: fix_child(e),
                };
                match annotate(line.content(), &ours) {
                    Some(bytes) => {
                        out.write_all(&bytes)?;
                        // Keep the line's own terminator; the last line may have none.
                        let term = line.terminator();
                        out.write_all(if term.is_empty() { b"\n" } else { term })
                    }
                    None => out.write_all(line.raw),
                }
            }
            Item::Diagnostic { line, .. } | Item::CargoJson(line) | Item::Text(line) => {
                out.write_all(line.raw)
            }
            // Every json line must stay a cargo message; project notes have no place here.
            Item::Note(_) => Ok(()),
        }
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// What we add to one explained compiler message.
pub struct Ours<'a> {
    pub rule: &'a str,
    pub title: &'a str,
    pub url: Option<&'a str>,
    /// The whole explanation as plain text.
    pub text: &'a str,
    /// A line put before the text in our span-less child only (see [`lost_label`]).
    pub lead: Option<&'a str>,
    /// The fix as a rustc-style child diagnostic, already serialized.
    pub fix: Option<String>,
}

/// rust-analyzer appends the primary span's label to the message only when the diagnostic
/// has no span-less child ("these secondary messages usually duplicate the content of the
/// primary span label", `map_rust_diagnostic_to_lsp` in ra_ap_rust-analyzer 0.0.349's
/// `diagnostics/flycheck_to_proto.rs`). Our explanation is a span-less child, so for a
/// diagnostic that had none, the editor would lose rustc's label ("expected `Profile`, found
/// future"). That label then opens our child's message, and the editor shows exactly what it
/// shows for plain `cargo check`, followed by our text.
pub fn lost_label(d: &crate::diagnostic::Diagnostic) -> Option<&str> {
    let has_spanless_child = d
        .rustc
        .children
        .iter()
        .any(|c| !c.spans.iter().any(|s| s.is_primary));
    if has_spanless_child {
        return None;
    }
    d.rustc
        .spans
        .iter()
        .find(|s| s.is_primary)
        .and_then(|s| s.label.as_deref())
}

/// The fix as a child diagnostic in rustc's JSON schema: a `help` whose message is the fix's
/// title and whose primary spans carry `suggested_replacement` and
/// `suggestion_applicability`. rust-analyzer turns exactly that into a quick fix (primary
/// spans only, `MachineApplicable` or `MaybeIncorrect`; the message becomes the action's
/// title), and rustfix applies it (`--fix`).
pub fn fix_child(e: &Explanation<'_>) -> Option<String> {
    let Some(Proposal::Edits(fix)) = &e.proposal else {
        return None;
    };
    if e.placed.is_empty() || e.placed.len() != fix.edits.len() {
        return None;
    }
    suggestion_child(fix, &e.placed)
}

/// [`fix_child`] for the given placed edits of `fix` (all of them, or those of one file:
/// `--fix` hands rustfix one file's share at a time).
pub fn suggestion_child(fix: &Fix, placed: &[Placed]) -> Option<String> {
    let spans: Vec<serde_json::Value> = placed
        .iter()
        .map(|p| {
            serde_json::json!({
                "file_name": p.edit.file,
                "byte_start": p.edit.start,
                "byte_end": p.edit.end,
                "line_start": p.line_start,
                "line_end": p.line_end,
                "column_start": p.column_start,
                "column_end": p.column_end,
                "is_primary": true,
                "text": p.lines.iter().map(|(text, from, to)| serde_json::json!({
                    "text": text, "highlight_start": from, "highlight_end": to,
                })).collect::<Vec<_>>(),
                "label": null,
                "suggested_replacement": p.edit.replacement,
                "suggestion_applicability": fix.applicability.as_str(),
                "expansion": null,
            })
        })
        .collect();
    let child = serde_json::json!({
        "message": fix.title,
        "code": null,
        "level": "help",
        "spans": spans,
        "children": [],
        "rendered": null,
    });
    serde_json::to_string(&child).ok()
}

/// Adds our fields to one compiler-message line and returns the new line (without its
/// terminator). `None` if the line is not the shape we expect; the caller then passes it
/// through unchanged.
///
/// The line is spliced, not re-serialized: a structural scan finds the byte ranges of the
/// top-level members and of `message`'s members, and every value is copied byte for byte
/// (number spellings and escapes stay as cargo wrote them). Only keys with an escape in them
/// are decoded. Building a `serde_json::Value` of the whole line cost more than parsing the
/// line in the first place (issue 5), and deserializing it into raw members still cost about
/// a tenth of the json format's time (issue 11, BENCHMARKS.md).
pub fn annotate(content: &[u8], ours: &Ours<'_>) -> Option<Vec<u8>> {
    let Ours {
        rule,
        title,
        url,
        text,
        lead,
        fix,
    } = ours;
    let mut scan = Scanner::new(content);
    // The first `message` member must be an object (as serde, deserializing it, required).
    let (top, message_at, message) = scan.whole_object("message")?;
    let children = message.iter().find(|m| scan.key_is(m, "children"))?;
    // `children` must be an array for rust-analyzer and cargo_metadata to accept our child.
    let children = &content[children.value.clone()];
    let inner = children.strip_prefix(b"[")?.strip_suffix(b"]")?;
    // The explanation is escaped once and the literal reused in all three places.
    let text_json = serde_json::to_string(text).ok()?;
    // With a lead, `"{lead}\n{text}"`: the lead escaped on its own, the text's literal reused.
    let child_message = match lead {
        Some(lead) => {
            let lead = serde_json::to_string(lead).ok()?;
            format!("{}\\n{}", &lead[..lead.len() - 1], &text_json[1..])
        }
        None => text_json.clone(),
    };
    let mut child = format!(
        r#"{{"message":{child_message},"code":null,"level":"help","spans":[],"children":[],"rendered":null}}"#
    );
    if let Some(fix) = fix {
        child.push(',');
        child.push_str(fix);
    }
    let ours = format!(
        r#"{{"rule":{},"title":{},"url":{},"text":{text_json}}}"#,
        serde_json::to_string(rule).ok()?,
        serde_json::to_string(title).ok()?,
        serde_json::to_string(&url).ok()?,
    );

    let mut out = Vec::with_capacity(content.len() + 3 * text.len() + child.len() + 256);
    out.push(b'{');
    let mut replaced_ours = false;
    for (i, member) in top.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        scan.write_key(member, &mut out);
        if scan.key_is(member, "explain_async") {
            // Our own output fed back in: replace the old explanation in place.
            out.extend_from_slice(ours.as_bytes());
            replaced_ours = true;
        } else if i == message_at {
            out.push(b'{');
            for (j, m) in message.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                scan.write_key(m, &mut out);
                let value = &content[m.value.clone()];
                if scan.key_is(m, "children") {
                    out.push(b'[');
                    if !inner.trim_ascii().is_empty() {
                        out.extend_from_slice(inner);
                        out.push(b',');
                    }
                    out.extend_from_slice(child.as_bytes());
                    out.push(b']');
                } else if value.starts_with(b"\"") && scan.key_is(m, "rendered") {
                    // Append inside the string literal: rustc's text is not decoded and
                    // re-encoded, only our escaped text and an escaped newline are added.
                    out.extend_from_slice(&value[..value.len() - 1]);
                    out.extend_from_slice(&text_json.as_bytes()[1..text_json.len() - 1]);
                    out.extend_from_slice(b"\\n\"");
                } else {
                    out.extend_from_slice(value);
                }
            }
            out.push(b'}');
        } else {
            out.extend_from_slice(&content[member.value.clone()]);
        }
    }
    if !replaced_ours {
        if !top.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(b"\"explain_async\":");
        out.extend_from_slice(ours.as_bytes());
    }
    out.push(b'}');
    Some(out)
}

/// The bytes that matter when skipping a nested value: brackets and the start of a string.
const STRUCTURAL: [bool; 256] = byte_set(b"\"{}[]");

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// One member of a JSON object: its key's bytes between the quotes (escapes not decoded) and
/// its value's bytes, both as ranges of the line.
struct Member {
    key: Range<usize>,
    value: Range<usize>,
}

/// A structural scan of one JSON line: finds where objects, members and values begin and end,
/// checking brackets, string literals and the colons and commas between members. Literals
/// (numbers, `true`, `false`, `null`) are taken as runs of their characters and not checked
/// further: every line given to it has already been parsed by [`crate::diagnostic::classify`].
struct Scanner<'a> {
    b: &'a [u8],
    /// The open brackets of the value being skipped (reused between values).
    stack: Vec<u8>,
}

impl<'a> Scanner<'a> {
    fn new(b: &'a [u8]) -> Self {
        Scanner {
            b,
            stack: Vec::new(),
        }
    }

    /// The members of the object that is the whole line (whitespace around it allowed), the
    /// index of the first member named `split`, and that member's own members (it must be an
    /// object), found in the same pass.
    fn whole_object(&mut self, split: &str) -> Option<(Vec<Member>, usize, Vec<Member>)> {
        let start = self.ws(0);
        let (members, end, inner) = self.object(start, Some(split))?;
        let (at, inner) = inner?;
        (self.ws(end) == self.b.len()).then_some((members, at, inner))
    }

    /// `at` is a `{`: its members, the index after its `}`, and with `split`, the position and
    /// members of the first member of that name.
    #[allow(clippy::type_complexity)]
    fn object(
        &mut self,
        at: usize,
        split: Option<&str>,
    ) -> Option<(Vec<Member>, usize, Option<(usize, Vec<Member>)>)> {
        if self.b.get(at) != Some(&b'{') {
            return None;
        }
        let mut members = Vec::new();
        let mut inner = None;
        let mut i = self.ws(at + 1);
        if self.b.get(i) == Some(&b'}') {
            return Some((members, i + 1, inner));
        }
        loop {
            if self.b.get(i) != Some(&b'"') {
                return None;
            }
            let key_end = self.string(i)?;
            let key = i + 1..key_end - 1;
            i = self.ws(key_end);
            if self.b.get(i) != Some(&b':') {
                return None;
            }
            let value_start = self.ws(i + 1);
            let value_end = match split {
                Some(name) if inner.is_none() && self.key_range_is(&key, name) => {
                    let (split_members, end, _) = self.object(value_start, None)?;
                    inner = Some((members.len(), split_members));
                    end
                }
                _ => self.value(value_start)?,
            };
            members.push(Member {
                key,
                value: value_start..value_end,
            });
            i = self.ws(value_end);
            match self.b.get(i) {
                Some(b',') => i = self.ws(i + 1),
                Some(b'}') => return Some((members, i + 1, inner)),
                _ => return None,
            }
        }
    }

    /// `at` is a `"`: the index after the closing quote.
    fn string(&self, at: usize) -> Option<usize> {
        /// Most strings of a compiler message are keys and short values: a plain loop over
        /// their first bytes is cheaper than setting up memchr for each (about half of the
        /// scan's time went to memchr on short strings).
        const SHORT: usize = 16;
        let mut i = at + 1;
        loop {
            let rest = self.b.get(i..)?;
            i += match rest[..rest.len().min(SHORT)]
                .iter()
                .position(|&c| c == b'"' || c == b'\\')
            {
                Some(n) => n,
                None => SHORT + memchr::memchr2(b'"', b'\\', rest.get(SHORT..)?)?,
            };
            if self.b[i] == b'"' {
                return Some(i + 1);
            }
            // A backslash and the character it escapes.
            i += 2;
        }
    }

    /// The index after the value that starts at `at`.
    fn value(&mut self, at: usize) -> Option<usize> {
        match *self.b.get(at)? {
            b'"' => self.string(at),
            b'{' | b'[' => self.nested(at),
            _ => {
                let len = self.b[at..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
                    .count();
                (len > 0).then_some(at + len)
            }
        }
    }

    /// `at` is a `{` or `[`: the index after its matching bracket.
    fn nested(&mut self, at: usize) -> Option<usize> {
        self.stack.clear();
        let mut i = at;
        loop {
            i += self
                .b
                .get(i..)?
                .iter()
                .position(|&c| STRUCTURAL[usize::from(c)])?;
            match self.b[i] {
                b'"' => {
                    i = self.string(i)?;
                    continue;
                }
                open @ (b'{' | b'[') => self.stack.push(open),
                close => {
                    let open = self.stack.pop()?;
                    if (open, close) != (b'{', b'}') && (open, close) != (b'[', b']') {
                        return None;
                    }
                    if self.stack.is_empty() {
                        return Some(i + 1);
                    }
                }
            }
            i += 1;
        }
    }

    fn ws(&self, mut i: usize) -> usize {
        while self
            .b
            .get(i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            i += 1;
        }
        i
    }

    /// Whether `m`'s key is `name`, decoding the key only when it has an escape.
    fn key_is(&self, m: &Member, name: &str) -> bool {
        self.key_range_is(&m.key, name)
    }

    fn key_range_is(&self, key: &Range<usize>, name: &str) -> bool {
        let raw = &self.b[key.clone()];
        if !raw.contains(&b'\\') {
            return raw == name.as_bytes();
        }
        let quoted = &self.b[key.start - 1..key.end + 1];
        serde_json::from_slice::<String>(quoted).is_ok_and(|k| k == name)
    }

    /// `"key":` as written.
    fn write_key(&self, m: &Member, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.b[m.key.start - 1..m.key.end + 1]);
        out.push(b':');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// The reference semantics (issue 1): parse the whole line, add our fields, serialize.
    fn reference(content: &[u8], text: &str) -> Option<Value> {
        let mut value: Value = serde_json::from_slice(content).ok()?;
        let message = value.get_mut("message")?.as_object_mut()?;
        message.get_mut("children")?.as_array_mut()?.push(json!({
            "message": text, "code": null, "level": "help",
            "spans": [], "children": [], "rendered": null,
        }));
        if let Some(Value::String(rendered)) = message.get_mut("rendered") {
            rendered.push_str(text);
            rendered.push('\n');
        }
        value.as_object_mut()?.insert(
            "explain_async".to_string(),
            json!({ "rule": "r", "title": "t", "url": null, "text": text }),
        );
        Some(value)
    }

    fn check(content: &[u8]) {
        let text = "explain-async [r]: t\n\nIn Python terms:\n  \"quoted\" \u{1b}[31m\n";
        let ours = Ours {
            rule: "r",
            title: "t",
            url: None,
            text,
            lead: None,
            fix: None,
        };
        let spliced = annotate(content, &ours);
        let expected = reference(content, text);
        match (spliced, expected) {
            (Some(bytes), Some(expected)) => {
                let got: Value = serde_json::from_slice(&bytes).expect("spliced line is JSON");
                assert_eq!(got, expected, "{}", String::from_utf8_lossy(content));
                // Same key order as the reference too.
                assert_eq!(serde_json::to_string(&got).unwrap(), expected.to_string());
                // And still a cargo message, when it was one.
                if serde_json::from_slice::<cargo_metadata::Message>(content).is_ok() {
                    serde_json::from_slice::<cargo_metadata::Message>(&bytes).unwrap();
                }
            }
            (None, None) => {}
            (got, expected) => panic!(
                "splice {:?} but reference {:?} for {}",
                got.map(|b| String::from_utf8_lossy(&b).into_owned()),
                expected,
                String::from_utf8_lossy(content)
            ),
        }
    }

    #[test]
    fn splice_equals_reparse_on_every_recorded_line() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/streams");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                for line in std::fs::read(&path).unwrap().split(|b| *b == b'\n') {
                    if line.starts_with(b"{") {
                        check(line);
                        seen += 1;
                    }
                }
            }
        }
        assert!(seen > 100, "only {seen} recorded lines");
    }

    #[test]
    fn splice_handles_odd_shapes() {
        for line in [
            &br#"{"reason":"compiler-message","message":{"children":[],"rendered":null}}"#[..],
            br#"{"message":{"children":[ ],"rendered":"x\u00e9"} , "n": 1.50e3}"#,
            br#"{"message":{"rendered":"a"}}"#,
            br#"{"message":{"children":{}}}"#,
            br#"{"message":[1]}"#,
            br#"{"message":{"children":[1,2]},"explain_async":{"rule":"old"}}"#,
            br#"{"a":1}"#,
            br#"[]"#,
            br#"{"message":{"children":[]}"#,
            br#"{"message":{"children":[]}} trailing"#,
            // Brackets and quotes inside strings, escaped keys, whitespace everywhere.
            br#"{"message":{"children":[{"m":"]\"}[{"}],"rendered":"\\"}}"#,
            br#" { "\u006dessage" : { "chil\u0064ren" : [ 1 ] , "rendered" : "r" } } "#,
            br#"{"message":{"children":[{"a":[1,2}]}]}}"#,
            br#"{"message":{"children":[],"rendered":"unterminated}}"#,
            br#"{"message":{"children":[] "rendered":null}}"#,
            br#"{"message":{"children":[],"x":}}"#,
            br#"{"message":"text"}"#,
        ] {
            check(line);
        }
    }
}
