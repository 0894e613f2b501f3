//! `Cargo.toml` recipes: enable the tokio features a build needs (`tokio_features`), on the
//! package's own `tokio` line. With `tokio = { workspace = true }` the member's line gets a
//! `features = [...]` key (cargo adds a member's features to the workspace declaration's), so
//! no other member changes.
//!
//! The feature list is every feature the crate's tokio paths need (read from the diagnostic's
//! file and the module files it declares), not only the one this diagnostic names: rustc
//! reports one missing feature per error, and a fix that enables only one leaves the build
//! failing on the next. The feature of each path was read from tokio 1.54's `cfg_*!` blocks.

use std::ops::Range;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use toml::de::{DeTable, DeValue};

use super::locate::span_range;
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// The tokio feature a path below `tokio::` needs (`["time", "sleep"]` → `time`), if any.
fn feature_of(path: &[String]) -> Option<&'static str> {
    let first = path.first()?.as_str();
    let second = path.get(1).map(String::as_str);
    Some(match first {
        "fs" => "fs",
        "time" => "time",
        "sync" => "sync",
        "process" => "process",
        "signal" => "signal",
        "runtime" | "spawn" => "rt",
        "task" => match second {
            // `tokio::task` itself and a few of its items exist without `rt`.
            None | Some("unconstrained" | "Unconstrained" | "coop") => return None,
            Some(_) => "rt",
        },
        "net" => match second {
            None | Some("ToSocketAddrs") => return None,
            Some(_) => "net",
        },
        "io" => match second {
            None
            | Some(
                "AsyncBufRead" | "AsyncRead" | "AsyncSeek" | "AsyncWrite" | "ReadBuf" | "Error"
                | "ErrorKind" | "Result" | "SeekFrom",
            ) => return None,
            Some("Interest" | "Ready" | "unix") => "net",
            Some("stdin" | "stdout" | "stderr" | "Stdin" | "Stdout" | "Stderr") => "io-std",
            Some(_) => "io-util",
        },
        "select" | "join" | "try_join" => "macros",
        _ => return None,
    })
}

/// Every path that starts with `tokio::` in a token stream, `use` groups expanded
/// (`use tokio::{io::AsyncWriteExt, time}` gives two), without the `tokio` segment; and the
/// `#[tokio::main]` / `#[tokio::test]` attributes with their arguments' text.
#[derive(Default)]
struct TokioUse {
    paths: Vec<Vec<String>>,
    /// `(attribute name, its arguments as text)` of `#[tokio::main(...)]` / `#[tokio::test]`.
    attributes: Vec<(String, String)>,
}

