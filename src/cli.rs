//! The command line: our options, mixed freely with `cargo check` options that are forwarded
//! unchanged. Arguments are split first (ours vs cargo's), then ours are parsed by clap.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::cargo::args::{split_inline, CargoArgs, END_OF_OPTIONS};
use crate::error::Error;
pub use crate::render::Format;

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Our own options. Everything else on the command line goes to `cargo check`.
#[derive(Debug, Parser)]
#[command(
    name = "cargo explain-async",
    bin_name = "cargo explain-async",
    version,
    about = "Runs `cargo check` and explains async mistakes in Python asyncio terms",
    after_help = "Every other option (-p, --workspace, --all-targets, --features, --manifest-path, \
--target, --release, --locked, --offline, -q, -v, -Z …) is passed to `cargo check` unchanged.\n\
Exit status: cargo's own; 2 for usage or rule-file errors, or when --fix refuses the working \
tree; 3 with --deny-lints when a source check found something. Docs: README.md."
)]
pub struct Options {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colors (auto honours NO_COLOR, CLICOLOR_FORCE, CARGO_TERM_COLOR and a TTY)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Run `cargo clippy` instead of `cargo check`
    #[arg(long)]
    pub clippy: bool,
    /// Read a saved `--message-format=json` stream from FILE (or `-` for stdin) instead of running cargo
    #[arg(long, value_name = "FILE|-")]
    pub from: Option<String>,
    /// A directory of extra rule files (repeatable)
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Write the chosen format to FILE; the terminal gets the human output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print a rule in full (by rule id, or every rule for a rustc code or lint)
    #[arg(long, value_name = "RULE-ID|EXXXX")]
    pub explain: Option<String>,
    /// List the rulebook (id, codes/lints, title)
    #[arg(long)]
    pub list_rules: bool,
    /// Turn off our source checks (blocking calls in async code, sequential accept loops, locks held across awaits)
    #[arg(long)]
    pub no_lints: bool,
    /// Fail (exit status 3) when a source check finds something and cargo itself succeeded
    #[arg(long)]
    pub deny_lints: bool,
    /// Apply the machine-applicable fixes to your files (like `cargo fix`), keep those the compiler confirms, then check again
    #[arg(long)]
    pub fix: bool,
    /// With --fix: fix even if the working tree has uncommitted changes (staged ones too)
    #[arg(long)]
    pub allow_dirty: bool,
    /// With --fix: fix even if the working tree has staged changes
    #[arg(long)]
    pub allow_staged: bool,
    /// With --fix: fix even if the project is not in a git checkout
    #[arg(long)]
    pub allow_no_vcs: bool,
    /// Arguments forwarded to cargo (filled by the splitter, not by clap).
    #[arg(skip)]
    pub cargo_args: Vec<String>,
    /// The same arguments, parsed once: what the tool needs to know about the build.
    #[arg(skip)]
    pub cargo: CargoArgs,
}

/// Our options that take a value.
const OURS_WITH_VALUE: &[&str] = &[
    "--format",
    "--color",
    "--from",
    "--rules",
    "--output",
    "--explain",
];
/// Our options that are flags.
const OURS_FLAGS: &[&str] = &[
    "--clippy",
    "--list-rules",
    "--no-lints",
    "--deny-lints",
    "--fix",
    "--allow-dirty",
    "--allow-staged",
    "--allow-no-vcs",
    "--help",
    "-h",
    "--version",
    "-V",
];

/// What the command line asked for.
#[derive(Debug)]
pub enum Parsed {
    Run(Box<Options>),
    /// `--help` or `--version`: print this text and exit successfully.
    Info(String),
}

/// Parses `argv` (including the program name, and `explain-async` when run by cargo).
/// The arguments as strings; one that is not valid UTF-8 is a usage error naming it.
pub fn utf8_args(argv: Vec<std::ffi::OsString>) -> Result<Vec<String>, Error> {
    argv.into_iter()
        .map(|a| {
            a.into_string().map_err(|a| {
                Error::Usage(format!(
                    "argument {} is not valid UTF-8",
                    a.to_string_lossy()
                ))
            })
        })
        .collect()
}

pub fn parse(argv: Vec<String>) -> Result<Parsed, Error> {
    let mut args = argv.into_iter();
    let program = args.next().unwrap_or_else(|| "cargo-explain-async".into());
    let mut rest: Vec<String> = args.collect();
    // `cargo explain-async …` runs us as `cargo-explain-async explain-async …`.
    if rest.first().map(String::as_str) == Some("explain-async") {
        rest.remove(0);
    }
    let (ours, cargo) = split(rest)?;
    let mut clap_args = vec![program];
    clap_args.extend(ours);
    match Options::try_parse_from(clap_args) {
        Ok(mut options) => {
            options.cargo = CargoArgs::parse(&cargo);
            options.cargo_args = cargo;
            if options.deny_lints && options.no_lints {
                return Err(Error::Usage(
                    "--deny-lints and --no-lints contradict each other; choose one".into(),
                ));
            }
            if options.deny_lints && options.from.is_some() {
                return Err(Error::Usage(
                    "--deny-lints needs cargo to run: the source checks are off with --from".into(),
                ));
            }
            check_fix_flags(&options)?;
            Ok(Parsed::Run(Box::new(options)))
        }
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                Ok(Parsed::Info(e.render().to_string()))
            }
            _ => Err(Error::Usage(
                e.render()
                    .to_string()
                    .trim_start_matches("error: ")
                    .trim_end()
                    .to_string(),
            )),
        },
    }
}

