//! What the tool keeps between runs: the `cargo metadata --no-deps` answer
//! (`src/cargo/cache.rs`), reused while nothing it was read from changed and asked for again
//! as soon as something did (a manifest's content, even at the same length, a new target
//! file, the cache turned off), and the source checks' findings per file
//! (`src/lints/memo.rs`), reused for unchanged files and found afresh in a changed one.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-explain-async");

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("crate/src")).unwrap();
    dir
}

/// How many times the stand-in cargo was asked for metadata so far.
fn metadata_runs(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| *l == "metadata")
        .count()
}

#[test]
fn metadata_is_reused_until_what_it_was_read_from_changes() {
    let dir = scratch("metadata-cache");
    let krate = dir.join("crate");
    let manifest = krate.join("Cargo.toml");
    std::fs::write(
        &manifest,
        "[package]\nname = \"cached\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(krate.join("src/main.rs"), "fn main() {}\n").unwrap();
    // A cargo that logs what it was asked and hands everything to the real one.
    let log = dir.join("log");
    let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let stand_in = dir.join("cargo");
    std::fs::write(
        &stand_in,
        format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\nexec '{real}' \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = |no_cache: bool| {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(&krate)
            .env("CARGO", &stand_in)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("CARGO_TARGET_DIR", dir.join("target"))
            .env_remove("CARGO_EXPLAIN_ASYNC_NO_CACHE");
        if no_cache {
            cmd.env("CARGO_EXPLAIN_ASYNC_NO_CACHE", "1");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        metadata_runs(&log)
    };
    assert_eq!(run(false), 1, "the first run asks cargo");
    assert_eq!(run(false), 1, "nothing changed: the answer is reused");
    assert!(
        std::fs::read_dir(dir.join("cache/cargo-explain-async/metadata"))
            .unwrap()
            .count()
            > 0
    );
    // Same length, new content: a version bump.
    std::fs::write(
        &manifest,
        "[package]\nname = \"cached\"\nversion = \"0.2.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    assert_eq!(run(false), 2, "a changed manifest is read again");
    assert_eq!(run(false), 2);
    // A new integration test is a new target, though no manifest changed.
    std::fs::create_dir_all(krate.join("tests")).unwrap();
    std::fs::write(krate.join("tests/it.rs"), "#[test]\nfn t() {}\n").unwrap();
    assert_eq!(run(false), 3, "a new target file is seen");
    assert_eq!(run(false), 3);
    // A build script added to the package directory.
    std::fs::write(krate.join("build.rs"), "fn main() {}\n").unwrap();
    assert_eq!(run(false), 4, "a new build script is seen");
    // A config file on the way up from the current directory.
    std::fs::create_dir_all(krate.join(".cargo")).unwrap();
    std::fs::write(krate.join(".cargo/config.toml"), "[build]\n").unwrap();
    assert_eq!(run(false), 5, "a new cargo config is seen");
    assert_eq!(run(false), 5);
    assert_eq!(run(true), 6, "CARGO_EXPLAIN_ASYNC_NO_CACHE turns it off");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn source_check_findings_are_reused_only_for_unchanged_files() {
    let dir = scratch("lints-memo");
    let krate = dir.join("crate");
    std::fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"memo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    let main = krate.join("src/main.rs");
    let one = "mod slow;\nfn main() {}\n";
    std::fs::write(&main, one).unwrap();
    let sleepy = |n: usize| {
        let mut text = String::from("pub async fn nap() {\n");
        for _ in 0..n {
            text.push_str("    std::thread::sleep(std::time::Duration::from_millis(1));\n");
        }
        text.push_str("}\n");
        text
    };
    std::fs::write(krate.join("src/slow.rs"), sleepy(1)).unwrap();
    let cache = dir.join("cache");
    let run = || {
        let out = Command::new(BIN)
            .args(["--format", "short"])
            .current_dir(&krate)
            .env("XDG_CACHE_HOME", &cache)
            .env("CARGO_TARGET_DIR", dir.join("target"))
            .env_remove("CARGO_EXPLAIN_ASYNC_NO_CACHE")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let findings = text
            .lines()
            .filter(|l| l.contains("src/slow.rs") && l.contains("blocking"))
            .count();
        (text, findings)
    };
    let memo_file = || {
        let dir = cache.join("cargo-explain-async/lints");
        let files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert_eq!(files.len(), 1, "one memo for the workspace: {files:?}");
        std::fs::read(&files[0]).unwrap()
    };
    let (first, n) = run();
    assert_eq!(n, 1, "{first}");
    let memo = memo_file();
    let (second, n) = run();
    assert_eq!(second, first, "the memo gives the same output");
    assert_eq!(n, 1);
    assert_eq!(
        memo_file(),
        memo,
        "nothing changed: the memo is not rewritten"
    );
    // A changed file is checked again: its second blocking call is found.
    std::fs::write(krate.join("src/slow.rs"), sleepy(2)).unwrap();
    let (third, n) = run();
    assert_eq!(n, 2, "{third}");
    assert_ne!(memo_file(), memo);
    // A module the memo never saw (reached from a changed root) is read too.
    std::fs::write(&main, "mod slow;\nmod more;\nfn main() {}\n").unwrap();
    std::fs::write(
        krate.join("src/more.rs"),
        "pub async fn more() {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n}\n",
    )
    .unwrap();
    let (fourth, _) = run();
    assert!(
        fourth
            .lines()
            .any(|l| l.contains("src/more.rs") && l.contains("blocking")),
        "{fourth}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
