//! `futures_awaited_one_by_one`: futures created first and then awaited one after the other,
//! `let profile = load_profile(id); let orders = load_orders(id); let p = profile.await;
//! let o = orders.await;`. It reads like two `asyncio.create_task` calls, but a Rust future
//! does nothing until it is polled: `orders` starts only once `profile` is done.
//!
//! Read block by block, in async code. A future is a `let name = ..` whose value the source
//! shows to be a *lazy* future ([`CheckContext::future_made_by`], with method calls of this
//! file's `async fn`s on any receiver, since the later `name.await` confirms it): an `async`
//! block, an `async fn` call, a runtime `async fn`. Not timers (`sleep(d)` starts its clock
//! when created, so awaiting two in a row already overlaps them) and never a `JoinHandle` or
//! anything spawned (already running). The finding is two or more statements in a row, each
//! awaiting one of those futures by name and nothing else (`let p = profile.await?;`,
//! `orders.await;`), where:
//! - no future was mentioned between its creation and its `.await` (not passed, borrowed,
//!   moved or rebound: a later future that takes the first, or borrows from it, is not
//!   independent), and none is made from another;
//! - no statement of the run mentions a name bound by an earlier one (the second does not
//!   need the first result);
//! - nothing else runs between the awaits (so joining them moves no other code).

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::{ExprAwait, Stmt};

use super::Check;
use crate::lints::syntax::{awaits_name, bound_names, label, simple_ident, stmt_uses};
use crate::lints::walker::{CheckContext, Node};

/// A future bound to a name and not yet awaited or used.
struct Pending {
    name: String,
    /// Line of its `let` (an `allow` comment above it counts).
    line: usize,
}

/// Looks at the statements of every block in async code.
pub(super) fn check<'ast>(cx: &mut CheckContext<'ast, '_>, node: Node<'ast>) {
    let Node::Block(block) = node else { return };
    if cx.async_context().is_none() {
        return;
    }
    let stmts = &block.stmts;
    let mut pending: Vec<Pending> = Vec::new();
    let mut k = 0;
    while k < stmts.len() {
        let stmt = &stmts[k];
        if let Some((first, _)) = awaits_name(stmt).filter(|(n, _)| is_pending(&pending, n)) {
            let mut run = vec![(k, first)];
            let mut results = bound_by(stmt);
            let mut j = k + 1;
            while let Some((name, _)) = stmts.get(j).and_then(awaits_name) {
                let fresh = is_pending(&pending, &name) && run.iter().all(|(_, n)| *n != name);
                let needs_earlier = results.iter().any(|r| stmt_uses(&stmts[j], r));
                if !fresh || needs_earlier {
                    break;
                }
                results.extend(bound_by(&stmts[j]));
                run.push((j, name));
                j += 1;
            }
            if run.len() >= 2 {
                report(cx, stmts, &run, &pending);
            }
            pending.retain(|p| run.iter().all(|(_, n)| *n != p.name));
            k = j;
            continue;
        }
        if let Some(name) = new_future(cx, stmt, &pending) {
            pending.retain(|p| p.name != name);
            pending.push(Pending {
                name,
                line: stmt.span().start().line,
            });
            k += 1;
            continue;
        }
        // Anything else that mentions or rebinds a pending future takes it out: it is used
        // some other way (passed, borrowed, moved), or gone.
        let rebound = bound_by(stmt);
        pending.retain(|p| !stmt_uses(stmt, &p.name) && !rebound.contains(&p.name));
        k += 1;
    }
}

fn is_pending(pending: &[Pending], name: &str) -> bool {
    pending.iter().any(|p| p.name == name)
}

/// Names a `let` statement binds.
fn bound_by(stmt: &Stmt) -> HashSet<String> {
    match stmt {
        Stmt::Local(l) => bound_names(&l.pat),
        _ => HashSet::new(),
    }
}

/// `let name = <lazy future>;` whose value mentions no pending future: the name.
fn new_future(cx: &CheckContext<'_, '_>, stmt: &Stmt, pending: &[Pending]) -> Option<String> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let name = simple_ident(&local.pat)?.to_string();
    if pending.iter().any(|p| stmt_uses(stmt, &p.name)) {
        return None;
    }
    cx.future_made_by(&init.expr, true)
        .filter(|s| s.is_lazy())
        .map(|_| name)
}

