//! Property tests and proptest-based fuzzing (issue 5). cargo-fuzz needs a nightly compiler,
//! which this project does not use, so the same targets run under proptest on stable:
//!
//! - the stream reader (`stream::process` with all six renderers at once) on generated streams
//!   mixing recorded messages, unknown fields and reasons, blank lines, CRLF, truncated JSON,
//!   text and raw bytes: never panics, json keeps every line in order (unexplained lines
//!   byte-identical), human output minus our blocks is exactly what cargo would show;
//! - the matcher and every emitter on arbitrary diagnostics (recorded ones with their
//!   message, children, labels, code and level replaced by rustc phrases and random text);
//! - the rule-file loader on random text and on randomly damaged built-in rules;
//! - templates with arbitrary captures.
//!
//! Case counts are bounded for CI; `FUZZ_CASES=N cargo test --release --test integration
//! fuzz::` runs a longer pass (BENCHMARKS.md records the last one).

use crate::common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::OnceLock;

use cargo_explain_async::context::NoProject as NoContext;
use cargo_explain_async::diagnostic::{classify, Event, Line};
use cargo_explain_async::matching::{Explanation, Matcher};
use cargo_explain_async::output::Sink;
use cargo_explain_async::render::github::Github;
use cargo_explain_async::render::gitlab::Gitlab;
use cargo_explain_async::render::human::{Human, SUMMARY_HEAD};
use cargo_explain_async::render::json::Json;
use cargo_explain_async::render::machine::PathContext;
use cargo_explain_async::render::sarif::Sarif;
use cargo_explain_async::render::short::Short;
use cargo_explain_async::render::{plain_text, Item, RenderContext, Renderer};
use cargo_explain_async::rules::parse::parse_rule;
use cargo_explain_async::rules::template::fill;
use cargo_explain_async::rules::{registry, Origin, Rulebook};
use cargo_explain_async::stream::process;
use proptest::prelude::*;
use proptest::test_runner::Config;

fn cases(default: u32) -> Config {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn book() -> &'static Rulebook {
    static BOOK: OnceLock<Rulebook> = OnceLock::new();
    BOOK.get_or_init(|| Rulebook::builtin().unwrap())
}

/// Every line of every recorded stream, without terminators.
fn recorded() -> &'static [Vec<u8>] {
    static LINES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let mut files: Vec<_> = std::fs::read_dir(common::streams_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        files
            .iter()
            .flat_map(|f| {
                std::fs::read(f)
                    .unwrap()
                    .split(|b| *b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect::<Vec<_>>()
            })
            .collect()
    })
}

/// A `Write` whose bytes can be read back after the sink that owns it is gone.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Paths as a workspace at the root of its repository would have them.
fn paths() -> PathContext {
    PathContext::new("/home/dev/src/app", "/home/dev/src/app")
}

/// What every renderer wrote for one stream.
struct Outputs {
    human: Vec<u8>,
    short: Vec<u8>,
    json: Vec<u8>,
    github: Vec<u8>,
    step_summary: Vec<u8>,
    sarif: Vec<u8>,
    gitlab: Vec<u8>,
}

/// Runs the stream reader with every renderer at once.
fn run_all(input: &[u8]) -> Outputs {
    let ctx = RenderContext { color: false };
    let buffers: Vec<Shared> = (0..7).map(|_| Shared::default()).collect();
    let b = |i: usize| -> Box<dyn Write> { Box::new(buffers[i].clone()) };
    let mut sinks = vec![
        Sink::new(Box::new(Human::new(ctx)), b(0), false),
        Sink::new(Box::new(Short::new(ctx)), b(1), true),
        Sink::new(Box::new(Json), b(2), false),
        Sink::new(Box::new(Github::new(ctx, paths(), Some(b(4)))), b(3), false),
        Sink::new(Box::new(Sarif::new(paths())), b(5), false),
        Sink::new(Box::new(Gitlab::new(paths())), b(6), false),
    ];
    process(input, book(), &NoContext, &mut sinks).unwrap();
    drop(sinks);
    let take = |i: usize| buffers[i].0.borrow().clone();
    Outputs {
        human: take(0),
        short: take(1),
        json: take(2),
        github: take(3),
        step_summary: take(4),
        sarif: take(5),
        gitlab: take(6),
    }
}

