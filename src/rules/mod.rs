//! The rulebook: built-in rules (embedded at compile time) plus user rule directories, parsed
//! and validated once, with an index that lets the matcher skip rules that cannot apply.

pub mod parse;
pub mod pattern;
pub mod registry;
pub mod spec;
pub mod template;

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use regex::RegexSet;

pub use pattern::Pattern;
pub use spec::{Level, Link, Origin, Rule, Section};

use crate::error::Error;

/// All rules, plus a per-code prefilter.
#[derive(Debug)]
pub struct Rulebook {
    rules: Vec<Rule>,
    index: Index,
    /// Human-readable notes produced while loading (e.g. a user rule replacing a built-in).
    pub notes: Vec<String>,
    /// Each rule's title and summary words (lowercase, longer than 3 letters), for the
    /// closest-rules pointer of [`crate::matching::unknown_async`]: built on first use.
    /// As an index: each word, the rules (by index) whose title or summary has it.
    pub(crate) words: OnceLock<foldhash::HashMap<String, Vec<usize>>>,
}

/// For each code that some rule names, the rules that can apply to a diagnostic with that
/// code (that code's rules plus the code-less ones), prefiltered by two `RegexSet`s over their
/// message patterns: the code's own rules' set, and one set of the code-less rules' patterns
/// shared by every code (so it is compiled once, not once per code). Diagnostics with any
/// other code, or none, use `codeless`.
#[derive(Debug)]
struct Index {
    by_code: HashMap<String, Bucket>,
    codeless: Bucket,
    /// The code-less rules' message patterns, in the order of `codeless.rules`.
    codeless_set: PatternSet,
}

#[derive(Debug)]
pub(crate) struct Bucket {
    /// Rule indices, in matching order: the most specific rule first (the order
    /// [`crate::matching::find`] ranks by), so the first candidate whose conditions all hold
    /// is the winner and the rest need no evaluation.
    pub(crate) rules: Vec<usize>,
    /// The message patterns of the rules that name this code, with their positions in `rules`.
    own: PatternSet,
    /// Where each code-less rule (in the order of `Index::codeless_set`) sits in `rules`.
    codeless_positions: Vec<usize>,
}

/// Message patterns (empty for a rule without one: it matches everywhere), each with the
/// position of its rule in a bucket, and the `RegexSet` over them, compiled the first time a
/// diagnostic needs it. Compiling every set up front was most of the start-up cost (issue 5,
/// BENCHMARKS.md), and a build meets only a few codes. `None` if the combined set does not
/// compile (each pattern did on its own, so only a size limit can cause that): then every
/// rule is a candidate and its own regex decides.
#[derive(Debug)]
struct PatternSet {
    patterns: Vec<String>,
    positions: Vec<usize>,
    set: OnceLock<Option<RegexSet>>,
}

impl PatternSet {
    fn new(rules: &[usize], positions: Vec<usize>, all: &[Rule]) -> Self {
        let patterns = rules
            .iter()
            .map(|&i| {
                all[i]
                    .message
                    .as_ref()
                    .map_or("", |r| r.as_str())
                    .to_string()
            })
            .collect();
        PatternSet {
            patterns,
            positions,
            set: OnceLock::new(),
        }
    }

    /// Adds the positions of the patterns that match `message` (through `map`, from a
    /// pattern's position to a bucket position) to `out`. `false` when the set does not
    /// compile: then nothing was added and the caller must consider every rule.
    fn matches(&self, message: &str, map: impl Fn(usize) -> usize, out: &mut Vec<usize>) -> bool {
        if self.patterns.is_empty() {
            return true;
        }
        match self.set.get_or_init(|| RegexSet::new(&self.patterns).ok()) {
            Some(set) => {
                out.extend(
                    set.matches(message)
                        .into_iter()
                        .map(|k| map(self.positions[k])),
                );
                true
            }
            None => false,
        }
    }
}

/// `rules` most specific first: the order [`crate::matching::find`] ranks by.
fn matching_order(mut rules: Vec<usize>, all: &[Rule]) -> Vec<usize> {
    rules.sort_by(|&a, &b| all[b].specificity().cmp(&all[a].specificity()));
    rules
}

impl Bucket {
    /// A bucket of `rules` (this code's rules and the code-less ones); `codeless` lists the
    /// code-less rules in the order of the shared set.
    fn new(rules: Vec<usize>, codeless: &[usize], all: &[Rule]) -> Self {
        let rules = matching_order(rules, all);
        let position = |rule: usize| rules.iter().position(|&r| r == rule).unwrap_or(0);
        let own: Vec<usize> = rules
            .iter()
            .copied()
            .filter(|r| !codeless.contains(r))
            .collect();
        let own_positions = own.iter().map(|&r| position(r)).collect();
        let codeless_positions = codeless.iter().map(|&r| position(r)).collect();
        Bucket {
            own: PatternSet::new(&own, own_positions, all),
            codeless_positions,
            rules,
        }
    }

    /// Positions (in `rules`, so most specific first) of the rules whose message pattern
    /// matches `message`, ascending. The second value says whether the sets prefiltered them
    /// (when a set does not compile, every rule is a candidate and its own message regex must
    /// decide).
    fn candidates(&self, shared: &PatternSet, message: &str) -> (Vec<usize>, bool) {
        let mut out = Vec::new();
        let compiled = self.own.matches(message, |p| p, &mut out)
            && shared.matches(message, |k| self.codeless_positions[k], &mut out);
        if !compiled {
            return ((0..self.rules.len()).collect(), false);
        }
        out.sort_unstable();
        (out, true)
    }
}

