//! In-process benchmarks (divan): the cost of matching one diagnostic against the rulebook
//! as user rules that cannot match are added (issue 5: flat from 10 to 500 rules), and the
//! cost of classifying one line. `cargo bench --bench matching`; figures in BENCHMARKS.md.

#[path = "gen_rules.rs"]
mod gen_rules;

use std::path::PathBuf;
use std::sync::OnceLock;

use cargo_explain_async::diagnostic::{classify, Diagnostic, Event, Line};
use cargo_explain_async::matching::find;
use cargo_explain_async::rules::Rulebook;

fn main() {
    divan::main();
}

/// Every compiler message of the recorded fixture streams, classified once.
fn diagnostics() -> &'static [Diagnostic] {
    static CELL: OnceLock<Vec<Diagnostic>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut out = Vec::new();
        for line in recorded_lines() {
            if let Event::Diagnostic(d) = classify(Line { raw: line }) {
                out.push(*d);
            }
        }
        out
    })
}

fn recorded_lines() -> &'static [Vec<u8>] {
    static CELL: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/streams");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        files
            .iter()
            .flat_map(|f| {
                std::fs::read(f)
                    .unwrap()
                    .split_inclusive(|b| *b == b'\n')
                    .map(<[u8]>::to_vec)
                    .collect::<Vec<_>>()
            })
            .collect()
    })
}

/// The built-in rules plus `n` synthetic user rules that cannot match.
fn book(n: usize) -> Rulebook {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench/rules-{n}"));
    gen_rules::write_rules(n, &dir).unwrap();
    Rulebook::load(&[dir]).unwrap()
}

/// Matching every recorded diagnostic once; divan reports the time per diagnostic.
#[divan::bench(args = [0, 10, 100, 500])]
fn match_per_diagnostic(bencher: divan::Bencher, extra_rules: usize) {
    let book = book(extra_rules);
    let diagnostics = diagnostics();
    bencher
        .counter(divan::counter::ItemsCount::new(diagnostics.len()))
        .bench(|| {
            for d in diagnostics {
                divan::black_box(find(&book, divan::black_box(d)));
            }
        });
}

/// Classifying (parsing) every recorded line once, for scale: the floor of per-line work.
#[divan::bench]
fn classify_per_line(bencher: divan::Bencher) {
    let lines = recorded_lines();
    bencher
        .counter(divan::counter::ItemsCount::new(lines.len()))
        .bench(|| {
            for raw in lines {
                divan::black_box(classify(Line { raw }));
            }
        });
}
