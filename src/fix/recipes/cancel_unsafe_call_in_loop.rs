//! `pin_cancel_unsafe_future`, for the rule `cancel_unsafe_call_in_loop`: make the
//! not-cancel-safe future once, before the loop, pinned, and race (or time out) that one
//! future by reference, so losing a round leaves it where it was.
//!
//! ```text
//! loop {                                   let mut write_all_fut = std::pin::pin!(sock.write_all(&msg));
//!     tokio::select! {                     loop {
//!         r = sock.write_all(&msg) => ..   →    tokio::select! {
//!                                                  r = write_all_fut.as_mut() => ..
//! ```
//! `std::pin::pin!` is std's (no runtime named); `Pin<&mut F>` is itself a future (and a
//! `FusedFuture` when `F` is, for `futures::select!`), so `fut.as_mut()` goes where the call
//! was, in a `select!` branch or as `timeout`'s future.
//!
//! The edit is made only when it keeps the program's meaning and compiles:
//! - the future's expression mentions no name bound inside the loop (it must exist before);
//! - nothing else in the loop, or after it in the same block, mentions the names it borrows
//!   (`sock`, `msg`, `self`), which the pinned future now holds for the whole loop;
//! - the loop is left once that future completes (its `select!` handler always breaks or
//!   returns; the `Ok` path of the timeout leaves), since a completed future cannot be polled
//!   again;
//! - the statement holding the loop starts its line (the new `let` goes above it).
//!
//! Otherwise the fix is said in words, with the user's call, and the other cures (a reader
//! task feeding a channel; `write_all_buf` for tokio writes). `MaybeIncorrect`: the loop now
//! keeps one attempt alive across rounds, which is the point, but changes when it restarts.

use std::collections::HashSet;
use std::ops::Range;

use proc_macro2::TokenStream;
use syn::visit::{self, Visit};
use syn::{Expr, Stmt};

use crate::context::Runtime;
use crate::fix::syntax::{
    contains, indent_at, line_start, line_text, node_range, parse, span_is_current,
};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal, QuotedLine};
use crate::lints::syntax::{
    always_leaves, block_always_leaves, pat_idents, select_branches, stmt_always_leaves,
    strip_paren, SelectBranch,
};

/// The recipe (see the module comment).
pub fn pin_cancel_unsafe_future(input: &Input<'_>) -> Option<Proposal> {
    let span = input.diagnostic.user_span()?;
    let text = input.sources.read(&span.file_name)?;
    if !span_is_current(&text, span) {
        return None;
    }
    let file = parse(&text)?;
    let target = span.byte_start as usize..span.byte_end as usize;
    let call = input.captures.get("call")?;
    let select = input.captures.get("shape")?.contains("select!");
    let method = method_of(call);
    let var = fresh_name(&text, &format!("{method}_fut"));
    let found = if select {
        select_site(&file, &target)
    } else {
        timeout_site(&file, &target)
    };
    let plan = match &found {
        Some(site) => plan(&file, &text, site),
        None => Err(Obstacle::NotFound),
    };
    if let (Some(site), Ok(insert_at)) = (&found, &plan) {
        let insert_at = *insert_at;
        let future = text.get(site.future.clone())?;
        let indent = indent_at(&text, insert_at);
        let edits = vec![
            Edit {
                file: span.file_name.clone(),
                start: insert_at,
                end: insert_at,
                replacement: format!("let mut {var} = std::pin::pin!({future});\n{indent}"),
            },
            Edit {
                file: span.file_name.clone(),
                start: site.future.start,
                end: site.future.end,
                replacement: format!("{var}.as_mut()"),
            },
        ];
        let title = if select {
            format!("make `{call}` once, before the loop, and race it by reference")
        } else {
            format!("make `{call}` once, before the loop, and time out the same future each try")
        };
        return Some(Proposal::Edits(Fix {
            title,
            applicability: Applicability::MaybeIncorrect,
            edits,
        }));
    }
    let future = found
        .as_ref()
        .and_then(|s| text.get(s.future.clone()))
        .unwrap_or(call);
    let loss = input.captures.get("loss").map_or("", String::as_str);
    let obstacle = plan.err().unwrap_or(Obstacle::NotFound);
    let words = in_words(input, call, future, &var, select, loss, &obstacle);
    let lines = (span.line_start..=span.line_end)
        .filter_map(|n| {
            line_text(&text, n).map(|t| QuotedLine {
                file: span.file_name.clone(),
                number: n,
                text: t.to_string(),
            })
        })
        .collect();
    Some(Proposal::InWords { text: words, lines })
}