fn scan(tokens: TokenStream, out: &mut TokioUse) {
    let list: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < list.len() {
        match &list[i] {
            TokenTree::Group(g) => scan(g.stream(), out),
            TokenTree::Ident(id) if id == "tokio" && is_path_sep(&list, i + 1) => {
                let mut paths = Vec::new();
                let end = path_tail(&list, i + 3, Vec::new(), &mut paths);
                // An attribute: `#[tokio::main(...)]`, seen from inside the `[...]` group.
                if let [name] = paths.first().map(Vec::as_slice).unwrap_or_default() {
                    if (name == "main" || name == "test") && i == 0 {
                        let args = match list.get(end) {
                            Some(TokenTree::Group(g))
                                if g.delimiter() == Delimiter::Parenthesis =>
                            {
                                g.stream().to_string()
                            }
                            _ => String::new(),
                        };
                        out.attributes.push((name.clone(), args));
                    }
                }
                out.paths.extend(paths);
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

fn is_path_sep(list: &[TokenTree], at: usize) -> bool {
    matches!((list.get(at), list.get(at + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':')
}

/// Reads `a::b::{c, d::e}` from `at`; pushes each full path (prefixed with `prefix`) and
/// returns the index after it.
fn path_tail(
    list: &[TokenTree],
    mut at: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        match list.get(at) {
            Some(TokenTree::Ident(id)) => {
                prefix.push(id.to_string());
                if is_path_sep(list, at + 1) {
                    at += 3;
                    continue;
                }
                out.push(prefix);
                return at + 1;
            }
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                let mut j = 0;
                while j < inner.len() {
                    j = path_tail(&inner, j, prefix.clone(), out);
                    // Skip `as name`, then the comma.
                    while j < inner.len()
                        && !matches!(&inner[j], TokenTree::Punct(p) if p.as_char() == ',')
                    {
                        j += 1;
                    }
                    j += 1;
                }
                return at + 1;
            }
            _ => {
                if !prefix.is_empty() {
                    out.push(prefix);
                }
                return at;
            }
        }
    }
}

/// The tokio features the given source texts need.
pub fn features_needed<'t>(texts: impl IntoIterator<Item = &'t str>) -> Vec<String> {
    let mut found = TokioUse::default();
    for text in texts {
        if let Ok(tokens) = text.parse::<TokenStream>() {
            scan(tokens, &mut found);
        }
    }
    let mut features: Vec<String> = found
        .paths
        .iter()
        .filter_map(|p| feature_of(p))
        .map(str::to_string)
        .collect();
    for (name, args) in &found.attributes {
        features.push("macros".into());
        let current_thread = args.replace(' ', "").contains("flavor=\"current_thread\"");
        // `#[tokio::test]` defaults to the current-thread runtime.
        if name == "test" || current_thread {
            features.push("rt".into());
        } else {
            features.push("rt-multi-thread".into());
        }
    }
    features.sort();
    features.dedup();
    features
}

/// The `mod name;` files a source file declares, as file names beside `file`.
fn module_files(file: &str, text: &str) -> Vec<String> {
    let Some(ast) = crate::fix::syntax::parse(text) else {
        return Vec::new();
    };
    let (dir, stem) = match file.rsplit_once('/') {
        Some((d, f)) => (d.to_string(), f.trim_end_matches(".rs").to_string()),
        None => (String::new(), file.trim_end_matches(".rs").to_string()),
    };
    // `main.rs`, `lib.rs` and `mod.rs` own the modules beside them; `a.rs` owns `a/…`.
    let base = if matches!(stem.as_str(), "main" | "lib" | "mod") {
        dir
    } else if dir.is_empty() {
        stem
    } else {
        format!("{dir}/{stem}")
    };
    ast.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if m.content.is_none() => Some(m.ident.to_string()),
            _ => None,
        })
        .flat_map(|name| {
            let prefix = if base.is_empty() {
                String::new()
            } else {
                format!("{base}/")
            };
            [
                format!("{prefix}{name}.rs"),
                format!("{prefix}{name}/mod.rs"),
            ]
        })
        .collect()
}

/// The features this diagnostic says are missing, from its captures and message.
fn named_by_diagnostic(input: &Input<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(f) = input.captures.get("feature") {
        out.push(f.clone());
    }
    let message = &input.diagnostic.rustc.message;
    // tokio-macros 2.7: "The default runtime flavor is `multi_thread`, but the
    // `rt-multi-thread` feature is disabled." and, for `flavor = "multi_thread"` written out,
    // "The runtime flavor `multi_thread` requires the `rt-multi-thread` feature."
    if message.contains("`rt-multi-thread` feature is disabled")
        || message.contains("requires the `rt-multi-thread` feature")
    {
        out.push("rt-multi-thread".into());
    }
    if message.contains("find `main` in `tokio`") || message.contains("find `test` in `tokio`") {
        out.push("macros".into());
    }
    out
}

/// How the package's manifest declares tokio, with the byte ranges to edit.
enum Declaration {
    /// `tokio = "1"`: the string's range.
    Version {
        value: Range<usize>,
        version: String,
    },
    /// `tokio = { … }`: the inline table's range, and its `features` array's range if any.
    Inline {
        table: Range<usize>,
        features: Option<(Range<usize>, Vec<String>)>,
        workspace: bool,
    },
}

fn find_declaration(manifest: &str) -> Option<Declaration> {
    let doc = DeTable::parse(manifest).ok()?;
    let deps = doc
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref() == "dependencies")?
        .1;
    let DeValue::Table(deps) = deps.get_ref() else {
        return None;
    };
    let (_, tokio) = deps.iter().find(|(k, _)| k.get_ref() == "tokio")?;
    let span = tokio.span();
    match tokio.get_ref() {
        DeValue::String(s) => Some(Declaration::Version {
            value: span,
            version: s.to_string(),
        }),
        DeValue::Table(t) => {
            // An inline table starts with `{`; `[dependencies.tokio]` does not, and is left
            // alone.
            if !manifest.get(span.clone())?.trim_start().starts_with('{') {
                return None;
            }
            let mut features = None;
            let mut workspace = false;
            for (k, v) in t.iter() {
                match (k.get_ref().as_ref(), v.get_ref()) {
                    ("features", DeValue::Array(a)) => {
                        let list = a
                            .iter()
                            .filter_map(|f| match f.get_ref() {
                                DeValue::String(s) => Some(s.to_string()),
                                _ => None,
                            })
                            .collect();
                        features = Some((v.span(), list));
                    }
                    ("workspace", DeValue::Boolean(b)) => workspace = *b,
                    _ => {}
                }
            }
            Some(Declaration::Inline {
                table: span,
                features,
                workspace,
            })
        }
        _ => None,
    }
}

