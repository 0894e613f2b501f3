//! What the project itself tells us, beyond the compiler's words: which async runtime each
//! package uses and how its `tokio` dependency is declared (from `cargo metadata --no-deps`,
//! which never touches the network), and which runtimes the locked dependency graph holds
//! (from `Cargo.lock`). Matching turns it into context captures (`src/matching/captures.rs`) and the
//! fix stage reads it, so a fix is written for the runtime the crate really uses and a
//! missing tokio feature comes with the exact `Cargo.toml` line. Pure: built from values, no
//! I/O here.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use cargo_metadata::{DependencyKind, Metadata};

use crate::diagnostic::Diagnostic;
use crate::fix::{NoSources, Sources};

/// Async runtimes we know how to talk about, in the order we prefer them when a package
/// depends on several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Runtime {
    Tokio,
    Smol,
    AsyncStd,
    Trpl,
    Futures,
}

impl Runtime {
    fn from_crate(name: &str) -> Option<Self> {
        Some(match name {
            "tokio" => Runtime::Tokio,
            "smol" => Runtime::Smol,
            "async-std" => Runtime::AsyncStd,
            "trpl" => Runtime::Trpl,
            "futures" => Runtime::Futures,
            _ => return None,
        })
    }

    /// The crate's name.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Tokio => "tokio",
            Runtime::Smol => "smol",
            Runtime::AsyncStd => "async-std",
            Runtime::Trpl => "trpl",
            Runtime::Futures => "futures",
        }
    }

    /// The usual way to start a task on this runtime, as it reads in code (for `futures`,
    /// a `futures::executor::ThreadPool` named `pool`).
    pub fn spawn_fn(self) -> &'static str {
        match self {
            Runtime::Tokio => "tokio::spawn",
            Runtime::Smol => "smol::spawn",
            Runtime::AsyncStd => "async_std::task::spawn",
            Runtime::Trpl => "trpl::spawn_task",
            Runtime::Futures => "pool.spawn_ok",
        }
    }
}

/// How a package declares its `tokio` dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokioDep {
    /// Version requirement as cargo normalised it (`^1.40` → written back as `1.40`).
    pub req: String,
    pub features: Vec<String>,
    pub default_features: bool,
}

/// One workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageContext {
    pub name: String,
    /// Every runtime the package depends on directly, preferred first.
    pub runtimes: Vec<Runtime>,
    pub tokio: Option<TokioDep>,
    /// More than one workspace member: `cargo add` needs `-p`.
    pub in_workspace: bool,
    /// The `trpl` requirement admits a version before 0.3, which has `trpl::run` but not its
    /// newer name `trpl::block_on` (trpl's CHANGELOG for 0.3.0; 0.3 keeps `run` as well).
    pub trpl_run_only: bool,
}

/// Whether every version `req` admits is at least `major.minor` (some comparator bounds it from
/// below there: `^0.3`, `~0.3`, `=0.3.0`, `>=0.3`, `>0.3`; `*` or `<1` do not).
fn requires_at_least(req: &cargo_metadata::semver::VersionReq, major: u64, minor: u64) -> bool {
    use cargo_metadata::semver::Op;
    req.comparators.iter().any(|c| {
        matches!(
            c.op,
            Op::Exact | Op::Greater | Op::GreaterEq | Op::Tilde | Op::Caret
        ) && (c.major, c.minor.unwrap_or(0)) >= (major, minor)
    })
}

/// What matching and the fix stage may ask about the project a stream comes from. Loaded
/// lazily by `src/project.rs` for real runs; [`NoProject`] in tests and bare replays.
pub trait Project {
    /// The workspace member a diagnostic belongs to, if known.
    fn package(&self, diagnostic: &Diagnostic) -> Option<&PackageContext>;
    /// One-per-run notes shown after the stream (e.g. a discontinued runtime in the graph),
    /// for the packages cargo printed messages or artifacts of (`package_id`s, in order).
    fn notes(&self, packages: &[String]) -> Vec<String>;
    /// The user's files as they are now (for the fix stage).
    fn sources(&self) -> &dyn Sources {
        &NoSources
    }
}

/// No project context (tests, or no Cargo.toml to read).
pub struct NoProject;

impl Project for NoProject {
    fn package(&self, _: &Diagnostic) -> Option<&PackageContext> {
        None
    }
    fn notes(&self, _: &[String]) -> Vec<String> {
        Vec::new()
    }
}

