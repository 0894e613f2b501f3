//! Recipes for values that are not `Send` (or `Sync`) where a task or a shared future needs
//! them to be: `Rc` → `Arc` (`rc_to_arc`), `Rc<RefCell<T>>` → `Arc<Mutex<T>>`
//! (`refcell_to_mutex`), `Cell<integer>` → an atomic (`cell_to_atomic`),
//! `Box<dyn Error>` → `Box<dyn Error + Send + Sync>` where the function declares it
//! (`box_dyn_error_send_sync`), and, when no edit is sound, the words naming the type and the
//! runtime's way to run a task that stays on one thread (`send_in_words`).
//!
//! The value is found from rustc's labels: "has type `T` which is not `Send`" on its binding,
//! "captured value is not `Send`" on its use inside the task, or "`T` cannot be sent between
//! threads safely" on the task a spawn returns from.

use std::ops::Range;

use syn::{Expr, Local, Stmt, Type};

use super::body::{
    call_path, last_segment, local_type, pat_ident, strip_await_try, Code, FnItem, Index, UseKind,
};
use super::held::{self, Site};
use super::imports;
use super::types::{self, Want};
use crate::context::Runtime;
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal, QuotedLine};

/// What a Send diagnostic is about.
enum Subject<'a> {
    /// A `let` binding (held across an `.await`, or captured by the task).
    Local(&'a Local),
    /// The value a spawned task produces (the spawn's argument).
    Produced(&'a Expr),
}

/// The non-`Send` value of the diagnostic and its type as rustc prints it.
struct Target<'a> {
    subject: Subject<'a>,
    ty: String,
}

/// Finds the diagnostic's value: held across an `.await`, captured, or returned.
fn target<'a>(input: &Input<'_>, code: &Code, index: &Index<'a>) -> Option<Target<'a>> {
    let rustc = &input.diagnostic.rustc;
    // Held across an `.await` (rustc's note, also clippy's `future_not_send`).
    if let Some(h) = held::held(input, &code.text) {
        if h.file == code.name {
            if let Some(Site::Let { local, .. }) = held::site(&h, code, index) {
                return Some(Target {
                    subject: Subject::Local(local),
                    ty: h.ty?,
                });
            }
        }
        return None;
    }
    // Captured by the task: the label sits on a use inside the async block.
    for child in &rustc.children {
        if !child.message.contains("captured value is not `Send`") {
            continue;
        }
        let span = child.spans.iter().find(|s| s.file_name == code.name)?;
        if !syntax::span_is_current(&code.text, span) {
            return None;
        }
        let (ty, _) = held::not_send_type(span.label.as_deref()?)?;
        let at = span.byte_start as usize..span.byte_end as usize;
        let name = code.src(at.clone());
        if !held::is_identifier(name) {
            return None;
        }
        let local = index.local_named_before(name, at.start)?;
        return Some(Target {
            subject: Subject::Local(local),
            ty,
        });
    }
    // Both remaining shapes name the type in the message and point at the user's code: the
    // closure sent to another thread (`spawn_blocking(move || …)`, with "required because
    // it's used within this closure"), or the expression whose value the task returns.
    let ty = rustc
        .message
        .strip_prefix('`')?
        .strip_suffix("` cannot be sent between threads safely")?
        .to_string();
    let span = rustc.spans.iter().find(|s| s.is_primary)?;
    if span.file_name != code.name || !syntax::span_is_current(&code.text, span) {
        return None;
    }
    let at = span.byte_start as usize..span.byte_end as usize;
    if rustc
        .children
        .iter()
        .any(|c| c.message == "required because it's used within this closure")
    {
        return captured_by_closure(at, ty, code, index);
    }
    let expr = index.expr_exact(&at)?;
    Some(Target {
        subject: Subject::Produced(expr),
        ty,
    })
}

/// The value a closure sent to another thread captures: the one `let` before the closure,
/// named inside it, whose type or initializer spells `Rc` (rustc names only the type).
/// `closure` is the primary span (already checked to be current), `ty` the type rustc names.
fn captured_by_closure<'a>(
    closure: std::ops::Range<usize>,
    ty: String,
    code: &Code,
    index: &Index<'a>,
) -> Option<Target<'a>> {
    if !matches!(index.expr_exact(&closure)?, Expr::Closure(_)) {
        return None;
    }
    let mut found: Vec<&'a Local> = Vec::new();
    for tok in code
        .toks
        .iter()
        .filter(|t| syntax::contains(&closure, &t.range))
    {
        let super::body::TokKind::Ident(name) = &tok.kind else {
            continue;
        };
        let Some(local) = index.local_named_before(name, closure.start) else {
            continue;
        };
        let spells_rc = code.src(node_range(local)).contains("Rc");
        if spells_rc && !found.iter().any(|f| std::ptr::eq(*f, local)) {
            found.push(local);
        }
    }
    match found.as_slice() {
        [local] => Some(Target {
            subject: Subject::Local(local),
            ty,
        }),
        _ => None,
    }
}

/// The file of the diagnostic's span in the user's code, parsed.
fn user_code(input: &Input<'_>) -> Option<Code> {
    let span = input.diagnostic.user_span()?;
    Code::load(input.sources, &span.file_name)
}

/// One renaming the rewriter applies to path heads: `Rc` → `Arc` (or the full
/// `std::rc::Rc` → `std::sync::Arc`).
struct Rename {
    from: &'static str,
    from_modules: &'static [&'static [&'static str]],
    to: &'static str,
    to_full: &'static str,
    from_full: &'static str,
}

const RC_TO_ARC: Rename = Rename {
    from: "Rc",
    from_modules: &[&["std", "rc"], &["alloc", "rc"]],
    to: "Arc",
    to_full: "std::sync::Arc",
    from_full: "std::rc::Rc",
};

const REFCELL_TO_MUTEX: Rename = Rename {
    from: "RefCell",
    from_modules: &[&["std", "cell"], &["core", "cell"]],
    to: "Mutex",
    to_full: "std::sync::Mutex",
    from_full: "std::cell::RefCell",
};

/// Collects the edits that turn one value's `Rc` into an `Arc` (and, for
/// `refcell_to_mutex`, its `RefCell` into a `Mutex`): where it is made, its written types,
/// the functions that return it, and the aliases (`let b = a.clone()`) that share it.
struct Rewriter<'c, 'a> {
    code: &'c Code,
    index: &'c Index<'a>,
    renames: Vec<Rename>,
    edits: Vec<Edit>,
    /// The identifiers replaced (for the "is the old name still used" question).
    replaced: Vec<Range<usize>>,
    /// Renames applied to a bare (imported) name, by index into `renames`.
    bare: Vec<usize>,
    /// Locals already followed.
    seen: Vec<Range<usize>>,
    /// Locals whose uses were checked: `(name, scope)`.
    vars: Vec<(String, Range<usize>)>,
    /// Why the edit might not compile (an unknown function receives the value).
    unsure: Vec<String>,
    /// For `refcell_to_mutex`: the values whose `.borrow()` calls become `.lock().unwrap()`.
    cells: Vec<(String, Range<usize>)>,
}

impl<'c, 'a> Rewriter<'c, 'a> {
    fn new(code: &'c Code, index: &'c Index<'a>, renames: Vec<Rename>) -> Self {
        Rewriter {
            code,
            index,
            renames,
            edits: Vec::new(),
            replaced: Vec::new(),
            bare: Vec::new(),
            seen: Vec::new(),
            vars: Vec::new(),
            unsure: Vec::new(),
            cells: Vec::new(),
        }
    }

    fn push(&mut self, range: Range<usize>, text: &str) {
        if !self
            .edits
            .iter()
            .any(|e| e.start == range.start && e.end == range.end)
        {
            self.edits.push(self.code.edit(range, text));
        }
    }

    /// Renames the segment of `path` that one of the renames names. Returns whether one did;
    /// `None` when the name is written through a path we do not know (`rc::Rc`).
    fn path(&mut self, path: &syn::Path) -> Option<bool> {
        let segments: Vec<&syn::PathSegment> = path.segments.iter().collect();
        for (k, seg) in segments.iter().enumerate() {
            let Some(ri) = self.renames.iter().position(|r| seg.ident == r.from) else {
                continue;
            };
            let rename = &self.renames[ri];
            let ident = node_range(&seg.ident);
            if k == 0 && path.leading_colon.is_none() {
                self.replaced.push(ident.clone());
                self.bare.push(ri);
                let to = rename.to;
                self.push(ident, to);
                return Some(true);
            }
            let prefix: Vec<String> = segments[..k].iter().map(|s| s.ident.to_string()).collect();
            if !rename
                .from_modules
                .iter()
                .any(|m| m.iter().eq(prefix.iter()))
            {
                return None;
            }
            let start = node_range(&segments[0].ident).start;
            let start = if path.leading_colon.is_some() {
                start.saturating_sub(2)
            } else {
                start
            };
            self.replaced.push(ident.clone());
            let to_full = rename.to_full;
            self.push(start..ident.end, to_full);
            return Some(true);
        }
        Some(false)
    }

