//! The project a run is about, loaded from the outside world: `cargo metadata --no-deps` and
//! `Cargo.lock` on a thread of their own (so cargo's first line is never held up), the user's
//! source files as the fix stage reads them, and the roots the machine formats report paths
//! against (`$GITHUB_WORKSPACE`, git's top level, the nearest `.git`, the workspace root).
//! A saved stream (`--from`) is opened here too. The pure model it fills lives in
//! `context.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, OnceLock};

use crate::cargo::args::CargoArgs;
use crate::cargo::metadata;
use crate::context::{PackageContext, Project, ProjectContext};
use crate::diagnostic::Diagnostic;
use crate::fix::Sources;
use crate::render::PathContext;

/// The project context, loaded on a thread while cargo runs and joined the first time it is
/// needed. Any failure just means no context: explanations then use their generic wording.
pub struct LiveProject {
    pending: Mutex<Option<std::thread::JoinHandle<Option<ProjectContext>>>>,
    ready: OnceLock<Option<ProjectContext>>,
    /// rustc's relative file names are relative to the current directory rather than the
    /// workspace root (`--from` without `--manifest-path`).
    workspace_is_cwd: bool,
    sources: FileSources,
}

impl LiveProject {
    /// Starts loading the context for `cargo_args`. When `share` is given, the
    /// `cargo metadata` answer is also sent there (the source checks reuse it), so one
    /// `cargo metadata` run serves both; a failure drops the sender, which tells the receiver
    /// there is nothing to wait for.
    pub fn start(
        cargo: CargoArgs,
        workspace_is_cwd: bool,
        share: Option<mpsc::Sender<Arc<cargo_metadata::Metadata>>>,
    ) -> Self {
        let handle = std::thread::spawn(move || {
            let metadata = metadata::load_for(&cargo, false).ok()?;
            let metadata = Arc::new(metadata);
            if let Some(share) = share {
                let _ = share.send(Arc::clone(&metadata));
            }
            let lock = std::fs::read_to_string(metadata.workspace_root.join("Cargo.lock")).ok();
            Some(ProjectContext::new(&metadata, lock.as_deref()))
        });
        LiveProject {
            pending: Mutex::new(Some(handle)),
            ready: OnceLock::new(),
            workspace_is_cwd,
            sources: FileSources::default(),
        }
    }

    /// The context, waiting for the loading thread the first time.
    pub fn get(&self) -> Option<&ProjectContext> {
        self.ready
            .get_or_init(|| {
                let handle = self.pending.lock().ok()?.take()?;
                handle.join().ok().flatten()
            })
            .as_ref()
    }

    /// The directory rustc's relative file names are relative to, when known.
    fn files_root(&self) -> Option<PathBuf> {
        if self.workspace_is_cwd {
            return std::env::current_dir().ok();
        }
        Some(self.get()?.workspace_root.clone())
    }
}

impl Project for LiveProject {
    fn package(&self, diagnostic: &Diagnostic) -> Option<&PackageContext> {
        self.get()?.package(diagnostic.package_id.as_deref()?)
    }

    fn notes(&self, packages: &[String]) -> Vec<String> {
        self.get()
            .map(|c| c.notes(packages.iter().map(String::as_str)))
            .unwrap_or_default()
    }

    fn sources(&self) -> &dyn Sources {
        self
    }
}

impl Sources for LiveProject {
    fn read(&self, file: &str) -> Option<Arc<str>> {
        let root = self
            .sources
            .root
            .get_or_init(|| self.files_root())
            .as_ref()?;
        self.sources.read_under(root, file)
    }
}

/// The user's files, read once each and kept (a file that cannot be read is remembered as
/// such, so a stream with thousands of diagnostics in unreadable files costs one attempt per
/// file). Only regular files named relative to the root, and manifests, are read.
#[derive(Default)]
struct FileSources {
    root: OnceLock<Option<PathBuf>>,
    cache: Mutex<HashMap<String, Option<Arc<str>>>>,
}

/// Files larger than this are not read for fixes (no source file of a crate is that big; a
/// stream pointing at a huge file must not make the tool load it).
const MAX_SOURCE_BYTES: u64 = 8 * 1024 * 1024;

impl FileSources {
    fn read_under(&self, root: &Path, file: &str) -> Option<Arc<str>> {
        // Workspace files come relative; the one absolute path a fix may edit is a manifest.
        if Path::new(file).is_absolute() && !file.ends_with("Cargo.toml") {
            return None;
        }
        let mut cache = self.cache.lock().ok()?;
        if let Some(hit) = cache.get(file) {
            return hit.clone();
        }
        let path = root.join(file);
        let text = std::fs::metadata(&path)
            .ok()
            .filter(|m| m.is_file() && m.len() <= MAX_SOURCE_BYTES)
            .and_then(|_| std::fs::read_to_string(&path).ok())
            .map(Arc::from);
        cache.insert(file.to_string(), text.clone());
        text
    }
}

/// A saved `--message-format=json` stream: the file `from`, or standard input for `-`.
pub fn saved_stream(from: &str) -> std::io::Result<Box<dyn std::io::BufRead>> {
    if from == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let file = std::fs::File::open(from)?;
    Ok(Box::new(std::io::BufReader::with_capacity(
        256 * 1024,
        file,
    )))
}

/// The roots the machine formats need. The workspace root (rustc's paths are relative to it)
/// comes from `cargo metadata`, except when the stream's workspace is taken to be the current
/// directory (`--from` without `--manifest-path`). The repository root is
/// `$GITHUB_WORKSPACE`, else git's top level, else the nearest directory holding `.git`, else
/// the workspace root.
pub fn path_context(project: &LiveProject) -> PathContext {
    let workspace = workspace_root(project);
    let workspace = absolute(&workspace);
    let repo = std::env::var_os("GITHUB_WORKSPACE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| git_toplevel(&workspace))
        .or_else(|| {
            workspace
                .ancestors()
                .find(|dir| dir.join(".git").exists())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| workspace.clone());
    PathContext::new(workspace, absolute(&repo))
}

/// The directory rustc's relative paths are relative to.
fn workspace_root(project: &LiveProject) -> PathBuf {
    if project.workspace_is_cwd {
        return current_dir();
    }
    match project.get() {
        Some(context) => context.workspace_root.clone(),
        None => {
            crate::say::warning(
                "cargo metadata failed; paths are reported relative to the current directory",
            );
            current_dir()
        }
    }
}

/// The current directory, or `.` when it cannot be read.
pub fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

/// An absolute, symlink-free form of `path` when it exists (so `$GITHUB_WORKSPACE` and cargo's
/// workspace root compare equal), else the path joined to the current directory.
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| current_dir().join(path))
}

fn git_toplevel(dir: &Path) -> Option<PathBuf> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let top = text.trim_end_matches(['\n', '\r']);
    (out.status.success() && !top.is_empty()).then(|| PathBuf::from(top))
}
