//! Writes a large, realistic `cargo check --message-format=json` stream for the benchmarks
//! (BENCHMARKS.md, `scripts/bench.sh`), built from the recorded fixture streams in
//! `tests/streams/*.jsonl`.
//!
//! ```text
//! cargo run --release --example gen_stream -- [--messages N] [--out PATH]
//! ```
//!
//! The stream cycles through every recorded `compiler-message` (explained ones and the near
//! misses and controls that no rule explains), with a `compiler-artifact` line after every few
//! messages the way cargo interleaves finished crates, and ends with `build-finished`. The
//! recorded placeholders (`[ROOT]`, `[CARGO_HOME]`, `[SYSROOT]`) become realistic absolute
//! paths, and every copy of a message names its own package, so no two copies are identical.
//! The result is deterministic (no randomness), so runs are comparable.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

fn main() -> io::Result<()> {
    let mut messages_wanted: usize = 60_000;
    let mut out_path = PathBuf::from("target/bench/stream.jsonl");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--messages" => {
                messages_wanted = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| io::Error::other("--messages needs a number"))?;
            }
            "--out" => {
                out_path = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or_else(|| io::Error::other("--out needs a path"))?;
            }
            other => return Err(io::Error::other(format!("unknown argument `{other}`"))),
        }
    }

    let streams = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/streams");
    let mut files: Vec<PathBuf> = fs::read_dir(&streams)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();

    let mut messages = Vec::new();
    let mut artifacts = Vec::new();
    let mut finished = None;
    for path in &files {
        for line in fs::read_to_string(path)?.lines() {
            let line = line
                .replace("[ROOT]", "/home/dev/src/shop-backend")
                .replace("[CARGO_HOME]", "/home/dev/.cargo")
                .replace(
                    "[SYSROOT]",
                    "/home/dev/.rustup/toolchains/stable-x86_64-unknown-linux-gnu",
                );
            if line.contains(r#""reason":"compiler-message""#) {
                messages.push(line);
            } else if line.contains(r#""reason":"compiler-artifact""#) {
                artifacts.push(line);
            } else if line.contains(r#""reason":"build-finished""#) {
                finished = Some(line);
            }
        }
    }
    if messages.is_empty() || artifacts.is_empty() {
        return Err(io::Error::other(format!(
            "no recorded streams found in {}",
            streams.display()
        )));
    }

    if let Some(dir) = out_path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut out = BufWriter::with_capacity(1 << 20, fs::File::create(&out_path)?);
    let mut bytes = 0usize;
    let mut lines = 0usize;
    for i in 0..messages_wanted {
        let round = i / messages.len();
        let msg = &messages[i % messages.len()];
        // A distinct package per round (`"package_id":"path+file://…/<name>#0.0.0"` gets a
        // round suffix on the name, as in a workspace with many members)
        // and its own source file, so every copy points at a different place (the human
        // format shows a repeat at the same place as a two-line reminder, which would
        // flatter it).
        let line = msg
            .replacen("#0.0.0\"", &format!("-r{round}#0.0.0\""), 1)
            .replace("/src/main.rs", &format!("/src/round_{round}.rs"))
            .replace("/src/lib.rs", &format!("/src/round_{round}.rs"));
        bytes += line.len() + 1;
        lines += 1;
        writeln!(out, "{line}")?;
        if i % 4 == 3 {
            let artifact = &artifacts[(i / 4) % artifacts.len()];
            let line = artifact.replacen("#0.0.0\"", &format!("-r{round}#0.0.0\""), 1);
            bytes += line.len() + 1;
            lines += 1;
            writeln!(out, "{line}")?;
        }
    }
    let done = finished.unwrap_or_else(|| r#"{"reason":"build-finished","success":false}"#.into());
    bytes += done.len() + 1;
    lines += 1;
    writeln!(out, "{done}")?;
    out.flush()?;
    eprintln!(
        "wrote {}: {lines} lines, {messages_wanted} compiler messages, {:.1} MB",
        out_path.display(),
        bytes as f64 / 1e6
    );
    Ok(())
}
