//! Recipes for tasks that must own their data (`'static`): `async_move` (E0373: the async
//! block borrows a local; rustc's own ` move` suggestion, checked), `clone_into_task` (E0521:
//! a reference parameter or `&self` escapes into the task; E0597: a reference to a local is
//! moved into it), and `static_in_words` when no edit is sound.

use std::collections::BTreeSet;
use std::ops::Range;

use syn::{Expr, FnArg, Pat, Stmt, Type};

use super::body::{pat_ident, stmt_holding, Code, FnItem, Index, TokKind, UseKind};
use super::types::{self, Want};
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal, QuotedLine};

fn user_code(input: &Input<'_>) -> Option<Code> {
    let span = input.diagnostic.user_span()?;
    Code::load(input.sources, &span.file_name)
}

/// The names an async block uses that belong to the enclosing function (its parameters and
/// the locals declared before the block), in first-use order.
fn captured(code: &Code, index: &Index<'_>, f: &FnItem<'_>, block: &Range<usize>) -> Vec<String> {
    let mut candidates: Vec<String> = f
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(p) => pat_ident(&p.pat).map(|i| i.to_string()),
            FnArg::Receiver(_) => Some("self".to_string()),
        })
        .collect();
    let body = node_range(f.block);
    for l in &index.locals {
        let r = node_range(*l);
        if syntax::contains(&body, &r) && r.end <= block.start {
            candidates.extend(bound_names(&l.pat));
        }
    }
    let mut found: Vec<(usize, String)> = candidates
        .into_iter()
        .filter_map(|n| {
            let first = code.var_uses(&n, block.clone()).first()?.range.start;
            Some((first, n))
        })
        .collect();
    found.sort();
    let mut out: Vec<String> = Vec::new();
    for (_, n) in found {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// Every name a pattern binds.
fn bound_names(pat: &Pat) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'a> syn::visit::Visit<'a> for Names {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.0.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut n = Names(Vec::new());
    syn::visit::visit_pat(&mut n, pat);
    n.0
}

/// The async block that starts at byte `at` (its `async` keyword) or whose range is `at`.
fn async_block<'a>(index: &Index<'a>, at: &Range<usize>) -> Option<&'a syn::ExprAsync> {
    index.exprs.iter().find_map(|e| match e {
        Expr::Async(a) if node_range(&a.async_token) == *at || node_range(*e) == *at => Some(a),
        _ => None,
    })
}

/// The parameter `name` of `f`, with its written type.
fn param<'a>(f: &FnItem<'a>, name: &str) -> Option<&'a syn::PatType> {
    f.sig.inputs.iter().find_map(|a| match a {
        FnArg::Typed(p) if pat_ident(&p.pat).is_some_and(|i| i == name) => Some(p),
        _ => None,
    })
}

/// `async_move`: E0373, the async block borrows locals but may outlive the function. Adds
/// `move` (rustc's suggestion, at the place rustc gives) when that is sound: nothing the
/// block uses is needed after it, and nothing it uses is itself a borrow (a reference
/// parameter, `&self`, `let r = &x`), which `move` would not make `'static`.
pub fn async_move(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let index = code.index();
    let rustc = &input.diagnostic.rustc;
    // rustc's suggestion: ` move` right after `async`.
    let suggestion = rustc
        .children
        .iter()
        .flat_map(|c| c.spans.iter())
        .find(|s| {
            s.suggested_replacement
                .as_deref()
                .is_some_and(|r| r.trim() == "move")
        });
    let primary = rustc.spans.iter().find(|s| s.is_primary)?;
    if primary.file_name != code.name || !syntax::span_is_current(&code.text, primary) {
        return None;
    }
    let block = async_block(
        &index,
        &(primary.byte_start as usize..primary.byte_end as usize),
    )?;
    if block.capture.is_some() {
        return None;
    }
    let after_async = node_range(&block.async_token).end;
    let (at, replacement) = match suggestion {
        Some(s) if s.file_name == code.name => {
            let at = s.byte_start as usize;
            // It must insert right after this block's `async`, replacing nothing.
            if at != after_async || s.byte_end != s.byte_start {
                return None;
            }
            (at, s.suggested_replacement.clone().unwrap_or_default())
        }
        _ => (after_async, " move".to_string()),
    };
    let f = index.fn_at(after_async)?;
    let block_range = node_range(&block.block);
    let whole = node_range(block);
    let names = captured(&code, &index, &f, &block_range);
    let fn_end = node_range(f.block).end;
    for name in &names {
        if name == "self" {
            return None;
        }
        if let Some(p) = param(&f, name) {
            if matches!(&*p.ty, Type::Reference(_)) || mentions_lifetime(&p.ty) {
                return None;
            }
        }
        if let Some(l) = index.local_named_before(name, whole.start) {
            let init_is_borrow = l
                .init
                .as_ref()
                .is_some_and(|i| matches!(&*i.expr, Expr::Reference(_)));
            if init_is_borrow {
                return None;
            }
        }
        if !code.var_uses(name, whole.end..fn_end).is_empty() {
            return None;
        }
    }
    let what = rustc
        .message
        .split('`')
        .nth(1)
        .filter(|v| names.iter().any(|n| n == v))
        .map(str::to_string)
        .or_else(|| names.first().cloned())?;
    let others = names.len() - 1;
    let title = if others == 0 {
        format!("Move `{what}` into the async block (`async move`)")
    } else {
        format!(
            "Move `{what}` and the {} other variable{} it uses into the async block (`async move`)",
            others,
            if others == 1 { "" } else { "s" }
        )
    };
    Some(Proposal::Edits(Fix {
        title,
        applicability: Applicability::MachineApplicable,
        edits: vec![code.edit(at..at, replacement)],
    }))
}

