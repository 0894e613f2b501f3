//! The streaming loop: read cargo's stdout (or a saved stream) line by line as it arrives,
//! classify, match, and hand each item to every sink at once, so an explanation is printed as
//! soon as its diagnostic arrives. Pure with respect to processes: it takes a reader and
//! writers.

use std::io::{self, BufRead, Write};

use crate::context::{add_captures, PackageContext};
use crate::diagnostic::{classify, Diagnostic, Event, Line};
use crate::matching::{find, unknown_async, Cascades};
use crate::render::{Explanation, Item, Renderer};
use crate::rules::template::fill;
use crate::rules::Rulebook;

/// What the project adds to the compiler's words (see `src/context.rs`).
pub trait Enricher {
    /// The workspace member a diagnostic belongs to, if known.
    fn package(&self, diagnostic: &Diagnostic) -> Option<&PackageContext>;
    /// One-per-run notes shown after the stream (e.g. a discontinued runtime in the graph),
    /// for the packages cargo printed messages or artifacts of (`package_id`s, in order).
    fn notes(&self, packages: &[String]) -> Vec<String>;
}

/// No project context (tests, or no Cargo.toml to read).
pub struct NoContext;

impl Enricher for NoContext {
    fn package(&self, _: &Diagnostic) -> Option<&PackageContext> {
        None
    }
    fn notes(&self, _: &[String]) -> Vec<String> {
        Vec::new()
    }
}

/// One destination: a renderer and where it writes.
pub struct Sink {
    renderer: Box<dyn Renderer>,
    out: Box<dyn Write>,
    /// Flush after every item (live runs, editors); off for saved files (throughput).
    flush_each: bool,
    /// The first write error; after it the sink is skipped (broken pipe: quiet).
    error: Option<io::Error>,
}

impl Sink {
    pub fn new(renderer: Box<dyn Renderer>, out: Box<dyn Write>, flush_each: bool) -> Self {
        Sink {
            renderer,
            out,
            flush_each,
            error: None,
        }
    }

    fn emit(&mut self, item: &Item<'_>) {
        if self.error.is_some() {
            return;
        }
        let mut result = self.renderer.item(item, &mut self.out);
        if result.is_ok() && self.flush_each {
            result = self.out.flush();
        }
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    fn finish(&mut self) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self
            .renderer
            .finish(&mut self.out)
            .and_then(|()| self.out.flush())
        {
            self.error = Some(e);
        }
    }

    /// The write error that stopped this sink, if any.
    pub fn error(&self) -> Option<&io::Error> {
        self.error.as_ref()
    }
}

/// Reads `input` to the end, feeding every sink. Only a read error from `input` is returned;
/// write errors stay with their sink. Once every sink has failed (stdout closed early), the
/// input is still drained so that cargo can finish and report its own status.
pub fn process(
    input: impl BufRead,
    book: &Rulebook,
    context: &dyn Enricher,
    sinks: &mut [Sink],
) -> io::Result<()> {
    process_with(input, book, context, sinks, None)
}

/// Lines produced beside the stream (our source checks' `compiler-message` lines), asked for
/// once: just before cargo's `build-finished` line, or at the end of the input when cargo
/// stopped without one.
pub type Extra<'a> = Box<dyn FnOnce() -> Vec<String> + 'a>;

/// What the loop remembers between lines.
#[derive(Default)]
struct State {
    cascades: Cascades,
    packages: Packages,
}

/// [`process`], with `extra` lines joining the stream before cargo's `build-finished` line
/// (after every compiler message, before any note or summary), matched and rendered exactly
/// like cargo's own lines.
pub fn process_with(
    mut input: impl BufRead,
    book: &Rulebook,
    context: &dyn Enricher,
    sinks: &mut [Sink],
    mut extra: Option<Extra<'_>>,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut state = State::default();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        if sinks.iter().all(|s| s.error.is_some()) {
            continue;
        }
        let line = Line { raw: &buf };
        let event = classify(line);
        if extra.is_some() && matches!(event, Event::CargoJson) && is_build_finished(line.content())
        {
            inject(extra.take(), book, context, sinks, &mut state);
        }
        handle(line, event, book, context, sinks, &mut state);
    }
    inject(extra.take(), book, context, sinks, &mut state);
    for note in context.notes(&state.packages.in_order) {
        sinks.iter_mut().for_each(|s| s.emit(&Item::Note(&note)));
    }
    sinks.iter_mut().for_each(Sink::finish);
    Ok(())
}

