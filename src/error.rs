//! The one error type of the tool. Messages read well after `error:`: lowercase, no trailing
//! period, naming the file or value involved.

use std::fmt;
use std::path::PathBuf;

/// Everything that can stop a run before or instead of cargo's own result.
#[derive(Debug)]
pub enum Error {
    /// The command line could not be understood (exit code 2).
    Usage(String),
    /// A rule file is malformed (exit code 2).
    Rule {
        /// Where the rule came from (a file path or `builtin:<id>`).
        origin: String,
        /// 1-based line in that file, when known.
        line: Option<usize>,
        /// What is wrong.
        problem: String,
    },
    /// A `--rules` directory or a rules path from Cargo.toml could not be read (exit code 2).
    RulesDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `--from` input could not be opened or read (exit code 2).
    Input {
        path: String,
        source: std::io::Error,
    },
    /// The cargo binary could not be started (exit code 1).
    Spawn {
        program: String,
        source: std::io::Error,
    },
    /// Waiting for, or reading from, the cargo child process failed (exit code 1).
    Child(std::io::Error),
    /// `cargo metadata` failed or gave something we cannot use (exit code 2).
    Metadata(String),
    /// Writing an output file failed (exit code 1).
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `--fix` will not rewrite files here: no git checkout, or changes not committed
    /// (exit code 2). The message says which flag lets it through.
    Refused(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => f.write_str(msg),
            Error::Rule {
                origin,
                line: Some(line),
                problem,
            } => write!(f, "invalid rule {origin}:{line}: {problem}"),
            Error::Rule {
                origin,
                line: None,
                problem,
            } => write!(f, "invalid rule {origin}: {problem}"),
            Error::RulesDir { path, source } => {
                write!(f, "cannot read rules from {}: {source}", path.display())
            }
            Error::Input { path, source } => write!(f, "cannot read {path}: {source}"),
            Error::Spawn { program, source } => {
                write!(f, "could not run `{program}`: {source}")?;
                if source.kind() == std::io::ErrorKind::NotFound {
                    write!(
                        f,
                        " (is cargo installed and on PATH, or is $CARGO set correctly?)"
                    )?;
                }
                Ok(())
            }
            Error::Child(source) => write!(f, "lost contact with cargo: {source}"),
            Error::Metadata(msg) => write!(f, "cargo metadata failed: {msg}"),
            Error::Output { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            Error::Refused(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}