fn quoted(features: &[String]) -> String {
    features
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The edit to `manifest_path` that adds `missing` to its tokio line, and the line as it will
/// read.
fn declaration_edit(manifest_path: &str, text: &str, missing: &[String]) -> Option<Edit> {
    let edit = |range: Range<usize>, replacement: String| Edit {
        file: manifest_path.to_string(),
        start: range.start,
        end: range.end,
        replacement,
    };
    match find_declaration(text)? {
        Declaration::Version { value, version } => Some(edit(
            value,
            format!(
                "{{ version = \"{version}\", features = [{}] }}",
                quoted(missing)
            ),
        )),
        Declaration::Inline {
            features: Some((array, existing)),
            ..
        } => {
            let inner = text.get(array.clone())?;
            let close = array.start + inner.rfind(']')?;
            let before = text.get(array.start + 1..close)?.trim_end();
            let at = array.start + 1 + before.len();
            let sep = if existing.is_empty() && before.trim().is_empty() {
                ""
            } else if before.ends_with(',') {
                " "
            } else {
                ", "
            };
            Some(edit(at..at, format!("{sep}{}", quoted(missing))))
        }
        Declaration::Inline {
            table,
            features: None,
            ..
        } => {
            let inner = text.get(table.clone())?;
            let close = table.start + inner.rfind('}')?;
            let before = text.get(table.start + 1..close)?.trim_end();
            let at = table.start + 1 + before.len();
            let sep = if before.ends_with(',') { " " } else { ", " };
            Some(edit(
                at..at,
                format!("{sep}features = [{}]", quoted(missing)),
            ))
        }
    }
}

/// Edits that enable every tokio feature the diagnostic's file (and the modules it declares)
/// needs, plus `extra`, that the package does not enable yet: `(edits, features added)`.
/// `None` when the manifest cannot be read or its tokio line has a shape we do not edit.
pub fn tokio_feature_edits(input: &Input<'_>, extra: &[&str]) -> Option<(Vec<Edit>, Vec<String>)> {
    let manifest_path = input.diagnostic.manifest_path.as_deref()?;
    let manifest = input.sources.read(manifest_path)?;
    let mut texts: Vec<std::sync::Arc<str>> = Vec::new();
    if let Some(span) = input.diagnostic.user_span() {
        if let Some(text) = input.sources.read(&span.file_name) {
            for module in module_files(&span.file_name, &text) {
                if let Some(t) = input.sources.read(&module) {
                    texts.push(t);
                }
            }
            texts.push(text);
        }
    }
    let mut needed = features_needed(texts.iter().map(|t| &**t));
    needed.extend(named_by_diagnostic(input));
    needed.extend(extra.iter().map(|s| s.to_string()));
    needed.sort();
    needed.dedup();
    let api = input.runtime();
    let declared: Vec<String> = match find_declaration(&manifest)? {
        Declaration::Inline {
            features: Some((_, list)),
            workspace: false,
            ..
        } => list,
        _ => Vec::new(),
    };
    let missing: Vec<String> = needed
        .into_iter()
        .filter(|f| {
            // With project context, cargo metadata's resolved features decide; the manifest's
            // own list covers a missing context.
            let on = if api.tokio_features.is_some() {
                api.tokio_has(f)
            } else {
                declared.iter().any(|d| d == f || d == "full")
            };
            !on
        })
        .collect();
    if missing.is_empty() {
        return Some((Vec::new(), Vec::new()));
    }
    let edit = declaration_edit(manifest_path, &manifest, &missing)?;
    Some((vec![edit], missing))
}

/// The manifest's name as a user reads it: the package directory and `Cargo.toml`.
pub fn manifest_display(path: &str) -> String {
    let parts: Vec<&str> = path.rsplit('/').take(2).collect();
    match parts.as_slice() {
        [file, dir] if !dir.starts_with('[') => format!("{dir}/{file}"),
        _ => "Cargo.toml".to_string(),
    }
}

/// Enables, in the package's `Cargo.toml`, every tokio feature its code needs and lacks.
pub fn tokio_features(input: &Input<'_>) -> Option<Proposal> {
    // The diagnostic must be about a tokio feature (the rule says so by choosing this recipe;
    // the primary span must still be current).
    let span = input.diagnostic.user_span()?;
    let text = input.sources.read(&span.file_name)?;
    if !crate::fix::syntax::span_is_current(&text, span) {
        return None;
    }
    let (edits, added) = tokio_feature_edits(input, &[])?;
    if edits.is_empty() {
        return None;
    }
    let manifest = input
        .diagnostic
        .manifest_path
        .as_deref()
        .unwrap_or("Cargo.toml");
    let list = added
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let plural = if added.len() > 1 { "s" } else { "" };
    Some(Proposal::Edits(Fix {
        title: format!(
            "Enable tokio's {list} feature{plural} in {}",
            manifest_display(manifest)
        ),
        applicability: Applicability::MachineApplicable,
        edits,
    }))
}

/// E0670 (`async fn` in Rust 2015): the package's `edition` becomes the one rustc's help names
/// (`set `edition = "2024"` in `Cargo.toml``), written in `[package]` (replacing an `edition`
/// line there, or after its `version` line, else right after `[package]`). A new edition can
/// change what other code means (paths, keywords), so the edit is one to review; `cargo fix
/// --edition` migrates code step by step.
pub fn set_edition(input: &Input<'_>) -> Option<Proposal> {
    let edition = input.diagnostic.rustc.children.iter().find_map(|c| {
        let rest = c.message.split("set `edition = \"").nth(1)?;
        let value = rest.split('"').next()?;
        (value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit())).then(|| value.to_string())
    })?;
    let manifest_path = input.diagnostic.manifest_path.as_deref()?;
    let manifest = input.sources.read(manifest_path)?;
    let (at, replacement) = edition_edit(&manifest, &edition)?;
    Some(Proposal::Edits(Fix {
        title: format!(
            "Set `edition = \"{edition}\"` in {} (then check the rest of the crate, or migrate \
             with `cargo fix --edition`)",
            manifest_display(manifest_path)
        ),
        applicability: Applicability::MaybeIncorrect,
        edits: vec![Edit {
            file: manifest_path.to_string(),
            start: at.start,
            end: at.end,
            replacement,
        }],
    }))
}

