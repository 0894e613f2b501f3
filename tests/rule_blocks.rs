//! One reviewed snapshot per rule: the human output of the rule's trigger stream
//! (`tests/streams/<rule>.jsonl`), rendered in-process with the fixtures workspace as the
//! project, so each block shows the fix in the fixture's own code as a user would see it.
//! Snapshots live in `snapshots/rules/<rule>@human.snap`; review with `cargo insta review`.

use crate::common;

use std::sync::OnceLock;

use cargo_explain_async::cargo::args::CargoArgs;
use cargo_explain_async::output::Sink;
use cargo_explain_async::project::LiveProject;
use cargo_explain_async::render::format::{renderer, Format, Settings};
use cargo_explain_async::render::RenderContext;
use cargo_explain_async::rules::Rulebook;
use cargo_explain_async::stream::process;

/// The fixtures workspace as a project: `cargo metadata` once, files read from
/// `tests/fixtures` (the streams' paths are relative to it).
fn project() -> &'static LiveProject {
    static PROJECT: OnceLock<LiveProject> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let manifest = common::fixtures_dir().join("Cargo.toml");
        let args = vec![
            "--manifest-path".to_string(),
            manifest.to_string_lossy().into_owned(),
        ];
        LiveProject::start(CargoArgs::parse(&args), false, None)
    })
}

fn book() -> &'static Rulebook {
    static BOOK: OnceLock<Rulebook> = OnceLock::new();
    BOOK.get_or_init(|| Rulebook::builtin().unwrap())
}

#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A recorded stream rendered in `format`, in-process, with the fixtures as the project. The
/// streams name the fixtures workspace `[ROOT]` (manifests, package ids): it becomes the real
/// directory for the run, so fixes can read and edit `Cargo.toml`, and `[ROOT]` again in the
/// output.
pub fn render(stream: &[u8], format: Format) -> String {
    render_with(stream, format, false)
}

/// [`render`], with our colors on or off.
pub fn render_with(stream: &[u8], format: Format, color: bool) -> String {
    let root = common::fixtures_dir().to_string_lossy().into_owned();
    let stream = String::from_utf8_lossy(stream).replace("[ROOT]", &root);
    let stream = stream.as_bytes();
    let out = Shared::default();
    let settings = Settings {
        ctx: RenderContext { color },
        paths: None,
        step_summary: None,
    };
    let mut sinks = vec![Sink::new(
        renderer(format, settings),
        Box::new(out.clone()),
        false,
    )];
    process(stream, book(), project(), &mut sinks).unwrap();
    let bytes = out.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap().replace(&root, "[ROOT]")
}

/// The trigger stream of a rule: cargo's recorded stream, plus, for a source check, the
/// lines our source checks produce for the fixture member (cargo's stream never has them).
fn trigger_stream(id: &str) -> Vec<u8> {
    let mut stream = std::fs::read(common::streams_dir().join(format!("{id}.jsonl")))
        .unwrap_or_else(|e| panic!("{id}: no trigger stream: {e}"));
    if common::is_lint_rule(id) {
        let manifest = common::fixtures_dir().join("Cargo.toml");
        let args = vec![
            "--manifest-path".to_string(),
            manifest.to_string_lossy().into_owned(),
            "-p".to_string(),
            id.to_string(),
        ];
        let metadata = cargo_explain_async::cargo::metadata::load(&args, false).unwrap();
        let outcome = cargo_explain_async::lints::workspace::run(
            &metadata,
            &args,
            &common::fixtures_dir(),
            false,
            1,
        );
        for line in outcome.lines {
            stream.extend_from_slice(line.as_bytes());
            stream.push(b'\n');
        }
    }
    stream
}

fn rule_ids() -> Vec<String> {
    let mut ids: Vec<String> = book().rules().iter().map(|r| r.id.clone()).collect();
    ids.sort();
    ids
}

#[test]
fn every_rule_has_a_reviewed_human_block() {
    let _bound = common::snapshot_settings("rules").bind_to_scope();
    for id in rule_ids() {
        let stream = trigger_stream(&id);
        let human = render(&stream, Format::Human);
        assert!(
            human.contains(&format!("╭─ explain-async · {id}")),
            "{id}: its trigger stream does not show its block"
        );
        insta::assert_snapshot!(format!("{id}@human"), human);
    }
}

