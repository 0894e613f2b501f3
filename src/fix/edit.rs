//! Applying edits to a text, and the line diff ("Your code, fixed") they make. Never panics:
//! a range outside the text, off a char boundary or overlapping another is an error.

use super::Edit;

/// Why edits could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyError {
    /// A range ends before it starts or past the end of the text.
    OutOfRange {
        start: usize,
        end: usize,
        len: usize,
    },
    /// A range boundary falls inside a UTF-8 character.
    NotCharBoundary(usize),
    /// Two edits overlap (two insertions at one point are fine and keep their order).
    Overlap,
}

impl std::fmt::Display for ApplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApplyError::OutOfRange { start, end, len } => {
                write!(f, "edit {start}..{end} is outside the text ({len} bytes)")
            }
            ApplyError::NotCharBoundary(at) => write!(f, "byte {at} is inside a character"),
            ApplyError::Overlap => f.write_str("two edits overlap"),
        }
    }
}

/// `edits` sorted by position, stable (insertions at one point keep the order given), after
/// checking each range against `text`.
fn sorted<'e>(
    text: &str,
    edits: impl IntoIterator<Item = &'e Edit>,
) -> Result<Vec<&'e Edit>, ApplyError> {
    let mut list: Vec<&Edit> = edits.into_iter().collect();
    for e in &list {
        if e.start > e.end || e.end > text.len() {
            return Err(ApplyError::OutOfRange {
                start: e.start,
                end: e.end,
                len: text.len(),
            });
        }
        for at in [e.start, e.end] {
            if !text.is_char_boundary(at) {
                return Err(ApplyError::NotCharBoundary(at));
            }
        }
    }
    list.sort_by_key(|e| (e.start, e.end));
    for pair in list.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(ApplyError::Overlap);
        }
    }
    Ok(list)
}

/// The text with every edit applied (the edits' `file` is not looked at: pass one file's).
pub fn apply<'e>(
    text: &str,
    edits: impl IntoIterator<Item = &'e Edit>,
) -> Result<String, ApplyError> {
    let list = sorted(text, edits)?;
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in list {
        out.push_str(&text[at..e.start]);
        out.push_str(&e.replacement);
        at = e.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// What a line of a hunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffLineKind {
    /// Unchanged, shown for orientation.
    Context,
    /// A line of the user's file that the fix removes or rewrites.
    Removed,
    /// A line the fix writes.
    Added,
}

/// One line of a diff. `number` is the line's number in the old file (context, removed) or
/// the new one (added), 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: DiffLineKind,
    pub number: usize,
    pub text: String,
}

/// A run of changed lines with up to `context` unchanged lines around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub lines: Vec<DiffLine>,
}