/// One line of a generated stream, before its terminator.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    let n = recorded().len();
    prop_oneof![
        4 => (0..n).prop_map(|i| recorded()[i].clone()),
        // An unknown field first, as a newer cargo might add.
        1 => (0..n).prop_map(|i| {
            let mut l = br#"{"zz_future_field":[1,{"a":null}],"#.to_vec();
            l.extend(&recorded()[i][1..]);
            l
        }),
        // An unknown reason.
        1 => (0..n).prop_map(|i| {
            String::from_utf8_lossy(&recorded()[i])
                .replace("\"compiler-message\"", "\"compiler-mystery\"")
                .into_bytes()
        }),
        // Truncated JSON.
        1 => (0..n, 0.0f64..1.0).prop_map(|(i, cut)| {
            let l = &recorded()[i];
            l[..(l.len() as f64 * cut) as usize].to_vec()
        }),
        1 => Just(Vec::new()),
        1 => any::<String>().prop_map(|s| s.replace('\n', " ").into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..200)
            .prop_map(|v| v.into_iter().filter(|b| *b != b'\n').collect()),
    ]
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec((piece(), any::<bool>()), 0..24),
        any::<bool>(),
    )
        .prop_map(|(pieces, final_newline)| {
            let mut out = Vec::new();
            let count = pieces.len();
            for (i, (line, crlf)) in pieces.into_iter().enumerate() {
                out.extend(line);
                if i + 1 < count || final_newline {
                    out.extend(if crlf { &b"\r\n"[..] } else { b"\n" });
                }
            }
            out
        })
}

/// Counts the annotations (`::error`, `::warning`, `::notice`) in github output; `None` if
/// a line outside a `::stop-commands::` region starts a command we never write, which would
/// mean cargo's or rustc's text was able to issue workflow commands.
fn github_annotations(output: &[u8]) -> Option<usize> {
    let text = String::from_utf8_lossy(output);
    let mut stopped: Option<String> = None;
    let mut annotations = 0;
    for line in text.lines() {
        if let Some(token) = &stopped {
            if line == format!("::{token}::") {
                stopped = None;
            }
            continue;
        }
        let Some(rest) = line.strip_prefix("::") else {
            continue;
        };
        let name = rest.split([' ', ':']).next().unwrap_or("");
        match name {
            "error" | "warning" | "notice" => annotations += 1,
            "group" | "endgroup" => {}
            "stop-commands" => stopped = Some(rest["stop-commands::".len()..].to_string()),
            _ => return None,
        }
    }
    Some(annotations)
}

/// What cargo's own human mode would show for a stream: each diagnostic's `rendered`, each
/// text line as is, nothing for other cargo JSON.
fn expected_human(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for raw in input.split_inclusive(|b| *b == b'\n') {
        match classify(Line { raw }) {
            Event::Diagnostic(d) => match &d.rustc.rendered {
                Some(r) => out.extend(r.as_bytes()),
                None => out.extend(format!("{}: {}\n\n", d.level(), d.rustc.message).as_bytes()),
            },
            Event::CargoJson(_) => {}
            Event::Text => out.extend(raw),
        }
    }
    out
}

