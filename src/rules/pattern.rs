//! A rule's regex, checked when the rule is loaded and compiled the first time a diagnostic
//! needs it. Compiling all the built-in rules' regexes up front was most of the start-up
//! cost of every run (BENCHMARKS.md, "Wrapper overhead"), and a build meets only a few rules.
//!
//! Built-in patterns are compiled lazily. Debug builds validate them at load with
//! `regex-syntax` (the parser `regex` itself uses, with its default settings); release builds
//! only read their group names from the text. `rulebook::every_builtin_pattern_compiles`
//! compiles every one of them and compares the names, so the lazy compile cannot fail for
//! them. A user's rule file is compiled when it is loaded, so every problem in it is reported
//! then, with its line.
//!
//! Conditions are decided, and capture groups read, by one engine of the pattern, built on
//! first use, without the lazy DFA (`regex-automata`'s meta regex with `hybrid(false)` and
//! `dfa(false)`: prefilters, the one-pass DFA, bounded backtracker or PikeVM, all with the
//! same leftmost-first semantics). The texts are short (a message, a child's message, a
//! label); the lazy DFA's forward, reverse and slot searches over its large, rarely warm
//! tables cost more there than the small engines do (BENCHMARKS.md), and building a second,
//! lazy-DFA regex for each condition doubled what compiling the rules cost: a third less CPU
//! for a stream that meets every rule once, the same per message on a long one.

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use regex::Regex;
use regex_automata::meta;

/// A regex with its source text and capture names known before it is compiled.
pub struct Pattern {
    text: String,
    names: Vec<String>,
    compiled: OnceLock<Regex>,
    /// The engine that decides conditions and reads captures ([`Pattern::small`]).
    small: OnceLock<Option<meta::Regex>>,
}

impl Pattern {
    /// Compiles `text` now (user rules: any error is reported at load time).
    pub fn eager(text: &str) -> Result<Self, String> {
        let regex = Regex::new(text).map_err(|e| e.to_string())?;
        let names = regex
            .capture_names()
            .flatten()
            .map(str::to_string)
            .collect();
        let compiled = OnceLock::new();
        let _ = compiled.set(regex);
        Ok(Pattern {
            text: text.to_string(),
            names,
            compiled,
            small: OnceLock::new(),
        })
    }

    /// Compiles `text` on first use (built-in rules). Its group names are read by a scan of
    /// the text; debug builds (the test suite, `scripts/new-rule`'s checks) also check its
    /// syntax now, so a mistake in a new built-in rule is reported at load with its line.
    /// Release builds trust the built-in rules: every one is compiled, and its names compared
    /// with the compiled regex's, by `rulebook::every_builtin_pattern_compiles`. Parsing them
    /// all at every start was half of the tool's own CPU on a no-op check (BENCHMARKS.md).
    pub fn lazy(text: &str) -> Result<Self, String> {
        if cfg!(debug_assertions) {
            regex_syntax::Parser::new()
                .parse(text)
                .map_err(|e| e.to_string())?;
        }
        Ok(Pattern {
            text: text.to_string(),
            names: scan_names(text),
            compiled: OnceLock::new(),
            small: OnceLock::new(),
        })
    }

    /// The pattern as written in the rule file.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The named groups, in the order `Regex::capture_names` gives them (wrapped in `Some`
    /// so callers read it the same way). Needs no compiled regex.
    pub fn capture_names(&self) -> impl Iterator<Item = Option<&str>> {
        self.names.iter().map(|n| Some(n.as_str()))
    }

    /// Whether the pattern matches somewhere in `text`, decided by the small engines (see the
    /// module's comment) that also read the capture groups, so a condition and its captures
    /// cost one compile.
    pub fn is_match(&self, text: &str) -> bool {
        match self.small() {
            Some(engine) => engine.is_match(text),
            None => self.regex().is_match(text),
        }
    }

    /// The engine without the lazy DFA, built on first use (`None` only if it failed to build,
    /// which `regex` compiling the same pattern rules out).
    fn small(&self) -> Option<&meta::Regex> {
        self.small
            .get_or_init(|| {
                meta::Builder::new()
                    .configure(meta::Config::new().hybrid(false).dfa(false))
                    .build(&self.text)
                    .ok()
            })
            .as_ref()
    }

    /// The compiled regex, compiled now if this is its first use.
    pub fn regex(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            // Only a built-in pattern gets here uncompiled; every one of them is compiled by a
            // test. Should one still fail (a size limit), it matches nothing rather than panic.
            Regex::new(&self.text).unwrap_or_else(|_| never())
        })
    }

    /// Calls `found(name, value)` for each named group that took part in the leftmost-first
    /// match of `text`, in the order of [`Pattern::capture_names`]; `false` if there is no
    /// match. The same groups and values `Regex::captures` gives.
    pub fn named_captures<'t>(&self, text: &'t str, mut found: impl FnMut(&str, &'t str)) -> bool {
        let Some(engine) = self.small() else {
            // Cannot happen for a pattern `Regex` compiles; if it did, the compiled regex
            // still gives the same answer, only slower.
            let Some(caps) = self.regex().captures(text) else {
                return false;
            };
            for name in &self.names {
                if let Some(m) = caps.name(name) {
                    found(name, m.as_str());
                }
            }
            return true;
        };
        let mut caps = engine.create_captures();
        engine.captures(text, &mut caps);
        if !caps.is_match() {
            return false;
        }
        for name in &self.names {
            if let Some(span) = caps.get_group_by_name(name) {
                found(name, &text[span.range()]);
            }
        }
        true
    }
}

