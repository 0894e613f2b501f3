//! One reviewed snapshot per rule: the human output of the rule's trigger stream
//! (`tests/streams/<rule>.jsonl`), rendered in-process with the fixtures workspace as the
//! project, so each block shows the fix in the fixture's own code as a user would see it.
//! Snapshots live in `snapshots/rules/<rule>@human.snap`; review with `cargo insta review`.

use crate::common;

use std::sync::OnceLock;

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
        LiveProject::start(args, false, None)
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

/// A recorded stream rendered in `format`, in-process, with the fixtures as the project.
pub fn render(stream: &[u8], format: Format) -> String {
    let out = Shared::default();
    let settings = Settings {
        ctx: RenderContext { color: false },
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
    String::from_utf8(bytes).unwrap()
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
