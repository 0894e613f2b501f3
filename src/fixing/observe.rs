//! What one check tells `--fix`: every error and warning (to compare before and after a
//! fix), and for each explained diagnostic our machine-applicable fix, with the text of each
//! file as the fix stage read it. Gathered by a renderer over the ordinary pipeline
//! (matching, the fix stage, the source checks' lines), so `--fix` applies exactly the fixes
//! every format shows, and only ours: rustc's own suggestions are never collected.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::process::ChildStderr;
use std::rc::Rc;
use std::sync::{mpsc, Arc};

use crate::cargo::child::Cargo;
use crate::cargo::{Invocation, Subcommand};
use crate::cli::Options;
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Error;
use crate::exit;
use crate::fix::{Applicability, Fix, Placed, Proposal, Sources};
use crate::lints::background;
use crate::matching::Verdict;
use crate::output::Sink;
use crate::project::LiveProject;
use crate::render::{Item, Renderer};
use crate::rules::Rulebook;
use crate::stream::{process_with, Extra, Injected};

/// What identifies a diagnostic across a fix: its file (as rustc spells it; empty when it
/// has no span in the user's code), level, code and first message line. Line numbers are
/// left out on purpose: a fix that adds a `use` line moves every diagnostic below it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub file: String,
    pub level: &'static str,
    pub code: Option<String>,
    pub message: String,
}

impl Key {
    /// The key of `d`, or `None` for what is not an error or warning, and for rustc's
    /// closing tallies ("aborting due to 2 previous errors", "3 warnings emitted"), whose
    /// numbers change with every fix without anything being new.
    pub fn of(d: &Diagnostic) -> Option<Key> {
        let severity = d.severity();
        if !(severity.is_error() || severity == Severity::Warning) {
            return None;
        }
        let message = d
            .rustc
            .message
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        if d.rustc.spans.is_empty()
            && (message.starts_with("aborting due to") || message.ends_with(" emitted"))
        {
            return None;
        }
        Some(Key {
            file: d
                .user_span()
                .map(|s| s.file_name.clone())
                .unwrap_or_default(),
            level: d.level(),
            code: d.code().map(str::to_string),
            message,
        })
    }

    /// `level[code]: message`, as rustc opens the diagnostic.
    pub fn headline(&self) -> String {
        match &self.code {
            Some(code) => format!("{}[{code}]: {}", self.level, self.message),
            None => format!("{}: {}", self.level, self.message),
        }
    }
}

/// An error or warning the check reported, and where (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub key: Key,
    pub line: usize,
}

/// A machine-applicable fix of ours, ready to be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The rule that explained the diagnostic.
    pub rule: String,
    /// The fix: its title and edits (all `MachineApplicable`).
    pub fix: Fix,
    /// Every edit with rustc-style positions, as the json format's suggestion spans carry
    /// them.
    pub placed: Vec<Placed>,
    /// The diagnostic the fix is for.
    pub target: Key,
    /// Where that diagnostic is: line of its span in the user's code.
    pub line: usize,
}

impl Planned {
    /// `file:line` of the diagnostic, as the user sees it in rustc's `-->` line.
    pub fn location(&self) -> String {
        if self.target.file.is_empty() {
            return self
                .fix
                .edits
                .first()
                .map_or_else(String::new, |e| e.file.clone());
        }
        format!("{}:{}", self.target.file, self.line)
    }
}

/// Everything one check reported that `--fix` looks at.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// Every error and warning, in stream order.
    pub seen: Vec<Seen>,
    /// Our machine-applicable fixes, in stream order.
    pub fixes: Vec<Planned>,
    /// Whether cargo got as far as building (it printed `build-finished`, which it does
    /// also when the build fails). A manifest cargo cannot read gives none: nothing else in
    /// the observation can then be trusted.
    pub built: bool,
    /// The text of every file a planned fix edits, as the fix stage read it. `--fix` writes
    /// nothing over a file whose content is no longer this.
    pub texts: BTreeMap<String, Arc<str>>,
    /// The first `error:` line cargo printed on stderr, for telling why it did not build.
    pub cargo_error: Option<String>,
    /// Cargo's exit status when a signal stopped it (`128 + N`: the user pressed Ctrl-C, and
    /// it reached cargo's process group): `--fix` then stops too.
    pub stopped: Option<u8>,
}