/// Everything known about the project.
#[derive(Debug, Clone, Default)]
pub struct ProjectContext {
    by_id: HashMap<String, PackageContext>,
    /// Members that reach async-std in `Cargo.lock`, with its locked version.
    async_std: HashMap<String, String>,
    /// Rule directories named in `[workspace.metadata.explain-async] rules = …` or
    /// `[package.metadata.explain-async] rules = …`, resolved against that Cargo.toml's dir.
    pub rule_dirs: Vec<PathBuf>,
    /// The workspace root: rustc's paths for workspace members are relative to it.
    pub workspace_root: PathBuf,
}

impl ProjectContext {
    /// Builds the context from `cargo metadata --no-deps` and the text of `Cargo.lock`.
    pub fn new(metadata: &Metadata, lock: Option<&str>) -> Self {
        let members = metadata.workspace_members.len();
        let mut by_id = HashMap::new();
        for package in metadata.workspace_packages() {
            let mut runtimes = Vec::new();
            let mut tokio = None;
            let mut trpl_run_only = false;
            for dep in &package.dependencies {
                if dep.kind != DependencyKind::Normal {
                    continue;
                }
                let Some(rt) = Runtime::from_crate(&dep.name) else {
                    continue;
                };
                runtimes.push(rt);
                if rt == Runtime::Trpl {
                    trpl_run_only = !requires_at_least(&dep.req, 0, 3);
                }
                if rt == Runtime::Tokio {
                    tokio = Some(TokioDep {
                        req: dep.req.to_string().trim_start_matches('^').to_string(),
                        features: dep.features.clone(),
                        default_features: dep.uses_default_features,
                    });
                }
            }
            runtimes.sort();
            runtimes.dedup();
            by_id.insert(
                package.id.repr.clone(),
                PackageContext {
                    name: package.name.to_string(),
                    runtimes,
                    tokio,
                    in_workspace: members > 1,
                    trpl_run_only,
                },
            );
        }
        let graph = lock.map(LockGraph::parse).unwrap_or_default();
        let mut async_std = HashMap::new();
        for package in metadata.workspace_packages() {
            if let Some(version) = graph.reaches(&package.name, "async-std") {
                async_std.insert(package.id.repr.clone(), version);
            }
        }
        let mut rule_dirs = Vec::new();
        let root = metadata.workspace_root.as_std_path();
        rule_dirs.extend(rules_setting(&metadata.workspace_metadata, root));
        for package in metadata.workspace_packages() {
            if let Some(dir) = package.manifest_path.parent() {
                rule_dirs.extend(rules_setting(&package.metadata, dir.as_std_path()));
            }
        }
        rule_dirs.dedup();
        ProjectContext {
            by_id,
            async_std,
            rule_dirs,
            workspace_root: root.to_path_buf(),
        }
    }

    /// The one-per-run notes for a build of `packages` (the workspace members whose messages
    /// or artifacts cargo printed): async-std reachable from one of them in `Cargo.lock`, and
    /// more than one runtime among their direct dependencies. Members outside the build never
    /// add a note, so one crate's runtime choice is not blamed on its neighbours.
    pub fn notes<'a>(&self, packages: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut notes = Vec::new();
        let mut async_std: Option<(&str, Vec<&str>)> = None;
        let mut direct: BTreeMap<Runtime, Vec<&str>> = BTreeMap::new();
        let mut seen = std::collections::BTreeSet::new();
        for id in packages {
            if !seen.insert(id) {
                continue;
            }
            let Some(package) = self.by_id.get(id) else {
                continue;
            };
            if let Some(version) = self.async_std.get(id) {
                async_std
                    .get_or_insert((version.as_str(), Vec::new()))
                    .1
                    .push(package.name.as_str());
            }
            for rt in &package.runtimes {
                if !matches!(rt, Runtime::Futures | Runtime::Trpl) {
                    direct.entry(*rt).or_default().push(package.name.as_str());
                }
            }
        }
        if let Some((version, users)) = async_std {
            notes.push(format!(
                "async-std {version} is in the dependency graph of {} (Cargo.lock). It was \
                 discontinued on 1 March 2025 and gets no more fixes; its authors point to smol as \
                 the successor. In asyncio terms: it is a third-party event loop that is no \
                 longer maintained.",
                users.join(", ")
            ));
        }
        if direct.len() > 1 {
            let list = direct
                .iter()
                .map(|(rt, pkgs)| format!("{} (used by {})", rt.name(), pkgs.join(", ")))
                .collect::<Vec<_>>()
                .join(" and ");
            notes.push(format!(
                "more than one async runtime is a direct dependency: {list}. Like running two \
                 event loops in one Python process, futures that need one runtime's reactor \
                 (timers, sockets) panic or hang when polled by the other; pick one runtime."
            ));
        }
        notes
    }

    /// The member a compiler message belongs to, by cargo's package id.
    pub fn package(&self, package_id: &str) -> Option<&PackageContext> {
        self.by_id.get(package_id)
    }
}

