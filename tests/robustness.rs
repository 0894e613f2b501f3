//! Robustness of the real binary (issue 5): streaming order, exit-status parity with cargo,
//! signals, a closed stdout, bad `--from` inputs, huge lines and hostile text.
//!
//! cargo is played by small shell scripts named through `$CARGO` (the way cargo itself names
//! the cargo to use), so each case is exact and fast. No assertion depends on how long
//! anything takes: order is established by handshakes (files and pipes), and the only waits
//! are generous safety bounds that turn a hang into a failure.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cargo_explain_async::render::human::{BLOCK_BODY, BLOCK_FOOT, BLOCK_HEAD};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-explain-async");
/// Safety bound for waits that only exist to turn a hang into a failure.
const HANG: Duration = Duration::from_secs(120);

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "robustness-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes an executable shell script that stands in for cargo.
fn stand_in(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("cargo");
    // `cargo metadata` (read for project context while cargo runs) fails here, as it may in
    // real life: explanations then use their generic wording.
    let script = format!("#!/bin/sh\nif [ \"$1\" = metadata ]; then exit 1; fi\n{body}\n");
    std::fs::write(&path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

/// The first line of a recorded stream (with its newline).
fn recorded_line(stream: &str, index: usize) -> Vec<u8> {
    let bytes = std::fs::read(common::streams_dir().join(format!("{stream}.jsonl"))).unwrap();
    bytes
        .split_inclusive(|b| *b == b'\n')
        .nth(index)
        .unwrap()
        .to_vec()
}

/// Our binary, with a clean color environment.
fn ours() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CARGO_TERM_COLOR")
        .stdin(Stdio::null());
    cmd
}

/// Waits for `child` with a safety bound; kills it and fails the test on a hang.
fn wait_bounded(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            panic!("{what}: still running after {HANG:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------
// Streaming: an explanation is printed while cargo is still running.
// ---------------------------------------------------------------------------------------

/// The stand-in prints one explained diagnostic, then waits until the test has seen its
/// explanation on our stdout (the gate file), then prints the rest. If we held output back
/// until cargo finished, the test would never see the explanation, the stand-in would give
/// up waiting, and its log would say so.
fn first_explanation_before_cargo_finishes(format: &str, marker: &str) {
    let dir = scratch(&format!("latency-{format}"));
    std::fs::write(
        dir.join("first.jsonl"),
        recorded_line("rc_held_across_await", 0),
    )
    .unwrap();
    let mut rest = recorded_line("unused_future", 0);
    rest.extend(br#"{"reason":"build-finished","success":false}"#);
    rest.push(b'\n');
    std::fs::write(dir.join("rest.jsonl"), rest).unwrap();
    let cargo = stand_in(
        &dir,
        r#"d="$(dirname "$0")"
cat "$d/first.jsonl"
i=0
while [ ! -e "$d/gate" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
if [ -e "$d/gate" ]; then echo released > "$d/log"; else echo gave-up > "$d/log"; fi
cat "$d/rest.jsonl"
exit 101"#,
    );
    let mut child = ours()
        .args(["--format", format, "--color", "never"])
        .env("CARGO", &cargo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut before_gate = String::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        before_gate.push_str(&line);
        if line.contains(marker) {
            break;
        }
    }
    // Order established: the explanation reached us while the stand-in was still waiting.
    std::fs::write(dir.join("gate"), "").unwrap();
    let mut after_gate = String::new();
    stdout.read_to_string(&mut after_gate).unwrap();
    let status = wait_bounded(&mut child, "explain-async");
    let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    assert!(
        before_gate.contains(marker),
        "{format}: no explanation before the end:\n{before_gate}"
    );
    assert_eq!(
        log.trim(),
        "released",
        "{format}: cargo finished before the explanation was seen"
    );
    assert_eq!(status.code(), Some(101), "{format}: cargo's status");
    assert!(
        format == "short" || after_gate.contains("unused_future") || format == "human",
        "{format}: the rest of the stream is missing:\n{after_gate}"
    );
    assert!(
        !after_gate.is_empty(),
        "{format}: nothing after the first diagnostic"
    );
}

#[test]
fn streaming_human() {
    first_explanation_before_cargo_finishes("human", BLOCK_HEAD);
}

#[test]
fn streaming_short() {
    first_explanation_before_cargo_finishes("short", "= explain-async[");
}

#[test]
fn streaming_json() {
    first_explanation_before_cargo_finishes("json", "\"explain_async\"");
}

// ---------------------------------------------------------------------------------------
// Exit status: cargo's, whatever it is.
// ---------------------------------------------------------------------------------------

fn run_with_stand_in(name: &str, body: &str, args: &[&str]) -> Output {
    let dir = scratch(name);
    let cargo = stand_in(&dir, body);
    ours().args(args).env("CARGO", &cargo).output().unwrap()
}

#[test]
fn exit_codes_are_forwarded() {
    for code in [0, 1, 2, 101, 255] {
        let out = run_with_stand_in("exit", &format!("exit {code}"), &["--color", "never"]);
        assert_eq!(out.status.code(), Some(code), "cargo exited {code}");
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[cfg(unix)]
#[test]
fn cargo_killed_by_a_signal_gives_128_plus_n() {
    for (name, n) in [("KILL", 9), ("TERM", 15), ("SEGV", 11)] {
        let out = run_with_stand_in("signal", &format!("kill -{name} $$"), &[]);
        assert_eq!(
            out.status.code(),
            Some(128 + n),
            "cargo killed by SIG{name}"
        );
    }
}

#[test]
fn missing_cargo_binary_is_one_clear_line() {
    let out = ours()
        .env("CARGO", "/nonexistent/bin/cargo")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: could not run `/nonexistent/bin/cargo`"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// Real cargo: our status equals plain `cargo check`'s for a bad flag and a missing manifest.
#[test]
fn real_cargo_usage_errors_have_the_same_status() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let dir = scratch("usage");
    for args in [
        &["--no-such-flag"][..],
        &["--manifest-path", "/nonexistent/dir/Cargo.toml"][..],
    ] {
        let plain = Command::new(&cargo)
            .arg("check")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        let out = ours()
            .args(args)
            .current_dir(&dir)
            .env("CARGO", &cargo)
            .output()
            .unwrap();
        assert!(!plain.status.success());
        assert_eq!(out.status.code(), plain.status.code(), "{args:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
    // A manifest-less directory (no Cargo.toml anywhere up to /tmp's root is not guaranteed,
    // so only the explicit path is checked above).
}

// ---------------------------------------------------------------------------------------
// Signals: stopping the tool stops cargo and rustc.
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
fn is_alive(pid: u32) -> bool {
    // A zombie has finished; only its exit status is left for its parent to collect.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

/// The fields after the command name in `/proc/<pid>/stat`: state, ppid, pgrp, …
#[cfg(unix)]
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(
        stat.rsplit(')')
            .next()?
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    )
}

/// The live (not zombie) processes in process group `pgid`.
#[cfg(unix)]
fn live_members(pgid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if let Some(f) = stat_fields(pid) {
            if f.get(2).and_then(|g| g.parse().ok()) == Some(pgid) && is_alive(pid) {
                found.push(pid);
            }
        }
    }
    found
}

/// The tool running over a stand-in cargo (a shell) that has started a stand-in rustc (a
/// sleep); both write their pids. Returns once the stand-in's first line has come through.
#[cfg(unix)]
struct Tree {
    child: std::process::Child,
    stdout: BufReader<std::process::ChildStdout>,
    cargo_pid: u32,
    rustc_pid: u32,
    /// The process group cargo runs in.
    cargo_group: u32,
}

#[cfg(unix)]
impl Tree {
    /// Fails unless cargo, rustc and everything else in cargo's process group are gone
    /// (waiting a bounded time for them to go).
    fn assert_nothing_left(&self, after: &str) {
        let start = Instant::now();
        while !live_members(self.cargo_group).is_empty() && start.elapsed() < HANG {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !is_alive(self.cargo_pid),
            "cargo left running after {after}"
        );
        assert!(
            !is_alive(self.rustc_pid),
            "rustc left running after {after}"
        );
        let left = live_members(self.cargo_group);
        assert!(
            left.is_empty(),
            "left in cargo's group after {after}: {left:?}"
        );
    }
}

/// Starts the tree; with `leader`, the tool leads a process group of its own, the way
/// rust-analyzer, bacon and CI runners start a command they may cancel.
#[cfg(unix)]
fn start_tree(name: &str, leader: bool) -> Tree {
    let dir = scratch(name);
    let cargo = stand_in(
        &dir,
        r#"d="$(dirname "$0")"
echo $$ > "$d/cargo.pid"
# A background job of a non-interactive shell ignores SIGINT; real rustc does not.
env --default-signal=INT,QUIT sleep 600 > /dev/null 2>&1 < /dev/null &
echo $! > "$d/rustc.pid"
echo ready
wait"#,
    );
    let mut cmd = ours();
    cmd.args(["--color", "never"])
        .env("CARGO", &cargo)
        .stdout(Stdio::piped());
    if leader {
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    }
    let mut child = cmd.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(
        line, "ready\n",
        "the stand-in's text line is passed through"
    );
    let pid_of = |f: &str| -> u32 {
        std::fs::read_to_string(dir.join(f))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let (cargo_pid, rustc_pid) = (pid_of("cargo.pid"), pid_of("rustc.pid"));
    let cargo_group: u32 = stat_fields(cargo_pid).unwrap()[2].parse().unwrap();
    assert_eq!(
        stat_fields(rustc_pid).unwrap()[2],
        cargo_group.to_string(),
        "rustc runs in cargo's group"
    );
    assert!(is_alive(cargo_pid) && is_alive(rustc_pid));
    Tree {
        child,
        stdout,
        cargo_pid,
        rustc_pid,
        cargo_group,
    }
}

/// Where a test sends its signal.
#[cfg(unix)]
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The tool's pid alone (`kill PID`, a CI runner, bacon's `Child::kill`).
    Tool,
    /// The tool's whole process group (a terminal's Ctrl-C, `timeout`, rust-analyzer's cancel).
    Group,
}

#[cfg(unix)]
fn send(tree: &Tree, target: Target, signal: rustix::process::Signal) {
    use rustix::process::{kill_process, kill_process_group, Pid};
    let pid = Pid::from_raw(tree.child.id() as i32).unwrap();
    match target {
        Target::Tool => kill_process(pid, signal),
        Target::Group => kill_process_group(pid, signal),
    }
    .unwrap();
}

#[cfg(unix)]
fn signal_leaves_no_orphans(signal: rustix::process::Signal, n: i32, target: Target) {
    let mut tree = start_tree(&format!("orphans-{n}-{target:?}"), true);
    send(&tree, target, signal);
    let mut rest = String::new();
    tree.stdout.read_to_string(&mut rest).unwrap();
    let status = wait_bounded(&mut tree.child, "explain-async after a signal");
    // We outlive cargo and report its status: it was killed by the same signal.
    assert_eq!(
        status.code(),
        Some(128 + n),
        "status after signal {n} to {target:?}"
    );
    tree.assert_nothing_left(&format!("signal {n} to {target:?}"));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_cargo_and_rustc() {
    use rustix::process::Signal;
    signal_leaves_no_orphans(Signal::TERM, 15, Target::Tool);
    // `timeout`, `kill -TERM -PGID`: the group gets it, cargo (not in it) gets it from us.
    signal_leaves_no_orphans(Signal::TERM, 15, Target::Group);
}

#[cfg(unix)]
#[test]
fn sigint_stops_cargo_and_rustc() {
    use rustix::process::Signal;
    signal_leaves_no_orphans(Signal::INT, 2, Target::Tool);
    // What a terminal's Ctrl-C does: the whole (foreground) group.
    signal_leaves_no_orphans(Signal::INT, 2, Target::Group);
}

#[cfg(unix)]
#[test]
fn sighup_stops_cargo_and_rustc() {
    use rustix::process::Signal;
    signal_leaves_no_orphans(Signal::HUP, 1, Target::Tool);
    signal_leaves_no_orphans(Signal::HUP, 1, Target::Group);
}

/// rust-analyzer cancels a check by SIGKILLing the command's process group; bacon by
/// SIGKILLing its pid. Nothing can catch that, and cargo is not in our group: the watchdog
/// must stop cargo and rustc, and leave nothing in cargo's group, itself included.
#[cfg(target_os = "linux")]
#[test]
fn sigkill_to_the_group_or_the_tool_leaves_no_cargo_or_rustc() {
    for target in [Target::Group, Target::Tool] {
        let mut tree = start_tree(&format!("sigkill-{target:?}"), true);
        send(&tree, target, rustix::process::Signal::KILL);
        let status = wait_bounded(&mut tree.child, "explain-async after SIGKILL");
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9), "{target:?}");
        }
        tree.assert_nothing_left(&format!("SIGKILL to {target:?}"));
    }
}

/// Ctrl-Z, then the group is killed while everything is stopped (a closed terminal, a CI
/// timeout): the stopped watchdog cannot act by itself, but POSIX has the kernel send SIGHUP
/// and SIGCONT to a process group that is orphaned with a stopped member; cargo dies of the
/// SIGHUP and the watchdog, resumed, kills what is left.
#[cfg(target_os = "linux")]
#[test]
fn sigkill_while_stopped_leaves_no_cargo_or_rustc() {
    use rustix::process::Signal;
    let mut tree = start_tree("sigkill-stopped", true);
    send(&tree, Target::Tool, Signal::TSTP);
    wait_states(
        &[tree.child.id(), tree.cargo_pid, tree.rustc_pid],
        |s| s == 'T',
        "after SIGTSTP all three should be stopped",
    );
    send(&tree, Target::Group, Signal::KILL);
    wait_bounded(&mut tree.child, "explain-async after SIGKILL");
    tree.assert_nothing_left("SIGKILL while stopped");
}

/// A normal end leaves nothing in cargo's group either (the watchdog is told, and exits
/// without killing).
#[cfg(target_os = "linux")]
#[test]
fn a_normal_end_leaves_nothing_in_cargos_group() {
    let dir = scratch("normal-end");
    let cargo = stand_in(
        &dir,
        r#"d="$(dirname "$0")"
awk '{ print $5 }' /proc/$$/stat > "$d/pgid"
exit 101"#,
    );
    let out = ours().env("CARGO", &cargo).output().unwrap();
    assert_eq!(out.status.code(), Some(101));
    let pgid: u32 = std::fs::read_to_string(dir.join("pgid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let start = Instant::now();
    while !live_members(pgid).is_empty() && start.elapsed() < HANG {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(live_members(pgid), Vec::<u32>::new());
}

/// The process state letter from `/proc/<pid>/stat` (`S`, `R`, `T` stopped, `Z`, …).
#[cfg(target_os = "linux")]
fn state(pid: u32) -> char {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit(')').next()?.trim_start().chars().next())
        .unwrap_or('?')
}

/// Waits (bounded) until `pred` holds for every pid; fails with the states seen otherwise.
#[cfg(target_os = "linux")]
fn wait_states(pids: &[u32], pred: impl Fn(char) -> bool, what: &str) {
    let start = Instant::now();
    while !pids.iter().all(|&p| pred(state(p))) {
        assert!(
            start.elapsed() < HANG,
            "{what}: states {:?}",
            pids.iter().map(|&p| state(p)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Ctrl-Z stops the tool, cargo and rustc together; SIGCONT (`fg`) resumes all three.
#[cfg(target_os = "linux")]
#[test]
fn ctrl_z_stops_and_fg_resumes_cargo_and_rustc() {
    use rustix::process::Signal;
    let mut tree = start_tree("tstp", false);
    let pids = [tree.child.id(), tree.cargo_pid, tree.rustc_pid];
    send(&tree, Target::Tool, Signal::TSTP);
    wait_states(
        &pids,
        |s| s == 'T',
        "after SIGTSTP all three should be stopped",
    );
    send(&tree, Target::Tool, Signal::CONT);
    wait_states(
        &pids,
        |s| s != 'T',
        "after SIGCONT all three should run again",
    );
    send(&tree, Target::Tool, Signal::TERM);
    let mut rest = String::new();
    tree.stdout.read_to_string(&mut rest).unwrap();
    let status = wait_bounded(&mut tree.child, "explain-async after SIGTERM");
    assert_eq!(status.code(), Some(128 + 15));
    tree.assert_nothing_left("Ctrl-Z, fg and SIGTERM");
}

// ---------------------------------------------------------------------------------------
// A closed stdout (`| head -1`): quiet, and cargo's status.
// ---------------------------------------------------------------------------------------

fn many_lines(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.extend(recorded_line("rc_held_across_await", 0));
        out.extend(recorded_line("control__sync_mismatch", 0));
    }
    out
}

fn read_one_line_then_close(mut cmd: Command) -> (std::process::ExitStatus, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(!line.is_empty());
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (
        wait_bounded(&mut child, "explain-async with stdout closed"),
        stderr,
    )
}

#[test]
fn closed_stdout_is_quiet_with_from() {
    let dir = scratch("head-from");
    let file = dir.join("stream.jsonl");
    std::fs::write(&file, many_lines(500)).unwrap();
    for format in ["human", "short", "json", "github"] {
        let mut cmd = ours();
        cmd.args(["--format", format, "--color", "never", "--from"])
            .arg(&file);
        let (status, stderr) = read_one_line_then_close(cmd);
        assert_eq!(status.code(), Some(0), "{format}: {stderr}");
        assert_eq!(stderr, "", "{format}");
    }
}

#[test]
fn closed_stdout_is_quiet_and_keeps_cargos_status() {
    let dir = scratch("head-live");
    std::fs::write(dir.join("stream.jsonl"), many_lines(500)).unwrap();
    let cargo = stand_in(&dir, r#"cat "$(dirname "$0")/stream.jsonl"; exit 101"#);
    let mut cmd = ours();
    cmd.args(["--color", "never"]).env("CARGO", &cargo);
    let (status, stderr) = read_one_line_then_close(cmd);
    assert_eq!(status.code(), Some(101), "{stderr}");
    assert_eq!(stderr, "");
}

// ---------------------------------------------------------------------------------------
// Bad `--from` input.
// ---------------------------------------------------------------------------------------

fn from(path: &Path, format: &str) -> Output {
    ours()
        .args(["--format", format, "--color", "never", "--from"])
        .arg(path)
        .output()
        .unwrap()
}

fn assert_no_panic(out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unusable_from_inputs_are_one_line_errors_with_status_2() {
    let dir = scratch("from-unusable");
    for (path, needle) in [
        (dir.join("missing.jsonl"), "No such file"),
        (dir.clone(), "Is a directory"),
    ] {
        let out = from(&path, "human");
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: cannot read "), "{err}");
        assert!(err.contains(needle), "{err}");
    }
}

/// A deterministic byte soup (xorshift), with NULs, CRs, lone `{` and invalid UTF-8.
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn odd_from_inputs_pass_through_unchanged() {
    let dir = scratch("from-odd");
    let explained = recorded_line("rc_held_across_await", 0);
    let plain = recorded_line("control__sync_mismatch", 0);
    let mut truncated_mid_line = plain.clone();
    truncated_mid_line.extend(&explained[..explained.len() / 2]);
    let mut non_utf8 = plain.clone();
    non_utf8.extend(b"{\"reason\":\"compiler-message\",\"x\":\"\xff\xfe\"}\n\xc3\x28 text\n");
    non_utf8.extend(&explained);
    let mut crlf = explained.clone();
    crlf.pop();
    crlf.extend(b"\r\n\r\n\n");
    crlf.extend(&plain);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", truncated_mid_line),
        ("non-utf8", non_utf8),
        ("crlf-and-blank", crlf),
        ("garbage", garbage(200_000, 7)),
        ("braces", b"{\n{{{{\n{\"reason\":\n}\n[1,2]\n{\"reason\":\"compiler-message\",\"message\":null}\n".to_vec()),
    ];
    for (name, bytes) in cases {
        let path = dir.join(format!("{name}.jsonl"));
        std::fs::write(&path, &bytes).unwrap();
        for format in ["human", "short", "json", "github", "sarif", "gitlab"] {
            let out = from(&path, format);
            assert_no_panic(&out);
            assert_eq!(out.status.code(), Some(0), "{name} as {format}");
        }
        // json keeps every line; only explained diagnostics change, so with the explained
        // one removed from consideration, every other line is byte-identical.
        let out = from(&path, "json");
        let input_lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
        let output_lines: Vec<&[u8]> = out.stdout.split_inclusive(|b| *b == b'\n').collect();
        assert_eq!(input_lines.len(), output_lines.len(), "{name}: line count");
        for (i, o) in input_lines.iter().zip(&output_lines) {
            if !o.windows(15).any(|w| w == b"\"explain_async\"") {
                assert_eq!(i, o, "{name}: a line changed");
            }
        }
    }
}

/// A 100 MB line: no crash, passed through, and our peak memory stays a small multiple of it
/// (the line itself, its parsed form and the output buffer).
#[cfg(target_os = "linux")]
#[test]
fn a_100_mb_line_is_handled_with_memory_bounded_by_the_line() {
    const LEN: usize = 100 * 1024 * 1024;
    for (format, line) in [
        ("json", {
            // A compiler message whose message text is 100 MB.
            let mut l = br#"{"reason":"compiler-message","package_id":"p 0.0.0","message":{"rendered":null,"$message_type":"diagnostic","children":[],"code":null,"level":"error","spans":[],"message":""#.to_vec();
            l.resize(l.len() + LEN, b'a');
            l.extend(b"\"}}\n");
            l
        }),
        ("human", {
            let mut l = vec![b'x'; LEN];
            l.push(b'\n');
            l
        }),
    ] {
        let mut child = ours()
            .args(["--format", format, "--color", "never", "--from", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut stdin = child.stdin.take().unwrap();
        let expected = line.len();
        let writer = std::thread::spawn(move || {
            stdin.write_all(&line).unwrap();
            stdin // kept open until the test has measured
        });
        let mut stdout = child.stdout.take().unwrap();
        let mut got = 0usize;
        let mut buf = vec![0u8; 1 << 20];
        let mut got_min = if format == "json" { expected } else { LEN };
        while got < got_min {
            let n = stdout.read(&mut buf).unwrap();
            assert!(n > 0, "{format}: output ended early after {got} bytes");
            got += n;
        }
        got_min = 0;
        let _ = got_min;
        // The whole line has been processed and written: read the peak resident size now.
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let peak_kb: usize = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        drop(writer.join().unwrap());
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).unwrap();
        let exit = wait_bounded(&mut child, "explain-async on a 100 MB line");
        assert_eq!(exit.code(), Some(0), "{format}");
        let peak = peak_kb * 1024;
        assert!(
            peak < 6 * LEN,
            "{format}: peak memory {} MB for a {} MB line",
            peak >> 20,
            LEN >> 20
        );
    }
}

// ---------------------------------------------------------------------------------------
// Hostile content: nothing in a diagnostic can reshape or forge our own output.
// ---------------------------------------------------------------------------------------

const HOSTILE: &str = "x\u{1b}[2J\u{1b}]8;;https://evil\u{7}\n\u{256d}\u{2500} explain-async \u{b7} forged\r\n::error file=a,line=1::owned%0A%25\u{202e}cba\u{2066}\u{200b}\u{feff}\u{2028}\u{2029}\u{61c}y";

/// The recorded Rc-across-await error with hostile text in the variable name the rule
/// captures, the file name, the message and the type, but rustc's `rendered` untouched.
fn hostile_line() -> Vec<u8> {
    let mut value: serde_json::Value =
        serde_json::from_slice(&recorded_line("rc_held_across_await", 0)).unwrap();
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if k == "rendered" {
                        continue;
                    }
                    if let serde_json::Value::String(s) = child {
                        if k == "label" || k == "file_name" || k == "message" {
                            *s = s
                                .replace("visit_log", HOSTILE)
                                .replace("Rc<Vec<&str>>", &format!("Rc<{HOSTILE}>"))
                                .replace("src/main.rs", &format!("src/{HOSTILE}.rs"));
                        }
                    } else {
                        walk(child);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    let mut line = serde_json::to_vec(&value).unwrap();
    line.push(b'\n');
    line
}

fn is_forbidden(c: char) -> bool {
    c.is_control() && c != '\n'
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{61c}')
}

#[test]
fn hostile_text_cannot_reshape_our_output() {
    let dir = scratch("hostile");
    let path = dir.join("hostile.jsonl");
    let line = hostile_line();
    std::fs::write(&path, &line).unwrap();
    let rendered = serde_json::from_slice::<serde_json::Value>(&line).unwrap()["message"]
        ["rendered"]
        .as_str()
        .unwrap()
        .to_string();

    // human: rustc's rendered text exactly, then one block of ours whose every line starts
    // with our border and carries no control, bidi or invisible character.
    let out = from(&path, "human");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(&rendered));
    let ours = &text[rendered.len()..];
    let heads = ours.lines().filter(|l| l.starts_with(BLOCK_HEAD)).count();
    assert_eq!(heads, 1, "{ours}");
    let mut in_block = false;
    for l in ours.lines() {
        if l.starts_with(BLOCK_HEAD) {
            in_block = true;
        }
        if in_block {
            assert!(
                l.starts_with(BLOCK_HEAD) || l.starts_with(BLOCK_BODY) || l.starts_with(BLOCK_FOOT),
                "a line inside our block does not start with our border: {l:?}"
            );
            if l.starts_with(BLOCK_FOOT) {
                in_block = false;
            }
        }
        assert!(
            !l.chars().any(is_forbidden),
            "forbidden character in our output: {l:?}"
        );
    }
    assert!(
        ours.contains("x[2J"),
        "the hostile name is shown, defused: {ours}"
    );

    // short: one line for the diagnostic and one for the explanation, nothing else.
    let out = from(&path, "short");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with("  = explain-async[rc_held_across_await]: "));
    for l in &lines {
        assert!(!l.chars().any(is_forbidden), "{l:?}");
    }

    // json: one line, valid, still a cargo message; our strings carry no forbidden chars.
    let out = from(&path, "json");
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    serde_json::from_str::<cargo_metadata::Message>(&text).unwrap();
    let title = value["explain_async"]["title"].as_str().unwrap();
    assert!(!title.chars().any(is_forbidden), "{title:?}");

    // github: one annotation, on one line, free of raw control characters; the hostile
    // `::error` and `%0A` in the text cannot start a command (they are escaped or fenced by
    // `::stop-commands::`).
    let out = from(&path, "github");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut stopped: Option<String> = None;
    let mut annotations = Vec::new();
    for l in text.lines() {
        if let Some(token) = &stopped {
            if l == format!("::{token}::") {
                stopped = None;
            }
            continue;
        }
        if let Some(token) = l.strip_prefix("::stop-commands::") {
            stopped = Some(token.to_string());
        } else if l.starts_with("::error")
            || l.starts_with("::warning")
            || l.starts_with("::notice")
        {
            annotations.push(l);
        } else if l.starts_with("::") {
            assert!(
                l.starts_with("::group::") || l == "::endgroup::",
                "stray command {l:?}"
            );
        }
    }
    assert_eq!(annotations.len(), 1, "{text}");
    assert!(
        !annotations[0].chars().any(is_forbidden),
        "{:?}",
        annotations[0]
    );

    // sarif and gitlab: whole, valid JSON documents.
    for format in ["sarif", "gitlab"] {
        let out = from(&path, format);
        assert_eq!(out.status.code(), Some(0), "{format}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .unwrap_or_else(|e| panic!("{format} is not JSON: {e}"));
    }
}
