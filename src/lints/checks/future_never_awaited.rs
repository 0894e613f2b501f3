//! `future_never_awaited`: a future bound to a name (`let _audit = audit_log(event);`,
//! `let task = async { .. };`) that nothing ever awaits, spawns, joins or polls. A future
//! does nothing until it is polled, so its body never runs. rustc's `unused_must_use` sees
//! only a future dropped on the spot, and clippy's `let_underscore_future` only `let _ = ..`;
//! an underscore-prefixed name (the fix rustc suggests for an unused variable) silences both.
//!
//! Only futures the source shows ([`CheckContext::future_made_by`]): an `async` block, a call
//! of an `async fn` of this file (by name, `Self::name(..)`, `self.name(..)`), a runtime
//! function of [`crate::lints::apis::FUTURE_FNS`] (with `Box::pin`/`.boxed()` looked
//! through), or a binding whose type says so (`BoxFuture`, `Pin<Box<dyn Future ..>>`). A
//! binding with any other written type is left to rustc (`let n: u32 = fetch();` is E0308).
//!
//! The binding's fate is read in the statements after the `let`, to the end of its block:
//! any mention of the name (an argument, a method receiver, a capture, a `return`, a macro
//! input such as `join!(a, b)` or `tokio::pin!(fut)`, an `.await` on any path) is a use, and
//! the check stays silent. It fires when the name is never mentioned again, when it is only
//! `drop`ped, or when a `let` binds the same name again before any use. `let _ = fut;`
//! is left to clippy's `let_underscore_future` (it has no name to report).

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Pat, Stmt, Type};

use super::Check;
use crate::lints::syntax::{bound_names, expr_uses, label, stmt_uses, strip_paren};
use crate::lints::walker::{CheckContext, FutureSource, Node};

/// Looks at the `let` statements of every block.
pub(super) fn check<'ast>(cx: &mut CheckContext<'ast, '_>, node: Node<'ast>) {
    let Node::Block(block) = node else { return };
    for (i, stmt) in block.stmts.iter().enumerate() {
        let Stmt::Local(local) = stmt else { continue };
        let Some(init) = &local.init else { continue };
        if init.diverge.is_some() {
            continue;
        }
        let Some((name, ty)) = binding(&local.pat) else {
            continue;
        };
        // A written type decides: `let n: u32 = fetch();` is rustc's E0308 (the future used
        // as its value), not a future left in a variable.
        let made = match ty {
            Some(ty) if !type_is_future(ty) => continue,
            Some(_) => cx.future_made_by(&init.expr, false),
            None => match cx.future_made_by(&init.expr, false) {
                Some(made) => Some(made),
                None => continue,
            },
        };
        let Some(fate) = fate(&block.stmts[i + 1..], &name) else {
            continue;
        };
        report(cx, &name, &local.pat, &init.expr, made, fate, stmt);
    }
}

/// The name of a `name`, `mut name` or `name: T` pattern, with its type when written.
fn binding(pat: &Pat) -> Option<(String, Option<&Type>)> {
    match pat {
        Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => {
            Some((p.ident.to_string(), None))
        }
        Pat::Type(t) => match &*t.pat {
            Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => {
                Some((p.ident.to_string(), Some(&*t.ty)))
            }
            _ => None,
        },
        _ => None,
    }
}

/// `BoxFuture<..>`, `LocalBoxFuture<..>`, `Pin<Box<dyn Future<..> ..>>`.
fn type_is_future(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    match last.ident.to_string().as_str() {
        "BoxFuture" | "LocalBoxFuture" => true,
        "Pin" | "Box" => {
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return false;
            };
            args.args.iter().any(|a| match a {
                syn::GenericArgument::Type(Type::TraitObject(t)) => t.bounds.iter().any(|b| {
                    matches!(b, syn::TypeParamBound::Trait(t)
                        if t.path.segments.last().is_some_and(|s| s.ident == "Future"))
                }),
                syn::GenericArgument::Type(inner) => type_is_future(inner),
                _ => false,
            })
        }
        _ => false,
    }
}

/// What happens to a future bound to `name`, when it is never used.
#[derive(Clone, Copy)]
enum Fate {
    /// Never mentioned again.
    Unused,
    /// `drop(name)`: the span of the call.
    Dropped(Span),
    /// `let name = ..` again, before any use: the span of the new pattern.
    Shadowed(Span),
}

