//! Running cargo as a child process, the way cargo-nextest and bacon do: the cargo named by
//! `$CARGO` (else `cargo` on PATH), stdin null, stdout piped for us to parse as it arrives,
//! stderr inherited so progress and `could not compile` stay live on the terminal.

pub mod metadata;

use std::ffi::OsString;
use std::process::{Child, Command, Stdio};

use crate::error::Error;

/// `cargo check` or `cargo clippy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subcommand {
    Check,
    Clippy,
}

/// Everything needed to start cargo.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub subcommand: Subcommand,
    /// Ask for rustc's ANSI colors inside `rendered`.
    pub ansi: bool,
    /// `--color` value to pass on to cargo, when the user gave one explicitly.
    pub color: Option<&'static str>,
    /// The user's cargo options, unchanged.
    pub args: Vec<String>,
}

/// The cargo program to run: `$CARGO` when set (cargo sets it for subcommands), else `cargo`.
pub fn program() -> OsString {
    std::env::var_os("CARGO")
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "cargo".into())
}

impl Invocation {
    /// The command line, for spawning and for messages.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(program());
        cmd.arg(match self.subcommand {
            Subcommand::Check => "check",
            Subcommand::Clippy => "clippy",
        });
        cmd.arg(if self.ansi {
            "--message-format=json-diagnostic-rendered-ansi"
        } else {
            "--message-format=json"
        });
        if let Some(color) = self.color {
            cmd.args(["--color", color]);
        }
        // The user's arguments go last so a trailing `-- <clippy flags>` stays trailing.
        cmd.args(&self.args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        cmd
    }

    /// Starts cargo.
    pub fn spawn(&self) -> Result<Child, Error> {
        self.command().spawn().map_err(|source| Error::Spawn {
            program: program().to_string_lossy().into_owned(),
            source,
        })
    }
}
