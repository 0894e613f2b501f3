//! Shared by the `fix_recipes_*` tests of the await, pin, runtime, blocking and misc families:
//! the recorded stream (or, for the source checks, the findings of our own analyzer) of a
//! fixture, matched with the real rulebook, each diagnostic's fix computed over the fixture's
//! real source files and a package context built from its `Cargo.toml`.
//!
//! With `FIXB_DUMP=<dir>` set, every proposal with edits is also written to
//! `<dir>/<member>.json` for `scripts/try-fix-fixb`, which applies it to a copy of the fixture
//! and runs cargo.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cargo_explain_async::context::{PackageContext, Runtime, TokioDep};
use cargo_explain_async::diagnostic::{classify, Diagnostic, Event, Line};
use cargo_explain_async::fix::{self, Applicability, Input, Proposal, Sources};
use cargo_explain_async::lints::emit::{compiler_message, PackageTarget as Origin};
use cargo_explain_async::matching::find;
use cargo_explain_async::rules::Rulebook;

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixture files, under the names rustc and cargo give them: `member/src/main.rs`
/// (relative to the workspace root) and `[ROOT]/member/Cargo.toml` (recorded manifest paths).
pub struct FixtureSources {
    /// Files replaced in memory (a fix applied), by name.
    pub overrides: BTreeMap<String, Arc<str>>,
}

impl FixtureSources {
    pub fn new() -> Self {
        FixtureSources {
            overrides: BTreeMap::new(),
        }
    }

    fn path(file: &str) -> PathBuf {
        let rel = file
            .strip_prefix("[ROOT]/")
            .unwrap_or(file)
            .trim_start_matches('/');
        fixtures_dir().join(rel)
    }
}

impl Sources for FixtureSources {
    fn read(&self, file: &str) -> Option<Arc<str>> {
        if let Some(text) = self.overrides.get(file) {
            return Some(text.clone());
        }
        std::fs::read_to_string(Self::path(file))
            .ok()
            .map(Arc::from)
    }
}

/// The package context cargo metadata would give for a fixture member: its direct runtime
/// dependencies and its tokio declaration (`workspace = true` resolved against the fixtures
/// workspace's `[workspace.dependencies]`, features merged as cargo merges them).
pub fn package(member: &str) -> PackageContext {
    let manifest: toml::Value = toml::from_str(
        &std::fs::read_to_string(fixtures_dir().join(member).join("Cargo.toml")).unwrap(),
    )
    .unwrap();
    let root: toml::Value =
        toml::from_str(&std::fs::read_to_string(fixtures_dir().join("Cargo.toml")).unwrap())
            .unwrap();
    let mut runtimes = Vec::new();
    let mut tokio = None;
    let deps = manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    for (name, value) in &deps {
        let rt = match name.as_str() {
            "tokio" => Runtime::Tokio,
            "smol" => Runtime::Smol,
            "async-std" => Runtime::AsyncStd,
            "trpl" => Runtime::Trpl,
            "futures" => Runtime::Futures,
            _ => continue,
        };
        runtimes.push(rt);
        if rt == Runtime::Tokio {
            let mut decl = value.clone();
            let mut features: Vec<String> = Vec::new();
            if decl.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
                features.extend(strings(decl.get("features")));
                decl = root["workspace"]["dependencies"]["tokio"].clone();
            }
            features.extend(strings(decl.get("features")));
            let req = match &decl {
                toml::Value::String(s) => s.clone(),
                other => other
                    .get("version")
                    .and_then(|v| v.as_str())
                    .unwrap_or("1")
                    .to_string(),
            };
            let default_features = decl
                .get("default-features")
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            tokio = Some(TokioDep {
                req,
                features,
                default_features,
            });
        }
    }
    runtimes.sort();
    PackageContext {
        name: member.to_string(),
        runtimes,
        tokio,
        in_workspace: true,
        trpl_run_only: false,
    }
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// One explained diagnostic of a fixture, with the fix the rule's recipes propose.
pub struct Case {
    pub rule: String,
    pub diagnostic: Diagnostic,
    pub captures: BTreeMap<String, String>,
    pub proposal: Option<Proposal>,
}

impl Case {
    /// The primary line in the user's code.
    pub fn line(&self) -> usize {
        self.diagnostic.user_span().map_or(0, |s| s.line_start)
    }

    /// The edits, or a panic naming the case.
    pub fn fix(&self) -> &fix::Fix {
        match &self.proposal {
            Some(Proposal::Edits(f)) => f,
            other => panic!(
                "{} at line {}: expected edits, got {other:?}",
                self.rule,
                self.line()
            ),
        }
    }

    /// The words, or a panic naming the case.
    pub fn words(&self) -> (&str, &[fix::QuotedLine]) {
        match &self.proposal {
            Some(Proposal::InWords { text, lines }) => (text, lines),
            other => panic!(
                "{} at line {}: expected words, got {other:?}",
                self.rule,
                self.line()
            ),
        }
    }
}

