//! `--fix` end to end, and the fix-verification layer.
//!
//! - Usage: `--fix` with `--from` is refused (exit 2).
//! - The VCS gate, on real git repositories: no checkout, dirty and staged changes are
//!   refused (exit 2) unless allowed, as `cargo fix` refuses them.
//! - A run with nothing to fix leaves the files alone and ends like the plain check.
//! - The fix-verification layer: every trigger fixture whose explanation carries a
//!   `MachineApplicable` fix is copied into a scratch workspace and fixed with
//!   `--fix --allow-no-vcs`; then plain `cargo check --message-format=json` (or clippy) runs
//!   again, and each fixed diagnostic must be gone with no new error or warning in the crate.
//!   Which fixtures qualify is decided by replaying their recorded streams (and our source
//!   checks' findings) through the real pipeline, so a rule is covered as soon as a recipe
//!   makes its fix machine-applicable. Crates with the same dependencies are fixed in one
//!   run (`-p a -p b …`: cargo unifies features only across the packages of one build, so
//!   each crate gets the dependency builds it has alone, already in the shared target dir).

use crate::common;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::rc::Rc;
use std::sync::Mutex;

use cargo_explain_async::diagnostic::{classify, Event, Line};
use cargo_explain_async::fixing::observe::{Collector, Key, Observation, Planned};
use cargo_explain_async::lints::workspace;
use cargo_explain_async::output::Sink;
use cargo_explain_async::project::LiveProject;
use cargo_explain_async::rules::Rulebook;
use cargo_explain_async::stream::process;

/// Cargo runs on the shared fixture target dir wait for each other anyway; one at a time
/// keeps their output apart.
static CARGO_LOCK: Mutex<()> = Mutex::new(());

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn quiet(cmd: &mut Command) -> Output {
    cmd.env("CARGO_TERM_PROGRESS_WHEN", "never")
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("RUSTFLAGS")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CARGO_TERM_COLOR")
        .output()
        .expect("command runs")
}

