//! The machine formats (github, sarif, gitlab) on recorded and hand-made streams: snapshots,
//! the official SARIF 2.1.0 schema, GitHub's command parsing (escaping and injection),
//! dedupe, the step summary, the annotation limit, and `--output` written whole.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

/// The repository root as the tool sees it (symlinks resolved).
fn repo() -> PathBuf {
    std::fs::canonicalize(common::repo()).unwrap()
}

/// Runs the binary from the fixtures workspace (the streams' workspace root) with the
/// repository as `GITHUB_WORKSPACE`, so paths read `tests/fixtures/<crate>/src/main.rs`.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"));
    cmd.current_dir(dir)
        .args(args)
        .env("GITHUB_WORKSPACE", repo())
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CARGO_TERM_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn render(stream: &Path, format: &str, env: &[(&str, &str)]) -> String {
    let stream = stream.to_string_lossy().into_owned();
    let out = run_in(
        &common::fixtures_dir(),
        &["--from", &stream, "--format", format, "--color", "never"],
        env,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The absolute repository URI in SARIF's `originalUriBaseIds` differs per checkout.
fn redact(text: &str) -> String {
    let root = format!("file://{}/", repo().display());
    text.replace(&root, "file:///[REPO]/")
}

#[test]
fn snapshots_of_every_machine_format() {
    let _bound = common::snapshot_settings("replay").bind_to_scope();
    for case in common::SNAPSHOT_CASES {
        let stream = common::streams_dir().join(format!("{case}.jsonl"));
        for format in ["github", "sarif", "gitlab"] {
            insta::assert_snapshot!(
                format!("{case}@{format}"),
                redact(&render(&stream, format, &[]))
            );
        }
    }
}

/// Every recorded stream, as SARIF, validates against the official schema
/// (`tests/data/sarif-2.1.0-rtm.5.json`, from the npm package `@microsoft/jest-sarif`), and
/// holds what GitHub code scanning needs.
#[test]
fn sarif_is_valid_for_every_recorded_stream() {
    let validator = schema();
    let mut streams: Vec<PathBuf> = std::fs::read_dir(common::streams_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    streams.sort();
    assert!(streams.len() > 20, "recorded streams not found");
    let mut results = 0;
    for stream in &streams {
        let log: Value = serde_json::from_str(&render(stream, "sarif", &[])).unwrap();
        check_sarif(&validator, &log, &stream.display().to_string());
        results += log["runs"][0]["results"].as_array().unwrap().len();
    }
    assert!(results > 50, "only {results} results over every stream");
    let log: Value = serde_json::from_str(&render_lines(&hostile_stream(), "sarif").0).unwrap();
    check_sarif(&validator, &log, "hostile stream");
    // The schema check can fail: a result without a message, or a region starting at
    // line 0, is rejected.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken));
    let mut broken = log;
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    assert!(!validator.is_valid(&broken));
}

fn schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(common::repo().join("tests/data/sarif-2.1.0-rtm.5.json")).unwrap();
    // The schema's `language` patterns (run, artifact) have a stray `]`: a literal `]` in ECMAScript regexes,
    // an error for Rust's regex engines. Escaping it keeps its meaning; nothing else changes.
    const STRAY: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(
        text.matches(STRAY).count(),
        2,
        "the vendored schema changed"
    );
    let text = text.replace(STRAY, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::new(&schema).expect("the SARIF schema compiles")
}

fn check_sarif(validator: &jsonschema::Validator, log: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    for key in ["name", "version", "informationUri"] {
        assert!(
            driver[key].as_str().is_some_and(|s| !s.is_empty()),
            "{what}: driver.{key}"
        );
    }
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{what}: duplicate rules {ids:?}");
    for rule in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                rule[key]["text"].as_str().is_some_and(|s| !s.is_empty()),
                "{what}: {key} of {rule}"
            );
        }
        assert!(
            rule["helpUri"].as_str().is_some(),
            "{what}: helpUri of {}",
            rule["id"]
        );
    }
    let mut fingerprints = std::collections::HashSet::new();
    for result in run["results"].as_array().unwrap() {
        let id = result["ruleId"].as_str().unwrap();
        assert!(!id.is_empty());
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], id, "{what}: ruleIndex");
        let fp = result["partialFingerprints"]["explainAsyncFingerprint/v1"]
            .as_str()
            .unwrap();
        assert!(
            fingerprints.insert(fp.to_string()),
            "{what}: fingerprint {fp} repeated"
        );
        for loc in result["locations"].as_array().into_iter().flatten() {
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(
                !uri.starts_with('/') && !uri.contains('\\') && !uri.contains("registry"),
                "{what}: {uri}"
            );
            assert_eq!(
                loc["physicalLocation"]["artifactLocation"]["uriBaseId"],
                "SRCROOT"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Hand-made streams

/// One `compiler-message` line.
#[allow(
    clippy::too_many_arguments,
    reason = "a test builder that mirrors rustc's fields"
)]
fn message(
    level: &str,
    code: Option<&str>,
    text: &str,
    file: &str,
    line: u64,
    col: u64,
    end_line: u64,
    end_col: u64,
) -> String {
    let rendered = format!("{level}: {text}\n --> {file}:{line}:{col}\n\n");
    json!({
        "reason": "compiler-message",
        "package_id": "path+file:///tmp/hostile#0.1.0",
        "manifest_path": format!("{}/Cargo.toml", common::fixtures_dir().display()),
        "target": {"kind": ["bin"], "crate_types": ["bin"], "name": "hostile", "src_path": "/tmp/hostile/src/main.rs", "edition": "2021", "doc": true, "doctest": false, "test": true},
        "message": {
            "rendered": rendered,
            "$message_type": "diagnostic",
            "children": [],
            "code": code.map(|c| json!({"code": c, "explanation": null})),
            "level": level,
            "message": text,
            "spans": [{
                "byte_end": 10, "byte_start": 0, "column_end": end_col, "column_start": col,
                "expansion": null, "file_name": file, "is_primary": true, "label": "here",
                "line_end": end_line, "line_start": line, "suggested_replacement": null,
                "suggestion_applicability": null,
                "text": [{"highlight_end": end_col, "highlight_start": col, "text": "let x = 1;"}]
            }]
        }
    })
    .to_string()
}

