//! GitLab Code Quality: a JSON array of issues (the subset of the Code Climate format GitLab
//! reads: description, check_name, fingerprint, severity, location.path,
//! location.lines.begin), built in memory and written whole at the end. No BOM.
//!
//! GitLab requires a location for every issue: a diagnostic without a span in the user's
//! code is placed on line 1 of its package's `Cargo.toml`; one that cannot be placed in the
//! repository at all is left out (it is still in the terminal output).

use std::io::{self, Write};

use serde_json::json;

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
        let mut issue = json!({
            "type": "issue",
            "check_name": check_name,
            "description": description,
            "categories": ["Bug Risk"],
            "fingerprint": fingerprint,
            "severity": severity(d),
            "location": {
                "path": place.path,
                "lines": { "begin": place.region.map_or(1, |r| r.start_line) },
            },
        });
        if let Some(e) = explanation {
            issue["content"] = json!({ "body": plain_text(e) });
        }
        self.issues.push(&issue)
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut bytes = self.issues.take_array();
        bytes.push(b'\n');
        // One write of the finished document: never half a report.
        out.write_all(&bytes)
    }
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
