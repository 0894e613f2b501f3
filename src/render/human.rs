//! The terminal format: rustc's `rendered` text exactly as rustc produced it, then, for an
//! explained diagnostic, a boxed block that is visibly ours, then one summary line.

use foldhash::{HashSet, HashSetExt};
use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use super::markdown::{layout, lead_sentences, prose_only, wrap_options, Laid};
use super::{fix_options, Item, RenderContext, Renderer, Tally, WIDTH};
use crate::diagnostic::Diagnostic;
use crate::fix::{Applicability, DiffLineKind, FileDiff, Proposal};
use crate::matching::{sanitize, Explanation};

/// First characters of each line of our block; tests strip blocks by these.
pub const BLOCK_HEAD: &str = "╭─ explain-async";
pub const BLOCK_BODY: &str = "│";
pub const BLOCK_FOOT: &str = "╰─";
/// First characters of the summary line.
pub const SUMMARY_HEAD: &str = "explain-async: ";

const BODY_PREFIX: &str = "│  ";

/// How many explained places the human format remembers for its "same as above" reminders.
/// rustc's repeats of one mistake arrive close together; an unbounded set made memory grow
/// with the number of explained diagnostics (issue 5, BENCHMARKS.md).
const SHOWN_LIMIT: usize = 1024;

/// Renders the human format.
pub struct Human {
    ctx: RenderContext,
    tally: Tally,
    /// `(rule, file, line, title)` of blocks already shown: rustc often reports one mistake
    /// as several diagnostics at the same spot; the repeats get a two-line reminder.
    shown: HashSet<(String, String, usize, String)>,
    /// Rules whose full block was shown: later diagnostics of the same rule elsewhere get
    /// their own title (their names, their line) and a pointer to the block above.
    shown_rules: HashSet<String>,
    /// Whether everything written so far ends with a newline. Our block and summary must
    /// start on a line of their own even after a line cargo did not finish (a stream cut
    /// mid-line): otherwise our text would be glued onto cargo's.
    at_line_start: bool,
}

impl Human {
    pub fn new(ctx: RenderContext) -> Self {
        Human {
            ctx,
            tally: Tally::default(),
            shown: HashSet::new(),
            shown_rules: HashSet::new(),
            at_line_start: true,
        }
    }

    /// Writes text that is not ours (rustc's or cargo's), remembering how it ended.
    fn pass(&mut self, bytes: &[u8], out: &mut dyn Write) -> io::Result<()> {
        if let Some(&last) = bytes.last() {
            self.at_line_start = last == b'\n';
        }
        out.write_all(bytes)
    }

