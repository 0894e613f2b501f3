//! Running cargo as a child process, the way cargo-nextest and bacon do: the cargo named by
//! `$CARGO` (else `cargo` on PATH), stdin null, stdout piped for us to parse as it arrives,
//! stderr inherited so progress and `could not compile` stay live on the terminal. How a run
//! that is stopped early stops cargo too is in [`signals`].

pub mod args;
pub mod cache;
pub mod child;
pub mod metadata;
#[cfg(unix)]
pub mod signals;
#[cfg(unix)]
pub mod watchdog;

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

    /// Starts cargo in a process group of its own, so that a signal sent to the group reaches
    /// rustc and build scripts too.
    pub fn spawn(&self) -> Result<Child, Error> {
        start(self.command(), 0)
    }

    /// Starts cargo in the watchdog's process group, with termination signals forwarded to
    /// that group until the guard is dropped (see [`signals`] for the cases).
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

/// Starts `cmd` in process group `group` (0: a new group that cargo leads).
fn start(mut cmd: Command, group: i32) -> Result<Child, Error> {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, group);
    #[cfg(not(unix))]
    let _ = group;
    cmd.spawn().map_err(|source| Error::Spawn {
        program: program().to_string_lossy().into_owned(),
        source,
    })
}

/// Starts `cmd` (cargo) in the watchdog's process group, with termination signals forwarded
/// to that group until the guard is dropped.
fn forwarding(cmd: Command) -> Result<(Child, SignalGuard), Error> {
    #[cfg(unix)]
    {
        // Handlers first, so a signal that arrives while cargo starts is queued and forwarded
        // rather than killing us before cargo is protected.
        let pending = signals::prepare().ok();
        // Without a watchdog or forwarding cargo still runs: a cancel that leaves cargo to
        // finish is better than no build.
        let watchdog = watchdog::Watchdog::spawn().ok();
        let child = start(cmd, watchdog.as_ref().map_or(0, |w| w.group()))?;
        let group = watchdog
            .as_ref()
            .and_then(|w| rustix::process::Pid::from_raw(w.group()))
            .unwrap_or_else(|| rustix::process::Pid::from_child(&child));
        let forwarder = pending.and_then(|p| p.start(group).ok());
        Ok((
            child,
            SignalGuard {
                _forwarder: forwarder,
                _watchdog: watchdog,
            },
        ))
    }
    #[cfg(not(unix))]
    Ok((start(cmd, 0)?, SignalGuard {}))
}

/// Keeps signal forwarding and the watchdog alive while cargo runs. Drop it once cargo has
/// been waited for: forwarding stops, then the watchdog is told that cargo is done.
pub struct SignalGuard {
    // Fields drop in order: no signal is forwarded to a group the watchdog may be leaving.
    #[cfg(unix)]
    _forwarder: Option<signals::Forwarder>,
    #[cfg(unix)]
    _watchdog: Option<watchdog::Watchdog>,
}
