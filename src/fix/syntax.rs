//! Source structure for recipes: parse a file with `syn`, turn spans into byte ranges of the
//! file's text, find the innermost node around a byte offset, and read the text of lines.

use std::ops::Range;

use proc_macro2::Span;
use syn::spanned::Spanned;

/// The file parsed, or `None` when it does not parse (then recipes that need structure
/// decline, and the fix is given in words).
pub fn parse(text: &str) -> Option<syn::File> {
    syn::parse_file(text).ok()
}

/// The byte range of a span in the text it was parsed from. `proc_macro2` with
/// `span-locations` keeps byte offsets relative to the start of the parsed file.
pub fn range(span: Span) -> Range<usize> {
    span.byte_range()
}

/// The byte range of a syntax node.
pub fn node_range(node: &impl Spanned) -> Range<usize> {
    range(node.span())
}

/// Whether `outer` contains `inner` (both byte ranges).
pub fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// `at` moved back to the nearest char boundary of `text` (and into it). Offsets come from
/// rustc's spans, which a stale file or a crafted stream can put anywhere; no helper here
/// slices off a boundary (found by the `matcher` fuzz target).
pub fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The byte offset where the line holding `at` starts.
pub fn line_start(text: &str, at: usize) -> usize {
    text[..floor_boundary(text, at)]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

/// The byte offset just past the newline of the line holding `at` (or the end of the text).
pub fn line_end(text: &str, at: usize) -> usize {
    let at = floor_boundary(text, at);
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The leading whitespace of the line holding `at`.
pub fn indent_at(text: &str, at: usize) -> &str {
    let start = line_start(text, at);
    let line = &text[start..line_end(text, at)];
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..width]
}

/// The 1-based line number of byte `at`.
pub fn line_number(text: &str, at: usize) -> usize {
    text[..floor_boundary(text, at)].matches('\n').count() + 1
}

/// The text of 1-based line `number`, without its newline.
pub fn line_text(text: &str, number: usize) -> Option<&str> {
    text.lines().nth(number.checked_sub(1)?)
}

/// The `E` of a `Result<T, E>` type as `text` (the text `ty` was parsed from) spells it, or
/// `std::io::Error` for an `io::Result<T>`.
pub fn result_error(ty: &syn::Type, text: &str) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let types: Vec<&syn::Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    let segments = &p.path.segments;
    match types.as_slice() {
        [_, e] => text.get(node_range(*e)).map(str::to_string),
        [_] if segments.len() >= 2 && segments[segments.len() - 2].ident == "io" => {
            Some("std::io::Error".to_string())
        }
        _ => None,
    }
}

/// Whether rustc's span still quotes what the file holds: the file's bytes at
/// `byte_start..byte_end` equal the highlighted part of the span's quoted lines. A file edited
/// since the check fails this, and no fix is offered for it.
pub fn span_is_current(text: &str, span: &cargo_metadata::diagnostic::DiagnosticSpan) -> bool {
    let (start, end) = (span.byte_start as usize, span.byte_end as usize);
    let Some(current) = text.get(start..end) else {
        return false;
    };
    let quoted = crate::diagnostic::span_snippet(span).unwrap_or_default();
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    squash(current) == squash(&quoted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_byte_offsets_of_the_text() {
        let text = "// é\nfn main() { let x = 1; }\n";
        let file = parse(text).unwrap();
        let r = node_range(&file.items[0]);
        assert_eq!(&text[r], "fn main() { let x = 1; }");
        // A second parse starts again at zero.
        let again = parse("fn a() {}").unwrap();
        assert_eq!(node_range(&again.items[0]), 0..9);
    }

    #[test]
    fn offsets_inside_a_character_are_moved_back() {
        // `é` is bytes 2..4: an offset of 3 is inside it (the matcher fuzz target's crash).
        let text = "a\né\nb";
        assert_eq!(line_number(text, 3), 2);
        assert_eq!(line_start(text, 3), 2);
        assert_eq!(line_end(text, 3), 5);
        assert_eq!(indent_at(text, 3), "");
        assert_eq!(floor_boundary(text, 99), text.len());
    }

    #[test]
    fn lines() {
        let text = "a\n  bc\nd";
        let at = text.find('c').unwrap();
        assert_eq!(indent_at(text, at), "  ");
        assert_eq!(line_number(text, at), 2);
        assert_eq!(&text[line_start(text, at)..line_end(text, at)], "  bc\n");
        assert_eq!(line_text(text, 3), Some("d"));
    }
}
