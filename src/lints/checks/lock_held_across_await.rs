//! `lock_held_across_await`: a guard from an async lock (`let g = m.lock().await`, `.read()`,
//! `.write()`) that is still alive at a later `.await` on something else in the same block.
//!
//! Read block by block: from the `let` on, the statements after it are searched for an
//! `.await` that does not go through the guard (awaiting through the guard, on a guarded
//! connection, is what the lock is for) and does not take another lock. The search stops
//! where the guard is released: moved, dropped, rebound, or captured by a `move` closure or
//! `async move` block. Guards that end with their block never reach a later await of the
//! outer block, so scoping the lock in `{ … }` is the fix the check accepts.

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, ExprAwait, Item, Stmt};

use super::Check;
use crate::lints::syntax::{
    first_await, label, mentions, mentions_in_block, simple_ident, strip_paren, strip_result,
};
use crate::lints::walker::{CheckContext, Node};

/// Looks at the `let` statements of every block.
pub(super) fn check<'ast>(cx: &mut CheckContext<'ast, '_>, node: Node<'ast>) {
    let Node::Block(block) = node else { return };
    if cx.async_context().is_none() {
        return;
    }
    for (i, stmt) in block.stmts.iter().enumerate() {
        let Stmt::Local(local) = stmt else { continue };
        let Some(init) = &local.init else { continue };
        if init.diverge.is_some() {
            continue;
        }
        let Some(guard) = simple_ident(&local.pat) else {
            continue;
        };
        let guard = guard.to_string();
        if guard == "_" {
            continue;
        }
        let Some((acquire, call)) = lock_await(&init.expr) else {
            continue;
        };
        let just_guard: HashSet<String> = std::iter::once(guard.clone()).collect();
        for later in &block.stmts[i + 1..] {
            let hit = first_await(later, |a| {
                mentions(&a.base, &just_guard).is_none() && !is_lock_call(&a.base)
            });
            if let Some(hit) = hit {
                let lock = cx.source(call.receiver.span());
                let method = call.method.to_string();
                report(cx, &guard, &lock, &method, acquire, hit, stmt);
                break;
            }
            if releases(later, &guard) {
                break;
            }
        }
    }
}

/// `x.lock().await`, `x.read().await`, `x.write().await` (no arguments), possibly
/// unwrapped: the await and the lock's method call.
fn lock_await(expr: &Expr) -> Option<(&ExprAwait, &syn::ExprMethodCall)> {
    match strip_result(expr) {
        Expr::Await(a) => match strip_paren(&a.base) {
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(m.method.to_string().as_str(), "lock" | "read" | "write") =>
            {
                Some((a, m))
            }
            _ => None,
        },
        _ => None,
    }
}

/// `x.lock()`-like call without the await (a guard being acquired by a nested await).
fn is_lock_call(expr: &Expr) -> bool {
    matches!(strip_paren(expr), Expr::MethodCall(m) if m.args.is_empty()
        && matches!(m.method.to_string().as_str(), "lock" | "read" | "write" | "acquire" | "acquire_owned"))
}

/// Whether `stmt` moves or drops the binding `name`, or binds that name again: any use of
/// `name` by value (as an argument, `let x = name;`, `drop(name)`, a `move` closure or an
/// `async move` block that mentions it). Uses through `&`, `*`, a field, an index or as a
/// method receiver keep it. Conservative: a guard we are no longer sure of is let go.
fn releases(stmt: &Stmt, name: &str) -> bool {
    struct Release<'a> {
        name: &'a str,
        hit: bool,
    }
    impl Release<'_> {
        fn is_name(&self, e: &Expr) -> bool {
            matches!(strip_paren(e), Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name))
        }
        fn names(&self) -> HashSet<String> {
            std::iter::once(self.name.to_string()).collect()
        }
    }
    impl<'ast> Visit<'ast> for Release<'_> {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.qself.is_none() && p.path.is_ident(self.name) {
                self.hit = true;
            }
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if !self.is_name(&m.receiver) {
                self.visit_expr(&m.receiver);
            }
            for arg in &m.args {
                self.visit_expr(arg);
            }
        }
        fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
            if !self.is_name(&f.base) {
                self.visit_expr(&f.base);
            }
        }
        fn visit_expr_index(&mut self, i: &'ast syn::ExprIndex) {
            if !self.is_name(&i.expr) {
                self.visit_expr(&i.expr);
            }
            self.visit_expr(&i.index);
        }
        fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
            if !self.is_name(&r.expr) {
                self.visit_expr(&r.expr);
            }
        }
        fn visit_expr_unary(&mut self, u: &'ast syn::ExprUnary) {
            if !(matches!(u.op, syn::UnOp::Deref(_)) && self.is_name(&u.expr)) {
                self.visit_expr(&u.expr);
            }
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            if c.capture.is_some() && mentions(&c.body, &self.names()).is_some() {
                self.hit = true;
            }
        }
        fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
            if a.capture.is_some() && mentions_in_block(&a.block, &self.names()).is_some() {
                self.hit = true;
            }
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if p.ident == self.name {
                self.hit = true;
            }
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut release = Release { name, hit: false };
    release.visit_stmt(stmt);
    release.hit
}

