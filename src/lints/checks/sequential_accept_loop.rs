//! `sequential_accept_loop`: a loop in async code that awaits `.accept()` and then awaits
//! the handling of that connection inline, so no other client is accepted meanwhile.
//!
//! The accepted names are followed through the loop body: bound by `let`, `match`,
//! `if let` or `while let` from `x.accept().await`, and joined by names bound from
//! expressions that mention them (`let io = TokioIo::new(stream);`). The first `.await` in
//! the loop's own context that mentions one of them is the handling, unless it only hands
//! the connection over: `tx.send(socket).await`, or a function of this file that spawns a
//! task with it ([`CheckContext::spawners`]). Awaits inside spawned async blocks and
//! closures do not run in the loop and are not read.

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::{Block, Expr, ExprAwait, Stmt};

use super::Check;
use crate::lints::syntax::{
    bound_names, first_await, first_await_in_expr, label, mentions, strip_paren, strip_result,
};
use crate::lints::walker::{CheckContext, Node};

/// Looks at `loop`, `while` (and `while let`) and `for` loops.
pub(super) fn check<'ast>(cx: &mut CheckContext<'ast, '_>, node: Node<'ast>) {
    match node {
        Node::Expr(Expr::Loop(l)) => accept_loop(cx, None, &l.body),
        Node::Expr(Expr::While(w)) => accept_loop(cx, Some(&w.cond), &w.body),
        Node::Expr(Expr::ForLoop(f)) => accept_loop(cx, None, &f.body),
        _ => {}
    }
}

/// `body` (and a `while let` condition) of a loop.
fn accept_loop<'ast>(cx: &mut CheckContext<'ast, '_>, cond: Option<&'ast Expr>, body: &'ast Block) {
    if cx.async_context().is_none() {
        return;
    }
    if let Some(Expr::Let(l)) = cond.map(strip_paren) {
        if let Some(accept) = accept_await(&l.expr) {
            let mut bound = bound_names(&l.pat);
            if let Some(hit) = inline_handling(&body.stmts, &mut bound, cx.spawners()) {
                return report(cx, accept, hit, &bound);
            }
        }
    }
    for (i, stmt) in body.stmts.iter().enumerate() {
        let rest = &body.stmts[i + 1..];
        match stmt {
            Stmt::Local(local) => {
                let Some(init) = &local.init else { continue };
                let init_expr = strip_result(&init.expr);
                let (accept, mut bound) = if let Some(a) = accept_await(init_expr) {
                    (a, bound_names(&local.pat))
                } else if let Expr::Match(m) = init_expr {
                    let Some(a) = accept_await(&m.expr) else {
                        continue;
                    };
                    let mut bound = bound_names(&local.pat);
                    for arm in &m.arms {
                        bound.extend(bound_names(&arm.pat));
                    }
                    (a, bound)
                } else {
                    continue;
                };
                if let Some(hit) = inline_handling(rest, &mut bound, cx.spawners()) {
                    return report(cx, accept, hit, &bound);
                }
            }
            Stmt::Expr(Expr::Match(m), _) => {
                let Some(accept) = accept_await(&m.expr) else {
                    continue;
                };
                for arm in &m.arms {
                    let mut bound = bound_names(&arm.pat);
                    let spawners = cx.spawners();
                    let hit = match strip_paren(&arm.body) {
                        Expr::Block(b) => inline_handling(&b.block.stmts, &mut bound, spawners),
                        body => first_await_in_expr(body, |a| handles(a, &bound, spawners)),
                    };
                    if let Some(hit) = hit {
                        return report(cx, accept, hit, &bound);
                    }
                }
            }
            Stmt::Expr(Expr::If(e), _) => {
                let Expr::Let(l) = strip_paren(&e.cond) else {
                    continue;
                };
                let Some(accept) = accept_await(&l.expr) else {
                    continue;
                };
                let mut bound = bound_names(&l.pat);
                if let Some(hit) = inline_handling(&e.then_branch.stmts, &mut bound, cx.spawners())
                {
                    return report(cx, accept, hit, &bound);
                }
            }
            _ => {}
        }
    }
}

