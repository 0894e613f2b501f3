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
            i += 1;
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
pub fn fill(template: &str, captures: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    for piece in pieces(template) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Placeholder { name, fallback } => match captures.get(name) {
                Some(value) if !value.is_empty() => out.push_str(value),
                _ => out.push_str(fallback.unwrap_or("this value")),
            },
        }
    }
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
    fn unterminated_is_text() {
        let c = caps(&[]);
        assert_eq!(fill("{abc", &c), "{abc");
        assert_eq!(fill("{abc|def\n}", &c), "{abc|def\n}");
        assert_eq!(fill("tail {", &c), "tail {");
    }
}