    /// Renames every matching path segment in a written type.
    fn ty(&mut self, ty: &Type) -> Option<()> {
        struct Paths<'t>(Vec<&'t syn::Path>);
        impl<'t> syn::visit::Visit<'t> for Paths<'t> {
            fn visit_path(&mut self, p: &'t syn::Path) {
                self.0.push(p);
                syn::visit::visit_path(self, p);
            }
        }
        let mut paths = Paths(Vec::new());
        syn::visit::visit_type(&mut paths, ty);
        for p in paths.0 {
            self.path(p)?;
        }
        Some(())
    }

    /// Follows the expression that produces the value back to where it is made.
    fn origin(&mut self, expr: &'a Expr, depth: usize) -> Option<()> {
        if depth > 6 {
            return None;
        }
        let expr = strip_parens(expr);
        match expr {
            Expr::Call(call) => {
                let path = call_path(expr)?;
                let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
                let Some(pos) = segs.iter().position(|s| s == "Rc") else {
                    // A function of this file that returns the value.
                    return self.function_result(expr, depth);
                };
                let method = segs.get(pos + 1).map(String::as_str);
                match method {
                    Some("new") | Some("from") | Some("default") | Some("pin") => {
                        self.path(path)?.then_some(())?;
                        if self.renames.len() > 1 {
                            // `Rc::new(RefCell::new(x))`: the cell is made right here.
                            let arg = call.args.first()?;
                            self.cell_origin(arg)?;
                        }
                        Some(())
                    }
                    Some("clone") => {
                        self.path(path)?.then_some(())?;
                        let Expr::Reference(r) = call.args.first()? else {
                            return None;
                        };
                        self.origin(&r.expr, depth + 1)
                    }
                    _ => None,
                }
            }
            Expr::Path(p) => {
                let name = p.path.get_ident()?.to_string();
                let at = node_range(expr).start;
                let local = self.index.local_named_before(&name, at)?;
                self.local(local, depth + 1)
            }
            Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => {
                self.origin(&m.receiver, depth + 1)
            }
            Expr::Async(a) => self.origin(tail(&a.block)?, depth + 1),
            Expr::Block(b) => self.origin(tail(&b.block)?, depth + 1),
            Expr::Await(_) => self.function_result(expr, depth),
            _ => None,
        }
    }

    /// `RefCell::new(x)` (or `RefCell::default()`) inside the `Rc::new`.
    fn cell_origin(&mut self, expr: &'a Expr) -> Option<()> {
        let path = call_path(strip_parens(expr))?;
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let pos = segs.iter().position(|s| s == "RefCell")?;
        matches!(
            segs.get(pos + 1).map(String::as_str),
            Some("new") | Some("default")
        )
        .then_some(())?;
        self.path(path)?.then_some(())
    }

    /// A call of a function of this file (awaited or not): its written return type and what
    /// its body returns.
    fn function_result(&mut self, expr: &'a Expr, depth: usize) -> Option<()> {
        let called = strip_await_try(expr);
        let path = call_path(called)?;
        let name = path.get_ident()?.to_string();
        let f = self.index.fn_named(&name)?;
        let syn::ReturnType::Type(_, ret) = &f.sig.output else {
            return None;
        };
        if f.public || self.index.outline_mods > 0 {
            self.unsure.push(format!(
                "callers of `{name}` outside this file may expect an `Rc`"
            ));
        }
        self.ty(ret)?;
        let block: &'a syn::Block = f.block;
        if returns_early(block) {
            return None;
        }
        self.origin(tail(block)?, depth + 1)?;
        // The function's other callers in this file must accept the `Arc` too.
        self.check_callers(&name, &f)
    }

    /// Calls of `name` elsewhere whose result goes somewhere that insists on an `Rc`.
    fn check_callers(&mut self, name: &str, f: &FnItem<'a>) -> Option<()> {
        let calls: Vec<&'a Expr> = self
            .index
            .exprs
            .iter()
            .filter(|e| {
                call_path(e)
                    .and_then(|p| p.get_ident())
                    .is_some_and(|i| i == name)
            })
            .copied()
            .collect();
        for call in calls {
            if syntax::contains(&f.range, &node_range(call)) {
                continue;
            }
            // Bound by a `let` with a written type, or passed on: check like a local.
            let around = self.index.locals.iter().find(|l| {
                l.init
                    .as_ref()
                    .is_some_and(|i| syntax::contains(&node_range(&*i.expr), &node_range(call)))
            });
            if let Some(local) = around {
                if let Some(t) = local_type(local) {
                    self.ty(t)?;
                }
            }
        }
        Some(())
    }

    /// `Rc::f(v` or `Rc::f(&v` written in a macro call's tokens, `v` being token `t`: the
    /// `Rc` is renamed like the others. Anything else inside a macro call stops the recipe:
    /// what the macro does with the value is unknown.
    fn rc_call_in_tokens(&mut self, t: usize) -> Option<()> {
        use super::body::TokKind;
        let toks = &self.code.toks;
        let mut i = t.checked_sub(1)?;
        if toks[i].kind == TokKind::Punct('&', proc_macro2::Spacing::Alone) {
            i = i.checked_sub(1)?;
        }
        if toks[i].kind != TokKind::Open(proc_macro2::Delimiter::Parenthesis) {
            return None;
        }
        let TokKind::Ident(method) = &toks[i.checked_sub(1)?].kind else {
            return None;
        };
        let colons = i.checked_sub(3)?;
        let (TokKind::Punct(':', _), TokKind::Punct(':', _)) =
            (&toks[colons].kind, &toks[colons + 1].kind)
        else {
            return None;
        };
        let rc = colons.checked_sub(1)?;
        if toks[rc].kind != TokKind::Ident("Rc".into()) || !RC_FUNCTIONS.contains(&method.as_str())
        {
            return None;
        }
        // A bare `Rc` (not `x::Rc`).
        if rc > 0 && matches!(toks[rc - 1].kind, TokKind::Punct(':', _)) {
            return None;
        }
        let range = toks[rc].range.clone();
        self.replaced.push(range.clone());
        self.bare.push(0);
        self.push(range, "Arc");
        Some(())
    }

    /// A `let` that holds the value: its written type, its initialiser, and its uses.
    fn local(&mut self, local: &'a Local, depth: usize) -> Option<()> {
        let range = node_range(local);
        if self.seen.contains(&range) {
            return Some(());
        }
        self.seen.push(range.clone());
        if let Some(t) = local_type(local) {
            self.ty(t)?;
        }
        let init = local.init.as_ref()?;
        if init.diverge.is_some() {
            return None;
        }
        self.origin(&init.expr, depth)?;
        let name = pat_ident(&local.pat)?.to_string();
        let block = self.index.block_at(&range)?;
        let scope = range.end..node_range(block).end;
        self.vars.push((name.clone(), scope.clone()));
        if self.renames.len() > 1 {
            self.cells.push((name.clone(), scope.clone()));
        }
        self.uses(&name, scope, depth)
    }

    /// Checks how the value is used after its `let`: what auto-derefs is fine; `Rc::…(&v)`
    /// calls are renamed too; `let w = v.clone()` is followed; a function of this file whose
    /// parameter is written `Rc<…>` stops the recipe; an unknown function makes it unsure.
    fn uses(&mut self, name: &str, scope: Range<usize>, depth: usize) -> Option<()> {
        for u in self.code.var_uses(name, scope) {
            match u.kind {
                UseKind::Format | UseKind::FieldBase | UseKind::Deref => {}
                UseKind::Receiver => {
                    // `let w = v.clone();` shares the value: follow `w` too.
                    let alias = self.index.locals.iter().copied().find(|l| {
                        l.init
                            .as_ref()
                            .is_some_and(|i| match strip_parens(&i.expr) {
                                Expr::MethodCall(m) => {
                                    m.method == "clone" && node_range(&*m.receiver) == u.range
                                }
                                _ => false,
                            })
                    });
                    if let Some(alias) = alias {
                        self.local_alias(alias, depth + 1)?;
                    }
                }
                UseKind::Borrowed | UseKind::Value | UseKind::OtherMacro => {
                    self.passed(name, &u.range, depth)?;
                }
            }
        }
        Some(())
    }

    /// An alias made by `let w = v.clone()`: its type and uses.
    fn local_alias(&mut self, local: &'a Local, depth: usize) -> Option<()> {
        let range = node_range(local);
        if self.seen.contains(&range) || depth > 6 {
            return Some(());
        }
        self.seen.push(range.clone());
        if let Some(t) = local_type(local) {
            self.ty(t)?;
        }
        let name = pat_ident(&local.pat)?.to_string();
        let block = self.index.block_at(&range)?;
        let scope = range.end..node_range(block).end;
        self.vars.push((name.clone(), scope.clone()));
        if self.renames.len() > 1 {
            self.cells.push((name.clone(), scope.clone()));
        }
        self.uses(&name, scope, depth)
    }

    /// The value (or `&value`) at `at` is an operand or argument.
    fn passed(&mut self, name: &str, at: &Range<usize>, depth: usize) -> Option<()> {
        // Inside a macro call `syn` sees no expressions: read `Rc::f(&v` from the tokens.
        if let Some(t) = self
            .code
            .tok_at(at.start)
            .filter(|&t| self.code.toks[t].in_macro.is_some())
        {
            return self.rc_call_in_tokens(t);
        }
        // `Rc::clone(&v)`, `Rc::strong_count(&v)`, …: the same function exists on `Arc`.
        let call = self
            .index
            .expr_around(at, |e| matches!(e, Expr::Call(_) | Expr::MethodCall(_)));
        match call {
            Some(e @ Expr::Call(c)) if is_direct_arg(&c.args, at) => {
                let path = call_path(e)?;
                let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
                if let Some(pos) = segs.iter().position(|s| s == "Rc") {
                    if !segs
                        .get(pos + 1)
                        .is_some_and(|m| RC_FUNCTIONS.contains(&m.as_str()))
                    {
                        return None;
                    }
                    self.path(path)?.then_some(())?;
                    // `let w = Rc::clone(&v);` shares the value: follow `w`.
                    let alias = self.index.locals.iter().copied().find(|l| {
                        l.init
                            .as_ref()
                            .is_some_and(|i| node_range(&*i.expr) == node_range(e))
                    });
                    if let Some(alias) = alias {
                        self.local_alias(alias, depth + 1)?;
                    }
                    return Some(());
                }
                if path.segments.len() == 1 && path.segments[0].ident == "drop" {
                    return Some(());
                }
                // A function of this file: its parameter's written type decides.
                if let Some(f) = path
                    .get_ident()
                    .and_then(|i| self.index.fn_named(&i.to_string()))
                {
                    let pos = c
                        .args
                        .iter()
                        .position(|a| syntax::contains(&node_range(a), at))?;
                    let param = f
                        .sig
                        .inputs
                        .iter()
                        .filter(|a| matches!(a, syn::FnArg::Typed(_)))
                        .nth(pos)?;
                    let syn::FnArg::Typed(p) = param else {
                        return None;
                    };
                    return (!mentions(&p.ty, "Rc")).then_some(());
                }
                self.unsure.push(format!(
                    "`{name}` is passed to a function this file does not define"
                ));
                Some(())
            }
            Some(Expr::MethodCall(m)) if is_direct_arg(&m.args, at) => {
                self.unsure.push(format!(
                    "`{name}` is passed to `.{}()`, which may want an `Rc`",
                    m.method
                ));
                Some(())
            }
            _ => {
                self.unsure
                    .push(format!("`{name}` is used where its type may matter"));
                Some(())
            }
        }
    }
}