proptest! {
    #![proptest_config(cases(200))]

    #[test]
    fn stream_reader_loses_nothing(input in stream()) {
        let Outputs { human, short, json, github, step_summary, sarif, gitlab } = run_all(&input);

        // json: every line, in order; unexplained ones byte-identical, explained ones still
        // cargo messages carrying our key.
        let ins: Vec<&[u8]> = input.split_inclusive(|b| *b == b'\n').collect();
        let outs: Vec<&[u8]> = json.split_inclusive(|b| *b == b'\n').collect();
        prop_assert_eq!(ins.len(), outs.len());
        for (i, o) in ins.iter().zip(&outs) {
            if i != o {
                let is_diagnostic = matches!(classify(Line { raw: i }), Event::Diagnostic(_));
                prop_assert!(is_diagnostic, "only explained diagnostics may change");
                let value: serde_json::Value = serde_json::from_slice(o).unwrap();
                prop_assert!(value.get("explain_async").is_some());
                prop_assert!(serde_json::from_slice::<cargo_metadata::Message>(o).is_ok());
            }
        }

        // human: with our blocks and summary removed, exactly cargo's own output; when the
        // stream ends mid-line and we print a summary, that last line is ended first.
        let stripped = common::strip_ours(&String::from_utf8_lossy(&human));
        let mut expected = expected_human(&input);
        let summary = String::from_utf8_lossy(&human)
            .lines()
            .any(|l| l.starts_with(&format!("{SUMMARY_HEAD}explained ")));
        if summary && expected.last().is_some_and(|b| *b != b'\n') {
            expected.push(b'\n');
        }
        prop_assert_eq!(stripped, String::from_utf8_lossy(&expected).into_owned());

        // short: never more lines than diagnostics ×2 plus text lines.
        let kinds: Vec<Event> = ins.iter().map(|raw| classify(Line { raw })).collect();
        let diagnostics = kinds.iter().filter(|k| matches!(k, Event::Diagnostic(_))).count();
        let texts = kinds.iter().filter(|k| matches!(k, Event::Text)).count();
        let short_lines = short.split(|b| *b == b'\n').count();
        prop_assert!(short_lines <= 2 * diagnostics + texts + 1, "short printed extra lines");

        // Document formats are whole, valid JSON documents; github writes workflow commands
        // (one per diagnostic, each on one line) and a Markdown summary.
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&sarif).is_ok(), "sarif is not JSON");
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&gitlab).is_ok(), "gitlab is not JSON");
        let annotations = github_annotations(&github);
        prop_assert!(annotations.is_some(), "github output has a stray workflow command");
        prop_assert!(annotations.unwrap_or(0) <= diagnostics, "more annotations than diagnostics");
        let _ = step_summary;
    }

    #[test]
    fn stream_reader_survives_raw_bytes(input in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let out = run_all(&input);
        let json = out.json;
        // Nothing in random bytes is a diagnostic we explain, so json is the input itself.
        prop_assert_eq!(json, input);
    }
}

/// Phrases rustc uses in the async errors the rules look for, to steer random diagnostics
/// towards the rules' conditions.
const PHRASES: &[&str] = &[
    "future cannot be sent between threads safely",
    "future is not `Send` as this value is used across an await",
    "await occurs here, with `",
    "` maybe used later",
    "has type `",
    "` which is not `Send`",
    "required by a bound in `",
    "tokio::spawn",
    "`",
    "Rc<",
    "RefCell<",
    "MutexGuard<",
    "Box<dyn std::error::Error>",
    "cannot be unpinned",
    "the trait `Unpin` is not implemented for",
    "borrowed value does not live long enough",
    "async block may outlive the current function",
    "is not `Send`",
    "`Send` is not implemented for `",
    "within `impl Future<Output = ()>`, the trait",
    "\n",
    "\u{1b}[31m",
    "\u{202e}",
    "{var}",
    "{{",
];

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::sample::select(PHRASES).prop_map(str::to_string),
            1 => any::<String>(),
        ],
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

