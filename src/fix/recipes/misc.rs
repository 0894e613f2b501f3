//! The rest of the family: `annotate_error_type` (`?` in an async block whose error type
//! nothing names, E0282: `Ok::<_, E>(…)` with `E` read from the `?`'d call's signature),
//! `impl_trait_param` (a trait with an `async fn` used as `dyn Trait`, E0038: the parameters
//! take `impl Trait` instead, when that is the only use), and `remove_unused_async` (clippy's
//! `unused_async`: the `async` keyword and every `.await` on a call of the function go
//! together, or nothing changes).

use std::ops::Range;

use syn::visit::Visit;
use syn::Expr;

use super::locate::{exprs_where, span_range, uses_of, Source};
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

fn edit(src: &Source, at: Range<usize>, replacement: impl Into<String>) -> Edit {
    Edit {
        file: src.file.clone(),
        start: at.start,
        end: at.end,
        replacement: replacement.into(),
    }
}

/// The error type `E` of a function's declared `Result<T, E>` (or `io::Result<T>`), as the
/// file spells it.
fn declared_error(src: &Source, sig: &syn::Signature) -> Option<String> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    crate::fix::syntax::result_error(ty, &src.text)
}

/// The free functions of the file, by name.
fn free_fn<'f>(src: &'f Source, name: &str) -> Option<&'f syn::ItemFn> {
    src.ast.items.iter().find_map(|i| match i {
        syn::Item::Fn(f) if f.sig.ident == name => Some(f),
        _ => None,
    })
}

