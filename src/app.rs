//! The top level: turns parsed options into a run. The only module besides `cargo` that reads
//! the environment, spawns processes or writes to stdout/stderr.

use std::cell::Cell;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

use crate::cargo::metadata;
use crate::cargo::{Invocation, Subcommand};
use crate::cli::{self, ColorChoice, Format, Options, Parsed};
use crate::context::{PackageContext, ProjectContext};
use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::exit;
use crate::lints::workspace;
use crate::render::catalog;
use crate::render::github::Github;
use crate::render::gitlab::Gitlab;
use crate::render::human::Human;
use crate::render::json::Json;
use crate::render::sarif::Sarif;
use crate::render::short::Short;
use crate::render::{PathContext, RenderContext, Renderer};
use crate::rules::Rulebook;
use crate::stream::{process, process_with, Enricher, Extra, Sink};

/// Runs the tool with `argv` (program name first) and returns the exit status.
pub fn main(argv: Vec<OsString>) -> u8 {
    match run(argv) {
        Ok(code) => code,
        Err(err) => {
            let _ = writeln!(io::stderr(), "error: {err}");
            exit::for_error(&err)
        }
    }
}

fn run(argv: Vec<OsString>) -> Result<u8, Error> {
    let argv = argv
        .into_iter()
        .map(|a| {
            a.into_string().map_err(|a| {
                Error::Usage(format!(
                    "argument {} is not valid UTF-8",
                    a.to_string_lossy()
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let options = match cli::parse(argv)? {
        Parsed::Info(text) => {
            let _ = io::stdout().write_all(text.as_bytes());
            return Ok(exit::SUCCESS);
        }
        Parsed::Run(options) => options,
    };
    let stdout_tty = io::stdout().is_terminal();
    let color = color_enabled(options.color, &|k| std::env::var(k).ok(), stdout_tty);
    let ctx = RenderContext { color };

    if let Some(query) = &options.explain {
        let context = LazyContext::start(options.cargo_args.clone());
        return explain(&load_rulebook(&options, &context)?, query, ctx);
    }
    if options.list_rules {
        let context = LazyContext::start(options.cargo_args.clone());
        let book = load_rulebook(&options, &context)?;
        let mut out = io::stdout().lock();
        let result = match options.format {
            Format::Json => catalog::write_json(&book, &mut out),
            _ => catalog::write_table(&book, &mut out),
        };
        return finish_stdout(result.and_then(|()| out.flush()));
    }

    // With cargo running, the source checks reuse the context's `cargo metadata` answer.
    let (share, shared_metadata) = mpsc::channel();
    let lints_on = options.from.is_none() && !options.no_lints;
    let context = LazyContext::start_sharing(options.cargo_args.clone(), lints_on.then_some(share));
    let live = options.from.is_none();
    if let Some(from) = &options.from {
        let book = load_rulebook(&options, &context)?;
        let paths = options
            .format
            .needs_paths()
            .then(|| path_context(&options, &context));
        let (mut sinks, pending) = sinks(&options, ctx, live, paths)?;
        let input_err = |source| Error::Input {
            path: from.clone(),
            source,
        };
        let result = if from == "-" {
            process(io::stdin().lock(), &book, &context, &mut sinks)
        } else {
            let file = File::open(from).map_err(input_err)?;
            process(
                BufReader::with_capacity(256 * 1024, file),
                &book,
                &context,
                &mut sinks,
            )
        };
        result.map_err(input_err)?;
        return sink_status(&options, sinks, pending, exit::SUCCESS);
    }

    let invocation = Invocation {
        subcommand: if options.clippy {
            Subcommand::Clippy
        } else {
            Subcommand::Check
        },
        // rustc's own colors only matter where `rendered` is shown to a person, and must not
        // end up in the json stream written to a file.
        ansi: color
            && (options.output.is_some()
                || matches!(options.format, Format::Human | Format::Github))
            && !(options.output.is_some() && options.format == Format::Json),
        color: match options.color {
            ColorChoice::Auto => None,
            ColorChoice::Always => Some("always"),
            ColorChoice::Never => Some("never"),
        },
        args: options.cargo_args.clone(),
    };
    // The source checks run on their own thread while cargo builds (issue 6), so they add
    // nothing to the wall time of a real build.
    let lints =
        lints_on.then(|| spawn_lints(shared_metadata, options.cargo_args.clone(), invocation.ansi));
    let (mut child, _forwarding) = invocation.spawn_forwarding()?;
    // The rulebook may include rule directories named in Cargo.toml, read while cargo starts.
    // The machine formats' paths also come from that metadata; sinks (and an `--output`
    // file) are set up once cargo runs, so `cargo metadata` never delays it.
    let paths = options
        .format
        .needs_paths()
        .then(|| path_context(&options, &context));
    let setup = load_rulebook(&options, &context)
        .and_then(|book| Ok((book, sinks(&options, ctx, live, paths)?)));
    let (book, (mut sinks, pending)) = match setup {
        Ok(ready) => ready,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
    };
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::Child(io::Error::other("cargo's stdout was not captured")))?;
    let found = Cell::new(0usize);
    let extra: Option<Extra<'_>> =
        lints.map(|handle| Box::new(|| lint_lines(handle, &found)) as Extra<'_>);
    let read = process_with(BufReader::new(stdout), &book, &context, &mut sinks, extra);
    // Wait even if reading failed, so cargo is never left behind.
    let status = child.wait().map_err(Error::Child)?;
    read.map_err(Error::Child)?;
    let mut code = exit::from_status(status);
    if options.deny_lints && code == exit::SUCCESS && found.get() > 0 {
        code = exit::LINTS_DENIED;
    }
    sink_status(&options, sinks, pending, code)
}

/// syn recurses on nesting; a big stack keeps pathological sources from overflowing it.
const LINT_STACK: usize = 64 * 1024 * 1024;

/// Starts the source checks: the members and their targets from `cargo metadata --no-deps`
/// (received from the project context's thread), then every file they compile. `None` from
/// the thread means the checks could not run (cargo metadata failed: cargo check will report
/// why).
fn spawn_lints(
    metadata: mpsc::Receiver<Arc<cargo_metadata::Metadata>>,
    cargo_args: Vec<String>,
    ansi: bool,
) -> Option<std::thread::JoinHandle<Option<workspace::Outcome>>> {
    std::thread::Builder::new()
        .name("explain-async-lints".into())
        .stack_size(LINT_STACK)
        .spawn(move || {
            let metadata = metadata.recv().ok()?;
            let cwd = std::env::current_dir().ok()?;
            let jobs = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
            Some(workspace::run(&metadata, &cargo_args, &cwd, ansi, jobs))
        })
        .ok()
}

/// Waits for the source checks and returns their lines; notes go to stderr.
fn lint_lines(
    handle: Option<std::thread::JoinHandle<Option<workspace::Outcome>>>,
    found: &Cell<usize>,
) -> Vec<String> {
    let outcome = match handle.map(|h| h.join()) {
        Some(Ok(Some(outcome))) => outcome,
        Some(Err(_)) => {
            let _ = writeln!(
                io::stderr(),
                "warning: explain-async: the source checks stopped unexpectedly; their findings are missing"
            );
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    for note in &outcome.notes {
        let _ = writeln!(io::stderr(), "warning: explain-async: {note}");
    }
    found.set(outcome.findings);
    outcome.lines
}

/// Built-in rules, then `--rules` directories, then those named in Cargo.toml metadata.
fn load_rulebook(options: &Options, context: &LazyContext) -> Result<Rulebook, Error> {
    let mut dirs = options.rules.clone();
    if let Some(ctx) = context.get() {
        dirs.extend(ctx.rule_dirs.iter().cloned());
    }
    let book = Rulebook::load(&dirs)?;
    for note in &book.notes {
        let _ = writeln!(io::stderr(), "note: {note}");
    }
    Ok(book)
}

/// The project context, loaded on a thread while cargo runs (`cargo metadata --no-deps` plus
/// `Cargo.lock`: fast, and never needs the network) and joined the first time it is needed.
/// Any failure just means no context: explanations then use their generic wording.
struct LazyContext {
    pending: std::sync::Mutex<Option<std::thread::JoinHandle<Option<ProjectContext>>>>,
    ready: std::sync::OnceLock<Option<ProjectContext>>,
}

impl LazyContext {
    fn start(cargo_args: Vec<String>) -> Self {
        Self::start_sharing(cargo_args, None)
    }

    /// [`LazyContext::start`], also handing the `cargo metadata` answer to `share` (the source
    /// checks), so one `cargo metadata` run serves both.
    fn start_sharing(
        cargo_args: Vec<String>,
        share: Option<mpsc::Sender<Arc<cargo_metadata::Metadata>>>,
    ) -> Self {
        let handle = std::thread::spawn(move || {
            let metadata = crate::cargo::metadata::load(&cargo_args, false).ok()?;
            let metadata = Arc::new(metadata);
            if let Some(share) = share {
                let _ = share.send(Arc::clone(&metadata));
            }
            let lock = std::fs::read_to_string(metadata.workspace_root.join("Cargo.lock")).ok();
            Some(ProjectContext::new(&metadata, lock.as_deref()))
        });
        LazyContext {
            pending: std::sync::Mutex::new(Some(handle)),
            ready: std::sync::OnceLock::new(),
        }
    }

    fn get(&self) -> Option<&ProjectContext> {
        self.ready
            .get_or_init(|| {
                let handle = self.pending.lock().ok()?.take()?;
                handle.join().ok().flatten()
            })
            .as_ref()
    }
}

impl Enricher for LazyContext {
    fn package(&self, diagnostic: &Diagnostic) -> Option<&PackageContext> {
        self.get()?.package(diagnostic.package_id.as_deref()?)
    }

    fn notes(&self, packages: &[String]) -> Vec<String> {
        self.get()
            .map(|c| c.notes(packages.iter().map(String::as_str)))
            .unwrap_or_default()
    }
}

/// Builds the sinks: the chosen format on stdout, or with `--output`, the human format on
/// stdout and the chosen format in a temporary file next to FILE (renamed into place at the
/// end, so FILE is never half written).
fn sinks(
    options: &Options,
    ctx: RenderContext,
    live: bool,
    paths: Option<PathContext>,
) -> Result<(Vec<Sink>, Option<PendingFile>), Error> {
    let flush_each = live || options.from.as_deref() == Some("-");
    // One lock for the whole run and a buffer in front of it: `Stdout` alone is line-buffered
    // and takes its lock on every write, which dominated the json format's profile (many
    // small writes from the serializer). Live runs still flush after every item (`flush_each`),
    // so explanations appear as soon as their diagnostic arrives.
    let stdout: Box<dyn Write> =
        Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()));
    let Some(path) = &options.output else {
        let renderer = renderer(options.format, ctx, paths, options.format == Format::Github);
        return Ok((vec![Sink::new(renderer, stdout, flush_each)], None));
    };
    let (pending, file) = PendingFile::create(path)?;
    let file_ctx = RenderContext { color: false };
    Ok((
        vec![
            Sink::new(
                renderer(Format::Human, ctx, None, false),
                stdout,
                flush_each,
            ),
            Sink::new(
                renderer(options.format, file_ctx, paths, false),
                Box::new(io::BufWriter::new(file)),
                false,
            ),
        ],
        Some(pending),
    ))
}

/// The renderer for a format. `step_summary`: whether the github format may append to
/// `$GITHUB_STEP_SUMMARY` (only when its output is the step's log).
fn renderer(
    format: Format,
    ctx: RenderContext,
    paths: Option<PathContext>,
    step_summary: bool,
) -> Box<dyn Renderer> {
    let paths = || {
        paths
            .clone()
            .unwrap_or_else(|| PathContext::new(current_dir(), current_dir()))
    };
    match format {
        Format::Human => Box::new(Human::new(ctx)),
        Format::Short => Box::new(Short::new(ctx)),
        Format::Json => Box::new(Json),
        Format::Github => Box::new(Github::new(
            ctx,
            paths(),
            step_summary.then(open_step_summary).flatten(),
        )),
        Format::Sarif => Box::new(Sarif::new(paths())),
        Format::Gitlab => Box::new(Gitlab::new(paths())),
    }
}

/// `$GITHUB_STEP_SUMMARY`, opened for appending, when set.
fn open_step_summary() -> Option<Box<dyn Write>> {
    let path = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())?;
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        Ok(file) => Some(Box::new(file)),
        Err(e) => {
            let _ = writeln!(
                io::stderr(),
                "warning: cannot write the step summary {}: {e}",
                Path::new(&path).display()
            );
            None
        }
    }
}

fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

/// The roots the machine formats need. The workspace root (rustc's paths are relative to it)
/// comes from `cargo metadata`, except with `--from` and no `--manifest-path`, where the
/// stream's workspace is taken to be the current directory. The repository root is
/// `$GITHUB_WORKSPACE`, else git's top level, else the nearest directory holding `.git`, else
/// the workspace root.
fn path_context(options: &Options, context: &LazyContext) -> PathContext {
    let from_without_manifest =
        options.from.is_some() && metadata::manifest_path(&options.cargo_args).is_none();
    let workspace = if from_without_manifest {
        current_dir()
    } else {
        match context.get() {
            Some(project) => project.workspace_root.clone(),
            None => {
                let _ = writeln!(
                    io::stderr(),
                    "warning: cargo metadata failed; paths are reported relative to the current \
                     directory"
                );
                current_dir()
            }
        }
    };
    let workspace = absolute(&workspace);
    let repo = std::env::var_os("GITHUB_WORKSPACE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| git_toplevel(&workspace))
        .or_else(|| {
            workspace
                .ancestors()
                .find(|dir| dir.join(".git").exists())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| workspace.clone());
    PathContext::new(workspace, absolute(&repo))
}

/// An absolute, symlink-free form of `path` when it exists (so `$GITHUB_WORKSPACE` and cargo's
/// workspace root compare equal), else the path joined to the current directory.
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| current_dir().join(path))
}

fn git_toplevel(dir: &Path) -> Option<PathBuf> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let top = text.trim_end_matches(['\n', '\r']);
    (out.status.success() && !top.is_empty()).then(|| PathBuf::from(top))
}

/// An `--output` file being written: a temporary file in the same directory, renamed over
/// the real one when the run completes, removed otherwise (also when dropped early).
struct PendingFile {
    temp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl PendingFile {
    fn create(dest: &Path) -> Result<(Self, File), Error> {
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let temp = dir.join(format!(".{name}.explain-async-{}.tmp", std::process::id()));
        let file = File::create(&temp).map_err(|source| Error::Output {
            path: dest.to_path_buf(),
            source,
        })?;
        let pending = PendingFile {
            temp,
            dest: dest.to_path_buf(),
            done: false,
        };
        Ok((pending, file))
    }

    fn commit(mut self) -> Result<(), Error> {
        self.done = true;
        std::fs::rename(&self.temp, &self.dest).map_err(|source| {
            let _ = std::fs::remove_file(&self.temp);
            Error::Output {
                path: self.dest.clone(),
                source,
            }
        })
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// A failed stdout write (closed pipe) is quiet; a failed `--output` file is an error and
/// leaves no file behind. Otherwise the output file is put in place.
fn sink_status(
    options: &Options,
    sinks: Vec<Sink>,
    pending: Option<PendingFile>,
    code: u8,
) -> Result<u8, Error> {
    if let (Some(path), Some(file_sink)) = (&options.output, sinks.get(1)) {
        if let Some(e) = file_sink.error() {
            return Err(Error::Output {
                path: path.clone(),
                source: io::Error::new(e.kind(), e.to_string()),
            });
        }
    }
    // Closes the file (its writer was flushed when the sink finished) before the rename.
    drop(sinks);
    if let Some(pending) = pending {
        pending.commit()?;
    }
    Ok(code)
}

fn finish_stdout(result: io::Result<()>) -> Result<u8, Error> {
    match result {
        Ok(()) => Ok(exit::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(exit::SUCCESS),
        Err(e) => Err(Error::Child(e)),
    }
}

fn explain(book: &Rulebook, query: &str, ctx: RenderContext) -> Result<u8, Error> {
    let rules = catalog::lookup(book, query);
    if rules.is_empty() {
        let near = catalog::nearest(book, query);
        let hint = if near.is_empty() {
            "; see --list-rules".to_string()
        } else {
            format!(
                "; did you mean {}?",
                near.iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Error::Usage(format!(
            "no rule or code `{query}` in the rulebook{hint}"
        )));
    }
    let mut out = io::stdout().lock();
    let mut result = Ok(());
    for (i, rule) in rules.iter().enumerate() {
        if i > 0 {
            result = result.and_then(|()| writeln!(out, "\n{}\n", "─".repeat(40)));
        }
        result = result.and_then(|()| catalog::write_rule(rule, ctx, &mut out));
    }
    finish_stdout(result.and_then(|()| out.flush()))
}

/// Decides whether our output is colored. `--color always|never` wins; for `auto`:
/// `NO_COLOR` (non-empty) turns color off, `CLICOLOR_FORCE` (non-empty, not `0`) turns it on,
/// `CARGO_TERM_COLOR=always|never` is honoured, else color follows whether stdout is a TTY.
pub fn color_enabled(choice: ColorChoice, env: &dyn Fn(&str) -> Option<String>, tty: bool) -> bool {
    match choice {
        ColorChoice::Always => return true,
        ColorChoice::Never => return false,
        ColorChoice::Auto => {}
    }
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    match set("CARGO_TERM_COLOR").as_deref() {
        Some("always") => true,
        Some("never") => false,
        _ => tty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn color_rules() {
        use ColorChoice::*;
        assert!(color_enabled(Always, &env(&[("NO_COLOR", "1")]), false));
        assert!(!color_enabled(Never, &env(&[]), true));
        assert!(color_enabled(Auto, &env(&[]), true));
        assert!(!color_enabled(Auto, &env(&[]), false));
        assert!(!color_enabled(Auto, &env(&[("NO_COLOR", "1")]), true));
        assert!(color_enabled(Auto, &env(&[("NO_COLOR", "")]), true));
        assert!(color_enabled(Auto, &env(&[("CLICOLOR_FORCE", "1")]), false));
        assert!(!color_enabled(
            Auto,
            &env(&[("CLICOLOR_FORCE", "0")]),
            false
        ));
        assert!(color_enabled(
            Auto,
            &env(&[("CARGO_TERM_COLOR", "always")]),
            false
        ));
        assert!(!color_enabled(
            Auto,
            &env(&[("CARGO_TERM_COLOR", "never")]),
            true
        ));
    }
}
