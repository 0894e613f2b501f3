//! GitHub Actions: one workflow command (`::error`, `::warning`, `::notice`) per diagnostic
//! at its place in the repository, so pull requests show annotations, while the log stays
//! readable: each diagnostic's human output (rustc's text and our block) sits in a collapsed
//! `::group::` above its annotation.
//!
//! Nothing rustc or cargo printed may be taken for a command by the runner: command data and
//! properties are escaped exactly as the Actions toolkit escapes them, and any log text the
//! runner would parse as a command is fenced with `::stop-commands::`.
//!
//! GitHub keeps 10 error, 10 warning and 10 notice annotations per step; the log says how many
//! were dropped, and the step summary (when given) lists every diagnostic with its explanation.

use std::io::{self, Write};

use super::human::{strip_ansi, Human};
use super::machine::{anchor, reportable, PathContext, Seen};
use super::{plain_text, push_diff, Item, RenderContext, Renderer};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Proposal;
use crate::matching::strip_unsafe;
use crate::matching::Explanation;

/// Annotations of one kind GitHub shows per step.
pub const ANNOTATIONS_PER_KIND: usize = 10;
/// GitHub refuses a step summary over 1 MiB; stay below with room for the closing lines.
const SUMMARY_BUDGET: usize = 1000 * 1024;
/// First characters of our own log lines.
pub const LOG_HEAD: &str = "explain-async: ";

/// Renders the github format.
pub struct Github {
    human: Human,
    paths: PathContext,
    seen: Seen,
    /// Annotations written, per kind: error, warning, notice.
    counts: [usize; 3],
    explained: usize,
    summary: Option<Box<dyn Write>>,
    summary_entries: Vec<String>,
    /// The human output of the item being rendered (reused from item to item).
    log: Vec<u8>,
}

impl Github {
    /// `summary`: where the Markdown step summary is appended (`$GITHUB_STEP_SUMMARY`).
    pub fn new(ctx: RenderContext, paths: PathContext, summary: Option<Box<dyn Write>>) -> Self {
        Github {
            human: Human::new(ctx),
            paths,
            seen: Seen::default(),
            counts: [0; 3],
            explained: 0,
            summary,
            summary_entries: Vec::new(),
            log: Vec::new(),
        }
    }

    /// One item: its human output is written to `log` (empty), then fenced into `out` with
    /// the annotation.
    fn item_logged(
        &mut self,
        item: &Item<'_>,
        log: &mut Vec<u8>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.human.item(item, log)?;
        let log = &log[..];
        let Item::Diagnostic {
            diagnostic,
            verdict,
            ..
        } = item
        else {
            return write_inert(out, log);
        };
        let explanation = verdict.explanation();
        if !reportable(diagnostic) {
            return write_inert(out, log);
        }
        writeln!(out, "::group::{}", escape_data(&headline(diagnostic)))?;
        write_inert(out, log)?;
        writeln!(out, "::endgroup::")?;
        if !self.seen.first_time(diagnostic) {
            return Ok(());
        }
        let kind = kind(diagnostic);
        self.counts[kind as usize] += 1;
        self.explained += usize::from(explanation.is_some());
        writeln!(
            out,
            "{}",
            command(diagnostic, explanation, &self.paths, kind)
        )?;
        if self.summary.is_some() {
            self.summary_entries
                .push(summary_entry(diagnostic, explanation, &self.paths));
        }
        Ok(())
    }
}

