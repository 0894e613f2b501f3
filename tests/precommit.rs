//! The pre-commit hook (`.pre-commit-hooks.yaml`) with the real `pre-commit` from PyPI,
//! installed by this test into a venv under cargo's test tmpdir (`target/tmp/precommit`), run
//! with `pre-commit try-repo` against throwaway git repositories:
//! - a staged crate with an async mistake fails the hook, with the explanation in the output;
//! - the fixed crate passes;
//! - a commit that touches neither Rust sources nor Cargo files skips the hook.
//!
//! pre-commit builds the hook with `cargo install` (release). The build shares one target dir
//! (`target/tmp/precommit/target`): about 1.5 min the first time on two cores, about 20 s
//! after that (measured, see README "pre-commit").

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PRE_COMMIT: &str = "pre-commit==4.7.0";

fn work() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("precommit")
}

/// `pre-commit` from PyPI in a venv of our own (created once, reused).
fn pre_commit() -> PathBuf {
    let venv = work().join("venv");
    let exe = venv.join("bin/pre-commit");
    if exe.exists() {
        return exe;
    }
    std::fs::create_dir_all(work()).unwrap();
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .unwrap_or_else(|e| panic!("{python} is needed to install pre-commit: {e}"));
    assert!(
        out.status.success(),
        "venv: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", PRE_COMMIT])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pip install {PRE_COMMIT}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=explain-async test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `pre-commit try-repo <this repository> explain-async` on what is staged in `dir`.
fn try_repo(dir: &Path) -> (Option<i32>, String) {
    let mut cmd = Command::new(pre_commit());
    cmd.arg("try-repo")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("explain-async")
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", work().join("home"))
        .env("CARGO_TARGET_DIR", work().join("target"))
        .env("CARGO_TERM_COLOR", "never");
    // Variables cargo sets for this test binary are not the hook's business.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if (key.starts_with("CARGO_") && key != "CARGO_HOME") || key.starts_with("RUST_") {
            cmd.env_remove(&key);
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    (status.code(), text)
}

const MANIFEST: &str =
    "[package]\nname = \"habits\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n";

/// A spawn with Tokio's bound, so the crate needs no dependency (and no network).
const MISTAKE: &str = r#"use std::future::Future;
use std::rc::Rc;

fn spawn<F: Future + Send + 'static>(task: F) {
    drop(task);
}

async fn pause() {}

fn main() {
    spawn(async {
        let visits = Rc::new(1);
        pause().await;
        println!("{visits}");
    });
}
"#;

#[test]
fn pre_commit_hook_fails_on_an_async_mistake_and_passes_when_fixed() {
    let repo = work().join(format!("repo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(repo.join("src")).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("Cargo.toml"), MANIFEST).unwrap();
    std::fs::write(repo.join("src/main.rs"), MISTAKE).unwrap();
    git(&repo, &["add", "-A"]);

    let (code, out) = try_repo(&repo);
    assert_eq!(code, Some(1), "the hook fails on the mistake:\n{out}");
    assert!(
        out.contains("cargo explain-async....") && out.contains("Failed"),
        "{out}"
    );
    assert!(
        out.contains("src/main.rs:11:5: error: future cannot be sent between threads safely"),
        "{out}"
    );
    assert!(
        out.contains(
            "= explain-async[rc_held_across_await]: `visits` holds an `Rc` across an `.await`"
        ),
        "the explanation is shown:\n{out}"
    );

    let fixed = MISTAKE
        .replace("std::rc::Rc", "std::sync::Arc")
        .replace("Rc::new", "Arc::new");
    std::fs::write(repo.join("src/main.rs"), fixed).unwrap();
    git(&repo, &["add", "-A"]);
    let (code, out) = try_repo(&repo);
    assert_eq!(code, Some(0), "the fixed crate passes:\n{out}");
    assert!(
        out.contains("Passed") && !out.contains("explain-async["),
        "{out}"
    );

    // Only a README staged: nothing the build depends on, the hook is skipped.
    git(&repo, &["commit", "-q", "-m", "fixed"]);
    std::fs::write(repo.join("README.md"), "notes\n").unwrap();
    git(&repo, &["add", "README.md"]);
    let (code, out) = try_repo(&repo);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("(no files to check)Skipped"), "{out}");

    let _ = std::fs::remove_dir_all(&repo);
}
