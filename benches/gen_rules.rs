//! Writes `N` synthetic user rules that can never match a real diagnostic, for the rule
//! scaling benchmark (BENCHMARKS.md): `cargo run --release --example gen_rules -- N DIR`.
//!
//! They are built to be as expensive as real rules for the prefilter: a third name no code
//! (so they join every code's candidate set), the rest name codes rustc really uses for the
//! async errors in the stream (`E0277`, `E0308`, `E0599`, …), and every one has a message
//! regex, a child regex and a label regex. The message regexes are distinct phrases rustc
//! never prints, so the `RegexSet` rejects them and the other conditions are never run.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// Codes of the recorded stream's diagnostics, so coded synthetic rules land in the same
/// candidate buckets as the real ones.
const CODES: &[&str] = &[
    "E0277",
    "E0308",
    "E0599",
    "E0373",
    "E0597",
    "E0521",
    "E0282",
    "E0609",
    "E0369",
    "unused_must_use",
];

/// The text of synthetic rule number `i`.
pub fn rule_text(i: usize) -> String {
    let id = format!("synthetic_rule_{i:04}");
    let mut text = String::new();
    let _ = writeln!(text, "+++");
    let _ = writeln!(text, "id = \"{id}\"");
    let _ = writeln!(text, "title = \"Synthetic rule {i} about `{{thing}}`\"");
    let _ = writeln!(
        text,
        "summary = \"A rule that never matches, for benchmarks.\""
    );
    let _ = writeln!(text, "priority = {}", i % 7);
    let _ = writeln!(text, "\n[match]\nlevel = \"error\"");
    if i % 3 != 0 {
        let _ = writeln!(text, "code = \"{}\"", CODES[i % CODES.len()]);
    }
    let _ = writeln!(
        text,
        "message = 'synthetic condition {i} (?:was|is) not (?P<thing>[a-z]+) satisfied'"
    );
    let _ = writeln!(text, "children = ['required by synthetic bound {i}']");
    let _ = writeln!(text, "labels = ['synthetic label {i} `(?P<other>[^`]+)`']");
    let _ = writeln!(
        text,
        "\n[[links]]\ntitle = \"Example\"\nurl = \"https://example.com/rules/{i}\""
    );
    let _ = writeln!(text, "+++");
    let _ = writeln!(
        text,
        "## In Python terms\n\nLike nothing in asyncio, rule {i}.\n"
    );
    let _ = writeln!(
        text,
        "## What Rust is telling you\n\nNothing; `{{thing}}`.\n"
    );
    let _ = writeln!(
        text,
        "## Fix\n\n1. Nothing to fix.\n   ```rust\n   let x = {i};\n   ```"
    );
    text
}

/// Writes rules `0..n` into `dir` (created, emptied of earlier `.md` files first).
pub fn write_rules(n: usize, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "md") {
            std::fs::remove_file(path)?;
        }
    }
    for i in 0..n {
        std::fs::write(dir.join(format!("synthetic_rule_{i:04}.md")), rule_text(i))?;
    }
    Ok(())
}

#[allow(
    dead_code,
    reason = "also compiled into the divan bench, which has its own main"
)]
fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| io::Error::other("usage: gen_rules N DIR"))?;
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| format!("target/bench/rules-{n}")),
    );
    write_rules(n, &dir)?;
    eprintln!("wrote {n} synthetic rules to {}", dir.display());
    Ok(())
}
