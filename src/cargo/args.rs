//! The `cargo check` arguments we forward, read once into a [`CargoArgs`]: the one place that
//! knows how cargo spells its options (`--name value`, `--name=value`, `-pNAME`, `--` ending
//! them) and what the rest of the tool needs from them (the manifest, the packages and targets
//! that are built, the flags `cargo metadata` must also get). The arguments themselves go to
//! cargo unchanged: nothing here rejects, reorders or rewrites them.

use std::path::PathBuf;

use cargo_metadata::Target;

/// Ends the options: what follows belongs to the tool cargo runs (clippy's `-W …`), not to
/// cargo, and is never read here.
pub const END_OF_OPTIONS: &str = "--";

/// One argument as an option name and its inline value: `--name=value` gives
/// (`--name`, `Some("value")`); anything else is returned whole, with no value.
pub fn split_inline(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((name, value)) if name.starts_with("--") => (name, Some(value)),
        _ => (arg, None),
    }
}

/// `cargo check` options that take a value, so that the argument after them is that value and
/// is never read as an option. Short ones also take it attached (`-pNAME`).
const TAKES_VALUE: &[&str] = &[
    "-p",
    "--package",
    "--exclude",
    "--manifest-path",
    "--bin",
    "--example",
    "--test",
    "--bench",
    "-F",
    "--features",
    "-Z",
    "--config",
    "--target",
    "--target-dir",
    "--profile",
    "-j",
    "--jobs",
    "--color",
    "--message-format",
    "--lockfile-path",
];

/// Options that also change what `cargo metadata` reports (features, the lock file, the
/// network, unstable flags, config), so it must get them too to describe the same build.
const FOR_METADATA: &[&str] = &[
    "--offline",
    "--locked",
    "--frozen",
    "--all-features",
    "--no-default-features",
    "-F",
    "--features",
    "-Z",
    "--config",
];

/// A kind of cargo target, as the target-selection flags name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// The library (any crate type: lib, rlib, dylib, cdylib, staticlib, proc-macro).
    Lib,
    Bin,
    Example,
    Test,
    Bench,
}

impl TargetKind {
    /// The kind of a target from `cargo metadata`; `None` for build scripts and kinds cargo
    /// may add later.
    pub fn of(target: &Target) -> Option<TargetKind> {
        let lib = target.is_lib()
            || target.is_proc_macro()
            || target.is_rlib()
            || target.is_dylib()
            || target.is_cdylib()
            || target.is_staticlib();
        Some(if lib {
            TargetKind::Lib
        } else if target.is_bin() {
            TargetKind::Bin
        } else if target.is_example() {
            TargetKind::Example
        } else if target.is_test() {
            TargetKind::Test
        } else if target.is_bench() {
            TargetKind::Bench
        } else {
            return None;
        })
    }
}

/// Which targets the arguments ask cargo to check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// Some target-selection flag was given, even one cargo will refuse (`--bin` without a
    /// name); without one, cargo checks the lib and bins.
    pub explicit: bool,
    /// `--all-targets`.
    pub all: bool,
    /// Every kind asked for as a whole: `--lib`, `--bins`, `--examples`, `--tests`,
    /// `--benches`.
    pub kinds: Vec<TargetKind>,
    /// Targets asked for by name: `--bin x`, `--example x`, `--test x`, `--bench x`.
    pub named: Vec<(TargetKind, String)>,
}

impl Targets {
    /// Whether cargo checks `target`: every kind with `--all-targets`, the lib and bins when
    /// no target flag is given, else the kinds and names asked for.
    pub fn selects(&self, target: &Target) -> bool {
        let Some(kind) = TargetKind::of(target) else {
            return false;
        };
        if self.all {
            return true;
        }
        if !self.explicit {
            return matches!(kind, TargetKind::Lib | TargetKind::Bin);
        }
        self.kinds.contains(&kind)
            || self
                .named
                .iter()
                .any(|(k, name)| *k == kind && *name == target.name)
    }