/// The `?` expressions directly in an async block or a closure's body (not in closures or
/// async blocks nested in it).
fn question_marks(body: &Expr) -> Vec<syn::ExprTry> {
    struct Find(Vec<syn::ExprTry>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
            self.0.push(t.clone());
            syn::visit::visit_expr_try(self, t);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut find = Find(Vec::new());
    match body {
        Expr::Async(a) => find.visit_block(&a.block),
        Expr::Closure(c) => find.visit_expr(&c.body),
        _ => {}
    }
    find.0
}

/// The one error type every `?` in `body` propagates, read from the signatures of the free
/// functions they call (`f(..)?` or `f(..).await?`) in this file; else the `?`s whose error
/// type is unknown (all of them when the known ones disagree).
fn propagated_error(src: &Source, body: &Expr) -> Result<String, Vec<Range<usize>>> {
    let mut errors = Vec::new();
    let mut unknown = Vec::new();
    let marks = question_marks(body);
    for q in &marks {
        let mut inner = &*q.expr;
        if let Expr::Await(a) = inner {
            inner = &a.base;
        }
        let name = match inner {
            Expr::Call(c) => super::locate::expr_ident(&c.func),
            _ => None,
        };
        match name
            .and_then(|n| free_fn(src, &n))
            .and_then(|f| declared_error(src, &f.sig))
        {
            Some(e) => errors.push(e.split_whitespace().collect::<String>()),
            None => unknown.push(node_range(q)),
        }
    }
    errors.sort();
    errors.dedup();
    match errors.as_slice() {
        [error] if unknown.is_empty() => Ok(error.clone()),
        [_] => Err(unknown),
        _ => Err(marks.iter().map(node_range).collect()),
    }
}

/// E0282 for an async block's `Result<_, _>`: `Ok` at the tail rustc points at becomes
/// `Ok::<_, E>`, `E` being the error type every `?` in the block propagates (read from the
/// signatures of the functions they call, in this file).
pub fn annotate_error_type(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let diag = &input.diagnostic.rustc;
    let is_ok_call = |e: &Expr| matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Ok")));
    // `… for `Result<…, _>``: the tail rustc labels; bare "type annotations needed": the tail
    // whose `Ok` rustc points at (it cannot infer `E` there).
    let ok = if diag.message.contains("Result<") {
        let at = diag.spans.iter().find(|s| {
            s.label.as_deref() == Some("type must be known at this point")
                && s.file_name == src.file
        })?;
        let at = span_range(at);
        exprs_where(&src, |e, r| r == at && is_ok_call(e)).pop()?
    } else if diag.message == "type annotations needed" {
        let at = span_range(span);
        exprs_where(&src, |e, _| {
            is_ok_call(e) && matches!(e, Expr::Call(c) if node_range(&*c.func) == at)
        })
        .pop()?
    } else {
        return None;
    };
    let Expr::Call(call) = &ok.expr else {
        return None;
    };
    let ok_path = node_range(&*call.func);
    // The innermost async block (or, for the bare form, closure) around the tail.
    let bare = !diag.message.contains("Result<");
    let block = exprs_where(&src, |e, r| {
        (matches!(e, Expr::Async(_)) || (bare && matches!(e, Expr::Closure(_))))
            && syntax::contains(&r, &ok.range)
    })
    .pop()?;
    let what = if matches!(block.expr, Expr::Async(_)) {
        "async block"
    } else {
        "closure"
    };
    match propagated_error(&src, &block.expr) {
        Ok(error) => Some(Proposal::Edits(Fix {
            title: format!("Name the {what}'s error type: `Ok::<_, {error}>(…)`"),
            applicability: Applicability::MachineApplicable,
            edits: vec![edit(
                &src,
                ok_path.end..ok_path.end,
                format!("::<_, {error}>"),
            )],
        })),
        Err(unknown) => {
            let mut ranges = vec![ok.range.clone()];
            ranges.extend(unknown);
            Some(Proposal::InWords {
                text: format!(
                    "nothing says which error type this {what} returns: write the tail as \
                     `Ok::<_, E>(…)`, with `E` the error type its `?`s propagate (one type all \
                     of them convert into, such as the function's own error type or \
                     `Box<dyn std::error::Error + Send + Sync>`)."
                ),
                lines: src.quote_all(&ranges),
            })
        }
    }
}

/// E0277 for a `?` in an async block whose value is `()`: the block ends with
/// `Ok::<(), E>(())`, `E` read as for [`annotate_error_type`]. Only when the block's last
/// statement ends with `;` (no tail expression to replace). The block's value becomes a
/// `Result` its awaiter must handle, so the edit is one to review.
pub fn result_tail_for_block(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let at = span_range(span);
    if src.slice(&at) != "?" {
        return None;
    }
    let block = exprs_where(&src, |e, r| {
        matches!(e, Expr::Async(_)) && syntax::contains(&r, &at)
    })
    .pop()?;
    let Expr::Async(async_block) = &block.expr else {
        return None;
    };
    let last = async_block.block.stmts.last()?;
    let ends_with_semi = match last {
        syn::Stmt::Local(_) => true,
        syn::Stmt::Expr(_, semi) => semi.is_some(),
        syn::Stmt::Macro(m) => m.semi_token.is_some(),
        syn::Stmt::Item(_) => false,
    };
    let last_range = node_range(last);
    match propagated_error(&src, &block.expr) {
        Ok(error) if ends_with_semi => {
            let indent = syntax::indent_at(&src.text, last_range.start).to_string();
            Some(Proposal::Edits(Fix {
                title: format!(
                    "End the async block with `Ok::<(), {error}>(())`, so its `?` returns a \
                     `Result` (then handle it where the block is awaited)"
                ),
                applicability: Applicability::MaybeIncorrect,
                edits: vec![edit(
                    &src,
                    last_range.end..last_range.end,
                    format!("\n{indent}Ok::<(), {error}>(())"),
                )],
            }))
        }
        _ => Some(Proposal::InWords {
            text: "this `?` returns from the async block, not from the function: end the block \
                   with `Ok::<(), E>(())` (with `E` the error type its `?`s propagate) and \
                   handle that `Result` where the block is awaited, or handle the error inside \
                   the block."
                .to_string(),
            lines: src.quote_all([&at, &last_range]),
        }),
    }
}

/// Every `dyn Trait` type in the file naming `trait_name`, with whether it sits directly in a
/// function parameter (`&dyn T`, `&mut dyn T`, `Box<dyn T>`, `dyn T` behind nothing else).
fn dyn_uses(src: &Source, trait_name: &str) -> Vec<(Range<usize>, bool)> {
    struct Find<'n> {
        name: &'n str,
        param_ranges: Vec<Range<usize>>,
        found: Vec<Range<usize>>,
    }
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_type_trait_object(&mut self, t: &'ast syn::TypeTraitObject) {
            let names_it = t.bounds.iter().any(|b| {
                matches!(b, syn::TypeParamBound::Trait(tb)
                    if tb.path.segments.last().is_some_and(|s| s.ident == self.name))
            });
            if names_it && t.dyn_token.is_some() {
                self.found.push(node_range(t));
            }
            syn::visit::visit_type_trait_object(self, t);
        }
        fn visit_fn_arg(&mut self, a: &'ast syn::FnArg) {
            if let syn::FnArg::Typed(t) = a {
                let ty: &syn::Type = &t.ty;
                let inner = match ty {
                    syn::Type::Reference(r) => Some(&*r.elem),
                    syn::Type::Path(p) => p.path.segments.last().and_then(|s| {
                        if s.ident != "Box" {
                            return None;
                        }
                        match &s.arguments {
                            syn::PathArguments::AngleBracketed(a) => {
                                a.args.iter().find_map(|g| match g {
                                    syn::GenericArgument::Type(t) => Some(t),
                                    _ => None,
                                })
                            }
                            _ => None,
                        }
                    }),
                    _ => None,
                };
                if let Some(syn::Type::TraitObject(o)) = inner {
                    self.param_ranges.push(node_range(o));
                }
            }
            syn::visit::visit_fn_arg(self, a);
        }
    }
    let mut find = Find {
        name: trait_name,
        param_ranges: Vec::new(),
        found: Vec::new(),
    };
    find.visit_file(&src.ast);
    find.found
        .into_iter()
        .map(|r| {
            let direct = find.param_ranges.contains(&r);
            (r, direct)
        })
        .collect()
}