/// Where `edition = "<edition>"` goes in `manifest`'s `[package]` table, and the text.
fn edition_edit(manifest: &str, edition: &str) -> Option<(Range<usize>, String)> {
    let mut offset = 0;
    let mut in_package = false;
    let mut package_end = None;
    let mut version_end = None;
    for line in manifest.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            if in_package {
                break;
            }
            in_package = trimmed == "[package]";
            if in_package {
                package_end = Some(offset);
            }
            continue;
        }
        if !in_package {
            continue;
        }
        let key = trimmed.split('=').next().unwrap_or_default().trim();
        if key.starts_with("edition.") {
            return None;
        }
        if key == "edition" {
            // `edition = "2015"` (or `edition.workspace = true`, left alone).
            let value_start = start + line.find('=')? + 1;
            let value_end = start + line.trim_end_matches(['\n', '\r']).len();
            let value = manifest[value_start..value_end].trim();
            if !value.starts_with('"') {
                return None;
            }
            return Some((value_start..value_end, format!(" \"{edition}\"")));
        }
        if key == "version" {
            version_end = Some(offset);
        }
    }
    let at = version_end.or(package_end)?;
    let newline = if manifest[..at].ends_with('\n') {
        ""
    } else {
        "\n"
    };
    Some((at..at, format!("{newline}edition = \"{edition}\"\n")))
}

