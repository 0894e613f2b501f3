//! A [`CheckFinding`] as one line of cargo's JSON stream: a `compiler-message` shaped exactly like
//! rustc's (spans with byte offsets, 1-based lines and columns and the quoted source lines;
//! `note`/`help` children; a `rendered` text drawn by annotate-snippets, the renderer rustc
//! itself uses), so that the matcher and every renderer treat it like any other diagnostic.
//! Pure: takes values, returns a string.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde_json::{json, Value};

use super::{CheckFinding, Label, Pos};

/// Which package and target a file belongs to, as cargo names them in its messages.
#[derive(Debug, Clone)]
pub struct PackageTarget {
    pub package_id: String,
    pub manifest_path: String,
    /// The target as `cargo metadata` describes it (cargo's messages carry the same object).
    pub target: Value,
}

/// Byte offsets of line starts, to turn (line, char column) into byte offsets.
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The text of 1-based `line`, without its terminator.
    pub fn line(&self, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The byte offset of a position (clamped to the line).
    pub fn offset(&self, pos: Pos) -> usize {
        let Some(&start) = self.starts.get(pos.line.wrapping_sub(1)) else {
            return self.text.len();
        };
        let line = self.line(pos.line);
        start
            + line
                .char_indices()
                .nth(pos.column)
                .map_or(line.len(), |(i, _)| i)
    }
}

