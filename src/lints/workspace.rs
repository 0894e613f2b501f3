//! Which files the source checks read, and the run over them.
//!
//! Files: the targets of the workspace members that this `cargo check` builds (read from
//! `cargo metadata`), following `mod` declarations from each target's root, like the
//! compiler does. Never a dependency, never the target directory, never a build script.
//! Packages follow cargo's rules: `-p`/`--package` (names, `name@version`, globs),
//! `--workspace`/`--all` with `--exclude`, else the package of the manifest in use (the
//! workspace's default members when that is the workspace root). Targets: lib and bins by
//! default; `--lib`, `--bin(s)`, `--example(s)`, `--test(s)`, `--bench(es)`,
//! `--all-targets` as cargo reads them (the flags are read by [`CargoArgs`]). `#[cfg(test)]`
//! code is read only when test targets are checked.
//!
//! Checks can be silenced for a whole workspace or package in Cargo.toml:
//! `[workspace.metadata.explain-async] allow = ["<check_id>"]` or the same under
//! `[package.metadata.explain-async]`.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use cargo_metadata::{Metadata, Package};
use serde_json::Value;

use super::emit::{compiler_message, PackageTarget};
use super::memo::{Entry, Memo, Parsed};
use super::walker::ModDecl;
use super::{analyze_source, Check};
use crate::cargo::args::CargoArgs;

/// What a run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// `compiler-message` lines, sorted by file, line and column.
    pub lines: Vec<String>,
    /// How many findings (after every kind of allow).
    pub findings: usize,
    /// Files read and parsed.
    pub files: usize,
    /// Files that did not parse (rustc reports them) or could not be read, as rustc names
    /// them.
    pub skipped: Vec<String>,
    /// Things to tell the user on stderr (unknown check names in an allow list).
    pub notes: Vec<String>,
}

/// Whether a `-p` spec (`name`, `name@version`, `name:version`, a glob) names `pkg`.
fn spec_matches(spec: &str, pkg: &Package) -> bool {
    let name_part = spec.split(['@', ':']).next().unwrap_or(spec);
    let name: &str = &pkg.name;
    if name_part.contains(['*', '?', '[']) {
        let pattern = regex::escape(name_part)
            .replace(r"\*", ".*")
            .replace(r"\?", ".");
        return regex::Regex::new(&format!("^{pattern}$")).is_ok_and(|re| re.is_match(name));
    }
    name_part == name
}

/// The manifest cargo will use: `--manifest-path`, else the nearest `Cargo.toml` upwards.
fn current_manifest(args: &CargoArgs, cwd: &Path) -> Option<PathBuf> {
    let path = match &args.manifest_path {
        Some(p) => cwd.join(p),
        None => cwd
            .ancestors()
            .map(|d| d.join("Cargo.toml"))
            .find(|p| p.is_file())?,
    };
    path.canonicalize().ok()
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || a.canonicalize().ok().is_some_and(|a| a == b)
}

/// The members this run checks.
fn select<'m>(metadata: &'m Metadata, args: &CargoArgs, cwd: &Path) -> Vec<&'m Package> {
    let members = metadata.workspace_packages();
    if !args.packages.is_empty() {
        return members
            .into_iter()
            .filter(|p| args.packages.iter().any(|s| spec_matches(s, p)))
            .collect();
    }
    if args.workspace {
        return members
            .into_iter()
            .filter(|p| !args.excludes.iter().any(|s| spec_matches(s, p)))
            .collect();
    }
    let root_manifest = metadata.workspace_root.join("Cargo.toml");
    if let Some(current) = current_manifest(args, cwd) {
        if !same_file(root_manifest.as_std_path(), &current) {
            if let Some(p) = members
                .iter()
                .find(|p| same_file(p.manifest_path.as_std_path(), &current))
            {
                return vec![p];
            }
        }
    }
    if metadata.workspace_default_members.is_available() {
        metadata.workspace_default_packages()
    } else {
        members
    }
}

