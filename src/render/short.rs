//! One line per diagnostic: `path:line:col: level[code]: message`, then
//! `  = explain-async[rule]: title` when explained. For pre-commit hooks and narrow logs.

use std::io::{self, Write};

use owo_colors::OwoColorize;

use super::{Item, RenderContext, Renderer};
use crate::diagnostic::Severity;
use crate::matching::sanitize;

/// Renders the short format.
pub struct Short {
    ctx: RenderContext,
}

impl Short {
    pub fn new(ctx: RenderContext) -> Self {
        Short { ctx }
    }
}

impl Renderer for Short {
    fn item(&mut self, item: &Item<'_>, out: &mut dyn Write) -> io::Result<()> {
        let Item::Diagnostic {
            diagnostic,
            verdict,
            ..
        } = item
        else {
            // Text that is not cargo JSON is still shown; artifact notices are not.
            match item {
                Item::Text(line) => out.write_all(line.raw)?,
                Item::Note(note) => writeln!(out, "note: explain-async: {note}")?,
                _ => {}
            }
            return Ok(());
        };
        let (explanation, unknown_async) = (verdict.explanation(), verdict.unknown_async());
        let head = match diagnostic.code() {
            Some(code) => format!("{}[{code}]", diagnostic.level()),
            None => diagnostic.level().to_string(),
        };
        let head = if self.ctx.color {
            match diagnostic.severity() {
                Severity::Error => head.red().bold().to_string(),
                Severity::Warning => head.yellow().bold().to_string(),
                _ => head.bold().to_string(),
            }
        } else {
            head
        };
        // One line: newlines in a message become spaces.
        let message = sanitize(&diagnostic.rustc.message.replace('\n', " "));
        match diagnostic.user_span() {
            Some(span) => writeln!(
                out,
                "{}:{}:{}: {head}: {message}",
                sanitize(&span.file_name),
                span.line_start,
                span.column_start
            )?,
            None => writeln!(out, "{head}: {message}")?,
        }
        if let Some(e) = explanation {
            let tag = format!("= explain-async[{}]:", e.rule.id);
            let tag = if self.ctx.color {
                tag.magenta().bold().to_string()
            } else {
                tag
            };
            writeln!(out, "  {tag} {}", e.title)?;
        } else if let Some(closest) = unknown_async {
            let hint = if closest.is_empty() {
                String::new()
            } else {
                format!(" (closest: {})", closest.join(", "))
            };
            writeln!(
                out,
                "  = explain-async: async-related, not in the rulebook yet{hint}"
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}
