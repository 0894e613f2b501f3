//! Placeholders in titles and bodies: `{name}` is replaced by the capture `name`,
//! `{name|words}` falls back to `words` when the capture is absent, and `{{` is a literal `{`.
//! Any other brace is literal text, so Rust code in a fix reads naturally.

use std::collections::BTreeMap;

/// Captures that every diagnostic provides, whatever the rule's regexes.
pub const BUILTIN_CAPTURES: &[&str] = &["file", "line", "column", "snippet", "code", "level"];

/// A piece of a parsed template.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Placeholder {
        name: &'a str,
        fallback: Option<&'a str>,
    },
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_lowercase() || b == b'_'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
}

/// Splits a template into text and placeholders. Never fails: what is not a placeholder is text.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let bytes = template.as_bytes();
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'{' {
            // Jump to the next brace (memchr) instead of stepping byte by byte.
            i = template[i..].find('{').map_or(bytes.len(), |at| i + at);
            continue;
        }
        if bytes.get(i + 1) == Some(&b'{') {
            // `{{` is an escaped brace: emit text up to and including one `{`.
            out.push(Piece::Text(&template[text_start..=i]));
            i += 2;
            text_start = i;
            continue;
        }
        if let Some((name, fallback, end)) = placeholder_at(template, i) {
            if text_start < i {
                out.push(Piece::Text(&template[text_start..i]));
            }
            out.push(Piece::Placeholder { name, fallback });
            i = end;
            text_start = i;
            continue;
        }
        i += 1;
    }
    if text_start < bytes.len() {
        out.push(Piece::Text(&template[text_start..]));
    }
    out
}

/// Recognises `{name}` or `{name|fallback}` starting at `start` (which holds `{`).
/// Returns the name, the fallback and the index just past the closing brace.
fn placeholder_at(template: &str, start: usize) -> Option<(&str, Option<&str>, usize)> {
    let bytes = template.as_bytes();
    let name_start = start + 1;
    if !bytes.get(name_start).copied().is_some_and(is_name_start) {
        return None;
    }
    let mut j = name_start;
    while j < bytes.len() && is_name_byte(bytes[j]) {
        j += 1;
    }
    let name = &template[name_start..j];
    match bytes.get(j) {
        Some(b'}') => Some((name, None, j + 1)),
        Some(b'|') => {
            let rest = &template[j + 1..];
            let close = rest.find(['}', '\n'])?;
            if rest.as_bytes()[close] != b'}' {
                return None;
            }
            Some((name, Some(&rest[..close]), j + 1 + close + 1))
        }
        _ => None,
    }
}

/// The placeholder names in `template` written without a fallback (`{var}`, not
/// `{spawn_fn|tokio::spawn}`), in order of appearance.
pub fn names_without_fallback(template: &str) -> Vec<&str> {
    pieces(template)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Placeholder {
                name,
                fallback: None,
            } => Some(name),
            _ => None,
        })
        .collect()
}

/// Every placeholder name used in `template`, in order of appearance.
pub fn placeholder_names(template: &str) -> Vec<&str> {
    pieces(template)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Placeholder { name, .. } => Some(name),
            Piece::Text(_) => None,
        })
        .collect()
}

/// Fills `template` from `captures`. A missing capture uses its fallback, else a neutral
/// phrase, so an explanation never shows a raw `{name}`.
///
/// rustc's anonymous type names (`{async closure@src/main.rs:15:31: 15:39}`) are shortened
/// here, once for every rule: a capture that is one such name reads "the async closure on
/// line 15" (and loses the backticks around its placeholder: it is prose, not code); one
/// inside a longer type (`Pin<Box<{async block@…}>>`) keeps only its kind
/// (`Pin<Box<{async block}>>`). See [`shorten_anonymous`].
pub fn fill(template: &str, captures: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    // Set when a placeholder's backticks were dropped: the closing one starts the next text.
    let mut skip_backtick = false;
    for piece in pieces(template) {
        match piece {
            Piece::Text(t) => {
                let t = match t.strip_prefix('`') {
                    Some(rest) if skip_backtick => rest,
                    _ => t,
                };
                skip_backtick = false;
                out.push_str(t);
            }
            Piece::Placeholder { name, fallback } => {
                skip_backtick = false;
                match captures.get(name) {
                    Some(value) if !value.is_empty() => match anonymous_as_prose(value) {
                        Some(prose) => {
                            if out.ends_with('`') {
                                out.pop();
                                skip_backtick = true;
                            }
                            out.push_str(&prose);
                        }
                        None => out.push_str(&shorten_anonymous(value)),
                    },
                    _ => out.push_str(fallback.unwrap_or("this value")),
                }
            }
        }
    }
    out
}

