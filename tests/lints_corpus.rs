//! Precision and cost of the source checks on real code (ignored by default: it needs crate
//! sources on disk). Every `.rs` file under each directory (src, examples, tests, benches;
//! never `target/`) goes through the checks with `#[cfg(test)]` code included, and the test
//! prints per-directory counts, every finding, and files/s and MB/s.
//!
//! ```sh
//! LINT_CORPUS="$HOME/.cargo/registry/src/*/tokio-1.54.1 …" \
//!   cargo test --release --test integration lints_corpus -- --ignored --nocapture
//! ```
//! (`LINT_CORPUS` is a space-separated list of directories; globs are expanded by the shell.)
//! With `LINT_CORPUS_DEFAULT=1`, only what a default `cargo check` compiles is read: `src/`
//! without `#[cfg(test)]` code.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cargo_explain_async::lints::analyze_source;

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
#[ignore = "needs LINT_CORPUS directories of crate sources"]
fn corpus() {
    let Ok(dirs) = std::env::var("LINT_CORPUS") else {
        eprintln!("LINT_CORPUS is not set; nothing to do");
        return;
    };
    let default_only = std::env::var_os("LINT_CORPUS_DEFAULT").is_some();
    let (mut all_files, mut all_bytes, mut all_time) = (0usize, 0usize, Duration::ZERO);
    for dir in dirs.split_whitespace() {
        let dir = Path::new(dir);
        let mut files = Vec::new();
        if default_only {
            rs_files(&dir.join("src"), &mut files);
        } else {
            rs_files(dir, &mut files);
        }
        files.sort();
        let texts: Vec<(PathBuf, String)> = files
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
            .collect();
        let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
        let start = Instant::now();
        let mut findings = Vec::new();
        let mut unparsed = 0;
        for (path, text) in &texts {
            match analyze_source(text, !default_only) {
                Ok(report) => {
                    for f in report.findings {
                        let rel = path.strip_prefix(dir).unwrap_or(path).display().to_string();
                        findings.push(format!(
                            "  {rel}:{} {}: {}",
                            f.primary().lo.line,
                            f.check,
                            f.message
                        ));
                    }
                }
                Err(_) => unparsed += 1,
            }
        }
        let elapsed = start.elapsed();
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "{name}: {} files ({unparsed} unparsed), {:.1} MB, {:.0} ms, {} findings",
            texts.len(),
            bytes as f64 / 1e6,
            elapsed.as_secs_f64() * 1e3,
            findings.len()
        );
        for f in &findings {
            println!("{f}");
        }
        all_files += texts.len();
        all_bytes += bytes;
        all_time += elapsed;
    }
    let secs = all_time.as_secs_f64().max(1e-9);
    println!(
        "total: {all_files} files, {:.1} MB in {:.0} ms on one thread: {:.0} files/s, {:.1} MB/s",
        all_bytes as f64 / 1e6,
        secs * 1e3,
        all_files as f64 / secs,
        all_bytes as f64 / 1e6 / secs
    );
}

/// The cost of the whole pass as a run pays it (`workspace::run`: `cargo metadata`'s targets,
/// module discovery, reading, parsing, every check, JSON lines), on each workspace named by
/// `LINT_WORKSPACE` (space-separated manifest paths), as a plain `cargo explain-async
/// --workspace` reads them (lib and bins), with the worker count the tool uses.
/// Prints the median and the fastest of `LINT_RUNS` runs (default 30) after one warm-up.
///
/// ```sh
/// LINT_WORKSPACE="tests/fixtures/Cargo.toml /tmp/mini-redis/Cargo.toml" \
///   cargo test --release --test lints_corpus workspace_cost -- --ignored --nocapture
/// ```
#[test]
#[ignore = "needs LINT_WORKSPACE manifests"]
fn workspace_cost() {
    let Ok(manifests) = std::env::var("LINT_WORKSPACE") else {
        eprintln!("LINT_WORKSPACE is not set; nothing to do");
        return;
    };
    let runs: usize = std::env::var("LINT_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    for manifest in manifests.split_whitespace() {
        let manifest = std::fs::canonicalize(manifest).expect("manifest exists");
        let args = vec![
            "--manifest-path".to_string(),
            manifest.to_string_lossy().into_owned(),
            "--workspace".to_string(),
        ];
        let metadata = cargo_explain_async::cargo::metadata::load(&args, false).expect("metadata");
        let cwd = manifest.parent().expect("a manifest has a directory");
        let run = || cargo_explain_async::lints::workspace::run(&metadata, &args, cwd, false, jobs);
        let first = run();
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                let outcome = run();
                let took = start.elapsed();
                assert_eq!(outcome.findings, first.findings);
                took
            })
            .collect();
        times.sort();
        println!(
            "{}: {} files, {} findings, {jobs} jobs: median {:.2} ms, fastest {:.2} ms ({runs} runs)",
            manifest.display(),
            first.files,
            first.findings,
            times[runs / 2].as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
        );
    }
}