impl Renderer for Github {
    fn item(&mut self, item: &Item<'_>, out: &mut dyn Write) -> io::Result<()> {
        // The log buffer is reused from item to item.
        let mut log = std::mem::take(&mut self.log);
        log.clear();
        let written = self.item_logged(item, &mut log, out);
        self.log = log;
        written
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut log = Vec::new();
        self.human.finish(&mut log)?;
        write_inert(out, &log)?;
        let [errors, warnings, notices] = self.counts;
        writeln!(
            out,
            "{LOG_HEAD}annotated {} ({} explained)",
            tally(errors, warnings, notices),
            self.explained
        )?;
        let dropped = |n: usize| n.saturating_sub(ANNOTATIONS_PER_KIND);
        let (de, dw, dn) = (dropped(errors), dropped(warnings), dropped(notices));
        if de + dw + dn > 0 {
            let where_else = if self.summary.is_some() {
                "this log and the step summary"
            } else {
                "this log"
            };
            writeln!(
                out,
                "{LOG_HEAD}GitHub shows only {ANNOTATIONS_PER_KIND} error, {ANNOTATIONS_PER_KIND} \
                 warning and {ANNOTATIONS_PER_KIND} notice annotations per step: {} will not \
                 appear as annotations; every diagnostic is in {where_else}",
                tally(de, dw, dn)
            )?;
        }
        if let Some(mut summary) = self.summary.take() {
            let text = summary_document(&self.summary_entries, self.counts, self.explained);
            if let Err(e) = summary
                .write_all(text.as_bytes())
                .and_then(|()| summary.flush())
            {
                writeln!(
                    out,
                    "{LOG_HEAD}could not write the step summary: {}",
                    escape_data(&e.to_string())
                )?;
            }
        }
        Ok(())
    }
}

/// Annotation kinds, in the order of `Github::counts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Error = 0,
    Warning = 1,
    Notice = 2,
}

fn kind(d: &Diagnostic) -> Kind {
    match d.severity() {
        Severity::Error | Severity::Ice => Kind::Error,
        Severity::Warning => Kind::Warning,
        _ => Kind::Notice,
    }
}

fn tally(errors: usize, warnings: usize, notices: usize) -> String {
    let plural = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    format!(
        "{}, {}, {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(notices, "notice")
    )
}

/// `error[E0277]: future cannot be sent between threads safely` (first line of the message).
fn headline(d: &Diagnostic) -> String {
    d.headline(d.rustc.message.lines().next().unwrap_or_default())
}

/// The workflow command for one diagnostic.
fn command(
    d: &Diagnostic,
    explanation: Option<&Explanation<'_>>,
    paths: &PathContext,
    kind: Kind,
) -> String {
    let name = match kind {
        Kind::Error => "error",
        Kind::Warning => "warning",
        Kind::Notice => "notice",
    };
    let mut props: Vec<(&str, String)> = Vec::new();
    if let Some(place) = anchor(d, paths) {
        props.push(("file", place.path));
        if let Some(r) = place.region {
            props.push(("line", r.start_line.to_string()));
            props.push(("endLine", r.end_line.to_string()));
            // GitHub takes columns only for a single-line range.
            if !r.multiline() {
                props.push(("col", r.start_column.to_string()));
                // rustc's end column is exclusive; GitHub's is the last column.
                let end = r.end_column.saturating_sub(1).max(r.start_column);
                props.push(("endColumn", end.to_string()));
            }
        }
    }
    let title = match explanation {
        Some(e) => e.title.clone(),
        None => headline(d),
    };
    props.push(("title", title));
    let explained = explanation.map(plain_text);
    let mut command = String::with_capacity(
        256 + d.rustc.message.len() + explained.as_ref().map_or(0, String::len),
    );
    command.push_str("::");
    command.push_str(name);
    command.push(' ');
    // Escaping covers `%`, CR, LF, `:` and `,` only; other control, bidi and invisible
    // characters (an ESC or U+202E in a file name or message) would reach the log raw.
    for (i, (k, v)) in props.iter().enumerate() {
        if i > 0 {
            command.push(',');
        }
        command.push_str(k);
        command.push('=');
        escape_into(&mut command, &without_unsafe(v), true);
    }
    command.push_str("::");
    // rustc's message and its notes, as `rendered` shows them but without the source, then
    // ours. Dropping characters and escaping both go character by character, so each piece
    // is done on its own, straight into the command, as if the message were joined first.
    let mut data = |text: &str| escape_into(&mut command, &without_unsafe(text), false);
    data(&d.rustc.message);
    for child in &d.rustc.children {
        data("\n");
        data(crate::diagnostic::level_name(&child.level));
        data(": ");
        data(&child.message);
    }
    if let Some(text) = &explained {
        data("\n\n");
        data(text.trim_end());
    }
    command
}

