//! The source checks run on a thread of their own while cargo builds, so they add nothing to
//! the wall time of a real build; their lines join the stream just before cargo's
//! `build-finished` line.

use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

use super::workspace;
use crate::cargo::args::CargoArgs;

/// syn recurses on nesting; a big stack keeps pathological sources from overflowing it.
const STACK: usize = 64 * 1024 * 1024;

/// The source checks, running.
pub struct Running(Option<JoinHandle<Option<workspace::Outcome>>>);

/// What the source checks found.
#[derive(Default)]
pub struct Results {
    /// Their compiler-message lines, to be matched and rendered like cargo's.
    pub lines: Vec<String>,
    /// How many findings those lines carry (`--deny-lints`).
    pub findings: usize,
    /// Notes for stderr (a file that could not be read, …).
    pub notes: Vec<String>,
}

/// Starts the source checks: the members and their targets from `cargo metadata --no-deps`
/// (received from the project context's thread), then every file they compile. A dropped
/// sender means the checks cannot run (cargo metadata failed: cargo check will say why).
pub fn start(
    metadata: mpsc::Receiver<Arc<cargo_metadata::Metadata>>,
    cargo: CargoArgs,
    ansi: bool,
) -> Running {
    let handle = std::thread::Builder::new()
        .name("explain-async-lints".into())
        .stack_size(STACK)
        .spawn(move || {
            let metadata = metadata.recv().ok()?;
            let cwd = std::env::current_dir().ok()?;
            let jobs = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
            Some(workspace::run_for(&metadata, &cargo, &cwd, ansi, jobs))
        })
        .ok();
    Running(handle)
}

impl Running {
    /// Waits for the checks. A thread that panicked yields a note and no lines.
    pub fn finish(self) -> Results {
        let empty = |notes| Results {
            lines: Vec::new(),
            findings: 0,
            notes,
        };
        match self.0.map(|h| h.join()) {
            Some(Ok(Some(outcome))) => Results {
                lines: outcome.lines,
                findings: outcome.findings,
                notes: outcome.notes,
            },
            Some(Err(_)) => empty(vec![
                "the source checks stopped unexpectedly; their findings are missing".into(),
            ]),
            _ => empty(Vec::new()),
        }
    }
}
