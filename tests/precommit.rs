//! The pre-commit hook (`.pre-commit-hooks.yaml`) with the real `pre-commit` from PyPI,
//! installed by this test into a venv under cargo's test tmpdir (`target/tmp/precommit`), run
//! with `pre-commit run` and a config naming this repository at its current commit (what a
//! user of the published hook writes, with the repository's path for its URL) against
//! throwaway git repositories:
//! - a staged crate with an async mistake fails the hook, with the explanation in the output;
//! - the fixed crate passes;
//! - a commit that touches neither Rust sources nor Cargo files skips the hook.
//!
//! The same cases run with `pre-commit run` on the `repo: local` recipe, taken from README
//! (so the README cannot drift from what is tested), over the tool as `cargo install` puts it
//! on PATH (here: the binary cargo built for these tests); its settings must equal the
//! hook's in `.pre-commit-hooks.yaml`.
//!
//! pre-commit builds the hook with `cargo install` (release) once per commit of this
//! repository, into its store under `target/tmp/precommit`; the builds share one target dir
//! (`target/tmp/precommit/target-remote`), so a new commit rebuilds only this crate.

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

/// `pre-commit <args>` in `dir`, with `path_prefix` put in front of `PATH`. Each `case` gets a
/// pre-commit home and a target dir of its own: the tests run at once, and every throwaway
/// crate is the same package (`habits`), so one test's build in a shared target dir could
/// make cargo take another's just-written source for already checked.
fn run_pre_commit(
    case: &str,
    dir: &Path,
    args: &[&std::ffi::OsStr],
    path_prefix: Option<&Path>,
) -> (Option<i32>, String) {
    let mut cmd = Command::new(pre_commit());
    cmd.args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", work().join(format!("home-{case}")))
        .env("CARGO_TARGET_DIR", work().join(format!("target-{case}")))
        .env("CARGO_TERM_COLOR", "never");
    // Variables cargo sets for this test binary are not the hook's business.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if (key.starts_with("CARGO_") && key != "CARGO_HOME") || key.starts_with("RUST_") {
            cmd.env_remove(&key);
        }
    }
    if let Some(prefix) = path_prefix {
        let mut path = vec![prefix.to_path_buf()];
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        cmd.env("PATH", std::env::join_paths(path).unwrap());
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

/// The config a user of the published hook writes: this repository (by its path, as pre-commit
/// accepts any git URL) at its current commit, hook `explain-async`.
fn remote_recipe() -> String {
    let repo = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("git")
        .args(["-C", repo, "rev-parse", "HEAD"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "this test needs the repository's git history"
    );
    let rev = String::from_utf8(out.stdout).unwrap();
    format!(
        "repos:\n  - repo: {repo}\n    rev: {}\n    hooks:\n      - id: explain-async\n",
        rev.trim()
    )
}

/// `pre-commit run` with [`remote_recipe`] on what is staged in `dir`. pre-commit clones the
/// repository and builds the hook once per commit into its store (`PRE_COMMIT_HOME`, kept
/// under the test tmpdir), so the three runs of a case, and later test runs at the same
/// commit, share one `cargo install`. (`pre-commit try-repo` would clone and build it again
/// into a throwaway store for every run: about 5 of `cargo test`'s 8 minutes.)
fn run_remote(dir: &Path) -> (Option<i32>, String) {
    run_pre_commit("remote", dir, &["run".as_ref()], None)
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

/// A throwaway git repository with the mistake staged (and `files` written too).
fn staged_repo(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let repo = work().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(repo.join("src")).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("Cargo.toml"), MANIFEST).unwrap();
    std::fs::write(repo.join("src/main.rs"), MISTAKE).unwrap();
    for (path, text) in files {
        std::fs::write(repo.join(path), text).unwrap();
    }
    git(&repo, &["add", "-A"]);
    repo
}

/// The three cases on `repo` (made by [`staged_repo`]), with `run` running the hook.
fn fails_then_passes_then_skips(repo: &Path, run: impl Fn(&Path) -> (Option<i32>, String)) {
    let (code, out) = run(repo);
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
    git(repo, &["add", "-A"]);
    let (code, out) = run(repo);
    assert_eq!(code, Some(0), "the fixed crate passes:\n{out}");
    assert!(
        out.contains("Passed") && !out.contains("explain-async["),
        "{out}"
    );

    // Only a README staged: nothing the build depends on, the hook is skipped.
    git(repo, &["commit", "-q", "-m", "fixed"]);
    std::fs::write(repo.join("README.md"), "notes\n").unwrap();
    git(repo, &["add", "README.md"]);
    let (code, out) = run(repo);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("(no files to check)Skipped"), "{out}");

    let _ = std::fs::remove_dir_all(repo);
}

#[test]
fn pre_commit_hook_fails_on_an_async_mistake_and_passes_when_fixed() {
    let recipe = remote_recipe();
    let repo = staged_repo("repo", &[(".pre-commit-config.yaml", recipe.as_str())]);
    fails_then_passes_then_skips(&repo, run_remote);
}

/// README's `repo: local` recipe (the only YAML block there with `repo: local`).
fn local_recipe_from_readme() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| b.contains("repo: local"))
        .collect();
    assert_eq!(blocks.len(), 1, "README shows one `repo: local` recipe");
    blocks[0].to_string()
}

/// The value of `key:` in a pre-commit YAML file (first occurrence, comment removed).
fn setting<'y>(yaml: &'y str, key: &str) -> Option<&'y str> {
    yaml.lines().find_map(|line| {
        let line = line.trim_start().trim_start_matches("- ");
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        Some(value.split(" #").next().unwrap_or("").trim())
    })
}

#[test]
fn readme_local_recipe_fails_on_an_async_mistake_and_passes_when_fixed() {
    let recipe = local_recipe_from_readme();
    let hooks = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    for key in [
        "id",
        "name",
        "entry",
        "args",
        "pass_filenames",
        "require_serial",
        "files",
    ] {
        assert_eq!(
            setting(&recipe, key),
            setting(&hooks, key),
            "`{key}` differs"
        );
        assert!(setting(&recipe, key).is_some(), "`{key}` is missing");
    }
    assert_eq!(setting(&recipe, "language"), Some("system"));

    // Where `cargo install` would put the tool: on PATH.
    let installed = Path::new(env!("CARGO_BIN_EXE_cargo-explain-async"))
        .parent()
        .unwrap()
        .to_path_buf();
    let repo = staged_repo("local", &[(".pre-commit-config.yaml", recipe.as_str())]);
    fails_then_passes_then_skips(&repo, |dir| {
        run_pre_commit("local", dir, &["run".as_ref()], Some(&installed))
    });
}
