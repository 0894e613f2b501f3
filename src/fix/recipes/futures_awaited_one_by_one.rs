//! `join_awaited_futures`, for the rule `futures_awaited_one_by_one`: the statements that
//! await the futures one by one become one join of all of them, followed by what each
//! statement did with its result.
//!
//! ```text
//! let p = profile.await?;          let (profile, orders) = tokio::join!(profile, orders);
//! let o = orders.await?;      →    let p = profile?;
//!                                  let o = orders?;
//! ```
//! Each result takes its future's name, so the rest of each statement reads the same with the
//! `.await` taken off; a plain `let x = name.await;` puts `x` straight into the tuple, and a
//! bare `name.await;` becomes `_`. The join is the runtime's (`tokio::join!` when tokio has
//! its `macros` feature, `trpl::join!`, `futures::join!` when futures is a dependency), or
//! smol's `smol::future::zip(a, b).await` for two futures; with none of those the fix is said
//! in words. `MaybeIncorrect`: running them together is the point, but it also means both run
//! when the first fails, and anything they print interleaves.

use syn::visit::{self, Visit};
use syn::{Expr, Pat, Stmt};

use crate::context::Runtime;
use crate::fix::syntax::{indent_at, line_start, line_text, node_range, parse, span_is_current};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal, QuotedLine};
use crate::lints::syntax::{awaits_name, strip_paren};

/// The recipe (see the module comment).
pub fn join_awaited_futures(input: &Input<'_>) -> Option<Proposal> {
    let span = input.diagnostic.user_span()?;
    let text = input.sources.read(&span.file_name)?;
    if !span_is_current(&text, span) {
        return None;
    }
    let names = backticked(input.captures.get("futures")?);
    if names.len() < 2 {
        return None;
    }
    let file = parse(&text)?;
    let target = span.byte_start as usize..span.byte_end as usize;
    let stmts = run_at(&file, &target, &names)?;
    let indent = indent_at(&text, node_range(stmts[0]).start);
    let list = names.join(", ");
    let api = input.runtime();
    let join = match api.join_macro() {
        Some(m) => format!("{m}({list})"),
        None if api.runtime == Runtime::Smol && names.len() == 2 => {
            format!("smol::future::zip({list}).await")
        }
        None => {
            let words = format!(
                "Start {} together instead of one after the other: spawn each one and await \
                 the handles, or add the `futures` crate and await `futures::join!({list})`.",
                quoted_list(&names)
            );
            let lines = (span.line_start..span.line_start + names.len())
                .filter_map(|n| {
                    line_text(&text, n).map(|t| QuotedLine {
                        file: span.file_name.clone(),
                        number: n,
                        text: t.to_string(),
                    })
                })
                .collect();
            return Some(Proposal::InWords { text: words, lines });
        }
    };
    // One edit per statement, so comments between and after them stay where they are.
    let mut elements = Vec::new();
    let mut edits = Vec::new();
    let mut head = None;
    for (k, (stmt, name)) in stmts.iter().zip(&names).enumerate() {
        let (_, await_expr) = awaits_name(stmt)?;
        let whole = node_range(*stmt);
        let rewritten = match plain(stmt) {
            Some(Plain::Binding(pat)) => {
                elements.push(text.get(node_range(pat))?.to_string());
                None
            }
            Some(Plain::Discarded) => {
                elements.push("_".into());
                None
            }
            None => {
                // The statement with `name.await` turned into `name`.
                let cut = node_range(&*await_expr.base).end..node_range(await_expr).end;
                elements.push(name.clone());
                Some(format!(
                    "{}{}",
                    text.get(whole.start..cut.start)?,
                    text.get(cut.end..whole.end)?
                ))
            }
        };
        if k == 0 {
            head = Some((whole, rewritten));
            continue;
        }
        let (start, end, replacement) = match rewritten {
            Some(r) => (whole.start, whole.end, r),
            None => {
                // A statement alone on its line goes with its line.
                let line_start = line_start(&text, whole.start);
                let rest = &text[whole.end..];
                let newline = rest.find('\n').map_or(rest.len(), |i| i + 1);
                if text[line_start..whole.start].trim().is_empty()
                    && rest[..newline].trim().is_empty()
                {
                    (line_start, whole.end + newline, String::new())
                } else {
                    (whole.start, whole.end, String::new())
                }
            }
        };
        edits.push(Edit {
            file: span.file_name.clone(),
            start,
            end,
            replacement,
        });
    }
    let (first, rewritten) = head?;
    let mut replacement = format!("let ({}) = {join};", elements.join(", "));
    if let Some(r) = rewritten {
        replacement.push('\n');
        replacement.push_str(indent);
        replacement.push_str(&r);
    }
    edits.insert(
        0,
        Edit {
            file: span.file_name.clone(),
            start: first.start,
            end: first.end,
            replacement,
        },
    );
    Some(Proposal::Edits(Fix {
        title: format!(
            "await {} together with `{}`",
            quoted_list(&names),
            join.split('(').next().unwrap_or(&join)
        ),
        applicability: Applicability::MaybeIncorrect,
        edits,
    }))
}

/// The names in backticks of a list like "`a`, `b` and `c`".
fn backticked(list: &str) -> Vec<String> {
    list.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, n)| n.to_string())
        .collect()
}

