//! The top level: turns parsed options into a run and dispatches it: `--explain`,
//! `--list-rules`, a replay (`--from`) or a live run of cargo, after `--fix` when asked. The
//! work itself lives in the stages: `project` (context, sources, roots), `cargo` (the child
//! process), `lints` (the source checks' thread), `stream` (the loop), `output` (sinks and
//! files), `fixing` (`--fix`), `say` (stderr).

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::sync::mpsc;

use crate::cargo::child::Cargo;
use crate::cargo::{Invocation, Subcommand};
use crate::cli::{self, ColorChoice, Options, Parsed};
use crate::error::Error;
use crate::exit;
use crate::fixing;
use crate::lints::background;
use crate::output::{finish_stdout, Outputs, Plan};
use crate::project::{path_context, saved_stream, LiveProject};
use crate::render::{catalog, Format, RenderContext};
use crate::rules::Rulebook;
use crate::say;
use crate::stream::{process, process_with, Extra, Injected};

/// Runs the tool with `argv` (program name first) and returns the exit status.
pub fn main(argv: Vec<OsString>) -> u8 {
    match run(argv) {
        Ok(code) => code,
        Err(err) => {
            say::error(&err.to_string());
            exit::for_error(&err)
        }
    }
}

fn run(argv: Vec<OsString>) -> Result<u8, Error> {
    let options = match cli::parse(cli::utf8_args(argv)?)? {
        Parsed::Info(text) => {
            let _ = io::stdout().write_all(text.as_bytes());
            return Ok(exit::SUCCESS);
        }
        Parsed::Run(options) => options,
    };
    let color = color_enabled(
        options.color,
        &|k| std::env::var(k).ok(),
        io::stdout().is_terminal(),
    );
    let ctx = RenderContext { color };
    if options.explain.is_some() || options.list_rules {
        let project = LiveProject::start(options.cargo.clone(), false, None);
        let book = load_rulebook(&options, &project)?;
        let mut out = io::stdout().lock();
        let written = match &options.explain {
            Some(query) => catalog::write_explain(&book, query, ctx, &mut out)?,
            None if options.format == Format::Json => catalog::write_json(&book, &mut out),
            None => catalog::write_table(&book, &mut out),
        };
        return finish_stdout(written.and_then(|()| out.flush()));
    }
    if options.fix {
        // The fixes first (quiet checks of their own), then the ordinary live run shows what
        // remains and gives the exit status.
        if let Some(stopped) = fixing::run(&options)? {
            return Ok(stopped);
        }
    }
    match &options.from {
        Some(from) => replay(&options, from, ctx),
        None => live(&options, ctx),
    }
}

/// `--from FILE|-`: a saved stream, rendered as if cargo had just printed it.
fn replay(options: &Options, from: &str, ctx: RenderContext) -> Result<u8, Error> {
    let workspace_is_cwd = options.cargo.manifest_path.is_none();
    let project = LiveProject::start(options.cargo.clone(), workspace_is_cwd, None);
    let book = load_rulebook(options, &project)?;
    let mut outputs = Outputs::open(plan(options, ctx, &project, from == "-"))?;
    let input_err = |source| Error::Input {
        path: from.to_string(),
        source,
    };
    let input = saved_stream(from).map_err(input_err)?;
    process(input, &book, &project, &mut outputs.sinks).map_err(input_err)?;
    outputs.finish(exit::SUCCESS)
}

