//! What the project itself tells us, beyond the compiler's words: which async runtime each
//! package uses and how its `tokio` dependency is declared (from `cargo metadata --no-deps`,
//! which never touches the network), and which runtimes the locked dependency graph holds
//! (from `Cargo.lock`). Rules use it through context captures, so a fix is written for the
//! runtime the crate really uses and a missing tokio feature comes with the exact
//! `Cargo.toml` line. Pure: built from values, no I/O here.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use cargo_metadata::{DependencyKind, Metadata};

/// Capture names this module can provide to any rule.
pub const CONTEXT_CAPTURES: &[&str] = &[
    "package",
    "runtime",
    "spawn_fn",
    "tokio_toml",
    "tokio_cargo_add",
];

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

    /// The usual way to start a task on this runtime.
    pub fn spawn_fn(self) -> &'static str {
        match self {
            Runtime::Tokio => "tokio::spawn",
            Runtime::Smol => "smol::spawn",
            Runtime::AsyncStd => "async_std::task::spawn",
            Runtime::Trpl => "trpl::spawn_task",
            Runtime::Futures => "a spawn function",
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
}

/// Everything known about the project.
#[derive(Debug, Clone, Default)]
pub struct ProjectContext {
    by_id: HashMap<String, PackageContext>,
    /// One-per-run notes about the dependency graph (discontinued or mixed runtimes).
    pub notes: Vec<String>,
    /// Rule directories named in `[workspace.metadata.explain-async] rules = …` or
    /// `[package.metadata.explain-async] rules = …`, resolved against that Cargo.toml's dir.
    pub rule_dirs: Vec<PathBuf>,
}

impl ProjectContext {
    /// Builds the context from `cargo metadata --no-deps` and the text of `Cargo.lock`.
    pub fn new(metadata: &Metadata, lock: Option<&str>) -> Self {
        let members = metadata.workspace_members.len();
        let mut by_id = HashMap::new();
        let mut direct_runtimes: BTreeMap<Runtime, Vec<String>> = BTreeMap::new();
        for package in metadata.workspace_packages() {
            let mut runtimes = Vec::new();
            let mut tokio = None;
            for dep in &package.dependencies {
                if dep.kind != DependencyKind::Normal {
                    continue;
                }
                let Some(rt) = Runtime::from_crate(&dep.name) else {
                    continue;
                };
                runtimes.push(rt);
                if rt != Runtime::Futures && rt != Runtime::Trpl {
                    direct_runtimes
                        .entry(rt)
                        .or_default()
                        .push(package.name.to_string());
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
                },
            );
        }
        let mut notes = Vec::new();
        if let Some(version) = lock.and_then(|l| locked_version(l, "async-std")) {
            notes.push(format!(
                "async-std {version} is in your dependency graph (Cargo.lock). It was discontinued on \
                 1 March 2025 and gets no more fixes; its authors point to smol as the successor. \
                 In asyncio terms: it is a third-party event loop that is no longer maintained."
            ));
        }
        if direct_runtimes.len() > 1 {
            let list = direct_runtimes
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
            notes,
            rule_dirs,
        }
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

/// The version of `name` recorded in a `Cargo.lock`, if present.
pub fn locked_version(lock: &str, name: &str) -> Option<String> {
    let value: toml::Value = toml::from_str(lock).ok()?;
    value
        .get("package")?
        .as_array()?
        .iter()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))
        .and_then(|p| p.get("version")?.as_str().map(str::to_string))
}

/// Adds the context captures for `package` to `captures`. `tokio_features`: the features a
/// rule says the fix needs (already filled from the rule's own captures).
pub fn add_captures(
    package: Option<&PackageContext>,
    tokio_features: &[String],
    captures: &mut BTreeMap<String, String>,
) {
    let mut put = |k: &str, v: String| {
        captures.entry(k.to_string()).or_insert(v);
    };
    if let Some(p) = package {
        put("package", p.name.clone());
        if let Some(rt) = p.runtimes.first() {
            put("runtime", rt.name().to_string());
            put("spawn_fn", rt.spawn_fn().to_string());
        }
    }
    if tokio_features.is_empty() {
        return;
    }
    let dep = package.and_then(|p| p.tokio.as_ref());
    let mut features: Vec<String> = dep.map(|d| d.features.clone()).unwrap_or_default();
    for f in tokio_features {
        if !features.contains(f) {
            features.push(f.clone());
        }
    }
    features.sort();
    let version = dep.map_or("1", |d| d.req.as_str());
    let list = features
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let no_default = if dep.is_some_and(|d| !d.default_features) {
        ", default-features = false"
    } else {
        ""
    };
    put(
        "tokio_toml",
        format!("tokio = {{ version = \"{version}\"{no_default}, features = [{list}] }}"),
    );
    let package_flag = match package {
        Some(p) if p.in_workspace => format!(" -p {}", p.name),
        _ => String::new(),
    };
    put(
        "tokio_cargo_add",
        format!(
            "cargo add tokio{package_flag} --features {}",
            tokio_features.join(",")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(features: &[&str], default_features: bool, in_workspace: bool) -> PackageContext {
        PackageContext {
            name: "api".into(),
            runtimes: vec![Runtime::Tokio, Runtime::Futures],
            tokio: Some(TokioDep {
                req: "1.40".into(),
                features: features.iter().map(|s| s.to_string()).collect(),
                default_features,
            }),
            in_workspace,
        }
    }

    #[test]
    fn writes_the_cargo_toml_line_to_add() {
        let mut caps = BTreeMap::new();
        let pkg = member(&["rt"], false, true);
        add_captures(
            Some(&pkg),
            &["macros".into(), "rt-multi-thread".into()],
            &mut caps,
        );
        assert_eq!(
            caps["tokio_toml"],
            r#"tokio = { version = "1.40", default-features = false, features = ["macros", "rt", "rt-multi-thread"] }"#
        );
        assert_eq!(
            caps["tokio_cargo_add"],
            "cargo add tokio -p api --features macros,rt-multi-thread"
        );
        assert_eq!(caps["runtime"], "tokio");
        assert_eq!(caps["spawn_fn"], "tokio::spawn");
    }

    #[test]
    fn without_project_context_suggests_a_plain_line() {
        let mut caps = BTreeMap::new();
        add_captures(None, &["time".into()], &mut caps);
        assert_eq!(
            caps["tokio_toml"],
            r#"tokio = { version = "1", features = ["time"] }"#
        );
        assert_eq!(caps["tokio_cargo_add"], "cargo add tokio --features time");
        assert!(!caps.contains_key("runtime"));
    }

    #[test]
    fn reads_locked_versions() {
        let lock = "version = 4\n[[package]]\nname = \"async-std\"\nversion = \"1.13.1\"\n";
        assert_eq!(locked_version(lock, "async-std").as_deref(), Some("1.13.1"));
        assert_eq!(locked_version(lock, "smol"), None);
        assert_eq!(locked_version("not toml [", "smol"), None);
    }
}