/// Drops the characters that workflow-command escaping does not cover (ESC, BEL, bidi
/// controls, zero-width characters, …); CR and LF stay, to be escaped as `%0D`/`%0A`.
fn without_unsafe(text: &str) -> std::borrow::Cow<'_, str> {
    strip_unsafe(text, true)
}

/// Escapes command data as the Actions toolkit does (`escapeData`).
pub fn escape_data(text: &str) -> String {
    escape(text, false)
}

/// Escapes a command property value as the Actions toolkit does (`escapeProperty`).
pub fn escape_property(text: &str) -> String {
    escape(text, true)
}

/// `%`, CR and LF (and for a property `:` and `,`) as `%XX`, in one pass: the text between
/// them is found with memchr (the toolkit's escapes are all ASCII, so byte offsets are
/// character boundaries).
fn escape(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into(&mut out, text, property);
    out
}

/// [`escape`], appended to `out`.
fn escape_into(out: &mut String, text: &str, property: bool) {
    let bytes = text.as_bytes();
    let mut from = 0;
    loop {
        let rest = &bytes[from..];
        let found = if property {
            rest.iter()
                .position(|b| matches!(b, b'%' | b'\r' | b'\n' | b':' | b','))
        } else {
            memchr::memchr3(b'%', b'\r', b'\n', rest)
        };
        let Some(at) = found else { break };
        out.push_str(&text[from..from + at]);
        out.push_str(match rest[at] {
            b'%' => "%25",
            b'\r' => "%0D",
            b'\n' => "%0A",
            b':' => "%3A",
            _ => "%2C",
        });
        from += at + 1;
    }
    out.push_str(&text[from..]);
}

/// Whether the runner could take this log line for a command: `::name …::` after leading
/// whitespace, or the legacy `##[name]` anywhere in the line (actions/runner,
/// `ActionCommand.TryParseV2` and `TryParse`).
fn commandlike(line: &[u8]) -> bool {
    if line.is_ascii() {
        return ascii_starts_command(line) || memchr::memmem::find(line, b"##[").is_some();
    }
    // .NET's `TrimStart` removes Unicode white space (NBSP, em space, …), not only ASCII.
    let text = String::from_utf8_lossy(line);
    text.trim_start_matches(char::is_whitespace)
        .starts_with("::")
        || text.contains("##[")
}

/// Whether any line of `text` is [`commandlike`]. For ASCII text the legacy `##[` is looked
/// for once in the whole text (it cannot span a line break), then only line starts are read.
fn any_commandlike(text: &[u8]) -> bool {
    if text.is_ascii() {
        if memchr::memmem::find(text, b"##[").is_some() {
            return true;
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', text).chain([text.len()]) {
            if ascii_starts_command(&text[start..end]) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }
    text.split(|b| *b == b'\n').any(commandlike)
}

/// An ASCII line that is `::` after leading white space (a v2 command's start).
fn ascii_starts_command(line: &[u8]) -> bool {
    let start = line
        .iter()
        .take_while(|b| b.is_ascii_whitespace() || **b == 0x0b)
        .count();
    line[start..].starts_with(b"::")
}

/// Writes log text so that the runner executes none of it: text with a line that looks like
/// a command is fenced with `::stop-commands::<token>` … `::<token>::`. The token is derived
/// from the text itself, so the text cannot contain it.
fn write_inert(out: &mut dyn Write, text: &[u8]) -> io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    if !any_commandlike(text) {
        return out.write_all(text);
    }
    let body = String::from_utf8_lossy(text);
    let mut token = format!("explain-async-{}", super::machine::hash_hex(&[&body]));
    while body.contains(&token) {
        token = format!("explain-async-{}", super::machine::hash_hex(&[&token]));
    }
    writeln!(out, "::stop-commands::{token}")?;
    out.write_all(text)?;
    if !text.ends_with(b"\n") {
        writeln!(out)?;
    }
    writeln!(out, "::{token}::")
}