/// A live run: cargo builds while the project context and the source checks load beside it.
fn live(options: &Options, ctx: RenderContext) -> Result<u8, Error> {
    let invocation = Invocation {
        subcommand: if options.clippy {
            Subcommand::Clippy
        } else {
            Subcommand::Check
        },
        // rustc's own colors only matter where `rendered` is shown to a person, and must not
        // end up in the json stream written to a file.
        ansi: color_enabled_for_rendered(options, ctx.color),
        color: match options.color {
            ColorChoice::Auto => None,
            ColorChoice::Always => Some("always"),
            ColorChoice::Never => Some("never"),
        },
        args: options.cargo_args.clone(),
    };
    // cargo first: nothing of ours delays the build it runs (the `cargo metadata` run and the
    // source checks' thread start right after it and compete with it for CPU, not ahead of it).
    let (child, _forwarding) = invocation.spawn_forwarding()?;
    let mut cargo = Cargo::new(child);
    // The source checks reuse the project context's `cargo metadata` answer.
    let (share, metadata) = mpsc::channel();
    let lints_on = !options.no_lints;
    let project = LiveProject::start(options.cargo.clone(), false, lints_on.then_some(share));
    let checks =
        lints_on.then(|| background::start(metadata, options.cargo.clone(), invocation.ansi));
    // The rulebook may include rule directories named in Cargo.toml, read while cargo starts;
    // the sinks (and an `--output` file) are set up once cargo runs, so `cargo metadata`
    // never delays it.
    let setup = load_rulebook(options, &project)
        .and_then(|book| Ok((book, Outputs::open(plan(options, ctx, &project, true))?)));
    let (book, mut outputs) = match setup {
        Ok(ready) => ready,
        Err(e) => {
            cargo.stop();
            return Err(e);
        }
    };
    let mut found = 0;
    let read = std::thread::scope(|scope| {
        // The findings are judged and fixed as soon as the checks are done, beside the stream
        // (`Injected::prejudged`), and join it just before cargo's last line.
        let (book, project) = (&book, &project);
        let early = checks.map(|running| scope.spawn(move || prejudge(running, book, project)));
        let extra: Option<Extra<'_>> = early.map(|handle| {
            Box::new(|| {
                // The thread catches its own panics (`prejudge`); a join cannot fail.
                let (results, lines) = handle.join().unwrap_or_default();
                for note in &results.notes {
                    say::warning(&format!("explain-async: {note}"));
                }
                found = results.findings;
                lines
            }) as Extra<'_>
        });
        process_with(cargo.stdout(), book, project, &mut outputs.sinks, extra)
    });
    // Wait even if reading failed, so cargo is never left behind.
    let mut code = cargo.wait()?;
    read.map_err(Error::Child)?;
    if options.deny_lints && code == exit::SUCCESS && found > 0 {
        code = exit::LINTS_DENIED;
    }
    outputs.finish(code)
}

/// Waits for the source checks, then judges and fixes their findings ahead of the stream. A
/// panic while doing so leaves the lines as they are, to be judged in the stream.
fn prejudge<'r>(
    running: background::Running,
    book: &'r Rulebook,
    project: &LiveProject,
) -> (background::Results, Vec<Injected<'r>>) {
    let mut results = running.finish();
    let texts = std::mem::take(&mut results.lines);
    let early = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        texts
            .iter()
            .map(|text| Injected::prejudged(text.clone(), book, project))
            .collect()
    }));
    let lines = early.unwrap_or_else(|_| texts.into_iter().map(Injected::plain).collect());
    (results, lines)
}

/// Whether cargo is asked for rustc's ANSI colors: only when `rendered` is shown to a person
/// (the terminal's human output, or the github log), never for a json file.
fn color_enabled_for_rendered(options: &Options, color: bool) -> bool {
    color
        && (options.output.is_some() || options.format.shows_rendered())
        && !(options.output.is_some() && options.format == Format::Json)
}

/// How the run's output is laid out. `flush_each`: flush after every item.
fn plan<'a>(
    options: &'a Options,
    ctx: RenderContext,
    project: &LiveProject,
    flush_each: bool,
) -> Plan<'a> {
    Plan {
        format: options.format,
        ctx,
        paths: options.format.needs_paths().then(|| path_context(project)),
        output: options.output.as_deref(),
        flush_each,
    }
}

/// Built-in rules, then `--rules` directories, then those named in Cargo.toml metadata.
fn load_rulebook(options: &Options, project: &LiveProject) -> Result<Rulebook, Error> {
    let mut dirs = options.rules.clone();
    if let Some(context) = project.get() {
        dirs.extend(context.rule_dirs.iter().cloned());
    }
    let book = Rulebook::load(&dirs)?;
    for note in &book.notes {
        say::note(note);
    }
    Ok(book)
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