/// `Rc`'s associated functions that `Arc` has too, with the same meaning.
const RC_FUNCTIONS: &[&str] = &[
    "clone",
    "strong_count",
    "weak_count",
    "ptr_eq",
    "downgrade",
    "try_unwrap",
    "into_inner",
    "get_mut",
    "make_mut",
    "unwrap_or_clone",
    "as_ptr",
];

/// Whether `at` is one of `args` (or `&` of one).
fn is_direct_arg(
    args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    at: &Range<usize>,
) -> bool {
    args.iter().any(|a| {
        let r = node_range(a);
        r == *at
            || matches!(a, Expr::Reference(re) if re.mutability.is_none() && node_range(&*re.expr) == *at)
    })
}

/// Whether a written type names `name` anywhere.
fn mentions(ty: &Type, name: &str) -> bool {
    struct Finder<'n>(&'n str, bool);
    impl<'t> syn::visit::Visit<'t> for Finder<'_> {
        fn visit_ident(&mut self, i: &'t syn::Ident) {
            if i == self.0 {
                self.1 = true;
            }
        }
    }
    let mut f = Finder(name, false);
    syn::visit::visit_type(&mut f, ty);
    f.1
}

fn strip_parens(mut expr: &Expr) -> &Expr {
    loop {
        expr = match expr {
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            _ => return expr,
        };
    }
}

/// A block's tail expression (the value it evaluates to).
pub(super) fn tail(block: &syn::Block) -> Option<&Expr> {
    match block.stmts.last()? {
        Stmt::Expr(e, None) => Some(e),
        _ => None,
    }
}