/// The titles of our blocks in `human` output: the lines after each block head (a full block
/// or a compact repeat) up to the first empty `│` line or the closing `╰─` line, and the title
/// text on a `╰─` line (a repeat's title may end there).
fn titles(human: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_title = false;
    for line in human.lines() {
        if line.starts_with("╭─ explain-async · ") {
            in_title = true;
            continue;
        }
        if in_title {
            if line.trim_end() == "│" || line.starts_with("╰─") {
                in_title = false;
            } else {
                out.push(line.to_string());
                continue;
            }
        }
        if let Some(rest) = line.strip_prefix("╰─ ") {
            if !rest.starts_with("full text:") {
                out.push(rest.to_string());
            }
        }
    }
    out
}

/// rustc names anonymous types with their source path (`{async block@src/main.rs:15:18:
/// 15:28}`). Where such a name can stand in a type that a rule captures, the title must not
/// print it: each case puts one into a trigger stream, in the place rustc would.
#[test]
fn titles_never_print_anonymous_type_names() {
    let anon = "{async block@src/main.rs:15:18: 15:28}";
    let cases = [
        ("await_on_non_future", "`u16` is not a future"),
        ("non_send_held_across_await", "has type `*const u8` which"),
        ("rc_held_across_await", "has type `Rc<u32>` which"),
        ("non_send_captured_by_spawn", "has type `Rc<String>` which"),
        ("non_send_returned_from_spawn", "`Rc<u32>` cannot be sent"),
        ("unpinned_future_in_select", "required for `&mut Sleep`"),
        (
            "unpinned_futures_in_join_all",
            "required for `Box<dyn futures::Future<Output = ()>>`",
        ),
    ];
    for (id, from) in cases {
        let stream = String::from_utf8(trigger_stream(id)).unwrap();
        assert!(stream.contains(from), "{id}: `{from}` is not in its stream");
        let inner = from.split('`').nth(1).unwrap();
        let to = from.replace(
            inner,
            &inner.replace(inner.trim_start_matches("&mut "), anon),
        );
        let human = render(stream.replace(from, &to).as_bytes(), Format::Human);
        assert!(
            human.contains(anon),
            "{id}: the substitution took no effect"
        );
        for title in titles(&human) {
            assert!(!title.contains('@'), "{id}: title prints `{anon}`: {title}");
        }
    }
}

/// What the fix stage gives on a rule's trigger fixture, for README's rule table: the
/// heading of the rule's first full block.
pub fn fix_kind(id: &str) -> String {
    let human = render(&trigger_stream(id), Format::Human);
    let head = format!("╭─ explain-async · {id}");
    let block: Vec<&str> = human
        .lines()
        .skip_while(|l| *l != head)
        .take_while(|l| !l.starts_with("╰─"))
        .collect();
    let has = |text: &str| block.iter().any(|l| l.starts_with(&format!("│  {text}")));
    if has("Your code, fixed (check") {
        "edit to review".into()
    } else if has("Your code, fixed") {
        "machine-applicable".into()
    } else if has("Your code, with what to fill in") {
        "edit with placeholders".into()
    } else {
        "in words".into()
    }
}
/// The words of our blocks (first full block of each trigger stream), outside the diff and
/// the quoted lines: the median must stay at most 80 (README states the figure; the script
/// `scripts/block-words` prints the table).
#[test]
fn blocks_stay_short() {
    let mut counts = Vec::new();
    for id in rule_ids() {
        let stream = trigger_stream(&id);
        let human = render(&stream, Format::Human);
        if let Some(words) = common::first_block_words(&human) {
            counts.push((words, id));
        }
    }
    counts.sort();
    let median = counts[counts.len() / 2].0;
    assert!(
        median <= 80,
        "median block is {median} words: {:?}",
        &counts[counts.len() - 5..]
    );
}

