//! `cargo metadata` for the workspace being checked, read through the cargo_metadata crate:
//! where the workspace root is, which packages are members, which runtimes they depend on.
//! Loaded only when a feature needs it (it costs a cargo run), never on the hot path.

use std::path::PathBuf;

use cargo_metadata::{Metadata, MetadataCommand};

use crate::error::Error;

/// The `--manifest-path` the user gave cargo, if any (`--manifest-path P` or `=P`).
pub fn manifest_path(cargo_args: &[String]) -> Option<PathBuf> {
    let mut it = cargo_args.iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            break;
        }
        if arg == "--manifest-path" {
            return it.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--manifest-path=") {
            return Some(PathBuf::from(path));
        }
    }
    None
}

/// Runs `cargo metadata` (with the user's `--manifest-path`, `--offline`, `--locked`,
/// `--frozen`, `--features`, `--all-features`, `--no-default-features` and `-Z` flags, so the
/// answer describes the same build). `deps`: whether the dependency graph is needed.
pub fn load(cargo_args: &[String], deps: bool) -> Result<Metadata, Error> {
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(super::program());
    if let Some(path) = manifest_path(cargo_args) {
        cmd.manifest_path(path);
    }
    if !deps {
        cmd.no_deps();
    }
    let mut other = Vec::new();
    let mut it = cargo_args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--" => break,
            "--offline" | "--locked" | "--frozen" | "--all-features" | "--no-default-features" => {
                other.push(arg.clone())
            }
            "--features" | "-F" | "-Z" | "--config" => {
                other.push(arg.clone());
                if let Some(v) = it.next() {
                    other.push(v.clone());
                }
            }
            a if a.starts_with("--features=")
                || a.starts_with("-Z")
                || a.starts_with("--config=") =>
            {
                other.push(arg.clone())
            }
            _ => {}
        }
    }
    cmd.other_options(other);
    cmd.exec()
        .map_err(|e| Error::Metadata(e.to_string().lines().next().unwrap_or_default().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_manifest_path() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            manifest_path(&args(&["-p", "x", "--manifest-path", "a/Cargo.toml"])),
            Some("a/Cargo.toml".into())
        );
        assert_eq!(
            manifest_path(&args(&["--manifest-path=b/Cargo.toml"])),
            Some("b/Cargo.toml".into())
        );
        assert_eq!(manifest_path(&args(&["--", "--manifest-path", "c"])), None);
    }
}