const HOSTILE_MESSAGE: &str =
    "100% broken\r\n::error file=x.rs::injected\n##[warning]legacy, too: a";
const HOSTILE_FILE: &str = "src/we:ird,name%2C.rs";

/// A message and a file name crafted to break out of a workflow command.
fn hostile_stream() -> Vec<String> {
    vec![
        message(
            "error",
            Some("E0308"),
            HOSTILE_MESSAGE,
            HOSTILE_FILE,
            3,
            5,
            3,
            9,
        ),
        message(
            "warning",
            Some("dead_code"),
            "unused, really: %0A",
            "src/main.rs",
            7,
            1,
            9,
            2,
        ),
        // Lines of text from the build that look like commands (one behind a no-break
        // space and an em space, which the runner's TrimStart removes).
        "::error::not from rustc".to_string(),
        "\u{a0}\u{2003}::warning::not from rustc either".to_string(),
    ]
}

fn render_lines(lines: &[String], format: &str) -> (String, String) {
    render_lines_env(lines, format, &[])
}

fn render_lines_env(lines: &[String], format: &str, env: &[(&str, &str)]) -> (String, String) {
    let dir = tempdir("stream");
    let path = dir.join("stream.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let p = path.to_string_lossy().into_owned();
    let out = run_in(
        &common::fixtures_dir(),
        &["--from", &p, "--format", format, "--color", "never"],
        env,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "explain-async-test-{tag}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What the GitHub runner does with a log line by line (actions/runner `ActionCommand.cs`
/// and `ActionCommandManager.cs`): `::name props::data` after leading whitespace, else the
/// legacy `##[name props]data` anywhere in the line; `stop-commands` pauses everything
/// until `::<token>::`. Returns the commands it would run, unescaped.
/// A command the runner would run: name, properties, data (all unescaped).
type RunnerCommand = (String, Vec<(String, String)>, String);

fn runner_commands(log: &str) -> Vec<RunnerCommand> {
    const REGISTERED: &[&str] = &[
        "error",
        "warning",
        "notice",
        "group",
        "endgroup",
        "stop-commands",
        "debug",
        "add-mask",
        "set-output",
        "echo",
    ];
    let unescape_data = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%25", "%")
    };
    let unescape_prop = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    let mut stop: Option<String> = None;
    let mut out = Vec::new();
    for line in log.lines() {
        // C#'s TrimStart: Unicode white space.
        let t = line.trim_start_matches(char::is_whitespace);
        let parsed = t
            .strip_prefix("::")
            .and_then(|rest| rest.split_once("::"))
            .map(|(info, data)| (info.to_string(), data.to_string()))
            .filter(|(info, _)| {
                let name = info.split(' ').next().unwrap();
                REGISTERED.contains(&name) || stop.as_deref() == Some(name)
            })
            .or_else(|| {
                let i = line.find("##[")?;
                let rest = &line[i + 3..];
                let (info, data) = rest.split_once(']')?;
                let name = info.split(' ').next().unwrap();
                REGISTERED
                    .contains(&name)
                    .then(|| (info.to_string(), data.to_string()))
            });
        let Some((info, data)) = parsed else { continue };
        let (name, props) = info.split_once(' ').unwrap_or((&info, ""));
        if let Some(token) = &stop {
            if name == token {
                stop = None;
            }
            continue;
        }
        if name == "stop-commands" {
            stop = Some(data.clone());
            continue;
        }
        let props = props
            .split(',')
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), unescape_prop(v)))
            .collect();
        out.push((name.to_string(), props, unescape_data(&data)));
    }
    assert!(
        stop.is_none(),
        "commands left stopped at the end of the log"
    );
    out
}

