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
//! Members named `clippy_*` are compared the same way, with `cargo explain-async --clippy`
//! against plain `cargo clippy`.
//!
//! Our source checks (`src/lints`) add their own warnings, which plain cargo never prints:
//! the human comparison runs with `--no-lints`; the json run keeps them, sets them aside for
//! the comparison with cargo's lines, and counts them with the markers (both layers).
//!
//! All fixtures share one target directory (tokio compiles once); cargo runs are serialised
//! by a lock because cargo would otherwise block on the target directory.

use crate::common;

use std::process::{Command, Output};

use common::{strip_ours, CARGO_LOCK};

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

/// `clippy_*` fixtures exercise clippy's lints: they run under `cargo clippy`.
fn is_clippy(member: &str) -> bool {
    member.starts_with("clippy_")
}

fn plain(member: &str, json: bool) -> Output {
    let mut cmd = Command::new(cargo());
    cmd.args([
        if is_clippy(member) { "clippy" } else { "check" },
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
    ours_with(member, format, &[])
}

fn ours_with(member: &str, format: &str, extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"));
    cmd.args(["explain-async", "--format", format, "--color", "never"])
        .args(["--manifest-path", &manifest(), "-p", member])
        .args(extra);
    if is_clippy(member) {
        cmd.arg("--clippy");
    }
    run(&mut cmd)
}

/// Whether a json line is one of our source checks' findings.
fn is_lint_line(line: &[u8]) -> bool {
    let needle: &[u8] = b"\"code\":{\"code\":\"explain_async::";
    line.windows(needle.len()).any(|w| w == needle)
}

/// Timing figures differ between runs; everything else must not. Cargo's "Blocking waiting
/// for file lock" lines depend on other cargo processes on the machine, so they are dropped.
fn normalise(text: &str) -> String {
    let re = regex::Regex::new(r"in \d+(\.\d+)?(ms|s|m \d+s)").unwrap();
    let text: String = text
        .split_inclusive('\n')
        .filter(|l| !l.trim_start().starts_with("Blocking waiting for file lock"))
        .collect();
    let text = re.replace_all(&text, "in [TIME]");
    long_type_files(&text)
}

/// rustc writes over-long type names to `<crate>-<hash>.long-type-<random>.txt` and names
/// that file in its message: the number differs on every run.
fn long_type_files(text: &str) -> String {
    let re = regex::Regex::new(r"\.long-type-\d+\.txt").unwrap();
    re.replace_all(text, ".long-type-[N].txt").into_owned()
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

/// Whether a later run of `member` prints what this one printed: it failed (so the member is
/// checked again every time) and built nothing but the member itself.
fn settled(out: &Output, member: &str) -> bool {
    let own = format!("Checking {member} ");
    !out.status.success()
        && text(&out.stderr).lines().all(|line| {
            let line = line.trim_start();
            !(line.starts_with("Compiling ") || line.starts_with("Checking "))
                || line.starts_with(&own)
        })
}

#[test]
fn fixtures_are_transparent_and_fire_their_markers() {
    let _guard = CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    warm_up();
    let mut failures = Vec::new();
    for member in common::members() {
        // The comparison below must see runs of the same kind: a run that builds something
        // prints `Compiling …`/`Checking …` on stderr, a fresh one does not. A failing member
        // is checked again by every run, so its first run is already of the kind of the later
        // ones unless it also built a dependency; anything else is run a second time.
        let mut plain_human = plain(&member, false);
        if !settled(&plain_human, &member) {
            plain_human = plain(&member, false);
        }
        let ours_human = ours_with(&member, "human", &["--no-lints"]);
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
        let plain_stdout = long_type_files(&String::from_utf8_lossy(&plain_json.stdout));
        let our_stdout = long_type_files(&String::from_utf8_lossy(&ours_json.stdout));
        let (plain_msgs, mut plain_other) = split_stream(plain_stdout.as_bytes());
        if plain_json.status.code() != ours_json.status.code() {
            failures.push(format!("{member}: json run changed the exit status"));
        }
        let (mut our_msgs, mut our_other) = split_stream(our_stdout.as_bytes());
        our_msgs.retain(|l| !is_lint_line(l));
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
                // Our children come after rustc's: the explanation, and the fix when there is
                // one (tests/editor.rs checks their shape).
                let theirs = original["message"]["children"].as_array().unwrap().len();
                ours["message"]["children"]
                    .as_array_mut()
                    .unwrap()
                    .truncate(theirs);
                let rendered = original["message"]["rendered"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let our_rendered = ours["message"]["rendered"].as_str().unwrap_or("");
                if !our_rendered.starts_with(&rendered) {
                    failures.push(format!(
                        "{member}: an explained json line's rendered text does not start with \
                         rustc's:\n--- plain\n{rendered}\n--- ours\n{our_rendered}"
                    ));
                }
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
fn deny_lints_fails_only_on_findings() {
    let _guard = CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    warm_up();
    let status = |member: &str, extra: &[&str]| ours_with(member, "short", extra);
    let hit = status("lock_held_across_await", &["--deny-lints"]);
    assert_eq!(
        hit.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&hit.stderr)
    );
    let text = String::from_utf8_lossy(&hit.stdout);
    assert!(
        text.contains("warning[explain_async::lock_held_across_await]"),
        "{text}"
    );
    assert!(
        text.contains("= explain-async[lock_held_across_await]"),
        "{text}"
    );
    assert_eq!(
        status("lock_held_across_await__scoped", &["--deny-lints"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(status("lock_held_across_await", &[]).status.code(), Some(0));
    let off = status("lock_held_across_await", &["--no-lints"]);
    assert!(!String::from_utf8_lossy(&off.stdout).contains("explain_async::"));
    // A compile error keeps cargo's own status.
    assert_eq!(
        status("rc_held_across_await", &["--deny-lints"])
            .status
            .code(),
        Some(101)
    );
    // Every format carries the findings, with no special case in the renderers.
    for format in ["human", "json", "github", "sarif", "gitlab"] {
        let out = ours_with("lock_held_across_await", format, &[]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("lock_held_across_await") && text.contains("main.rs"),
            "{format}:\n{text}"
        );
    }
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
    for name in [
        "session_cache",
        "follower_ids",
        "counts",
        "poll_for_updates",
    ] {
        assert!(
            src.contains(name) && stdout.contains(&format!("`{name}`")),
            "`{name}` not named:\n{stdout}"
        );
    }
    // The habit rustc accepts is caught by the source checks, beside the compiler's errors.
    assert!(
        stdout.contains("╭─ explain-async · blocking_call_in_async"),
        "{stdout}"
    );
}

/// The `tokio = …` line of a fixture's own Cargo.toml.
fn tokio_line(member: &str) -> String {
    let toml =
        std::fs::read_to_string(common::fixtures_dir().join(member).join("Cargo.toml")).unwrap();
    toml.lines()
        .find(|l| l.starts_with("tokio = "))
        .unwrap_or_else(|| panic!("{member} declares no tokio line"))
        .to_string()
}

/// The features of a `tokio = { … features = [...] }` line, as a set.
fn features_of(line: &str) -> std::collections::BTreeSet<String> {
    let list = line.split("features").nth(1).unwrap_or_default();
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The tokio line a block's Cargo.toml diff writes (`│    NN + tokio = …`), whole.
fn added_tokio_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("│  ")?.trim_start();
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let added = rest[digits..].strip_prefix(" + ")?;
            added.starts_with("tokio = ").then(|| added.to_string())
        })
        .collect()
}

#[test]
fn missing_tokio_features_print_the_exact_cargo_toml_line() {
    let _guard = CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // (trigger, near miss whose Cargo.toml holds the features the build needs)
    let cases = [
        (
            "tokio_main_without_macros",
            "tokio_main_without_macros__macros",
        ),
        (
            "tokio_main_without_multi_thread",
            "tokio_main_without_multi_thread__rt_multi_thread",
        ),
        (
            "tokio_feature_missing",
            "tokio_feature_missing__feature_enabled",
        ),
    ];
    for (member, fixed) in cases {
        let out = ours(member, "human");
        assert_eq!(out.status.code(), Some(101));
        let stdout = String::from_utf8_lossy(&out.stdout);
        // The block's diff rewrites the crate's own tokio line (whole, pasteable) with every
        // feature the near miss, which compiles, enables; the fix-verification layer
        // (tests/fix.rs) applies it and checks the build.
        let added = added_tokio_lines(&stdout);
        assert!(
            !added.is_empty(),
            "{member}: no Cargo.toml diff in:\n{stdout}"
        );
        let want = features_of(&tokio_line(fixed));
        for line in &added {
            assert_eq!(features_of(line), want, "{member}: `{line}`");
            assert!(!line.contains('…'), "{member}: cut line `{line}`");
        }
        if member != "tokio_feature_missing" {
            assert!(
                stdout.contains("standard library"),
                "{member}: asyncio in the stdlib"
            );
        }
    }
    // One diagnostic per missing feature; the later ones are repeats whose titles name their
    // feature.
    let stdout =
        String::from_utf8_lossy(&ours("tokio_feature_missing", "human").stdout).into_owned();
    for feature in ["time", "sync", "io-std", "io-util"] {
        let title = format!("needs tokio's `{feature}` feature");
        assert!(stdout.contains(&title), "no `{title}` in:\n{stdout}");
    }
}

#[test]
fn ecosystem_notes_appear_once_and_only_where_relevant() {
    let _guard = CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let notes = |member: &str| {
        let out = ours(member, "human");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (
            stdout.matches("discontinued on 1 March 2025").count(),
            stdout.matches("more than one async runtime").count(),
            stdout,
        )
    };
    let (async_std, mixed, out) = notes("ecosystem__async_std");
    assert_eq!((async_std, mixed), (1, 0), "{out}");
    assert!(out.contains("smol"), "{out}");
    let (async_std, mixed, out) = notes("ecosystem__two_runtimes");
    assert_eq!((async_std, mixed), (0, 1), "{out}");
    assert!(out.contains("tokio") && out.contains("smol"), "{out}");
    // Neighbours in the same workspace (same Cargo.lock) get neither note.
    for member in [
        "rc_held_across_await",
        "rc_held_across_await__arc",
        "runtime__smol_spawn_send",
    ] {
        let (async_std, mixed, out) = notes(member);
        assert_eq!((async_std, mixed), (0, 0), "{member}:\n{out}");
    }
}

#[test]
fn send_fixes_are_written_for_the_runtime_in_use() {
    let _guard = CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // (fixture, what rustc names in "required by a bound in", the spawn call in our fix)
    let cases = [
        (
            "runtime__smol_spawn_send",
            "smol::spawn",
            "smol::spawn(async move {",
        ),
        (
            "runtime__trpl_spawn_send",
            "spawn_task",
            "trpl::spawn_task(async move {",
        ),
        (
            "runtime__futures_pool_send",
            "ThreadPool::spawn_ok",
            "pool.spawn_ok(async move {",
        ),
        (
            "rc_held_across_await",
            "tokio::spawn",
            "tokio::spawn(async move {",
        ),
    ];
    for (member, bound, fix) in cases {
        let out = ours(member, "human");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("explain-async · rc_held_across_await")
                && stdout.contains(&format!("`{bound}`")),
            "{member}: title should name `{bound}`:\n{stdout}"
        );
        assert!(
            stdout.contains(fix),
            "{member}: fix should use `{fix}`:\n{stdout}"
        );
    }
}