fn is_build_finished(content: &[u8]) -> bool {
    let needle: &[u8] = b"\"reason\":\"build-finished\"";
    content.windows(needle.len()).any(|w| w == needle)
}

fn inject(
    extra: Option<Extra<'_>>,
    book: &Rulebook,
    context: &dyn Enricher,
    sinks: &mut [Sink],
    state: &mut State,
) {
    let Some(extra) = extra else { return };
    for text in extra() {
        let raw = format!("{text}\n");
        let line = Line {
            raw: raw.as_bytes(),
        };
        handle(line, classify(line), book, context, sinks, state);
    }
}

/// One line through matching and every sink.
fn handle(
    line: Line<'_>,
    event: Event,
    book: &Rulebook,
    context: &dyn Enricher,
    sinks: &mut [Sink],
    state: &mut State,
) {
    match event {
        Event::Diagnostic(diagnostic) => {
            state.packages.remember(diagnostic.package_id.as_deref());
            let found = find(book, &diagnostic);
            let covered = state.cascades.covers(book, &diagnostic, found.as_ref());
            let mut finding = state.cascades.filter(book, &diagnostic, found);
            if let Some(f) = finding.as_mut() {
                let rule = book.rule(f.rule);
                let features: Vec<String> = rule
                    .tokio_features
                    .iter()
                    .map(|t| fill(t, &f.captures))
                    .collect();
                add_captures(context.package(&diagnostic), &features, &mut f.captures);
            }
            let explanation = finding.as_ref().map(|f| Explanation::new(book, f));
            let unknown = match finding {
                None if !covered => unknown_async(book, &diagnostic),
                _ => None,
            };
            let item = Item::Diagnostic {
                line,
                diagnostic: &diagnostic,
                explanation: explanation.as_ref(),
                unknown_async: unknown.as_deref(),
            };
            sinks.iter_mut().for_each(|s| s.emit(&item));
        }
        Event::CargoJson => {
            state
                .packages
                .remember(artifact_package(line.raw).as_deref());
            sinks
                .iter_mut()
                .for_each(|s| s.emit(&Item::CargoJson(line)))
        }
        Event::Text => sinks.iter_mut().for_each(|s| s.emit(&Item::Text(line))),
    }
}

/// The package ids seen, in order of first appearance. The set makes each lookup constant
/// time: a linear search made the stream quadratic in the number of packages (issue 5:
/// 9% of all instructions on a 9,000-message benchmark stream).
#[derive(Default)]
struct Packages {
    in_order: Vec<String>,
    seen: std::collections::HashSet<String>,
}

impl Packages {
    fn remember(&mut self, id: Option<&str>) {
        if let Some(id) = id {
            if !self.seen.contains(id) {
                self.seen.insert(id.to_string());
                self.in_order.push(id.to_string());
            }
        }
    }
}

/// The `package_id` of a `compiler-artifact` line (cargo prints one per checked unit, fresh
/// or not, so a clean build still tells which members it covered).
fn artifact_package(raw: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Artifact {
        reason: String,
        package_id: Option<String>,
    }
    let needle: &[u8] = b"\"compiler-artifact\"";
    if !raw.windows(needle.len()).any(|w| w == needle) {
        return None;
    }
    let artifact: Artifact = serde_json::from_slice(raw).ok()?;
    (artifact.reason == "compiler-artifact")
        .then_some(artifact.package_id)
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::Json;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn run(input: &str, extra: Vec<String>) -> String {
        let book = Rulebook::builtin().unwrap();
        let out = Shared::default();
        let mut sinks = vec![Sink::new(Box::new(Json), Box::new(out.clone()), false)];
        let extra: Extra<'_> = Box::new(|| extra);
        process_with(input.as_bytes(), &book, &NoContext, &mut sinks, Some(extra)).unwrap();
        let bytes = out.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn extra_lines_go_before_build_finished_or_at_the_end() {
        let done = "{\"reason\":\"build-finished\",\"success\":true}\n";
        let extra = "{\"reason\":\"x\"}";
        let out = run(&format!("text\n{done}"), vec![extra.into()]);
        assert_eq!(out, format!("text\n{extra}\n{done}"));
        let out = run("text\n", vec![extra.into()]);
        assert_eq!(out, format!("text\n{extra}\n"));
    }
}
