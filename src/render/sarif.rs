//! SARIF 2.1.0 for GitHub code scanning: one log, built in memory and written whole at the
//! end (never half a document).
//!
//! - `tool.driver.rules`: every rule a result refers to, each once. Rules from the rulebook
//!   carry the Python-framed explanation as `help`; diagnostics no rule explains are reported
//!   under ids derived from the rustc code or lint (`rustc/E0308`, `clippy::…`,
//!   `rustc/no-code`).
//! - results: `ruleId` + `ruleIndex`, level, message, a repository-relative
//!   `artifactLocation` (`uriBaseId` `SRCROOT`), a region (1-based, end column exclusive,
//!   columns in Unicode code points as rustc counts them), related locations for the
//!   diagnostic's other spans, and `partialFingerprints` without line numbers.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::machine::{
    anchor, is_error_code, new_finding, related, rule_id, Anchor, Fingerprints, PathContext,
    PrettyItems, Seen,
};
use super::{plain_text, Item, Renderer};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Proposal;
use crate::matching::Explanation;
use crate::rules::Rule;

/// The schema URI written into the log.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where people read about the tool: the package's `repository` when Cargo.toml names one,
/// else its crates.io page.
pub fn information_uri() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY") {
        "" => "https://crates.io/crates/cargo-explain-async",
        repository => repository,
    }
}
/// The base id of every artifact location.
pub const SRCROOT: &str = "SRCROOT";
/// Key of our fingerprint in `partialFingerprints` (versioned: a new scheme gets a new key).
pub const FINGERPRINT_KEY: &str = "explainAsyncFingerprint/v1";

/// Renders the sarif format.
pub struct Sarif {
    paths: PathContext,
    seen: Seen,
    fingerprints: Fingerprints,
    rules: Vec<Value>,
    rule_index: HashMap<String, usize>,
    /// The results, held as their bytes until the document is written.
    results: PrettyItems,
}

/// `results` sits at this depth of the document (`{ runs: [ { results: [ …`).
const RESULTS_DEPTH: usize = 4;
/// Stands in for the results array while the rest of the document is serialized.
const RESULTS_MARK: &str = "\u{0}explain-async results\u{0}";

impl Sarif {
    pub fn new(paths: PathContext) -> Self {
        Sarif {
            paths,
            seen: Seen::default(),
            fingerprints: Fingerprints::default(),
            rules: Vec::new(),
            rule_index: HashMap::new(),
            results: PrettyItems::new(RESULTS_DEPTH),
        }
    }

    fn index_of(
        &mut self,
        d: &Diagnostic,
        explanation: Option<&Explanation<'_>>,
    ) -> (String, usize) {
        let id = rule_id(d, explanation);
        if let Some(&i) = self.rule_index.get(&id) {
            return (id, i);
        }
        let descriptor = match explanation {
            Some(e) => explained_rule(e.rule),
            None => derived_rule(&id, d.code()),
        };
        self.rules.push(descriptor);
        self.rule_index.insert(id.clone(), self.rules.len() - 1);
        (id, self.rules.len() - 1)
    }

    /// The whole log, pretty-printed: exactly what `serde_json::to_vec_pretty` gives for the
    /// document with every result in place, built by serializing the rest of the document
    /// around a marker and splicing the results' bytes in where the marker's string is. Keys
    /// keep their insertion order (serde_json's `preserve_order`), so `tool`, with the rules'
    /// texts (a user rule's among them), comes before `results`, and only the constant
    /// `columnKind` after: the marker is the last occurrence, and it is looked for from the end.
    #[cfg(test)]
    fn document_bytes(&mut self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.write_document(&mut bytes)?;
        Ok(bytes)
    }

