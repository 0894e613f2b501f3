//! What the machine formats (github, sarif, gitlab) share: where a finding is anchored in the
//! repository ([`PathContext`], [`anchor`]), which diagnostics they report and which repeats
//! they drop ([`reportable`], [`Seen`]), rule ids for diagnostics no rule explains
//! ([`rule_id`]) and fingerprints that survive line moves ([`Fingerprints`]).
//!
//! Pure: the roots are given by the caller (app.rs finds them); nothing here reads the
//! environment or the file system.

use foldhash::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use cargo_metadata::diagnostic::DiagnosticSpan;

use crate::diagnostic::{is_user_path, span_snippet, Diagnostic};
use crate::matching::Explanation;
use crate::render::Item;

/// Turns the paths rustc and cargo report into repository-relative paths.
///
/// rustc names the files of workspace members relative to the cargo *workspace root* and every
/// other file (registry crates, the standard library) by an absolute path. Code hosts want
/// paths relative to the *repository root*, which may be above the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathContext {
    workspace_root: PathBuf,
    repo_root: PathBuf,
    /// The workspace root relative to the repository root, as `a/b/` (empty when they are
    /// the same), when it lies inside it.
    prefix: Option<String>,
}

impl PathContext {
    /// Both roots should be absolute. They are normalised lexically (`.` and `..` removed).
    pub fn new(workspace_root: impl AsRef<Path>, repo_root: impl AsRef<Path>) -> Self {
        let workspace_root = normalise(workspace_root.as_ref());
        let repo_root = normalise(repo_root.as_ref());
        let prefix = workspace_root
            .strip_prefix(&repo_root)
            .ok()
            .and_then(|rest| {
                let mut prefix = String::new();
                for c in rest.components() {
                    prefix.push_str(c.as_os_str().to_str()?);
                    prefix.push('/');
                }
                Some(prefix)
            });
        PathContext {
            workspace_root,
            repo_root,
            prefix,
        }
    }

    /// The repository root, as given.
    pub fn repo_root(&self) -> &Path {
        &self.repo_root
    }

    /// The repository-relative, forward-slash path of a file rustc named in a span, or `None`
    /// when the file is not the user's (absolute: a dependency or the standard library;
    /// bracketed: a placeholder) or lies outside the repository.
    pub fn user_file(&self, file_name: &str) -> Option<String> {
        if !is_user_path(file_name) {
            return None;
        }
        // What rustc nearly always writes (`src/main.rs`, `crates/x/src/lib.rs`): plain
        // segments, which normalise to themselves, under a workspace inside the repository.
        if let Some(prefix) = &self.prefix {
            let plain = |seg: &str| !seg.is_empty() && seg != "." && seg != "..";
            if !file_name.contains(['\\', ':']) && file_name.split('/').all(plain) {
                return Some(format!("{prefix}{file_name}"));
            }
        }
        self.relative(&self.workspace_root.join(file_name))
    }

    /// The repository-relative path of an absolute path cargo reported (a manifest), or
    /// `None` when it lies outside the workspace root or the repository.
    pub fn workspace_file(&self, absolute: &str) -> Option<String> {
        let path = Path::new(absolute);
        if !path.is_absolute() {
            return None;
        }
        let path = normalise(path);
        if !path.starts_with(&self.workspace_root) {
            return None;
        }
        self.relative(&path)
    }

    fn relative(&self, path: &Path) -> Option<String> {
        let path = normalise(path);
        let rest = path.strip_prefix(&self.repo_root).ok()?;
        let parts: Vec<String> = rest
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }
}

/// Removes `.` and resolves `..` without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A region of a file: 1-based lines and columns (Unicode code points, as rustc counts them),
/// end column exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Region {
    fn of(span: &DiagnosticSpan) -> Self {
        Region {
            start_line: span.line_start.max(1),
            start_column: span.column_start.max(1),
            end_line: span.line_end.max(span.line_start).max(1),
            end_column: span.column_end.max(1),
        }
    }

    /// Whether the region covers more than one line.
    pub fn multiline(&self) -> bool {
        self.end_line != self.start_line
    }
}

/// Where a finding is shown: a repository-relative file and, when known, a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub path: String,
    /// `None` when the finding is anchored on the package manifest (no span in user code).
    pub region: Option<Region>,
    /// The highlighted source text, when rustc quoted it.
    pub snippet: Option<String>,
}

