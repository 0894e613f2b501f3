//! Lays out the small Markdown subset rule bodies use (paragraphs, numbered and bulleted
//! lists, fenced code) as wrapped terminal lines. No styling here: the caller decides.

/// One output line of a laid-out body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Laid {
    /// Wrapped prose (already indented for list items).
    Prose(String),
    /// A line of code, verbatim, indented to sit under its list item.
    Code(String),
    /// An empty line between blocks.
    Blank,
}

/// How titles and summaries are wrapped: greedy (first fit), breaking only at ASCII spaces,
/// never inside a word, like [`layout`] wraps rule bodies. textwrap's defaults (optimal fit
/// over Unicode line-break opportunities) cost about 600,000 instructions per explanation,
/// six times the cost of parsing the diagnostic itself (issue 5, BENCHMARKS.md). Greedy
/// wrapping is what most command-line tools do, and breaking only at spaces keeps code
/// identifiers whole.
pub fn wrap_options(width: usize) -> textwrap::Options<'static> {
    textwrap::Options::new(width)
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(false)
}

/// Lays out `text` to fit `width` columns.
pub fn layout(text: &str, width: usize) -> Vec<Laid> {
    let mut out = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut indent = 0usize;
    let mut in_code = false;
    let mut code_indent = 0usize;
    let mut fence_ws = 0usize;

    let flush = |paragraph: &mut Vec<&str>, out: &mut Vec<Laid>, indent: usize| {
        if paragraph.is_empty() {
            return;
        }
        let joined = paragraph.join(" ");
        paragraph.clear();
        let (first_prefix, rest_prefix) = list_prefix(&joined, indent);
        let body = joined.trim_start();
        let body = strip_marker(body);
        wrap_greedy(body, width.max(20), &first_prefix, &rest_prefix, out);
    };

    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            if in_code {
                in_code = false;
            } else {
                flush(&mut paragraph, &mut out, indent);
                in_code = true;
                code_indent = indent + 2;
                fence_ws = line.len() - trimmed.len();
            }
            continue;
        }
        if in_code {
            let ws = line.len() - line.trim_start_matches(' ').len();
            let code = &line[ws.min(fence_ws)..];
            out.push(Laid::Code(format!("{}{}", " ".repeat(code_indent), code)));
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut paragraph, &mut out, indent);
            if !matches!(out.last(), Some(Laid::Blank) | None) {
                out.push(Laid::Blank);
            }
            continue;
        }
        let starts_item = is_list_item(trimmed) && starts_item(trimmed, line, &paragraph, indent);
        if starts_item {
            flush(&mut paragraph, &mut out, indent);
            indent = 0;
        }
        if paragraph.is_empty() && !starts_item && !line.starts_with(' ') {
            // A paragraph at column 0 ends any list.
            indent = 0;
        }
        paragraph.push(trimmed);
        if starts_item {
            indent = marker_width(trimmed);
        }
    }
    flush(&mut paragraph, &mut out, indent);
    while matches!(out.last(), Some(Laid::Blank)) {
        out.pop();
    }
    out
}

/// Greedy wrapping of one paragraph at ASCII spaces: each line takes as many words as fit in
/// `width` display columns (a word longer than the width gets a line of its own, unbroken).
/// Same result as textwrap's first-fit with `AsciiSpace`, in a single pass with no
/// per-word allocation (see [`wrap_options`] for why).
fn wrap_greedy(text: &str, width: usize, first: &str, rest: &str, out: &mut Vec<Laid>) {
    let mut line = String::from(first);
    let mut line_width = width_of(first);
    let mut has_word = false;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = width_of(word);
        if has_word && line_width + 1 + w > width {
            out.push(Laid::Prose(std::mem::replace(
                &mut line,
                String::from(rest),
            )));
            line_width = width_of(rest);
            has_word = false;
        }
        if has_word {
            line.push(' ');
            line_width += 1;
        }
        line.push_str(word);
        line_width += w;
        has_word = true;
    }
    if has_word {
        out.push(Laid::Prose(line));
    }
}

/// Display width in terminal columns; plain ASCII (nearly all of a rule's prose) without an
/// escape sequence is one column per byte, without a trip through the Unicode tables.
fn width_of(text: &str) -> usize {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        text.len()
    } else {
        textwrap::core::display_width(text)
    }
}

fn is_list_item(line: &str) -> bool {
    marker_len(line).is_some()
}

/// Whether a line that looks like a list item (`trimmed`, `line` as written) really starts
/// one. As in CommonMark, a numbered marker other than `1.` cannot interrupt a paragraph: a
/// filled template whose wrapped line happens to begin with a number (`on line⏎24. The …`)
/// stays prose. Inside a list, a marker at column 0 is the next item; an indented one is
/// text of the current item.
fn starts_item(trimmed: &str, line: &str, paragraph: &[&str], indent: usize) -> bool {
    if paragraph.is_empty() || trimmed.starts_with("- ") || trimmed.starts_with("* ") {
        return true;
    }
    if indent > 0 && !line.starts_with(' ') {
        return true;
    }
    trimmed.starts_with("1. ")
}

