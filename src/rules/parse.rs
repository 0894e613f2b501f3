//! Turns the text of one rule file (TOML front matter between `+++` lines, then Markdown)
//! into a validated [`Rule`]. Every problem becomes an [`Error::Rule`] naming the origin, the
//! 1-based line and what is wrong; nothing here panics on bad input.

use std::collections::BTreeSet;

use super::pattern::Pattern;
use super::spec::{Body, FrontMatter, Origin, Rule, Section};
use super::template::{placeholder_names, BUILTIN_CAPTURES};
use crate::error::Error;

/// The body sections' headings every rule has, in this order.
pub const SECTIONS: [&str; 3] = [
    Section::ALL[0].heading(),
    Section::ALL[1].heading(),
    Section::ALL[2].heading(),
];

const FENCE: &str = "+++";

/// Parses and validates one rule. `expected_id` is the file stem (or registry name).
pub fn parse_rule(text: &str, expected_id: &str, origin: Origin) -> Result<Rule, Error> {
    let origin_name = match &origin {
        Origin::Builtin => format!("explanations/{expected_id}.md (built-in)"),
        Origin::File(p) => p.display().to_string(),
    };
    let fail = |line: Option<usize>, problem: String| Error::Rule {
        origin: origin_name.clone(),
        line,
        problem,
    };

    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != FENCE {
        return Err(fail(
            Some(1),
            "a rule file must start with a `+++` line that opens its TOML front matter".into(),
        ));
    }
    // Find the closing fence; keep byte offsets to slice the front matter and the body.
    let mut offset = first.len();
    let front_start = offset;
    let mut front_end = None;
    let mut line_no = 1;
    for line in lines {
        line_no += 1;
        if line.trim_end() == FENCE {
            front_end = Some((offset, offset + line.len(), line_no));
            break;
        }
        offset += line.len();
    }
    let Some((front_end, body_start, closing_line)) = front_end else {
        return Err(fail(
            Some(1),
            "the front matter is never closed: add a `+++` line after it".into(),
        ));
    };
    let front = &text[front_start..front_end];
    let body_text = &text[body_start..];

    let fm: FrontMatter = toml::from_str(front).map_err(|e| {
        let line = e
            .span()
            .map(|span| 2 + front[..span.start.min(front.len())].matches('\n').count());
        fail(line, format!("front matter: {}", e.message().trim_end()))
    })?;
    // Line of the first occurrence of `needle` inside the front matter (for pointing at keys).
    let line_of = |needle: &str| -> Option<usize> {
        let first_line = needle.lines().next().unwrap_or(needle);
        front
            .lines()
            .position(|l| !first_line.is_empty() && l.contains(first_line))
            .map(|i| i + 2)
    };

    if !is_snake_case(&fm.id) {
        return Err(fail(
            line_of("id"),
            format!("id `{}` must be snake_case (a-z, 0-9, _)", fm.id),
        ));
    }
    if fm.id != expected_id {
        return Err(fail(
            line_of("id"),
            format!("id `{}` must equal the file name `{expected_id}`", fm.id),
        ));
    }
    if fm.title.trim().is_empty() || fm.title.contains('\n') {
        return Err(fail(
            line_of("title"),
            "title must be one non-empty line".into(),
        ));
    }
    if fm.summary.trim().is_empty() || fm.summary.contains('\n') {
        return Err(fail(
            line_of("summary"),
            "summary must be one non-empty sentence".into(),
        ));
    }
    if let Some(name) = placeholder_names(&fm.summary).first() {
        return Err(fail(
            line_of("summary"),
            format!("summary must not use placeholders (found `{{{name}}}`)"),
        ));
    }
    if fm.links.is_empty() {
        return Err(fail(
            Some(closing_line),
            "a rule needs at least one [[links]] entry to read more".into(),
        ));
    }
    for link in &fm.links {
        if !(link.url.starts_with("https://") || link.url.starts_with("http://")) {
            return Err(fail(
                line_of(&link.url),
                format!("link url `{}` must start with https://", link.url),
            ));
        }
    }

    // Built-in rules' regexes are compiled on first use (see `pattern.rs`); a user's are
    // compiled now, so every error in their file is reported at load time.
    let lazy = matches!(origin, Origin::Builtin);
    let compile = |pattern: &str, key: &str| -> Result<Pattern, Error> {
        let checked = if lazy {
            Pattern::lazy(pattern)
        } else {
            Pattern::eager(pattern)
        };
        checked.map_err(|detail| {
            let last = detail.lines().last().unwrap_or(&detail).trim().to_string();
            fail(
                line_of(pattern).or_else(|| line_of(key)),
                format!("{key}: invalid regex `{pattern}`: {last}"),
            )
        })
    };
    let spec = fm.conditions;
    let message = spec
        .message
        .as_deref()
        .map(|p| compile(p, "match.message"))
        .transpose()?;
    let children = spec
        .children
        .iter()
        .map(|p| compile(p, "match.children"))
        .collect::<Result<Vec<_>, _>>()?;
    let labels = spec
        .labels
        .iter()
        .map(|p| compile(p, "match.labels"))
        .collect::<Result<Vec<_>, _>>()?;
    let source = spec
        .source
        .as_deref()
        .map(|p| compile(p, "match.source"))
        .transpose()?;
    let cascade_messages = fm
        .cascade
        .messages
        .iter()
        .map(|p| compile(p, "cascade.messages"))
        .collect::<Result<Vec<_>, _>>()?;
    for id in &fm.cascade.rules {
        if !is_snake_case(id) {
            return Err(fail(
                line_of(id),
                format!("cascade.rules: `{id}` is not a rule id (snake_case)"),
            ));
        }
    }
    let codes = spec.code.map(|c| c.into_vec()).unwrap_or_default();
    if message.is_none()
        && codes.is_empty()
        && children.is_empty()
        && labels.is_empty()
        && source.is_none()
    {
        return Err(fail(
            line_of("[match]"),
            "[match] needs at least one of code, message, children, labels or source".into(),
        ));
    }

    // Every placeholder must name a capture group of the rule's regexes or a built-in capture.
    let mut known: BTreeSet<&str> = BUILTIN_CAPTURES.iter().copied().collect();
    known.extend(crate::matching::captures::CONTEXT_CAPTURES.iter().copied());
    let mut line_names = Vec::new();
    for re in message
        .iter()
        .chain(&children)
        .chain(&labels)
        .chain(&source)
    {
        known.extend(re.capture_names().flatten());
    }
    for re in &labels {
        line_names.extend(re.capture_names().flatten().map(|n| format!("{n}_line")));
    }
    known.extend(line_names.iter().map(String::as_str));
    for name in placeholder_names(&fm.title) {
        if !known.contains(name) {
            return Err(fail(
                line_of("title"),
                format!("title uses `{{{name}}}`, but no regex has a capture group named `{name}`"),
            ));
        }
    }
    for feature in &fm.context.tokio_features {
        for name in placeholder_names(feature) {
            if !known.contains(name) {
                return Err(fail(
                    line_of("tokio_features"),
                    format!("context.tokio_features uses `{{{name}}}`, but no regex has a capture group named `{name}`"),
                ));
            }
        }
    }
    for fix in &fm.fix {
        if !crate::fix::recipes::exists(&fix.recipe) {
            return Err(fail(
                line_of(&fix.recipe),
                format!("fix: no recipe named `{}`", fix.recipe),
            ));
        }
    }
    let body = parse_body(body_text, closing_line, &fail)?;
    for (idx, section) in [&body.python, &body.rust, &body.fix]
        .into_iter()
        .enumerate()
    {
        for name in placeholder_names(section) {
            if !known.contains(name) {
                let line = text
                    .lines()
                    .position(|l| l.contains(&format!("{{{name}")))
                    .map(|i| i + 1);
                return Err(fail(
                    line,
                    format!(
                        "section `{}` uses `{{{name}}}`, but no regex has a capture group named `{name}`",
                        SECTIONS[idx]
                    ),
                ));
            }
        }
    }

    Ok(Rule {
        id: fm.id,
        title: fm.title,
        summary: fm.summary,
        priority: fm.priority,
        level: spec.level,
        codes,
        message,
        children,
        labels,
        source,
        links: fm.links,
        deprecated: fm.deprecated,
        tokio_features: fm.context.tokio_features,
        cascade_rules: fm.cascade.rules,
        cascade_messages,
        fix_recipes: fm.fix.into_iter().map(|f| f.recipe).collect(),
        body,
        origin,
    })
}