    /// The whole log (see `document_bytes`) written to `out` piece by piece: the skeleton up
    /// to the marker, the results, the rest of the skeleton (no copy of the results into one
    /// buffer first).
    fn write_document(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let document = self.document_with(Value::String(RESULTS_MARK.to_string()));
        let skeleton = serde_json::to_vec_pretty(&document).map_err(io::Error::other)?;
        let mark = serde_json::to_vec(RESULTS_MARK).map_err(io::Error::other)?;
        let at = skeleton
            .windows(mark.len())
            .rposition(|w| w == mark.as_slice())
            .ok_or_else(|| io::Error::other("the SARIF skeleton lost its results marker"))?;
        out.write_all(&skeleton[..at])?;
        self.results.write_array(out)?;
        out.write_all(&skeleton[at + mark.len()..])
    }

    fn document_with(&self, results: Value) -> Value {
        let mut run = Map::new();
        run.insert(
            "tool".into(),
            json!({
                "driver": {
                    "name": "cargo-explain-async",
                    "fullName": "cargo explain-async",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": information_uri(),
                    "rules": self.rules,
                }
            }),
        );
        if let Some(uri) = directory_uri(self.paths.repo_root()) {
            run.insert(
                "originalUriBaseIds".into(),
                json!({ SRCROOT: { "uri": uri } }),
            );
        }
        run.insert("results".into(), results);
        run.insert("columnKind".into(), json!("unicodeCodePoints"));
        json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [Value::Object(run)],
        })
    }
}

impl Renderer for Sarif {
    fn item(&mut self, item: &Item<'_>, _out: &mut dyn Write) -> io::Result<()> {
        let Some((d, explanation)) = new_finding(item, &mut self.seen) else {
            return Ok(());
        };
        let (id, index) = self.index_of(d, explanation);
        let place = anchor(d, &self.paths);
        let mut message = d.rustc.message.clone();
        if let Some(e) = explanation {
            message.push_str(&format!(
                "\n\nexplain-async: {} (the rule's help has the whole explanation; locally: {})",
                e.title,
                e.more_command()
            ));
        }
        let fingerprint = self.fingerprints.next(&[
            &id,
            place.as_ref().map_or("", |p| p.path.as_str()),
            &d.rustc.message,
            place
                .as_ref()
                .and_then(|p| p.snippet.as_deref())
                .unwrap_or(""),
        ]);
        let others = related(d, &self.paths, place.as_ref());
        let result = SarifResult {
            rule_id: &id,
            rule_index: index,
            level: level(d),
            message: Text { text: &message },
            locations: place.as_ref().map(|p| [location(p, None, None)]),
            related_locations: others
                .iter()
                .enumerate()
                .map(|(i, (p, text))| location(p, Some(i + 1), Some(text)))
                .collect(),
            partial_fingerprints: Fingerprint { v1: &fingerprint },
            fixes: explanation.and_then(|e| fixes(e, &self.paths)),
            properties: d.code().map(|code| Properties { rustc_code: code }),
        };
        self.results.push(&result)
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        // Written once the stream has ended, never while it runs: no half a log.
        self.write_document(out)?;
        out.write_all(b"\n")
    }
}

/// The fix as SARIF `fixes[]`: one fix with an `artifactChange` per file, each replacement a
/// `deletedRegion` (1-based lines, columns in Unicode code points as the run declares, end
/// exclusive; an empty region is an insertion) and its `insertedContent`. `None` when the
/// explanation has no edits or one of their files is not in the repository.
fn fixes(e: &Explanation<'_>, paths: &PathContext) -> Option<Value> {
    let Some(Proposal::Edits(fix)) = &e.proposal else {
        return None;
    };
    if e.placed.is_empty() {
        return None;
    }
    let mut changes: Vec<(String, Vec<Value>)> = Vec::new();
    for p in &e.placed {
        let uri = paths
            .user_file(&p.edit.file)
            .or_else(|| paths.workspace_file(&p.edit.file))?;
        let replacement = json!({
            "deletedRegion": {
                "startLine": p.line_start,
                "startColumn": p.column_start,
                "endLine": p.line_end,
                "endColumn": p.column_end,
            },
            "insertedContent": { "text": p.edit.replacement },
        });
        match changes.iter_mut().find(|(u, _)| *u == uri) {
            Some((_, list)) => list.push(replacement),
            None => changes.push((uri, vec![replacement])),
        }
    }
    let artifact_changes: Vec<Value> = changes
        .into_iter()
        .map(|(uri, replacements)| {
            json!({
                "artifactLocation": { "uri": uri, "uriBaseId": "SRCROOT" },
                "replacements": replacements,
            })
        })
        .collect();
    Some(json!([{
        "description": { "text": fix.title },
        "artifactChanges": artifact_changes,
    }]))
}