/// `read_exact` of `sock.read_exact(..)`, `read_header` of `self.read_header()`.
fn method_of(call: &str) -> String {
    let head = call.split('(').next().unwrap_or(call);
    let name = head.rsplit(['.', ':']).next().unwrap_or(head);
    let name: String = name
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if name.is_empty() {
        "call".into()
    } else {
        name
    }
}

/// `base`, or `base2`, `base3`, … when the file already uses the name.
fn fresh_name(text: &str, base: &str) -> String {
    let taken = |name: &str| {
        text.match_indices(name).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !ident(before) && !ident(after)
        })
    };
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_string())
}

/// Where the future is raced: its expression (a `select!` branch's whole future, `.fuse()`
/// included; `timeout`'s second argument), the loop, and whether the loop is left once the
/// future completes.
struct Site {
    future: Range<usize>,
    lp: Range<usize>,
    leaves_when_done: bool,
}

/// A `select!` branch whose future holds `target`, in the innermost loop around it.
fn select_site(file: &syn::File, target: &Range<usize>) -> Option<Site> {
    #[derive(Default)]
    struct Find<'t> {
        target: Range<usize>,
        loops: Vec<Range<usize>>,
        found: Option<Site>,
        _t: std::marker::PhantomData<&'t ()>,
    }
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            let is_loop = matches!(e, Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_));
            if is_loop {
                self.loops.push(node_range(e));
            }
            visit::visit_expr(self, e);
            if is_loop {
                self.loops.pop();
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if self.found.is_some() || !contains(&node_range(m), &self.target) {
                return;
            }
            let Ok(branches) = m.parse_body_with(select_branches) else {
                return;
            };
            for b in branches {
                if let SelectBranch::Future { fut, handler } = b {
                    let r = node_range(&fut);
                    if contains(&r, &self.target) {
                        if let Some(lp) = self.loops.last() {
                            self.found = Some(Site {
                                future: r,
                                lp: lp.clone(),
                                leaves_when_done: always_leaves(&handler),
                            });
                        }
                        return;
                    }
                }
            }
        }
    }
    let mut find = Find {
        target: target.clone(),
        ..Find::default()
    };
    find.visit_file(file);
    find.found
}

/// `timeout(d, <target>)` in the innermost loop around it, and whether its `Ok` path leaves.
fn timeout_site(file: &syn::File, target: &Range<usize>) -> Option<Site> {
    struct Find<'ast> {
        target: Range<usize>,
        /// Innermost loop last: the loop expression.
        loops: Vec<&'ast Expr>,
        found: Option<(&'ast Expr, Range<usize>, Range<usize>)>,
    }
    impl<'ast> Visit<'ast> for Find<'ast> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            let is_loop = matches!(e, Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_));
            if is_loop {
                self.loops.push(e);
            }
            if let Expr::Call(c) = e {
                if c.args.len() == 2 && node_range(&c.args[1]) == self.target {
                    if let Some(lp) = self.loops.last() {
                        self.found = Some((lp, node_range(e), node_range(&c.args[1])));
                    }
                }
            }
            visit::visit_expr(self, e);
            if is_loop {
                self.loops.pop();
            }
        }
    }
    let mut find = Find {
        target: target.clone(),
        loops: Vec::new(),
        found: None,
    };
    find.visit_file(file);
    let (lp, call, future) = find.found?;
    Some(Site {
        future,
        lp: node_range(lp),
        leaves_when_done: ok_path_leaves(lp, &call),
    })
}

/// Whether, in loop `lp`, the `Ok` path of the awaited `timeout` call at `call` leaves.
fn ok_path_leaves(lp: &Expr, call: &Range<usize>) -> bool {
    let (body, cond) = match lp {
        Expr::Loop(l) => (&l.body, None),
        Expr::While(w) => (&w.body, Some(&*w.cond)),
        Expr::ForLoop(f) => (&f.body, None),
        _ => return false,
    };
    // `while timeout(..).await.is_err() { .. }`: on `Ok` the loop ends.
    if cond.is_some_and(|c| contains(&node_range(c), call)) {
        return true;
    }
    for (i, stmt) in body.stmts.iter().enumerate() {
        if !contains(&node_range(stmt), call) {
            continue;
        }
        let rest_leaves = body.stmts[i + 1..].iter().any(stmt_always_leaves);
        let expr = match stmt {
            Stmt::Local(l) => match &l.init {
                // `let Ok(v) = .. else { .. };`: on `Ok` the body goes on.
                Some(init) if init.diverge.is_some() => return rest_leaves,
                Some(init) => &*init.expr,
                None => return false,
            },
            Stmt::Expr(e, _) => e,
            _ => return false,
        };
        return match strip_paren(expr) {
            Expr::Match(m) => {
                m.arms.iter().any(|a| {
                    matches!(&a.pat, syn::Pat::TupleStruct(t)
                    if t.path.segments.last().is_some_and(|s| s.ident == "Ok"))
                }) && m.arms.iter().all(|a| {
                    let ok = matches!(&a.pat, syn::Pat::TupleStruct(t)
                    if t.path.segments.last().is_some_and(|s| s.ident == "Ok"));
                    !ok || always_leaves(&a.body)
                })
            }
            Expr::If(i) => match strip_paren(&i.cond) {
                Expr::Let(l)
                    if matches!(&*l.pat, syn::Pat::TupleStruct(t)
                    if t.path.segments.last().is_some_and(|s| s.ident == "Ok")) =>
                {
                    block_always_leaves(&i.then_branch)
                }
                _ => false,
            },
            _ => false,
        };
    }
    false
}

