//! Helpers shared by the integration tests: fixture discovery, markers, findings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cargo_explain_async::diagnostic::{classify, Event, Line};
use cargo_explain_async::matching::{find, Cascades};
use cargo_explain_async::render::human::{strip_ansi, BLOCK_FOOT, BLOCK_HEAD, SUMMARY_HEAD};
use cargo_explain_async::rules::Rulebook;

/// `(file relative to the fixtures workspace, line, rule id)`.
pub type Mark = (String, usize, String);

/// Held by every test that runs the real cargo on the fixtures workspace (its shared target
/// directory): they now share one process, and cargo would otherwise block on the target
/// directory or rebuild a crate another test has just checked under different settings.
pub static CARGO_LOCK: Mutex<()> = Mutex::new(());

/// The recorded streams snapshotted in every format, as `snapshots/replay/<case>@<format>`
/// (human, short and json by `tests/snapshots.rs`, the machine formats by
/// `tests/machine_formats.rs`).
pub const SNAPSHOT_CASES: &[&str] = &[
    "rc_held_across_await",
    "std_mutex_guard_held_across_await",
    "unpinned_future_in_select",
    "async_block_may_outlive_function",
    "future_used_as_value",
    "unused_future",
    "await_outside_async",
    "control__sync_mismatch",
];

/// What `scripts/new-rule` writes where the author has to fill something in.
pub const SCAFFOLD_PLACEHOLDER: &str = "TODO-new-rule";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures_dir() -> PathBuf {
    repo().join("tests/fixtures")
}

pub fn streams_dir() -> PathBuf {
    repo().join("tests/streams")
}

/// Downloads the fixtures workspace's dependencies (its lock file's versions) once per test
/// binary, for the tests that then run cargo offline on copies of fixture crates. Without it,
/// on a machine whose cargo cache is empty, such a test could run before any other test had
/// fetched tokio and fail to resolve it offline.
pub fn fetch_fixture_dependencies() {
    static FETCHED: OnceLock<()> = OnceLock::new();
    FETCHED.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .args(["fetch", "--locked", "--manifest-path"])
            .arg(fixtures_dir().join("Cargo.toml"))
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "cargo fetch on tests/fixtures failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// The members of the fixtures workspace (directory names, sorted), as cargo expands the
/// `members` glob of its Cargo.toml. Asked once per test binary.
pub fn members() -> Vec<String> {
    static MEMBERS: OnceLock<Vec<String>> = OnceLock::new();
    MEMBERS
        .get_or_init(|| {
            let metadata = cargo_metadata::MetadataCommand::new()
                .manifest_path(fixtures_dir().join("Cargo.toml"))
                .no_deps()
                .exec()
                .unwrap_or_else(|e| panic!("cargo metadata on tests/fixtures: {e}"));
            let mut members: Vec<String> = metadata
                .workspace_packages()
                .iter()
                .map(|p| {
                    let dir = p.manifest_path.parent().unwrap();
                    let name = dir.file_name().unwrap().to_string();
                    // Members sit directly under tests/fixtures; the name is the directory.
                    assert!(
                        fixtures_dir().join(&name).join("Cargo.toml").is_file(),
                        "{dir}: not a crate directly under tests/fixtures"
                    );
                    name
                })
                .collect();
            members.sort();
            members
        })
        .clone()
}

/// Every `// explain-async: <rule>` marker in a fixture crate's sources.
pub fn markers(member: &str) -> BTreeSet<Mark> {
    let mut out = BTreeSet::new();
    let src = fixtures_dir().join(member).join("src");
    for path in rs_files(&src) {
        let rel = path
            .strip_prefix(fixtures_dir())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some((_, rest)) = line.split_once("// explain-async: ") {
                // One or more rule ids (a line can hold a compiler error and a source-check
                // finding). `allow(<check>)` silences a source check; it is not a marker.
                for id in rest
                    .split_whitespace()
                    .filter(|id| !id.starts_with("allow("))
                {
                    out.insert((rel.clone(), i + 1, id.to_string()));
                }
            }
        }
    }
    out
}