/// Whether a function body has a `return` (outside closures and async blocks).
fn returns_early(block: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_try(&mut self, _: &'a syn::ExprTry) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Finder(false);
    syn::visit::visit_block(&mut f, block);
    f.0
}

/// The import edits for the renames applied to bare names.
fn import_edits(rw: &Rewriter<'_, '_>) -> Option<Vec<Edit>> {
    let mut out = Vec::new();
    let mut done: Vec<usize> = Vec::new();
    for &ri in &rw.bare {
        if done.contains(&ri) {
            continue;
        }
        done.push(ri);
        let r = &rw.renames[ri];
        let still = imports::uses_outside_imports(rw.code, r.from, &rw.replaced) > 0;
        out.extend(imports::swap(rw.code, r.from_full, r.to_full, still)?);
    }
    Some(out)
}

/// The name a proposal uses for the value.
fn subject_name(subject: &Subject<'_>, code: &Code) -> String {
    match subject {
        Subject::Local(l) => pat_ident(&l.pat).map(|i| i.to_string()).unwrap_or_default(),
        Subject::Produced(e) => code.src(node_range(*e)).to_string(),
    }
}

/// `rc_to_arc`: the `Rc` rustc names becomes an `Arc`, where it is made and where its type
/// is written, with the `use` line adjusted.
pub fn rc_to_arc(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let index = code.index();
    let target = target(input, &code, &index)?;
    let ty = types::parse(&target.ty)?;
    if types::head(&ty).as_deref() != Some("Rc") {
        return None;
    }
    let inner = types::only_arg(&ty)?;
    let inner_head = types::head(inner);
    if matches!(inner_head.as_deref(), Some("RefCell") | Some("Cell")) {
        // Interior mutability needs a lock or an atomic too (`refcell_to_mutex`).
        return None;
    }
    let inner_ok = types::has(inner, Want::SendSync, Some(&index));
    if !inner_ok && surely_not_send_sync(inner, &index) {
        return None;
    }
    let mut rw = Rewriter::new(&code, &index, vec![RC_TO_ARC]);
    match &target.subject {
        Subject::Local(l) => rw.local(l, 0)?,
        Subject::Produced(e) => rw.origin(e, 0)?,
    }
    if rw.edits.is_empty() {
        return None;
    }
    let mut edits = rw.edits.clone();
    edits.extend(import_edits(&rw)?);
    let sure = inner_ok && rw.unsure.is_empty();
    let name = subject_name(&target.subject, &code);
    let title = match &target.subject {
        Subject::Local(_) => format!("Share `{name}` with `Arc` instead of `Rc`"),
        Subject::Produced(e) => match strip_await_try(e) {
            c @ Expr::Call(_) if call_path(c).and_then(|p| p.get_ident()).is_some() => format!(
                "Return an `Arc` instead of an `Rc` from `{}`",
                call_path(c)
                    .and_then(|p| p.get_ident())
                    .map(|i| i.to_string())
                    .unwrap_or_default()
            ),
            _ => "Make the task's result an `Arc` instead of an `Rc`".to_string(),
        },
    };
    Some(Proposal::Edits(Fix {
        title,
        applicability: if sure {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
        edits,
    }))
}

/// Whether a type is surely not `Send + Sync`: it names `Rc`, `Cell`, `RefCell`, a raw
/// pointer, a lock guard, or a struct of this file holding one.
fn surely_not_send_sync(ty: &Type, index: &Index<'_>) -> bool {
    const BAD: &[&str] = &[
        "Rc",
        "Weak",
        "Cell",
        "RefCell",
        "UnsafeCell",
        "OnceCell",
        "Ref",
        "RefMut",
        "MutexGuard",
        "RwLockReadGuard",
        "RwLockWriteGuard",
    ];
    fn walk(ty: &Type, index: &Index<'_>, depth: usize) -> bool {
        if depth > 4 {
            return false;
        }
        struct Finder<'i, 'x> {
            index: &'i Index<'x>,
            depth: usize,
            bad: bool,
        }
        impl<'t> syn::visit::Visit<'t> for Finder<'_, '_> {
            fn visit_type_ptr(&mut self, _: &'t syn::TypePtr) {
                self.bad = true;
            }
            fn visit_path_segment(&mut self, s: &'t syn::PathSegment) {
                let name = s.ident.to_string();
                if BAD.contains(&name.as_str()) {
                    self.bad = true;
                } else if let Some(item) = self.index.struct_named(&name) {
                    if item
                        .fields
                        .iter()
                        .any(|f| walk(&f.ty, self.index, self.depth + 1))
                    {
                        self.bad = true;
                    }
                }
                syn::visit::visit_path_segment(self, s);
            }
        }
        let mut f = Finder {
            index,
            depth,
            bad: false,
        };
        syn::visit::visit_type(&mut f, ty);
        f.bad
    }
    walk(ty, index, 0)
}

/// `refcell_to_mutex`: an `Rc<RefCell<T>>` becomes an `Arc<Mutex<T>>`, and its
/// `.borrow()` / `.borrow_mut()` calls `.lock().unwrap()`. Declines when a borrow is alive at
/// an `.await` (a `MutexGuard` there would not be `Send` either) or the cell is used another
/// way. Always `MaybeIncorrect`: a second borrow while one is alive panics with `RefCell` but
/// deadlocks with `Mutex`.
pub fn refcell_to_mutex(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let index = code.index();
    let target = target(input, &code, &index)?;
    let ty = types::parse(&target.ty)?;
    if types::head(&ty).as_deref() != Some("Rc") {
        return None;
    }
    let cell = types::only_arg(&ty)?;
    if types::head(cell).as_deref() != Some("RefCell") {
        return None;
    }
    let value = types::only_arg(cell)?;
    if surely_not_send_sync(value, &index) {
        return None;
    }
    let mut rw = Rewriter::new(&code, &index, vec![RC_TO_ARC, REFCELL_TO_MUTEX]);
    match &target.subject {
        Subject::Local(l) => rw.local(l, 0)?,
        Subject::Produced(_) => return None,
    }
    // Every borrow becomes a lock; none may be alive at an `.await`.
    let cells = rw.cells.clone();
    for (name, scope) in &cells {
        for u in code.var_uses(name, scope.clone()) {
            if u.kind != UseKind::Receiver {
                continue;
            }
            let call = code.method_call_at(u.range.start)?;
            match call.method.as_str() {
                "clone" => continue,
                "borrow" | "borrow_mut" if code.src(call.args.clone()).trim().is_empty() => {}
                _ => return None,
            }
            if borrow_alive_at_await(&index, u.range.start..call.end)? {
                return None;
            }
            rw.edits
                .push(code.edit(call.method_start..call.end, "lock().unwrap()"));
        }
    }
    let mut edits = rw.edits.clone();
    edits.extend(import_edits(&rw)?);
    let name = subject_name(&target.subject, &code);
    Some(Proposal::Edits(Fix {
        title: format!("Share `{name}` as `Arc<Mutex<…>>` instead of `Rc<RefCell<…>>`"),
        applicability: Applicability::MaybeIncorrect,
        edits,
    }))
}

/// Whether the guard a `.borrow()` call (at `call`) makes is alive at an `.await`: the
/// statement holding it awaits, or it is bound by `let` and its block awaits later. `None`
/// when unsure.
fn borrow_alive_at_await(index: &Index<'_>, call: Range<usize>) -> Option<bool> {
    let block = index.block_at(&call)?;
    let (i, stmt) = super::body::stmt_holding(block, &call)?;
    let awaits_in = |r: Range<usize>| {
        index
            .exprs
            .iter()
            .any(|e| matches!(e, Expr::Await(_)) && syntax::contains(&r, &node_range(*e)))
    };
    if awaits_in(node_range(stmt)) {
        return Some(true);
    }
    if let Stmt::Local(l) = stmt {
        let bound = l
            .init
            .as_ref()
            .is_some_and(|init| node_range(&*init.expr) == call);
        if bound {
            let rest = block.stmts.get(i + 1..).unwrap_or(&[]);
            return Some(rest.iter().any(|s| awaits_in(node_range(s))));
        }
    }
    Some(false)
}

/// The atomic type for a `Cell<integer or bool>`.
fn atomic_for(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "bool" => "AtomicBool",
        "u8" => "AtomicU8",
        "u16" => "AtomicU16",
        "u32" => "AtomicU32",
        "u64" => "AtomicU64",
        "usize" => "AtomicUsize",
        "i8" => "AtomicI8",
        "i16" => "AtomicI16",
        "i32" => "AtomicI32",
        "i64" => "AtomicI64",
        "isize" => "AtomicIsize",
        _ => return None,
    })
}

/// `cell_to_atomic`: a `Cell<u32>` (any integer or `bool`) alive across an `.await` in a
/// future that must be `Sync` (or `Send`) becomes the matching atomic: `Cell::new(v)` →
/// `AtomicU32::new(v)`, `.get()` → `.load(Ordering::Relaxed)`, `.set(v)` →
/// `.store(v, Ordering::Relaxed)`, `.replace(v)` → `.swap(v, Ordering::Relaxed)`. The cell is
/// a local of the future, so no other thread can reach it and `Relaxed` keeps its meaning.
pub fn cell_to_atomic(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let index = code.index();
    let h = held::held(input, &code.text)?;
    if h.file != code.name {
        return None;
    }
    let Site::Let {
        local, name, block, ..
    } = held::site(&h, &code, &index)?
    else {
        return None;
    };
    let ty = types::parse(h.ty.as_deref()?)?;
    if types::head(&ty).as_deref() != Some("Cell") {
        return None;
    }
    let inner = types::head(types::only_arg(&ty)?)?;
    let atomic = atomic_for(&inner)?;
    let mut edits = Vec::new();
    if let Some(t) = local_type(local) {
        let Type::Path(p) = t else { return None };
        let seg = last_segment(&p.path)?;
        if seg.ident != "Cell" {
            return None;
        }
        edits.push(code.edit(node_range(t), atomic));
    }
    let init = local.init.as_ref()?;
    let path = call_path(strip_parens(&init.expr))?;
    let segs: Vec<&syn::PathSegment> = path.segments.iter().collect();
    if segs.len() < 2 || segs[segs.len() - 2].ident != "Cell" || segs[segs.len() - 1].ident != "new"
    {
        return None;
    }
    let head_start = node_range(&segs[0].ident).start;
    let cell_end = node_range(&segs[segs.len() - 2].ident).end;
    edits.push(code.edit(head_start..cell_end, atomic));
    let scope = node_range(local).end..node_range(block).end;
    let ordering = "Ordering::Relaxed";
    for u in code.var_uses(&name, scope) {
        if u.kind != UseKind::Receiver {
            return None;
        }
        let call = code.method_call_at(u.range.start)?;
        let args = call.args.clone();
        let arg_text = code.src(args.clone()).trim();
        match (call.method.as_str(), arg_text.is_empty()) {
            ("get", true) => {
                edits.push(code.edit(call.method_start..call.end, format!("load({ordering})")));
            }
            ("set" | "replace", false) => {
                let method = if call.method == "set" {
                    "store"
                } else {
                    "swap"
                };
                // The argument stays in place (it may use the cell itself, rewritten by its
                // own use); only the method name and the closing part change.
                edits.push(code.edit(call.method_start..args.start, format!("{method}(")));
                edits.push(code.edit(args.end..call.end, format!(", {ordering})")));
            }
            _ => return None,
        }
    }
    let leaves = imports::leaves(&code);
    let atomic_full = format!("std::sync::atomic::{atomic}");
    let ordering_full = "std::sync::atomic::Ordering";
    for full in [atomic_full.as_str(), ordering_full] {
        if imports::name_taken(&code, &leaves, full) && !imports::is_imported(&leaves, full) {
            return None;
        }
        edits.extend(imports::add(&code, &leaves, full, None));
    }
    // `Cell` itself may now be unused.
    let replaced: Vec<Range<usize>> = edits.iter().map(|e| e.start..e.end).collect();
    if imports::uses_outside_imports(&code, "Cell", &replaced) == 0 {
        if let Some(leaf) = leaves
            .iter()
            .find(|l| l.path == ["std", "cell"] && l.name == "Cell" && l.alias == "Cell" && l.plain)
        {
            match &leaf.group {
                None => edits.push(code.edit(code.own_lines(leaf.item.clone())?, "")),
                Some(g) => edits.extend(imports::remove_member(&code, g)),
            }
        }
    }
    Some(Proposal::Edits(Fix {
        title: format!("Make `{name}` an `{atomic}` instead of a `Cell<{inner}>`"),
        applicability: Applicability::MachineApplicable,
        edits,
    }))
}