fn level(d: &Diagnostic) -> &'static str {
    match d.severity() {
        Severity::Error | Severity::Ice => "error",
        Severity::Warning => "warning",
        _ => "note",
    }
}

fn location<'a>(place: &'a Anchor, id: Option<usize>, text: Option<&'a str>) -> Location<'a> {
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: encode_uri_path(&place.path),
                uri_base_id: SRCROOT,
            },
            region: place.region.map(|r| SarifRegion {
                start_line: r.start_line,
                start_column: r.start_column,
                end_line: r.end_line,
                end_column: r.end_column.max(1),
                snippet: place.snippet.as_deref().map(|text| Text { text }),
            }),
        },
        message: text.map(|text| Text { text }),
    }
}

// One result, typed: serialized straight into the pretty writer, with no `serde_json::Value`
// (an ordered map per object) built and dropped for every diagnostic. Fields are in the
// order the document has always had.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locations: Option<[Location<'a>; 1]>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    partial_fingerprints: Fingerprint<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties<'a>>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Fingerprint<'a> {
    // FINGERPRINT_KEY (a test checks they agree).
    #[serde(rename = "explainAsyncFingerprint/v1")]
    v1: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties<'a> {
    rustc_code: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<SarifRegion<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion<'a> {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text<'a>>,
}

/// A rulebook rule as a SARIF reportingDescriptor; `help` is the Python-framed explanation.
/// A rule's help is not about one diagnostic: placeholders stay as `{name}` (braces, not
/// `<name>`, which GitHub's Markdown would take for an HTML tag), except those written with
/// a fallback (`{spawn_fn|tokio::spawn}`), which read best as their fallback.
fn explained_rule(rule: &Rule) -> Value {
    let mut names = BTreeMap::new();
    for text in [
        &rule.title,
        &rule.body.python,
        &rule.body.rust,
        &rule.body.fix,
    ] {
        for name in crate::rules::template::names_without_fallback(text) {
            names.insert(name.to_string(), format!("{{{name}}}"));
        }
    }
    let e = Explanation::from_rule(rule, &names);
    let mut markdown = format!(
        "**In Python terms**\n\n{}\n\n**What Rust is telling you**\n\n{}\n\n**Fix**\n\n{}\n",
        e.python().trim(),
        e.rust().trim(),
        e.fix().trim()
    );
    for link in &rule.links {
        markdown.push_str(&format!("\n- [{}]({})", link.title, link.url));
    }
    let mut descriptor = json!({
        "id": rule.id,
        "name": pascal_case(&rule.id),
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": format!("{} {}", rule.summary, first_paragraph(e.rust())) },
        "help": { "text": plain_text(&e), "markdown": markdown },
        "properties": { "tags": ["async", "explain-async"] },
    });
    if let Some(url) = rule.url() {
        descriptor["helpUri"] = json!(url);
    }
    descriptor
}

