//! `cargo metadata` for the workspace being checked, read through the cargo_metadata crate:
//! where the workspace root is, which packages are members, which runtimes they depend on.
//! Loaded only when a feature needs it (it costs a cargo run), never on the hot path. Which
//! of the user's arguments it gets is decided by [`CargoArgs`].

use std::path::PathBuf;

use cargo_metadata::{Metadata, MetadataCommand};

use super::args::CargoArgs;
use super::cache;
use crate::error::Error;

/// The `--manifest-path` the user gave cargo, if any ([`CargoArgs::manifest_path`] for a
/// caller that holds the arguments unparsed).
pub fn manifest_path(cargo_args: &[String]) -> Option<PathBuf> {
    CargoArgs::parse(cargo_args).manifest_path
}

/// [`load_for`] with `cargo_args` parsed here, for callers that hold them as strings.
pub fn load(cargo_args: &[String], deps: bool) -> Result<Metadata, Error> {
    load_for(&CargoArgs::parse(cargo_args), deps)
}

/// Runs `cargo metadata` with the user's `--manifest-path` and the flags that shape the
/// build ([`CargoArgs::metadata_flags`]: `--offline`, `--locked`, `--frozen`, features, `-Z`,
/// `--config`), so the answer describes the same build. `deps`: whether the dependency graph
/// is needed.
///
/// Without `deps`, the answer is taken from [`cache`] while what it was read from is unchanged,
/// and remembered there otherwise.
pub fn load_for(cargo: &CargoArgs, deps: bool) -> Result<Metadata, Error> {
    let manifest = cargo.manifest_path.as_deref();
    if !deps {
        if let Some(metadata) = cache::load(manifest, &cargo.metadata_flags) {
            return Ok(metadata);
        }
    }
    let metadata = run(cargo, deps)?;
    if !deps {
        cache::store(manifest, &cargo.metadata_flags, &metadata);
    }
    Ok(metadata)
}

fn run(cargo: &CargoArgs, deps: bool) -> Result<Metadata, Error> {
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(super::program());
    if let Some(path) = &cargo.manifest_path {
        cmd.manifest_path(path);
    }
    if !deps {
        cmd.no_deps();
    }
    cmd.other_options(cargo.metadata_flags.clone());
    cmd.exec()
        .map_err(|e| Error::Metadata(e.to_string().lines().next().unwrap_or_default().to_string()))
}
