//! Running cargo as a child process, the way cargo-nextest and bacon do: the cargo named by
//! `$CARGO` (else `cargo` on PATH), stdin null, stdout piped for us to parse as it arrives,
//! stderr inherited so progress and `could not compile` stay live on the terminal.

pub mod args;
pub mod child;
pub mod metadata;
#[cfg(unix)]
pub mod signals;

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
        // A process group of its own, so that a signal we forward reaches rustc and build
        // scripts too (see `signals`).
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd
    }

    /// Starts cargo.
    pub fn spawn(&self) -> Result<Child, Error> {
        start(self.command())
    }

    /// Starts cargo with termination signals forwarded to it until the guard is dropped.
    pub fn spawn_forwarding(&self) -> Result<(Child, SignalGuard), Error> {
        forwarding(self.command())
    }

    /// [`Invocation::spawn_forwarding`] with cargo's stderr piped to us instead of the
    /// terminal (`--fix`'s checks before the last one: the user sees only the last).
    pub fn spawn_capturing_stderr(&self) -> Result<(Child, SignalGuard), Error> {
        let mut cmd = self.command();
        cmd.stderr(Stdio::piped());
        forwarding(cmd)
    }
}

fn start(mut cmd: Command) -> Result<Child, Error> {
    cmd.spawn().map_err(|source| Error::Spawn {
        program: program().to_string_lossy().into_owned(),
        source,
    })
}

/// Starts `cmd` with termination signals forwarded to it until the guard is dropped.
fn forwarding(cmd: Command) -> Result<(Child, SignalGuard), Error> {
    #[cfg(unix)]
    let pending = signals::prepare().ok();
    let child = start(cmd)?;
    // Without forwarding cargo still runs: a lost Ctrl-C is better than no build.
    #[cfg(unix)]
    let guard = SignalGuard(pending.and_then(|p| p.start(&child).ok()));
    #[cfg(not(unix))]
    let guard = SignalGuard(None);
    Ok((child, guard))
}

/// Keeps signal forwarding alive while cargo runs; forwarding stops when it is dropped.
pub struct SignalGuard(
    #[cfg(unix)]
    #[expect(
        dead_code,
        reason = "held only for its Drop, which stops the forwarder"
    )]
    Option<signals::Forwarder>,
    #[cfg(not(unix))] Option<()>,
);