pub fn rs_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(rs_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Whether a marker's rule belongs to the source checks (`src/lints`), whose findings never
/// appear in cargo's own streams.
pub fn is_lint_rule(id: &str) -> bool {
    cargo_explain_async::lints::Check::from_id(id).is_some()
}

/// The markers of one layer: the compiler's (`lint == false`) or the source checks'.
pub fn markers_of(member: &str, lint: bool) -> BTreeSet<Mark> {
    markers(member)
        .into_iter()
        .filter(|(_, _, id)| is_lint_rule(id) == lint)
        .collect()
}

/// What the matcher finds in a cargo JSON stream: one mark per explained diagnostic, at the
/// diagnostic's location in user code.
pub fn findings(book: &Rulebook, stream: &[u8]) -> BTreeSet<Mark> {
    let mut out = BTreeSet::new();
    let mut cascades = Cascades::default();
    for raw in stream.split_inclusive(|b| *b == b'\n') {
        if let Event::Diagnostic(d) = classify(Line { raw }) {
            if let Some(f) = cascades.filter(book, &d, find(book, &d)) {
                let span = d.user_span().expect("an explained diagnostic has a span");
                out.insert((
                    span.file_name.clone(),
                    span.line_start,
                    book.rule(f.rule).id.clone(),
                ));
            }
        }
    }
    out
}

/// Marks read back from our json output (`explain_async.rule` at the user span).
pub fn findings_in_json_output(output: &[u8]) -> BTreeSet<Mark> {
    let mut out = BTreeSet::new();
    for raw in output.split_inclusive(|b| *b == b'\n') {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(raw) else {
            continue;
        };
        let Some(rule) = value["explain_async"]["rule"].as_str() else {
            continue;
        };
        if let Event::Diagnostic(d) = classify(Line { raw }) {
            let span = d.user_span().unwrap();
            out.insert((span.file_name.clone(), span.line_start, rule.to_string()));
        }
    }
    out
}

pub fn show(marks: &BTreeSet<Mark>) -> String {
    marks
        .iter()
        .map(|(f, l, r)| format!("    {f}:{l} {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// insta settings for a snapshot layer: files in `snapshots/<layer>/`, named as given.
pub fn snapshot_settings(layer: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(repo().join("snapshots").join(layer));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// Whether a line inside our block is code (a diff line, a quoted line or a file marker):
/// `│    NN - text`, `│    NN + text`, `│    NN   text`, `│    NN │ text`, `│   --> file`.
pub fn is_block_code_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("│  ") else {
        return false;
    };
    let rest = rest.trim_start();
    if rest.starts_with("--> ") || rest == "..." {
        return true;
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && ["  ", " - ", " + ", " │ "]
            .iter()
            .any(|m| rest[digits..].starts_with(m) || &rest[digits..] == m.trim_end())
}

/// The words of the first full explanation block in a human output, not counting code lines
/// (the diff, quoted lines) and the box drawing. `None` when there is no full block.
#[allow(
    dead_code,
    reason = "no test calls it yet (it came with tests/rule_blocks.rs); common used to allow dead code for every helper"
)]
pub fn first_block_words(human: &str) -> Option<usize> {
    let mut lines = human
        .lines()
        .skip_while(|l| !l.starts_with("╭─ explain-async") || l.ends_with("above)"));
    let mut words = 0;
    let mut seen = false;
    for line in lines.by_ref() {
        seen = true;
        if is_block_code_line(line) {
            continue;
        }
        words += line
            .split_whitespace()
            .filter(|w| !matches!(*w, "│" | "╭─" | "╰─" | "·"))
            .count();
        if line.starts_with("╰─") {
            break;
        }
    }
    if let Some(next) = lines.next() {
        if let Some(rest) = next.strip_prefix("    read more: ") {
            words += rest.split_whitespace().count() + 2;
        }
    }
    seen.then_some(words)
}

/// Removes our blocks and summary line from human output, leaving what cargo/rustc printed:
/// how the live and fuzz tests check that nothing was lost or altered.
pub fn strip_ours(output: &str) -> String {
    let mut kept = String::with_capacity(output.len());
    let mut in_block = false;
    let mut skip_read_more = false;
    let mut skip_blank = false;
    for line in output.split_inclusive('\n') {
        let plain = strip_ansi(line);
        if plain.starts_with(BLOCK_HEAD) {
            in_block = true;
            continue;
        }
        if in_block {
            if plain.starts_with(BLOCK_FOOT) {
                in_block = false;
                skip_read_more = true;
                skip_blank = true;
            }
            continue;
        }
        if skip_read_more && plain.starts_with("    read more: ") {
            skip_read_more = false;
            continue;
        }
        skip_read_more = false;
        if skip_blank && plain.trim_end_matches(['\n', '\r']).is_empty() {
            skip_blank = false;
            continue;
        }
        skip_blank = false;
        if plain.starts_with(SUMMARY_HEAD) {
            // The note for an unexplained async diagnostic ends with a blank line of ours.
            skip_blank = true;
            continue;
        }
        kept.push_str(line);
    }
    kept
}