fn span_json(label: &Label, file_name: &str, index: &LineIndex<'_>) -> Value {
    let text: Vec<Value> = (label.lo.line..=label.hi.line)
        .map(|n| {
            let line = index.line(n);
            let start = if n == label.lo.line {
                label.lo.column + 1
            } else {
                1
            };
            let end = if n == label.hi.line {
                label.hi.column + 1
            } else {
                line.chars().count() + 1
            };
            json!({ "text": line, "highlight_start": start, "highlight_end": end })
        })
        .collect();
    json!({
        "file_name": file_name,
        "byte_start": index.offset(label.lo),
        "byte_end": index.offset(label.hi),
        "line_start": label.lo.line,
        "line_end": label.hi.line,
        "column_start": label.lo.column + 1,
        "column_end": label.hi.column + 1,
        "is_primary": label.primary,
        "text": text,
        "label": label.text,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

/// The rustc-style text of a finding. `ansi`: with rustc's colors (for
/// `json-diagnostic-rendered-ansi` runs).
pub fn rendered(
    finding: &CheckFinding,
    file_name: &str,
    index: &LineIndex<'_>,
    ansi: bool,
) -> String {
    let first = finding.labels.iter().map(|l| l.lo.line).min().unwrap_or(1);
    let last = finding
        .labels
        .iter()
        .map(|l| l.hi.line)
        .max()
        .unwrap_or(first);
    // Only the lines the labels cover, so the cost does not grow with the file.
    let base = index.offset(Pos {
        line: first,
        column: 0,
    });
    let end = index.offset(Pos {
        line: last,
        column: usize::MAX,
    });
    let source = &index.text[base..end];
    let annotations = finding.labels.iter().map(|l| {
        let kind = if l.primary {
            AnnotationKind::Primary
        } else {
            AnnotationKind::Context
        };
        let range = (index.offset(l.lo) - base)..(index.offset(l.hi) - base);
        kind.span(range).label(l.text.as_str())
    });
    // No `[code]` in the title: rustc and clippy name a lint in a note, never in a warning's
    // title (ours: "`explain_async::…` is on by default"), and readers of the human text such
    // as bacon only take `warning` alone as a warning's start.
    let title = Level::WARNING.primary_title(finding.message.as_str());
    let mut group: Group<'_> = title.element(
        Snippet::source(source)
            .line_start(first)
            .path(file_name)
            .annotations(annotations),
    );
    for (level, text) in &finding.notes {
        let level = if *level == "help" {
            Level::HELP
        } else {
            Level::NOTE
        };
        group = group.element(level.message(text.as_str()));
    }
    let renderer = if ansi {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = renderer.render(&[group]);
    out.push_str("\n\n");
    out
}

/// The `compiler-message` line (without a newline) for a finding in `file_name` (as rustc
/// names it: relative to the workspace root) whose text is `text`.
pub fn compiler_message(
    finding: &CheckFinding,
    file_name: &str,
    text: &str,
    origin: &PackageTarget,
    ansi: bool,
) -> String {
    let index = LineIndex::new(text);
    let spans: Vec<Value> = finding
        .labels
        .iter()
        .map(|l| span_json(l, file_name, &index))
        .collect();
    let children: Vec<Value> = finding
        .notes
        .iter()
        .map(|(level, text)| {
            json!({
                "children": [],
                "code": null,
                "level": level,
                "message": text,
                "rendered": null,
                "spans": [],
            })
        })
        .collect();
    let value = json!({
        "reason": "compiler-message",
        "package_id": origin.package_id,
        "manifest_path": origin.manifest_path,
        "target": origin.target,
        "message": {
            "rendered": rendered(finding, file_name, &index, ansi),
            "$message_type": "diagnostic",
            "children": children,
            "level": "warning",
            "message": finding.message,
            "spans": spans,
            "code": { "code": finding.check.code(), "explanation": null },
        },
    });
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::Check;

    fn sample() -> (CheckFinding, &'static str) {
        let text = "async fn f() {\n    std::thread::sleep(d); // ünïcode\n}\n";
        let finding = CheckFinding {
            check: Check::BlockingCallInAsync,
            message: "blocking call `std::thread::sleep` in async fn `f`".into(),
            labels: vec![Label {
                lo: Pos { line: 2, column: 4 },
                hi: Pos {
                    line: 2,
                    column: 25,
                },
                text: "blocks".into(),
                primary: true,
            }],
            notes: vec![("help", "use `tokio::time::sleep(..).await`".into())],
            enclosing: vec![1, 2],
        };
        (finding, text)
    }

    fn origin() -> PackageTarget {
        PackageTarget {
            package_id: "path+file:///w/app#0.1.0".into(),
            manifest_path: "/w/app/Cargo.toml".into(),
            target: json!({"kind": ["bin"], "crate_types": ["bin"], "name": "app",
                "src_path": "/w/app/src/main.rs", "edition": "2021", "doc": true,
                "doctest": false, "test": true}),
        }
    }

    #[test]
    fn line_parses_as_cargo_message_with_real_offsets() {
        let (finding, text) = sample();
        let line = compiler_message(&finding, "app/src/main.rs", text, &origin(), false);
        let message: cargo_metadata::Message = serde_json::from_str(&line).unwrap();
        let cargo_metadata::Message::CompilerMessage(msg) = message else {
            panic!("not a compiler message: {line}");
        };
        let span = &msg.message.spans[0];
        assert_eq!(
            &text[span.byte_start as usize..span.byte_end as usize],
            "std::thread::sleep(d)"
        );
        assert_eq!((span.line_start, span.column_start), (2, 5));
        assert_eq!(
            msg.message.code.as_ref().unwrap().code,
            "explain_async::blocking_call_in_async"
        );
        let rendered = msg.message.rendered.unwrap();
        assert!(
            rendered.starts_with("warning: blocking call `std::thread::sleep` in async fn `f`\n"),
            "{rendered}"
        );
        assert!(rendered.contains("--> app/src/main.rs:2:5"), "{rendered}");
        assert!(
            rendered.contains("^^^^^^^^^^^^^^^^^^^^^ blocks"),
            "{rendered}"
        );
        assert!(
            rendered.contains("= help: use `tokio::time::sleep(..).await`"),
            "{rendered}"
        );
        assert!(rendered.ends_with("\n\n"));
    }

    /// A line cut into runs of text, each with the escape sequences that precede it; a reset
    /// (`ESC[0m`) ends a run. This is how bacon (3.26, `tty/tline_builder.rs`) reads a
    /// line before classifying it.
    fn styled_runs(line: &str) -> Vec<(String, String)> {
        let mut runs: Vec<(String, String)> = Vec::new();
        let mut csi = String::new();
        let mut text = String::new();
        let mut rest = line;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("\u{1b}[") {
                let end = after.find(|c: char| c.is_ascii_alphabetic()).unwrap();
                let seq = &rest[..end + 3];
                if !text.is_empty() || seq == "\u{1b}[0m" {
                    if !text.is_empty() {
                        runs.push((std::mem::take(&mut csi), std::mem::take(&mut text)));
                    }
                    csi.clear();
                }
                if seq != "\u{1b}[0m" {
                    csi.push_str(seq);
                }
                rest = &rest[end + 3..];
            } else {
                let c = rest.chars().next().unwrap();
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        if !text.is_empty() {
            runs.push((csi, text));
        }
        runs
    }

    /// bacon takes a line for a warning's title only when it is `warning: …` (plain), or when
    /// its first styled run is exactly `warning` in bold yellow (colored). A `warning[code]`
    /// title is not a title to it, and the warning's `-->` location was then filed under
    /// whatever title came before (cargo's "build failed, waiting for other jobs" line).
    #[test]
    fn the_title_is_a_warning_title_to_bacon() {
        let (finding, text) = sample();
        let index = LineIndex::new(text);
        let plain = rendered(&finding, "src/main.rs", &index, false);
        assert!(plain.starts_with("warning: "), "{plain}");
        let styled = rendered(&finding, "src/main.rs", &index, true);
        let title = styled.lines().next().unwrap();
        let runs = styled_runs(title);
        assert_eq!(
            runs[0],
            ("\u{1b}[1m\u{1b}[33m".to_string(), "warning".to_string()),
            "{title:?}"
        );
        assert!(runs[1].1.starts_with(": blocking call"), "{runs:?}");
        // The location line: spaces, then a bold blue `--> `, then the path.
        let location = styled.lines().nth(1).unwrap();
        let runs = styled_runs(location);
        assert!(runs[0].1.trim().is_empty(), "{runs:?}");
        assert_eq!(
            runs[1],
            ("\u{1b}[1m\u{1b}[94m".into(), "--> ".into()),
            "{runs:?}"
        );
        assert_eq!(runs[2].1, "src/main.rs:2:5", "{runs:?}");
    }

    #[test]
    fn index_handles_multibyte_and_out_of_range() {
        let index = LineIndex::new("aé\nb");
        assert_eq!(index.offset(Pos { line: 1, column: 2 }), 3);
        assert_eq!(index.offset(Pos { line: 2, column: 0 }), 4);
        assert_eq!(index.offset(Pos { line: 9, column: 0 }), 5);
        assert_eq!(index.line(2), "b");
    }
}
