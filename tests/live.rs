//! Live layer: the real binary against the real fixture crates with the real cargo.
//!
//! For every fixture crate, compared with plain `cargo check` on the same crate:
//! - the exit status is the same;
//! - human output with our blocks removed equals what plain cargo printed, once cargo's own
//!   status lines (which stay on stderr in both modes) are taken out;
//! - the json output holds every line of `cargo check --message-format=json`, in order,
//!   unexplained lines byte-identical;
//! - the rules that fire are exactly the `// explain-async:` markers.
//!
//! All fixtures share one target directory (tokio compiles once); cargo runs are serialised
//! by a lock because cargo would otherwise block on the target directory.

mod common;

use std::process::{Command, Output};
use std::sync::Mutex;

use cargo_explain_async::render::human::strip_ours;

static CARGO_LOCK: Mutex<()> = Mutex::new(());

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn manifest() -> String {
    common::fixtures_dir()
        .join("Cargo.toml")
        .to_string_lossy()
        .into_owned()
}

fn run(cmd: &mut Command) -> Output {
    cmd.env("CARGO_TERM_PROGRESS_WHEN", "never")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CARGO_TERM_COLOR")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("command runs")
}

fn plain(member: &str, json: bool) -> Output {
    let mut cmd = Command::new(cargo());
    cmd.args([
        "check",
        "--color",
        "never",
        "--manifest-path",
        &manifest(),
        "-p",
        member,
    ]);
    if json {
        cmd.arg("--message-format=json");
    }
    run(&mut cmd)
}

fn ours(member: &str, format: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"));
    cmd.args(["explain-async", "--format", format, "--color", "never"])
        .args(["--manifest-path", &manifest(), "-p", member]);
    run(&mut cmd)
}

/// Timing figures differ between runs; everything else must not.
fn normalise(text: &str) -> String {
    let re = regex::Regex::new(r"in \d+(\.\d+)?(ms|s|m \d+s)").unwrap();
    re.replace_all(text, "in [TIME]").into_owned()
}