/// Whether a written type is `Box<dyn Error>` without `Send`: the range where `+ Send + Sync`
/// goes (after the `Error` bound) when it is.
fn boxed_error_bound(ty: &Type) -> Option<usize> {
    let Type::Path(p) = ty else { return None };
    let seg = last_segment(&p.path)?;
    if seg.ident != "Box" {
        return None;
    }
    let obj = types::only_arg(ty)?;
    let Type::TraitObject(t) = obj else {
        return None;
    };
    let mut error_end = None;
    for b in &t.bounds {
        match b {
            syn::TypeParamBound::Trait(tb) => {
                let name = last_segment(&tb.path)?.ident.to_string();
                match name.as_str() {
                    "Error" => error_end = Some(node_range(tb).end),
                    "Send" | "Sync" => return None,
                    _ => return None,
                }
            }
            syn::TypeParamBound::Lifetime(_) => {}
            _ => return None,
        }
    }
    error_end
}

/// Every `Box<dyn Error>` (without `Send`) inside a written type: where to insert.
fn boxed_errors_in(ty: &Type) -> Vec<usize> {
    struct Finder(Vec<usize>);
    impl<'t> syn::visit::Visit<'t> for Finder {
        fn visit_type(&mut self, t: &'t Type) {
            if let Some(at) = boxed_error_bound(t) {
                self.0.push(at);
                return;
            }
            syn::visit::visit_type(self, t);
        }
    }
    let mut f = Finder(Vec::new());
    syn::visit::visit_type(&mut f, ty);
    f.0
}

/// `box_dyn_error_send_sync`: the `Box<dyn Error>` rustc names is declared
/// `Box<dyn Error + Send + Sync>` where it is written: the return type of the function that
/// produces it (or the type alias that return type uses, or the `let`'s annotation). Callers
/// in this file that pass the error on with `?` into a `Box<dyn Error>` are changed the same
/// way, because `Box<dyn Error + Send + Sync>` does not convert into `Box<dyn Error>` through
/// `?` (there is no such `From`; only a plain coercion, `Err(e)` or `e as Box<dyn Error>`,
/// does).
pub fn box_dyn_error_send_sync(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let index = code.index();
    let origin = error_origin(input, &code, &index)?;
    let mut plan = ErrorPlan::default();
    match origin {
        ErrorOrigin::Function(name) => plan.function(&code, &index, &name, 0)?,
        ErrorOrigin::Annotation(ty) => {
            let at = boxed_errors_in(ty);
            if at.len() != 1 {
                return None;
            }
            plan.inserts.extend(at);
        }
    }
    if plan.inserts.is_empty() {
        return None;
    }
    plan.inserts.sort_unstable();
    plan.inserts.dedup();
    let edits: Vec<Edit> = plan
        .inserts
        .iter()
        .map(|&at| code.edit(at..at, " + Send + Sync"))
        .collect();
    let title = match plan.functions.as_slice() {
        [] => "Declare the error as `Box<dyn Error + Send + Sync>`".to_string(),
        [one] => format!("Declare `{one}`'s error as `Box<dyn Error + Send + Sync>`"),
        [first, rest @ ..] => {
            let mut names: Vec<String> = vec![format!("`{first}`")];
            names.extend(rest.iter().map(|f| format!("`{f}`")));
            let last = names.pop().unwrap_or_default();
            format!(
                "Declare `Box<dyn Error + Send + Sync>` as the error of {} and {last}",
                names.join(", ")
            )
        }
    };
    Some(Proposal::Edits(Fix {
        title,
        applicability: if plan.unsure {
            Applicability::MaybeIncorrect
        } else {
            Applicability::MachineApplicable
        },
        edits,
    }))
}

/// Where a `Box<dyn Error>` value comes from.
enum ErrorOrigin<'a> {
    /// The result of this file's function `name`.
    Function(String),
    /// A `let` annotation.
    Annotation(&'a Type),
}

fn error_origin<'a>(input: &Input<'_>, code: &Code, index: &Index<'a>) -> Option<ErrorOrigin<'a>> {
    let rustc = &input.diagnostic.rustc;
    let mentions_error = |s: &str| {
        s.contains("dyn std::error::Error")
            || s.contains("dyn Error")
            || s.contains("dyn core::error::Error")
    };
    if let Some(h) = held::held(input, &code.text) {
        if h.file != code.name || !mentions_error(h.ty.as_deref()?) {
            return None;
        }
        return match held::site(&h, code, index)? {
            Site::Let { local, .. } => {
                if let Some(t) = local_type(local) {
                    return Some(ErrorOrigin::Annotation(t));
                }
                let init = &local.init.as_ref()?.expr;
                Some(ErrorOrigin::Function(super::body::called_fn_name(init)?))
            }
            Site::Pattern { .. } => {
                // `match f().await { Err(err) => … }`, `if let Err(err) = f().await`.
                let scrutinee =
                    index.expr_around(&h.value, |e| matches!(e, Expr::Match(_) | Expr::Let(_)))?;
                let expr = match scrutinee {
                    Expr::Match(m) => &m.expr,
                    Expr::Let(l) => &l.expr,
                    _ => return None,
                };
                // The binding must be in the arms / pattern, not in the scrutinee.
                if syntax::contains(&node_range(&**expr), &h.value) {
                    return None;
                }
                Some(ErrorOrigin::Function(super::body::called_fn_name(expr)?))
            }
            Site::Temporary { expr, .. } => {
                Some(ErrorOrigin::Function(super::body::called_fn_name(expr)?))
            }
        };
    }
    // Returned by a spawned task: "`dyn std::error::Error` cannot be sent …".
    if !mentions_error(&rustc.message)
        || !rustc
            .message
            .ends_with("cannot be sent between threads safely")
    {
        return None;
    }
    let span = rustc.spans.iter().find(|s| s.is_primary)?;
    if span.file_name != code.name || !syntax::span_is_current(&code.text, span) {
        return None;
    }
    let expr = index.expr_exact(&(span.byte_start as usize..span.byte_end as usize))?;
    let produced = match strip_parens(expr) {
        Expr::Async(a) => tail(&a.block)?,
        other => other,
    };
    Some(ErrorOrigin::Function(super::body::called_fn_name(
        produced,
    )?))
}

/// The functions whose error type changes, and where ` + Send + Sync` goes.
#[derive(Default)]
struct ErrorPlan {
    functions: Vec<String>,
    inserts: Vec<usize>,
    /// A `?` or a boxed value of a type we cannot see: it must be `Send + Sync` too.
    unsure: bool,
    aliases: Vec<String>,
}

impl ErrorPlan {
    /// Changes `name`'s declared error, checks its body, and follows callers that pass the
    /// error on with `?`.
    fn function(&mut self, code: &Code, index: &Index<'_>, name: &str, depth: usize) -> Option<()> {
        if self.functions.iter().any(|f| f == name) {
            return Some(());
        }
        if depth > 8 {
            return None;
        }
        let f = index.fn_named(name)?;
        let syn::ReturnType::Type(_, ret) = &f.sig.output else {
            return None;
        };
        let direct = boxed_errors_in(ret);
        match direct.as_slice() {
            [at] => self.inserts.push(*at),
            [] => {
                // `-> Result<T>` through a type alias of this file.
                let alias_name = types::head(ret)?;
                let alias = index.aliases.iter().find(|a| a.ident == alias_name)?;
                let at = boxed_errors_in(&alias.ty);
                if at.len() != 1 {
                    return None;
                }
                if !self.aliases.contains(&alias_name) {
                    self.aliases.push(alias_name.clone());
                    self.inserts.push(at[0]);
                    // Every function returning the alias changes with it.
                    let users: Vec<String> = index
                        .fns
                        .iter()
                        .filter(|g| match &g.sig.output {
                            syn::ReturnType::Type(_, t) => {
                                types::head(t).as_deref() == Some(alias_name.as_str())
                            }
                            _ => false,
                        })
                        .map(|g| g.sig.ident.to_string())
                        .collect();
                    self.functions.push(name.to_string());
                    for u in users {
                        if u != name {
                            self.function(code, index, &u, depth + 1)?;
                        }
                    }
                    self.check_body(code, index, &f)?;
                    return self.callers(code, index, name, depth);
                }
            }
            _ => return None,
        }
        self.functions.push(name.to_string());
        if f.public || index.outline_mods > 0 {
            self.unsure = true;
        }
        self.check_body(code, index, &f)?;
        self.callers(code, index, name, depth)
    }