/// `x.accept().await` (any receiver, no arguments), possibly unwrapped.
fn accept_await(expr: &Expr) -> Option<&ExprAwait> {
    match strip_result(expr) {
        Expr::Await(a) => match strip_paren(&a.base) {
            Expr::MethodCall(m) if m.method == "accept" && m.args.is_empty() => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// An await that handles the connection: it mentions a bound name and does not merely hand
/// it over (`tx.send(socket).await`, or a function of this file that spawns the work).
fn handles(a: &ExprAwait, bound: &HashSet<String>, spawners: &HashSet<String>) -> bool {
    if bound.is_empty() || mentions(&a.base, bound).is_none() {
        return false;
    }
    match strip_result(&a.base) {
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            !(matches!(
                method.as_str(),
                "send" | "send_async" | "send_timeout" | "reserve"
            ) || spawners.contains(&method))
        }
        Expr::Call(c) => !matches!(strip_paren(&c.func), Expr::Path(p)
            if p.path.segments.last().is_some_and(|s| spawners.contains(&s.ident.to_string()))),
        _ => true,
    }
}

/// The first await in `stmts` that handles a connection bound to one of `bound`. Names
/// bound by `let` from an expression that mentions the connection join the set
/// (`let io = TokioIo::new(stream);`); a `let` that rebinds a name removes it.
fn inline_handling<'ast>(
    stmts: &'ast [Stmt],
    bound: &mut HashSet<String>,
    spawners: &HashSet<String>,
) -> Option<&'ast ExprAwait> {
    for stmt in stmts {
        if let Some(hit) = first_await(stmt, |a| handles(a, bound, spawners)) {
            return Some(hit);
        }
        if let Stmt::Local(local) = stmt {
            let tainted = local
                .init
                .as_ref()
                .is_some_and(|init| mentions(&init.expr, bound).is_some());
            let names = bound_names(&local.pat);
            if tainted {
                bound.extend(names);
            } else {
                for name in names {
                    bound.remove(&name);
                }
            }
        }
    }
    None
}

/// The finding: the loop waits at `hit` for the connection accepted at `accept`.
fn report(
    cx: &mut CheckContext<'_, '_>,
    accept: &ExprAwait,
    hit: &ExprAwait,
    bound: &HashSet<String>,
) {
    let var = mentions(&hit.base, bound)
        .cloned()
        .unwrap_or_else(|| "the connection".into());
    let message =
        format!("accept loop awaits the handling of `{var}` before accepting the next connection");
    let labels = vec![
        label(
            hit.span(),
            format!(
                "the loop waits here until `{var}` is handled; no other client is accepted \
                 meanwhile"
            ),
            true,
        ),
        label(accept.span(), "connection accepted here".into(), false),
    ];
    let help = format!(
        "spawn the handling so the loop goes straight back to `accept()`: \
         `tokio::spawn(async move {{ /* use {var} here */ }});`"
    );
    cx.report(
        Check::SequentialAcceptLoop,
        message,
        labels,
        vec![("help", help)],
    );
}

#[cfg(test)]
mod tests {
    use crate::lints::found;

    const S: &str = "sequential_accept_loop";

    #[test]
    fn sequential_accept_loops() {
        let src = r#"
async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        handle(socket).await;
    }
}
async fn tls(listener: TcpListener, acceptor: TlsAcceptor) {
    while let Ok((stream, _)) = listener.accept().await {
        let io = Wrap::new(stream);
        serve_connection(io).await;
    }
}
async fn matched(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((s, _)) => { process(s).await.unwrap(); }
            Err(e) => log(e).await,
        }
    }
}
"#;
        assert_eq!(found(src), vec![(S, 5), (S, 11), (S, 17)]);
    }

    #[test]
    fn spawned_or_handed_off_connections_are_fine() {
        let src = r#"
async fn serve(listener: TcpListener, tx: Sender<TcpStream>) {
    loop {
        let (socket, addr) = listener.accept().await.unwrap();
        tokio::spawn(async move { handle(socket).await });
    }
    loop {
        let (socket, _) = listener.accept().await.unwrap();
        tx.send(socket).await.unwrap();
        other().await;
    }
    loop {
        let (stream, _) = listener.accept().await?;
        let io = TokioIo::new(stream);
        tokio::task::spawn(async move { serve(io).await });
    }
    let (socket, _) = listener.accept().await.unwrap();
    handle(socket).await;
    loop {
        let (io, addr) = listener.accept().await;
        handle_connection(&mut svc, io, addr).await;
    }
}
async fn handle_connection(svc: &mut Svc, io: Io, addr: Addr) {
    let svc = svc.ready().await;
    tokio::spawn(async move { serve(svc, io).await });
}
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn for_loops_and_if_let_accepts_count_too() {
        let src = r#"
async fn a(listener: TcpListener) {
    for _ in 0..10 {
        if let Ok((conn, _)) = listener.accept().await {
            conn.serve().await;
        }
    }
}
fn sync(listener: TcpListener) {
    loop {
        let (socket, _) = listener.accept().await;
        handle(socket).await;
    }
}
"#;
        assert_eq!(found(src), vec![(S, 5)]);
        let report = crate::lints::analyze_source(src, false).unwrap();
        let f = &report.findings[0];
        assert_eq!(
            f.message,
            "accept loop awaits the handling of `conn` before accepting the next connection"
        );
        assert_eq!(f.labels[1].text, "connection accepted here");
        assert_eq!(f.labels[1].lo.line, 4);
    }
}