/// Words a fix may write that are not in the user's crate: Rust's keywords and the std and
/// runtime API the recipes use (checked against each crate's source, `src/fix/runtime.rs`).
const API: &[&str] = &[
    // keywords and primitive names
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "Self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "_",
    // std
    "std",
    "sync",
    "Arc",
    "Mutex",
    "RwLock",
    "rc",
    "Rc",
    "cell",
    "RefCell",
    "Box",
    "pin",
    "Pin",
    "future",
    "Future",
    "Output",
    "Send",
    "Sync",
    "error",
    "Error",
    "clone",
    "to_owned",
    "lock",
    "unwrap",
    "expect",
    "drop",
    "thread",
    "time",
    "Duration",
    "fs",
    "Result",
    "Ok",
    "String",
    "Vec",
    "atomic",
    "AtomicU32",
    "AtomicU64",
    "AtomicUsize",
    "AtomicBool",
    "Ordering",
    "Relaxed",
    "load",
    "store",
    "iter",
    "into_iter",
    "map",
    "into_pin",
    "as_mut",
    // runtimes
    "tokio",
    "main",
    "spawn",
    "spawn_blocking",
    "spawn_local",
    "task",
    "LocalSet",
    "sleep",
    "join",
    "select",
    "flavor",
    "current_thread",
    "smol",
    "block_on",
    "Timer",
    "after",
    "unblock",
    "async_std",
    "trpl",
    "run",
    "spawn_task",
    "futures",
    "executor",
    "recv",
    "StreamExt",
    // Cargo.toml
    "version",
    "features",
    "workspace",
    "default",
    "macros",
    "rt",
    "multi",
    "io",
    "util",
    "net",
];

/// Every identifier on a `+` line of a rendered fix occurs in the fixture's sources, its
/// Cargo.toml, the workspace's, or the API above: fixes never invent names.
#[test]
fn fixes_name_nothing_the_user_does_not_have() {
    let ident = regex::Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").unwrap();
    let declared = regex::Regex::new(r"\blet\s+(?:mut\s+)?([A-Za-z_][A-Za-z0-9_]*)").unwrap();
    let literal = regex::Regex::new(r#""(?:[^"\\]|\\.)*""#).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    // Every fixture that triggers something: the rules' own and the runtime variants
    // (`runtime__smol_…`, `runtime__trpl_…`, …), where a tokio spelling would be wrong.
    let members: Vec<String> = common::members()
        .into_iter()
        .filter(|m| !common::markers(m).is_empty())
        .collect();
    for id in members {
        let human = render(&trigger_stream(&id), Format::Human);
        let added: Vec<&str> = human
            .lines()
            .filter(|l| common::is_block_code_line(l))
            .filter_map(|l| {
                let rest = l.strip_prefix("│  ")?.trim_start();
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                rest[digits..].strip_prefix(" + ")
            })
            .collect();
        if added.is_empty() {
            continue;
        }
        checked += 1;
        let member = common::fixtures_dir().join(&id);
        let mut known = std::fs::read_to_string(member.join("Cargo.toml")).unwrap();
        known
            .push_str(&std::fs::read_to_string(common::fixtures_dir().join("Cargo.toml")).unwrap());
        for file in common::rs_files(&member.join("src")) {
            known.push_str(&std::fs::read_to_string(file).unwrap());
        }
        let mut known: std::collections::BTreeSet<&str> =
            ident.find_iter(&known).map(|m| m.as_str()).collect();
        // A name the fix itself declares (`let [mut] name =` on a `+` line, named after the
        // user's own call) is not invented: it exists once the fix is applied.
        for line in &added {
            known.extend(
                declared
                    .captures_iter(line)
                    .filter_map(|c| c.get(1))
                    .map(|m| m.as_str()),
            );
        }
        // A crate that does not depend on tokio (smol, async-std, trpl, futures-only) gets no
        // tokio path, unless the fix is adding the dependency (a `tokio = …` manifest line).
        let manifest = std::fs::read_to_string(member.join("Cargo.toml")).unwrap();
        let uses_tokio = manifest
            .lines()
            .any(|l| l.trim_start().starts_with("tokio"));
        for line in &added {
            if !uses_tokio && line.contains("tokio") && !line.trim_start().starts_with("tokio =") {
                failures.push(format!(
                    "{id}: names tokio without depending on it: `{line}`"
                ));
            }
        }
        for line in added {
            // String literals and comments are the user's text, not names.
            let code = line.split("//").next().unwrap_or(line);
            let code = literal.replace_all(code, "");
            for name in ident.find_iter(&code).map(|m| m.as_str()) {
                if !known.contains(name) && !API.contains(&name) {
                    failures.push(format!("{id}: `{name}` in `{line}`"));
                }
            }
        }
    }
    assert!(checked >= 30, "only {checked} rules show a fix diff");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
