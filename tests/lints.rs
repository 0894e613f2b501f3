//! Lint layer: our own source checks (`src/lints`) on the real fixture workspace, through
//! the real source discovery (`cargo metadata`, module tree, Cargo.toml allow lists).
//! Every `// explain-async: <check>` marker must be found on its line and nothing else
//! anywhere: not in the near misses, not in the other rules' fixtures. Each finding must be
//! a valid cargo message that its rule explains, and render in every format.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::{Arc, Mutex};

use cargo_explain_async::context::NoProject as NoContext;
use cargo_explain_async::diagnostic::{classify, Event, Line};
use cargo_explain_async::lints::{workspace, Check};
use cargo_explain_async::matching::find;
use cargo_explain_async::output::Sink;
use cargo_explain_async::render::human::Human;
use cargo_explain_async::render::json::Json;
use cargo_explain_async::render::short::Short;
use cargo_explain_async::render::{RenderContext, Renderer};
use cargo_explain_async::rules::Rulebook;
use cargo_explain_async::stream::process;

fn args(extra: &[&str]) -> Vec<String> {
    let manifest = common::fixtures_dir().join("Cargo.toml");
    let mut v = vec![
        "--manifest-path".to_string(),
        manifest.to_string_lossy().into_owned(),
    ];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn run(extra: &[&str]) -> workspace::Outcome {
    let args = args(extra);
    let metadata = cargo_explain_async::cargo::metadata::load(&args, false).expect("metadata");
    workspace::run(&metadata, &args, &common::fixtures_dir(), false, 2)
}

/// `(file, line, check)` of each emitted line, grouped by fixture member.
fn marks(lines: &[String]) -> BTreeMap<String, BTreeSet<common::Mark>> {
    let mut out: BTreeMap<String, BTreeSet<common::Mark>> = BTreeMap::new();
    for line in lines {
        let raw = format!("{line}\n");
        let Event::Diagnostic(d) = classify(Line {
            raw: raw.as_bytes(),
        }) else {
            panic!("not a diagnostic line: {line}");
        };
        let span = d.user_span().expect("a span");
        let check = d.code().unwrap().trim_start_matches("explain_async::");
        let member = span.file_name.split('/').next().unwrap().to_string();
        out.entry(member).or_default().insert((
            span.file_name.clone(),
            span.line_start,
            check.to_string(),
        ));
    }
    out
}

#[test]
fn every_lint_marker_fires_and_nothing_else() {
    let outcome = run(&["--workspace"]);
    assert!(outcome.files >= 70, "read only {} files", outcome.files);
    // `await x` (Python's prefix await) is a syntax error: rustc reports it, we skip the file.
    assert_eq!(outcome.skipped, vec!["prefix_await/src/main.rs"]);
    assert!(outcome.notes.is_empty(), "{:?}", outcome.notes);
    let mut found = marks(&outcome.lines);
    let mut failures = Vec::new();
    for member in common::members() {
        let expected = common::markers_of(&member, true);
        let got = found.remove(&member).unwrap_or_default();
        if expected != got {
            failures.push(format!(
                "{member}:\n  expected:\n{}\n  found:\n{}",
                common::show(&expected),
                common::show(&got)
            ));
        }
    }
    assert!(
        found.is_empty(),
        "findings outside fixture members: {found:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Each check has a trigger with markers (the rulebook test wants a near miss too).
    for check in Check::ALL {
        assert!(
            !common::markers_of(check.id(), true).is_empty(),
            "no marker for {check}"
        );
    }
}

#[test]
fn package_selection_follows_cargo() {
    let one = run(&["-p", "sequential_accept_loop"]);
    let members: BTreeSet<String> = marks(&one.lines).into_keys().collect();
    assert_eq!(
        members.into_iter().collect::<Vec<_>>(),
        vec!["sequential_accept_loop"]
    );
    // The whole workspace minus exclusions.
    let rest = run(&["--workspace", "--exclude", "blocking_call_in_async"]);
    let members = marks(&rest.lines);
    assert!(!members.contains_key("blocking_call_in_async"));
    assert!(members.contains_key("lock_held_across_await"));
    // The package's own Cargo.toml allow list silences it; without it, the same code fires.
    let allowed = run(&["-p", "lock_held_across_await__allowed_in_cargo_toml"]);
    assert_eq!(allowed.findings, 0);
    assert_eq!(allowed.files, 1);
}

#[test]
fn findings_are_cargo_messages_explained_by_their_rule() {
    let book = Rulebook::builtin().unwrap();
    let outcome = run(&["--workspace"]);
    assert!(outcome.findings > 0);
    for line in &outcome.lines {
        let parsed: cargo_metadata::Message = serde_json::from_str(line).expect("parses");
        assert!(matches!(
            parsed,
            cargo_metadata::Message::CompilerMessage(_)
        ));
        let raw = format!("{line}\n");
        let Event::Diagnostic(d) = classify(Line {
            raw: raw.as_bytes(),
        }) else {
            panic!("not a diagnostic")
        };
        let finding = find(&book, &d).unwrap_or_else(|| panic!("unexplained: {line}"));
        let rule = &book.rule(finding.rule).id;
        assert_eq!(format!("explain_async::{rule}"), d.code().unwrap());
        // Real byte offsets: the primary span's bytes are the source it quotes.
        let span = d.primary_span().unwrap();
        let text = std::fs::read(common::fixtures_dir().join(&span.file_name)).unwrap();
        let quoted = &span.text[0];
        let first_line_start = span.byte_start as usize - (quoted.highlight_start - 1);
        assert!(text[first_line_start..].starts_with(quoted.text.as_bytes()));
    }
}

/// A `Write` whose bytes the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn render(stream: &str, renderer: Box<dyn Renderer>) -> String {
    let book = Rulebook::builtin().unwrap();
    let out = Shared::default();
    let mut sinks = vec![Sink::new(renderer, Box::new(out.clone()), false)];
    process(stream.as_bytes(), &book, &NoContext, &mut sinks).unwrap();
    let bytes = out.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn every_format_renders_the_findings() {
    let _bound = common::snapshot_settings("lints").bind_to_scope();
    let ctx = RenderContext { color: false };
    for check in Check::ALL {
        let outcome = run(&["-p", check.id()]);
        let stream: String = outcome.lines.iter().map(|l| format!("{l}\n")).collect();
        for (format, renderer) in [
            ("human", Box::new(Human::new(ctx)) as Box<dyn Renderer>),
            ("short", Box::new(Short::new(ctx))),
            ("json", Box::new(Json)),
        ] {
            let root = common::fixtures_dir().to_string_lossy().into_owned();
            let out = render(&stream, renderer).replace(&root, "[ROOT]");
            insta::assert_snapshot!(format!("{}@{format}", check.id()), out);
        }
    }
}

#[test]
fn workspace_allow_list_silences_a_check_everywhere() {
    let dir = std::env::temp_dir().join(format!("explain-async-allow-{}", std::process::id()));
    let member = dir.join("app");
    std::fs::create_dir_all(member.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"app\"]\nresolver = \"2\"\n\n\
         [workspace.metadata.explain-async]\nallow = [\"blocking_call_in_async\", \"no_such_check\"]\n",
    )
    .unwrap();
    std::fs::write(
        member.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.0.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(
        member.join("src/main.rs"),
        "async fn serve(l: L) {\n    std::thread::sleep(D);\n    loop {\n        \
         let (s, _) = l.accept().await;\n        handle(s).await;\n    }\n}\nfn main() {}\n",
    )
    .unwrap();
    let args = vec![
        "--manifest-path".to_string(),
        dir.join("Cargo.toml").to_string_lossy().into_owned(),
    ];
    let metadata = cargo_explain_async::cargo::metadata::load(&args, false).expect("metadata");
    let outcome = workspace::run(&metadata, &args, &dir, false, 1);
    let _ = std::fs::remove_dir_all(&dir);
    let found: Vec<_> = marks(&outcome.lines)
        .into_values()
        .flatten()
        .map(|(_, line, check)| (line, check))
        .collect();
    assert_eq!(found, vec![(5, "sequential_accept_loop".to_string())]);
    assert_eq!(outcome.notes.len(), 1, "{:?}", outcome.notes);
    assert!(outcome.notes[0].contains("no_such_check"));
}
