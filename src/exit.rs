//! Every exit status the tool can end with, in one place.
//!
//! When cargo ran, its status is forwarded unchanged (0, 101, …; `128 + N` when cargo was
//! killed by signal `N`). Explanations never change it.

/// Success: cargo succeeded, or a `--from` stream / `--explain` / `--list-rules` was handled.
pub const SUCCESS: u8 = 0;
/// Our own failure while running: cargo could not be started, an output file could not be
/// written, the child's pipe broke.
pub const FAILURE: u8 = 1;
/// Usage errors, rule-file errors, unreadable `--from` input, failed `cargo metadata`, and
/// `--fix` refusing a tree it could not undo its changes in (no git, uncommitted changes).
pub const USAGE: u8 = 2;
/// `--deny-lints`: cargo succeeded but one of our source checks found something (when cargo
/// failed, its own status wins). Without `--deny-lints` findings never change the status.
pub const LINTS_DENIED: u8 = 3;
/// Base added to the signal number when cargo was killed by a signal (shell convention).
pub const SIGNAL_BASE: u8 = 128;

use crate::error::Error;

/// The exit status for an error that stopped the run.
pub fn for_error(err: &Error) -> u8 {
    match err {
        Error::Usage(_)
        | Error::Rule { .. }
        | Error::RulesDir { .. }
        | Error::Input { .. }
        | Error::Metadata(_)
        | Error::Refused(_) => USAGE,
        Error::Spawn { .. } | Error::Child(_) | Error::Output { .. } => FAILURE,
    }
}

/// Turns a child's exit status into ours: its code, or `128 + signal`.
pub fn from_status(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        // Exit codes on Unix are 0..=255; on Windows they can be wider, keep the low byte
        // but never turn a failure into success.
        let byte = (code & 0xff) as u8;
        return if code != 0 && byte == 0 {
            FAILURE
        } else {
            byte
        };
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return SIGNAL_BASE.saturating_add(signal as u8);
        }
    }
    FAILURE
}