/// Where to show a diagnostic: its span in the user's code (following macro expansions to
/// the user's call site), else the manifest of the workspace package being compiled, else
/// nowhere. Never a file under the cargo registry or the standard library.
pub fn anchor(d: &Diagnostic, paths: &PathContext) -> Option<Anchor> {
    if let Some(span) = d.user_span() {
        if let Some(path) = paths.user_file(&span.file_name) {
            return Some(Anchor {
                path,
                region: Some(Region::of(span)),
                snippet: span_snippet(span),
            });
        }
    }
    // Only packages cargo builds from a local path are the user's; registry and git
    // packages have `registry+…` / `git+…` ids.
    let local = d
        .package_id
        .as_deref()
        .is_some_and(|id| id.starts_with("path+"));
    let manifest = d.manifest_path.as_deref().filter(|_| local)?;
    Some(Anchor {
        path: paths.workspace_file(manifest)?,
        region: None,
        snippet: None,
    })
}

/// The secondary places a diagnostic points at, in the user's code: its labelled
/// non-primary spans, then its children's spans (with the child's message when the span has
/// no label). Places equal to the anchor, or repeated, are left out.
pub fn related(
    d: &Diagnostic,
    paths: &PathContext,
    anchor: Option<&Anchor>,
) -> Vec<(Anchor, String)> {
    let mut out: Vec<(Anchor, String)> = Vec::new();
    let mut push = |span: &DiagnosticSpan, fallback: &str| {
        let Some(path) = paths.user_file(&span.file_name) else {
            return;
        };
        let place = Anchor {
            path,
            region: Some(Region::of(span)),
            snippet: span_snippet(span),
        };
        let text = span
            .label
            .clone()
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| fallback.to_string());
        if text.is_empty()
            || anchor.is_some_and(|a| a.path == place.path && a.region == place.region)
            || out.iter().any(|(a, t)| a == &place && t == &text)
        {
            return;
        }
        out.push((place, text));
    };
    let primary = d.primary_span();
    for span in &d.rustc.spans {
        if primary.is_some_and(|p| std::ptr::eq(p, span)) {
            continue;
        }
        push(span, "");
    }
    for child in &d.rustc.children {
        for span in &child.spans {
            push(span, &child.message);
        }
    }
    out
}

/// Whether a machine format reports this diagnostic: not rustc's closing remarks
/// (`failure-note` "For more information about this error…", span-less "aborting due to…"
/// and "N warnings emitted" tallies), which are not findings.
pub fn reportable(d: &Diagnostic) -> bool {
    if d.level() == "failure-note" {
        return false;
    }
    let m = &d.rustc.message;
    let tally = d.rustc.spans.is_empty()
        && (m.starts_with("aborting due to") || (m.ends_with(" emitted") && m.contains("warning")));
    !tally
}

/// Drops repeats: `--all-targets` makes cargo compile a file twice (lib and test) and report
/// the same diagnostic twice. Identical = same package, level, code, message and primary span
/// (file, line, column, end line, end column). The package tells apart span-less diagnostics
/// of different crates; the lib and test copies `--all-targets` produces share it.
///
/// What is kept of each diagnostic is a 128-bit hash of that identity (two hashes with keys
/// drawn afresh by each run), not the identity itself: copies of the package id, message and
/// file name of every diagnostic were most of the memory the github, SARIF and GitLab formats
/// held on a long stream (about 300 bytes per diagnostic). Two different diagnostics are taken
/// for one by accident with a probability of about n²/2¹²⁹ (n = 10⁶: 10⁻²⁷). foldhash is not a
/// cryptographic hash, so this guards against accidents only; a collision would leave one
/// diagnostic out of the annotations and reports, never out of the log or the json stream.
#[derive(Debug, Default)]
pub struct Seen {
    hashes: HashSet<u128>,
    keys: [foldhash::quality::RandomState; 2],
}

/// The diagnostic of `item` when a document format reports it: a compiler message that is a
/// finding (see [`reportable`]) and not a duplicate of one already reported.
pub fn new_finding<'a>(
    item: &Item<'a>,
    seen: &mut Seen,
) -> Option<(&'a Diagnostic, Option<&'a Explanation<'a>>)> {
    let Item::Diagnostic {
        diagnostic,
        verdict,
        ..
    } = item
    else {
        return None;
    };
    (reportable(diagnostic) && seen.first_time(diagnostic))
        .then_some((*diagnostic, verdict.explanation()))
}

