//! The watchdog: a second copy of this binary that sits in cargo's process group and kills
//! that group when we die without saying goodbye (a SIGKILL to our process group or to us
//! alone, the OOM killer, an abort). [`super::signals`] explains why cargo has a group of its
//! own and which mechanism covers which case; this module owns only the watchdog's two
//! halves: [`Watchdog`] in the tool, [`main`] in the watchdog process.
//!
//! The protocol is one pipe, our end write-only and close-on-exec (cargo and rustc never hold
//! it). The kernel closes it when we die, however we die. Before a normal exit we write one
//! byte first: a byte means "cargo is done, leave the group alone" (a build script may have
//! started something on purpose, and plain cargo would not kill it either); end of file with
//! no byte means we are gone and cargo must go too.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use rustix::process::{getpgrp, getpid, kill_current_process_group, Signal};

use super::signals::FORWARDED;

/// The argument that starts this binary as a watchdog (never shown in `--help`; a flag rather
/// than a word so that any other binary started with it by mistake rejects it).
pub const ARG: &str = "--explain-async-watchdog";

/// Whether `argv` (program name first) asks for the watchdog.
pub fn requested(argv: &[std::ffi::OsString]) -> bool {
    argv.len() == 2 && argv[1] == ARG
}

/// The tool's handle on a running watchdog; dropping it disarms the watchdog, except during
/// a panic (then cargo may still be running with nobody to read it: the watchdog kills it).
pub struct Watchdog {
    child: Child,
    pipe: Option<ChildStdin>,
}

impl Watchdog {
    /// Starts the watchdog as the leader of a new process group; cargo then joins that group
    /// (see [`Watchdog::group`]), so that a watchdog exists before cargo does.
    pub fn spawn() -> io::Result<Watchdog> {
        let mut cmd = Command::new(own_binary()?);
        cmd.arg(ARG)
            .stdin(Stdio::piped())
            // Holding an editor's or CI runner's stdout or stderr open would make it wait for
            // the watchdog after we are gone.
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn()?;
        let pipe = child.stdin.take();
        Ok(Watchdog { child, pipe })
    }

    /// The process group id the watchdog leads, for cargo to join.
    pub fn group(&self) -> i32 {
        // Process ids fit in an i32 on every Unix (`pid_t`).
        i32::try_from(self.child.id()).unwrap_or(0)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(mut pipe) = self.pipe.take() {
            if !std::thread::panicking() {
                // If the watchdog is already gone the write fails; there is nothing to disarm.
                let _ = pipe.write_all(b"x");
            }
        }
        // Reap it if it has already exited; otherwise it exits on its own within moments of
        // reading the byte, and the system reaps it after we exit.
        let _ = self.child.try_wait();
    }
}

/// This binary, for starting a second copy of it (so that `ps` shows its name). On Linux,
/// when the installed file was replaced or deleted while we run (`cargo install` over it),
/// `/proc/self/exe` still starts the same program.
fn own_binary() -> io::Result<PathBuf> {
    let exe = std::env::current_exe();
    #[cfg(target_os = "linux")]
    if !exe.as_ref().is_ok_and(|p| p.exists()) {
        return Ok(PathBuf::from("/proc/self/exe"));
    }
    exe
}

/// The watchdog process: waits on its stdin; on end of file without a byte first, kills its
/// own process group (cargo, rustc, build scripts and itself) with SIGKILL, the signal they
/// would have received had they shared the group that was killed. Returns the exit status.
pub fn main() -> u8 {
    // Started by hand from a shell it would wait on the terminal: refuse instead.
    if io::stdin().is_terminal() {
        let _ = writeln!(io::stderr(), "error: {ARG} is for the tool's internal use");
        return crate::exit::USAGE;
    }
    // The signals forwarded to cargo's group reach us too; they are meant for cargo (a
    // handler that only sets an unused flag keeps the default action, death, away from us).
    let ignored = Arc::new(AtomicBool::new(false));
    for &signal in FORWARDED {
        let _ = signal_hook::flag::register(signal, Arc::clone(&ignored));
    }
    let mut byte = [0u8; 1];
    let mut stdin = io::stdin().lock();
    let tool_is_gone = loop {
        match stdin.read(&mut byte) {
            Ok(0) => break true,
            Ok(_) => break false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // Unreadable stdin: we cannot watch, and must not kill on a guess.
            Err(_) => break false,
        }
    };
    // Only ever the group we lead, the one cargo joined.
    if tool_is_gone && getpgrp() == getpid() {
        let _ = kill_current_process_group(Signal::KILL);
    }
    crate::exit::SUCCESS
}
