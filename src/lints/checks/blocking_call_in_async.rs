//! `blocking_call_in_async`: a call known to block the thread inside async code.
//!
//! A free or associated function from [`apis::BLOCKING_FNS`] (`std::thread::sleep`,
//! `std::fs::read`, …), named through the `use` items in scope, or a blocking method of a
//! value whose type the walk knows (`rx.recv()` on a `std::sync::mpsc::Receiver`,
//! `Command::new(..).output()`), anywhere in an `async fn`, async block or async closure.
//! A name bound locally is never taken for the function it shadows.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::Expr;

use super::Check;
use crate::lints::apis;
use crate::lints::resolve::join;
use crate::lints::syntax::{label, strip_paren};
use crate::lints::walker::{CheckContext, Node};

/// Looks at calls and method calls.
pub(super) fn check<'ast>(cx: &mut CheckContext<'ast, '_>, node: Node<'ast>) {
    let Node::Expr(expr) = node else { return };
    if cx.async_context().is_none() {
        return;
    }
    match expr {
        Expr::Call(call) => {
            let Expr::Path(p) = strip_paren(&call.func) else {
                return;
            };
            let local = p
                .path
                .get_ident()
                .is_some_and(|i| cx.is_local(&i.to_string()));
            if p.qself.is_some() || local {
                return;
            }
            let Some(path) = cx.resolve(&p.path) else {
                return;
            };
            if let Some(b) = apis::blocking_fn(&join(&path)) {
                report(cx, call.span(), b.path.to_string(), b.twin);
            }
        }
        Expr::MethodCall(m) => {
            let Some(ty) = cx.known_type(&m.receiver) else {
                return;
            };
            let method = m.method.to_string();
            if let Some((type_path, twin)) = apis::blocking_method(ty, &method) {
                // `.output()` rather than the whole chain from `Command::new(..)` on.
                let span = m
                    .method
                    .span()
                    .join(m.paren_token.span.close())
                    .unwrap_or_else(|| m.span());
                report(cx, span, format!("{type_path}::{method}"), twin);
            }
        }
        _ => {}
    }
}

/// The finding for a call of `api` at `span`, whose async twin is `twin`.
fn report(cx: &mut CheckContext<'_, '_>, span: Span, api: String, twin: &str) {
    let Some(what) = cx.async_context() else {
        return;
    };
    let message = format!("blocking call `{api}` in {what}");
    let twin_help = if twin == "tokio::task::spawn_blocking" {
        "move the blocking work into `tokio::task::spawn_blocking(move || ..)` and `.await` \
         its handle"
            .to_string()
    } else {
        format!(
            "use {}, or move the call into `tokio::task::spawn_blocking(move || ..)`",
            apis::help_code(twin)
        )
    };
    cx.report(
        Check::BlockingCallInAsync,
        message,
        vec![label(
            span,
            "this blocks the executor thread; no other task runs on it until it returns".into(),
            true,
        )],
        vec![("help", twin_help)],
    );
}

#[cfg(test)]
mod tests {
    use crate::lints::found;

    const B: &str = "blocking_call_in_async";

    #[test]
    fn blocking_calls_resolved_through_use_items() {
        let src = r#"
use std::thread;
use std::fs::{self, File};
use std::time::Duration;
async fn a() {
    thread::sleep(Duration::from_secs(1));
    let _ = fs::read_to_string("x");
    let _ = File::open("x");
    std::thread::sleep(Duration::from_secs(1));
}
mod inner {
    use std::thread::sleep;
    pub async fn b() { sleep(std::time::Duration::ZERO); }
}
"#;
        assert_eq!(found(src), vec![(B, 6), (B, 7), (B, 8), (B, 9), (B, 13)]);
    }

    #[test]
    fn tokio_twins_sync_code_and_spawn_blocking_are_silent() {
        let src = r#"
use tokio::time::sleep;
use tokio::fs;
use std::time::Duration;
async fn a() {
    sleep(Duration::from_secs(1)).await;
    let _ = fs::read_to_string("x").await;
    tokio::task::spawn_blocking(|| std::thread::sleep(Duration::ZERO)).await.unwrap();
    tokio::task::block_in_place(|| { let _ = std::fs::read("x"); });
    let f = || std::fs::read("x");
    fn nested() { std::thread::sleep(Duration::ZERO); }
}
fn sync() { std::thread::sleep(Duration::ZERO); }
mod m {
    // An inline module does not see the parent's imports.
    async fn c() { fs::read("x"); sleep(1); }
}
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn methods_of_known_std_types() {
        let src = r#"
use std::sync::mpsc;
use std::process::Command;
async fn a(h: std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<u8>();
    let _ = rx.recv();
    let l = std::net::TcpListener::bind("0:0").unwrap();
    let _ = l.accept();
    let _ = Command::new("ls").arg("-l").output();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    h.join().unwrap();
    let t = tokio::sync::mpsc::channel::<u8>(1);
}
async fn b(mut rx: tokio::sync::mpsc::Receiver<u8>) {
    let _ = rx.recv().await;
    let out = tokio::process::Command::new("ls").output().await;
}
"#;
        assert_eq!(found(src), vec![(B, 6), (B, 8), (B, 9), (B, 11), (B, 12)]);
    }

    #[test]
    fn message_names_the_call_and_its_context_and_offers_the_twin() {
        let src = "async fn handle() {\n    std::thread::sleep(d);\n}\n";
        let report = crate::lints::analyze_source(src, false).unwrap();
        let [f] = report.findings.as_slice() else {
            panic!("{:?}", report.findings);
        };
        assert_eq!(
            f.message,
            "blocking call `std::thread::sleep` in async fn `handle`"
        );
        assert_eq!((f.primary().lo.column, f.primary().hi.column), (4, 25));
        assert_eq!(
            f.notes[0],
            (
                "help",
                "use `tokio::time::sleep(..).await`, or move the call into \
                 `tokio::task::spawn_blocking(move || ..)`"
                    .to_string()
            )
        );
        assert_eq!(f.enclosing, vec![1, 2]);
    }
}