    /// What the body turns into the error: `?` on results whose error type we know,
    /// `"text".into()`, `format!(…).into()`; anything else makes the fix unsure.
    fn check_body(&mut self, code: &Code, index: &Index<'_>, f: &FnItem<'_>) -> Option<()> {
        let body = node_range(f.block);
        // A `?` inside a macro call: `syn` does not see it; only `f(…)?` of this file's
        // functions is understood.
        let known: Vec<usize> = index
            .fns
            .iter()
            .flat_map(|g| code.calls_then_try(&g.sig.ident.to_string()))
            .collect();
        for (i, t) in code.toks.iter().enumerate() {
            let in_body = syntax::contains(&body, &t.range) && t.in_macro.is_some();
            if in_body && t.kind == super::body::TokKind::Punct('?', proc_macro2::Spacing::Alone) {
                let understood = known.iter().any(|&at| code.try_after_call(at) == Some(i));
                if !understood {
                    self.unsure = true;
                }
            }
        }
        for at in known.iter().copied().filter(|at| body.contains(at)) {
            let Some(n) = code.ident_name_at(at) else {
                continue;
            };
            let Some(g) = index.fn_named(&n) else {
                continue;
            };
            if let syn::ReturnType::Type(_, t) = &g.sig.output {
                if !boxed_errors_in(t).is_empty() {
                    self.function(code, index, &n, 1)?;
                }
            }
        }
        for e in &index.exprs {
            let r = node_range(*e);
            if !syntax::contains(&body, &r) || inside_closure_or_async(index, &body, &r) {
                continue;
            }
            match e {
                Expr::Try(t) => {
                    let operand = strip_await_try(&t.expr);
                    match super::body::called_fn_name(operand)
                        .and_then(|n| index.fn_named(&n).map(|g| (n, g)))
                    {
                        // A function of this file: its own error type decides.
                        Some((n, g)) => {
                            if let syn::ReturnType::Type(_, t) = &g.sig.output {
                                if !boxed_errors_in(t).is_empty()
                                    || self
                                        .aliases
                                        .iter()
                                        .any(|a| types::head(t).as_deref() == Some(a.as_str()))
                                {
                                    self.function(code, index, &n, 1)?;
                                }
                            }
                        }
                        None => self.unsure = true,
                    }
                }
                // `Box::new(e)` coerced into the box needs `e: Send + Sync`.
                Expr::Call(c)
                    if !c.args.is_empty()
                        && call_path(e).is_some_and(|p| {
                            p.segments.len() == 2
                                && p.segments[0].ident == "Box"
                                && p.segments[1].ident == "new"
                        }) =>
                {
                    self.unsure = true;
                }
                Expr::MethodCall(m) if m.method == "into" && m.args.is_empty() => {
                    let text_like = matches!(&*m.receiver, Expr::Lit(_))
                        || matches!(&*m.receiver, Expr::Macro(mac) if mac.mac.path.is_ident("format"));
                    if !text_like {
                        self.unsure = true;
                    }
                }
                _ => {}
            }
        }
        Some(())
    }

    /// Callers of `name` in this file: one that passes the error on with `?` into its own
    /// `Box<dyn Error>` changes too; one that stores the result under a written
    /// `Box<dyn Error>` type stops the recipe.
    fn callers(&mut self, code: &Code, index: &Index<'_>, name: &str, depth: usize) -> Option<()> {
        // From the tokens, so a `?` inside `println!(…)` counts too.
        for at in code.calls_then_try(name) {
            let Some(caller) = index.fn_at(at) else {
                continue;
            };
            if inside_closure_or_async(index, &node_range(caller.block), &(at..at + name.len())) {
                // A `?` inside an async block or closure: its error type is inferred there, and
                // may be a `Box<dyn Error>` the new type does not convert into.
                return None;
            }
            if let syn::ReturnType::Type(_, t) = &caller.sig.output {
                let passes_box = !boxed_errors_in(t).is_empty()
                    || types::head(t).is_some_and(|h| {
                        index
                            .aliases
                            .iter()
                            .any(|a| a.ident == h && !boxed_errors_in(&a.ty).is_empty())
                    });
                if passes_box {
                    let caller_name = caller.sig.ident.to_string();
                    self.function(code, index, &caller_name, depth + 1)?;
                }
            }
        }
        for l in &index.locals {
            let Some(init) = &l.init else { continue };
            if super::body::called_fn_name(&init.expr).as_deref() == Some(name) {
                if let Some(t) = local_type(l) {
                    if !boxed_errors_in(t).is_empty() {
                        return None;
                    }
                }
            }
        }
        Some(())
    }
}

/// Whether `r` sits in a closure or async block inside `body`.
fn inside_closure_or_async(index: &Index<'_>, body: &Range<usize>, r: &Range<usize>) -> bool {
    index.exprs.iter().any(|e| {
        matches!(e, Expr::Closure(_) | Expr::Async(_)) && {
            let er = node_range(*e);
            syntax::contains(body, &er) && syntax::contains(&er, r)
        }
    })
}

/// How the package's runtime keeps a task on one thread, in words, from
/// [`RuntimeApi::spawn_local`](crate::fix::RuntimeApi::spawn_local); trpl has none, so the
/// words say not to spawn (`trpl::join` runs futures together without `Send`).
fn local_spawner(input: &Input<'_>) -> String {
    let api = input.runtime();
    let Some(local) = api.spawn_local() else {
        return match api.runtime {
            Runtime::Trpl => "or do not spawn it: `.await` it where it is, or run it beside the other futures with `trpl::join`, which needs no `Send`".to_string(),
            _ => "or do not spawn it: `.await` it where it is".to_string(),
        };
    };
    let mut text = format!("or keep the task on one thread: `{}`", local.call);
    if let Some(within) = local.within {
        text.push_str(&format!(" with a `{within}` running it"));
    }
    if let Some(feature) = local.feature {
        text.push_str(&format!(" ({}'s `{feature}` feature)", api.runtime.name()));
    }
    text
}

