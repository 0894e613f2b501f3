//! The cargo-compatible JSON stream for editors and scripts. Every input line is written in
//! order; unexplained lines byte-for-byte. An explained `compiler-message` is re-serialized
//! from its original JSON value (key order and unknown fields kept) with:
//! - a top-level `"explain_async": {rule, title, url, text}`,
//! - one span-less `help` child carrying the text (rust-analyzer shows those inline),
//! - the text appended to `message.rendered`.

use std::io::{self, Write};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

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

/// The members of one JSON object, in order: each key decoded, each value as the exact bytes
/// it had in the input.
struct Members<'a>(Vec<(String, &'a RawValue)>);

/// A compiler-message line split in one pass: the top-level members, and the members of its
/// `message` object (whose own entry in `top` is then unused).
struct Split<'a> {
    top: Vec<(String, &'a RawValue)>,
    message: Option<Members<'a>>,
}

struct Visit<const SPLIT_MESSAGE: bool>;

impl<'de> Visitor<'de> for Visit<false> {
    type Value = Members<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut members = Vec::new();
        while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
            members.push(entry);
        }
        Ok(Members(members))
    }
}

impl<'de> Visitor<'de> for Visit<true> {
    type Value = Split<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut top = Vec::new();
        let mut message = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "message" && message.is_none() {
                message = Some(map.next_value::<Members<'de>>()?);
                top.push((key, EMPTY));
            } else {
                let value = map.next_value::<&'de RawValue>()?;
                top.push((key, value));
            }
        }
        Ok(Split { top, message })
    }
}

/// Placeholder for the `message` entry of [`Split::top`]; never written.
const EMPTY: &RawValue = {
    // `RawValue::NULL` is a valid raw JSON value with a `'static` lifetime.
    RawValue::NULL
};

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(Visit::<false>)
    }
}

impl<'de> Deserialize<'de> for Split<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(Visit::<true>)
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
/// The line is spliced, not re-serialized: only the top level and `message` are split into
/// members, every other value is copied byte for byte. Building a `serde_json::Value` of the
/// whole line and serializing it again cost more than parsing the line in the first place
/// (issue 5, BENCHMARKS.md), and splicing also keeps number spellings and escapes as cargo
/// wrote them.
pub fn annotate(content: &[u8], ours: &Ours<'_>) -> Option<Vec<u8>> {
    let Ours {
        rule,
        title,
        url,
        text,
        lead,
        fix,
    } = ours;
    // One UTF-8 check for the whole line; parsing from `&str` then borrows every raw value
    // without validating each of them again.
    let content = std::str::from_utf8(content).ok()?;
    let Split { top, message } = serde_json::from_str(content).ok()?;
    let message = message?;
    let children = message.0.iter().find(|(k, _)| k == "children")?.1.get();
    // `children` must be an array for rust-analyzer and cargo_metadata to accept our child.
    let inner = children.trim().strip_prefix('[')?.strip_suffix(']')?;
    // The explanation is escaped once and the literal reused in all three places.
    let text_json = serde_json::to_string(text).ok()?;
    let child_message = match lead {
        Some(lead) => serde_json::to_string(&format!("{lead}\n{text}")).ok()?,
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
    let mut message = Some(message);
    for (i, (key, value)) in top.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, key).ok()?;
        out.push(b':');
        if key == "explain_async" {
            // Our own output fed back in: replace the old explanation in place.
            out.extend_from_slice(ours.as_bytes());
            replaced_ours = true;
        } else if let Some(message) = message.take_if(|_| key == "message") {
            out.push(b'{');
            for (j, (mkey, mvalue)) in message.0.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, mkey).ok()?;
                out.push(b':');
                match mkey.as_str() {
                    "children" => {
                        out.push(b'[');
                        if !inner.trim().is_empty() {
                            out.extend_from_slice(inner.as_bytes());
                            out.push(b',');
                        }
                        out.extend_from_slice(child.as_bytes());
                        out.push(b']');
                    }
                    "rendered" if mvalue.get().starts_with('"') => {
                        // Append inside the string literal: rustc's text is not decoded and
                        // re-encoded, only our escaped text and an escaped newline are added.
                        let literal = mvalue.get().strip_suffix('"')?;
                        out.extend_from_slice(literal.as_bytes());
                        out.extend_from_slice(&text_json.as_bytes()[1..text_json.len() - 1]);
                        out.extend_from_slice(b"\\n\"");
                    }
                    _ => out.extend_from_slice(mvalue.get().as_bytes()),
                }
            }
            out.push(b'}');
        } else {
            out.extend_from_slice(value.get().as_bytes());
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
        ] {
            check(line);
        }
    }
}
