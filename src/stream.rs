//! The streaming loop: read cargo's stdout (or a saved stream) line by line as it arrives,
//! classify it, have each diagnostic judged (matching) and fixed (the fix stage), and hand
//! each item to every sink at once, so an explanation is printed as soon as its diagnostic
//! arrives. Pure with respect to processes: it takes a reader and writers.

use std::io::{self, BufRead};

use crate::context::Project;
use crate::diagnostic::{classify, Event, Line};
use crate::fix;
use crate::matching::{Matcher, Verdict};
use crate::output::Sink;
use crate::render::Item;
use crate::rules::Rulebook;

/// Reads `input` to the end, feeding every sink. Only a read error from `input` is returned;
/// write errors stay with their sink. Once every sink has failed (stdout closed early), the
/// input is still drained so that cargo can finish and report its own status.
pub fn process(
    input: impl BufRead,
    book: &Rulebook,
    project: &dyn Project,
    sinks: &mut [Sink],
) -> io::Result<()> {
    process_with(input, book, project, sinks, None)
}

/// Lines produced beside the stream (our source checks' `compiler-message` lines), asked for
/// once: just before cargo's `build-finished` line, or at the end of the input when cargo
/// stopped without one.
pub type Extra<'a> = Box<dyn FnOnce() -> Vec<Injected<'a>> + 'a>;

/// One line produced beside the stream, maybe with what matching and the fix stage said about
/// it ahead of time ([`Injected::prejudged`]).
pub struct Injected<'r> {
    pub text: String,
    /// The line classified, and the verdict on its diagnostic, when worked out ahead.
    early: Option<(Event, Option<Verdict<'r>>)>,
}

impl<'r> Injected<'r> {
    /// A line with nothing worked out ahead.
    pub fn plain(text: String) -> Self {
        Injected { text, early: None }
    }

    /// A line judged and fixed ahead, while cargo still runs: on a build with nothing to
    /// compile, our source checks' findings are ready long before cargo's last line, and
    /// judging the first one (compiling the rules' patterns) and fixing it (reading and
    /// parsing the user's file) was most of the time the tool added after cargo finished.
    /// The stream still judges the line in its place, now with the patterns compiled; the fix
    /// worked out here is used only when that verdict names the same rule with the same
    /// captures (the fix stage reads nothing else), so the output is what it would have been.
    pub fn prejudged(text: String, book: &'r Rulebook, project: &dyn Project) -> Self {
        let event = classify(Line {
            raw: text.as_bytes(),
        });
        let verdict = match &event {
            Event::Diagnostic(diagnostic) => {
                let mut verdict = Matcher::new(book).judge(diagnostic, project);
                fix::attach(&mut verdict, diagnostic, project);
                Some(verdict)
            }
            _ => None,
        };
        Injected {
            text,
            early: Some((event, verdict)),
        }
    }
}

/// What the loop remembers between lines.
struct State<'r> {
    matcher: Matcher<'r>,
    packages: Packages,
}

/// [`process`], with `extra` lines joining the stream before cargo's `build-finished` line
/// (after every compiler message, before any note or summary), matched and rendered exactly
/// like cargo's own lines.
pub fn process_with<'r>(
    mut input: impl BufRead,
    book: &'r Rulebook,
    project: &dyn Project,
    sinks: &mut [Sink],
    mut extra: Option<Extra<'r>>,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut state = State {
        matcher: Matcher::new(book),
        packages: Packages::default(),
    };
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        if sinks.iter().all(Sink::failed) {
            continue;
        }
        let line = Line { raw: &buf };
        let event = classify(line);
        if extra.is_some() && matches!(&event, Event::CargoJson(cargo) if cargo.finished) {
            inject(extra.take(), project, sinks, &mut state);
        }
        handle(line, event, None, project, sinks, &mut state);
    }
    inject(extra.take(), project, sinks, &mut state);
    for note in project.notes(&state.packages.in_order) {
        sinks.iter_mut().for_each(|s| s.emit(&Item::Note(&note)));
    }
    sinks.iter_mut().for_each(Sink::finish);
    Ok(())
}

fn inject<'r>(
    extra: Option<Extra<'r>>,
    project: &dyn Project,
    sinks: &mut [Sink],
    state: &mut State<'r>,
) {
    let Some(extra) = extra else { return };
    for injected in extra() {
        let raw = format!("{}\n", injected.text);
        let line = Line {
            raw: raw.as_bytes(),
        };
        // A line classified ahead is not parsed again (it is the same text).
        let (event, early) = match injected.early {
            Some((event, verdict)) => (event, verdict),
            None => (classify(line), None),
        };
        handle(line, event, early, project, sinks, state);
    }
}