/// Length of a list marker (`1. `, `- `, `* `), if the line starts with one.
fn marker_len(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("* ") {
        return Some(2);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then_some(digits + 2)
}

fn marker_width(line: &str) -> usize {
    marker_len(line).unwrap_or(0)
}

fn strip_marker(line: &str) -> &str {
    match marker_len(line) {
        Some(n) => &line[n..],
        None => line,
    }
}

/// First-line and continuation prefixes: list items keep their marker and hang-indent.
fn list_prefix(joined: &str, indent: usize) -> (String, String) {
    let trimmed = joined.trim_start();
    match marker_len(trimmed) {
        Some(n) => (trimmed[..n].to_string(), " ".repeat(n)),
        None => (" ".repeat(indent), " ".repeat(indent)),
    }
}

/// Splits a `## Fix` section into its numbered options (each starting at a `N. ` line at
/// column 0, outside code fences). Text before the first option belongs to the first.
pub fn fix_options(fix: &str) -> Vec<String> {
    let mut preamble = String::new();
    let mut options: Vec<String> = Vec::new();
    let mut in_code = false;
    for line in fix.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if !in_code && digits > 0 && line[digits..].starts_with(". ") {
            options.push(std::mem::take(&mut preamble));
        }
        let target = options.last_mut().unwrap_or(&mut preamble);
        target.push_str(line);
        target.push('\n');
    }
    if options.is_empty() {
        options.push(preamble);
    }
    options.into_iter().map(|o| o.trim().to_string()).collect()
}

/// The first `n` sentences of the first paragraph of `text` (a sentence ends at `.`, `!` or
/// `?` followed by a space, outside inline code), joined on one line.
pub fn lead_sentences(text: &str, n: usize) -> String {
    let paragraph: Vec<&str> = text
        .trim_start()
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = paragraph.join(" ");
    let mut in_code = false;
    let mut count = 0;
    let bytes = joined.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => in_code = !in_code,
            b'.' | b'!' | b'?' if !in_code && bytes.get(i + 1).is_none_or(|c| *c == b' ') => {
                count += 1;
                if count == n {
                    return joined[..=i].to_string();
                }
            }
            _ => {}
        }
    }
    joined
}

/// The prose of a fix option without its code blocks (for when no fix could be computed in
/// the user's code: the words stay, the example code goes to `--explain`).
pub fn prose_only(option: &str) -> String {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in option.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            out.push(line);
        }
    }
    let text = out.join("\n");
    let text = text.trim();
    // The option's number and the colon that introduced its code go with the code.
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let text = match text[digits..].strip_prefix(". ") {
        Some(rest) if digits > 0 => rest,
        _ => text,
    };
    match text.strip_suffix(':') {
        Some(rest) => format!("{rest}."),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leads_and_prose() {
        let text = "One `a. b` thing. Two things! Three?\nStill three.\n\nNext paragraph.";
        assert_eq!(lead_sentences(text, 2), "One `a. b` thing. Two things!");
        assert_eq!(
            lead_sentences(text, 9),
            "One `a. b` thing. Two things! Three? Still three."
        );
        let option = "1. Use this:\n   ```rust\n   let x = 1;\n   ```\n   Then that.";
        assert_eq!(prose_only(option), "Use this:\n   Then that.");
        assert_eq!(prose_only("2. Box it:\n```rust\nx\n```"), "Box it.");
    }

    #[test]
    fn wraps_lists_and_keeps_code() {
        let text = "A paragraph that is long enough to wrap at this width for sure.\n\n1. First option\n   with more words.\n   ```rust\n   let x = 1;\n   ```\n2. Second.";
        let laid = layout(text, 30);
        assert_eq!(
            laid,
            vec![
                Laid::Prose("A paragraph that is long".into()),
                Laid::Prose("enough to wrap at this width".into()),
                Laid::Prose("for sure.".into()),
                Laid::Blank,
                Laid::Prose("1. First option with more".into()),
                Laid::Prose("   words.".into()),
                Laid::Code("     let x = 1;".into()),
                Laid::Prose("2. Second.".into()),
            ]
        );
    }

    #[test]
    fn a_number_that_wraps_to_the_start_of_a_line_is_not_a_list_item() {
        // `{var_line}.` filled with 24, at the start of a line of a paragraph and of an item.
        let text = "still in use after the `.await` on line\n24. The task is not `Send`.\n\n\
                    1. Make it `Send` on line\n   21. Then spawn it.\n2. Or keep it local.";
        let laid = layout(text, 100);
        assert_eq!(
            laid,
            vec![
                Laid::Prose(
                    "still in use after the `.await` on line 24. The task is not `Send`.".into()
                ),
                Laid::Blank,
                Laid::Prose("1. Make it `Send` on line 21. Then spawn it.".into()),
                Laid::Prose("2. Or keep it local.".into()),
            ]
        );
        // A paragraph may still be interrupted by a list that starts at 1, or by bullets.
        let laid = layout("Options:\n1. One\n2. Two\n- three", 100);
        assert_eq!(
            laid,
            vec![
                Laid::Prose("Options:".into()),
                Laid::Prose("1. One".into()),
                Laid::Prose("2. Two".into()),
                Laid::Prose("- three".into()),
            ]
        );
    }

    #[test]
    fn splits_fix_options() {
        let fix = "1. One\n```rust\n2. not an option\n```\n2. Two\n10. Ten";
        let opts = fix_options(fix);
        assert_eq!(opts.len(), 3);
        assert!(opts[0].contains("2. not an option"));
        assert_eq!(opts[2], "10. Ten");
    }
}