/// `#[tokio::main]` → `#[tokio::main(flavor = "current_thread")]`: the one-thread runtime,
/// which needs only `rt`. For when `rt-multi-thread` cannot be enabled.
pub fn current_thread_flavor(input: &Input<'_>) -> Option<Proposal> {
    let span = input.diagnostic.user_span()?;
    let text = input.sources.read(&span.file_name)?;
    let range = span_range(span);
    if !crate::fix::syntax::span_is_current(&text, span) || !input.runtime().tokio_has("rt") {
        return None;
    }
    let attr = text.get(range.clone())?;
    let squashed: String = attr.split_whitespace().collect();
    if squashed != "#[tokio::main]" {
        return None;
    }
    let close = range.start + attr.rfind(']')?;
    Some(Proposal::Edits(Fix {
        title: "Run `main` on tokio's current-thread runtime".to_string(),
        applicability: Applicability::MaybeIncorrect,
        edits: vec![Edit {
            file: span.file_name.clone(),
            start: close,
            end: close,
            replacement: "(flavor = \"current_thread\")".to_string(),
        }],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edition_is_replaced_or_added_in_package() {
        let with =
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2015\"\n\n[dependencies]\n";
        let (at, text) = edition_edit(with, "2024").unwrap();
        let mut fixed = with.to_string();
        fixed.replace_range(at, &text);
        assert!(
            fixed.contains("edition = \"2024\"\n\n[dependencies]"),
            "{fixed}"
        );
        let without =
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[dependencies]\nedition = \"x\"\n";
        let (at, text) = edition_edit(without, "2024").unwrap();
        let mut fixed = without.to_string();
        fixed.replace_range(at, &text);
        assert_eq!(
            fixed,
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nedition = \"x\"\n"
        );
        assert_eq!(
            edition_edit(
                "[package]\nname = \"a\"\nedition.workspace = true\n",
                "2024"
            ),
            None
        );
    }

    #[test]
    fn features_of_paths_and_attributes() {
        let text = "use tokio::{io::AsyncWriteExt, time};\nuse tokio::io::AsyncRead;\n#[tokio::main(flavor = \"current_thread\")]\nasync fn main() { tokio::sync::Mutex::new(0); let _ = tokio::io::stdout(); tokio::select! {} }\n";
        assert_eq!(
            features_needed([text]),
            vec!["io-std", "io-util", "macros", "rt", "sync", "time"]
        );
        assert_eq!(
            features_needed(["#[tokio::main]\nasync fn main() {}"]),
            vec!["macros", "rt-multi-thread"]
        );
        // Comments and strings do not count.
        assert!(
            features_needed(["// tokio::fs::read\nfn main() { let _ = \"tokio::net\"; }"])
                .is_empty()
        );
    }

    #[test]
    fn edits_each_declaration_shape() {
        let apply = |text: &str, missing: &[&str]| {
            let missing: Vec<String> = missing.iter().map(|s| s.to_string()).collect();
            let e = declaration_edit("Cargo.toml", text, &missing).unwrap();
            crate::fix::apply(text, [&e]).unwrap()
        };
        assert_eq!(
            apply("[dependencies]\ntokio = \"1.40\"\n", &["time"]),
            "[dependencies]\ntokio = { version = \"1.40\", features = [\"time\"] }\n"
        );
        assert_eq!(
            apply(
                "[dependencies]\ntokio = { version = \"1\", features = [\"rt\"] }\n",
                &["macros"]
            ),
            "[dependencies]\ntokio = { version = \"1\", features = [\"rt\", \"macros\"] }\n"
        );
        assert_eq!(
            apply("[dependencies]\ntokio = { workspace = true }\n", &["fs"]),
            "[dependencies]\ntokio = { workspace = true, features = [\"fs\"] }\n"
        );
        assert_eq!(
            apply(
                "[dependencies]\ntokio = { version = \"1\", features = [] }\n",
                &["fs"]
            ),
            "[dependencies]\ntokio = { version = \"1\", features = [\"fs\"] }\n"
        );
        // `[dependencies.tokio]` is not edited.
        assert!(declaration_edit(
            "Cargo.toml",
            "[dependencies.tokio]\nversion = \"1\"\n",
            &["fs".into()]
        )
        .is_none());
    }

    #[test]
    fn module_files_sit_beside_their_parent() {
        assert_eq!(
            module_files("app/src/main.rs", "mod config;\nmod inline {}\n"),
            vec!["app/src/config.rs", "app/src/config/mod.rs"]
        );
        assert_eq!(
            module_files("app/src/net.rs", "mod tcp;\n"),
            vec!["app/src/net/tcp.rs", "app/src/net/tcp/mod.rs"]
        );
    }

    fn input_run(
        recipe: fn(&Input<'_>) -> Option<Proposal>,
        text: &str,
        manifest: &str,
        needle: &str,
        message: &str,
    ) -> Option<Proposal> {
        use crate::fix::recipes::locate::test_support::{diagnostic, find, input_for};
        let mut d = diagnostic(
            "error",
            "E0433",
            message,
            "src/main.rs",
            text,
            find(text, needle, None),
            None,
            &[],
        );
        d.manifest_path = Some("/app/Cargo.toml".into());
        let sources = crate::fix::MemorySources::default()
            .with("src/main.rs", text)
            .with("/app/Cargo.toml", manifest);
        recipe(&input_for(&d, &sources, None))
    }

    #[test]
    fn tokio_features_edits_the_line_or_declines() {
        let text = "#[tokio::main]\nasync fn main() { tokio::time::sleep(std::time::Duration::ZERO).await; }\n";
        let manifest = "[package]\nname = \"app\"\n\n[dependencies]\ntokio = { version = \"1\", features = [\"rt\"] }\n";
        let Some(Proposal::Edits(fix)) = input_run(
            tokio_features,
            text,
            manifest,
            "time",
            "cannot find `time` in `tokio`",
        ) else {
            panic!("no edit");
        };
        let fixed = crate::fix::apply(manifest, &fix.edits).unwrap();
        assert!(
            fixed.contains(r#"features = ["rt", "macros", "rt-multi-thread", "time"]"#),
            "{fixed}"
        );
        assert_eq!(
            fix.title,
            "Enable tokio's `macros`, `rt-multi-thread`, `time` features in app/Cargo.toml"
        );
        // A `[dependencies.tokio]` table is not edited.
        let table = "[package]\nname = \"app\"\n\n[dependencies.tokio]\nversion = \"1\"\n";
        assert_eq!(
            input_run(
                tokio_features,
                text,
                table,
                "time",
                "cannot find `time` in `tokio`"
            ),
            None
        );
        // Nothing missing: nothing to propose.
        let full = "[dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n";
        assert_eq!(
            input_run(
                tokio_features,
                text,
                full,
                "time",
                "cannot find `time` in `tokio`"
            ),
            None
        );
    }

    #[test]
    fn current_thread_only_for_a_bare_attribute() {
        let manifest =
            "[dependencies]\ntokio = { version = \"1\", features = [\"rt\", \"macros\"] }\n";
        let text = "#[tokio::main]\nasync fn main() {}\n";
        let Some(Proposal::Edits(fix)) = input_run(current_thread_flavor, text, manifest, "#[tokio::main]", "The default runtime flavor is `multi_thread`, but the `rt-multi-thread` feature is disabled.") else {
            panic!("no edit");
        };
        assert_eq!(
            crate::fix::apply(text, &fix.edits).unwrap(),
            "#[tokio::main(flavor = \"current_thread\")]\nasync fn main() {}\n"
        );
        let text = "#[tokio::main(worker_threads = 2)]\nasync fn main() {}\n";
        assert_eq!(
            input_run(
                current_thread_flavor,
                text,
                manifest,
                "#[tokio::main(worker_threads = 2)]",
                "x"
            ),
            None
        );
    }

    #[test]
    fn manifest_names() {
        assert_eq!(manifest_display("/x/app/Cargo.toml"), "app/Cargo.toml");
        assert_eq!(manifest_display("[ROOT]/app/Cargo.toml"), "app/Cargo.toml");
    }
}
