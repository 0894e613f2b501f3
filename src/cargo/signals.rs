//! Stopping cargo whenever the tool is stopped, however that happens.
//!
//! cargo runs in a process group of its own, led by the [watchdog](super::watchdog); rustc
//! and build scripts inherit it. Two mechanisms cover every way a run ends early:
//!
//! - **Forwarding** (this module): SIGINT, SIGTERM, SIGHUP and SIGQUIT that reach us are
//!   sent on to cargo's group, once. We keep reading what cargo still prints and end with
//!   cargo's status (`128 + N` when the signal killed it), like any other cargo run. SIGTSTP
//!   stops cargo's group and then us; SIGCONT resumes the group.
//! - **The watchdog**, for the deaths no handler sees: if we die without a normal exit, our
//!   end of its pipe closes and it SIGKILLs cargo's group (itself included).
//!
//! The cases, and what happens to cargo and rustc in each:
//! - SIGKILL to our process group (rust-analyzer cancelling a check: `process-wrap`'s group
//!   kill): we die; the watchdog kills cargo's group at once.
//! - SIGKILL to our pid alone (bacon's cancel, `Child::kill`; `kill -9`; the OOM killer): the
//!   same.
//! - Ctrl-C, `Ctrl-\`: the terminal signals its foreground group, which is ours and not
//!   cargo's: forwarded once.
//! - SIGINT, SIGTERM or SIGHUP from a program to our group (`timeout` signals its own group;
//!   `kill -TERM -PGID`) or to our pid alone (`kill PID`, a CI runner): forwarded once.
//! - The terminal closes (SIGHUP to its foreground group): forwarded once.
//! - Ctrl-Z, then `fg` (SIGTSTP, SIGCONT): cargo's group is stopped and resumed with us.
//! - Killed while stopped: the watchdog is stopped too, but POSIX has the kernel send SIGHUP
//!   and SIGCONT to a process group left orphaned with a stopped member; cargo dies of the
//!   SIGHUP, the watchdog resumes and kills the rest.
//! - Our stdout closes (`| head`): nothing is sent; we keep reading cargo to its end, so it
//!   never blocks on a full pipe, and return its status.
//! - Normal end: cargo has exited; the watchdog is told so and exits without killing.
//!
//! Because cargo's group receives only what we send it, each signal reaches cargo once per
//! time it reaches us.
//!
//! Why cargo does not simply share our group, so that group signals reach it directly:
//! - a signal to our pid alone must still reach rustc, which then has no group of its own to
//!   be reached through. Our group is not ours to signal (it is the shell's job: the other
//!   side of `| tee log`, the calling script); walking `/proc` for cargo's descendants is
//!   Linux-only and races cargo's spawns. And bacon's SIGKILL to our pid would reach nobody.
//! - a signal a program sends to our group and one it sends to our pid alone look the same to
//!   us (the same `SI_USER` origin), so we could not tell whether cargo already had it, and
//!   forwarding would deliver it twice. Only signals from the terminal can be told apart.
//! - `PR_SET_PDEATHSIG` (Linux) needs `pre_exec`, which is unsafe, fires when the spawning
//!   *thread* exits rather than the process, and would cover cargo but not rustc.
//!
//! The cost: one small extra process per run, and cargo's group is not the terminal's
//! foreground group (with `stty tostop`, a background write to the terminal stops cargo).
//!
//! Built on `signal-hook` (the maintained standard for safe signal handling: the handler only
//! writes to a self-pipe, our thread does the work) and `rustix` for a safe `killpg`; the
//! crate keeps `#![forbid(unsafe_code)]`.

use std::io;
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
    /// Starts forwarding to cargo's process `group`.
    pub fn start(self, group: Pid) -> io::Result<Forwarder> {
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