/// E0038 for a trait whose `async fn` keeps it from being `dyn`: when every `dyn Trait` of the
/// file is a function parameter, `impl Trait` there (static dispatch: each caller's concrete
/// type), else what to do in words.
pub fn impl_trait_param(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let diag = &input.diagnostic.rustc;
    let trait_name = diag
        .message
        .strip_prefix("the trait `")?
        .split_once('`')?
        .0
        .to_string();
    let uses = dyn_uses(&src, &trait_name);
    let method = diag
        .children
        .iter()
        .flat_map(|c| c.spans.iter())
        .find_map(|s| {
            let l = s.label.as_deref()?;
            l.strip_prefix("...because method `")?
                .split_once('`')
                .map(|(m, _)| m.to_string())
        })
        .unwrap_or_else(|| "its async method".to_string());
    if uses.is_empty() || uses.iter().any(|(_, direct)| !direct) {
        let lines = src.quote(&span_range(span));
        return Some(Proposal::InWords {
            text: format!(
                "`{trait_name}` cannot be a `dyn` type because `{method}` is an `async fn` \
                 (each implementation returns its own future type). Take a generic or `impl \
                 {trait_name}` where one implementation is used at a time; for a collection of \
                 mixed implementations, declare `{method}` as returning \
                 `std::pin::Pin<Box<dyn std::future::Future<Output = …> + Send + '_>>` and \
                 `Box::pin` the body in each impl."
            ),
            lines,
        });
    }
    let mut edits = Vec::new();
    for (range, _) in &uses {
        let text = src.slice(range);
        if !text.starts_with("dyn ") {
            return None;
        }
        edits.push(edit(&src, range.start..range.start + 3, "impl"));
    }
    // Private trait in a crate root without modules: every use is in this file.
    let local_trait = src.ast.items.iter().any(|i| {
        matches!(i, syn::Item::Trait(t) if t.ident == trait_name && matches!(t.vis, syn::Visibility::Inherited))
    });
    let no_modules = !src.ast.items.iter().any(|i| matches!(i, syn::Item::Mod(_)));
    Some(Proposal::Edits(Fix {
        title: format!("Take `impl {trait_name}` instead of `dyn {trait_name}`"),
        applicability: if local_trait && no_modules {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
        edits,
    }))
}

/// clippy's `unused_async`: drops `async` from the function and `.await` from each call of
/// it, when every call is awaited directly and all of them are in this file.
pub fn remove_unused_async(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let range = span_range(span);
    let item = src.ast.items.iter().find_map(|i| match i {
        syn::Item::Fn(f) if node_range(f) == range || syntax::contains(&node_range(f), &range) => {
            Some(f)
        }
        _ => None,
    })?;
    let name = item.sig.ident.to_string();
    let asyncness = item.sig.asyncness.as_ref()?.span.byte_range();
    let words = |why: &str| Proposal::InWords {
        text: format!(
            "`{name}` awaits nothing, so `async` only wraps its result in a future: drop \
             `async` from it and `.await` from its calls ({why})."
        ),
        lines: src.quote(&(range.start..syntax::line_end(&src.text, range.start))),
    };
    if !matches!(item.vis, syn::Visibility::Inherited) {
        return Some(words("callers outside this file must change too"));
    }
    let body = node_range(&item.block);
    let mut edits = vec![edit(
        &src,
        asyncness.start..{
            let rest = &src.text[asyncness.end..];
            asyncness.end + (rest.len() - rest.trim_start().len())
        },
        "",
    )];
    // Every use of the name outside its own definition must be a call that is awaited.
    let calls = exprs_where(&src, |e, r| {
        !syntax::contains(&node_range(&item.sig), &r)
            && matches!(e, Expr::Await(a) if matches!(&*a.base, Expr::Call(c) if super::locate::expr_ident(&c.func).as_deref() == Some(name.as_str())))
    });
    let uses = uses_of(&src, &name, &(0..src.text.len()))
        .into_iter()
        .filter(|r| !syntax::contains(&node_range(&item.sig), r) && !syntax::contains(&body, r))
        .count();
    if uses != calls.len() || calls.is_empty() {
        return Some(words("not every call of it is awaited directly"));
    }
    for call in &calls {
        let Expr::Await(a) = &call.expr else { continue };
        let base_end = node_range(&*a.base).end;
        edits.push(edit(&src, base_end..call.range.end, ""));
    }
    let no_modules = !src.ast.items.iter().any(|i| matches!(i, syn::Item::Mod(_)));
    Some(Proposal::Edits(Fix {
        title: format!("Make `{name}` a plain fn and call it without `.await`"),
        applicability: if no_modules {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
        edits,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::locate::test_support::{diagnostic, input_for};
    use crate::fix::MemorySources;

    #[test]
    fn unused_async_with_an_unawaited_use_is_in_words() {
        let text = "async fn greet() -> u8 { 1 }\nasync fn run() {\n    let f = greet;\n    let _ = f().await;\n}\n";
        let start = 0;
        let end = text.find('\n').unwrap();
        let d = diagnostic(
            "warning",
            "clippy::unused_async",
            "unused `async` for function with no await statements",
            "src/main.rs",
            text,
            start..end,
            None,
            &[],
        );
        let sources = MemorySources::default().with("src/main.rs", text);
        assert!(matches!(
            remove_unused_async(&input_for(&d, &sources, None)),
            Some(Proposal::InWords { .. })
        ));
    }

    #[test]
    fn untyped_error_from_an_unknown_call_is_in_words() {
        use crate::fix::recipes::locate::test_support::{add_span, find};
        let text = "async fn get() -> Result<u8, E> { Ok(1) }\nasync fn run() {\n    let a = async {\n        let x = get().await?;\n        let y = other::thing()?;\n        Ok(x + y)\n    };\n}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let mut d = diagnostic(
            "error",
            "E0282",
            "type annotations needed for `Result<u8, _>`",
            "src/main.rs",
            text,
            find(text, "a", Some("let a")),
            None,
            &[],
        );
        add_span(
            &mut d,
            None,
            "src/main.rs",
            text,
            find(text, "Ok(x + y)", None),
            false,
            Some("type must be known at this point"),
            None,
        );
        let Some(Proposal::InWords { lines, .. }) =
            annotate_error_type(&input_for(&d, &sources, None))
        else {
            panic!("expected words")
        };
        assert!(
            lines.iter().any(|l| l.text.contains("other::thing()?")),
            "{lines:?}"
        );
        // With only the known call, the error type comes from `get`'s signature.
        let text = text
            .replace("        let y = other::thing()?;\n", "")
            .replace("x + y", "x");
        let sources = MemorySources::default().with("src/main.rs", &text);
        let mut d = diagnostic(
            "error",
            "E0282",
            "type annotations needed for `Result<u8, _>`",
            "src/main.rs",
            &text,
            find(&text, "a", Some("let a")),
            None,
            &[],
        );
        add_span(
            &mut d,
            None,
            "src/main.rs",
            &text,
            find(&text, "Ok(x)", None),
            false,
            Some("type must be known at this point"),
            None,
        );
        let Some(Proposal::Edits(fix)) = annotate_error_type(&input_for(&d, &sources, None)) else {
            panic!("expected edits")
        };
        assert!(crate::fix::apply(&text, &fix.edits)
            .unwrap()
            .contains("Ok::<_, E>(x)"));
    }

    #[test]
    fn a_bare_ok_tail_gets_the_error_type_in_a_block_or_a_closure() {
        use crate::fix::recipes::locate::test_support::find;
        let base = "struct Bad;\nasync fn get() -> Result<u8, Bad> { Ok(1) }\nfn parse() -> Result<u8, Bad> { Ok(1) }\n";
        for (body, expected) in [
            (
                "async fn run() {\n    let _ = async {\n        get().await?;\n        Ok(())\n    }\n    .await;\n}\n",
                "Ok::<_, Bad>(())",
            ),
            (
                "fn run() {\n    let _ = (|| {\n        parse()?;\n        Ok(())\n    })();\n}\n",
                "Ok::<_, Bad>(())",
            ),
        ] {
            let text = format!("{base}{body}");
            let sources = MemorySources::default().with("src/main.rs", &text);
            let d = diagnostic(
                "error",
                "E0282",
                "type annotations needed",
                "src/main.rs",
                &text,
                find(&text, "Ok", Some("?;")),
                Some("cannot infer type of the type parameter `E` declared on the enum `Result`"),
                &[],
            );
            let Some(Proposal::Edits(fix)) = annotate_error_type(&input_for(&d, &sources, None))
            else {
                panic!("expected edits for {body}")
            };
            assert_eq!(fix.applicability, Applicability::MachineApplicable);
            let fixed = crate::fix::apply(&text, &fix.edits).unwrap();
            assert!(fixed.contains(expected), "{fixed}");
        }
    }

    #[test]
    fn a_question_mark_in_a_unit_async_block_gets_a_result_tail() {
        use crate::fix::recipes::locate::test_support::find;
        let text = "async fn load() -> Result<u8, std::io::Error> { Ok(1) }\nasync fn run() {\n    let t = async {\n        let n = load().await?;\n        println!(\"{n}\");\n    };\n    t.await;\n}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let d = diagnostic(
            "error",
            "E0277",
            "the `?` operator can only be used in an async block that returns `Result` or `Option` (or another type that implements `FromResidual`)",
            "src/main.rs",
            text,
            find(text, "?", Some("load()")),
            Some("cannot use the `?` operator in an async block that returns `()`"),
            &[],
        );
        let Some(Proposal::Edits(fix)) = result_tail_for_block(&input_for(&d, &sources, None))
        else {
            panic!("expected edits")
        };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(
            fixed.contains("println!(\"{n}\");\n        Ok::<(), std::io::Error>(())\n    };"),
            "{fixed}"
        );
        // A `?` on a call whose signature is not in the file: in words.
        let text = text.replace("load().await?", "std::fs::read(\"x\")?");
        let sources = MemorySources::default().with("src/main.rs", &text);
        let d = diagnostic(
            "error",
            "E0277",
            "the `?` operator can only be used in an async block that returns `Result` or `Option`",
            "src/main.rs",
            &text,
            find(&text, "?", Some("read(")),
            None,
            &[],
        );
        assert!(matches!(
            result_tail_for_block(&input_for(&d, &sources, None)),
            Some(Proposal::InWords { .. })
        ));
    }

    #[test]
    fn a_dyn_trait_in_a_collection_is_in_words() {
        use crate::fix::recipes::locate::test_support::find;
        let text = "trait S { async fn load(&self); }\nstruct Shelf { items: Vec<Box<dyn S>> }\nfn f(s: &dyn S) {}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let d = diagnostic(
            "error",
            "E0038",
            "the trait `S` is not dyn compatible",
            "src/main.rs",
            text,
            find(text, "dyn S", None),
            None,
            &[],
        );
        assert!(matches!(
            impl_trait_param(&input_for(&d, &sources, None)),
            Some(Proposal::InWords { .. })
        ));
        let text =
            "trait S { async fn load(&self); }\nfn f(s: &dyn S) {}\nfn g(s: Box<dyn S>) {}\n";
        let sources = MemorySources::default().with("src/main.rs", text);
        let d = diagnostic(
            "error",
            "E0038",
            "the trait `S` is not dyn compatible",
            "src/main.rs",
            text,
            find(text, "dyn S", None),
            None,
            &[],
        );
        let Some(Proposal::Edits(fix)) = impl_trait_param(&input_for(&d, &sources, None)) else {
            panic!("no edit")
        };
        assert_eq!(
            crate::fix::apply(text, &fix.edits).unwrap(),
            "trait S { async fn load(&self); }\nfn f(s: &impl S) {}\nfn g(s: Box<impl S>) {}\n"
        );
    }

    #[test]
    fn error_type_from_the_signature() {
        let s = super::super::locate::tests::source("fn a() -> Result<u8, MyError> { todo!() }\nfn b() -> std::io::Result<u8> { todo!() }\n");
        let a = free_fn(&s, "a").unwrap();
        assert_eq!(declared_error(&s, &a.sig).as_deref(), Some("MyError"));
        let b = free_fn(&s, "b").unwrap();
        assert_eq!(
            declared_error(&s, &b.sig).as_deref(),
            Some("std::io::Error")
        );
    }
}
