//! Forwarding termination signals to cargo, so that stopping the tool stops the build.
//!
//! cargo runs in a process group of its own (see [`super::Invocation::command`]); rustc and
//! build scripts inherit it. A signal sent to us alone (`kill PID`, a CI runner's SIGTERM, a
//! closed terminal's SIGHUP) would otherwise leave cargo and rustc running as orphans. A
//! terminal's Ctrl-C reaches our group only, so it is forwarded the same way. We keep
//! running, read what cargo still prints, and end with cargo's status (`128 + N` when the
//! signal killed it), like any other cargo run.
//!
//! Ctrl-Z (SIGTSTP) stops cargo's group and then ourselves; SIGCONT resumes the group.
//!
//! Built on `signal-hook` (the maintained standard for safe signal handling: the handler only
//! writes to a self-pipe, our thread does the work) and `rustix` for a safe `killpg`; the
//! crate keeps `#![forbid(unsafe_code)]`.

use std::io;
use std::process::Child;
use std::thread::JoinHandle;

use rustix::process::{kill_process_group, Pid, Signal};
use signal_hook::consts::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGSTOP, SIGTERM, SIGTSTP};
use signal_hook::iterator::{Handle, Signals};

/// The signals passed on to cargo's process group unchanged.
pub const FORWARDED: &[i32] = &[SIGINT, SIGTERM, SIGHUP, SIGQUIT];

/// Signal handlers installed before cargo starts, so that a signal arriving while cargo
/// starts up is queued and forwarded rather than killing us and orphaning cargo.
pub struct Pending(Signals);

/// A running forwarder; dropping it stops forwarding.
pub struct Forwarder {
    handle: Handle,
    thread: Option<JoinHandle<()>>,
}

/// Installs the handlers (call before spawning cargo).
pub fn prepare() -> io::Result<Pending> {
    let mut wanted = FORWARDED.to_vec();
    wanted.extend([SIGTSTP, SIGCONT]);
    Ok(Pending(Signals::new(&wanted)?))
}

impl Pending {
    /// Starts forwarding to the process group led by `child` (spawned with its own group).
    pub fn start(self, child: &Child) -> io::Result<Forwarder> {
        let group = Pid::from_child(child);
        let mut signals = self.0;
        let handle = signals.handle();
        let thread = std::thread::Builder::new()
            .name("signal-forwarder".into())
            .spawn(move || {
                for signal in signals.forever() {
                    let send = |raw: i32| {
                        if let Some(sig) = Signal::from_named_raw(raw) {
                            // The group may already be gone (cargo finished): nothing to do.
                            let _ = kill_process_group(group, sig);
                        }
                    };
                    if signal == SIGTSTP {
                        send(SIGTSTP);
                        // Our handler replaced the default stop; stop ourselves as the shell
                        // expects.
                        let _ = signal_hook::low_level::raise(SIGSTOP);
                    } else {
                        send(signal);
                    }
                }
            })?;
        Ok(Forwarder {
            handle,
            thread: Some(thread),
        })
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.handle.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