fn mentions_lifetime(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_lifetime(&mut self, l: &'a syn::Lifetime) {
            self.0 |= l.ident != "static";
        }
    }
    let mut f = Finder(false);
    syn::visit::visit_type(&mut f, ty);
    f.0
}

/// What `x.to_owned()` gives for a parameter `x: &T`, when `T` is known: `str` → `String`,
/// `[U]` → `Vec<U>`, `Path` → `PathBuf`, a cloneable `T` → `T`.
fn owns(elem: &Type, index: &Index<'_>) -> bool {
    match elem {
        Type::Slice(s) => types::has(&s.elem, Want::CloneStatic, Some(index)),
        Type::Path(p) => {
            let last = p.path.segments.last().map(|s| s.ident.to_string());
            matches!(last.as_deref(), Some("str") | Some("Path") | Some("OsStr"))
                || types::has(elem, Want::CloneStatic, Some(index))
        }
        _ => types::has(elem, Want::CloneStatic, Some(index)),
    }
}

/// `clone_into_task`: give the task its own copy of what it borrows.
/// - E0521 with a reference parameter `name: &T`: `let name = name.to_owned();` before the
///   spawn (the task then owns a `String` for a `&str`, a `Vec` for a slice, a `T` for a
///   cloneable `T`);
/// - E0521 with `&self` when the task only reads fields: each field is cloned into a local of
///   the same name before the spawn, and the task uses those;
/// - E0597 with `let r = &local;` moved into the task: the task takes `local` itself (moved
///   when nothing else uses it, else cloned), and its uses of `r` borrow it again.
pub fn clone_into_task(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let index = code.index();
    let rustc = &input.diagnostic.rustc;
    for s in &rustc.spans {
        if s.file_name == code.name && !syntax::span_is_current(&code.text, s) {
            return None;
        }
    }
    match input.diagnostic.code()? {
        "E0521" => escaping_reference(input, &code, &index),
        "E0597" => borrowed_local(input, &code, &index),
        _ => None,
    }
}

/// The async block of the spawn call a label spans, and the statement holding the call.
struct Spawn<'a> {
    block: &'a syn::ExprAsync,
    stmt: &'a Stmt,
}

fn spawn_at<'a>(index: &Index<'a>, range: &Range<usize>) -> Option<Spawn<'a>> {
    let call = index.expr_exact(range)?;
    let args = match call {
        Expr::Call(c) => &c.args,
        Expr::MethodCall(m) => &m.args,
        _ => return None,
    };
    let block = args.iter().find_map(|a| match a {
        Expr::Async(b) => Some(b),
        _ => None,
    })?;
    let outer = index.block_at(range)?;
    let (_, stmt) = stmt_holding(outer, range)?;
    Some(Spawn { block, stmt })
}