/// One of rustc's anonymous type names, `{<kind>@<path>:<line>:<col>: <line>:<col>}`, found at
/// the start of `text`: its kind (`async block`, `async closure`, `closure`, …), its first line
/// and its length in bytes.
fn anonymous_at(text: &str) -> Option<(&str, &str, usize)> {
    let rest = text.strip_prefix('{')?;
    let at = rest.find(['@', '{', '}'])?;
    if rest.as_bytes()[at] != b'@' {
        return None;
    }
    let kind = &rest[..at];
    if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase() || b == b' ') {
        return None;
    }
    let close = rest[at..].find(['}', '{'])? + at;
    if rest.as_bytes()[close] != b'}' {
        return None;
    }
    // `path:line:col: line:col`: the first line is the number after the last `:` but three.
    let location = &rest[at + 1..close];
    let mut parts = location.rsplitn(4, ':');
    let (_end_col, _end_line, _col) = (parts.next()?, parts.next()?, parts.next()?);
    let head = parts.next()?;
    let line = head.rsplit(':').next()?;
    if line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((kind, line, 1 + close + 1))
}

/// What a user calls one of rustc's anonymous types, when `value` is nothing else: "the async
/// block on line 12", "the async closure on line 15", "the closure on line 3".
fn anonymous_as_prose(value: &str) -> Option<String> {
    let (kind, line, len) = anonymous_at(value)?;
    if len != value.len() {
        return None;
    }
    let kind = match kind {
        // The future an async closure returns when called.
        "async closure body" => "future of the async closure",
        k => k,
    };
    Some(format!("the {kind} on line {line}"))
}

/// `text` with each of rustc's anonymous type names (`{async block@src/main.rs:9:5: 9:10}`)
/// reduced to its kind (`{async block}`): the path and columns are noise in our prose, and
/// rustc's own message above still has them.
pub fn shorten_anonymous(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(offset) = text[i..].find('{') {
        let start = i + offset;
        out.push_str(&text[i..start]);
        match anonymous_at(&text[start..]) {
            Some((kind, _, len)) => {
                out.push('{');
                out.push_str(kind);
                out.push('}');
                i = start + len;
            }
            None => {
                out.push('{');
                i = start + 1;
            }
        }
    }
    out.push_str(&text[i..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fills_names_and_fallbacks() {
        let c = caps(&[("var", "rc"), ("ty", "Rc<String>")]);
        assert_eq!(fill("`{var}` is `{ty}`", &c), "`rc` is `Rc<String>`");
        assert_eq!(fill("{spawn|the spawn call}", &c), "the spawn call");
        assert_eq!(fill("{missing}", &c), "this value");
    }

    #[test]
    fn code_braces_are_text() {
        let c = caps(&[("var", "rc")]);
        let code = "tokio::spawn(async move { drop({var}); })\nstruct A {}\nlet B { x } = b;";
        assert_eq!(
            fill(code, &c),
            "tokio::spawn(async move { drop(rc); })\nstruct A {}\nlet B { x } = b;"
        );
        assert_eq!(fill("println!(\"{{var}\")", &c), "println!(\"{var}\")");
        assert_eq!(
            placeholder_names("a {x} b {y|z} {{w} {Q} {}"),
            vec!["x", "y"]
        );
    }

    #[test]
    fn anonymous_types_read_as_prose() {
        let c = caps(&[
            ("ty", "{async closure@src/main.rs:15:31: 15:39}"),
            ("boxed", "Pin<Box<{async block@src/lib.rs:9:5: 12:6}>>"),
            (
                "two",
                "({closure@a b/x.rs:1:2: 1:9}, {async block@src/main.rs:3:1: 3:7})",
            ),
            ("body", "{async closure body@src/main.rs:4:20: 6:6}"),
            ("plain", "Rc<String>"),
            ("odd", "{foo@bar}"),
        ]);
        assert_eq!(
            fill("`{ty}` is not a future", &c),
            "the async closure on line 15 is not a future"
        );
        assert_eq!(fill("({ty})", &c), "(the async closure on line 15)");
        assert_eq!(fill("`{boxed}`", &c), "`Pin<Box<{async block}>>`");
        assert_eq!(fill("{two}", &c), "({closure}, {async block})");
        assert_eq!(
            fill("`{body}`.", &c),
            "the future of the async closure on line 4."
        );
        // Anything else is left alone, backticks included.
        assert_eq!(
            fill("`{plain}` and `{odd}`", &c),
            "`Rc<String>` and `{foo@bar}`"
        );
        assert_eq!(
            shorten_anonymous("{ {x} {async block@"),
            "{ {x} {async block@"
        );
    }

    #[test]
    fn unterminated_is_text() {
        let c = caps(&[]);
        assert_eq!(fill("{abc", &c), "{abc");
        assert_eq!(fill("{abc|def\n}", &c), "{abc|def\n}");
        assert_eq!(fill("tail {", &c), "tail {");
    }
}