#[test]
fn github_commands_cannot_be_injected() {
    let (log, _) = render_lines(&hostile_stream(), "github");
    let commands = runner_commands(&log);
    let annotations: Vec<_> = commands
        .iter()
        .filter(|(name, _, _)| matches!(name.as_str(), "error" | "warning" | "notice"))
        .collect();
    assert_eq!(annotations.len(), 2, "{log}\n{commands:#?}");
    let (name, props, data) = annotations[0];
    assert_eq!(name, "error");
    let prop = |props: &Vec<(String, String)>, k: &str| {
        props.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    };
    assert_eq!(
        prop(props, "file").unwrap(),
        format!("tests/fixtures/{HOSTILE_FILE}")
    );
    assert_eq!(prop(props, "line").as_deref(), Some("3"));
    assert_eq!(prop(props, "col").as_deref(), Some("5"));
    assert_eq!(prop(props, "endColumn").as_deref(), Some("8"));
    assert_eq!(
        prop(props, "title").unwrap(),
        format!("error[E0308]: {}", HOSTILE_MESSAGE.lines().next().unwrap())
    );
    assert_eq!(
        data, HOSTILE_MESSAGE,
        "the message survives escaping exactly"
    );
    let (name, props, data) = annotations[1];
    assert_eq!(name, "warning");
    assert_eq!(data, "unused, really: %0A");
    // A span over several lines: line and endLine, no columns.
    assert_eq!(prop(props, "endLine").as_deref(), Some("9"));
    assert_eq!(prop(props, "col"), None);
    assert_eq!(prop(props, "endColumn"), None);
    // Only our own kinds of commands run: groups and the two annotations.
    for (name, _, _) in &commands {
        assert!(
            matches!(name.as_str(), "error" | "warning" | "group" | "endgroup"),
            "{name} ran:\n{log}"
        );
    }
    // The hostile text is still in the log for people to read.
    assert!(log.contains("::error file=x.rs::injected"));
    assert!(log.contains("::error::not from rustc"));
}

#[test]
fn hostile_paths_and_messages_in_sarif_and_gitlab() {
    let (sarif, _) = render_lines(&hostile_stream(), "sarif");
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["message"]["text"], HOSTILE_MESSAGE);
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "tests/fixtures/src/we%3Aird%2Cname%252C.rs"
    );
    assert_eq!(result["ruleId"], "rustc/E0308");
    assert_eq!(log["runs"][0]["results"][1]["ruleId"], "rustc/dead_code");
    let (gitlab, _) = render_lines(&hostile_stream(), "gitlab");
    assert!(gitlab.starts_with('['), "no BOM, an array");
    let issues: Value = serde_json::from_str(&gitlab).unwrap();
    assert_eq!(
        issues[0]["location"]["path"],
        format!("tests/fixtures/{HOSTILE_FILE}")
    );
    assert_eq!(issues[0]["severity"], "major");
    assert_eq!(issues[1]["severity"], "minor");
    assert_eq!(issues[1]["location"]["lines"]["begin"], 7);
}