/// The line diff that applying `edits` to `text` makes, in hunks (changes closer than
/// `2 * context + 1` lines share a hunk). Each edit is widened to whole lines; the lines it
/// touches are shown removed, the lines it produces added.
pub fn preview<'e>(
    text: &str,
    edits: impl IntoIterator<Item = &'e Edit>,
    context: usize,
) -> Result<Vec<Hunk>, ApplyError> {
    let list = sorted(text, edits)?;
    let starts = line_starts(text);
    let line_of = |byte: usize| match starts.binary_search(&byte) {
        Ok(i) => i,
        Err(i) => i - 1,
    };
    // Group edits whose line ranges touch into blocks of whole lines.
    struct Block {
        first: usize,
        last: usize,
        new_text: String,
    }
    let mut blocks: Vec<(usize, usize, Vec<&Edit>)> = Vec::new();
    for e in list {
        let first = line_of(e.start);
        let last = line_of(e.end.saturating_sub(1).max(e.start)).max(first);
        match blocks.last_mut() {
            Some((_, block_last, group)) if first <= *block_last => {
                *block_last = (*block_last).max(last);
                group.push(e);
            }
            _ => blocks.push((first, last, vec![e])),
        }
    }
    let line_end = |line: usize| starts.get(line + 1).copied().unwrap_or(text.len());
    let blocks: Vec<Block> = blocks
        .into_iter()
        .map(|(first, last, group)| {
            let from = starts[first];
            let to = line_end(last);
            let mut new_text = String::new();
            let mut at = from;
            for e in group {
                new_text.push_str(&text[at..e.start]);
                new_text.push_str(&e.replacement);
                at = e.end;
            }
            new_text.push_str(&text[at..to]);
            Block {
                first,
                last,
                new_text,
            }
        })
        .collect();
    let old_lines: Vec<&str> = (0..starts.len())
        .map(|i| trim_newline(&text[starts[i]..line_end(i)]))
        .collect();
    let mut hunks: Vec<Hunk> = Vec::new();
    // Lines are numbered as in the file as it is now (the user has not applied the fix
    // yet, and their editor shows these numbers): context and removed lines by their own
    // line, an added line by the line it replaces or is inserted at.
    let mut previous_last: Option<usize> = None;
    let trailing = |hunk: &mut Hunk, last: usize, until: usize| {
        for (i, line) in old_lines.iter().enumerate().take(until).skip(last + 1) {
            hunk.lines.push(DiffLine {
                kind: DiffLineKind::Context,
                number: i + 1,
                text: (*line).to_string(),
            });
        }
    };
    for block in blocks {
        let new_lines: Vec<&str> = if block.new_text.is_empty() {
            Vec::new()
        } else {
            block.new_text.lines().collect()
        };
        let context_from = block.first.saturating_sub(context);
        let joined = previous_last.is_some_and(|p| context_from <= p + context + 1);
        match previous_last {
            // The lines between two blocks of one hunk are context, all of them.
            Some(p) if joined => {
                let hunk = hunks.last_mut().expect("a block made this hunk");
                trailing(hunk, p, block.first);
            }
            Some(p) => {
                let hunk = hunks.last_mut().expect("a block made this hunk");
                trailing(hunk, p, (p + 1 + context).min(old_lines.len()));
                hunks.push(Hunk { lines: Vec::new() });
            }
            None => hunks.push(Hunk { lines: Vec::new() }),
        }
        let hunk = hunks.last_mut().expect("a hunk was pushed above");
        if !joined {
            for (i, line) in old_lines
                .iter()
                .enumerate()
                .take(block.first)
                .skip(context_from)
            {
                hunk.lines.push(DiffLine {
                    kind: DiffLineKind::Context,
                    number: i + 1,
                    text: (*line).to_string(),
                });
            }
        }
        for (i, line) in old_lines
            .iter()
            .enumerate()
            .take(block.last + 1)
            .skip(block.first)
        {
            hunk.lines.push(DiffLine {
                kind: DiffLineKind::Removed,
                number: i + 1,
                text: (*line).to_string(),
            });
        }
        for (i, line) in new_lines.iter().enumerate() {
            hunk.lines.push(DiffLine {
                kind: DiffLineKind::Added,
                number: block.first + 1 + i.min(block.last - block.first),
                text: (*line).to_string(),
            });
        }
        previous_last = Some(block.last);
    }
    if let Some(last) = previous_last {
        let hunk = hunks.last_mut().expect("a block makes a hunk");
        trailing(hunk, last, (last + 1 + context).min(old_lines.len()));
    }
    // Lines identical on both sides of a change (a rewritten line that kept its text) are
    // context, not a removal and an addition.
    for hunk in &mut hunks {
        drop_unchanged_pairs(&mut hunk.lines);
    }
    Ok(hunks)
}

/// Byte offset of the start of every line (at least one line, even for an empty text).
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        text.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i + 1)
            .filter(|&i| i < text.len()),
    );
    starts
}