/// The fate of `name` in the statements after its `let`, or `None` when it is used.
fn fate(rest: &[Stmt], name: &str) -> Option<Fate> {
    for stmt in rest {
        if let Some(span) = drop_of(stmt, name) {
            return Some(Fate::Dropped(span));
        }
        if let Stmt::Local(local) = stmt {
            // `let _ = name;` binds nothing and moves nothing: the future stays unpolled.
            let ignored = matches!(&local.pat, Pat::Wild(_))
                && local.init.as_ref().is_some_and(|i| {
                    i.diverge.is_none()
                        && matches!(strip_paren(&i.expr), Expr::Path(p) if p.path.is_ident(name))
                });
            if ignored {
                continue;
            }
            let init_uses = local.init.as_ref().is_some_and(|i| {
                expr_uses(&i.expr, name)
                    || i.diverge.as_ref().is_some_and(|d| expr_uses(&d.1, name))
            });
            if init_uses {
                return None;
            }
            if bound_names(&local.pat).contains(name) {
                return Some(Fate::Shadowed(local.pat.span()));
            }
            continue;
        }
        if stmt_uses(stmt, name) {
            return None;
        }
    }
    Some(Fate::Unused)
}

/// `drop(name)` or `std::mem::drop(name)` as a statement: the call's span.
fn drop_of(stmt: &Stmt, name: &str) -> Option<Span> {
    let Stmt::Expr(Expr::Call(c), _) = stmt else {
        return None;
    };
    let Expr::Path(f) = strip_paren(&c.func) else {
        return None;
    };
    let is_drop = f.path.segments.last().is_some_and(|s| s.ident == "drop")
        && matches!(f.path.segments.len(), 1 | 3);
    let arg_is_name = c.args.len() == 1
        && matches!(strip_paren(&c.args[0]), Expr::Path(p) if p.path.is_ident(name));
    (is_drop && arg_is_name).then(|| c.span())
}

/// How the message names the future: its source when short, else the callee with `(..)`.
fn short_call(cx: &CheckContext<'_, '_>, expr: &Expr) -> String {
    let text = cx.source(expr.span());
    if text.chars().count() <= 40 {
        return text;
    }
    match strip_paren(expr) {
        Expr::Async(_) => "async { .. }".into(),
        Expr::Call(c) => format!("{}(..)", cx.source(c.func.span())),
        Expr::MethodCall(m) => format!("{}.{}(..)", short_receiver(cx, &m.receiver), m.method),
        _ => text.chars().take(37).chain("...".chars()).collect(),
    }
}

fn short_receiver(cx: &CheckContext<'_, '_>, expr: &Expr) -> String {
    let text = cx.source(expr.span());
    if text.chars().count() <= 24 {
        text
    } else {
        "..".into()
    }
}

/// The finding: the future made by `init` and bound to `name` is never polled.
fn report(
    cx: &mut CheckContext<'_, '_>,
    name: &str,
    pat: &Pat,
    init: &Expr,
    made: Option<FutureSource>,
    fate: Fate,
    stmt: &Stmt,
) {
    let call = short_call(cx, init);
    let message = format!("future `{name}` is never awaited, so `{call}` never runs");
    let what = match made {
        Some(FutureSource::AsyncBlock) => "this async block",
        _ => "this call",
    };
    let mut labels = vec![label(
        init.span(),
        format!("{what} only creates a future; its body runs when something polls it"),
        true,
    )];
    labels.push(match fate {
        Fate::Dropped(span) => label(span, "dropped here without ever being polled".into(), false),
        Fate::Shadowed(span) => label(
            span,
            format!("`{name}` is bound again here; the future it held is dropped unpolled"),
            false,
        ),
        Fate::Unused if name.starts_with('_') => label(
            pat.span(),
            "the leading `_` silences rustc's unused-variable warning, not the mistake".into(),
            false,
        ),
        Fate::Unused => label(
            pat.span(),
            format!("`{name}` is never used after this"),
            false,
        ),
    });
    let help = match (cx.async_context().is_some(), fate) {
        (true, Fate::Dropped(_)) => format!(
            "await it where it is dropped (`{name}.await;` in place of `drop({name});`), or \
             spawn it if it should run in the background"
        ),
        (true, _) => format!(
            "`.await` it where its result is needed (`{call}.await`), or spawn it if it \
             should run in the background"
        ),
        (false, _) => "this code is not async: spawn the future on the runtime, or call it \
                       from async code and `.await` it"
            .to_string(),
    };
    let finding = cx.report(
        Check::FutureNeverAwaited,
        message,
        labels,
        vec![("help", help)],
    );
    // The walk stands at the block; the `let` encloses the finding too (allow comments).
    finding.enclosing.push(stmt.span().start().line);
}