fn ours(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"));
    cmd.arg("explain-async")
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"));
    quiet(&mut cmd)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// A crate without dependencies that compiles, with one warning-free `main`.
fn tiny_crate(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"tiny\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(dir.join(".gitignore"), "/target\n").unwrap();
}

#[test]
fn fix_with_from_is_a_usage_error() {
    let dir = scratch("fix-usage");
    for args in [
        &["--fix", "--from", "stream.jsonl"][..],
        &["--from=-", "--fix"],
        &["--allow-dirty"],
    ] {
        let out = ours(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    }
}

#[test]
fn the_vcs_gate_refuses_and_allows_like_cargo_fix() {
    let dir = scratch("fix-vcs");
    let krate = dir.join("tiny");
    tiny_crate(&krate);
    let fix = |extra: &[&str]| {
        let mut args = vec!["--fix", "--format", "short"];
        args.extend_from_slice(extra);
        ours(&krate, &args)
    };
    // Inside the test target dir, which this repository's .gitignore ignores: no VCS, as
    // cargo sees an ignored directory.
    let out = fix(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--allow-no-vcs"), "{}", stderr(&out));
    let out = fix(&["--allow-no-vcs"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    git(&krate, &["init", "-q"]);
    git(&krate, &["add", "."]);
    git(&krate, &["commit", "-qm", "tiny"]);
    assert_eq!(fix(&[]).status.code(), Some(0));

    let main = krate.join("src/main.rs");
    std::fs::write(&main, "fn main() {\n}\n").unwrap();
    let out = fix(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("  * src/main.rs (dirty)"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--allow-dirty"), "{}", stderr(&out));
    // Refused before cargo ran: the file is as the user left it, nothing was built.
    assert_eq!(std::fs::read_to_string(&main).unwrap(), "fn main() {\n}\n");
    assert_eq!(fix(&["--allow-staged"]).status.code(), Some(2));
    assert_eq!(fix(&["--allow-dirty"]).status.code(), Some(0));

    git(&krate, &["add", "src/main.rs"]);
    let out = fix(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("  * src/main.rs (staged)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fix(&["--allow-staged"]).status.code(), Some(0));
    std::fs::write(krate.join("notes.txt"), "untracked\n").unwrap();
    let out = fix(&["--allow-staged"]);
    assert!(
        stderr(&out).contains("  * notes.txt (dirty)"),
        "{}",
        stderr(&out)
    );
}

/// A scratch workspace holding copies of fixture crates: the fixtures' own manifest (its
/// `[workspace.dependencies]`) with only these members, and its lock file, so everything
/// resolves offline to the versions already built in the shared target dir.
/// Where a scratch workspace puts its copies of fixture crates. Not at the fixtures' own
/// relative paths: cargo hashes a path package by its path relative to the workspace root,
/// so a copy at `<member>/` built into the shared fixtures target would share the real
/// fixture's fingerprint, and the real fixture would later look fresh, with the copy's
/// (fixed) diagnostics replayed, to every other test.
const COPIES: &str = "copies";

/// A scratch copy of a fixture member's directory.
fn copy_of(dir: &Path, member: &str) -> PathBuf {
    dir.join(COPIES).join(member)
}

/// A file name as rustc reports it in a scratch workspace, as it reads in the fixtures.
fn as_in_fixtures(file: &str) -> String {
    file.strip_prefix(&format!("{COPIES}/"))
        .unwrap_or(file)
        .to_string()
}

fn scratch_workspace(name: &str, members: &[&str]) -> PathBuf {
    common::fetch_fixture_dependencies();
    let dir = scratch(name);
    let fixtures = common::fixtures_dir();
    let text = std::fs::read_to_string(fixtures.join("Cargo.toml")).unwrap();
    let mut manifest: toml::Table = toml::from_str(&text).unwrap();
    let workspace = manifest["workspace"].as_table_mut().unwrap();
    workspace.insert(
        "members".into(),
        toml::Value::Array(
            members
                .iter()
                .map(|m| toml::Value::from(format!("{COPIES}/{m}")))
                .collect(),
        ),
    );
    workspace.remove("exclude");
    std::fs::write(dir.join("Cargo.toml"), toml::to_string(&manifest).unwrap()).unwrap();
    std::fs::copy(fixtures.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    for member in members {
        copy_dir(&fixtures.join(member), &copy_of(&dir, member));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_name() == "target" {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn a_run_with_nothing_to_fix_changes_nothing_and_ends_like_the_check() {
    let _guard = CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // A control crate: an ordinary error no rule explains, so there is never a fix.
    let member = "control__sync_mismatch";
    let dir = scratch_workspace("fix-nothing", &[member]);
    let main = copy_of(&dir, member).join("src/main.rs");
    let before = std::fs::read_to_string(&main).unwrap();
    let target = common::fixtures_dir().join("target");
    let run = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"));
        cmd.arg("explain-async")
            .args(args)
            .args(["--color", "never", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target);
        quiet(&mut cmd)
    };
    let fixed = run(&["--fix", "--allow-no-vcs", "--format", "short"]);
    let checked = run(&["--format", "short"]);
    assert_eq!(std::fs::read_to_string(&main).unwrap(), before);
    assert_eq!(fixed.status.code(), Some(101), "{}", stderr(&fixed));
    assert_eq!(fixed.status.code(), checked.status.code());
    // The final check's output is the ordinary one.
    assert_eq!(
        String::from_utf8_lossy(&fixed.stdout),
        String::from_utf8_lossy(&checked.stdout)
    );
    assert!(
        stderr(&fixed).contains("note: --fix found no machine-applicable fix to apply"),
        "{}",
        stderr(&fixed)
    );
    assert!(!stderr(&fixed).contains("Fixed "), "{}", stderr(&fixed));
}

// --- the fix-verification layer ------------------------------------------------------

/// Counts of every error and warning in a json stream, by key.
fn counts(stream: &[u8]) -> BTreeMap<Key, usize> {
    let mut out = BTreeMap::new();
    for raw in stream.split_inclusive(|b| *b == b'\n') {
        if let Event::Diagnostic(d) = classify(Line { raw }) {
            if let Some(mut key) = Key::of(&d) {
                key.file = as_in_fixtures(&key.file);
                // rustc names anonymous types with their path (`{async closure@copies/x/…}`):
                // the message must read as it does in the fixtures workspace.
                key.message = key.message.replace(&format!("@{COPIES}/"), "@");
                *out.entry(key).or_default() += 1;
            }
        }
    }
    out
}

/// The fix-verification verdict on one crate: each fix's diagnostic gone (counted: a crate
/// may hold one message twice), and no error or warning in the crate's files that `before`
/// did not have as often.
fn verify_member(
    member: &str,
    fixes: &[Planned],
    before: &BTreeMap<Key, usize>,
    after: &BTreeMap<Key, usize>,
) -> Result<(), String> {
    let n = |m: &BTreeMap<Key, usize>, k: &Key| m.get(k).copied().unwrap_or(0);
    let mut problems = Vec::new();
    let mut wanted: BTreeMap<&Key, Vec<&Planned>> = BTreeMap::new();
    for fix in fixes {
        wanted.entry(&fix.target).or_default().push(fix);
    }
    for (key, fixes) in &wanted {
        if n(after, key) + fixes.len() > n(before, key) {
            let titles: Vec<String> = fixes
                .iter()
                .map(|f| format!("\"{}\" [{}]", f.fix.title, f.rule))
                .collect();
            problems.push(format!(
                "`{}` is still reported after {}",
                key.headline(),
                titles.join(", ")
            ));
        }
    }
    let prefix = format!("{member}/");
    for (key, count) in after {
        if key.file.starts_with(&prefix) && *count > n(before, key) {
            problems.push(format!("the fixed crate gets `{}`", key.headline()));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{member}:\n    {}", problems.join("\n    ")))
    }
}

/// Every trigger fixture's machine-applicable fixes, by member, as the real pipeline makes
/// them from the recorded streams (absolute placeholders put back, so the project context
/// knows each package and its runtime) and from our source checks.
fn planned_fixes() -> BTreeMap<String, Vec<Planned>> {
    let fixtures = common::fixtures_dir();
    let manifest = fixtures.join("Cargo.toml").to_string_lossy().into_owned();
    let args = vec!["--manifest-path".to_string(), manifest];
    let cargo_home = std::env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default()));
    let root = fixtures.to_string_lossy().into_owned();
    let mut stream = String::new();
    for member in common::members() {
        if common::markers(&member).is_empty() {
            continue;
        }
        let path = common::streams_dir().join(format!("{member}.jsonl"));
        let text = std::fs::read_to_string(&path).unwrap();
        stream.push_str(
            &text
                .replace("[ROOT]", &root)
                .replace("[CARGO_HOME]", &cargo_home),
        );
        if !stream.ends_with('\n') {
            stream.push('\n');
        }
    }
    let mut with_workspace = args.clone();
    with_workspace.push("--workspace".into());
    let metadata = cargo_explain_async::cargo::metadata::load(&with_workspace, false).unwrap();
    for line in workspace::run(&metadata, &with_workspace, &fixtures, false, 2).lines {
        stream.push_str(&line);
        stream.push('\n');
    }
    let project = LiveProject::start(
        cargo_explain_async::cargo::args::CargoArgs::parse(&args),
        false,
        None,
    );
    let book = Rulebook::builtin().unwrap();
    let shared = Rc::new(RefCell::new(Observation::default()));
    let mut sinks = vec![Sink::new(
        Box::new(Collector(Rc::clone(&shared))),
        Box::new(io::sink()),
        false,
    )];
    process(stream.as_bytes(), &book, &project, &mut sinks).unwrap();
    drop(sinks);
    let mut out: BTreeMap<String, Vec<Planned>> = BTreeMap::new();
    for planned in shared.take().fixes {
        let member = planned.target.file.split('/').next().unwrap().to_string();
        out.entry(member).or_default().push(planned);
    }
    out
}

/// Crates fixed together must resolve their dependencies alike: same dependency tables,
/// same subcommand.
fn batch_key(member: &str) -> String {
    let text =
        std::fs::read_to_string(common::fixtures_dir().join(member).join("Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    let deps: Vec<String> = [
        "dependencies",
        "dev-dependencies",
        "build-dependencies",
        "target",
    ]
    .iter()
    .map(|k| manifest.get(*k).map(|v| v.to_string()).unwrap_or_default())
    .collect();
    format!(
        "clippy={} {}",
        member.starts_with("clippy_"),
        deps.join("|")
    )
}

#[test]
fn every_machine_applicable_fix_compiles_and_removes_its_diagnostic() {
    let mut planned = planned_fixes();
    // `FIX_ONLY=a,b` verifies only the trigger fixtures whose names start with one of these
    // (for an author working on a few rules; CI verifies them all).
    if let Ok(only) = std::env::var("FIX_ONLY") {
        let prefixes: Vec<&str> = only.split(',').filter(|p| !p.is_empty()).collect();
        planned.retain(|member, _| prefixes.iter().any(|p| member.starts_with(p)));
    }
    let count: usize = planned.values().map(Vec::len).sum();
    eprintln!(
        "fix verification: {count} machine-applicable fixes in {} trigger fixtures: {:?}",
        planned.len(),
        planned.keys().collect::<Vec<_>>()
    );
    if planned.is_empty() {
        return;
    }
    let _guard = CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut batches: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for member in planned.keys() {
        batches.entry(batch_key(member)).or_default().push(member);
    }
    let target = common::fixtures_dir().join("target");
    let mut failures = Vec::new();
    for (i, members) in batches.values().enumerate() {
        let dir = scratch_workspace(&format!("fix-verification/{i}"), members);
        let clippy = members[0].starts_with("clippy_");
        let manifest = dir.join("Cargo.toml");
        let packages: Vec<&str> = members.iter().flat_map(|m| ["-p", *m]).collect();
        let run_ours = |extra: &[&str]| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"));
            cmd.args(["explain-async", "--format", "json", "--color", "never"])
                .arg("--manifest-path")
                .arg(&manifest)
                .args(&packages)
                .args(extra)
                .env("CARGO_TARGET_DIR", &target);
            if clippy {
                cmd.arg("--clippy");
            }
            quiet(&mut cmd)
        };
        let plain = || {
            let mut cmd = Command::new(cargo());
            cmd.args([
                if clippy { "clippy" } else { "check" },
                "--message-format=json",
                "--keep-going",
            ])
            .arg("--manifest-path")
            .arg(&manifest)
            .args(&packages)
            .env("CARGO_TARGET_DIR", &target);
            quiet(&mut cmd)
        };
        // `--keep-going` everywhere: without it cargo stops starting crates after the first
        // error, and which crates of the batch a check reached would differ between runs.
        let before = counts(&run_ours(&["--keep-going"]).stdout);
        let fixed = run_ours(&["--fix", "--allow-no-vcs"]);
        let log = stderr(&fixed);
        // Compiler diagnostics from plain cargo; our source checks' findings from the json
        // the fix run ended with (plain cargo has none of those).
        let mut after = counts(&plain().stdout);
        for (key, n) in counts(&fixed.stdout) {
            if key
                .code
                .as_deref()
                .is_some_and(|c| c.starts_with("explain_async::"))
            {
                after.insert(key, n);
            }
        }
        for member in members {
            let not_fixed: Vec<&str> = log
                .lines()
                .filter(|l| l.starts_with(&format!("Not fixed {COPIES}/{member}/")))
                .collect();
            let verdict = verify_member(member, &planned[*member], &before, &after);
            if !not_fixed.is_empty() || verdict.is_err() {
                failures.push(format!(
                    "{}\n    --fix said:\n      {}",
                    verdict.err().unwrap_or_else(|| format!("{member}:")),
                    if not_fixed.is_empty() {
                        log.lines()
                            .filter(|l| {
                                !l.trim_start().starts_with("Checking")
                                    && !l.trim_start().starts_with("Blocking")
                            })
                            .collect::<Vec<_>>()
                            .join("\n      ")
                    } else {
                        not_fixed.join("\n      ")
                    }
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "machine-applicable fixes that do not hold:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_verification_catches_a_fix_that_does_not_hold() {
    // Before and after from recorded streams; the fixes are stand-ins for what a recipe
    // would claim on `rc_held_across_await`.
    let stream = std::fs::read(common::streams_dir().join("rc_held_across_await.jsonl")).unwrap();
    let before = counts(&stream);
    let targets: BTreeSet<&Key> = before.keys().collect();
    assert_eq!(targets.len(), 1, "{before:?}");
    let key = (*targets.iter().next().unwrap()).clone();
    let claim = |n: usize| -> Vec<Planned> {
        (0..n)
            .map(|_| Planned {
                rule: "rc_held_across_await".into(),
                fix: cargo_explain_async::fix::Fix {
                    title: "Use `Arc`".into(),
                    applicability: cargo_explain_async::fix::Applicability::MachineApplicable,
                    edits: Vec::new(),
                },
                placed: Vec::new(),
                target: key.clone(),
                line: 1,
            })
            .collect()
    };
    let member = "rc_held_across_await";
    // Both diagnostics fixed: the crate is clean.
    assert_eq!(
        verify_member(member, &claim(2), &before, &BTreeMap::new()),
        Ok(())
    );
    // Nothing changed: both are still there.
    let err = verify_member(member, &claim(2), &before, &before).unwrap_err();
    assert!(
        err.contains("is still reported after \"Use `Arc`\""),
        "{err}"
    );
    // One of two fixed, but two claimed.
    let mut one_left = before.clone();
    *one_left.get_mut(&key).unwrap() = 1;
    assert_eq!(verify_member(member, &claim(1), &before, &one_left), Ok(()));
    assert!(verify_member(member, &claim(2), &before, &one_left).is_err());
    // Fixed, but the fix brought a warning (a `use` left unused).
    let mut warned = BTreeMap::new();
    warned.insert(
        Key {
            file: "rc_held_across_await/src/main.rs".into(),
            level: "warning",
            code: Some("unused_imports".into()),
            message: "unused import: `std::rc::Rc`".into(),
        },
        1,
    );
    let err = verify_member(member, &claim(2), &before, &warned).unwrap_err();
    assert!(err.contains("gets `warning[unused_imports]"), "{err}");
    // Something new in another crate is that crate's business, not this one's.
    let mut elsewhere = BTreeMap::new();
    elsewhere.insert(
        Key {
            file: "other/src/main.rs".into(),
            ..key.clone()
        },
        1,
    );
    assert_eq!(
        verify_member(member, &claim(2), &before, &elsewhere),
        Ok(())
    );
}