/// A rule for diagnostics no rulebook rule explains, named after their code or lint.
fn derived_rule(id: &str, code: Option<&str>) -> Value {
    let (short, full, uri) = match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) if is_error_code(code) => (
            format!("rustc error {code}"),
            format!(
                "rustc reported error {code}; no explain-async rule explains it. \
                 `rustc --explain {code}` describes the error."
            ),
            format!("https://doc.rust-lang.org/error_codes/{code}.html"),
        ),
        Some(code) if code.starts_with("clippy::") => (
            format!("Clippy lint {code}"),
            format!("Clippy's lint `{code}` fired; no explain-async rule explains it."),
            format!(
                "https://rust-lang.github.io/rust-clippy/master/index.html#{}",
                &code["clippy::".len()..]
            ),
        ),
        Some(code) => (
            format!("Lint {code}"),
            format!("The lint `{code}` fired; no explain-async rule explains it."),
            "https://doc.rust-lang.org/rustc/lints/listing/index.html".to_string(),
        ),
        None => (
            "rustc diagnostic without a code".to_string(),
            "rustc reported a diagnostic that has no error code or lint name, and no \
             explain-async rule explains it."
                .to_string(),
            "https://doc.rust-lang.org/rustc/index.html".to_string(),
        ),
    };
    json!({
        "id": id,
        "name": pascal_case(id),
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "help": { "text": format!("{full} See {uri}"), "markdown": format!("{full} See [the documentation]({uri}).") },
        "helpUri": uri,
    })
}

/// `rc_held_across_await` → `RcHeldAcrossAwait`; `rustc/E0308` → `RustcE0308`.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

fn first_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Percent-encodes a relative path for a URI reference: everything but unreserved characters
/// and `/` (so `a:b.rs` cannot be read as a scheme, and `%`, `#`, `?`, spaces survive).
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `file:///abs/dir/` for an absolute directory (with the trailing slash SARIF requires of a
/// base URI), or `None` for a relative one.
fn directory_uri(dir: &std::path::Path) -> Option<String> {
    if !dir.is_absolute() {
        return None;
    }
    let mut parts = Vec::new();
    for c in dir.components() {
        match c {
            std::path::Component::Normal(p) => parts.push(encode_uri_path(&p.to_string_lossy())),
            std::path::Component::Prefix(p) => {
                parts.push(p.as_os_str().to_string_lossy().replace('\\', "/"))
            }
            _ => {}
        }
    }
    let mut uri = String::from("file:///");
    uri.push_str(&parts.join("/"));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_field_is_named_by_the_key() {
        let json = serde_json::to_value(Fingerprint { v1: "f" }).unwrap();
        assert_eq!(json, json!({ FINGERPRINT_KEY: "f" }));
    }

    #[test]
    fn uris_and_names() {
        assert_eq!(
            encode_uri_path("src/a b:c,%#?.rs"),
            "src/a%20b%3Ac%2C%25%23%3F.rs"
        );
        assert_eq!(pascal_case("rc_held_across_await"), "RcHeldAcrossAwait");
        assert_eq!(
            pascal_case("clippy::await_holding_lock"),
            "ClippyAwaitHoldingLock"
        );
        assert_eq!(pascal_case("rustc/E0308"), "RustcE0308");
        assert_eq!(
            directory_uri(std::path::Path::new("/home/a b/repo")).as_deref(),
            Some("file:///home/a%20b/repo/")
        );
        assert_eq!(directory_uri(std::path::Path::new("rel")), None);
    }

    #[test]
    fn spliced_results_are_exactly_the_pretty_printed_document() {
        let values = [
            json!({ "ruleId": "a", "message": { "text": "two\nlines \u{1}" }, "n": [1, 2] }),
            json!({ "ruleId": "b", "empty": {}, "list": [] }),
        ];
        for count in 0..=values.len() {
            let mut sarif = Sarif::new(PathContext::new("/w", "/w"));
            for v in &values[..count] {
                sarif.results.push(v).unwrap();
            }
            // A rule text that is the marker itself must not take the results' place.
            sarif
                .rules
                .push(json!({ "id": "user", "shortDescription": { "text": RESULTS_MARK } }));
            let whole = sarif.document_with(Value::Array(values[..count].to_vec()));
            assert_eq!(
                String::from_utf8(sarif.document_bytes().unwrap()).unwrap(),
                String::from_utf8(serde_json::to_vec_pretty(&whole).unwrap()).unwrap(),
                "{count} results"
            );
        }
    }
}