/// The diagnostics of a recorded stream.
pub fn stream_diagnostics(member: &str) -> Vec<Diagnostic> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/streams")
        .join(format!("{member}.jsonl"));
    let stream = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for raw in stream.split_inclusive(|b| *b == b'\n') {
        if let Event::Diagnostic(d) = classify(Line { raw }) {
            out.push(*d);
        }
    }
    out
}

/// The findings of our own source checks on a fixture's source files (`src/*.rs`), as the
/// compiler-message lines the tool injects.
pub fn lint_diagnostics(member: &str) -> Vec<Diagnostic> {
    let origin = Origin {
        package_id: format!("path+file://[ROOT]/{member}#0.0.0"),
        manifest_path: format!("[ROOT]/{member}/Cargo.toml"),
        target: serde_json::json!({"kind": ["bin"], "name": member, "src_path": format!("[ROOT]/{member}/src/main.rs")}),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir().join(member).join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let file = format!(
            "{member}/src/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let report = cargo_explain_async::lints::analyze_source(&text, false).unwrap();
        for f in &report.findings {
            let line = compiler_message(f, &file, &text, &origin, false) + "\n";
            match classify(Line {
                raw: line.as_bytes(),
            }) {
                Event::Diagnostic(d) => out.push(*d),
                _ => panic!("not a diagnostic: {line}"),
            }
        }
    }
    out
}

/// Every explained diagnostic of `member` (its recorded stream, or our source checks when
/// `lints`), with the proposal of the rule's recipes.
pub fn cases(member: &str, lints: bool) -> Vec<Case> {
    let book = Rulebook::builtin().unwrap();
    let diagnostics = if lints {
        lint_diagnostics(member)
    } else {
        stream_diagnostics(member)
    };
    let package = package(member);
    let sources = FixtureSources::new();
    let mut out = Vec::new();
    for d in diagnostics {
        let Some(finding) = find(&book, &d) else {
            continue;
        };
        let rule = book.rule(finding.rule);
        let input = Input {
            diagnostic: &d,
            captures: &finding.captures,
            package: Some(&package),
            sources: &sources,
        };
        let proposal = fix::propose(&rule.fix_recipes, &input);
        out.push(Case {
            rule: rule.id.clone(),
            diagnostic: d.clone(),
            captures: finding.captures.clone(),
            proposal,
        });
    }
    dump(member, &out);
    out
}

/// The cases of one rule.
pub fn cases_of(member: &str, rule: &str, lints: bool) -> Vec<Case> {
    let all = cases(member, lints);
    let of: Vec<Case> = all.into_iter().filter(|c| c.rule == rule).collect();
    assert!(!of.is_empty(), "{member}: no `{rule}` diagnostic");
    of
}

/// The text of `file` with `fix` applied (its edits to that file only).
pub fn fixed(file: &str, fix: &fix::Fix) -> String {
    let sources = FixtureSources::new();
    let text = sources
        .read(file)
        .unwrap_or_else(|| panic!("no file {file}"));
    let edits: Vec<&fix::Edit> = fix.edits.iter().filter(|e| e.file == file).collect();
    fix::apply(&text, edits).unwrap()
}

/// The fixed text of the file a case's diagnostic is in.
pub fn fixed_here(case: &Case) -> String {
    let file = case.diagnostic.user_span().unwrap().file_name.clone();
    fixed(&file, case.fix())
}

/// The fixture's main source file name, as rustc spells it.
pub fn main_rs(member: &str) -> String {
    format!("{member}/src/main.rs")
}

/// Asserts that line `line` (1-based) of the fixed text reads `expected` (trimmed).
pub fn assert_line(text: &str, line: usize, expected: &str) {
    let got = text.lines().nth(line - 1).unwrap_or_default();
    assert_eq!(got.trim(), expected.trim(), "line {line} of:\n{text}");
}

/// Whether the fixed text still parses as Rust.
pub fn parses(text: &str) -> bool {
    syn::parse_file(text).is_ok()
}

fn dump(member: &str, cases: &[Case]) {
    let Some(dir) = std::env::var_os("FIXB_DUMP") else {
        return;
    };
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    let list: Vec<serde_json::Value> = cases
        .iter()
        .filter_map(|c| {
            let Some(Proposal::Edits(fix)) = &c.proposal else {
                return None;
            };
            Some(serde_json::json!({
                "rule": c.rule,
                "line": c.line(),
                "message": c.diagnostic.rustc.message,
                "code": c.diagnostic.code(),
                "title": fix.title,
                "applicability": fix.applicability.as_str(),
                "edits": fix.edits.iter().map(|e| serde_json::json!({
                    "file": e.file, "start": e.start, "end": e.end, "replacement": e.replacement,
                })).collect::<Vec<_>>(),
            }))
        })
        .collect();
    std::fs::write(
        dir.join(format!("{member}.json")),
        serde_json::to_string_pretty(&list).unwrap(),
    )
    .unwrap();
}

/// Shorthand.
pub const MACHINE: Applicability = Applicability::MachineApplicable;
pub const MAYBE: Applicability = Applicability::MaybeIncorrect;