    /// Ends an unfinished line of cargo's before we write anything of our own.
    fn own_line(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if !self.at_line_start {
            self.at_line_start = true;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

impl Renderer for Human {
    fn item(&mut self, item: &Item<'_>, out: &mut dyn Write) -> io::Result<()> {
        match item {
            Item::Diagnostic {
                diagnostic,
                verdict,
                ..
            } => {
                let explanation = verdict.explanation();
                let unknown_async = verdict.unknown_async();
                self.tally.add(explanation);
                match &diagnostic.rustc.rendered {
                    Some(rendered) => self.pass(rendered.as_bytes(), out)?,
                    // rustc always renders; a hand-made stream might not.
                    None => {
                        let text =
                            format!("{}: {}\n\n", diagnostic.level(), diagnostic.rustc.message);
                        self.pass(text.as_bytes(), out)?
                    }
                }
                if unknown_async.is_some() || explanation.is_some() {
                    self.own_line(out)?;
                }
                if let Some(closest) = unknown_async {
                    write_unknown(closest, self.ctx, out)?;
                }
                if let Some(e) = explanation {
                    let (file, line) = diagnostic
                        .user_span()
                        .map(|s| (s.file_name.clone(), s.line_start))
                        .unwrap_or_default();
                    let key = (e.rule.id.clone(), file, line, e.title.clone());
                    if self.shown.len() >= SHOWN_LIMIT && !self.shown.contains(&key) {
                        // Memory stays flat on endless streams; at worst a repeat far from
                        // its first occurrence says "explained above" instead of "same as
                        // above".
                        self.shown.clear();
                    }
                    if !self.shown.insert(key) {
                        write_repeat(e, "same as above", self.ctx, out)?;
                    } else if !self.shown_rules.insert(e.rule.id.clone()) {
                        write_elsewhere(e, diagnostic, self.ctx, out)?;
                    } else {
                        write_block(e, diagnostic, self.ctx, out)?;
                    }
                }
                Ok(())
            }
            Item::Note(note) => {
                self.own_line(out)?;
                write_note(note, self.ctx, out)
            }
            Item::Text(line) => self.pass(line.raw, out),
            // cargo does not show artifact notices in its human output either.
            Item::CargoJson(_) => Ok(()),
        }
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.tally.explained() > 0 {
            self.own_line(out)?;
        }
        write_summary(&self.tally, self.ctx, out)
    }
}

fn paint(text: &str, style: Style, ctx: RenderContext) -> String {
    if ctx.color {
        text.style(style).to_string()
    } else {
        text.to_string()
    }
}

fn border() -> Style {
    Style::new().magenta()
}

/// Writes one explanation block: the title in the user's names, at most two sentences of
/// asyncio framing, then the fix in the user's own code (a diff), or what to change in words
/// with their lines quoted, then one line pointing to the whole rule. What rustc's labels
/// already say is not repeated: the rest of the rule is in `--explain` and the json text.
pub fn write_block(
    e: &Explanation<'_>,
    diagnostic: &Diagnostic,
    ctx: RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let b = |s: &str| paint(s, border(), ctx);
    writeln!(
        out,
        "{} {}",
        paint(BLOCK_HEAD, border().bold(), ctx),
        paint(&format!("· {}", e.rule.id), border(), ctx)
    )?;
    write_title(e, ctx, out)?;
    let framing = lead_sentences(e.python(), 2);
    if !framing.is_empty() {
        writeln!(out, "{}", b(BODY_PREFIX.trim_end()))?;
        for line in textwrap::wrap(&framing, wrap_options(WIDTH - BODY_PREFIX.chars().count())) {
            writeln!(out, "{}{line}", b(BODY_PREFIX))?;
        }
    }
    writeln!(out, "{}", b(BODY_PREFIX.trim_end()))?;
    write_fix(e, diagnostic, ctx, out)?;
    write_footer(e, ctx, out)?;
    writeln!(out)
}

/// The title, bold, wrapped.
fn write_title(e: &Explanation<'_>, ctx: RenderContext, out: &mut dyn Write) -> io::Result<()> {
    let title_opts = wrap_options(WIDTH - BODY_PREFIX.chars().count());
    for line in textwrap::wrap(&e.title, title_opts) {
        writeln!(
            out,
            "{}{}",
            paint(BODY_PREFIX, border(), ctx),
            paint(&line, Style::new().bold(), ctx)
        )?;
    }
    Ok(())
}

/// Prose laid out inside the block, two columns in.
fn write_prose(text: &str, ctx: RenderContext, out: &mut dyn Write) -> io::Result<()> {
    for laid in layout(text, WIDTH - BODY_PREFIX.chars().count() - 2) {
        match laid {
            Laid::Prose(l) => writeln!(out, "{}  {}", paint(BODY_PREFIX, border(), ctx), l)?,
            Laid::Code(l) if l.trim().is_empty() => {
                writeln!(out, "{}", paint(BODY_PREFIX.trim_end(), border(), ctx))?
            }
            Laid::Code(l) => writeln!(
                out,
                "{}  {}",
                paint(BODY_PREFIX, border(), ctx),
                paint(&l, Style::new().cyan(), ctx)
            )?,
            Laid::Blank => writeln!(out, "{}", paint(BODY_PREFIX.trim_end(), border(), ctx))?,
        }
    }
    Ok(())
}

/// A heading line inside the block.
fn write_heading(text: &str, ctx: RenderContext, out: &mut dyn Write) -> io::Result<()> {
    let opts = wrap_options(WIDTH - BODY_PREFIX.chars().count());
    for (i, line) in textwrap::wrap(text, opts).into_iter().enumerate() {
        let style = if i == 0 {
            Style::new().bold()
        } else {
            Style::new()
        };
        writeln!(
            out,
            "{}{}",
            paint(BODY_PREFIX, border(), ctx),
            paint(&line, style, ctx)
        )?;
    }
    Ok(())
}

/// "Your code, fixed" with the diff, or "What to change" with the user's lines.
fn write_fix(
    e: &Explanation<'_>,
    diagnostic: &Diagnostic,
    ctx: RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    match &e.proposal {
        Some(Proposal::Edits(fix)) if !e.diff.is_empty() => {
            let heading = match fix.applicability {
                Applicability::MachineApplicable => "Your code, fixed",
                Applicability::MaybeIncorrect => "Your code, fixed (check it does what you mean)",
                Applicability::HasPlaceholders => "Your code, with what to fill in",
            };
            write_heading(&format!("{heading}: {}", fix.title), ctx, out)?;
            write_diff(&e.diff, diagnostic, ctx, out)
        }
        Some(Proposal::InWords { text, lines }) => {
            write_heading("What to change", ctx, out)?;
            write_prose(text, ctx, out)?;
            let quoted: Vec<(usize, String)> =
                lines.iter().map(|l| (l.number, l.text.clone())).collect();
            write_quoted(&quoted, ctx, out)
        }
        _ => {
            // No fix in the user's code: the rule's first option in words (its example code
            // stays in `--explain`), with rustc's quoted lines of the primary span.
            write_heading("What to change", ctx, out)?;
            let first = fix_options(e).into_iter().next().unwrap_or_default();
            write_prose(&prose_only(&first), ctx, out)?;
            write_quoted(&primary_lines(diagnostic), ctx, out)
        }
    }
}

/// The lines rustc quotes under the primary span in the user's code.
fn primary_lines(diagnostic: &Diagnostic) -> Vec<(usize, String)> {
    let Some(span) = diagnostic.user_span() else {
        return Vec::new();
    };
    span.text
        .iter()
        .enumerate()
        .take(6)
        .map(|(i, line)| (span.line_start + i, sanitize(&line.text)))
        .collect()
}

/// Code lines inside the block: `  NN │ text`, cut to fit with `…`.
fn write_quoted(
    lines: &[(usize, String)],
    ctx: RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let digits = lines
        .iter()
        .map(|(n, _)| n.to_string().len())
        .max()
        .unwrap_or(1);
    for (number, text) in lines {
        let lead = format!("{number:>digits$} │ ");
        let room = WIDTH - BODY_PREFIX.chars().count() - 2 - lead.chars().count();
        writeln!(
            out,
            "{}  {}{}",
            paint(BODY_PREFIX, border(), ctx),
            paint(&lead, Style::new().dimmed(), ctx),
            fit(&sanitize(text), room)
        )?;
    }
    Ok(())
}

/// The diff of the user's lines: `NN - old`, `NN + new`, `NN   context`, rustc's look.
fn write_diff(
    diff: &[FileDiff],
    diagnostic: &Diagnostic,
    ctx: RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let home = diagnostic.user_span().map(|s| s.file_name.as_str());
    let digits = diff
        .iter()
        .flat_map(|f| f.hunks.iter().flat_map(|h| h.lines.iter()))
        .map(|l| l.number.to_string().len())
        .max()
        .unwrap_or(1);
    for file in diff {
        // The file is named when it is not the one rustc's message is about (Cargo.toml).
        if diff.len() > 1 || home != Some(file.file.as_str()) {
            let name = file.file.rsplit(['/', '\\']).next().unwrap_or(&file.file);
            let name = if file.file.ends_with("Cargo.toml") {
                "Cargo.toml".to_string()
            } else if home.is_some_and(|h| h != file.file) {
                sanitize(&file.file)
            } else {
                sanitize(name)
            };
            writeln!(
                out,
                "{}  {}",
                paint(BODY_PREFIX, border(), ctx),
                paint(
                    &format!("{:>digits$} {name}", "-->"),
                    Style::new().dimmed(),
                    ctx
                )
            )?;
        }
        for (i, hunk) in file.hunks.iter().enumerate() {
            if i > 0 {
                writeln!(
                    out,
                    "{}  {}",
                    paint(BODY_PREFIX, border(), ctx),
                    paint(&format!("{:>digits$}", "..."), Style::new().dimmed(), ctx)
                )?;
            }
            for line in &hunk.lines {
                let (mark, style) = match line.kind {
                    DiffLineKind::Removed => ("-", Style::new().red()),
                    DiffLineKind::Added => ("+", Style::new().green()),
                    DiffLineKind::Context => (" ", Style::new()),
                };
                let lead = format!("{:>digits$} {mark} ", line.number);
                let room = WIDTH - BODY_PREFIX.chars().count() - 2 - lead.chars().count();
                let text = fit(&sanitize(&line.text), room);
                writeln!(
                    out,
                    "{}  {}",
                    paint(BODY_PREFIX, border(), ctx),
                    paint(&format!("{lead}{text}"), style, ctx)
                )?;
            }
        }
    }
    Ok(())
}

/// A code line as shown: the user's text whole, trailing white space dropped. Our own lines
/// fit 100 columns; a line of the user's code is shown whole (as rustc shows the user's
/// lines), so what the diff shows can be pasted as it is.
fn fit(text: &str, _room: usize) -> String {
    text.trim_end().to_string()
}

/// The last line: where the whole rule is, and the link.
fn write_footer(e: &Explanation<'_>, ctx: RenderContext, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", paint(BODY_PREFIX.trim_end(), border(), ctx))?;
    let more = format!("full text: {}", e.more_command());
    let one_line = e.rule.url().map(|url| format!("{more} · {url}"));
    match one_line {
        Some(line) if line.chars().count() + BLOCK_FOOT.chars().count() < WIDTH => writeln!(
            out,
            "{} {}",
            paint(BLOCK_FOOT, border(), ctx),
            paint(&line, Style::new().dimmed(), ctx)
        ),
        _ => {
            writeln!(
                out,
                "{} {}",
                paint(BLOCK_FOOT, border(), ctx),
                paint(&more, Style::new().dimmed(), ctx)
            )?;
            if let Some(url) = e.rule.url() {
                writeln!(
                    out,
                    "    {}",
                    paint(&format!("read more: {url}"), Style::new().dimmed(), ctx)
                )?;
            }
            Ok(())
        }
    }
}

/// A rule already explained in full above: head and this diagnostic's own title only.
fn write_repeat(
    e: &Explanation<'_>,
    why: &str,
    ctx: RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(
        out,
        "{} {}",
        paint(BLOCK_HEAD, border().bold(), ctx),
        paint(&format!("· {} ({why})", e.rule.id), border(), ctx)
    )?;
    let width = WIDTH - BLOCK_FOOT.chars().count() - 1;
    let mut lines = textwrap::wrap(&e.title, wrap_options(width)).into_iter();
    let first = lines.next().unwrap_or_default();
    let rest: Vec<_> = lines.collect();
    if rest.is_empty() {
        writeln!(out, "{} {}", paint(BLOCK_FOOT, border(), ctx), first)?;
    } else {
        writeln!(out, "{}{}", paint(BODY_PREFIX, border(), ctx), first)?;
        for (i, line) in rest.iter().enumerate() {
            let lead = if i + 1 == rest.len() {
                BLOCK_FOOT
            } else {
                BODY_PREFIX.trim_end()
            };
            writeln!(out, "{} {}", paint(lead, border(), ctx), line)?;
        }
    }
    writeln!(out)
}

/// A rule explained above, met again at another place: this place's title and, when the fix
/// stage rewrote this place's code, its own diff.
fn write_elsewhere(
    e: &Explanation<'_>,
    diagnostic: &Diagnostic,
    ctx: RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(Proposal::Edits(fix)) = e.proposal.as_ref().filter(|_| !e.diff.is_empty()) else {
        return write_repeat(e, "explained above", ctx, out);
    };
    writeln!(
        out,
        "{} {}",
        paint(BLOCK_HEAD, border().bold(), ctx),
        paint(&format!("· {} (explained above)", e.rule.id), border(), ctx)
    )?;
    write_title(e, ctx, out)?;
    writeln!(out, "{}", paint(BODY_PREFIX.trim_end(), border(), ctx))?;
    write_heading(&format!("Your code, fixed: {}", fix.title), ctx, out)?;
    write_diff(&e.diff, diagnostic, ctx, out)?;
    writeln!(
        out,
        "{} {}",
        paint(BLOCK_FOOT, border(), ctx),
        paint(
            &format!("full text: {}", e.more_command()),
            Style::new().dimmed(),
            ctx
        )
    )?;
    writeln!(out)
}

/// The note for an async-related diagnostic no rule explains yet.
fn write_unknown(closest: &[String], ctx: RenderContext, out: &mut dyn Write) -> io::Result<()> {
    let mut text = "this looks async-related, but it is not in the rulebook yet".to_string();
    if !closest.is_empty() {
        text.push_str(&format!(
            "; closest rules: {} (cargo explain-async --explain <rule>)",
            closest.join(", ")
        ));
    }
    write_marked_lines(&text, ctx, out)?;
    writeln!(out)
}

/// A project note, wrapped; every line starts with SUMMARY_HEAD so it is visibly ours.
fn write_note(note: &str, ctx: RenderContext, out: &mut dyn Write) -> io::Result<()> {
    write_marked_lines(&format!("note: {note}"), ctx, out)
}

/// Wraps `text` into lines that each start with SUMMARY_HEAD, so they are visibly ours.
fn write_marked_lines(text: &str, ctx: RenderContext, out: &mut dyn Write) -> io::Result<()> {
    for line in textwrap::wrap(text, wrap_options(WIDTH - SUMMARY_HEAD.len())) {
        let marked = format!("{SUMMARY_HEAD}{line}");
        writeln!(out, "{}", paint(&marked, Style::new().magenta(), ctx))?;
    }
    Ok(())
}

/// The one summary line at the end, when anything was explained.
pub fn write_summary(tally: &Tally, ctx: RenderContext, out: &mut dyn Write) -> io::Result<()> {
    let explained = tally.explained();
    if explained == 0 {
        return Ok(());
    }
    let per_rule = tally
        .by_rule
        .iter()
        .map(|(id, n)| {
            if *n > 1 {
                format!("{id} ×{n}")
            } else {
                id.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let noun = if explained == 1 {
        "diagnostic"
    } else {
        "diagnostics"
    };
    let text = format!("explained {explained} async {noun}: {per_rule}");
    // Every summary line starts with SUMMARY_HEAD, so wrapped lines stay recognisable.
    let width = WIDTH - SUMMARY_HEAD.len();
    let style = Style::new().magenta().bold();
    for line in textwrap::wrap(&text, wrap_options(width)) {
        writeln!(
            out,
            "{}",
            paint(&format!("{SUMMARY_HEAD}{line}"), style, ctx)
        )?;
    }
    let hint = "the full text of a rule: cargo explain-async --explain <rule>";
    writeln!(
        out,
        "{}",
        paint(&format!("{SUMMARY_HEAD}{hint}"), style, ctx)
    )
}

/// Drops ANSI SGR sequences (`ESC [ … m`).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}