/// Why the future cannot simply be made once before the loop.
enum Obstacle {
    /// The loop goes on after the future completes, and a completed future cannot be polled
    /// again: a new one must be made then.
    Restarts,
    /// It uses this name, bound inside the loop.
    BoundInside(String),
    /// This name is used elsewhere in the loop (or after it), and the pinned future would
    /// keep it borrowed.
    UsedElsewhere(String),
    /// The shape around it is not one the recipe rewrites.
    NotFound,
}

/// Where the new `let` goes (the start of the statement holding the loop), when hoisting the
/// future is sound (see the module comment); else what stands in the way.
fn plan(file: &syn::File, text: &str, site: &Site) -> Result<usize, Obstacle> {
    let lp = loop_at(file, &site.lp).ok_or(Obstacle::NotFound)?;
    let future_text = text.get(site.future.clone()).ok_or(Obstacle::NotFound)?;
    let future_expr: Expr = syn::parse_str(future_text).map_err(|_| Obstacle::NotFound)?;
    let names = plain_names(&future_expr);
    // Bound inside the loop: the future could not be made before it.
    let mut bound = Vec::new();
    struct Pats<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Pats<'_> {
        fn visit_pat(&mut self, p: &'ast syn::Pat) {
            pat_idents(p, self.0);
        }
    }
    Pats(&mut bound).visit_expr(lp);
    if let Some(name) = bound.into_iter().find(|b| names.contains(b)) {
        return Err(Obstacle::BoundInside(name));
    }
    // Used elsewhere in the loop, or after it in the same block: the pinned future's borrow
    // would clash with it. Each text is lexed on its own, so its token offsets start at 0.
    let (stmt, block_end) = stmt_holding(file, &site.lp).ok_or(Obstacle::NotFound)?;
    let in_loop: TokenStream = text
        .get(site.lp.clone())
        .and_then(|t| t.parse().ok())
        .ok_or(Obstacle::NotFound)?;
    let skip = site.future.start - site.lp.start..site.future.end - site.lp.start;
    let after: TokenStream = text
        .get(node_range(stmt).end..block_end)
        .and_then(|t| t.parse().ok())
        .ok_or(Obstacle::NotFound)?;
    if let Some(name) = mentioned_outside(&in_loop, &names, &skip)
        .or_else(|| mentioned_outside(&after, &names, &(0..0)))
    {
        return Err(Obstacle::UsedElsewhere(name));
    }
    if !site.leaves_when_done {
        return Err(Obstacle::Restarts);
    }
    let at = node_range(stmt).start;
    if text[line_start(text, at)..at].trim().is_empty() {
        Ok(at)
    } else {
        Err(Obstacle::NotFound)
    }
}

/// The loop expression spanning `range`.
fn loop_at<'f>(file: &'f syn::File, range: &Range<usize>) -> Option<&'f Expr> {
    struct Find<'f, 'r> {
        range: &'r Range<usize>,
        found: Option<&'f Expr>,
    }
    impl<'f> Visit<'f> for Find<'f, '_> {
        fn visit_expr(&mut self, e: &'f Expr) {
            if self.found.is_none()
                && matches!(e, Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_))
                && node_range(e) == *self.range
            {
                self.found = Some(e);
            }
            visit::visit_expr(self, e);
        }
    }
    let mut find = Find { range, found: None };
    find.visit_file(file);
    find.found
}

