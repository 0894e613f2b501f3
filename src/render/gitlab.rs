//! GitLab Code Quality: a JSON array of issues (the subset of the Code Climate format GitLab
//! reads: description, check_name, fingerprint, severity, location.path,
//! location.lines.begin), built in memory and written whole at the end. No BOM.
//!
//! GitLab requires a location for every issue: a diagnostic without a span in the user's
//! code is placed on line 1 of its package's `Cargo.toml`; one that cannot be placed in the
//! repository at all is left out (it is still in the terminal output).

use std::io::{self, Write};

use serde::Serialize;

use super::machine::{anchor, new_finding, rule_id, Fingerprints, PathContext, PrettyItems, Seen};
use super::{plain_text, Item, Renderer};
use crate::diagnostic::{Diagnostic, Severity};

/// Renders the gitlab format.
pub struct Gitlab {
    paths: PathContext,
    seen: Seen,
    fingerprints: Fingerprints,
    /// The issues, held as their bytes until the report is written.
    issues: PrettyItems,
}

impl Gitlab {
    pub fn new(paths: PathContext) -> Self {
        Gitlab {
            paths,
            seen: Seen::default(),
            fingerprints: Fingerprints::default(),
            issues: PrettyItems::new(1),
        }
    }
}

impl Renderer for Gitlab {
    fn item(&mut self, item: &Item<'_>, _out: &mut dyn Write) -> io::Result<()> {
        let Some((d, explanation)) = new_finding(item, &mut self.seen) else {
            return Ok(());
        };
        let Some(place) = anchor(d, &self.paths) else {
            return Ok(());
        };
        let check_name = rule_id(d, explanation);
        let message = one_line(&d.rustc.message);
        let mut description = d.headline(&message);
        if let Some(e) = explanation {
            description.push_str(&format!(
                " — explain-async: {} ({})",
                one_line(&e.title),
                e.more_command()
            ));
        }
        let fingerprint = self.fingerprints.next(&[
            &check_name,
            &place.path,
            &d.rustc.message,
            place.snippet.as_deref().unwrap_or(""),
        ]);
        let issue = Issue {
            kind: "issue",
            check_name: &check_name,
            description: &description,
            categories: ["Bug Risk"],
            fingerprint: &fingerprint,
            severity: severity(d),
            location: Location {
                path: &place.path,
                lines: Lines {
                    begin: place.region.map_or(1, |r| r.start_line),
                },
            },
            content: explanation.map(|e| Content {
                body: plain_text(e),
            }),
        };
        self.issues.push(&issue)
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        // Written once the stream has ended, never while it runs: no half a report.
        self.issues.write_array(out)?;
        out.write_all(b"\n")
    }
}

// One issue, typed: serialized straight into the pretty writer, no `serde_json::Value` per
// diagnostic. Fields in the order the report has always had.

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'a str,
    description: &'a str,
    categories: [&'static str; 1],
    fingerprint: &'a str,
    severity: &'static str,
    location: Location<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Content>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

#[derive(Serialize)]
struct Content {
    body: String,
}

/// error → major, warning → minor, note/help → info (the issue's mapping).
fn severity(d: &Diagnostic) -> &'static str {
    match d.severity() {
        Severity::Error | Severity::Ice => "major",
        Severity::Warning => "minor",
        _ => "info",
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