/// One diagnostic in the step summary (Markdown).
fn summary_entry(
    d: &Diagnostic,
    explanation: Option<&Explanation<'_>>,
    paths: &PathContext,
) -> String {
    let mut md = String::new();
    md.push_str(&format!("### {}\n\n", inline_markdown(&headline(d))));
    if let Some(place) = anchor(d, paths) {
        let at = match place.region {
            Some(r) => format!("{}:{}:{}", place.path, r.start_line, r.start_column),
            None => place.path.clone(),
        };
        md.push_str(&format!("{}\n\n", code_span(&at)));
    }
    let rendered = d
        .rustc
        .rendered
        .as_deref()
        .map(strip_ansi)
        .unwrap_or_else(|| d.rustc.message.clone());
    md.push_str("<details><summary>rustc's message</summary>\n\n");
    md.push_str(&fenced(rendered.trim_end(), "text"));
    md.push_str("\n</details>\n\n");
    if let Some(e) = explanation {
        md.push_str(&format!(
            "**explain-async · `{}`: {}**\n\n",
            e.rule.id,
            inline_markdown(&e.title)
        ));
        let [python, rust, fix] = e.sections();
        for (heading, body) in [python, rust] {
            md.push_str(&format!("*{heading}*\n\n{}\n\n", body.trim()));
        }
        match &e.proposal {
            Some(Proposal::Edits(f)) if !e.diff.is_empty() => {
                let mut diff = String::new();
                push_diff(&mut diff, &e.diff, "");
                md.push_str(&format!(
                    "*Your code, fixed: {}*\n\n",
                    inline_markdown(&f.title)
                ));
                md.push_str(&fenced(diff.trim_end(), "text"));
                md.push_str("\n\n");
            }
            Some(Proposal::InWords { text, lines }) => {
                md.push_str(&format!("*What to change*\n\n{}\n\n", text.trim()));
                let quoted: Vec<String> = lines
                    .iter()
                    .map(|l| format!("{:>4} | {}", l.number, l.text))
                    .collect();
                md.push_str(&fenced(&quoted.join("\n"), "text"));
                md.push_str("\n\n");
            }
            _ => md.push_str(&format!(
                "*{} (examples, not your code)*\n\n{}\n\n",
                fix.0,
                fix.1.trim()
            )),
        }
        if let Some(url) = e.rule.url() {
            md.push_str(&format!("Read more: <{url}>\n\n"));
        }
    }
    md
}

/// The whole step summary, kept under GitHub's size limit.
fn summary_document(entries: &[String], counts: [usize; 3], explained: usize) -> String {
    let [errors, warnings, notices] = counts;
    let mut md = format!(
        "## cargo explain-async\n\n{}; {explained} explained in Python asyncio terms.\n\n",
        tally(errors, warnings, notices)
    );
    for (i, entry) in entries.iter().enumerate() {
        if md.len() + entry.len() > SUMMARY_BUDGET {
            md.push_str(&format!(
                "… and {} more: GitHub limits a step summary to 1 MiB; see the log.\n",
                entries.len() - i
            ));
            break;
        }
        md.push_str(entry);
    }
    md
}

/// Escapes Markdown outside backtick code spans, where rustc's messages put their types
/// (`Vec<T>` stays as written; a bare `<T>` outside would be taken for HTML).
fn inline_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            continue;
        }
        if in_code {
            out.push(c);
            continue;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '*' | '_' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    if in_code {
        // An unbalanced backtick would swallow the rest of the page.
        out.push('`');
    }
    out
}