/// Removes from `plain` the lines of `status` (cargo's own lines), in order. Also removes
/// cargo's per-target tally (`warning: `x` (bin "x") generated 2 warnings`): cargo prints it
/// in its human mode only, never with `--message-format=json`, so no wrapper can show it
/// (README, "What is and is not shown").
fn without_status_lines(plain: &str, status: &str) -> String {
    let tally =
        regex::Regex::new(r#"^warning: `[^`]+` \([^)]*\) generated \d+ warnings?"#).unwrap();
    let mut status = status.lines().peekable();
    let mut out = String::new();
    for line in plain.split_inclusive('\n') {
        if tally.is_match(line) {
            continue;
        }
        if status.peek() == Some(&line.trim_end_matches('\n')) {
            status.next();
            continue;
        }
        out.push_str(line);
    }
    assert!(
        status.peek().is_none(),
        "cargo status line missing from plain output: {:?}",
        status.peek()
    );
    out
}

/// A json stream's lines: `(compiler messages, everything else)`.
fn split_stream(stream: &[u8]) -> (Vec<&[u8]>, Vec<&[u8]>) {
    let needle: &[u8] = b"\"reason\":\"compiler-message\"";
    stream
        .split_inclusive(|b| *b == b'\n')
        .partition(|l| l.windows(needle.len()).any(|w| w == needle))
}

fn text(bytes: &[u8]) -> String {
    normalise(&String::from_utf8_lossy(bytes))
}

/// Compiles tokio once before the comparisons, so a first build's progress cannot differ.
fn warm_up() {
    let out = run(Command::new(cargo()).args([
        "check",
        "--manifest-path",
        &manifest(),
        "-p",
        "rc_held_across_await__arc",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fixtures_are_transparent_and_fire_their_markers() {
    let _guard = CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    warm_up();
    let mut failures = Vec::new();
    for member in common::members() {
        let plain_human = plain(&member, false);
        let ours_human = ours(&member, "human");
        if plain_human.status.code() != ours_human.status.code() {
            failures.push(format!(
                "{member}: exit {:?} vs plain {:?}",
                ours_human.status.code(),
                plain_human.status.code()
            ));
        }
        // Transparency: plain stderr = cargo status lines + diagnostics; ours puts the
        // diagnostics (and our blocks) on stdout and leaves cargo's status lines on stderr.
        let expected = without_status_lines(&text(&plain_human.stderr), &text(&ours_human.stderr));
        let got = strip_ours(&text(&ours_human.stdout));
        if expected != got {
            failures.push(format!("{member}: human output differs from plain cargo\n--- plain\n{expected}\n--- ours (blocks removed)\n{got}"));
        }

        let plain_json = plain(&member, true);
        let ours_json = ours(&member, "json");
        // Diagnostics keep their order; cargo's artifact notices of parallel jobs come in
        // whatever order the jobs finish, so those are compared as a multiset.
        let (plain_msgs, mut plain_other) = split_stream(&plain_json.stdout);
        let (our_msgs, mut our_other) = split_stream(&ours_json.stdout);
        plain_other.sort();
        our_other.sort();
        if plain_other != our_other {
            failures.push(format!(
                "{member}: json output lost or changed a non-diagnostic line"
            ));
        }
        if plain_msgs.len() != our_msgs.len() {
            failures.push(format!(
                "{member}: json has {} diagnostics, plain {}",
                our_msgs.len(),
                plain_msgs.len()
            ));
        }
        for (p, o) in plain_msgs.iter().zip(&our_msgs) {
            let value: serde_json::Value =
                serde_json::from_slice(o).expect("json output line parses");
            if value.get("explain_async").is_some() {
                // Explained: the original with our additions, nothing else changed.
                let mut original: serde_json::Value = serde_json::from_slice(p).unwrap();
                let mut ours = value.clone();
                ours.as_object_mut().unwrap().remove("explain_async");
                ours["message"]["children"].as_array_mut().unwrap().pop();
                let rendered = original["message"]["rendered"]
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(ours["message"]["rendered"]
                    .as_str()
                    .unwrap()
                    .starts_with(&rendered));
                original["message"]["rendered"] = serde_json::Value::Null;
                ours["message"]["rendered"] = serde_json::Value::Null;
                if ours != original {
                    failures.push(format!(
                        "{member}: an explained json line changed beyond our additions"
                    ));
                }
            } else if p != o {
                failures.push(format!(
                    "{member}: json line not byte-identical:\n{}\n{}",
                    String::from_utf8_lossy(p),
                    String::from_utf8_lossy(o)
                ));
            }
        }
        let expected = common::markers(&member);
        let found = common::findings_in_json_output(&ours_json.stdout);
        if expected != found {
            failures.push(format!(
                "{member}: markers\n{}\n  but rules fired at\n{}",
                common::show(&expected),
                common::show(&found)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn demo_crate_is_explained_with_its_own_names() {
    let _guard = CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let manifest = common::repo().join("examples/python-habits/Cargo.toml");
    let target = common::fixtures_dir().join("target");
    let out = run(Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"))
        .args(["--color", "never", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target));
    let plain = run(Command::new(cargo())
        .args(["check", "--color", "never", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target));
    assert_eq!(out.status.code(), plain.status.code());
    assert_eq!(out.status.code(), Some(101), "the demo is meant to fail");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let blocks = stdout
        .matches(cargo_explain_async::render::human::BLOCK_HEAD)
        .count();
    assert!(
        blocks >= 5,
        "expected the demo's mistakes explained, got {blocks} blocks:\n{stdout}"
    );
    let src = std::fs::read_to_string(manifest.with_file_name("src/main.rs")).unwrap();
    // Explanations name the demo's own variables.
    for name in ["session_cache", "follower_ids", "counts"] {
        assert!(
            src.contains(name) && stdout.contains(&format!("`{name}`")),
            "`{name}` not named:\n{stdout}"
        );
    }
}
