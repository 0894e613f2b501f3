//! The `cargo metadata --no-deps` answer, kept between runs while nothing it depends on has
//! changed, so that a no-op check does not pay for a second cargo (and its rustup proxy)
//! beside the real one.
//!
//! An entry lives in `$XDG_CACHE_HOME/cargo-explain-async/metadata/` (else
//! `~/.cache/…`, else `%LOCALAPPDATA%\…`), named by a hash of what shapes the answer: our
//! version, the current directory, the `cargo` that runs, the user's `--manifest-path` and
//! metadata flags, and every `CARGO*`/`RUSTUP_TOOLCHAIN` environment variable. It holds the
//! answer and *stamps* of what the answer was read from, each compared again before the entry
//! is used:
//! - the content of every member's `Cargo.toml`;
//! - the entries (names and kinds) of the directories cargo discovers targets in (`src`,
//!   `src/bin`, `examples`, `tests`, `benches` and their subdirectories), and of each member
//!   directory's parent (a new member matched by a glob);
//! - the content (or absence) of each package's `build.rs` and readme, which cargo discovers;
//! - the content of every `.cargo/config.toml`/`.cargo/config` from the current directory up,
//!   of `$CARGO_HOME`'s, and of `rust-toolchain(.toml)` files on the way up.
//!
//! Stamps are contents, not modification times, so an edit within the file system's clock tick
//! still counts. Anything unreadable, or `CARGO_EXPLAIN_ASYNC_NO_CACHE` set, means no cache:
//! `cargo metadata` runs as before.

use std::path::{Path, PathBuf};

use cargo_metadata::Metadata;
use serde::{Deserialize, Serialize};

/// Set to anything to turn the cache off.
pub const DISABLE: &str = "CARGO_EXPLAIN_ASYNC_NO_CACHE";

/// Where our caches live, if anywhere: `cargo-explain-async` in the user's cache directory.
pub fn base_dir() -> Option<PathBuf> {
    if std::env::var_os(DISABLE).is_some() {
        return None;
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .or_else(|| std::env::var_os("LOCALAPPDATA").map(PathBuf::from))?;
    Some(base.join("cargo-explain-async"))
}

/// Where metadata entries are kept, if anywhere.
fn dir() -> Option<PathBuf> {
    Some(base_dir()?.join("metadata"))
}

/// What one entry remembers.
#[derive(Serialize, Deserialize)]
struct Entry {
    /// `(path, digest)`: what each stamped path held when the answer was given.
    stamps: Vec<(PathBuf, String)>,
    metadata: Metadata,
}

/// The entry file for this invocation.
fn entry_path(manifest_path: Option<&Path>, flags: &[String]) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let mut parts = vec![
        env!("CARGO_PKG_VERSION").to_string(),
        cwd.to_string_lossy().into_owned(),
        super::program().to_string_lossy().into_owned(),
        manifest_path.map_or_else(String::new, |p| p.to_string_lossy().into_owned()),
    ];
    parts.extend(flags.iter().cloned());
    let mut env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
        // The jobserver handle differs in every run under a parent cargo and shapes nothing.
        .filter(|(k, _)| {
            (k.starts_with("CARGO") && k != "CARGO_MAKEFLAGS") || k == "RUSTUP_TOOLCHAIN"
        })
        .collect();
    env.sort();
    parts.extend(env.into_iter().map(|(k, v)| format!("{k}={v}")));
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    Some(dir()?.join(format!("{}.json", crate::hash::fnv128_hex(&refs))))
}

/// The cached answer, when every stamp still holds.
pub fn load(manifest_path: Option<&Path>, flags: &[String]) -> Option<Metadata> {
    let text = std::fs::read(entry_path(manifest_path, flags)?).ok()?;
    let entry: Entry = serde_json::from_slice(&text).ok()?;
    entry
        .stamps
        .iter()
        .all(|(path, digest)| &stamp(path) == digest)
        .then_some(entry.metadata)
}

/// Remembers `metadata` as the answer for this invocation. Failures are ignored: the cache
/// only saves time.
pub fn store(manifest_path: Option<&Path>, flags: &[String], metadata: &Metadata) {
    let Some(path) = entry_path(manifest_path, flags) else {
        return;
    };
    let stamps = stamped_paths(metadata)
        .into_iter()
        .map(|p| {
            let digest = stamp(&p);
            (p, digest)
        })
        .collect();
    let entry = Entry {
        stamps,
        metadata: metadata.clone(),
    };
    let Ok(bytes) = serde_json::to_vec(&entry) else {
        return;
    };
    write_atomically(&path, &bytes);
    if let Some(parent) = path.parent() {
        prune(parent);
    }
}