/// A code span that holds any text, backticks included.
fn code_span(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    match longest_run(&text, '`') {
        0 => format!("`{text}`"),
        n => {
            let ticks = "`".repeat(n + 1);
            format!("{ticks} {text} {ticks}")
        }
    }
}

/// A fenced code block whose fence is longer than any backtick run inside.
fn fenced(text: &str, lang: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
    format!("{fence}{lang}\n{text}\n{fence}\n")
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for x in text.chars() {
        run = if x == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_toolkit() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_data("::error::x"), "::error::x");
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        // `%` first, so an escape sequence in the input is not decoded back.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn fences_commandlike_log_text() {
        let mut out = Vec::new();
        write_inert(&mut out, b"error: fine\n  --> src/main.rs:1:1\n").unwrap();
        assert_eq!(out, b"error: fine\n  --> src/main.rs:1:1\n");
        let nbsp = "ok\n\u{a0}\u{2003}::error::injected\n".as_bytes();
        for hostile in [&b"ok\n  ::error::injected\n"[..], b"x ##[error]y\n", nbsp] {
            let mut out = Vec::new();
            write_inert(&mut out, hostile).unwrap();
            let text = String::from_utf8(out).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let token = lines[0].strip_prefix("::stop-commands::").unwrap();
            assert!(token.starts_with("explain-async-"));
            assert_eq!(lines.last().unwrap(), &format!("::{token}::"));
            assert!(!String::from_utf8_lossy(hostile).contains(token));
        }
    }

    #[test]
    fn the_ascii_path_finds_the_commands_the_unicode_path_finds() {
        let unicode = |line: &[u8]| {
            let text = String::from_utf8_lossy(line);
            text.trim_start_matches(char::is_whitespace)
                .starts_with("::")
                || text.contains("##[")
        };
        for b in 0u8..0x80 {
            for line in [
                vec![b, b':', b':'],
                vec![b, b'#', b'#', b'['],
                vec![b, b'x'],
            ] {
                assert_eq!(commandlike(&line), unicode(&line), "{line:?}");
            }
        }
        assert!(commandlike("\u{a0}::x".as_bytes()));
        // The whole-text check agrees with checking line by line.
        for text in [
            "a\nb\n",
            "a\n  ::error::x\n",
            "a ##[group] b\nc",
            "a ##\n[ b",
            "é\n\u{a0}::x",
            "é\nplain\n",
            "\x0b::v\n",
        ] {
            let by_line = text.as_bytes().split(|b| *b == b'\n').any(commandlike);
            assert_eq!(any_commandlike(text.as_bytes()), by_line, "{text:?}");
        }
        assert_eq!(without_unsafe("a\r\nb"), "a\r\nb");
        assert_eq!(without_unsafe("a\u{1b}[31mb\tc\u{202e}"), "a[31mbc");
    }

    #[test]
    fn step_summary_stays_under_the_limit() {
        let big = "x".repeat(400 * 1024);
        let entries = vec![big.clone(), big.clone(), big];
        let md = summary_document(&entries, [3, 0, 0], 0);
        assert!(md.len() <= SUMMARY_BUDGET + 200, "{}", md.len());
        assert!(md.ends_with("… and 1 more: GitHub limits a step summary to 1 MiB; see the log.\n"));
        let small = summary_document(&["entry\n".to_string()], [1, 0, 0], 1);
        assert!(
            small.ends_with("entry\n")
                && small.contains("1 error, 0 warnings, 0 notices; 1 explained")
        );
    }

    #[test]
    fn markdown_is_escaped_outside_code() {
        assert_eq!(
            inline_markdown("expected `Vec<T>`, found <T> *x*"),
            "expected `Vec<T>`, found &lt;T&gt; \\*x\\*"
        );
        assert_eq!(inline_markdown("a `b"), "a `b`");
        assert_eq!(code_span("a`b"), "`` a`b ``");
        assert!(fenced("```rust\n```", "text").starts_with("````text\n"));
    }
}
