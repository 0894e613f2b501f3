//! The program's entry point: `async fn main` without a runtime (E0752), or `.await` inside a
//! plain `fn main` (E0728). For tokio, `#[tokio::main]` on an `async fn main` (and, when the
//! package's tokio lacks them, the `macros` and `rt-multi-thread` features in `Cargo.toml`:
//! the attribute alone would leave the build failing with "requires rt or rt-multi-thread");
//! for smol, async-std, trpl and the `futures` executor, a plain `fn main` whose body runs in
//! the runtime's `block_on` (see [`RuntimeApi::main_entry`](crate::fix::RuntimeApi)).

use std::ops::Range;

use super::locate::{span_range, Frame, Source};
use super::manifest::{manifest_display, tokio_feature_edits};
use crate::context::Runtime;
use crate::fix::runtime::MainEntry;
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// The top-level `fn main` whose signature or body holds `at`.
fn main_fn(src: &Source, at: &Range<usize>) -> Option<syn::ItemFn> {
    src.ast.items.iter().find_map(|item| match item {
        syn::Item::Fn(f) if f.sig.ident == "main" && syntax::contains(&node_range(f), at) => {
            Some(f.clone())
        }
        _ => None,
    })
}

/// The body re-indented one level and wrapped in `call(async { … })`. What follows the
/// opening brace on its own line (a comment) stays there.
fn wrapped_body(text: &str, body: &Range<usize>, call: &str) -> String {
    let indent = syntax::indent_at(text, body.start).to_string();
    let inner = &text[body.start + 1..body.end - 1];
    let (first, rest) = match inner.split_once('\n') {
        Some((first, rest)) if first.trim().is_empty() || first.trim_start().starts_with("//") => {
            (first.trim_end(), rest)
        }
        _ => ("", inner),
    };
    let mut out = format!("{{{first}\n{indent}    {call}(async {{\n");
    let rest = rest.trim_end();
    for line in rest.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&format!("{indent}    }})\n{indent}}}"));
    out
}

