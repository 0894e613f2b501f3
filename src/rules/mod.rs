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
    pub(crate) words: OnceLock<Vec<std::collections::BTreeSet<String>>>,
}

/// For each code that some rule names, the rules that can apply to a diagnostic with that
/// code (that code's rules plus the code-less ones), with one `RegexSet` over their message
/// patterns. Diagnostics with any other code, or none, use `codeless`.
#[derive(Debug)]
struct Index {
    by_code: HashMap<String, Bucket>,
    codeless: Bucket,
}

#[derive(Debug)]
pub(crate) struct Bucket {
    /// Rule indices, parallel to `patterns`.
    pub(crate) rules: Vec<usize>,
    /// The rules' message patterns (empty for a rule without one: it matches everywhere).
    patterns: Vec<String>,
    /// The `RegexSet` over `patterns`, compiled the first time a diagnostic with this code
    /// arrives. Compiling every bucket up front was most of the start-up cost (issue 5,
    /// BENCHMARKS.md), and a build meets only a few codes. `None` if the combined set does
    /// not compile (each pattern did on its own, so only a size limit can cause that): then
    /// every rule of the bucket is a candidate and its own regex decides.
    set: OnceLock<Option<RegexSet>>,
}

impl Bucket {
    /// `rules` is put in matching order: the most specific rule first (the order
    /// [`crate::matching::find`] ranks by), so the first candidate whose conditions all hold
    /// is the winner and the rest need no evaluation.
    fn new(mut rules: Vec<usize>, all: &[Rule]) -> Self {
        rules.sort_by(|&a, &b| all[b].specificity().cmp(&all[a].specificity()));
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
        Bucket {
            rules,
            patterns,
            set: OnceLock::new(),
        }
    }

    /// Positions (in `rules`, so most specific first) of the rules whose message pattern
    /// matches `message`.
    /// The second value says whether the set prefiltered them (when the set does not
    /// compile, every rule is a candidate and its own message regex must decide).
    pub(crate) fn candidates(&self, message: &str) -> (Vec<usize>, bool) {
        let set = self.set.get_or_init(|| RegexSet::new(&self.patterns).ok());
        match set {
            Some(set) => (set.matches(message).into_iter().collect(), true),
            None => ((0..self.rules.len()).collect(), false),
        }
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
        let mut by_code = HashMap::new();
        for (code, mut ids) in by_code_ids {
            ids.extend(codeless.iter().copied());
            ids.sort_unstable();
            ids.dedup();
            by_code.insert(code, Bucket::new(ids, &rules));
        }
        let codeless = Bucket::new(codeless, &rules);
        Ok(Rulebook {
            rules,
            index: Index { by_code, codeless },
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

    /// The candidate bucket for a diagnostic code.
    pub(crate) fn bucket(&self, code: Option<&str>) -> &Bucket {
        code.and_then(|c| self.index.by_code.get(c))
            .unwrap_or(&self.index.codeless)
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