impl Seen {
    /// `true` the first time a diagnostic is seen.
    pub fn first_time(&mut self, d: &Diagnostic) -> bool {
        use std::hash::BuildHasher;
        let span = d.primary_span().map(|s| {
            (
                s.file_name.as_str(),
                s.line_start,
                s.column_start,
                s.line_end,
                s.column_end,
            )
        });
        let identity = (
            d.package_id.as_deref().unwrap_or_default(),
            d.severity(),
            d.code().unwrap_or_default(),
            d.rustc.message.as_str(),
            span,
        );
        let [a, b] = &self.keys;
        let hash = u128::from(a.hash_one(identity)) << 64 | u128::from(b.hash_one(identity));
        self.hashes.insert(hash)
    }
}

/// The rule id a finding is reported under: the explaining rule's id, else one derived from
/// the rustc code or lint (`rustc/E0308`, `rustc/unused_must_use`, `clippy::await_holding_lock`
/// as clippy names it), else `rustc/no-code`. Never empty.
pub fn rule_id(d: &Diagnostic, explanation: Option<&Explanation<'_>>) -> String {
    if let Some(e) = explanation {
        return e.rule.id.clone();
    }
    match d.code().map(str::trim).filter(|c| !c.is_empty()) {
        None => "rustc/no-code".to_string(),
        // Tool lints already carry their tool: `clippy::…`, `rustdoc::…`.
        Some(code) if code.contains("::") => code.to_string(),
        Some(code) => format!("rustc/{code}"),
    }
}