/// `--fix` needs cargo and the files (not `--from`, `--explain` or `--list-rules`); the
/// `--allow-*` flags only mean something with it.
fn check_fix_flags(options: &Options) -> Result<(), Error> {
    if options.fix {
        let other = if options.from.is_some() {
            Some("--from: it fixes the files cargo checks, not a saved stream")
        } else if options.explain.is_some() {
            Some("--explain")
        } else if options.list_rules {
            Some("--list-rules")
        } else {
            None
        };
        if let Some(other) = other {
            return Err(Error::Usage(format!("--fix cannot be used with {other}")));
        }
        return Ok(());
    }
    let allow = [
        (options.allow_dirty, "--allow-dirty"),
        (options.allow_staged, "--allow-staged"),
        (options.allow_no_vcs, "--allow-no-vcs"),
    ];
    match allow.iter().find(|(set, _)| *set) {
        Some((_, flag)) => Err(Error::Usage(format!(
            "{flag} only applies to --fix; add --fix to apply fixes"
        ))),
        None => Ok(()),
    }
}

/// Splits arguments into ours and cargo's, keeping each side's order.
fn split(args: Vec<String>) -> Result<(Vec<String>, Vec<String>), Error> {
    let mut ours = Vec::new();
    let mut cargo = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        if arg == END_OF_OPTIONS {
            // Everything after `--` belongs to cargo (e.g. clippy's own flags).
            cargo.push(arg);
            cargo.extend(it.by_ref());
            break;
        }
        let (name, inline) = split_inline(&arg);
        if name == "--message-format" {
            return Err(Error::Usage(
                "--message-format belongs to cargo and is chosen by explain-async; use --format human|short|json|github|sarif|gitlab instead".into(),
            ));
        }
        if OURS_FLAGS.contains(&name) {
            ours.push(arg);
        } else if OURS_WITH_VALUE.contains(&name) {
            let inline = inline.is_some();
            ours.push(arg);
            if !inline {
                if let Some(value) = it.next() {
                    ours.push(value);
                }
            }
        } else {
            cargo.push(arg);
        }
    }
    Ok((ours, cargo))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Options {
        let argv = args.iter().map(|s| s.to_string()).collect();
        match parse(argv).unwrap() {
            Parsed::Run(o) => *o,
            Parsed::Info(i) => panic!("unexpected info {i}"),
        }
    }

    #[test]
    fn mixes_ours_and_cargos() {
        let o = run(&[
            "cargo-explain-async",
            "explain-async",
            "-p",
            "app",
            "--format",
            "short",
            "--all-targets",
            "--rules=team",
            "--features",
            "a b",
            "--color",
            "never",
            "--",
            "--format",
        ]);
        assert_eq!(o.format, Format::Short);
        assert_eq!(o.color, ColorChoice::Never);
        assert_eq!(o.rules, vec![PathBuf::from("team")]);
        assert_eq!(
            o.cargo_args,
            vec![
                "-p",
                "app",
                "--all-targets",
                "--features",
                "a b",
                "--",
                "--format"
            ]
        );
        assert_eq!(o.cargo.as_slice(), o.cargo_args);
        assert_eq!(o.cargo.packages, vec!["app"]);
        assert!(o.cargo.targets.all);
        assert_eq!(o.cargo.metadata_flags, vec!["--features", "a b"]);
    }

    #[test]
    fn rejects_message_format() {
        let err = parse(vec!["x".into(), "--message-format=json".into()]).unwrap_err();
        assert!(err.to_string().contains("use --format"));
    }

    #[test]
    fn lint_flags() {
        let o = run(&["x", "--no-lints", "-p", "a"]);
        assert!(o.no_lints && !o.deny_lints);
        assert_eq!(o.cargo_args, vec!["-p", "a"]);
        assert!(run(&["x", "--deny-lints"]).deny_lints);
        for bad in [
            &["x", "--deny-lints", "--no-lints"][..],
            &["x", "--deny-lints", "--from", "f"],
        ] {
            let argv = bad.iter().map(|s| s.to_string()).collect();
            assert!(matches!(parse(argv), Err(Error::Usage(_))));
        }
    }

    #[test]
    fn fix_flags() {
        let o = run(&["x", "--fix", "--allow-dirty", "-p", "a", "--allow-no-vcs"]);
        assert!(o.fix && o.allow_dirty && o.allow_no_vcs && !o.allow_staged);
        assert_eq!(o.cargo_args, vec!["-p", "a"]);
        for bad in [
            &["x", "--fix", "--from", "f"][..],
            &["x", "--fix", "--from=-"],
            &["x", "--fix", "--explain", "unused_future"],
            &["x", "--fix", "--list-rules"],
            &["x", "--allow-dirty"],
            &["x", "--allow-staged", "--workspace"],
        ] {
            let argv = bad.iter().map(|s| s.to_string()).collect();
            let err = parse(argv).unwrap_err();
            assert!(matches!(err, Error::Usage(_)), "{bad:?}: {err}");
        }
    }

    #[test]
    fn bad_value_is_usage_error() {
        let err = parse(vec!["x".into(), "--format".into(), "xml".into()]).unwrap_err();
        assert!(err.to_string().contains("invalid value 'xml'"), "{err}");
    }
}