fn never() -> Regex {
    Regex::new(r"[^\s\S]").expect("the empty class is a valid regex")
}

impl Deref for Pattern {
    type Target = Regex;
    fn deref(&self) -> &Regex {
        self.regex()
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.text).finish()
    }
}

/// Named capture groups (`(?P<name>` and `(?<name>`) in the order of their opening
/// parenthesis, the order `regex` numbers groups in, read from the text: escapes are skipped,
/// and so are character classes (nested ones included), where a parenthesis is a literal.
/// Exact for every built-in pattern (a test compares it with the compiled regex for each);
/// not for every regex (`regex` drops a group repeated `{0}` times, for one).
fn scan_names(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut names = Vec::new();
    let mut class = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => {
                class += 1;
                // A `]` right after `[` or `[^` is a literal.
                if b.get(i + 1) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b']' if class > 0 => class -= 1,
            b'(' if class == 0 => {
                let rest = &text[i + 1..];
                let name_at = if rest.starts_with("?P<") {
                    Some(3)
                } else if rest.starts_with("?<")
                    && !rest.starts_with("?<=")
                    && !rest.starts_with("?<!")
                {
                    Some(2)
                } else {
                    None
                };
                if let Some(at) = name_at {
                    if let Some(end) = rest[at..].find('>') {
                        names.push(rest[at..at + end].to_string());
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_patterns_know_their_names_like_the_compiled_regex() {
        for text in [
            r"plain",
            r"(?P<a>x)(y)(?P<b>(?P<c>z)|w)*",
            r"^(?:.*?(?P<awaited>[\w:.]+)\.await\b)?",
            r"(?P<x>a)+(?<y>b)",
            r"\(?P<not>x\)[(?P<no>][^](?P<in>)][[:alpha:](?P<q>]x(?P<yes>y)",
            r"[a-z&&[^(?P<n>]](?<m>z)",
        ] {
            let lazy = Pattern::lazy(text).unwrap();
            let regex = Regex::new(text).unwrap();
            let want: Vec<_> = regex.capture_names().flatten().collect();
            let got: Vec<_> = lazy.capture_names().flatten().collect();
            assert_eq!(got, want, "{text}");
            assert!(lazy.compiled.get().is_none(), "not compiled before use");
            assert_eq!(lazy.is_match("xyzw"), regex.is_match("xyzw"));
        }
    }

    #[test]
    fn named_captures_are_the_compiled_regex_captures() {
        let cases = [
            (
                r"await occurs here, with `(?:mut )?(?P<var>[^`]+)` maybe used later",
                "x await occurs here, with `mut guard` maybe used later",
            ),
            (r"(?P<a>x)?(?P<b>y+)|(?P<c>z)", "zzz yyy"),
            (
                r"^(?:.*?(?P<awaited>[\w:.]+(?:\((?:[^()]|\([^()]*\))*\))*)\.await\b)?",
                "let v = client.get(url).send().await?;",
            ),
            (
                r"`(?P<ty>[^`]+)` cannot be unpinned",
                "`{async block@src/main.rs:4:5: 4:15}` cannot be unpinned",
            ),
            (r"(?P<w>\w+)é(?P<e>)", "naïve café"),
            (r"(?P<never>q)", "no match here"),
        ];
        for (pattern, text) in cases {
            for p in [
                Pattern::lazy(pattern).unwrap(),
                Pattern::eager(pattern).unwrap(),
            ] {
                let mut got = Vec::new();
                let matched =
                    p.named_captures(text, |n, v| got.push((n.to_string(), v.to_string())));
                let regex = Regex::new(pattern).unwrap();
                let want: Vec<_> = regex
                    .captures(text)
                    .map(|c| {
                        regex
                            .capture_names()
                            .flatten()
                            .filter_map(|n| {
                                c.name(n).map(|m| (n.to_string(), m.as_str().to_string()))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                assert_eq!(matched, regex.is_match(text), "{pattern}");
                assert_eq!(got, want, "{pattern} on {text}");
            }
        }
    }

    #[test]
    fn lazy_and_eager_reject_the_same_syntax_with_the_same_last_line() {
        for text in [
            r"future (cannot",
            r"\p{NoSuchClass}",
            r"a{2,1}",
            r"(?P<n>a)(?P<n>b)",
        ] {
            let lazy = Pattern::lazy(text).map(|_| ()).expect_err(text);
            let eager = Pattern::eager(text).map(|_| ()).expect_err(text);
            assert_eq!(lazy.lines().last(), eager.lines().last(), "{text}");
        }
    }
}