/// "`a` and `b`", "`a`, `b` and `c`".
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// The finding: the statements `run` (index, name) await their futures one by one.
fn report(
    cx: &mut CheckContext<'_, '_>,
    stmts: &[Stmt],
    run: &[(usize, String)],
    pending: &[Pending],
) {
    let names: Vec<&str> = run.iter().map(|(_, n)| n.as_str()).collect();
    let awaits: Vec<&ExprAwait> = run
        .iter()
        .filter_map(|(i, _)| awaits_name(&stmts[*i]).map(|(_, a)| a))
        .collect();
    let message = format!("futures {} are awaited one after the other", list(&names));
    let mut labels = vec![label(
        awaits[0].span(),
        format!(
            "`{}` runs on its own here; {} {} not started yet",
            names[0],
            list(&names[1..]),
            if names.len() > 2 { "have" } else { "has" }
        ),
        true,
    )];
    for (w, pair) in awaits[1..].iter().zip(names.windows(2)) {
        labels.push(label(
            w.span(),
            format!("`{}` starts only now, after `{}` is done", pair[1], pair[0]),
            false,
        ));
    }
    let notes = vec![
        (
            "note",
            "a future does nothing until it is awaited: creating them first does not start them"
                .to_string(),
        ),
        (
            "help",
            format!(
                "await them together, `join!({})`, which gives every result once all are done; \
                 or spawn each one",
                names.join(", ")
            ),
        ),
    ];
    let finding = cx.report(Check::FuturesAwaitedOneByOne, message, labels, notes);
    for (i, name) in run {
        finding.enclosing.push(stmts[*i].span().start().line);
        if let Some(p) = pending.iter().find(|p| p.name == *name) {
            finding.enclosing.push(p.line);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::found;

    const F: &str = "futures_awaited_one_by_one";

    #[test]
    fn created_together_awaited_one_by_one() {
        let src = r#"
async fn load_profile(id: u32) -> Result<u32, E> { Ok(id) }
async fn load_orders(id: u32) -> Result<u32, E> { Ok(id) }
async fn page(id: u32) -> Result<(u32, u32), E> {
    let profile = load_profile(id);
    let orders = load_orders(id);
    let p = profile.await?;
    let o = orders.await?;
    Ok((p, o))
}
async fn three(c: &Client) {
    let a = c.fetch(1);
    let b = async { 2 };
    log("starting");
    let files = tokio::fs::read("x");
    b.await;
    let x = a.await.unwrap();
    files.await
}
impl Client {
    async fn fetch(&self, n: u32) -> u32 { n }
}
"#;
        assert_eq!(found(src), vec![(F, 7), (F, 16)]);
        let report = crate::lints::analyze_source(src, false).unwrap();
        assert_eq!(
            report.findings[1].message,
            "futures `b`, `a` and `files` are awaited one after the other"
        );
        assert_eq!(report.findings[0].labels.len(), 2);
        assert_eq!(
            report.findings[0].labels[1].text,
            "`orders` starts only now, after `profile` is done"
        );
    }

    #[test]
    fn dependent_borrowing_spawned_or_timed_futures_are_fine() {
        let src = r#"
async fn fetch_user(id: u32) -> User { todo!() }
async fn fetch_orders(u: &User) -> u32 { 1 }
async fn wrap<F>(f: F) -> u32 { 1 }
async fn needs_result(id: u32) {
    let user = fetch_user(id);
    let user = user.await;
    let orders = fetch_orders(&user);
    let orders = orders.await;
}
async fn borrows(id: u32) {
    let first = fetch_user(id);
    let second = wrap(&first);
    first.await;
    second.await;
}
async fn uses_first_result(id: u32) {
    let a = fetch_user(id);
    let b = fetch_user(id + 1);
    let x = a.await;
    let y = b.await.merge(x);
}
async fn something_between(id: u32) {
    let a = fetch_user(id);
    let b = fetch_user(id + 1);
    let x = a.await;
    println!("{x:?}");
    let y = b.await;
}
async fn used_in_between(id: u32) {
    let a = fetch_user(id);
    let b = fetch_user(id + 1);
    inspect(&b);
    a.await;
    b.await;
}
async fn spawned_and_timers() {
    let h1 = tokio::spawn(fetch_user(1));
    let h2 = tokio::spawn(fetch_user(2));
    h1.await;
    h2.await;
    let s1 = tokio::time::sleep(D);
    let s2 = tokio::time::sleep(D);
    s1.await;
    s2.await;
    let r1 = rx1.recv();
    let r2 = rx2.recv();
    r1.await;
    r2.await;
}
async fn more_after_await(id: u32) {
    let a = fetch_user(id);
    let b = fetch_user(id + 1);
    let x = a.await.next().await;
    let y = b.await;
}
fn not_async() {
    let a = fetch_user(1);
    let b = fetch_user(2);
    block_on(a);
    block_on(b);
}
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn allow_comments_above_a_creation_or_the_first_await() {
        let src = r#"
async fn f() -> u32 { 1 }
async fn g() {
    // explain-async: allow(futures_awaited_one_by_one)
    let a = f();
    let b = f();
    a.await;
    b.await;
    let c = f();
    let d = f();
    // explain-async: allow(futures_awaited_one_by_one)
    c.await;
    d.await;
}
"#;
        assert_eq!(found(src), vec![]);
    }
}