fn is_snake_case(id: &str) -> bool {
    !id.is_empty()
        && id.as_bytes()[0].is_ascii_lowercase()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Splits the Markdown body into the three `##` sections, checking names and order.
fn parse_body(
    body: &str,
    closing_line: usize,
    fail: &dyn Fn(Option<usize>, String) -> Error,
) -> Result<Body, Error> {
    let mut sections: Vec<(String, usize, String)> = Vec::new();
    let mut in_fence = false;
    for (i, line) in body.lines().enumerate() {
        let line_no = closing_line + 1 + i;
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence {
            if let Some(heading) = line.strip_prefix("## ") {
                sections.push((heading.trim().to_string(), line_no, String::new()));
                continue;
            }
        }
        match sections.last_mut() {
            Some((_, _, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None if line.trim().is_empty() => {}
            None => {
                return Err(fail(
                    Some(line_no),
                    format!(
                        "text before the first section; the body must start with `## {}`",
                        SECTIONS[0]
                    ),
                ))
            }
        }
    }
    if in_fence {
        return Err(fail(None, "a ``` code fence is never closed".into()));
    }
    let names: Vec<&str> = sections.iter().map(|(n, _, _)| n.as_str()).collect();
    if names != SECTIONS {
        let line = sections
            .iter()
            .zip(SECTIONS)
            .find(|((n, _, _), want)| n != want)
            .map(|((_, l, _), _)| *l)
            .unwrap_or(closing_line + 1);
        return Err(fail(
            Some(line),
            format!(
                "the body must have exactly the sections {} in this order (found {})",
                SECTIONS.map(|s| format!("`## {s}`")).join(", "),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names
                        .iter()
                        .map(|n| format!("`## {n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        ));
    }
    for (name, line, text) in &sections {
        if text.trim().is_empty() {
            return Err(fail(Some(*line), format!("section `## {name}` is empty")));
        }
    }
    let fix = &sections[2];
    if !fix.2.contains("```rust") {
        return Err(fail(
            Some(fix.1),
            "section `## Fix` needs at least one ```rust code block".into(),
        ));
    }
    let mut it = sections.into_iter().map(|(_, _, t)| t.trim().to_string());
    let (python, rust, fix) = (
        it.next().unwrap_or_default(),
        it.next().unwrap_or_default(),
        it.next().unwrap_or_default(),
    );
    Ok(Body { python, rust, fix })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"+++
id = "demo_rule"
title = "`{var}` held"
summary = "A demo."
[match]
level = "error"
message = 'future cannot be sent'
labels = ['with `(?P<var>[^`]+)` maybe used later']
[[links]]
title = "Tokio"
url = "https://tokio.rs"
+++
## In Python terms
Python text.
## What Rust is telling you
Rust text about `{var}`.
## Fix
1. Do this:
```rust
let x = {var};
```
"#;

    fn err(text: &str) -> String {
        parse_rule(text, "demo_rule", Origin::File("r/demo_rule.md".into()))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_a_good_rule() {
        let rule = parse_rule(GOOD, "demo_rule", Origin::Builtin).unwrap();
        assert_eq!(rule.id, "demo_rule");
        assert_eq!(rule.labels.len(), 1);
        assert!(rule.body.fix.contains("let x = {var};"));
    }

    #[test]
    fn reads_and_checks_the_cascade_table() {
        let with = |table: &str| GOOD.replace("[[links]]", &format!("{table}\n[[links]]"));
        let rule = parse_rule(
            &with("[cascade]\nrules = [\"other_rule\"]\nmessages = ['is not a future']"),
            "demo_rule",
            Origin::Builtin,
        )
        .unwrap();
        assert_eq!(rule.cascade_rules, ["other_rule"]);
        assert!(rule.cascade_messages[0].is_match("`u8` is not a future"));
        assert_eq!(
            err(&with("[cascade]\nmessages = ['(oops']")),
            "invalid rule r/demo_rule.md:10: cascade.messages: invalid regex `(oops`: error: unclosed group"
        );
        assert!(err(&with("[cascade]\nrules = [\"Not An Id\"]"))
            .contains("cascade.rules: `Not An Id` is not a rule id"));
    }

    #[test]
    fn reports_file_line_and_problem() {
        assert_eq!(
            err(&GOOD.replace("'future cannot be sent'", "'future (cannot'")),
            "invalid rule r/demo_rule.md:7: match.message: invalid regex `future (cannot`: error: unclosed group"
        );
        assert_eq!(
            err(&GOOD.replace("`{var}` held", "`{nope}` held")),
            "invalid rule r/demo_rule.md:3: title uses `{nope}`, but no regex has a capture group named `nope`"
        );
        assert!(err(&GOOD.replace("level = \"error\"", "level = 3"))
            .starts_with("invalid rule r/demo_rule.md:6: front matter:"));
        assert_eq!(
            err(&GOOD.replace("## What Rust is telling you\n", "## Why\n")),
            "invalid rule r/demo_rule.md:15: the body must have exactly the sections `## In Python terms`, `## What Rust is telling you`, `## Fix` in this order (found `## In Python terms`, `## Why`, `## Fix`)"
        );
        assert_eq!(
            err(&GOOD.replace("demo_rule\"", "other_rule\"")),
            "invalid rule r/demo_rule.md:2: id `other_rule` must equal the file name `demo_rule`"
        );
        assert_eq!(err("no front matter"), "invalid rule r/demo_rule.md:1: a rule file must start with a `+++` line that opens its TOML front matter");
        assert!(err(&GOOD.replace("```rust", "```text"))
            .contains("needs at least one ```rust code block"));
        assert!(
            err(&GOOD.replace("Rust text about `{var}`.", "Rust {missing}."))
                .contains(":16: section `What Rust is telling you` uses `{missing}`")
        );
        assert!(
            err(&GOOD.replace("level = \"error\"", "level = \"error\"\ncolour = 1"))
                .contains("unknown field `colour`")
        );
    }
}