/// Writes `bytes` aside (creating the directory) and renames the file into place, so that a
/// concurrent run reads the old content or the new one, never a part. Failures are ignored
/// (caches only save time).
pub fn write_atomically(path: &Path, bytes: &[u8]) {
    let Some(parent) = path.parent() else {
        return;
    };
    if std::fs::create_dir_all(parent).is_err() {
        return;
    }
    let tmp = parent.join(format!(".{}.{}", std::process::id(), unique()));
    if std::fs::write(&tmp, bytes).is_err() || std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Entries kept at most; beyond that the least recently written go (a directory per
/// throwaway checkout, as test suites make, must not grow the cache without bound).
const KEEP: usize = 128;

fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if files.len() <= KEEP {
        return;
    }
    files.sort();
    for (_, path) in &files[..files.len() - KEEP] {
        let _ = std::fs::remove_file(path);
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// Every path whose content the answer depends on (see the module documentation).
fn stamped_paths(metadata: &Metadata) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for pkg in &metadata.packages {
        let manifest = pkg.manifest_path.as_std_path();
        paths.push(manifest.to_path_buf());
        let Some(root) = manifest.parent() else {
            continue;
        };
        // A member's parent directory, where a glob in `[workspace] members` may find more.
        if root != metadata.workspace_root.as_std_path() {
            if let Some(parent) = root.parent() {
                paths.push(parent.to_path_buf());
            }
        }
        // Not the package directory's listing: cargo itself adds `Cargo.lock` and `target` there.
        // What cargo discovers in it is a build script and a readme.
        for name in ["build.rs", "README.md", "README.txt", "README"] {
            paths.push(root.join(name));
        }
        for sub in ["src", "src/bin", "examples", "tests", "benches"] {
            let dir = root.join(sub);
            paths.extend(subdirectories(&dir));
            paths.push(dir);
        }
    }
    paths.push(
        metadata
            .workspace_root
            .join("Cargo.toml")
            .into_std_path_buf(),
    );
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            for name in [
                ".cargo/config.toml",
                ".cargo/config",
                "rust-toolchain.toml",
                "rust-toolchain",
            ] {
                paths.push(dir.join(name));
            }
        }
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(home) = cargo_home {
        paths.push(home.join("config.toml"));
        paths.push(home.join("config"));
    }
    paths.sort();
    paths.dedup();
    paths
}

fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

/// What `path` holds now: a file's content hash, a directory's sorted entries (names and
/// kinds), or `absent`.
fn stamp(path: &Path) -> String {
    let Ok(meta) = std::fs::metadata(path) else {
        return "absent".to_string();
    };
    if meta.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return "unreadable".to_string();
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| {
                let kind = if e.file_type().is_ok_and(|t| t.is_dir()) {
                    "/"
                } else {
                    ""
                };
                format!("{}{kind}", e.file_name().to_string_lossy())
            })
            .collect();
        names.sort();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        return format!("dir:{}", crate::hash::cache_hex(&refs));
    }
    match std::fs::read(path) {
        Ok(bytes) => format!(
            "file:{}",
            crate::hash::cache_hex(&[&String::from_utf8_lossy(&bytes)])
        ),
        Err(_) => "unreadable".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_see_content_and_entries_not_times() {
        let dir =
            std::env::temp_dir().join(format!("cea-cache-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        let file = dir.join("Cargo.toml");
        std::fs::write(&file, "[package]\nname = \"a\"\n").unwrap();
        let (f0, d0) = (stamp(&file), stamp(&dir.join("tests")));
        // Same length, same instant: only the content differs.
        std::fs::write(&file, "[package]\nname = \"b\"\n").unwrap();
        assert_ne!(stamp(&file), f0);
        std::fs::write(dir.join("tests/new.rs"), "").unwrap();
        assert_ne!(stamp(&dir.join("tests")), d0);
        let d1 = stamp(&dir.join("tests"));
        // Rewriting a file in it does not change the listing.
        std::fs::write(dir.join("tests/new.rs"), "fn main() {}").unwrap();
        assert_eq!(stamp(&dir.join("tests")), d1);
        assert_eq!(stamp(&dir.join("missing")), "absent");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