/// Check names in `value["explain-async"]["allow"]`; unknown names become notes.
fn allow_list(value: &Value, place: &str, notes: &mut Vec<String>) -> BTreeSet<Check> {
    let mut out = BTreeSet::new();
    let Some(list) = value.get("explain-async").and_then(|v| v.get("allow")) else {
        return out;
    };
    let Some(items) = list.as_array() else {
        notes.push(format!(
            "`allow` in {place} should be a list of check names, like [\"blocking_call_in_async\"]"
        ));
        return out;
    };
    for item in items {
        match item.as_str().and_then(Check::from_id) {
            Some(check) => {
                out.insert(check);
            }
            None => {
                let mut known: Vec<&str> = Check::ALL.iter().map(|c| c.id()).collect();
                known.sort_unstable();
                notes.push(format!(
                    "unknown check {item} in the `allow` list of {place} (known: {})",
                    known.join(", ")
                ))
            }
        }
    }
    out
}

/// A file to read, with what is needed to report on it.
#[derive(Debug, Clone)]
struct Job {
    path: PathBuf,
    /// Children of this file live in this directory (`src/` for `main.rs`, `src/foo/` for
    /// `src/foo.rs`).
    child_dir: PathBuf,
    /// Index into the origins (package, target) list.
    origin: usize,
}

struct Unit {
    origin: PackageTarget,
    allowed: BTreeSet<Check>,
    cfg_test: bool,
}

/// Where a file's `mod` children live.
fn child_dir(path: &Path, is_root: bool) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if is_root || stem == "mod" {
        dir
    } else {
        dir.join(stem)
    }
}

/// The file a `mod` declaration names, if it exists.
fn module_file(job: &Job, decl: &ModDecl) -> Option<(PathBuf, PathBuf)> {
    let mut dir = job.child_dir.clone();
    for parent in &decl.inline_parents {
        dir.push(parent);
    }
    if let Some(p) = &decl.path_attr {
        let base = if decl.inline_parents.is_empty() {
            job.path.parent().unwrap_or(Path::new("")).to_path_buf()
        } else {
            dir
        };
        let file = base.join(p);
        // A `#[path]` file's children sit next to it, like a `mod.rs`.
        return file.is_file().then(|| {
            let child = child_dir(&file, true);
            (file, child)
        });
    }
    let flat = dir.join(format!("{}.rs", decl.name));
    if flat.is_file() {
        let child = child_dir(&flat, false);
        return Some((flat, child));
    }
    let nested = dir.join(&decl.name).join("mod.rs");
    nested.is_file().then(|| {
        let child = child_dir(&nested, true);
        (nested, child)
    })
}