#[cfg(test)]
mod tests {
    use crate::lints::found;

    const F: &str = "future_never_awaited";

    #[test]
    fn bound_and_never_polled() {
        let src = r#"
async fn audit_log(e: u32) {}
async fn handle(e: u32) {
    let _audit = audit_log(e);
    let task = async { audit_log(1).await };
    drop(task);
    let f = tokio::time::sleep(std::time::Duration::from_secs(1));
    let f = 3;
    let g = Box::pin(audit_log(2));
    let _ = g;
}
fn sync_main() {
    let _fut = audit_log(3);
}
"#;
        assert_eq!(found(src), vec![(F, 4), (F, 5), (F, 7), (F, 9), (F, 13)]);
    }

    #[test]
    fn any_use_is_a_use() {
        let src = r#"
use futures::stream::FuturesUnordered;
async fn fetch(n: u32) -> u32 { n }
async fn all(set: &mut tokio::task::JoinSet<u32>) -> u32 {
    let a = fetch(1);
    let b = fetch(2);
    let (x, y) = tokio::join!(a, b);
    let c = fetch(3);
    tokio::spawn(c);
    let d = fetch(4);
    set.spawn(d);
    let e = fetch(5);
    let pending = FuturesUnordered::new();
    pending.push(e);
    let f = fetch(6);
    tokio::pin!(f);
    let g = fetch(7);
    if x > 1 { g.await; }
    let h = fetch(8);
    let h = h;
    let i = fetch(9);
    let _keep = vec![i];
    let j = fetch(10);
    j
}
fn make() -> impl std::future::Future<Output = u32> {
    let f = fetch(11);
    f
}
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn only_futures_the_source_shows() {
        let src = r#"
fn fetch() -> u32 { 1 }
struct S;
impl S {
    async fn load(&self) -> u32 { 1 }
    fn store(&self) {}
    async fn run(&self, other: Other) {
        let _x = fetch();
        let _y = other.load();
        let _z = self.load();
        let _w = Self::load(self);
        let _s = self.store();
        let (_a, _b) = (self.load(), 1);
        let _n: u32 = self.load();
    }
}
mod m {
    pub fn load() {}
    pub async fn load() {}
}
async fn other() {
    let _l = load();
    let fut: futures::future::BoxFuture<'static, ()> = make();
    let _p: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> = make();
}
"#;
        assert_eq!(found(src), vec![(F, 10), (F, 11), (F, 23), (F, 24)]);
    }

    #[test]
    fn message_labels_and_help_name_the_future() {
        let src = "async fn audit_log(e: u32) {}\nasync fn handle() {\n    \
                   let _audit = audit_log(7);\n}\nfn main() {\n    let t = async {};\n    \
                   drop(t);\n}\n";
        let report = crate::lints::analyze_source(src, false).unwrap();
        let [a, b] = report.findings.as_slice() else {
            panic!("{:?}", report.findings);
        };
        assert_eq!(
            a.message,
            "future `_audit` is never awaited, so `audit_log(7)` never runs"
        );
        assert_eq!((a.primary().lo.column, a.primary().hi.column), (17, 29));
        assert!(a.labels[1].text.contains("leading `_`"));
        assert!(a.notes[0].1.contains("`audit_log(7).await`"));
        assert_eq!(a.enclosing, vec![2, 3]);
        assert_eq!(
            b.message,
            "future `t` is never awaited, so `async {}` never runs"
        );
        assert_eq!(b.labels[1].text, "dropped here without ever being polled");
        assert_eq!(b.labels[1].lo.line, 7);
        assert!(b.notes[0].1.starts_with("this code is not async"));
    }

    #[test]
    fn allow_comments_silence_it() {
        let src = "async fn f() {}\nasync fn g() {\n    // explain-async: allow(future_never_awaited)\n    \
                   let _a = f();\n    let _b = f(); // explain-async: allow(future_never_awaited)\n}\n";
        assert_eq!(found(src), vec![]);
    }
}