/// One line through matching, the fix stage and every sink. `early`: the verdict worked out
/// ahead for an injected line ([`Injected::prejudged`]).
fn handle<'r>(
    line: Line<'_>,
    event: Event,
    early: Option<Verdict<'r>>,
    project: &dyn Project,
    sinks: &mut [Sink],
    state: &mut State<'r>,
) {
    let item = match &event {
        Event::Diagnostic(diagnostic) => {
            state.packages.remember(diagnostic.package_id.as_deref());
            let mut verdict = state.matcher.judge(diagnostic, project);
            if !fix::adopt(&mut verdict, early) {
                fix::attach(&mut verdict, diagnostic, project);
            }
            let item = Item::Diagnostic {
                line,
                diagnostic,
                verdict: &verdict,
            };
            sinks.iter_mut().for_each(|s| s.emit(&item));
            return;
        }
        Event::CargoJson(cargo) => {
            state.packages.remember(cargo.artifact_of.as_deref());
            Item::CargoJson(line)
        }
        Event::Text => Item::Text(line),
    };
    sinks.iter_mut().for_each(|s| s.emit(&item));
}

/// The package ids seen, in order of first appearance. The set makes each lookup constant
/// time: a linear search made the stream quadratic in the number of packages (issue 5:
/// 9% of all instructions on a 9,000-message benchmark stream).
#[derive(Default)]
struct Packages {
    in_order: Vec<String>,
    seen: foldhash::HashSet<String>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::NoProject;
    use crate::render::json::Json;
    use std::io::{self, Write};
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
        let extra: Extra<'_> = Box::new(|| extra.into_iter().map(Injected::plain).collect());
        process_with(input.as_bytes(), &book, &NoProject, &mut sinks, Some(extra)).unwrap();
        let bytes = out.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    /// Every recorded compiler message, as injected lines: judged ahead or not, the output is
    /// the same, and the early fix is taken only for the same rule with the same captures.
    #[test]
    fn prejudged_lines_render_as_plain_ones_do() {
        let book = Rulebook::builtin().unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/streams");
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                let text = std::fs::read_to_string(&path).unwrap();
                lines.extend(
                    text.lines()
                        .filter(|l| l.contains("\"compiler-message\""))
                        .map(str::to_string),
                );
            }
        }
        assert!(lines.len() > 100, "{} recorded messages", lines.len());
        let render = |early: bool| {
            let out = Shared::default();
            let mut sinks = vec![Sink::new(Box::new(Json), Box::new(out.clone()), false)];
            let lines = lines.clone();
            let book = &book;
            let extra: Extra<'_> = Box::new(move || {
                lines
                    .into_iter()
                    .map(|l| match early {
                        true => Injected::prejudged(l, book, &NoProject),
                        false => Injected::plain(l),
                    })
                    .collect()
            });
            process_with(&b""[..], book, &NoProject, &mut sinks, Some(extra)).unwrap();
            let bytes = out.0.lock().unwrap().clone();
            String::from_utf8(bytes).unwrap()
        };
        let plain = render(false);
        assert!(plain.contains("\"explain_async\""));
        assert_eq!(render(true), plain);

        // A verdict for another rule, or with other captures, lends nothing.
        let first = lines
            .iter()
            .find_map(|l| match classify(Line { raw: l.as_bytes() }) {
                Event::Diagnostic(d) => {
                    let v = Matcher::new(&book).judge(&d, &NoProject);
                    v.explanation().is_some().then_some(v)
                }
                _ => None,
            })
            .unwrap();
        let mut other = first.clone();
        if let Verdict::Explained(e) = &mut other {
            e.captures.insert("extra".into(), "x".into());
            e.proposal = Some(crate::fix::Proposal::InWords {
                text: "lent".into(),
                lines: Vec::new(),
            });
        }
        let mut now = first.clone();
        assert!(!fix::adopt(&mut now, Some(other.clone())));
        assert!(now.explanation().unwrap().proposal.is_none());
        if let Verdict::Explained(e) = &mut other {
            e.captures = first.explanation().unwrap().captures.clone();
        }
        assert!(fix::adopt(&mut now, Some(other)));
        assert!(now.explanation().unwrap().proposal.is_some());
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