/// The file name as rustc prints it: relative to the workspace root when inside it.
fn display_name(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// [`run_for`] with `cargo_args` parsed here, for callers that hold them as strings.
pub fn run(
    metadata: &Metadata,
    cargo_args: &[String],
    cwd: &Path,
    ansi: bool,
    jobs: usize,
) -> Outcome {
    run_for(metadata, &CargoArgs::parse(cargo_args), cwd, ansi, jobs)
}

/// Runs the checks on the files this cargo invocation compiles. `cwd` locates the current
/// package as cargo does; `ansi`: rustc-style colors in `rendered`; `jobs`: worker threads.
pub fn run_for(
    metadata: &Metadata,
    args: &CargoArgs,
    cwd: &Path,
    ansi: bool,
    jobs: usize,
) -> Outcome {
    let mut outcome = Outcome::default();
    let global = allow_list(
        &metadata.workspace_metadata,
        "[workspace.metadata.explain-async]",
        &mut outcome.notes,
    );
    let root = metadata.workspace_root.as_std_path();
    let target_dir = metadata.target_directory.as_std_path();
    let mut units = Vec::new();
    let mut roots = Vec::new();
    for pkg in select(metadata, args, cwd) {
        let place = format!("[package.metadata.explain-async] of `{}`", pkg.name);
        let mut allowed = allow_list(&pkg.metadata, &place, &mut outcome.notes);
        allowed.extend(global.iter().copied());
        if allowed.len() == Check::ALL.len() {
            continue;
        }
        for target in pkg.targets.iter().filter(|t| args.targets.selects(t)) {
            let path = target.src_path.as_std_path().to_path_buf();
            roots.push(Job {
                child_dir: child_dir(&path, true),
                path,
                origin: units.len(),
            });
            units.push(Unit {
                origin: PackageTarget {
                    package_id: pkg.id.repr.clone(),
                    manifest_path: pkg.manifest_path.to_string(),
                    target: serde_json::to_value(target).unwrap_or(Value::Null),
                },
                allowed: allowed.clone(),
                cfg_test: args.targets.cfg_test(),
            });
        }
    }
    let shape = [
        if ansi { "ansi" } else { "plain" },
        if args.targets.cfg_test() {
            "cfg-test"
        } else {
            "no-cfg-test"
        },
    ];
    let memo = Memo::open(root, &shape);
    let results = walk(roots, &units, root, target_dir, ansi, jobs.max(1), &memo);
    memo.save();
    let mut lines = Vec::new();
    for result in results {
        match result {
            FileResult::Skipped(name) => outcome.skipped.push(name),
            FileResult::Read { findings } => {
                outcome.files += 1;
                outcome.findings += findings.len();
                lines.extend(findings);
            }
        }
    }
    lines.sort();
    outcome.skipped.sort();
    outcome.lines = lines.into_iter().map(|(_, line)| line).collect();
    outcome
}

enum FileResult {
    Skipped(String),
    /// `((file, line, column, check), json line)` per finding.
    Read {
        findings: Vec<((String, usize, usize, Check), String)>,
    },
}

/// Reads one file: its findings (already filtered by allow lists and comments) and the
/// files its `mod` declarations name. An unchanged file's findings come from `memo`.
fn read_one(
    job: &Job,
    unit: &Unit,
    root: &Path,
    ansi: bool,
    memo: &Memo,
) -> (FileResult, Vec<(PathBuf, PathBuf)>) {
    let name = display_name(&job.path, root);
    let Ok(text) = std::fs::read_to_string(&job.path) else {
        return (FileResult::Skipped(name), Vec::new());
    };
    let allowed: Vec<&str> = unit.allowed.iter().map(|c| c.id()).collect();
    let allowed = allowed.join(",");
    let target = unit.origin.target.to_string();
    let path = job.path.to_string_lossy();
    let key = Memo::key(&[
        &text,
        &name,
        &path,
        &unit.origin.package_id,
        &unit.origin.manifest_path,
        &target,
        &allowed,
        if unit.cfg_test {
            "cfg-test"
        } else {
            "no-cfg-test"
        },
        if ansi { "ansi" } else { "plain" },
    ]);
    let valid = |e: &Entry| {
        e.parsed
            .as_ref()
            .is_none_or(|p| p.findings.iter().all(|f| f.2 < Check::ALL.len()))
    };
    let entry = match memo.get(&key).filter(valid) {
        Some(entry) => entry,
        None => {
            let entry = analyze_one(&text, &name, unit, ansi);
            memo.put(key, entry.clone());
            entry
        }
    };
    let Some(parsed) = entry.parsed else {
        return (FileResult::Skipped(name), Vec::new());
    };
    let children = parsed
        .modules
        .iter()
        .filter_map(|decl| module_file(job, decl))
        .collect();
    let findings = parsed
        .findings
        .into_iter()
        .map(|(line, column, check, message)| {
            ((name.clone(), line, column, Check::ALL[check]), message)
        })
        .collect();
    (FileResult::Read { findings }, children)
}

/// Parses and checks one file's text: what [`Memo`] keeps of it.
fn analyze_one(text: &str, name: &str, unit: &Unit, ansi: bool) -> Entry {
    let Ok(report) = analyze_source(text, unit.cfg_test) else {
        return Entry { parsed: None };
    };
    let findings = report
        .findings
        .iter()
        .filter(|f| !unit.allowed.contains(&f.check))
        .map(|f| {
            let p = f.primary().lo;
            let check = Check::ALL.iter().position(|c| *c == f.check).unwrap_or(0);
            (
                p.line,
                p.column,
                check,
                compiler_message(f, name, text, &unit.origin, ansi),
            )
        })
        .collect();
    Entry {
        parsed: Some(Parsed {
            modules: report.modules,
            findings,
        }),
    }
}

/// syn recurses on nesting; a big stack keeps pathological sources from overflowing it.
const WORKER_STACK: usize = 64 * 1024 * 1024;

/// Reads every file reachable from `roots` with `jobs` threads; each file once.
fn walk(
    roots: Vec<Job>,
    units: &[Unit],
    root: &Path,
    target_dir: &Path,
    ansi: bool,
    jobs: usize,
    memo: &Memo,
) -> Vec<FileResult> {
    struct State {
        queue: VecDeque<Job>,
        seen: HashSet<PathBuf>,
        busy: usize,
        results: Vec<FileResult>,
    }
    let key = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let mut state = State {
        queue: VecDeque::new(),
        seen: HashSet::new(),
        busy: 0,
        results: Vec::new(),
    };
    for job in roots {
        if state.seen.insert(key(&job.path)) {
            state.queue.push_back(job);
        }
    }
    let shared = (Mutex::new(state), Condvar::new());
    let worker = || loop {
        let (lock, ready) = &shared;
        let job = {
            let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(job) = st.queue.pop_front() {
                    st.busy += 1;
                    break Some(job);
                }
                if st.busy == 0 {
                    break None;
                }
                st = ready.wait(st).unwrap_or_else(|e| e.into_inner());
            }
        };
        let Some(job) = job else {
            ready.notify_all();
            return;
        };
        let (result, children) = read_one(&job, &units[job.origin], root, ansi, memo);
        let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
        st.results.push(result);
        for (path, child_dir) in children {
            if path.starts_with(target_dir) || !st.seen.insert(key(&path)) {
                continue;
            }
            st.queue.push_back(Job {
                path,
                child_dir,
                origin: job.origin,
            });
        }
        st.busy -= 1;
        drop(st);
        ready.notify_all();
    };
    if jobs == 1 {
        worker();
    } else {
        std::thread::scope(|s| {
            let spawned = (0..jobs)
                .filter(|_| {
                    std::thread::Builder::new()
                        .stack_size(WORKER_STACK)
                        .spawn_scoped(s, worker)
                        .is_ok()
                })
                .count();
            if spawned == 0 {
                worker();
            }
        });
    }
    let (lock, _) = shared;
    lock.into_inner().unwrap_or_else(|e| e.into_inner()).results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_name_checks() {
        let mut notes = Vec::new();
        let v = serde_json::json!({"explain-async": {"allow": ["lock_held_across_await", "nope"]}});
        let allowed = allow_list(&v, "here", &mut notes);
        assert_eq!(
            allowed.into_iter().collect::<Vec<_>>(),
            vec![Check::LockHeldAcrossAwait]
        );
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("\"nope\""), "{notes:?}");
    }

    #[test]
    fn child_dirs_follow_the_module_rules() {
        assert_eq!(child_dir(Path::new("src/main.rs"), true), Path::new("src"));
        assert_eq!(
            child_dir(Path::new("src/net.rs"), false),
            Path::new("src/net")
        );
        assert_eq!(
            child_dir(Path::new("src/net/mod.rs"), false),
            Path::new("src/net")
        );
    }
}
