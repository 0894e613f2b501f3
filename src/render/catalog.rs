//! `--explain` and `--list-rules`: the rulebook itself, printed for people (or as JSON).

use std::collections::BTreeMap;
use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};
use serde_json::json;

use super::markdown::{layout, Laid};
use super::{RenderContext, WIDTH};
use crate::error::Error;
use crate::matching::Explanation;
use crate::rules::{Rule, Rulebook, Section};

/// Rules an `--explain` argument refers to: the rule with that id, or every rule that can
/// match that rustc code or lint. Empty when nothing fits.
pub fn lookup<'r>(book: &'r Rulebook, query: &str) -> Vec<&'r Rule> {
    if let Some(rule) = book.get(query) {
        return vec![rule];
    }
    let q = query.trim().to_ascii_lowercase();
    book.rules()
        .iter()
        .filter(|r| r.codes.iter().any(|c| c.to_ascii_lowercase() == q))
        .collect()
}

/// Up to three rule ids closest to `query` (edit distance), for "did you mean".
pub fn nearest<'r>(book: &'r Rulebook, query: &str) -> Vec<&'r str> {
    let mut scored: Vec<(usize, &str)> = book
        .rules()
        .iter()
        .map(|r| {
            // Compare with the whole id and with its start, so a misspelt prefix
            // (`rc_hld`) still finds `rc_held_across_await`.
            let prefix: String = r.id.chars().take(query.chars().count() + 1).collect();
            let d = if r.id.contains(query) || query.contains(r.id.as_str()) {
                0
            } else {
                edit_distance(query, &r.id).min(edit_distance(query, &prefix))
            };
            (d, r.id.as_str())
        })
        .collect();
    scored.sort();
    let limit = query.len().max(4) / 2 + 2;
    scored
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .take(3)
        .map(|(_, id)| id)
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Prints one rule in full: every section, every fix option, every link.
/// `--explain QUERY`: every rule the query names, separated by a rule line. An unknown query
/// is a usage error that suggests the nearest ids (returned before anything is written).
pub fn write_explain(
    book: &Rulebook,
    query: &str,
    ctx: RenderContext,
    out: &mut dyn Write,
) -> Result<io::Result<()>, Error> {
    let rules = lookup(book, query);
    if rules.is_empty() {
        let near = nearest(book, query);
        let hint = if near.is_empty() {
            "; see --list-rules".to_string()
        } else {
            format!(
                "; did you mean {}?",
                near.iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Error::Usage(format!(
            "no rule or code `{query}` in the rulebook{hint}"
        )));
    }
    let mut result = Ok(());
    for (i, rule) in rules.iter().enumerate() {
        if i > 0 {
            result = result.and_then(|()| writeln!(out, "\n{}\n", "─".repeat(40)));
        }
        result = result.and_then(|()| write_rule(rule, ctx, out));
    }
    Ok(result)
}

pub fn write_rule(rule: &Rule, ctx: RenderContext, out: &mut dyn Write) -> io::Result<()> {
    // No diagnostic here: show each placeholder by name, as `<var>`, except those written with
    // a fallback (`{spawn_fn|tokio::spawn}`), which read best as their fallback.
    let mut names = BTreeMap::new();
    let texts = [
        &rule.title,
        &rule.body.python,
        &rule.body.rust,
        &rule.body.fix,
    ];
    for text in texts {
        for name in crate::rules::template::names_without_fallback(text) {
            names.insert(name.to_string(), format!("<{name}>"));
        }
    }
    let e = Explanation::from_rule(rule, &names);
    let paint = |s: &str, style: Style| {
        if ctx.color {
            s.style(style).to_string()
        } else {
            s.to_string()
        }
    };
    writeln!(
        out,
        "{}",
        paint(
            &format!("{} — {}", rule.id, e.title),
            Style::new().bold().magenta()
        )
    )?;
    writeln!(out, "{}", rule.summary)?;
    let codes = if rule.codes.is_empty() {
        "any (matched on the message)".to_string()
    } else {
        rule.codes.join(", ")
    };
    writeln!(
        out,
        "Matches: {} diagnostics; code: {codes}; source: {}",
        level_name(rule),
        rule.origin
    )?;
    for (heading, text) in e.sections() {
        // The Fix section's code is the rule's own example; under a diagnostic, the fix is
        // the user's code rewritten (the fix stage).
        let heading = if heading == Section::Fix.heading() {
            "Fix (examples)"
        } else {
            heading
        };
        writeln!(out)?;
        writeln!(out, "{}", paint(heading, Style::new().bold().underline()))?;
        for laid in layout(text, WIDTH - 2) {
            match laid {
                Laid::Prose(l) => writeln!(out, "  {l}")?,
                Laid::Code(l) => writeln!(out, "  {}", paint(&l, Style::new().cyan()))?,
                Laid::Blank => writeln!(out)?,
            }
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        paint("Read more", Style::new().bold().underline())
    )?;
    for link in &rule.links {
        writeln!(out, "  {}: {}", link.title, link.url)?;
    }
    Ok(())
}

fn level_name(rule: &Rule) -> &'static str {
    use crate::rules::Level;
    match rule.level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
        Level::Help => "help",
        Level::Any => "all",
    }
}