/// The innermost statement of a block that holds `range`, and where that block's last
/// statement ends (its closing brace).
fn stmt_holding<'f>(file: &'f syn::File, range: &Range<usize>) -> Option<(&'f Stmt, usize)> {
    struct Find<'f, 'r> {
        range: &'r Range<usize>,
        found: Option<(&'f Stmt, usize)>,
    }
    impl<'f> Visit<'f> for Find<'f, '_> {
        fn visit_block(&mut self, b: &'f syn::Block) {
            if !contains(&node_range(b), self.range) {
                return;
            }
            for s in &b.stmts {
                if contains(&node_range(s), self.range) {
                    self.found = Some((s, node_range(b).end.saturating_sub(1)));
                    visit::visit_stmt(self, s);
                }
            }
        }
    }
    let mut find = Find { range, found: None };
    find.visit_file(file);
    find.found
}

/// The single-segment paths an expression reads (`sock`, `msg`, `self`): what the future
/// borrows or moves.
fn plain_names(expr: &Expr) -> HashSet<String> {
    struct Names(HashSet<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if let Some(i) = p.path.get_ident() {
                self.0.insert(i.to_string());
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            idents(&m.tokens, &mut self.0);
        }
    }
    fn idents(tokens: &TokenStream, out: &mut HashSet<String>) {
        for t in tokens.clone() {
            match t {
                proc_macro2::TokenTree::Ident(i) => {
                    out.insert(i.to_string());
                }
                proc_macro2::TokenTree::Group(g) => idents(&g.stream(), out),
                _ => {}
            }
        }
    }
    let mut names = Names(HashSet::new());
    names.visit_expr(expr);
    names.0
}

/// The first of `names` that `tokens` hold outside the byte range `skip`.
fn mentioned_outside(
    tokens: &TokenStream,
    names: &HashSet<String>,
    skip: &Range<usize>,
) -> Option<String> {
    tokens.clone().into_iter().find_map(|t| match t {
        proc_macro2::TokenTree::Ident(i) => {
            let name = i.to_string();
            (names.contains(&name) && !contains(skip, &i.span().byte_range())).then_some(name)
        }
        proc_macro2::TokenTree::Group(g) => mentioned_outside(&g.stream(), names, skip),
        _ => None,
    })
}

/// The fix in words, when no edit is sound: what stands in the way, and the cures that fit
/// the call and the runtime.
fn in_words(
    input: &Input<'_>,
    call: &str,
    future: &str,
    var: &str,
    select: bool,
    loss: &str,
    obstacle: &Obstacle,
) -> String {
    let api = input.runtime();
    let tokio = api.runtime == Runtime::Tokio;
    let hoist = format!("`let mut {var} = std::pin::pin!({future});`");
    let mut words = if select {
        format!("`{call}` is made afresh each round and dropped whenever another branch wins. ")
    } else {
        format!(
            "`timeout` drops `{call}` midway each time it runs out, and the loop starts it again \
             from scratch. "
        )
    };
    let raced = if select {
        format!("race `{var}.as_mut()` in the `select!`")
    } else {
        format!("retry with `timeout(limit, {var}.as_mut())`")
    };
    match obstacle {
        Obstacle::UsedElsewhere(name) => words.push_str(&format!(
            "Making it once before the loop ({hoist}) would keep `{name}` borrowed for the whole \
             loop, and `{name}` is used elsewhere in the loop or after it. "
        )),
        Obstacle::BoundInside(name) => words.push_str(&format!(
            "Make `{name}` before the loop, then the future once ({hoist}), and {raced}, so that \
             it goes on where it stopped. "
        )),
        Obstacle::Restarts | Obstacle::NotFound => words.push_str(&format!(
            "Make it once, before the loop ({hoist}), {raced}, and make a new one after it \
             completes, so that it goes on where it stopped. "
        )),
    }
    if !select {
        words.push_str("Or give up after the first timeout instead of retrying.");
        return words;
    }
    // After "would keep it borrowed" the other cure is the advice, not an alternative.
    let or = match obstacle {
        Obstacle::UsedElsewhere(_) => "Instead,",
        _ => "Or",
    };
    let method = method_of(call);
    if loss.contains("queue") {
        words.push_str(&format!(
            "{or} take it once before the loop, so the loop never waits in the queue."
        ));
    } else if method == "read_line" && tokio {
        words.push_str(&format!(
            "{or} read lines with `let mut lines = reader.lines();` before the loop and race \
             `lines.next_line()`, which tokio documents as cancel safe."
        ));
    } else if loss.contains("wr") && tokio {
        words.push_str(&format!(
            "{or} keep the bytes still to send outside the loop and write them with \
             `write_all_buf(&mut rest)`, which advances `rest` past what was written."
        ));
    } else {
        let task = api.spawn().map_or("a task of its own".to_string(), |s| {
            format!("a task of its own (`{s}`)")
        });
        words.push_str(&format!(
            "{or} read in {task} that sends each result on a channel, and race the channel's \
             `recv()`, which is cancel safe."
        ));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::check_findings::{case, package};

    const CHECK: &str = "cancel_unsafe_call_in_loop";

    fn edit(src: &str, nth: usize) -> (Fix, String) {
        let c = case(src, CHECK, nth);
        let tokio = package(vec![Runtime::Tokio]);
        let Some(Proposal::Edits(fix)) = pin_cancel_unsafe_future(&c.input(Some(&tokio))) else {
            panic!("no edit");
        };
        let out = crate::fix::apply(src, &fix.edits).unwrap();
        assert!(syn::parse_file(&out).is_ok(), "{out}");
        (fix, out)
    }

    fn words(src: &str, nth: usize, runtime: Runtime) -> String {
        let c = case(src, CHECK, nth);
        let package = package(vec![runtime]);
        match pin_cancel_unsafe_future(&c.input(Some(&package))) {
            Some(Proposal::InWords { text, .. }) => text,
            other => panic!("no words: {other:?}"),
        }
    }

    const SELECT: &str = r#"use tokio::io::AsyncWriteExt;
async fn send(mut sock: tokio::net::TcpStream, msg: Vec<u8>, mut tick: tokio::time::Interval) {
    loop {
        tokio::select! {
            r = sock.write_all(&msg) => { r.unwrap(); break; }
            _ = tick.tick() => println!("still sending"),
        }
    }
}
"#;

    #[test]
    fn a_select_branch_is_hoisted_and_pinned() {
        let (fix, out) = edit(SELECT, 0);
        assert_eq!(
            fix.title,
            "make `sock.write_all(..)` once, before the loop, and race it by reference"
        );
        let want = "    let mut write_all_fut = std::pin::pin!(sock.write_all(&msg));\n    loop {\n        \
                    tokio::select! {\n            r = write_all_fut.as_mut() => { r.unwrap(); break; }\n";
        assert!(out.contains(want), "{out}");
    }

    #[test]
    fn a_retried_timeout_is_pinned_and_timed_out_by_reference() {
        let src = r#"use tokio::time::timeout;
async fn retry(mut sock: tokio::net::TcpStream, msg: Vec<u8>) -> std::io::Result<()> {
    let write_all_fut = 1;
    for _ in 0..3 {
        match timeout(D, sock.write_all(&msg)).await {
            Ok(r) => return r,
            Err(_) => eprintln!("slow"),
        }
    }
    Ok(())
}
"#;
        let (_, out) = edit(src, 0);
        assert!(
            out.contains("    let mut write_all_fut2 = std::pin::pin!(sock.write_all(&msg));\n    for _ in 0..3 {\n        match timeout(D, write_all_fut2.as_mut()).await {"),
            "{out}"
        );
    }

    #[test]
    fn unsound_hoists_are_said_in_words() {
        // `sock` is written to in the other branch: a pinned read would keep it borrowed.
        let shared = r#"async fn a(mut sock: S, mut rx: R) {
    let mut header = [0u8; 4];
    loop {
        tokio::select! {
            r = sock.read_exact(&mut header) => { handle(header); }
            Some(m) = rx.recv() => { sock.write_all(&m).await.ok(); }
        }
    }
}
"#;
        let text = words(shared, 0, Runtime::Tokio);
        assert!(
            text.contains(
                "`let mut read_exact_fut = std::pin::pin!(sock.read_exact(&mut header));`"
            ),
            "{text}"
        );
        assert!(
            text.contains("a task of its own (`tokio::spawn`)"),
            "{text}"
        );
        let smol = words(shared, 0, Runtime::Smol);
        assert!(
            smol.contains("(`smol::spawn`)") && !smol.contains("tokio"),
            "{smol}"
        );
        // The write's branch goes round after it completes: a pinned future cannot restart.
        let again = SELECT.replace("{ r.unwrap(); break; }", "{ r.unwrap(); }");
        let text = words(&again, 0, Runtime::Tokio);
        assert!(text.contains("make a new one after it completes"), "{text}");
        assert!(text.contains("`write_all_buf(&mut rest)`"), "{text}");
        // A buffer made inside the loop cannot be borrowed before it.
        let inside = r#"use tokio::time::timeout;
async fn b(mut sock: S) {
    loop {
        let mut hdr = [0u8; 4];
        let Ok(r) = timeout(D, sock.read_exact(&mut hdr)).await else { continue };
        break;
    }
}
"#;
        let text = words(inside, 0, Runtime::Tokio);
        assert!(
            text.contains("retry with `timeout(limit, read_exact_fut.as_mut())`"),
            "{text}"
        );
    }
}