/// "`a` and `b`", "`a`, `b` and `c`".
fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// A statement whose whole job is the `.await`.
enum Plain<'a> {
    /// `let x = name.await;` (a plain or `mut` name, no type): `x` goes into the tuple.
    Binding(&'a Pat),
    /// `name.await;`: its result was discarded.
    Discarded,
}

fn plain(stmt: &Stmt) -> Option<Plain<'_>> {
    match stmt {
        Stmt::Local(l) => {
            let init = l.init.as_ref()?;
            let simple =
                matches!(&l.pat, Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none());
            (simple && matches!(strip_paren(&init.expr), Expr::Await(_)))
                .then_some(Plain::Binding(&l.pat))
        }
        Stmt::Expr(Expr::Await(_), Some(_)) => Some(Plain::Discarded),
        _ => None,
    }
}

/// The statements, in a row in one block, that await `names` in order, the first one's
/// `.await` spanning `target`.
fn run_at<'f>(
    file: &'f syn::File,
    target: &std::ops::Range<usize>,
    names: &[String],
) -> Option<Vec<&'f Stmt>> {
    struct Find<'f, 't> {
        target: &'t std::ops::Range<usize>,
        names: &'t [String],
        found: Option<Vec<&'f Stmt>>,
    }
    impl<'f> Visit<'f> for Find<'f, '_> {
        fn visit_block(&mut self, block: &'f syn::Block) {
            for (i, stmt) in block.stmts.iter().enumerate() {
                let Some((name, a)) = awaits_name(stmt) else {
                    continue;
                };
                if name != self.names[0] || node_range(a) != *self.target {
                    continue;
                }
                let run: Vec<&Stmt> = block.stmts[i..].iter().take(self.names.len()).collect();
                let all = run.len() == self.names.len()
                    && run
                        .iter()
                        .zip(self.names)
                        .all(|(s, n)| awaits_name(s).is_some_and(|(m, _)| m == *n));
                if all {
                    self.found = Some(run);
                }
            }
            visit::visit_block(self, block);
        }
    }
    let mut find = Find {
        target,
        names,
        found: None,
    };
    find.visit_file(file);
    find.found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::check_findings::{case, package};

    const CHECK: &str = "futures_awaited_one_by_one";
    const SRC: &str = r#"async fn load_profile(id: u32) -> Result<u32, ()> { Ok(id) }
async fn load_orders(id: u32) -> Result<u32, ()> { Ok(id) }
async fn page(id: u32) -> Result<u32, ()> {
    let profile = load_profile(id);
    let orders = load_orders(id);
    let extra = async { 3 };
    let p = profile.await?; // a comment stays
    let o = orders.await;
    extra.await;
    Ok(p + o? )
}
"#;

    fn fixed(runtimes: Vec<Runtime>) -> (Fix, String) {
        let c = case(SRC, CHECK, 0);
        let package = package(runtimes);
        let Some(Proposal::Edits(fix)) = join_awaited_futures(&c.input(Some(&package))) else {
            panic!("no edit");
        };
        let out = crate::fix::apply(SRC, &fix.edits).unwrap();
        assert!(syn::parse_file(&out).is_ok(), "{out}");
        (fix, out)
    }

    #[test]
    fn one_join_then_each_statement_without_its_await() {
        let (fix, out) = fixed(vec![Runtime::Tokio]);
        assert_eq!(
            fix.title,
            "await `profile`, `orders` and `extra` together with `tokio::join!`"
        );
        let want = "    let (profile, o, _) = tokio::join!(profile, orders, extra);\n    \
                    let p = profile?; // a comment stays\n    Ok(p + o? )\n";
        assert!(out.contains(want), "{out}");
    }

    #[test]
    fn each_runtime_its_own_join() {
        let (_, out) = fixed(vec![Runtime::Trpl]);
        assert!(
            out.contains("= trpl::join!(profile, orders, extra);"),
            "{out}"
        );
        let (_, out) = fixed(vec![Runtime::Smol, Runtime::Futures]);
        assert!(
            out.contains("= futures::join!(profile, orders, extra);"),
            "{out}"
        );
        // smol alone: `zip` takes two futures; three are said in words.
        let c = case(SRC, CHECK, 0);
        let smol = package(vec![Runtime::Smol]);
        let Some(Proposal::InWords { text, lines }) = join_awaited_futures(&c.input(Some(&smol)))
        else {
            panic!("no words");
        };
        assert!(text.contains("add the `futures` crate"), "{text}");
        assert!(!text.contains("tokio"), "{text}");
        assert_eq!(lines.len(), 3);
        let two = "async fn a() -> u32 { 1 }\nasync fn f() {\n    let x = a();\n    \
                   let y = a();\n    let x = x.await;\n    let y = y.await;\n}\n";
        let c = case(two, CHECK, 0);
        let Some(Proposal::Edits(fix)) = join_awaited_futures(&c.input(Some(&smol))) else {
            panic!("no edit");
        };
        let out = crate::fix::apply(two, &fix.edits).unwrap();
        assert!(
            out.contains("    let (x, y) = smol::future::zip(x, y).await;\n}"),
            "{out}"
        );
    }
}