    /// Whether `#[cfg(test)]` code is compiled in this run (test targets are checked).
    pub fn cfg_test(&self) -> bool {
        self.all
            || self.kinds.contains(&TargetKind::Test)
            || self.named.iter().any(|(k, _)| *k == TargetKind::Test)
    }
}

/// The forwarded cargo arguments, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CargoArgs {
    /// Every argument, as given; this is what cargo gets.
    args: Vec<String>,
    /// `--manifest-path` (the first one; cargo refuses a second).
    pub manifest_path: Option<PathBuf>,
    /// `-p`/`--package` specs (`name`, `name@version`, globs), in order.
    pub packages: Vec<String>,
    /// `--exclude` specs.
    pub excludes: Vec<String>,
    /// `--workspace` (or its old name `--all`).
    pub workspace: bool,
    /// The target-selection flags.
    pub targets: Targets,
    /// The arguments `cargo metadata` must also get to describe the same build (features,
    /// `--offline`, `--locked`, `--frozen`, `-Z`, `--config`), as given.
    pub metadata_flags: Vec<String>,
}

impl CargoArgs {
    /// Reads the arguments cargo will get. Unknown options are skipped (they are cargo's
    /// business); reading stops at `--`.
    pub fn parse(args: &[String]) -> CargoArgs {
        let mut out = CargoArgs {
            args: args.to_vec(),
            ..CargoArgs::default()
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if arg == END_OF_OPTIONS {
                break;
            }
            let (name, value, separate) = match split_inline(arg) {
                (name, Some(v)) => (name, Some(v.to_string()), None),
                (name, None) if TAKES_VALUE.contains(&name) => {
                    let next = it.next();
                    (name, next.cloned(), next)
                }
                (name, None) => match attached_short(name) {
                    Some((short, v)) => (short, Some(v.to_string()), None),
                    None => (name, None, None),
                },
            };
            if FOR_METADATA.contains(&name) {
                out.metadata_flags.push(arg.clone());
                out.metadata_flags.extend(separate.cloned());
            }
            out.read(name, value);
        }
        out
    }

    /// Records one option.
    fn read(&mut self, name: &str, value: Option<String>) {
        let targets = &mut self.targets;
        match name {
            "-p" | "--package" => self.packages.extend(value),
            "--exclude" => self.excludes.extend(value),
            // The first one counts; cargo refuses a second.
            "--manifest-path" if self.manifest_path.is_none() => {
                self.manifest_path = value.map(PathBuf::from);
            }
            "--workspace" | "--all" => self.workspace = true,
            "--all-targets" => targets.all = true,
            "--lib" | "--bins" | "--examples" | "--tests" | "--benches" => {
                targets.explicit = true;
                targets.kinds.extend(kind_named(&name[2..]));
            }
            "--bin" | "--example" | "--test" | "--bench" => {
                targets.explicit = true;
                if let (Some(kind), Some(value)) = (kind_named(&name[2..]), value) {
                    targets.named.push((kind, value));
                }
            }
            _ => {}
        }
    }

    /// The arguments as given, for cargo.
    pub fn as_slice(&self) -> &[String] {
        &self.args
    }
}

/// The kind a target flag names, singular or plural (`bin`, `bins`, `lib`).
fn kind_named(flag: &str) -> Option<TargetKind> {
    Some(match flag {
        "lib" => TargetKind::Lib,
        "bin" | "bins" => TargetKind::Bin,
        "example" | "examples" => TargetKind::Example,
        "test" | "tests" => TargetKind::Test,
        "bench" | "benches" => TargetKind::Bench,
        _ => return None,
    })
}