/// Whether a code is a rustc error code (`E` and four digits).
pub fn is_error_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with('E') && code[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Stable fingerprints that do not contain line numbers: a hash of what the finding is (rule,
/// file, message, the source text under it) plus how many identical findings came before it
/// in the same file, so moving code up or down keeps the fingerprint and two identical
/// findings still get different ones.
#[derive(Debug, Default)]
pub struct Fingerprints {
    seen: HashMap<String, usize>,
}

impl Fingerprints {
    /// The fingerprint of the next finding with these parts (32 hex digits).
    pub fn next(&mut self, parts: &[&str]) -> String {
        let base = hash_hex(parts);
        let n = self.seen.entry(base.clone()).or_default();
        let occurrence = n.to_string();
        *n += 1;
        hash_hex(&[&base, &occurrence])
    }
}

pub use crate::hash::fnv128_hex as hash_hex;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_path_shortcut_agrees_with_normalising() {
        let roots = [
            ("/repo/crates/ws", "/repo"),
            ("/repo", "/repo"),
            ("/repo/./a/../ws/", "/repo/"),
            ("/elsewhere", "/repo"),
            ("/repo", "/repo/sub"),
        ];
        let names = [
            "src/main.rs",
            "src//main.rs",
            "./src/main.rs",
            "src/../../x.rs",
            "../ws/src/a.rs",
            "src/",
            "sub/src/a.rs",
            "a b/ü.rs",
            "src\\win.rs",
            "c:x.rs",
            ".",
        ];
        for (ws, repo) in roots {
            let p = PathContext::new(ws, repo);
            for name in names {
                let slow = is_user_path(name)
                    .then(|| p.relative(&p.workspace_root.join(name)))
                    .flatten();
                assert_eq!(p.user_file(name), slow, "{name} in {ws} under {repo}");
            }
        }
    }

    #[test]
    fn paths_relative_to_the_repository() {
        let p = PathContext::new("/repo/crates/ws", "/repo");
        assert_eq!(
            p.user_file("src/main.rs").as_deref(),
            Some("crates/ws/src/main.rs")
        );
        assert_eq!(
            p.user_file("./app/../app/src/lib.rs").as_deref(),
            Some("crates/ws/app/src/lib.rs")
        );
        // Dependencies, the standard library and placeholders are never the user's.
        assert_eq!(
            p.user_file("/home/u/.cargo/registry/src/index/tokio-1/src/lib.rs"),
            None
        );
        assert_eq!(p.user_file("/rustc/abc/library/core/src/future.rs"), None);
        assert_eq!(p.user_file("[CARGO_HOME]/registry/x.rs"), None);
        assert_eq!(p.user_file("<anon>"), None);
        assert_eq!(p.user_file(""), None);
        // Outside the repository (a path dependency next to it): no anchor.
        assert_eq!(p.user_file("../../../elsewhere/src/lib.rs"), None);
        // Hostile characters are kept as they are; escaping is each format's business.
        assert_eq!(
            p.user_file("src/a:b,c%d.rs").as_deref(),
            Some("crates/ws/src/a:b,c%d.rs")
        );
    }

    #[test]
    fn workspace_root_is_the_repository() {
        let p = PathContext::new("/repo", "/repo");
        assert_eq!(p.user_file("src/main.rs").as_deref(), Some("src/main.rs"));
        assert_eq!(
            p.workspace_file("/repo/app/Cargo.toml").as_deref(),
            Some("app/Cargo.toml")
        );
        assert_eq!(p.workspace_file("/elsewhere/Cargo.toml"), None);
        assert_eq!(p.workspace_file("relative/Cargo.toml"), None);
        // A workspace outside the repository: nothing can be anchored.
        let outside = PathContext::new("/tmp/ws", "/repo");
        assert_eq!(outside.user_file("src/main.rs"), None);
    }

    #[test]
    fn derived_rule_ids_are_never_empty() {
        let d = |code: Option<&str>| {
            let code = code.map_or("null".to_string(), |c| {
                format!(r#"{{"code":"{c}","explanation":null}}"#)
            });
            let line = format!(
                r#"{{"reason":"compiler-message","package_id":"path+file:///r#a@0.1.0","message":{{"message":"m","code":{code},"level":"error","spans":[],"children":[],"rendered":"r"}}}}"#
            );
            match crate::diagnostic::classify(crate::diagnostic::Line {
                raw: line.as_bytes(),
            }) {
                crate::diagnostic::Event::Diagnostic(d) => *d,
                _ => panic!("not a diagnostic: {line}"),
            }
        };
        assert_eq!(rule_id(&d(Some("E0308")), None), "rustc/E0308");
        assert_eq!(
            rule_id(&d(Some("unused_must_use")), None),
            "rustc/unused_must_use"
        );
        assert_eq!(
            rule_id(&d(Some("clippy::await_holding_lock")), None),
            "clippy::await_holding_lock"
        );
        assert_eq!(rule_id(&d(None), None), "rustc/no-code");
        assert_eq!(rule_id(&d(Some(" ")), None), "rustc/no-code");
        assert!(is_error_code("E0308") && !is_error_code("E030") && !is_error_code("dead_code"));
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let mut a = Fingerprints::default();
        let first = a.next(&["rule", "src/main.rs", "msg", "x.await"]);
        let second = a.next(&["rule", "src/main.rs", "msg", "x.await"]);
        let other = a.next(&["rule", "src/lib.rs", "msg", "x.await"]);
        assert_ne!(first, second);
        assert_ne!(first, other);
        assert_eq!(first.len(), 32);
        // Same inputs in a later run: same fingerprints, whatever the line numbers were.
        let mut b = Fingerprints::default();
        assert_eq!(b.next(&["rule", "src/main.rs", "msg", "x.await"]), first);
        // Parts are separated, so shifting text between them changes the hash.
        assert_ne!(hash_hex(&["ab", "c"]), hash_hex(&["a", "bc"]));
        // FNV-1a 128 of the empty input with our NUL terminator is fixed forever.
        assert_eq!(hash_hex(&[]), "6c62272e07bb014262b821756295c58d");
    }
}

/// The items of a JSON array that a document holds until the end, kept as the bytes
/// `serde_json::to_vec_pretty` gives them at their place in the document (pretty-printed,
/// indented to their depth, with separators), so that nothing but bytes is held per item.
/// Holding `serde_json::Value` trees instead cost ~15 KB per SARIF result until the end
/// (870 MB on a 60,000-message stream, more time in page faults than in rendering).
///
/// The bytes are kept in chunks of a few megabytes rather than one growing buffer: each
/// doubling of one buffer copied everything held so far and, while it did, held it twice
/// (a peak of 218 MB for 89 MB of SARIF results on the 60,000-message stream).
pub struct PrettyItems {
    /// The chunks already filled, in order.
    full: Vec<Vec<u8>>,
    /// The chunk being filled.
    bytes: Vec<u8>,
    /// One item's own pretty bytes, reused from item to item.
    scratch: Vec<u8>,
    count: usize,
    /// Spaces before each item line: two per level of nesting of the array's items.
    depth: usize,
}

impl PrettyItems {
    /// Items of an array whose items sit `depth` levels deep (a top-level array's items: 1).
    pub fn new(depth: usize) -> Self {
        PrettyItems {
            full: Vec::new(),
            bytes: Vec::new(),
            scratch: Vec::new(),
            count: 0,
            depth,
        }
    }

    /// Appends one item.
    pub fn push(&mut self, item: &impl serde::Serialize) -> std::io::Result<()> {
        let mut pretty = std::mem::take(&mut self.scratch);
        pretty.clear();
        let written = serde_json::to_writer_pretty(&mut pretty, item);
        let indent = 2 * self.depth;
        if written.is_ok() {
            let lines = 1 + memchr::memchr_iter(b'\n', &pretty).count();
            self.reserve(2 + pretty.len() + indent * lines);
            if self.count > 0 {
                self.bytes.extend_from_slice(b",\n");
            }
            self.bytes.resize(self.bytes.len() + indent, b' ');
            // Newlines inside JSON strings are escaped, so every raw newline is a line break.
            let mut rest = &pretty[..];
            while let Some(at) = memchr::memchr(b'\n', rest) {
                self.bytes.extend_from_slice(&rest[..=at]);
                self.bytes.resize(self.bytes.len() + indent, b' ');
                rest = &rest[at + 1..];
            }
            self.bytes.extend_from_slice(rest);
            self.count += 1;
        }
        self.scratch = pretty;
        written.map_err(std::io::Error::other)
    }

    /// Room for `need` more bytes in the chunk being filled, else a new chunk.
    fn reserve(&mut self, need: usize) {
        /// A chunk's size: large enough that writing them out costs nothing extra.
        const CHUNK: usize = 4 << 20;
        if self.bytes.capacity() - self.bytes.len() >= need {
            return;
        }
        let filled = std::mem::replace(&mut self.bytes, Vec::with_capacity(CHUNK.max(need)));
        if !filled.is_empty() {
            self.full.push(filled);
        }
    }

    /// The whole array as `to_vec_pretty` prints it at this depth (`[]` when empty); the
    /// items are given away.
    pub fn take_array(&mut self) -> Vec<u8> {
        let held: usize = self.full.iter().map(Vec::len).sum::<usize>() + self.bytes.len();
        let mut out = Vec::with_capacity(held + 4 + 2 * self.depth);
        self.write_array(&mut out)
            .expect("writing to a Vec cannot fail");
        out
    }

    /// [`Self::take_array`] written to `out` piece by piece, without first copying the items
    /// (hundreds of megabytes on a long stream) into one buffer.
    pub fn write_array(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if self.count == 0 {
            return out.write_all(b"[]");
        }
        let full = std::mem::take(&mut self.full);
        let last = std::mem::take(&mut self.bytes);
        self.count = 0;
        out.write_all(b"[\n")?;
        for chunk in full.iter().chain([&last]) {
            out.write_all(chunk)?;
        }
        out.write_all(b"\n")?;
        out.write_all(&b" ".repeat(2 * (self.depth - 1)))?;
        out.write_all(b"]")
    }
}

#[cfg(test)]
mod pretty_items_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_spread_over_chunks_are_written_whole_and_in_order() {
        // Several chunks' worth of items, one larger than a chunk among them.
        let items: Vec<_> = (0..3000)
            .map(|i| {
                let len = if i == 1500 { 5 << 20 } else { 4000 + i };
                json!({ "i": i, "text": "x".repeat(len), "lines": ["a", "b"] })
            })
            .collect();
        let mut kept = PrettyItems::new(2);
        for item in &items {
            kept.push(item).unwrap();
        }
        assert!(kept.full.len() >= 3, "{} chunks", kept.full.len());
        let doc = json!({ "r": "MARK" });
        let skeleton = String::from_utf8(serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
        let spliced = skeleton.replace("\"MARK\"", &String::from_utf8(kept.take_array()).unwrap());
        let whole = serde_json::to_vec_pretty(&json!({ "r": items })).unwrap();
        assert!(spliced.as_bytes() == whole.as_slice());
    }

    #[test]
    fn items_are_exactly_what_to_vec_pretty_prints() {
        let items = [
            json!({ "a": "two\nlines \u{1}", "n": [1, 2], "e": {}, "l": [] }),
            json!([]),
            json!("s"),
        ];
        for count in 0..=items.len() {
            let mut kept = PrettyItems::new(1);
            for item in &items[..count] {
                kept.push(item).unwrap();
            }
            let expected = serde_json::to_vec_pretty(&items[..count]).unwrap();
            assert_eq!(
                String::from_utf8(kept.take_array()).unwrap(),
                String::from_utf8(expected).unwrap()
            );
            // Deeper: inside `{ "k": [ { "r": [ … ] } ] }`.
            let mut deep = PrettyItems::new(4);
            for item in &items[..count] {
                deep.push(item).unwrap();
            }
            let doc = json!({ "k": [ { "r": "MARK" } ] });
            let skeleton = String::from_utf8(serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
            let spliced =
                skeleton.replace("\"MARK\"", &String::from_utf8(deep.take_array()).unwrap());
            let whole = json!({ "k": [ { "r": items[..count] } ] });
            assert_eq!(
                spliced,
                String::from_utf8(serde_json::to_vec_pretty(&whole).unwrap()).unwrap()
            );
        }
    }
}