impl Rulebook {
    /// The built-in rules only.
    pub fn builtin() -> Result<Self, Error> {
        Self::from_rules(builtin_rules()?, Vec::new())
    }

    /// Built-in rules, then each user directory in order; a user rule with a built-in's id
    /// replaces it (and says so in `notes`).
    pub fn load(user_dirs: &[impl AsRef<Path>]) -> Result<Self, Error> {
        let mut rules = builtin_rules()?;
        let mut notes = Vec::new();
        let mut user_ids: HashMap<String, std::path::PathBuf> = HashMap::new();
        for dir in user_dirs {
            for rule in load_dir(dir.as_ref())? {
                let Origin::File(path) = &rule.origin else {
                    continue;
                };
                if let Some(previous) = user_ids.insert(rule.id.clone(), path.clone()) {
                    return Err(Error::Rule {
                        origin: path.display().to_string(),
                        line: None,
                        problem: format!(
                            "duplicate rule id `{}` (also defined in {})",
                            rule.id,
                            previous.display()
                        ),
                    });
                }
                if let Some(pos) = rules.iter().position(|r| r.id == rule.id) {
                    notes.push(format!(
                        "rule `{}` from {} replaces the built-in rule",
                        rule.id,
                        path.display()
                    ));
                    rules[pos] = rule;
                } else {
                    rules.push(rule);
                }
            }
        }
        Self::from_rules(rules, notes)
    }

    fn from_rules(rules: Vec<Rule>, notes: Vec<String>) -> Result<Self, Error> {
        let mut by_code_ids: HashMap<String, Vec<usize>> = HashMap::new();
        let mut codeless = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rule.deprecated {
                continue;
            }
            if rule.codes.is_empty() {
                codeless.push(i);
            }
            for code in &rule.codes {
                by_code_ids.entry(code.clone()).or_default().push(i);
            }
        }
        // The shared set lists the code-less rules in matching order, which is also the
        // order of the code-less bucket itself (whose own set is then empty).
        let codeless = matching_order(codeless, &rules);
        let codeless_set = PatternSet::new(&codeless, (0..codeless.len()).collect(), &rules);
        let mut by_code = HashMap::new();
        for (code, mut ids) in by_code_ids {
            ids.extend(codeless.iter().copied());
            ids.sort_unstable();
            ids.dedup();
            by_code.insert(code, Bucket::new(ids, &codeless, &rules));
        }
        let codeless_bucket = Bucket::new(codeless.clone(), &codeless, &rules);
        Ok(Rulebook {
            rules,
            index: Index {
                by_code,
                codeless: codeless_bucket,
                codeless_set,
            },
            notes,
            words: OnceLock::new(),
        })
    }

    /// Every rule, built-in first, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule at `index` (indices come from findings of this rulebook).
    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules[index]
    }

    /// Looks a rule up by id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The candidate bucket for a diagnostic code, and the positions in its `rules` of the
    /// rules whose message pattern matches `message` (most specific first; see
    /// [`Bucket::candidates`] for the flag).
    pub(crate) fn candidates(
        &self,
        code: Option<&str>,
        message: &str,
    ) -> (&Bucket, Vec<usize>, bool) {
        let bucket = code
            .and_then(|c| self.index.by_code.get(c))
            .unwrap_or(&self.index.codeless);
        let (positions, prefiltered) = bucket.candidates(&self.index.codeless_set, message);
        (bucket, positions, prefiltered)
    }
}

/// Parses every built-in rule. A failure here is a bug caught by `tests/rulebook.rs`.
pub fn builtin_rules() -> Result<Vec<Rule>, Error> {
    registry::BUILTIN
        .iter()
        .map(|(id, text)| parse::parse_rule(text, id, Origin::Builtin))
        .collect()
}

/// Reads every `*.md` file of a user rule directory, sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<Rule>, Error> {
    let io_err = |source| Error::RulesDir {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let path = entry.map_err(io_err)?.path();
        if path.extension().is_some_and(|e| e == "md") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    let mut rules = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| Error::RulesDir {
            path: path.clone(),
            source,
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        rules.push(parse::parse_rule(&text, &stem, Origin::File(path))?);
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two sets (a code's own rules, the shared code-less ones) must give exactly the
    /// candidates one set over the whole bucket gives, in the same order, for every code and
    /// every recorded message.
    #[test]
    fn split_sets_give_the_candidates_of_one_set_over_the_bucket() {
        let book = Rulebook::builtin().unwrap();
        let streams = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/streams");
        let mut messages = Vec::new();
        for entry in std::fs::read_dir(streams).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            for line in text.lines() {
                let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
                    continue;
                };
                if let Some(m) = value.pointer("/message/message").and_then(|m| m.as_str()) {
                    messages.push(m.to_string());
                }
            }
        }
        assert!(messages.len() > 200, "{} messages", messages.len());
        let mut codes: Vec<Option<&str>> = book
            .index
            .by_code
            .keys()
            .map(|c| Some(c.as_str()))
            .collect();
        codes.push(None);
        let mut compared = 0;
        for code in codes {
            let (bucket, _, _) = book.candidates(code, "");
            let whole: Vec<&str> = bucket
                .rules
                .iter()
                .map(|&i| book.rule(i).message.as_ref().map_or("", |r| r.as_str()))
                .collect();
            let whole = RegexSet::new(&whole).unwrap();
            for message in &messages {
                let want: Vec<usize> = whole.matches(message).into_iter().collect();
                let (_, got, prefiltered) = book.candidates(code, message);
                assert!(prefiltered);
                assert_eq!(got, want, "code {code:?}, message {message:?}");
                compared += usize::from(!want.is_empty());
            }
        }
        assert!(compared > 100, "only {compared} non-empty comparisons");
    }
}