/// The finding: `guard` (a guard of `lock`, taken with `.method()` at `acquire` in the
/// `let` statement `stmt`) is alive at `hit`.
fn report(
    cx: &mut CheckContext<'_, '_>,
    guard: &str,
    lock: &str,
    method: &str,
    acquire: &ExprAwait,
    hit: &ExprAwait,
    stmt: &Stmt,
) {
    let message = format!("lock guard `{guard}` is held across an `.await`");
    let labels = vec![
        label(
            acquire.span(),
            format!("`{lock}` is locked here, and `{guard}` keeps it locked"),
            true,
        ),
        label(
            hit.span(),
            format!("`{guard}` is still alive while this `.await` waits"),
            false,
        ),
    ];
    let notes = vec![
        (
            "note",
            format!(
                "every other task that calls `{lock}.{method}().await` waits until this \
                 `.await` is done"
            ),
        ),
        (
            "help",
            format!(
                "copy what you need out of `{guard}` in a block that ends before the \
                 `.await`, or `drop({guard})` first"
            ),
        ),
    ];
    let finding = cx.report(Check::LockHeldAcrossAwait, message, labels, notes);
    // The walk stands at the block; the `let` inside it encloses the finding too, so an
    // `allow` comment above that statement counts.
    finding.enclosing.push(stmt.span().start().line);
}

#[cfg(test)]
mod tests {
    use crate::lints::found;

    const L: &str = "lock_held_across_await";

    #[test]
    fn lock_guards_across_awaits() {
        let src = r#"
async fn a(state: Arc<tokio::sync::Mutex<u32>>) {
    let mut guard = state.lock().await;
    *guard += 1;
    fetch().await;
}
async fn b(db: &RwLock<Db>) {
    let w = db.write().await;
    if w.ready {
        tokio::time::sleep(d).await;
    }
}
"#;
        assert_eq!(found(src), vec![(L, 3), (L, 8)]);
    }

    #[test]
    fn scoped_dropped_or_resource_guards_are_fine() {
        let src = r#"
async fn scoped(state: Arc<Mutex<u32>>) {
    {
        let mut g = state.lock().await;
        *g += 1;
    }
    fetch().await;
}
async fn dropped(state: Arc<Mutex<u32>>) {
    let g = state.lock().await;
    let v = *g;
    drop(g);
    fetch().await;
}
async fn resource(conn: Arc<Mutex<Conn>>) {
    let mut c = conn.lock().await;
    c.execute("q").await;
}
async fn temporary(state: Arc<Mutex<u32>>) {
    let n = state.lock().await.clone();
    fetch().await;
}
async fn moved_and_nested(state: Arc<Mutex<u32>>, conn: Arc<Mutex<Conn>>) {
    let other = state.lock().await;
    let second = conn.lock().await;
    tokio::spawn(async move { use_it(other, second).await });
    fetch().await;
}
fn sync(m: &std::sync::Mutex<u8>) { let g = m.lock().unwrap(); }
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn the_let_statement_is_an_allow_anchor_and_the_lock_is_named() {
        let src = "async fn a(s: S) {\n    let g = self.state.lock().await;\n    \
                   fetch().await;\n}\n";
        let report = crate::lints::analyze_source(src, false).unwrap();
        let f = &report.findings[0];
        assert_eq!(f.enclosing, vec![1, 2]);
        assert_eq!(
            f.notes[0].1,
            "every other task that calls `self.state.lock().await` waits until this `.await` \
             is done"
        );
        assert_eq!(f.labels[1].lo.line, 3);
    }
}