/// Gives `main` a runtime: see the module comment.
pub fn async_main_entry(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let primary = span_range(span);
    let code = input.diagnostic.code()?;
    let main = main_fn(&src, &primary)?;
    let is_async = main.sig.asyncness.is_some();
    match code {
        "E0752" if is_async => {}
        // `.await` directly in a plain `fn main` (not in a closure inside it).
        "E0728" if !is_async => {
            let in_main = super::locate::exprs_where(&src, |e, r| {
                matches!(e, syn::Expr::Await(_)) && syntax::contains(&r, &primary)
            })
            .pop()
            .is_some_and(|l| l.frame == Frame::SyncFn("main".into()));
            if !in_main {
                return None;
            }
        }
        _ => return None,
    }
    let has_attr = main.attrs.iter().any(|a| {
        let p = &a.path().segments;
        p.len() == 2 && p[1].ident == "main"
    });
    if has_attr {
        return None;
    }
    let api = input.runtime();
    let declared = input.package.map(|p| !p.runtimes.is_empty());
    // A package with no runtime at all: adding one is a choice the user makes.
    if declared == Some(false) && api.runtime == Runtime::Tokio {
        return Some(no_runtime_words(&src, &main));
    }
    let file = src.file.clone();
    let sig_start = node_range(&main.sig).start;
    let body = node_range(&main.block);
    let body_text = src.slice(&body);
    // A `block_on` already in the body would start a runtime inside the new one.
    let nested = body_text.contains("block_on") || body_text.contains("Runtime::new");
    match api.main_entry() {
        MainEntry::Attribute(attr) => {
            let mut edits = Vec::new();
            // Before `pub` or the signature, after any attributes and doc comments.
            let item_start = match &main.vis {
                syn::Visibility::Inherited => sig_start,
                vis => node_range(vis).start,
            };
            let line_start = syntax::line_start(&src.text, item_start);
            let indent = syntax::indent_at(&src.text, item_start).to_string();
            let fn_start = main.sig.fn_token.span.byte_range().start;
            let replacement = if src.text[line_start..item_start].trim().is_empty() {
                format!("{attr}\n{indent}")
            } else {
                format!("{attr} ")
            };
            edits.push(Edit {
                file: file.clone(),
                start: item_start,
                end: item_start,
                replacement,
            });
            if !is_async {
                edits.push(Edit {
                    file: file.clone(),
                    start: fn_start,
                    end: fn_start,
                    replacement: "async ".into(),
                });
            }
            let mut title = format!("Run `main` on tokio's runtime with `{attr}`");
            let missing: Vec<&str> = ["macros", "rt-multi-thread"]
                .into_iter()
                .filter(|f| !api.tokio_has(f))
                .collect();
            let manifest_edits = if missing.is_empty() {
                None
            } else {
                tokio_feature_edits(input, &missing).filter(|(e, _)| !e.is_empty())
            };
            if !missing.is_empty() && manifest_edits.is_none() {
                // `Cargo.toml` cannot be edited: with `macros` and `rt` there, the
                // current-thread runtime needs nothing more (a different runtime, so only
                // maybe what was meant).
                if missing != ["rt-multi-thread"] || !api.tokio_has("rt") {
                    return None;
                }
                let flavored = "#[tokio::main(flavor = \"current_thread\")]";
                for e in edits.iter_mut() {
                    e.replacement = e.replacement.replace(attr, flavored);
                }
                return Some(Proposal::Edits(Fix {
                    title: format!(
                        "Run `main` on tokio's current-thread runtime with `{flavored}`"
                    ),
                    applicability: Applicability::MaybeIncorrect,
                    edits,
                }));
            }
            if let Some((manifest_edits, added)) = manifest_edits {
                let manifest = input
                    .diagnostic
                    .manifest_path
                    .as_deref()
                    .unwrap_or("Cargo.toml");
                title.push_str(&format!(
                    " and enable {} in {}",
                    added
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    manifest_display(manifest)
                ));
                edits.extend(manifest_edits);
            }
            edits.sort_by_key(|e| (e.file.clone(), e.start));
            Some(Proposal::Edits(Fix {
                title,
                applicability: if nested {
                    Applicability::MaybeIncorrect
                } else {
                    Applicability::MachineApplicable
                },
                edits,
            }))
        }
        MainEntry::BlockOn(call) => {
            let mut edits = Vec::new();
            if is_async {
                let asyncness = main.sig.asyncness.as_ref()?.span.byte_range();
                let after = src.text[asyncness.end..]
                    .find(|c: char| !c.is_whitespace())
                    .map_or(asyncness.end, |i| asyncness.end + i);
                edits.push(Edit {
                    file: file.clone(),
                    start: asyncness.start,
                    end: after,
                    replacement: String::new(),
                });
            }
            edits.push(Edit {
                file: file.clone(),
                start: body.start,
                end: body.end,
                replacement: wrapped_body(&src.text, &body, call),
            });
            Some(Proposal::Edits(Fix {
                title: format!("Make `main` a plain fn that runs its body with `{call}`"),
                applicability: if nested {
                    Applicability::MaybeIncorrect
                } else {
                    Applicability::MachineApplicable
                },
                edits,
            }))
        }
    }
}

/// tokio-macros' "the `async` keyword is missing from the function declaration" (its span is
/// the `fn` token): `async` goes before `fn`, which is what `#[tokio::main]` and
/// `#[tokio::test]` expect.
pub fn add_async(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let at = span_range(span);
    if src.slice(&at) != "fn" {
        return None;
    }
    let name = src.ast.items.iter().find_map(|item| match item {
        syn::Item::Fn(f) if f.sig.fn_token.span.byte_range() == at => Some(f.sig.ident.to_string()),
        _ => None,
    })?;
    Some(Proposal::Edits(Fix {
        title: format!("Make `{name}` an `async fn`, as the attribute expects"),
        applicability: Applicability::MachineApplicable,
        edits: vec![Edit {
            file: src.file.clone(),
            start: at.start,
            end: at.start,
            replacement: "async ".to_string(),
        }],
    }))
}

