//! Team rulebooks: rules from `--rules DIR` and from Cargo.toml metadata fire like built-in
//! ones; a broken user rule is one clear error naming file and line, with exit status 2.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TEAM_RULE: &str = r#"+++
id = "team_mismatch"
title = "our team's note on `{expected}`"
summary = "A team rule for plain type mismatches."

[match]
level = "error"
code = "E0308"
labels = ['expected `(?P<expected>[^`]+)`, found']

[[links]]
title = "Team wiki"
url = "https://example.com/wiki/mismatch"
+++
## In Python terms
Python would only notice at run time.
## What Rust is telling you
The value is not a `{expected}`.
## Fix
1. Convert it:
   ```rust
   let n: u32 = "5".parse().unwrap();
   ```
"#;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("explain-async-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"));
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

fn write_rule(dir: &Path, id: &str, text: &str) -> PathBuf {
    let path = dir.join(format!("{id}.md"));
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_rule_from_a_rules_dir_fires() {
    let dir = temp_dir("rules-dir");
    write_rule(&dir, "team_mismatch", TEAM_RULE);
    let stream = common::streams_dir().join("control__sync_mismatch.jsonl");
    let out = bin()
        .args(["--format", "short", "--rules"])
        .arg(&dir)
        .arg("--from")
        .arg(&stream)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("= explain-async[team_mismatch]: our team's note on `u16`"),
        "{}",
        stdout(&out)
    );
    let list = bin()
        .arg("--list-rules")
        .arg("--rules")
        .arg(&dir)
        .output()
        .unwrap();
    let table = stdout(&list);
    let row = table
        .lines()
        .find(|l| l.starts_with("team_mismatch"))
        .expect("listed");
    assert!(
        row.contains(&dir.display().to_string()),
        "source shown: {row}"
    );
}

#[test]
fn a_rule_named_in_cargo_toml_fires_live() {
    let dir = temp_dir("metadata");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("team-rules")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"team_app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [package.metadata.explain-async]\nrules = \"team-rules\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() {\n    let n: u32 = \"five\";\n}\n",
    )
    .unwrap();
    write_rule(&dir.join("team-rules"), "team_mismatch", TEAM_RULE);
    let out = bin()
        .args(["--format", "short", "--color", "never", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(101), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("= explain-async[team_mismatch]: our team's note on `u32`"),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn a_user_rule_replaces_a_builtin_and_says_so() {
    let dir = temp_dir("replace");
    let text = TEAM_RULE.replace("team_mismatch", "rc_held_across_await");
    write_rule(&dir, "rc_held_across_await", &text);
    let out = bin()
        .arg("--rules")
        .arg(&dir)
        .arg("--list-rules")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = stderr(&out);
    assert_eq!(
        err.matches("replaces the built-in rule").count(),
        1,
        "{err}"
    );
}

#[test]
fn broken_user_rules_are_one_clear_error_with_exit_2() {
    let cases: &[(&str, String, &str)] = &[
        (
            "bad_toml",
            TEAM_RULE
                .replace("team_mismatch", "bad_toml")
                .replace("level = \"error\"", "level = error"),
            ":7: front matter:",
        ),
        (
            "bad_regex",
            TEAM_RULE
                .replace("team_mismatch", "bad_regex")
                .replace("found']", "found(']"),
            ":9: match.labels: invalid regex",
        ),
        (
            "bad_placeholder",
            TEAM_RULE
                .replace("team_mismatch", "bad_placeholder")
                .replace("not a `{expected}`", "not a `{wanted}`"),
            ":18: section `What Rust is telling you` uses `{wanted}`",
        ),
        (
            "missing_section",
            TEAM_RULE
                .replace("team_mismatch", "missing_section")
                .replace(
                    "## In Python terms\nPython would only notice at run time.\n",
                    "",
                ),
            ":15: the body must have exactly the sections",
        ),
    ];
    for (id, text, expected) in cases {
        let dir = temp_dir(id);
        let path = write_rule(&dir, id, text);
        let out = bin()
            .arg("--rules")
            .arg(&dir)
            .arg("--list-rules")
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{id}: {err}");
        assert_eq!(err.lines().count(), 1, "{id}: one line: {err}");
        let prefix = format!("error: invalid rule {}{expected}", path.display());
        assert!(
            err.starts_with(&prefix),
            "{id}: expected `{prefix}…`, got {err}"
        );
    }
}

/// The worked example in README ("Team rules") is a valid rule and fires on a Send error
/// whose spawn function is the team's helper (a recorded stream with `tokio::spawn`
/// renamed), but not on the plain `tokio::spawn` one, which keeps the built-in rule.
#[test]
fn readme_team_rule_example_works() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let start = readme
        .find("````markdown\n")
        .expect("README has the team rule example")
        + "````markdown\n".len();
    let len = readme[start..].find("\n````\n").expect("example closed") + 1;
    let dir = temp_dir("readme-team-rule");
    write_rule(&dir, "rc_in_traced_task", &readme[start..start + len]);

    let original =
        std::fs::read_to_string(common::streams_dir().join("rc_held_across_await.jsonl")).unwrap();
    let renamed = original.replace(
        "required by a bound in `tokio::spawn`",
        "required by a bound in `tasks::spawn_traced`",
    );
    let stream = dir.join("traced.jsonl");
    std::fs::write(&stream, renamed).unwrap();
    let run = |path: &Path| {
        bin()
            .args(["--format", "short", "--rules"])
            .arg(&dir)
            .arg("--from")
            .arg(path)
            .output()
            .unwrap()
    };
    let out = run(&stream);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("= explain-async[rc_in_traced_task]: `request_count` is an `Rc`"),
        "{}",
        stdout(&out)
    );
    let out = run(&common::streams_dir().join("rc_held_across_await.jsonl"));
    assert!(
        stdout(&out).contains("= explain-async[rc_held_across_await]")
            && !stdout(&out).contains("rc_in_traced_task"),
        "{}",
        stdout(&out)
    );
}