impl Observation {
    /// Fills [`Observation::texts`] from the sources the fix stage read (they are cached:
    /// reading again gives the very text the fixes were computed on).
    pub fn remember_texts(&mut self, sources: &dyn Sources) {
        for planned in &self.fixes {
            for edit in &planned.fix.edits {
                if !self.texts.contains_key(&edit.file) {
                    if let Some(text) = sources.read(&edit.file) {
                        self.texts.insert(edit.file.clone(), text);
                    }
                }
            }
        }
    }
}

/// A renderer that renders nothing: it notes what `--fix` needs in a shared observation.
pub struct Collector(pub Rc<RefCell<Observation>>);

impl Renderer for Collector {
    fn item(&mut self, item: &Item<'_>, _out: &mut dyn Write) -> io::Result<()> {
        let mut seen = self.0.borrow_mut();
        match item {
            Item::Diagnostic {
                diagnostic,
                verdict,
                ..
            } => {
                let Some(key) = Key::of(diagnostic) else {
                    return Ok(());
                };
                let line = diagnostic.user_span().map_or(0, |s| s.line_start);
                if let Verdict::Explained(e) = verdict {
                    if let Some(Proposal::Edits(fix)) = &e.proposal {
                        let whole = !e.placed.is_empty() && e.placed.len() == fix.edits.len();
                        if whole && fix.applicability == Applicability::MachineApplicable {
                            seen.fixes.push(Planned {
                                rule: e.rule.id.clone(),
                                fix: fix.clone(),
                                placed: e.placed.clone(),
                                target: key.clone(),
                                line,
                            });
                        }
                    }
                }
                seen.seen.push(Seen { key, line });
            }
            Item::CargoJson(line) => {
                let needle: &[u8] = b"\"reason\":\"build-finished\"";
                if line.raw.windows(needle.len()).any(|w| w == needle) {
                    seen.built = true;
                }
            }
            Item::Text(_) | Item::Note(_) => {}
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// Runs one check the way the live mode does (cargo with `--message-format=json`, the
/// project context, the source checks unless `--no-lints`), but quietly: nothing is printed,
/// cargo's stderr is kept only to say why it could not build.
pub fn check(options: &Options, book: &Rulebook) -> Result<Observation, Error> {
    let (share, metadata) = mpsc::channel();
    let lints_on = !options.no_lints;
    // A fresh project each time: its source cache must hold the files as they are now.
    let project = LiveProject::start(options.cargo.clone(), false, lints_on.then_some(share));
    let invocation = Invocation {
        subcommand: if options.clippy {
            Subcommand::Clippy
        } else {
            Subcommand::Check
        },
        ansi: false,
        color: Some("never"),
        args: keep_going(&options.cargo_args),
    };
    let checks = lints_on.then(|| background::start(metadata, options.cargo.clone(), false));
    let (mut child, _forwarding) = invocation.spawn_capturing_stderr()?;
    let stderr = child.stderr.take().map(read_stderr);
    let mut cargo = Cargo::new(child);
    let shared = Rc::new(RefCell::new(Observation::default()));
    let mut sinks = vec![Sink::new(
        Box::new(Collector(Rc::clone(&shared))),
        Box::new(io::sink()),
        false,
    )];
    let extra: Option<Extra<'_>> = checks.map(|running| {
        Box::new(move || {
            let lines = running.finish().lines;
            lines.into_iter().map(Injected::plain).collect()
        }) as Extra<'_>
    });
    let read = process_with(cargo.stdout(), book, &project, &mut sinks, extra);
    let waited = cargo.wait();
    let stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    read.map_err(Error::Child)?;
    let code = waited?;
    drop(sinks);
    let mut observation = shared.take();
    observation.remember_texts(&project);
    observation.cargo_error = first_error(&stderr);
    observation.stopped = (code >= exit::SIGNAL_BASE).then_some(code);
    Ok(observation)
}

/// Reads cargo's stderr to the end on a thread of its own (a full pipe would stall cargo).
/// Cargo's progress lines (`Compiling …`, `Checking …`, waiting for a lock) are passed on
/// as they come, so a long first build is not silent; its diagnostics and `could not
/// compile` are kept back: the last, visible check prints those.
fn read_stderr(stderr: ChildStderr) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut reader = io::BufReader::new(stderr);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if is_progress(&line) {
                let _ = io::stderr().write_all(&line);
            }
            out.extend_from_slice(&line);
        }
        out
    })
}