#[test]
fn identical_diagnostics_are_reported_once_in_machine_formats_only() {
    let line = message(
        "warning",
        Some("unused_variables"),
        "unused variable: `x`",
        "src/lib.rs",
        2,
        9,
        2,
        10,
    );
    // `--all-targets`: the lib and its test build report the same warning.
    let lines = vec![
        line.clone(),
        line,
        message(
            "warning",
            Some("unused_variables"),
            "unused variable: `x`",
            "src/lib.rs",
            8,
            9,
            8,
            10,
        ),
    ];
    let (log, _) = render_lines(&lines, "github");
    let warnings = runner_commands(&log)
        .into_iter()
        .filter(|(n, _, _)| n == "warning")
        .count();
    assert_eq!(warnings, 2, "{log}");
    assert_eq!(
        log.matches("::group::").count(),
        3,
        "the log keeps every diagnostic"
    );
    let (sarif, _) = render_lines(&lines, "sarif");
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    let (gitlab, _) = render_lines(&lines, "gitlab");
    let gitlab: Value = serde_json::from_str(&gitlab).unwrap();
    assert_eq!(gitlab.as_array().unwrap().len(), 2);
    assert_ne!(gitlab[0]["fingerprint"], gitlab[1]["fingerprint"]);
    let (human, _) = render_lines(&lines, "human");
    assert_eq!(
        human.matches("unused variable").count(),
        3,
        "human output stays as cargo printed it"
    );
}

