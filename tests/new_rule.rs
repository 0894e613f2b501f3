//! `scripts/new-rule`, run into a scratch checkout with `--root`: the rule file it writes
//! parses as it is, loads as a rule directory, and matches nothing rustc printed in any
//! recorded stream; the two fixture crates follow the fixtures workspace's conventions and
//! are members of it by its glob. A used or malformed name is one `error:` line, exit status
//! 2, and nothing written.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use cargo_explain_async::diagnostic::{classify, Event, Line};
use cargo_explain_async::rules::parse::parse_rule;
use cargo_explain_async::rules::{Origin, Rulebook};

/// A checkout with what the script needs: `explanations/` (holding one real rule, to be
/// refused) and the fixtures workspace's `Cargo.toml`.
fn scratch_checkout() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "new-rule-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("explanations")).unwrap();
    std::fs::create_dir_all(root.join("tests/fixtures")).unwrap();
    std::fs::copy(
        common::repo().join("explanations/rc_held_across_await.md"),
        root.join("explanations/rc_held_across_await.md"),
    )
    .unwrap();
    std::fs::copy(
        common::fixtures_dir().join("Cargo.toml"),
        root.join("tests/fixtures/Cargo.toml"),
    )
    .unwrap();
    root
}

fn new_rule(root: &Path, name: &str) -> Output {
    Command::new(common::repo().join("scripts/new-rule"))
        .arg("--root")
        .arg(root)
        .arg(name)
        .output()
        .unwrap()
}

/// Every path under `dir`, relative to it.
fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            out.insert(path.strip_prefix(dir).unwrap().to_path_buf());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

#[cfg(unix)]
#[test]
fn scaffolds_a_rule_that_parses_and_fixtures_that_are_members() {
    let name = "shiny_new_mistake";
    let near_miss = format!("{name}__near_miss");
    let root = scratch_checkout();
    let out = new_rule(&root, name);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The next steps: record both streams, regenerate the README table.
    assert!(
        stdout.contains(&format!("scripts/record-streams.sh {name} {near_miss}")),
        "{stdout}"
    );
    assert!(stdout.contains("UPDATE_README=1 cargo test"), "{stdout}");

    // The rule parses as written, and loads like any rule directory.
    let path = root.join(format!("explanations/{name}.md"));
    let text = std::fs::read_to_string(&path).unwrap();
    let rule =
        parse_rule(&text, name, Origin::File(path.clone())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rule.id, name);
    assert!(!rule.links.is_empty());
    for section in [&rule.body.python, &rule.body.rust, &rule.body.fix] {
        assert!(section.contains(common::SCAFFOLD_PLACEHOLDER), "{section}");
    }
    let book = Rulebook::load(&[root.join("explanations")]).unwrap_or_else(|e| panic!("{e}"));
    assert!(book.get(name).is_some());
    // Until its author writes rustc's words, it fires on nothing.
    let message = rule
        .message
        .as_ref()
        .expect("the scaffold has a message regex");
    let mut diagnostics = 0;
    for entry in std::fs::read_dir(common::streams_dir()).unwrap() {
        let stream = entry.unwrap().path();
        if stream.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        for raw in std::fs::read(&stream)
            .unwrap()
            .split_inclusive(|b| *b == b'\n')
        {
            if let Event::Diagnostic(d) = classify(Line { raw }) {
                diagnostics += 1;
                assert!(
                    !message.is_match(&d.rustc.message),
                    "{}: the placeholder matches `{}`",
                    stream.display(),
                    d.rustc.message
                );
            }
        }
    }
    assert!(diagnostics > 100, "only {diagnostics} recorded diagnostics");

    // The trigger carries one marker, the near miss none.
    let fixtures = root.join("tests/fixtures");
    let marker = format!("// explain-async: {name}");
    let count = |crate_dir: &str| {
        std::fs::read_to_string(fixtures.join(crate_dir).join("src/main.rs"))
            .unwrap()
            .lines()
            .filter(|l| l.trim_end().ends_with(&marker))
            .count()
    };
    assert_eq!(count(name), 1);
    assert_eq!(count(&near_miss), 0);

    // Both crates are members by the workspace's glob, named after their directories, with
    // tokio from [workspace.dependencies] (features = ["full"]).
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(fixtures.join("Cargo.toml"))
        .no_deps()
        .exec()
        .unwrap_or_else(|e| panic!("cargo metadata: {e}"));
    let mut members: Vec<(String, String)> = metadata
        .workspace_packages()
        .iter()
        .map(|p| {
            let dir = p.manifest_path.parent().unwrap().file_name().unwrap();
            assert_eq!(p.name.as_str(), dir, "package name = directory name");
            assert_eq!(p.publish, Some(vec![]), "{dir}: publish = false");
            let deps: Vec<_> = p.dependencies.iter().map(|d| d.name.as_str()).collect();
            assert_eq!(deps, ["tokio"], "{dir}");
            assert!(p.dependencies[0].features.iter().any(|f| f == "full"));
            (p.name.to_string(), p.version.to_string())
        })
        .collect();
    members.sort();
    assert_eq!(
        members,
        [
            (name.to_string(), "0.0.0".to_string()),
            (near_miss.clone(), "0.0.0".to_string())
        ]
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[cfg(unix)]
#[test]
fn refuses_used_and_malformed_names() {
    let root = scratch_checkout();
    // A fixture directory alone is enough to make the name used.
    std::fs::create_dir_all(root.join("tests/fixtures/taken_by_fixture__variant")).unwrap();
    std::fs::create_dir_all(root.join("tests/fixtures/taken_by_fixture")).unwrap();
    let before = tree(&root);
    let cases = [
        (
            "rc_held_across_await",
            "already exists: explanations/rc_held_across_await.md",
        ),
        (
            "taken_by_fixture",
            "already exists: tests/fixtures/taken_by_fixture",
        ),
        ("NotSnake", "is not a snake_case rule id"),
        ("two__parts", "is not a snake_case rule id"),
        ("trailing_", "is not a snake_case rule id"),
        ("9lives", "is not a snake_case rule id"),
        ("has-dash", "is not a snake_case rule id"),
        ("", "no rule name given"),
    ];
    for (name, expected) in cases {
        let out = new_rule(&root, name);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "`{name}`: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "`{name}`: one line: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expected),
            "`{name}`: expected `{expected}`, got {stderr}"
        );
        assert!(out.stdout.is_empty(), "`{name}`");
    }
    assert_eq!(tree(&root), before, "a refused name wrote something");
    let _ = std::fs::remove_dir_all(&root);
}