/// `--list-rules` as a table.
pub fn write_table(book: &Rulebook, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<(String, String, String, String)> = book
        .rules()
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                codes_cell(r),
                r.title.clone(),
                r.origin.to_string(),
            )
        })
        .collect();
    let w_id = rows.iter().map(|r| r.0.len()).max().unwrap_or(2).max(2);
    let w_code = rows.iter().map(|r| r.1.len()).max().unwrap_or(5).max(11);
    writeln!(out, "{:w_id$}  {:w_code$}  TITLE", "ID", "CODES/LINTS")?;
    for (id, codes, title, origin) in rows {
        let source = if origin == "built-in" {
            String::new()
        } else {
            format!("  [{origin}]")
        };
        writeln!(out, "{id:w_id$}  {codes:w_code$}  {title}{source}")?;
    }
    Ok(())
}

fn codes_cell(rule: &Rule) -> String {
    if rule.codes.is_empty() {
        "(no code)".to_string()
    } else {
        rule.codes.join(",")
    }
}

/// `--list-rules --format json`: an array of rule records.
pub fn write_json(book: &Rulebook, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<_> = book
        .rules()
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "codes": r.codes,
                "level": level_name(r),
                "title": r.title,
                "summary": r.summary,
                "url": r.url(),
                "priority": r.priority,
                "source": r.origin.to_string(),
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rules)?;
    writeln!(out)
}

/// The rule table for README.md (kept current by `tests/rulebook.rs`). `fix` says, for a
/// rule id, what the fix stage gives on the rule's trigger fixture (the test renders it).
pub fn markdown_table(book: &Rulebook, fix: &dyn Fn(&str) -> String) -> String {
    let mut out = String::from(
        "| Rule | Code / lint | When it fires | Fix in your code |\n|---|---|---|---|\n",
    );
    for rule in book.rules() {
        let codes = if rule.codes.is_empty() {
            "(none)".to_string()
        } else {
            rule.codes
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "| [`{}`](explanations/{}.md) | {} | {} | {} |\n",
            rule.id,
            rule.id,
            codes,
            rule.summary.replace('|', "\\|"),
            fix(&rule.id)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_ids() {
        let book = Rulebook::builtin().unwrap();
        assert_eq!(
            nearest(&book, "rc_hld").first(),
            Some(&"rc_held_across_await")
        );
        assert_eq!(
            nearest(&book, "unused_futur").first(),
            Some(&"unused_future")
        );
        assert!(nearest(&book, "zzzzzzzzzzzzzzzzzzzz").is_empty());
        assert_eq!(lookup(&book, "e0728").len(), 1);
    }
}