/// `send_in_words`: what to change, in words, for a non-`Send` value no recipe can rewrite:
/// names the value and its type, says to end it before the `.await` (or use a `Send` type),
/// names the runtime's local spawner, and quotes the user's lines.
pub fn send_in_words(input: &Input<'_>) -> Option<Proposal> {
    let code = user_code(input)?;
    let index = code.index();
    let rustc = &input.diagnostic.rustc;
    let mut lines: Vec<QuotedLine> = Vec::new();
    let text;
    if let Some(h) = held::held(input, &code.text) {
        let ty = h.ty.clone().unwrap_or_default();
        let name = match held::site(&h, &code, &index) {
            Some(Site::Let { name, local, .. }) => {
                lines.extend(code.quote(node_range(local), 2));
                name
            }
            Some(Site::Pattern { name }) => {
                lines.extend(code.quote(h.value.clone(), 1));
                name
            }
            _ => {
                lines.extend(code.quote(h.value.clone(), 1));
                code.src(h.value.clone()).to_string()
            }
        };
        for a in &h.awaits {
            lines.extend(code.quote(a.clone(), 1));
        }
        let missing = h.missing.unwrap_or("Send");
        text = if missing == "Sync" {
            format!(
                "`{name}` (`{ty}`) is not `Sync` and is alive at the `.await`: end it in a block before the `.await`, or use a type that is `Sync` (a `std::sync::Mutex`, an atomic)"
            )
        } else {
            format!(
                "`{name}` (`{ty}`) is not `Send` and is alive at the `.await`: end it in a block before the `.await`, or use a `Send` type in its place, {}",
                local_spawner(input)
            )
        };
    } else if let Some(child) = rustc
        .children
        .iter()
        .find(|c| c.message.contains("captured value is not `Send`"))
    {
        let span = child.spans.iter().find(|s| s.file_name == code.name)?;
        let (ty, _) = held::not_send_type(span.label.as_deref()?)?;
        let at = span.byte_start as usize..span.byte_end as usize;
        let name = code.src(at.clone()).to_string();
        if let Some(l) = index.local_named_before(&name, at.start) {
            lines.extend(code.quote(node_range(l), 2));
        }
        lines.extend(code.quote(at, 1));
        text = format!(
            "the task takes `{name}` (`{ty}`), which is not `Send`: make it from a `Send` type, or create it inside the task, {}",
            local_spawner(input)
        );
    } else {
        let ty = rustc
            .message
            .strip_prefix('`')?
            .strip_suffix("` cannot be sent between threads safely")?;
        let span = rustc.spans.iter().find(|s| s.is_primary)?;
        if span.file_name != code.name {
            return None;
        }
        lines.extend(code.quote(span.byte_start as usize..span.byte_end as usize, 2));
        text = format!(
            "the task's result is a `{ty}`, which is not `Send`: return a `Send` type from the task, {}",
            local_spawner(input)
        );
    }
    lines.dedup();
    Some(Proposal::InWords { text, lines })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Runtime;
    use crate::fix::recipes::testing::{applied, child, diagnostic, not_send, package, run, span};

    const RC_CASE: &str = "use std::rc::Rc;\nuse std::time::Duration;\n\nasync fn pause() {\n    tokio::time::sleep(Duration::from_millis(1)).await;\n}\n\nfn spawn_counter() {\n    tokio::spawn(async move {\n        let request_count = Rc::new(0u32);\n        pause().await;\n        println!(\"requests: {request_count}\");\n    });\n}\n";

    #[test]
    fn an_rc_captured_by_a_blocking_closure_becomes_arc() {
        let text = "use std::rc::Rc;\n\nasync fn sum(v: Vec<u8>) -> usize {\n    let shared = Rc::new(v);\n    tokio::task::spawn_blocking(move || shared.len()).await.unwrap()\n}\n";
        let d = diagnostic(
            "error",
            Some("E0277"),
            "`Rc<Vec<u8>>` cannot be sent between threads safely",
            vec![span(text, "move || shared.len()", 0, None, true)],
            vec![
                child(
                    "note",
                    "required because it's used within this closure",
                    vec![],
                ),
                child("note", "required by a bound in `spawn_blocking`", vec![]),
            ],
        );
        let tokio = package(&[Runtime::Tokio], &["full"]);
        let p = run(rc_to_arc, &d, text, None, Some(&tokio)).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        let out = applied(&p, text);
        assert!(out.contains("let shared = Arc::new(v);"), "{out}");
        assert!(out.contains("use std::sync::Arc;"), "{out}");
        // Two `Rc` locals used in the closure: no guess.
        let two = text
            .replace("move || shared.len()", "move || shared.len() + other.len()")
            .replace(
                "    let shared = Rc::new(v);\n",
                "    let shared = Rc::new(v.clone());\n    let other = Rc::new(v);\n",
            );
        let d = diagnostic(
            "error",
            Some("E0277"),
            "`Rc<Vec<u8>>` cannot be sent between threads safely",
            vec![span(
                &two,
                "move || shared.len() + other.len()",
                0,
                None,
                true,
            )],
            vec![child(
                "note",
                "required because it's used within this closure",
                vec![],
            )],
        );
        assert_eq!(run(rc_to_arc, &d, &two, None, Some(&tokio)), None);
    }

    #[test]
    fn rc_becomes_arc_with_its_import() {
        let d = not_send(
            RC_CASE,
            "request_count",
            0,
            "Rc<u32>",
            1,
            "tokio::spawn(async move {",
        );
        let tokio = package(&[Runtime::Tokio], &["full"]);
        let p = run(rc_to_arc, &d, RC_CASE, None, Some(&tokio)).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        assert_eq!(
            fix.title,
            "Share `request_count` with `Arc` instead of `Rc`"
        );
        let out = applied(&p, RC_CASE);
        assert!(
            out.starts_with("use std::sync::Arc;\nuse std::time::Duration;\n"),
            "{out}"
        );
        assert!(out.contains("let request_count = Arc::new(0u32);"));
        assert!(!out.contains("Rc::"));
    }

    #[test]
    fn rc_of_refcell_is_left_to_refcell_to_mutex() {
        let text = "use std::cell::RefCell;\nuse std::rc::Rc;\n\nasync fn pause() {}\n\nfn spawn_counter() {\n    let hits = Rc::new(RefCell::new(0u32));\n    let mine = hits.clone();\n    tokio::spawn(async move {\n        *mine.borrow_mut() += 1;\n        pause().await;\n        println!(\"{}\", mine.borrow());\n    });\n}\n";
        let d = not_send(
            text,
            "mine",
            0,
            "Rc<RefCell<u32>>",
            0,
            "tokio::spawn(async move {",
        );
        assert_eq!(run(rc_to_arc, &d, text, None, None), None);
        let p = run(refcell_to_mutex, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
        let out = applied(&p, text);
        assert!(
            out.contains("let hits = Arc::new(Mutex::new(0u32));"),
            "{out}"
        );
        assert!(out.contains("*mine.lock().unwrap() += 1;"), "{out}");
        assert!(
            out.contains("println!(\"{}\", mine.lock().unwrap());"),
            "{out}"
        );
        assert!(
            out.starts_with("use std::sync::Mutex;\nuse std::sync::Arc;\n"),
            "{out}"
        );
    }

    #[test]
    fn a_borrow_alive_at_the_await_declines_refcell_to_mutex() {
        let text = "use std::cell::RefCell;\nuse std::rc::Rc;\n\nasync fn pause() {}\n\nfn spawn_counter() {\n    let hits = Rc::new(RefCell::new(0u32));\n    tokio::spawn(async move {\n        let mut n = hits.borrow_mut();\n        pause().await;\n        *n += 1;\n    });\n}\n";
        let d = not_send(
            text,
            "hits",
            0,
            "Rc<RefCell<u32>>",
            0,
            "tokio::spawn(async move {",
        );
        assert_eq!(run(refcell_to_mutex, &d, text, None, None), None);
    }

    #[test]
    fn rc_of_a_non_sync_type_declines() {
        let text = "use std::rc::Rc;\nstruct Raw { p: *const u8 }\nasync fn pause() {}\nfn f() {\n    tokio::spawn(async move {\n        let raw = Rc::new(Raw { p: std::ptr::null() });\n        pause().await;\n        drop(raw);\n    });\n}\n";
        let d = not_send(text, "raw", 0, "Rc<Raw>", 0, "tokio::spawn(async move {");
        assert_eq!(run(rc_to_arc, &d, text, None, None), None);
    }

    #[test]
    fn rc_passed_to_an_unknown_function_is_maybe_incorrect() {
        let text = "use std::rc::Rc;\nasync fn pause() {}\nfn f() {\n    tokio::spawn(async move {\n        let data = Rc::new(String::new());\n        pause().await;\n        other::take(data);\n    });\n}\n";
        let d = not_send(
            text,
            "data",
            0,
            "Rc<String>",
            0,
            "tokio::spawn(async move {",
        );
        let Some(Proposal::Edits(fix)) = run(rc_to_arc, &d, text, None, None) else {
            panic!()
        };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
    }

    #[test]
    fn rc_passed_to_a_function_wanting_rc_declines() {
        let text = "use std::rc::Rc;\nasync fn pause() {}\nfn take(d: Rc<String>) {}\nfn f() {\n    tokio::spawn(async move {\n        let data = Rc::new(String::new());\n        pause().await;\n        take(data);\n    });\n}\n";
        let d = not_send(
            text,
            "data",
            1,
            "Rc<String>",
            0,
            "tokio::spawn(async move {",
        );
        assert_eq!(run(rc_to_arc, &d, text, None, None), None);
    }

    #[test]
    fn a_function_returning_rc_changes_its_signature() {
        let text = "use std::rc::Rc;\n\nasync fn build_report() -> Rc<String> {\n    Rc::new(String::from(\"report\"))\n}\n\nfn spawn_fn() {\n    let handle = tokio::spawn(build_report());\n}\n";
        let d = diagnostic(
            "error",
            Some("E0277"),
            "`Rc<String>` cannot be sent between threads safely",
            vec![span(
                text,
                "build_report()",
                1,
                Some("`Rc<String>` cannot be sent between threads safely"),
                true,
            )],
            vec![child(
                "note",
                "required by a bound in `tokio::spawn`",
                vec![],
            )],
        );
        let p = run(rc_to_arc, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(
            fix.title,
            "Return an `Arc` instead of an `Rc` from `build_report`"
        );
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        let out = applied(&p, text);
        assert!(
            out.contains(
                "async fn build_report() -> Arc<String> {\n    Arc::new(String::from(\"report\"))"
            ),
            "{out}"
        );
        assert!(out.starts_with("use std::sync::Arc;\n"), "{out}");
    }

    #[test]
    fn a_captured_rc_is_found_before_the_spawn() {
        let text = "use std::rc::Rc;\n\nfn spawn_greeter() {\n    let app_config = Rc::new(String::from(\"prod\"));\n    tokio::spawn(async move {\n        println!(\"config: {app_config}\");\n    });\n}\n";
        let d = diagnostic(
            "error",
            None,
            "future cannot be sent between threads safely",
            vec![span(
                text,
                "tokio::spawn(async move {",
                0,
                Some("future created by async block is not `Send`"),
                true,
            )],
            vec![child(
                "note",
                "captured value is not `Send`",
                vec![span(
                    text,
                    "app_config",
                    1,
                    Some("has type `Rc<String>` which is not `Send`"),
                    true,
                )],
            )],
        );
        let p = run(rc_to_arc, &d, text, None, None).unwrap();
        let out = applied(&p, text);
        assert!(
            out.contains("let app_config = Arc::new(String::from(\"prod\"));"),
            "{out}"
        );
    }

    #[test]
    fn a_stale_span_gets_no_edit() {
        let d = not_send(
            RC_CASE,
            "request_count",
            0,
            "Rc<u32>",
            1,
            "tokio::spawn(async move {",
        );
        let edited = RC_CASE.replace("let request_count", "let  request_count");
        assert_eq!(run(rc_to_arc, &d, &edited, None, None), None);
    }

    #[test]
    fn cell_becomes_an_atomic() {
        let text = "use std::cell::Cell;\nuse std::time::Duration;\n\nfn job() {\n    register(Box::pin(async move {\n        let beats = Cell::new(0u32);\n        tokio::time::sleep(Duration::from_millis(1)).await;\n        beats.set(beats.get() + 1);\n    }));\n}\n";
        let mut d = not_send(text, "beats", 0, "Cell<u32>", 0, "register");
        // The Sync twin: same note, "which is not `Sync`".
        let json = serde_json::to_string(&d.rustc)
            .unwrap()
            .replace("which is not `Send`", "which is not `Sync`");
        d.rustc = serde_json::from_str(&json).unwrap();
        let p = run(cell_to_atomic, &d, text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(
            fix.title,
            "Make `beats` an `AtomicU32` instead of a `Cell<u32>`"
        );
        let out = applied(&p, text);
        assert!(out.contains("let beats = AtomicU32::new(0u32);"), "{out}");
        assert!(
            out.contains("beats.store(beats.load(Ordering::Relaxed) + 1, Ordering::Relaxed);"),
            "{out}"
        );
        assert!(out.starts_with("use std::time::Duration;\nuse std::sync::atomic::AtomicU32;\nuse std::sync::atomic::Ordering;\n"), "{out}");
    }

    #[test]
    fn cell_used_another_way_declines() {
        let text = "use std::cell::Cell;\nasync fn pause() {}\nfn job() {\n    let f = async move {\n        let beats = Cell::new(0u32);\n        pause().await;\n        let r = &beats;\n    };\n}\n";
        let d = not_send(text, "beats", 0, "Cell<u32>", 0, "async move");
        assert_eq!(run(cell_to_atomic, &d, text, None, None), None);
    }

    const BOXED: &str = "use std::error::Error;\n\nasync fn pause() {}\n\nasync fn load_profile(user_id: u64) -> Result<String, Box<dyn Error>> {\n    if user_id == 0 {\n        return Err(\"no such user\".into());\n    }\n    Ok(format!(\"user-{user_id}\"))\n}\n\nfn spawn_loader() {\n    tokio::spawn(async move {\n        match load_profile(7).await {\n            Ok(profile) => println!(\"{profile}\"),\n            Err(err) => {\n                pause().await;\n                eprintln!(\"retrying after: {err}\");\n            }\n        }\n    });\n}\n";

    #[test]
    fn boxed_error_gets_send_sync_where_declared() {
        let d = not_send(
            BOXED,
            "err",
            1,
            "Box<dyn std::error::Error>",
            0,
            "tokio::spawn(async move {",
        );
        let p = run(box_dyn_error_send_sync, &d, BOXED, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
        assert_eq!(
            fix.title,
            "Declare `load_profile`'s error as `Box<dyn Error + Send + Sync>`"
        );
        let out = applied(&p, BOXED);
        assert!(
            out.contains("-> Result<String, Box<dyn Error + Send + Sync>> {"),
            "{out}"
        );
    }

    #[test]
    fn callers_that_pass_the_error_on_change_too() {
        let text = format!("{BOXED}\nasync fn caller() -> Result<(), Box<dyn Error>> {{\n    let name = load_profile(1).await?;\n    println!(\"{{name}}\");\n    Ok(())\n}}\n");
        let d = not_send(
            &text,
            "err",
            1,
            "Box<dyn std::error::Error>",
            0,
            "tokio::spawn(async move {",
        );
        let p = run(box_dyn_error_send_sync, &d, &text, None, None).unwrap();
        let Proposal::Edits(fix) = &p else { panic!() };
        assert_eq!(fix.edits.len(), 2);
        assert!(fix.title.contains("`caller`"), "{}", fix.title);
        let out = applied(&p, &text);
        assert!(
            out.contains("async fn caller() -> Result<(), Box<dyn Error + Send + Sync>> {"),
            "{out}"
        );
    }

    #[test]
    fn an_unknown_question_mark_makes_it_maybe_incorrect() {
        let text = BOXED.replace(
            "    Ok(format!(\"user-{user_id}\"))",
            "    let n: u32 = \"7\".parse()?;\n    Ok(format!(\"user-{n}\"))",
        );
        let d = not_send(
            &text,
            "err",
            1,
            "Box<dyn std::error::Error>",
            0,
            "tokio::spawn(async move {",
        );
        let Some(Proposal::Edits(fix)) = run(box_dyn_error_send_sync, &d, &text, None, None) else {
            panic!()
        };
        assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
    }

    #[test]
    fn a_boxed_error_returned_by_the_task_is_declared_send_sync() {
        let text = "use std::error::Error;\n\nasync fn load(id: u32) -> Result<String, Box<dyn Error>> {\n    Ok(format!(\"user-{id}\"))\n}\n\nfn spawn_it() {\n    let handle = tokio::spawn(async move { load(1).await });\n}\n";
        let d = diagnostic(
            "error",
            Some("E0277"),
            "`dyn std::error::Error` cannot be sent between threads safely",
            vec![span(
                text,
                "async move { load(1).await }",
                0,
                Some("`dyn std::error::Error` cannot be sent between threads safely"),
                true,
            )],
            vec![child(
                "note",
                "required by a bound in `tokio::spawn`",
                vec![],
            )],
        );
        assert_eq!(run(rc_to_arc, &d, text, None, None), None);
        let p = run(box_dyn_error_send_sync, &d, text, None, None).unwrap();
        let out = applied(&p, text);
        assert!(
            out.contains(
                "async fn load(id: u32) -> Result<String, Box<dyn Error + Send + Sync>> {"
            ),
            "{out}"
        );
    }

    #[test]
    fn an_error_from_elsewhere_declines() {
        let text = BOXED.replace("match load_profile(7).await", "match other::load(7).await");
        let d = not_send(
            &text,
            "err",
            1,
            "Box<dyn std::error::Error>",
            0,
            "tokio::spawn(async move {",
        );
        assert_eq!(run(box_dyn_error_send_sync, &d, &text, None, None), None);
    }

    #[test]
    fn in_words_declines_what_is_not_a_send_error() {
        let d = diagnostic(
            "error",
            Some("E0308"),
            "mismatched types",
            vec![span(RC_CASE, "request_count", 0, None, true)],
            vec![],
        );
        assert_eq!(run(send_in_words, &d, RC_CASE, None, None), None);
    }

    #[test]
    fn in_words_names_the_runtime_local_spawner() {
        let text = "use std::marker::PhantomData;\nasync fn pause() {}\nstruct Device { _p: PhantomData<*const ()> }\nfn f() {\n    smol::spawn(async move {\n        let device = Device { _p: PhantomData };\n        pause().await;\n        drop(device);\n    }).detach();\n}\n";
        let d = not_send(text, "device", 0, "Device", 0, "smol::spawn(async move {");
        let smol = package(&[Runtime::Smol], &[]);
        let Some(Proposal::InWords { text: words, lines }) =
            run(send_in_words, &d, text, None, Some(&smol))
        else {
            panic!()
        };
        assert!(
            words.contains("`device` (`Device`) is not `Send`"),
            "{words}"
        );
        assert!(words.contains("smol::LocalExecutor"), "{words}");
        assert!(!words.contains("tokio"), "{words}");
        assert_eq!(
            lines[0].text,
            "        let device = Device { _p: PhantomData };"
        );
        assert_eq!(lines[1].text, "        pause().await;");
        let trpl = package(&[Runtime::Trpl], &[]);
        let Some(Proposal::InWords { text: words, .. }) =
            run(send_in_words, &d, text, None, Some(&trpl))
        else {
            panic!()
        };
        assert!(words.contains("trpl::join"), "{words}");
        // Only `futures`: its `LocalPool`, and no runtime crate named.
        let text = text
            .replace("smol::spawn(async move {", "pool.spawn_ok(async move {")
            .replace("}).detach();", "});");
        let d = not_send(
            &text,
            "device",
            0,
            "Device",
            0,
            "pool.spawn_ok(async move {",
        );
        let futures = package(&[Runtime::Futures], &[]);
        let Some(Proposal::InWords { text: words, .. }) =
            run(send_in_words, &d, &text, None, Some(&futures))
        else {
            panic!()
        };
        assert!(
            words.contains("`futures::task::LocalSpawnExt::spawn_local` with a `futures::executor::LocalPool` running it"),
            "{words}"
        );
        assert!(
            !words.contains("tokio") && !words.contains("smol"),
            "{words}"
        );
    }
}