/// `explain-async.rules` of a metadata table: a path or a list of paths, relative to `base`.
fn rules_setting(metadata: &serde_json::Value, base: &Path) -> Vec<PathBuf> {
    let value = &metadata["explain-async"]["rules"];
    let paths: Vec<&str> = match value {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    paths.into_iter().map(|p| base.join(p)).collect()
}

/// The dependency graph recorded in a `Cargo.lock`: package name → (version, dependencies).
#[derive(Debug, Default)]
struct LockGraph {
    packages: Vec<(String, String, Vec<String>)>,
}

impl LockGraph {
    fn parse(lock: &str) -> Self {
        // The graph is only ever asked whether async-std is reachable. A TOML string that
        // decodes to `async-std` holds those letters or a `\u`/`\U` escape, so a lock file
        // with neither has no such package, and the parse (most of the project context's
        // time on a build with nothing to compile) is skipped.
        if !lock.contains("async-std") && !lock.contains("\\u") && !lock.contains("\\U") {
            return Self::default();
        }
        let Ok(value) = toml::from_str::<toml::Value>(lock) else {
            return Self::default();
        };
        let packages = value
            .get("package")
            .and_then(|p| p.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|p| {
                        let name = p.get("name")?.as_str()?.to_string();
                        let version = p.get("version")?.as_str()?.to_string();
                        let deps = p
                            .get("dependencies")
                            .and_then(|d| d.as_array())
                            .map(|d| {
                                d.iter()
                                    .filter_map(|s| s.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        Some((name, version, deps))
                    })
                    .collect()
            })
            .unwrap_or_default();
        LockGraph { packages }
    }

    /// Indices of the packages a dependency entry (`"name"`, `"name version"`,
    /// `"name version (source)"`) can refer to.
    fn resolve<'a>(&'a self, entry: &'a str) -> impl Iterator<Item = usize> + 'a {
        let mut parts = entry.split(' ');
        let name = parts.next().unwrap_or_default();
        let version = parts.next();
        self.packages
            .iter()
            .enumerate()
            .filter(move |(_, (n, v, _))| n == name && version.is_none_or(|want| want == v))
            .map(|(i, _)| i)
    }

    /// The version of `target` if it is reachable from the package `from`.
    fn reaches(&self, from: &str, target: &str) -> Option<String> {
        let mut seen = vec![false; self.packages.len()];
        let mut stack: Vec<usize> = self.resolve(from).collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            let (name, version, deps) = &self.packages[i];
            if name == target {
                return Some(version.clone());
            }
            for dep in deps {
                stack.extend(self.resolve(dep));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trpl_requirement_that_admits_0_2_has_only_run() {
        use cargo_metadata::semver::VersionReq;
        let at_least_0_3 = |r: &str| requires_at_least(&VersionReq::parse(r).unwrap(), 0, 3);
        for r in ["0.3", "^0.3.0", "~0.3", "=0.3.0", ">=0.3, <0.5", "1"] {
            assert!(at_least_0_3(r), "{r}");
        }
        for r in ["0.2", "0.1.0", "*", "<0.4", ">=0.1"] {
            assert!(!at_least_0_3(r), "{r}");
        }
    }

    #[test]
    fn async_std_counts_only_where_it_is_reachable() {
        let lock = r#"
version = 4
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["legacy"]
[[package]]
name = "legacy"
version = "0.2.0"
dependencies = ["async-std 1.13.2"]
[[package]]
name = "async-std"
version = "1.13.2"
[[package]]
name = "other"
version = "0.1.0"
dependencies = ["tokio"]
[[package]]
name = "tokio"
version = "1.54.1"
"#;
        let graph = LockGraph::parse(lock);
        assert_eq!(graph.reaches("app", "async-std").as_deref(), Some("1.13.2"));
        assert_eq!(graph.reaches("other", "async-std"), None);
        assert_eq!(graph.reaches("missing", "async-std"), None);
        // Spelled with escapes, the name is still read (the text check lets them through).
        let escaped = lock.replace("\"async-std", "\"\\u0061sync\\u002Dstd");
        assert!(!escaped.contains("async-std"));
        let graph = LockGraph::parse(&escaped);
        assert_eq!(graph.reaches("app", "async-std").as_deref(), Some("1.13.2"));
        // Without it, nothing is parsed and nothing is reachable.
        let without = lock.replace("async-std", "smol");
        assert!(LockGraph::parse(&without).packages.is_empty());
    }
}