fn escaping_reference(input: &Input<'_>, code: &Code, index: &Index<'_>) -> Option<Proposal> {
    let rustc = &input.diagnostic.rustc;
    let escape = rustc.spans.iter().find(|s| {
        s.label
            .as_deref()
            .is_some_and(|l| l.contains("escapes the") && l.ends_with("body here"))
    })?;
    let name = escape.label.as_deref()?.split('`').nth(1)?.to_string();
    let range = escape.byte_start as usize..escape.byte_end as usize;
    let spawn = spawn_at(index, &range)?;
    // `async move` already (else rustc reports E0373 first): only the copy is missing.
    spawn.block.capture.as_ref()?;
    let f = index.fn_at(range.start)?;
    let block_range = node_range(spawn.block);
    let stmt_lines = code.own_lines(node_range(spawn.stmt))?;
    let indent = syntax::indent_at(&code.text, stmt_lines.start).to_string();
    if name == "self" {
        return self_fields(code, index, &f, &block_range, &stmt_lines, &indent);
    }
    let p = param(&f, &name)?;
    let Type::Reference(r) = &*p.ty else {
        return None;
    };
    if r.mutability.is_some() || !owns(&r.elem, index) {
        return None;
    }
    let after_spawn = node_range(spawn.stmt).end..node_range(f.block).end;
    if !code.var_uses(&name, after_spawn).is_empty() {
        return None;
    }
    let same_types = code.var_uses(&name, block_range).iter().all(|u| {
        matches!(
            u.kind,
            UseKind::Format | UseKind::Receiver | UseKind::FieldBase | UseKind::Borrowed
        )
    });
    let ty_text = code.src(node_range(&*p.ty)).to_string();
    Some(Proposal::Edits(Fix {
        title: format!(
            "Give the task its own copy of `{name}` (`{ty_text}` → owned) before spawning it"
        ),
        applicability: if same_types {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
        edits: vec![code.edit(
            stmt_lines.start..stmt_lines.start,
            format!("{indent}let {name} = {name}.to_owned();\n"),
        )],
    }))
}

/// `&self` in the task: when it only reads fields, clone each into a local before the
/// spawn.
fn self_fields(
    code: &Code,
    index: &Index<'_>,
    f: &FnItem<'_>,
    block_range: &Range<usize>,
    stmt_lines: &Range<usize>,
    indent: &str,
) -> Option<Proposal> {
    let receiver = f.sig.inputs.iter().find_map(|a| match a {
        FnArg::Receiver(r) => Some(r),
        _ => None,
    })?;
    if receiver.mutability.is_some() {
        return None;
    }
    let self_ty = f.self_ty?;
    let item = index.struct_named(&types::head(self_ty)?)?;
    if !item.generics.params.is_empty() {
        return None;
    }
    // Every `self` in the task must be `self.field` (not a method call, not `self` alone).
    let mut fields: Vec<(String, Range<usize>)> = Vec::new();
    for (i, t) in code.toks.iter().enumerate() {
        if !syntax::contains(block_range, &t.range) || t.kind != TokKind::Ident("self".into()) {
            continue;
        }
        let dot = code.toks.get(i + 1)?;
        let field = code.toks.get(i + 2)?;
        let (TokKind::Punct('.', _), TokKind::Ident(fname)) = (&dot.kind, &field.kind) else {
            return None;
        };
        if matches!(
            code.toks.get(i + 3).map(|t| &t.kind),
            Some(TokKind::Open(proc_macro2::Delimiter::Parenthesis))
        ) {
            return None;
        }
        fields.push((fname.clone(), t.range.start..field.range.end));
    }
    if fields.is_empty() {
        return None;
    }
    let mut order: Vec<String> = Vec::new();
    for (n, _) in &fields {
        if !order.contains(n) {
            order.push(n.clone());
        }
    }
    let fn_range = node_range(f.block);
    let mut lets = String::new();
    for name in &order {
        let field = item
            .fields
            .iter()
            .find(|fl| fl.ident.as_ref().is_some_and(|i| i == name))?;
        if !types::has(&field.ty, Want::CloneStatic, Some(index)) {
            return None;
        }
        // The new local must not meet another use of that name in the function.
        let clash = code.ident_tokens(name).into_iter().any(|t| {
            syntax::contains(&fn_range, &code.toks[t].range)
                && !(t > 0 && matches!(code.toks[t - 1].kind, TokKind::Punct('.', _)))
        });
        if clash {
            return None;
        }
        let copy = types::head(&field.ty).is_some_and(|h| {
            matches!(
                h.as_str(),
                "bool"
                    | "char"
                    | "u8"
                    | "u16"
                    | "u32"
                    | "u64"
                    | "u128"
                    | "usize"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "i64"
                    | "i128"
                    | "isize"
                    | "f32"
                    | "f64"
            )
        });
        let value = if copy {
            format!("self.{name}")
        } else {
            format!("self.{name}.clone()")
        };
        lets.push_str(&format!("{indent}let {name} = {value};\n"));
    }
    let mut edits: Vec<Edit> = vec![code.edit(stmt_lines.start..stmt_lines.start, lets)];
    for (name, range) in &fields {
        edits.push(code.edit(range.clone(), name.clone()));
    }
    let listed = order
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(Proposal::Edits(Fix {
        title: format!(
            "Copy {listed} out of `self` before spawning, so the task does not borrow `self`"
        ),
        applicability: Applicability::MachineApplicable,
        edits,
    }))
}

/// E0597: `let r = &local;` and `r` moved into the task.
fn borrowed_local(input: &Input<'_>, code: &Code, index: &Index<'_>) -> Option<Proposal> {
    let rustc = &input.diagnostic.rustc;
    let var = rustc
        .message
        .strip_prefix('`')?
        .split('`')
        .next()?
        .to_string();
    let primary = rustc.spans.iter().find(|s| s.is_primary)?;
    let borrow_range = primary.byte_start as usize..primary.byte_end as usize;
    let Expr::Reference(reference) = index.expr_exact(&borrow_range)? else {
        return None;
    };
    if reference.mutability.is_some()
        || !matches!(&*reference.expr, Expr::Path(p) if p.path.is_ident(&var))
    {
        return None;
    }
    let alias = index.locals.iter().copied().find(|l| {
        l.init
            .as_ref()
            .is_some_and(|i| node_range(&*i.expr) == borrow_range && i.diverge.is_none())
    })?;
    if !matches!(alias.pat, Pat::Ident(_)) {
        return None;
    }
    let alias_name = pat_ident(&alias.pat)?.to_string();
    let spawn_span = rustc.spans.iter().find(|s| {
        s.label
            .as_deref()
            .is_some_and(|l| l.contains("is borrowed for `'static`"))
    })?;
    let spawn = spawn_at(
        index,
        &(spawn_span.byte_start as usize..spawn_span.byte_end as usize),
    )?;
    // `async move` already (else rustc reports E0373 first): only the copy is missing.
    spawn.block.capture.as_ref()?;
    let f = index.fn_at(borrow_range.start)?;
    let fn_end = node_range(f.block).end;
    let alias_end = node_range(alias).end;
    // The alias is moved into the task: nothing may use it after the spawn.
    if !code
        .var_uses(&alias_name, node_range(spawn.stmt).end..fn_end)
        .is_empty()
    {
        return None;
    }
    // Moving `var` is sound when nothing uses it after the alias and nothing else borrows it
    // (a borrow taken earlier could still be alive).
    let fn_start = node_range(f.block).start;
    let other_borrows = code.var_uses(&var, fn_start..fn_end).iter().any(|u| {
        !syntax::contains(&borrow_range, &u.range)
            && matches!(
                u.kind,
                UseKind::Borrowed | UseKind::Value | UseKind::OtherMacro
            )
    });
    let moved = code.var_uses(&var, alias_end..fn_end).is_empty() && !other_borrows;
    let mut unsure = !moved;
    let mut edits = vec![code.edit(
        borrow_range.clone(),
        if moved {
            var.clone()
        } else {
            format!("{var}.clone()")
        },
    )];
    // Every use of the alias keeps its type: it held `&T`, now `T`.
    for u in code.var_uses(&alias_name, alias_end..fn_end) {
        match u.kind {
            UseKind::Format | UseKind::Receiver | UseKind::FieldBase => {}
            UseKind::Deref => {
                let star = u.range.start.checked_sub(1)?;
                edits.push(code.edit(star..u.range.start, ""));
            }
            UseKind::Value => {
                let t = code.tok_at(u.range.start)?;
                let in_braces = |k: Option<&TokKind>, open: bool| match k {
                    Some(TokKind::Punct(',', _)) => true,
                    Some(TokKind::Open(proc_macro2::Delimiter::Brace)) => open,
                    Some(TokKind::Close(proc_macro2::Delimiter::Brace)) => !open,
                    _ => false,
                };
                let prev = t
                    .checked_sub(1)
                    .and_then(|p| code.toks.get(p))
                    .map(|t| &t.kind);
                let next = code.toks.get(t + 1).map(|t| &t.kind);
                if in_braces(prev, true) && in_braces(next, false) {
                    // Maybe a struct literal's shorthand field: `&` cannot go there.
                    return None;
                }
                edits.push(code.edit(u.range.start..u.range.start, "&"));
            }
            UseKind::Borrowed | UseKind::OtherMacro => unsure = true,
        }
    }
    let title = if moved {
        format!(
            "Move `{var}` into the task instead of lending it (`{alias_name}` borrows it inside)"
        )
    } else {
        format!("Give the task a clone of `{var}` instead of a reference to it")
    };
    Some(Proposal::Edits(Fix {
        title,
        applicability: if unsure {
            Applicability::MaybeIncorrect
        } else {
            Applicability::MachineApplicable
        },
        edits,
    }))
}

/// `static_in_words`: what to change, in words, when the task borrows something no recipe
/// could rewrite (a value used after the task starts, `&self` whose methods the task calls, a
/// mutable reference). Quotes the borrowed value's declaration and the task's first line.
pub fn static_in_words(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let index = code.index();
    let rustc = &input.diagnostic.rustc;
    let code_id = input.diagnostic.code()?;
    // Quoting lines of a file edited since the check would quote the wrong ones.
    if rustc
        .spans
        .iter()
        .any(|s| s.file_name == code.name && !syntax::span_is_current(&code.text, s))
    {
        return None;
    }
    let var = match code_id {
        "E0373" | "E0597" => rustc.message.split('`').nth(1)?.to_string(),
        "E0521" => rustc
            .spans
            .iter()
            .find_map(|s| s.label.as_deref().filter(|l| l.contains("escapes the")))?
            .split('`')
            .nth(1)?
            .to_string(),
        _ => return None,
    };
    let mut lines: Vec<QuotedLine> = Vec::new();
    let mut seen: BTreeSet<usize> = BTreeSet::new();
    let mut quote = |r: Range<usize>, max: usize, lines: &mut Vec<QuotedLine>| {
        for l in code.quote(r, max) {
            if seen.insert(l.number) {
                lines.push(l);
            }
        }
    };
    for s in rustc.spans.iter().filter(|s| s.file_name == code.name) {
        quote(s.byte_start as usize..s.byte_end as usize, 1, &mut lines);
    }
    lines.sort_by_key(|l| l.number);
    let text = match code_id {
        "E0373" => {
            // Uses after the async block the primary span starts.
            let used_later = rustc.spans.iter().find(|s| s.is_primary).is_some_and(|p| {
                let at = p.byte_start as usize..p.byte_end as usize;
                let Some(block) = async_block(&index, &at) else {
                    return false;
                };
                let end = node_range(block).end;
                index.fn_at(end).is_some_and(|f| {
                    !code.var_uses(&var, end..node_range(f.block).end).is_empty()
                })
            });
            if used_later {
                format!(
                    "the task must own `{var}`, but the function still uses it afterwards: make a copy for the task before starting it (a clone under another name, moved in with `async move`), or stop using `{var}` after the task starts"
                )
            } else {
                format!(
                    "the task must own what it uses: write `async move` so `{var}` moves into it (if `{var}` is itself a reference, move an owned copy instead)"
                )
            }
        }
        "E0521" if var == "self" => "the task uses `self`, which is only borrowed for this call: copy the fields the task needs into locals before spawning and use those inside, or keep the value in an `Arc` and move a clone of the `Arc` into the task (its methods can take `self: Arc<Self>`)".to_string(),
        "E0521" => format!(
            "the task keeps `{var}`, a reference that ends when this function returns: move an owned copy into the task (`.to_owned()` or `.clone()` before spawning), or take an owned value (or an `Arc`) as the parameter instead"
        ),
        _ => format!(
            "the task holds a borrow of `{var}`, which is dropped when this function returns: move `{var}` itself into the task (or a clone of it, or an `Arc` shared with the task)"
        ),
    };
    Some(Proposal::InWords { text, lines })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::testing::{applied, child, diagnostic, run, span};

    fn e0373(text: &str, var: &str, block: &str) -> crate::diagnostic::Diagnostic {
        let at = text.find(block).unwrap() + "async".len();
        let mut sugg = crate::fix::recipes::testing::span_at(text, at..at, None, true);
        sugg["suggested_replacement"] = " move".into();
        sugg["suggestion_applicability"] = "MachineApplicable".into();
        diagnostic(
            "error",
            Some("E0373"),
            &format!("async block may outlive the current function, but it borrows `{var}`, which is owned by the current function"),
            vec![
                span(text, var, 1, Some(&format!("`{var}` is borrowed here")), false),
                span(text, "async", 0, Some(&format!("may outlive borrowed value `{var}`")), true),
            ],
            vec![
                child("note", "async blocks are not executed immediately and must either take a reference or ownership of outside variables they use", vec![]),
                child("help", &format!("to force the async block to take ownership of `{var}` (and any other referenced variables), use the `move` keyword"), vec![sugg]),
            ],
        )
    }

    #[test]
    fn async_move_reuses_rustcs_suggestion() {
        let text = "fn start_worker() {\n    let user_id = String::from(\"u-42\");\n    tokio::spawn(async {\n        println!(\"working for {user_id}\");\n    });\n}\n";
        let d = e0373(text, "user_id", "async {");
        let p = run(async_move, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        assert_eq!(
            fix.title,
            "Move `user_id` into the async block (`async move`)"
        );
        assert!(applied(&p, text).contains("tokio::spawn(async move {"));
    }

    #[test]
    fn async_move_declines_when_the_value_is_used_afterwards() {
        let text = "fn start_worker() {\n    let user_id = String::from(\"u-42\");\n    tokio::spawn(async {\n        println!(\"working for {user_id}\");\n    });\n    println!(\"{user_id}\");\n}\n";
        let d = e0373(text, "user_id", "async {");
        assert_eq!(run(async_move, &d, text, None, None), None);
        let Some(Proposal::InWords { text: words, lines }) =
            run(static_in_words, &d, text, None, None)
        else {
            panic!()
        };
        assert!(words.contains("still uses it afterwards"), "{words}");
        assert!(lines
            .iter()
            .any(|l| l.text.contains("tokio::spawn(async {")));
    }

    #[test]
    fn static_in_words_declines_other_errors_and_stale_files() {
        let text = "fn start_worker() {\n    let user_id = String::from(\"u-42\");\n    tokio::spawn(async {\n        println!(\"working for {user_id}\");\n    });\n    println!(\"{user_id}\");\n}\n";
        let other = diagnostic(
            "error",
            Some("E0308"),
            "mismatched types",
            vec![span(text, "user_id", 0, None, true)],
            vec![],
        );
        assert_eq!(run(static_in_words, &other, text, None, None), None);
        let d = e0373(text, "user_id", "async {");
        let edited = text.replace("tokio::spawn(async {", "tokio::spawn( async {");
        assert_eq!(run(static_in_words, &d, &edited, None, None), None);
    }

    #[test]
    fn async_move_declines_for_a_borrowed_parameter() {
        let text = "fn start_worker(user_id: &str) {\n    tokio::spawn(async {\n        println!(\"working for {user_id}\");\n    });\n}\n";
        let d = e0373(text, "user_id", "async {");
        assert_eq!(run(async_move, &d, text, None, None), None);
    }

    fn e0521(text: &str, var: &str, kind: &str, spawn: &str) -> crate::diagnostic::Diagnostic {
        let spawn_start = text.find(spawn).unwrap();
        let spawn_end = text[spawn_start..].find("});").unwrap() + spawn_start + 2;
        let spawn_span = crate::fix::recipes::testing::span_at(
            text,
            spawn_start..spawn_end,
            Some(&format!("`{var}` escapes the {kind} body here")),
            true,
        );
        diagnostic(
            "error",
            Some("E0521"),
            &format!("borrowed data escapes outside of {kind}"),
            vec![
                span(
                    text,
                    var,
                    0,
                    Some(&format!(
                        "`{var}` is a reference that is only valid in the {kind} body"
                    )),
                    false,
                ),
                spawn_span,
            ],
            vec![],
        )
    }

    #[test]
    fn a_str_parameter_is_owned_by_the_task() {
        let text = "fn greet_later(name: &str) {\n    tokio::spawn(async move {\n        println!(\"hello {name}\");\n    });\n}\n";
        let d = e0521(text, "name", "function", "tokio::spawn(");
        let p = run(clone_into_task, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        assert_eq!(
            applied(&p, text),
            "fn greet_later(name: &str) {\n    let name = name.to_owned();\n    tokio::spawn(async move {\n        println!(\"hello {name}\");\n    });\n}\n"
        );
        // Used after the spawn: the shadowing copy would be moved away.
        let later = text.replace("    });\n}", "    });\n    println!(\"{name}\");\n}");
        let d = e0521(&later, "name", "function", "tokio::spawn(");
        assert_eq!(run(clone_into_task, &d, &later, None, None), None);
    }

    #[test]
    fn self_fields_are_copied_out() {
        let text = "struct Notifier {\n    channel: String,\n    retries: u32,\n}\n\nimpl Notifier {\n    fn start(&self) {\n        tokio::spawn(async move {\n            println!(\"listening on {} ({})\", self.channel, self.retries);\n        });\n    }\n}\n";
        let d = e0521(text, "self", "method", "tokio::spawn(");
        let p = run(clone_into_task, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        let out = applied(&p, text);
        assert!(out.contains("        let channel = self.channel.clone();\n        let retries = self.retries;\n        tokio::spawn(async move {\n            println!(\"listening on {} ({})\", channel, retries);"), "{out}");
        // A method call on `self` needs more than copies.
        let method = text.replace("self.retries);", "self.retries);\n            self.stop();");
        let d = e0521(&method, "self", "method", "tokio::spawn(");
        assert_eq!(run(clone_into_task, &d, &method, None, None), None);
        let Some(Proposal::InWords { text: words, .. }) =
            run(static_in_words, &d, &method, None, None)
        else {
            panic!()
        };
        assert!(words.contains("Arc"), "{words}");
    }

    #[test]
    fn a_borrowed_local_is_moved_in() {
        let text = "fn start_mailer() {\n    let recipients = vec![String::from(\"ada@example.com\")];\n    let to_notify = &recipients;\n    tokio::spawn(async move {\n        for address in to_notify {\n            println!(\"mail {address}\");\n        }\n    });\n}\n";
        let spawn_start = text.find("tokio::spawn(").unwrap();
        let spawn_end = text.rfind("});").unwrap() + 2;
        let d = diagnostic(
            "error",
            Some("E0597"),
            "`recipients` does not live long enough",
            vec![
                span(
                    text,
                    "&recipients",
                    0,
                    Some("borrowed value does not live long enough"),
                    true,
                ),
                crate::fix::recipes::testing::span_at(
                    text,
                    spawn_start..spawn_end,
                    Some("argument requires that `recipients` is borrowed for `'static`"),
                    false,
                ),
            ],
            vec![],
        );
        let p = run(clone_into_task, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        let out = applied(&p, text);
        assert!(out.contains("    let to_notify = recipients;\n"), "{out}");
        assert!(out.contains("for address in &to_notify {"), "{out}");
        // Still used afterwards: a clone, and only maybe what was meant.
        let later = text.replace(
            "    });\n}",
            "    });\n    println!(\"{}\", recipients.len());\n}",
        );
        let spawn_end = later.rfind("});").unwrap() + 2;
        let d = diagnostic(
            "error",
            Some("E0597"),
            "`recipients` does not live long enough",
            vec![
                span(
                    &later,
                    "&recipients",
                    0,
                    Some("borrowed value does not live long enough"),
                    true,
                ),
                crate::fix::recipes::testing::span_at(
                    &later,
                    spawn_start..spawn_end,
                    Some("argument requires that `recipients` is borrowed for `'static`"),
                    false,
                ),
            ],
            vec![],
        );
        let Some(Proposal::Edits(fix)) = run(clone_into_task, &d, &later, None, None) else {
            panic!()
        };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
    }
}