fn trim_newline(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// Within each run of removed lines followed by added lines, a common leading or trailing
/// line that did not change becomes a context line.
fn drop_unchanged_pairs(lines: &mut Vec<DiffLine>) {
    let mut out: Vec<DiffLine> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        if lines[i].kind != DiffLineKind::Removed {
            out.push(lines[i].clone());
            i += 1;
            continue;
        }
        let removed_end = (i..lines.len())
            .find(|&j| lines[j].kind != DiffLineKind::Removed)
            .unwrap_or(lines.len());
        let added_end = (removed_end..lines.len())
            .find(|&j| lines[j].kind != DiffLineKind::Added)
            .unwrap_or(lines.len());
        let mut removed = lines[i..removed_end].to_vec();
        let mut added = lines[removed_end..added_end].to_vec();
        let mut head = Vec::new();
        while !removed.is_empty() && !added.is_empty() && removed[0].text == added[0].text {
            let mut line = removed.remove(0);
            added.remove(0);
            line.kind = DiffLineKind::Context;
            head.push(line);
        }
        let mut tail = Vec::new();
        while let (Some(r), Some(a)) = (removed.last(), added.last()) {
            if r.text != a.text {
                break;
            }
            let mut line = removed.pop().expect("checked above");
            added.pop();
            line.kind = DiffLineKind::Context;
            tail.insert(0, line);
        }
        out.extend(head);
        out.extend(removed);
        out.extend(added);
        out.extend(tail);
        i = added_end;
    }
    *lines = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, replacement: &str) -> Edit {
        Edit {
            file: "f.rs".into(),
            start,
            end,
            replacement: replacement.into(),
        }
    }

    #[test]
    fn applies_in_order_and_rejects_bad_ranges() {
        let text = "let a = Rc::new(1);\n";
        let at = text.find("Rc").unwrap();
        assert_eq!(
            apply(text, &[edit(at, at + 2, "Arc")]).unwrap(),
            "let a = Arc::new(1);\n"
        );
        assert_eq!(
            apply(text, &[edit(0, 0, "b"), edit(0, 0, "c")]).unwrap(),
            format!("bc{text}")
        );
        assert!(matches!(
            apply(text, &[edit(3, 99, "")]),
            Err(ApplyError::OutOfRange { .. })
        ));
        assert_eq!(
            apply(text, &[edit(0, 5, ""), edit(4, 6, "")]),
            Err(ApplyError::Overlap)
        );
        assert_eq!(
            apply("é", &[edit(1, 1, "x")]),
            Err(ApplyError::NotCharBoundary(1))
        );
    }

    #[test]
    fn previews_whole_lines_with_numbers_and_context() {
        let text =
            "use std::rc::Rc;\n\nfn main() {\n    let a = Rc::new(1);\n    println!(\"{a}\");\n}\n";
        let first = text.find("rc::Rc").unwrap();
        let second = text.find("Rc::new").unwrap();
        let edits = [
            edit(first, first + 6, "sync::Arc"),
            edit(second, second + 2, "Arc"),
        ];
        // Lines 1 and 4 changed: with one line of context the hunks touch and are one.
        assert_eq!(preview(text, &edits, 1).unwrap().len(), 1);
        let hunks = preview(text, &edits, 0).unwrap();
        assert_eq!(hunks.len(), 2);
        let hunks = preview(text, &edits[1..], 1).unwrap();
        let shown: Vec<(DiffLineKind, usize, &str)> = hunks[0]
            .lines
            .iter()
            .map(|l| (l.kind, l.number, l.text.as_str()))
            .collect();
        assert_eq!(
            shown,
            vec![
                (DiffLineKind::Context, 3, "fn main() {"),
                (DiffLineKind::Removed, 4, "    let a = Rc::new(1);"),
                (DiffLineKind::Added, 4, "    let a = Arc::new(1);"),
                (DiffLineKind::Context, 5, "    println!(\"{a}\");"),
            ]
        );
    }

    #[test]
    fn each_hunk_has_context_on_both_sides() {
        let text: String = (1..=10).map(|i| format!("l{i}\n")).collect();
        let at = |n: usize| text.find(&format!("l{n}\n")).unwrap();
        let edits = [
            edit(at(2), at(2) + 2, "L2\nextra"),
            edit(at(8), at(8) + 2, "L8"),
        ];
        let hunks = preview(&text, &edits, 1).unwrap();
        let shown = |h: &Hunk| -> Vec<(DiffLineKind, usize, String)> {
            h.lines
                .iter()
                .map(|l| (l.kind, l.number, l.text.clone()))
                .collect()
        };
        use DiffLineKind::*;
        assert_eq!(
            shown(&hunks[0]),
            vec![
                (Context, 1, "l1".into()),
                (Removed, 2, "l2".into()),
                (Added, 2, "L2".into()),
                (Added, 2, "extra".into()),
                (Context, 3, "l3".into()),
            ]
        );
        // Numbers are the file's as it is now, whatever the first block adds.
        assert_eq!(
            shown(&hunks[1]),
            vec![
                (Context, 7, "l7".into()),
                (Removed, 8, "l8".into()),
                (Added, 8, "L8".into()),
                (Context, 9, "l9".into()),
            ]
        );
    }

    #[test]
    fn inserted_lines_shift_later_numbers() {
        let text = "a\nb\nc\n";
        let edits = [edit(2, 2, "x\ny\n")];
        let hunks = preview(text, &edits, 0).unwrap();
        let shown: Vec<(DiffLineKind, usize, &str)> = hunks[0]
            .lines
            .iter()
            .map(|l| (l.kind, l.number, l.text.as_str()))
            .collect();
        assert_eq!(
            shown,
            vec![
                (DiffLineKind::Added, 2, "x"),
                (DiffLineKind::Added, 2, "y"),
                (DiffLineKind::Context, 2, "b"),
            ]
        );
    }
}