fn no_runtime_words(src: &Source, main: &syn::ItemFn) -> Proposal {
    let sig = node_range(&main.sig);
    Proposal::InWords {
        text: "this package depends on no async runtime, and Rust has none built in: add one \
               (`cargo add tokio --features macros,rt-multi-thread`, then `#[tokio::main]` on \
               `async fn main`; or `smol`, whose `smol::block_on(async { … })` runs the body \
               from a plain `fn main`)."
            .to_string(),
        lines: src.quote(&sig),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{PackageContext, TokioDep};
    use crate::fix::recipes::locate::test_support::{diagnostic, input_for};
    use crate::fix::MemorySources;

    const ASYNC_MAIN: &str = "async fn get() -> u8 { 1 }\n\nasync fn main() {\n    let x = get().await;\n    println!(\"{x}\");\n}\n";

    fn package(runtimes: Vec<Runtime>, tokio: Option<&[&str]>) -> PackageContext {
        PackageContext {
            name: "app".into(),
            runtimes,
            tokio: tokio.map(|f| TokioDep {
                req: "1".into(),
                features: f.iter().map(|s| s.to_string()).collect(),
                default_features: true,
            }),
            in_workspace: false,
            trpl_run_only: false,
        }
    }

    fn e0752(text: &str) -> crate::diagnostic::Diagnostic {
        let start = text.find("async fn main()").unwrap();
        let mut d = diagnostic(
            "error",
            "E0752",
            "`main` function is not allowed to be `async`",
            "src/main.rs",
            text,
            start..start + 15,
            None,
            &[],
        );
        d.manifest_path = Some("/app/Cargo.toml".into());
        d
    }

    #[test]
    fn smol_wraps_the_body_in_block_on() {
        let d = e0752(ASYNC_MAIN);
        let sources = MemorySources::default().with("src/main.rs", ASYNC_MAIN);
        let pkg = package(vec![Runtime::Smol], None);
        let Some(Proposal::Edits(fix)) = async_main_entry(&input_for(&d, &sources, Some(&pkg)))
        else {
            panic!("no edit");
        };
        let fixed = crate::fix::apply(ASYNC_MAIN, &fix.edits).unwrap();
        assert_eq!(
            fixed,
            "async fn get() -> u8 { 1 }\n\nfn main() {\n    smol::block_on(async {\n        let x = get().await;\n        println!(\"{x}\");\n    })\n}\n"
        );
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
    }

    #[test]
    fn tokio_without_macros_also_edits_cargo_toml() {
        let d = e0752(ASYNC_MAIN);
        let manifest = "[package]\nname = \"app\"\n\n[dependencies]\ntokio = { version = \"1\", features = [\"rt\"] }\n";
        let sources = MemorySources::default()
            .with("src/main.rs", ASYNC_MAIN)
            .with("/app/Cargo.toml", manifest);
        let pkg = package(vec![Runtime::Tokio], Some(&["rt"]));
        let Some(Proposal::Edits(fix)) = async_main_entry(&input_for(&d, &sources, Some(&pkg)))
        else {
            panic!("no edit");
        };
        let toml: Vec<&Edit> = fix
            .edits
            .iter()
            .filter(|e| e.file == "/app/Cargo.toml")
            .collect();
        let fixed_toml = crate::fix::apply(manifest, toml).unwrap();
        assert!(
            fixed_toml.contains("features = [\"rt\", \"macros\", \"rt-multi-thread\"]"),
            "{fixed_toml}"
        );
        let rs: Vec<&Edit> = fix
            .edits
            .iter()
            .filter(|e| e.file == "src/main.rs")
            .collect();
        let fixed = crate::fix::apply(ASYNC_MAIN, rs).unwrap();
        assert!(
            fixed.contains("#[tokio::main]\nasync fn main() {"),
            "{fixed}"
        );
    }

    #[test]
    fn declines_when_the_manifest_cannot_be_edited() {
        let d = e0752(ASYNC_MAIN);
        let sources = MemorySources::default().with("src/main.rs", ASYNC_MAIN);
        let pkg = package(vec![Runtime::Tokio], Some(&["rt"]));
        assert_eq!(async_main_entry(&input_for(&d, &sources, Some(&pkg))), None);
    }

    #[test]
    fn await_in_a_plain_main_makes_it_async() {
        use crate::fix::recipes::locate::test_support::find;
        let text = "async fn get() -> u8 { 1 }\n\nfn main() {\n    let x = get().await;\n}\n";
        let d = diagnostic(
            "error",
            "E0728",
            "`await` is only allowed inside `async` functions and blocks",
            "src/main.rs",
            text,
            find(text, "await", Some("get()")),
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        let pkg = package(vec![Runtime::Tokio], Some(&["full"]));
        let Some(Proposal::Edits(fix)) = async_main_entry(&input_for(&d, &sources, Some(&pkg)))
        else {
            panic!("no edit");
        };
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(
            fixed.contains("#[tokio::main]\nasync fn main() {\n    let x = get().await;"),
            "{fixed}"
        );
        // The same in a helper fn is not the entry point's business.
        let text = text.replace("fn main()", "fn helper()") + "fn main() {}\n";
        let d = diagnostic(
            "error",
            "E0728",
            "`await` is only allowed inside `async` functions and blocks",
            "src/main.rs",
            &text,
            find(&text, "await", Some("get()")),
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", &text);
        assert_eq!(async_main_entry(&input_for(&d, &sources, Some(&pkg))), None);
    }

    #[test]
    fn without_a_manifest_but_with_rt_the_current_thread_flavor_serves() {
        let d = e0752(ASYNC_MAIN);
        let sources = MemorySources::default().with("src/main.rs", ASYNC_MAIN);
        let pkg = package(vec![Runtime::Tokio], Some(&["macros", "rt"]));
        let Some(Proposal::Edits(fix)) = async_main_entry(&input_for(&d, &sources, Some(&pkg)))
        else {
            panic!("no edit");
        };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
        let fixed = crate::fix::apply(ASYNC_MAIN, &fix.edits).unwrap();
        assert!(
            fixed.contains("#[tokio::main(flavor = \"current_thread\")]\nasync fn main() {"),
            "{fixed}"
        );
    }

    #[test]
    fn a_sync_fn_under_the_attribute_becomes_async() {
        use crate::fix::recipes::locate::test_support::find;
        let text = "#[tokio::main]\nfn main() {\n    println!(\"hi\");\n}\n";
        let d = diagnostic(
            "error",
            "",
            "the `async` keyword is missing from the function declaration",
            "src/main.rs",
            text,
            find(text, "fn", None),
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        let Some(Proposal::Edits(fix)) = add_async(&input_for(&d, &sources, None)) else {
            panic!("no edit");
        };
        assert_eq!(
            crate::fix::apply(text, &fix.edits).unwrap(),
            "#[tokio::main]\nasync fn main() {\n    println!(\"hi\");\n}\n"
        );
    }

    #[test]
    fn no_runtime_is_in_words() {
        let d = e0752(ASYNC_MAIN);
        let sources = MemorySources::default().with("src/main.rs", ASYNC_MAIN);
        let pkg = package(vec![], None);
        assert!(matches!(
            async_main_entry(&input_for(&d, &sources, Some(&pkg))),
            Some(Proposal::InWords { .. })
        ));
    }
}
