//! The cargo-compatible JSON stream for editors and scripts. Every input line is written in
//! order; unexplained lines byte-for-byte. An explained `compiler-message` is re-serialized
//! from its original JSON value (key order and unknown fields kept) with:
//! - a top-level `"explain_async": {rule, title, url, text}`,
//! - one span-less `help` child carrying the text (rust-analyzer shows those inline),
//! - the text appended to `message.rendered`.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{Item, Renderer};

/// Renders the json format.
#[derive(Default)]
pub struct Json;

impl Renderer for Json {
    fn item(&mut self, item: &Item<'_>, out: &mut dyn Write) -> io::Result<()> {
        match item {
            Item::Diagnostic {
                line,
                explanation: Some(e),
                ..
            } => {
                let text = e.plain_text();
                match annotate(line.content(), &e.rule.id, &e.title, e.rule.url(), &text) {
                    Some(value) => {
                        serde_json::to_writer(&mut *out, &value)?;
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

/// Adds our fields to one compiler-message line. `None` if the line is not the shape we
/// expect (then the caller passes it through unchanged).
pub fn annotate(
    content: &[u8],
    rule: &str,
    title: &str,
    url: Option<&str>,
    text: &str,
) -> Option<Value> {
    let mut value: Value = serde_json::from_slice(content).ok()?;
    let message = value.get_mut("message")?.as_object_mut()?;
    message.get_mut("children")?.as_array_mut()?.push(json!({
        "message": text,
        "code": null,
        "level": "help",
        "spans": [],
        "children": [],
        "rendered": null,
    }));
    if let Some(Value::String(rendered)) = message.get_mut("rendered") {
        rendered.push_str(text);
        rendered.push('\n');
    }
    value.as_object_mut()?.insert(
        "explain_async".to_string(),
        json!({ "rule": rule, "title": title, "url": url, "text": text }),
    );
    Some(value)
}