/// Whether a line of cargo's stderr is one of its status lines about progress.
fn is_progress(line: &[u8]) -> bool {
    const WORDS: &[&str] = &[
        "Blocking",
        "Checking",
        "Compiling",
        "Downloaded",
        "Downloading",
        "Locking",
        "Updating",
    ];
    let text = String::from_utf8_lossy(line);
    let word = text.trim_start().split(' ').next().unwrap_or_default();
    WORDS.contains(&word)
}

/// The first line of cargo's stderr opened by `error`.
fn first_error(stderr: &[u8]) -> Option<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .find(|l| l.starts_with("error"))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::NoProject;
    use crate::stream::process;

    fn observe(stream: &str) -> Observation {
        let book = Rulebook::builtin().unwrap();
        let shared = Rc::new(RefCell::new(Observation::default()));
        let mut sinks = vec![Sink::new(
            Box::new(Collector(Rc::clone(&shared))),
            Box::new(io::sink()),
            false,
        )];
        process(stream.as_bytes(), &book, &NoProject, &mut sinks).unwrap();
        drop(sinks);
        shared.take()
    }

    #[test]
    fn keys_every_error_and_warning_of_a_recorded_stream() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/streams");
        let stream = std::fs::read_to_string(dir.join("rc_held_across_await.jsonl")).unwrap();
        let seen = observe(&stream);
        assert!(seen.built);
        assert_eq!(seen.seen.len(), 2, "{:?}", seen.seen);
        let key = &seen.seen[0].key;
        assert_eq!(key.file, "rc_held_across_await/src/main.rs");
        assert_eq!(key.level, "error");
        assert_eq!(
            key.headline(),
            "error: future cannot be sent between threads safely"
        );
        assert!(seen.seen.iter().all(|s| s.line > 0));
        assert!(seen.fixes.is_empty() || seen.fixes.iter().all(|f| !f.placed.is_empty()));
    }

    #[test]
    fn closing_tallies_are_not_diagnostics() {
        let line = |level: &str, message: &str| {
            format!(
                r#"{{"reason":"compiler-message","package_id":"p","message":{{"message":"{message}","code":null,"level":"{level}","spans":[],"children":[],"rendered":"x"}}}}"#
            )
        };
        let stream = [
            line("error", "aborting due to 2 previous errors"),
            line("warning", "3 warnings emitted"),
            line("error", "`main` function not found"),
            line("note", "a note"),
        ]
        .join("\n");
        let seen = observe(&stream);
        let heads: Vec<String> = seen.seen.iter().map(|s| s.key.headline()).collect();
        assert_eq!(heads, vec!["error: `main` function not found"]);
        assert_eq!(seen.seen[0].key.file, "");
    }

    #[test]
    fn only_cargos_progress_lines_pass() {
        assert!(is_progress(b"    Checking tiny v0.0.0 (/x)\n"));
        assert!(is_progress(b"   Compiling tokio v1.54.1\n"));
        assert!(is_progress(
            b"    Blocking waiting for file lock on build directory\n"
        ));
        assert!(!is_progress(
            b"error: could not compile `tiny` (bin \"tiny\")\n"
        ));
        assert!(!is_progress(b"warning: unused variable: `x`\n"));
        assert!(!is_progress(b"    Finished `dev` profile\n"));
    }

    #[test]
    fn a_stream_without_build_finished_did_not_build() {
        assert!(!observe("error: failed to parse manifest\n").built);
    }
}

/// The user's cargo arguments with `--keep-going` (before a trailing `-- …`). Without it cargo
/// stops starting new units after the first error, so which crates a check reached would
/// differ between the check before the fixes and the one after, and their diagnostics would
/// look new (or fixed) when nothing changed.
fn keep_going(args: &[String]) -> Vec<String> {
    let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let mut out = args.to_vec();
    if !args[..end].iter().any(|a| a == "--keep-going") {
        out.insert(end, "--keep-going".to_string());
    }
    out
}

#[cfg(test)]
mod keep_going_tests {
    use super::keep_going;

    #[test]
    fn keep_going_goes_before_the_clippy_flags() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            keep_going(&v(&["-p", "a"])),
            v(&["-p", "a", "--keep-going"])
        );
        assert_eq!(
            keep_going(&v(&["-p", "a", "--", "-W", "x"])),
            v(&["-p", "a", "--keep-going", "--", "-W", "x"])
        );
        assert_eq!(keep_going(&v(&["--keep-going"])), v(&["--keep-going"]));
    }
}