/// Rewrites every `message` and `label` string inside a diagnostic value.
fn scramble(value: &mut serde_json::Value, texts: &mut impl Iterator<Item = String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if (k == "message" || k == "label") && v.is_string() {
                    if let Some(t) = texts.next() {
                        *v = serde_json::Value::String(t);
                    }
                } else {
                    scramble(v, texts);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| scramble(v, texts)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(cases(300))]

    #[test]
    fn matcher_and_emitters_on_arbitrary_diagnostics(
        index in 0..recorded().len(),
        texts in proptest::collection::vec(text(), 1..40),
        code in proptest::option::of(proptest::sample::select(&["E0277", "E0308", "E0373", "E0597", "E0521", "unused_must_use", "", "E9999"][..])),
        level in proptest::sample::select(&["error", "warning", "note", "help", "failure-note", "error: internal compiler error"][..]),
    ) {
        let mut value: serde_json::Value = match serde_json::from_slice(&recorded()[index]) {
            Ok(v) => v,
            Err(_) => return Ok(()),
        };
        if value["reason"] != "compiler-message" {
            return Ok(());
        }
        scramble(&mut value["message"], &mut texts.into_iter().cycle().take(200));
        value["message"]["level"] = serde_json::Value::from(level);
        value["message"]["code"] = match code {
            Some(c) => serde_json::json!({ "code": c, "explanation": null }),
            None => serde_json::Value::Null,
        };
        let mut line = serde_json::to_vec(&value).unwrap();
        line.push(b'\n');
        let Event::Diagnostic(d) = classify(Line { raw: &line }) else {
            return Err(TestCaseError::fail("a recorded diagnostic stopped being one"));
        };
        let verdict = Matcher::new(book()).judge(&d, &NoContext);
        let item = Item::Diagnostic {
            line: Line { raw: &line },
            diagnostic: &d,
            verdict: &verdict,
        };
        for color in [false, true] {
            let ctx = RenderContext { color };
            let mut renderers: Vec<Box<dyn Renderer>> = vec![
                Box::new(Human::new(ctx)),
                Box::new(Short::new(ctx)),
                Box::new(Json),
                Box::new(Github::new(ctx, paths(), Some(Box::new(Vec::new())))),
                Box::new(Sarif::new(paths())),
                Box::new(Gitlab::new(paths())),
            ];
            for r in &mut renderers {
                let mut out = Vec::new();
                r.item(&item, &mut out).unwrap();
                r.finish(&mut out).unwrap();
            }
        }
        let mut json = Vec::new();
        Json.item(&item, &mut json).unwrap();
        prop_assert!(serde_json::from_slice::<cargo_metadata::Message>(&json).is_ok());
        if let Some(e) = verdict.explanation() {
            // Captured text never carries control characters into our text.
            let clean = !e.title.chars().any(|c| c.is_control());
            prop_assert!(clean, "control character in a title");
        }
    }

    #[test]
    fn rule_loader_never_panics_on_random_text(text in any::<String>()) {
        let _ = parse_rule(&text, "x", Origin::File("x.md".into()));
        let framed = format!("+++\n{text}\n+++\n{text}");
        let _ = parse_rule(&framed, "x", Origin::File("x.md".into()));
    }

    #[test]
    fn rule_loader_never_panics_on_damaged_rules(
        which in 0..registry::BUILTIN.len(),
        edits in proptest::collection::vec((0.0f64..1.0, 0usize..40, text()), 1..4),
    ) {
        let (id, original) = registry::BUILTIN[which];
        let mut rule = original.to_string();
        for (at, remove, insert) in edits {
            let mut start = (rule.len() as f64 * at) as usize;
            while !rule.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + remove).min(rule.len());
            while !rule.is_char_boundary(end) {
                end += 1;
            }
            rule.replace_range(start..end, &insert);
        }
        if let Ok(parsed) = parse_rule(&rule, id, Origin::File(format!("{id}.md").into())) {
            // A rule that still parses can be filled and laid out.
            let e = Explanation::from_rule(&parsed, &BTreeMap::new());
            let _ = plain_text(&e);
        }
    }

    #[test]
    fn templates_take_any_captures(
        template in text(),
        captures in proptest::collection::btree_map("[a-z_]{1,6}", text(), 0..6),
    ) {
        let _ = fill(&template, &captures);
    }
}

/// Inputs cargo-fuzz found (`tests/data/fuzz/<target>/`), replayed as that target runs them:
/// each must now pass. `matcher`: one JSON line, a NUL byte, the text of the file its primary
/// span names, through matching and the fix stage.
#[test]
fn cargo_fuzz_findings_stay_fixed() {
    use cargo_explain_async::context::{PackageContext, Project};
    use cargo_explain_async::diagnostic::Diagnostic;
    use cargo_explain_async::fix::{self, MemorySources, Sources};

    struct Files(MemorySources);
    impl Project for Files {
        fn package(&self, _: &Diagnostic) -> Option<&PackageContext> {
            None
        }
        fn notes(&self, _: &[String]) -> Vec<String> {
            Vec::new()
        }
        fn sources(&self) -> &dyn Sources {
            &self.0
        }
    }
    let dir = common::repo().join("tests/data/fuzz/matcher");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let (line, file) = match data.iter().position(|b| *b == 0) {
            Some(at) => (&data[..at], Some(&data[at + 1..])),
            None => (&data[..], None),
        };
        let Event::Diagnostic(d) = classify(Line { raw: line }) else {
            continue;
        };
        let mut sources = MemorySources(BTreeMap::new());
        if let (Some(span), Some(file)) = (d.user_span(), file) {
            let text = String::from_utf8_lossy(file);
            sources
                .0
                .insert(span.file_name.clone(), std::sync::Arc::from(text.as_ref()));
        }
        let project = Files(sources);
        let mut verdict = Matcher::new(book()).judge(&d, &project);
        fix::attach(&mut verdict, &d, &project);
        seen += 1;
    }
    assert!(seen >= 1, "no recorded finding was replayed");
    // `source_checks`: any Rust source through the source checks.
    let dir = common::repo().join("tests/data/fuzz/source_checks");
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        if let Ok(text) = std::str::from_utf8(&data) {
            let _ = cargo_explain_async::lints::analyze_source(text, true);
        }
    }
}