#[test]
fn fingerprints_survive_line_moves() {
    let at = |line| {
        message(
            "error",
            Some("E0308"),
            "mismatched types",
            "src/main.rs",
            line,
            5,
            line,
            9,
        )
    };
    let fps = |lines: &[String]| -> Vec<(String, String)> {
        let sarif: Value = serde_json::from_str(&render_lines(lines, "sarif").0).unwrap();
        let gitlab: Value = serde_json::from_str(&render_lines(lines, "gitlab").0).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .zip(gitlab.as_array().unwrap())
            .map(|(r, g)| {
                (
                    r["partialFingerprints"]["explainAsyncFingerprint/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    g["fingerprint"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let before = fps(&[at(3), at(10)]);
    let after = fps(&[at(13), at(20)]);
    assert_eq!(before, after);
    assert_ne!(before[0], before[1]);
}

#[test]
fn github_says_how_many_annotations_are_dropped_and_writes_the_summary() {
    let mut lines: Vec<String> = (1..=12)
        .map(|i| {
            message(
                "error",
                Some("E0308"),
                &format!("mismatched types #{i}"),
                "src/main.rs",
                i,
                1,
                i,
                4,
            )
        })
        .collect();
    lines.push(message(
        "warning",
        None,
        "a warning <T> with *stars*",
        "src/main.rs",
        40,
        1,
        40,
        2,
    ));
    let dir = tempdir("summary");
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let s = summary.to_string_lossy().into_owned();
    let (log, _) = render_lines_env(&lines, "github", &[("GITHUB_STEP_SUMMARY", &s)]);
    assert!(
        log.contains("explain-async: annotated 12 errors, 1 warning, 0 notices (0 explained)"),
        "{log}"
    );
    assert!(
        log.contains("GitHub shows only 10 error, 10 warning and 10 notice annotations per step: 2 errors, 0 warnings, 0 notices will not appear as annotations; every diagnostic is in this log and the step summary"),
        "{log}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n## cargo explain-async\n"),
        "appended: {md}"
    );
    for i in 1..=12 {
        assert!(
            md.contains(&format!("### error\\[E0308\\]: mismatched types #{i}\n")),
            "{md}"
        );
    }
    assert!(md.contains("a warning &lt;T&gt; with \\*stars\\*"), "{md}");
}

#[test]
fn step_summary_holds_the_explanation() {
    let stream = common::streams_dir().join("rc_held_across_await.jsonl");
    let dir = tempdir("summary-rc");
    let summary = dir.join("summary.md");
    let s = summary.to_string_lossy().into_owned();
    render(&stream, "github", &[("GITHUB_STEP_SUMMARY", &s)]);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        md.matches("### error: future cannot be sent between threads safely")
            .count(),
        2,
        "{md}"
    );
    assert!(
        md.contains("**explain-async · `rc_held_across_await`:"),
        "{md}"
    );
    assert!(
        md.contains("*In Python terms*") && md.contains("asyncio"),
        "{md}"
    );
    assert!(
        md.contains("`tests/fixtures/rc_held_across_await/src/main.rs:29:18`"),
        "{md}"
    );
}

#[test]
fn output_file_is_written_whole_and_terminal_gets_human() {
    let dir = tempdir("output");
    let stream = common::streams_dir().join("rc_held_across_await.jsonl");
    let stream = stream.to_string_lossy().into_owned();
    for format in ["sarif", "gitlab"] {
        let file = dir.join(format!("report.{format}"));
        std::fs::write(&file, "old").unwrap();
        let f = file.to_string_lossy().into_owned();
        let out = run_in(
            &common::fixtures_dir(),
            &[
                "--from", &stream, "--format", format, "--output", &f, "--color", "never",
            ],
            &[],
        );
        assert!(out.status.success());
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            stdout.contains("╭─ explain-async"),
            "human on the terminal: {stdout}"
        );
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert!(report.is_object() || report.is_array());
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left: {leftovers:?}");
    // An unreadable stream: the run fails and the old report is left untouched.
    let file = dir.join("report.sarif");
    let f = file.to_string_lossy().into_owned();
    let out = run_in(
        &common::fixtures_dir(),
        &[
            "--from",
            "/nonexistent/stream",
            "--format",
            "sarif",
            "--output",
            &f,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(std::fs::read_to_string(&file).unwrap().starts_with('{'));
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        2,
        "no temporary file after a failure"
    );
    // A directory that does not exist: exit 1, nothing written.
    let out = run_in(
        &common::fixtures_dir(),
        &[
            "--from",
            &stream,
            "--format",
            "sarif",
            "--output",
            "/nonexistent/dir/x.sarif",
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sarif_has_rules_related_locations_and_no_registry_paths() {
    let stream = common::streams_dir().join("rc_held_across_await.jsonl");
    let log: Value = serde_json::from_str(&render(&stream, "sarif", &[])).unwrap();
    let run = &log["runs"][0];
    let rule = &run["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "rc_held_across_await");
    assert!(rule["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("**In Python terms**"));
    let result = &run["results"][0];
    let related = result["relatedLocations"].as_array().unwrap();
    let texts: Vec<&str> = related
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("await occurs here")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("which is not `Send`")),
        "{texts:?}"
    );
    let text = serde_json::to_string(&log).unwrap();
    assert!(
        !text.contains("CARGO_HOME") && !text.contains("registry/src"),
        "a registry file is never anchored"
    );
}

/// The real cargo on a real fixture, run from outside the repository: the workspace root
/// comes from `cargo metadata`, the repository root from git (or `$GITHUB_WORKSPACE`).
#[test]
fn live_paths_are_relative_to_the_repository() {
    let _guard = common::CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let manifest = common::fixtures_dir().join("Cargo.toml");
    let manifest = manifest.to_string_lossy().into_owned();
    let outside = tempdir("live-cwd");
    let args = [
        "explain-async",
        "--format",
        "gitlab",
        "--manifest-path",
        &manifest,
        "-p",
        "rc_held_across_await",
    ];
    let paths = |out: &Output| -> Vec<String> {
        assert_eq!(
            out.status.code(),
            Some(101),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let issues: Value = serde_json::from_slice(&out.stdout).unwrap();
        issues
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["location"]["path"].as_str().unwrap().to_string())
            .collect()
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"));
    cmd.current_dir(&outside)
        .args(args)
        .env_remove("GITHUB_WORKSPACE")
        .env("CARGO_TERM_PROGRESS_WHEN", "never");
    let found = paths(&cmd.output().unwrap());
    // In a git checkout the repository root is git's top level; otherwise it falls back
    // to the workspace root.
    let in_git = repo().ancestors().any(|d| d.join(".git").exists());
    let expected = if in_git {
        "tests/fixtures/rc_held_across_await/src/main.rs"
    } else {
        "rc_held_across_await/src/main.rs"
    };
    assert_eq!(found, vec![expected; 2]);
    // `$GITHUB_WORKSPACE` wins over git.
    let out = run_in(
        &outside,
        &args[1..],
        &[(
            "GITHUB_WORKSPACE",
            &common::fixtures_dir().to_string_lossy(),
        )],
    );
    assert_eq!(paths(&out), vec!["rc_held_across_await/src/main.rs"; 2]);
}

/// A span-less diagnostic of a workspace package is placed on its Cargo.toml; one from a
/// registry package (or inside the standard library) is never anchored there.
#[test]
fn findings_without_a_user_span() {
    let spanless = |package_id: &str, manifest: &str, level: &str| {
        json!({
            "reason": "compiler-message",
            "package_id": package_id,
            "manifest_path": manifest,
            "target": {"src_path": "/x/src/lib.rs"},
            "message": {
                "rendered": format!("{level}: linking failed\n\n"),
                "children": [], "code": null, "level": level,
                "message": "linking failed", "spans": []
            }
        })
        .to_string()
    };
    let ours = format!("{}/app/Cargo.toml", common::fixtures_dir().display());
    let registry = "/home/u/.cargo/registry/src/index/dep-1.0.0/Cargo.toml";
    let lines = vec![
        spanless("path+file:///ws/app#0.1.0", &ours, "error"),
        spanless(
            "registry+https://github.com/rust-lang/crates.io-index#dep@1.0.0",
            registry,
            "error",
        ),
        spanless("path+file:///ws/app#0.1.0", &ours, "note"),
    ];
    let gitlab: Value = serde_json::from_str(&render_lines(&lines, "gitlab").0).unwrap();
    let issues = gitlab.as_array().unwrap();
    assert_eq!(
        issues.len(),
        2,
        "the registry one cannot be placed: {gitlab:#}"
    );
    assert_eq!(
        issues[0]["location"]["path"],
        "tests/fixtures/app/Cargo.toml"
    );
    assert_eq!(issues[0]["location"]["lines"]["begin"], 1);
    assert_eq!(issues[1]["severity"], "info");
    let sarif: Value = serde_json::from_str(&render_lines(&lines, "sarif").0).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["ruleId"], "rustc/no-code");
    assert!(results[0]["locations"][0]["physicalLocation"]
        .get("region")
        .is_none());
    assert!(
        results[1].get("locations").is_none(),
        "no location rather than a registry file"
    );
    assert_eq!(results[2]["level"], "note");
    let (log, _) = render_lines(&lines, "github");
    let commands = runner_commands(&log);
    let annotations: Vec<_> = commands
        .iter()
        .filter(|(n, _, _)| n != "group" && n != "endgroup")
        .map(|(n, props, _)| (n.as_str(), props.clone()))
        .collect();
    assert_eq!(
        annotations,
        vec![
            (
                "error",
                vec![
                    ("file".into(), "tests/fixtures/app/Cargo.toml".into()),
                    ("title".into(), "error: linking failed".into())
                ]
            ),
            (
                "error",
                vec![("title".into(), "error: linking failed".into())]
            ),
            (
                "notice",
                vec![
                    ("file".into(), "tests/fixtures/app/Cargo.toml".into()),
                    ("title".into(), "note: linking failed".into())
                ]
            ),
        ]
    );
}

/// `--all-targets` with the real cargo: the bin and its test build report the same two
/// warnings; the human output keeps all four, the machine formats report two.
#[test]
fn live_all_targets_duplicates_are_reported_once() {
    let _guard = common::CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let manifest = common::fixtures_dir().join("Cargo.toml");
    let manifest = manifest.to_string_lossy().into_owned();
    let run = |format: &str| {
        let out = run_in(
            &common::fixtures_dir(),
            &[
                "--format",
                format,
                "--color",
                "never",
                "--manifest-path",
                &manifest,
                "-p",
                "unused_future",
                "--all-targets",
            ],
            &[("CARGO_TERM_PROGRESS_WHEN", "never")],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let human = run("human");
    assert_eq!(
        human.matches("\nwarning: unused").count()
            + usize::from(human.starts_with("warning: unused")),
        4,
        "{human}"
    );
    let gitlab: Value = serde_json::from_str(&run("gitlab")).unwrap();
    assert_eq!(gitlab.as_array().unwrap().len(), 2, "{gitlab:#}");
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    let github = run("github");
    let warnings = runner_commands(&github)
        .into_iter()
        .filter(|(n, _, _)| n == "warning")
        .count();
    assert_eq!(warnings, 2, "{github}");
}
