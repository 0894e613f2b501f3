//! What the source checks found in each file, kept between runs: a file whose text, and
//! everything else its findings depend on, is unchanged is not parsed again. Parsing every
//! file with syn was most of what the tool added to a no-op `cargo check` (BENCHMARKS.md).
//!
//! One memo file per workspace and invocation shape, beside the metadata cache
//! ([`crate::cargo::cache::base_dir`]), in `lints/`. An entry is keyed by a hash of our
//! version, the file's text, the file's name and path, its package and target, the allow list,
//! whether `#[cfg(test)]` code is read and whether colors are asked for; it holds the file's
//! `mod` declarations and its finished compiler-message lines. Which files the `mod`
//! declarations lead to is still worked out from the file system on every run. Only the
//! entries a run used are written back, so the memo holds one workspace's files at most.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::walker::ModDecl;

/// One file, as a run found it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// `None`: the file did not parse (rustc reports it).
    pub parsed: Option<Parsed>,
}

/// A file that parsed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Parsed {
    pub modules: Vec<ModDecl>,
    /// `(line, column, index in Check::ALL, compiler-message line)` per finding kept.
    pub findings: Vec<(usize, usize, usize, String)>,
}

/// The memo of one run.
#[derive(Default)]
pub struct Memo {
    file: Option<PathBuf>,
    old: HashMap<String, Entry>,
    used: Mutex<HashMap<String, Entry>>,
    changed: AtomicBool,
}

impl Memo {
    /// The memo for `workspace_root` and `shape` (what else distinguishes the run: the
    /// arguments that select files). No memo when the cache is off or unreadable.
    pub fn open(workspace_root: &Path, shape: &[&str]) -> Memo {
        let Some(dir) = crate::cargo::cache::base_dir() else {
            return Memo::default();
        };
        let mut parts = vec![env!("CARGO_PKG_VERSION"), "lints"];
        let root = workspace_root.to_string_lossy();
        parts.push(&root);
        parts.extend_from_slice(shape);
        let file = dir
            .join("lints")
            .join(format!("{}.json", crate::hash::fnv128_hex(&parts)));
        let old = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Memo {
            file: Some(file),
            old,
            used: Mutex::default(),
            changed: AtomicBool::new(false),
        }
    }

    /// The key of a file's entry from everything its entry depends on.
    pub fn key(parts: &[&str]) -> String {
        let mut all = vec![env!("CARGO_PKG_VERSION")];
        all.extend_from_slice(parts);
        crate::hash::cache_hex(&all)
    }

    /// The entry for `key`, if a previous run left one.
    pub fn get(&self, key: &str) -> Option<Entry> {
        let entry = self.old.get(key)?.clone();
        self.lock().insert(key.to_string(), entry.clone());
        Some(entry)
    }

    /// Remembers what this run found for `key`.
    pub fn put(&self, key: String, entry: Entry) {
        self.changed.store(true, Ordering::Relaxed);
        self.lock().insert(key, entry);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.used.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the entries this run used, when they differ from what was read. Failures are
    /// ignored: the memo only saves time.
    pub fn save(self) {
        let Some(file) = self.file else {
            return;
        };
        let used = self.used.into_inner().unwrap_or_else(|e| e.into_inner());
        if !self.changed.into_inner() && used.len() == self.old.len() {
            return;
        }
        if let Ok(bytes) = serde_json::to_vec(&used) {
            crate::cargo::cache::write_atomically(&file, &bytes);
        }
    }
}