/// A short option with its value attached (`-pNAME`, `-Fx`, `-Zflag`, `-p=NAME`): the option
/// and the value, for the short options that take one.
fn attached_short(arg: &str) -> Option<(&str, &str)> {
    if arg.starts_with("--") || !arg.is_char_boundary(2) {
        return None;
    }
    let (short, rest) = arg.split_at(2);
    if rest.is_empty() || !TAKES_VALUE.contains(&short) {
        return None;
    }
    Some((short, rest.strip_prefix('=').unwrap_or(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &[&str]) -> CargoArgs {
        CargoArgs::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn package_and_target_flags() {
        let a = parse(&[
            "-p",
            "a",
            "--package=b",
            "-pc",
            "--all-targets",
            "--",
            "-p",
            "x",
        ]);
        assert_eq!(a.packages, vec!["a", "b", "c"]);
        assert!(a.targets.all && a.targets.cfg_test());
        let a = parse(&[
            "--workspace",
            "--exclude",
            "z",
            "--bin",
            "srv",
            "--manifest-path=m/Cargo.toml",
        ]);
        assert!(a.workspace);
        assert_eq!(a.excludes, vec!["z"]);
        assert_eq!(a.targets.named, vec![(TargetKind::Bin, "srv".to_string())]);
        assert!(a.targets.explicit && a.targets.kinds.is_empty());
        assert!(!a.targets.cfg_test());
        assert_eq!(a.manifest_path, Some(PathBuf::from("m/Cargo.toml")));
        let a = parse(&["--lib", "--tests", "--test=it", "--all"]);
        assert_eq!(a.targets.kinds, vec![TargetKind::Lib, TargetKind::Test]);
        assert_eq!(a.targets.named, vec![(TargetKind::Test, "it".to_string())]);
        assert!(a.workspace && a.targets.cfg_test());
    }

    #[test]
    fn manifest_path_in_both_spellings_and_never_after_the_end() {
        let path = |v: &[&str]| parse(v).manifest_path;
        assert_eq!(
            path(&["-p", "x", "--manifest-path", "a/Cargo.toml"]),
            Some("a/Cargo.toml".into())
        );
        assert_eq!(
            path(&["--manifest-path=b/Cargo.toml"]),
            Some("b/Cargo.toml".into())
        );
        assert_eq!(path(&["--", "--manifest-path", "c"]), None);
        assert_eq!(path(&["--manifest-path"]), None);
    }

    #[test]
    fn values_are_never_read_as_options() {
        // `--features --workspace` is nonsense, but the value must stay a value.
        let a = parse(&[
            "--target-dir",
            "--lib",
            "--features",
            "--workspace",
            "-j",
            "2",
        ]);
        assert!(!a.workspace && a.targets.kinds.is_empty());
        assert_eq!(a.metadata_flags, vec!["--features", "--workspace"]);
    }

    #[test]
    fn metadata_gets_the_flags_that_shape_the_build_as_given() {
        let a = parse(&[
            "--offline",
            "-p",
            "app",
            "--features",
            "a b",
            "--features=c",
            "-Fd",
            "-Z",
            "unstable-options",
            "-Zother",
            "--config=x.y=1",
            "--config",
            "z=2",
            "--locked",
            "--frozen",
            "--all-features",
            "--no-default-features",
            "--release",
            "--",
            "--offline",
        ]);
        assert_eq!(
            a.metadata_flags,
            vec![
                "--offline",
                "--features",
                "a b",
                "--features=c",
                "-Fd",
                "-Z",
                "unstable-options",
                "-Zother",
                "--config=x.y=1",
                "--config",
                "z=2",
                "--locked",
                "--frozen",
                "--all-features",
                "--no-default-features",
            ]
        );
        assert_eq!(a.packages, vec!["app"]);
        assert_eq!(a.as_slice().len(), 20);
    }

    #[test]
    fn inline_values_only_for_long_options() {
        assert_eq!(split_inline("--format=json"), ("--format", Some("json")));
        assert_eq!(split_inline("--format"), ("--format", None));
        assert_eq!(split_inline("-p=x"), ("-p=x", None));
        assert_eq!(parse(&["-p=x"]).packages, vec!["x"]);
        // Short flags without values are not options with attached values.
        let a = parse(&["-vv", "-q"]);
        assert!(a.packages.is_empty() && a.metadata_flags.is_empty());
        assert_eq!(a.targets, Targets::default());
        assert_eq!(a.as_slice(), ["-vv", "-q"]);
    }
}
