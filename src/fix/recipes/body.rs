//! One user file as the Send and `'static` recipes read it: the text, its `syn` tree and its
//! tokens with byte ranges. Answers the questions those recipes ask: which function, block
//! and statement hold an offset, where a local is declared and used (also inside macro calls
//! and inline format arguments such as `"{name}"`), which `use` items import a name, and how
//! to rewrite whole lines with their indentation. Pure: reads through [`Sources`] only.

use std::ops::Range;
use std::str::FromStr;
use std::sync::Arc;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Block, Expr, ImplItemFn, ItemFn, Local, Pat, Signature, Stmt, Type};

use crate::fix::syntax::{self, node_range};
use crate::fix::{Edit, QuotedLine, Sources};

/// What a token is, as far as the recipes care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TokKind {
    Ident(String),
    Punct(char, Spacing),
    Lit,
    Open(Delimiter),
    Close(Delimiter),
}

/// One token of the file with its byte range and the innermost macro call it sits in.
#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub kind: TokKind,
    pub range: Range<usize>,
    /// Index into [`Code::macros`] of the innermost macro call whose delimiters hold it.
    pub in_macro: Option<usize>,
}

/// A macro call as the tokens show it: its name (last path segment) and the range between
/// its delimiters.
#[derive(Debug, Clone)]
pub(super) struct MacroCall {
    pub name: String,
    pub inner: Range<usize>,
}

/// How a local variable is used at one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UseKind {
    /// An argument of a formatting macro (`println!`, `format!`, `write!`, …), or an inline
    /// argument in its format string (`"{name}"`): any `Display`/`Debug` type reads the same.
    Format,
    /// Inside another macro call: what it expands to is unknown.
    OtherMacro,
    /// `name.method(…)`: method lookup auto-derefs, so `Rc`/`Arc`, `&str`/`String` agree.
    Receiver,
    /// `name.field`.
    FieldBase,
    /// `&name` (not `&mut`).
    Borrowed,
    /// `*name`.
    Deref,
    /// Any other expression position (an argument, an operand, an initialiser, a pattern).
    Value,
}

/// A use of a local: where and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VarUse {
    pub range: Range<usize>,
    pub kind: UseKind,
}

/// Macros whose arguments are only formatted (`format_args!` underneath).
const FORMAT_MACROS: &[&str] = &[
    "println",
    "print",
    "eprintln",
    "eprint",
    "format",
    "format_args",
    "write",
    "writeln",
    "panic",
    "todo",
    "unimplemented",
    "unreachable",
];

/// A parsed user file.
pub(super) struct Code {
    /// The file name as rustc spells it.
    pub name: String,
    pub text: Arc<str>,
    pub file: syn::File,
    pub toks: Vec<Tok>,
    pub macros: Vec<MacroCall>,
}

impl Code {
    /// Reads and parses `name`. `None` when the file cannot be read, does not parse, or starts
    /// with a byte-order mark or a shebang line (`syn` strips those, which would shift every
    /// byte offset it reports).
    pub fn load(sources: &dyn Sources, name: &str) -> Option<Code> {
        let text = sources.read(name)?;
        if text.starts_with('\u{feff}') || (text.starts_with("#!") && !text.starts_with("#![")) {
            return None;
        }
        let file = syntax::parse(&text)?;
        let stream = TokenStream::from_str(&text).ok()?;
        let mut code = Code {
            name: name.to_string(),
            text,
            file,
            toks: Vec::new(),
            macros: Vec::new(),
        };
        code.lex(stream, None);
        Some(code)
    }

    fn lex(&mut self, stream: TokenStream, in_macro: Option<usize>) {
        let trees: Vec<TokenTree> = stream.into_iter().collect();
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Ident(ident) => self.toks.push(Tok {
                    kind: TokKind::Ident(ident.to_string()),
                    range: syntax::range(ident.span()),
                    in_macro,
                }),
                TokenTree::Punct(p) => self.toks.push(Tok {
                    kind: TokKind::Punct(p.as_char(), p.spacing()),
                    range: syntax::range(p.span()),
                    in_macro,
                }),
                TokenTree::Literal(l) => self.toks.push(Tok {
                    kind: TokKind::Lit,
                    range: syntax::range(l.span()),
                    in_macro,
                }),
                TokenTree::Group(g) => {
                    // `name!(…)`: the group right after an ident and a `!`.
                    let is_macro = i >= 2
                        && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '!')
                        && matches!(&trees[i - 2], TokenTree::Ident(_));
                    let open = syntax::range(g.span_open());
                    let close = syntax::range(g.span_close());
                    let inner_ctx = if is_macro {
                        let name = match &trees[i - 2] {
                            TokenTree::Ident(id) => id.to_string(),
                            _ => String::new(),
                        };
                        self.macros.push(MacroCall {
                            name,
                            inner: open.end..close.start,
                        });
                        Some(self.macros.len() - 1)
                    } else {
                        in_macro
                    };
                    let delim = g.delimiter();
                    if delim != Delimiter::None {
                        self.toks.push(Tok {
                            kind: TokKind::Open(delim),
                            range: open,
                            in_macro,
                        });
                    }
                    self.lex(g.stream(), inner_ctx);
                    if delim != Delimiter::None {
                        self.toks.push(Tok {
                            kind: TokKind::Close(delim),
                            range: close,
                            in_macro,
                        });
                    }
                }
            }
        }
    }

    /// The text of a byte range.
    pub fn src(&self, range: Range<usize>) -> &str {
        self.text.get(range).unwrap_or("")
    }

    fn is_ident(&self, at: usize, name: &str) -> bool {
        matches!(self.toks.get(at), Some(Tok { kind: TokKind::Ident(n), .. }) if n == name)
    }

    fn is_punct(&self, at: usize, c: char) -> bool {
        matches!(self.toks.get(at), Some(Tok { kind: TokKind::Punct(p, _), .. }) if *p == c)
    }

    fn is_joint_punct(&self, at: usize, c: char) -> bool {
        matches!(
            self.toks.get(at),
            Some(Tok { kind: TokKind::Punct(p, Spacing::Joint), .. }) if *p == c
        )
    }

    /// Whether the macro call `index` is a formatting macro.
    fn is_format_macro(&self, index: Option<usize>) -> bool {
        index.is_some_and(|i| FORMAT_MACROS.contains(&self.macros[i].name.as_str()))
    }

    /// Every token that is the identifier `name`, in file order.
    pub fn ident_tokens(&self, name: &str) -> Vec<usize> {
        (0..self.toks.len())
            .filter(|&i| self.is_ident(i, name))
            .collect()
    }

    /// The uses of the local `name` inside `within`: identifier tokens that are not a field
    /// or method name (`a.name`), a path segment (`name::x`, `x::name`), a declaration
    /// (`let name`, `name: T`), plus inline format arguments (`"{name}"`, `"{name:?}"`) in
    /// formatting macros. Shadowing is not tracked: a later `let name` counts as uses, which
    /// only ever makes recipes more careful.
    pub fn var_uses(&self, name: &str, within: Range<usize>) -> Vec<VarUse> {
        let mut out = Vec::new();
        for (i, tok) in self.toks.iter().enumerate() {
            if !syntax::contains(&within, &tok.range) {
                continue;
            }
            match &tok.kind {
                TokKind::Ident(n) if n == name => {
                    if let Some(kind) = self.classify_use(i) {
                        out.push(VarUse {
                            range: tok.range.clone(),
                            kind,
                        });
                    }
                }
                TokKind::Lit if self.is_format_macro(tok.in_macro) => {
                    let lit = self.src(tok.range.clone());
                    for offset in inline_format_args(lit, name) {
                        let start = tok.range.start + offset;
                        out.push(VarUse {
                            range: start..start + name.len(),
                            kind: UseKind::Format,
                        });
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// How the identifier token `i` uses its variable, or `None` when it is not a use.
    fn classify_use(&self, i: usize) -> Option<UseKind> {
        let prev = i.checked_sub(1);
        if let Some(p) = prev {
            // `a.name` (field or method), `x::name`, `let name`, `let mut name`, `ref name`.
            if self.is_punct(p, '.')
                || (self.is_punct(p, ':') && p > 0 && self.is_joint_punct(p - 1, ':'))
            {
                return None;
            }
            if self.is_ident(p, "mut") {
                // `&mut name` borrows it; `let mut name`, `(mut name, …)` declare it.
                let borrow = p > 0 && self.is_punct(p - 1, '&');
                return borrow.then_some(UseKind::Value);
            }
            if self.is_ident(p, "let") || self.is_ident(p, "ref") {
                return None;
            }
            if self.is_ident(p, "fn") || self.is_ident(p, "struct") || self.is_ident(p, "mod") {
                return None;
            }
        }
        // `name::x` (a path) and `name: T` (a parameter, a field, a struct-literal field name).
        if self.is_punct(i + 1, ':') {
            return None;
        }
        // `name!(…)` is a macro, `name(…)` a call of a function of that name.
        if self.is_punct(i + 1, '!') {
            return None;
        }
        // `name.method()` / `name.field` first: in `*name.get()` the `*` applies to the result.
        if self.is_punct(i + 1, '.') && !self.is_joint_punct(i + 1, '.') {
            let method = matches!(
                self.toks.get(i + 2),
                Some(Tok {
                    kind: TokKind::Ident(_),
                    ..
                })
            ) && matches!(
                self.toks.get(i + 3),
                Some(Tok {
                    kind: TokKind::Open(Delimiter::Parenthesis),
                    ..
                })
            );
            let turbofish = self.is_punct(i + 3, ':');
            return Some(if method || turbofish {
                UseKind::Receiver
            } else {
                UseKind::FieldBase
            });
        }
        if let Some(p) = prev {
            if self.is_punct(p, '&') && !self.is_joint_punct(p, '&') {
                let double = p > 0 && self.is_joint_punct(p - 1, '&');
                if !double {
                    return Some(self.in_macro_kind(i).unwrap_or(UseKind::Borrowed));
                }
            }
            if self.is_punct(p, '*') {
                return Some(self.in_macro_kind(i).unwrap_or(UseKind::Deref));
            }
        }
        Some(self.in_macro_kind(i).unwrap_or(UseKind::Value))
    }

    /// Inside a macro call: `Format` for a direct argument of a formatting macro (not nested
    /// in an expression that changes its type), else `OtherMacro`.
    fn in_macro_kind(&self, i: usize) -> Option<UseKind> {
        let tok = &self.toks[i];
        let m = tok.in_macro?;
        if !self.is_format_macro(Some(m)) {
            return Some(UseKind::OtherMacro);
        }
        // A direct argument: preceded by `,` and followed by `,` or the closing delimiter.
        let before = i.checked_sub(1).is_some_and(|p| self.is_punct(p, ','));
        let after = self.is_punct(i + 1, ',')
            || matches!(self.toks.get(i + 1), Some(Tok { kind: TokKind::Close(_), range, .. }) if range.start == self.macros[m].inner.end);
        Some(if before && after {
            UseKind::Format
        } else {
            UseKind::OtherMacro
        })
    }

    /// The token index of the token starting at byte `at`.
    pub fn tok_at(&self, at: usize) -> Option<usize> {
        let i = self.toks.partition_point(|t| t.range.start < at);
        (self.toks.get(i)?.range.start == at).then_some(i)
    }

    /// `receiver.method(args)` where `receiver` is the identifier token starting at byte
    /// `at`: read from the tokens, so it also works inside macro calls.
    pub fn method_call_at(&self, at: usize) -> Option<MethodCallToks> {
        let i = self.tok_at(at)?;
        self.method_after(i + 1)
    }

    /// `.method(args)` where token `dot` is the `.`.
    pub fn method_after(&self, dot: usize) -> Option<MethodCallToks> {
        if !self.is_punct(dot, '.') || self.is_joint_punct(dot, '.') {
            return None;
        }
        let Some(Tok {
            kind: TokKind::Ident(method),
            range: method_range,
            ..
        }) = self.toks.get(dot + 1)
        else {
            return None;
        };
        let open = self.toks.get(dot + 2)?;
        if open.kind != TokKind::Open(Delimiter::Parenthesis) {
            return None;
        }
        let mut depth = 0usize;
        for t in &self.toks[dot + 2..] {
            match t.kind {
                TokKind::Open(_) => depth += 1,
                TokKind::Close(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(MethodCallToks {
                            method: method.clone(),
                            method_start: method_range.start,
                            end: t.range.end,
                            args: open.range.end..t.range.start,
                        });
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Byte offsets of `name(…)?` and `name(…).await?` (also `x.name(…)?`), from the
    /// tokens, so calls inside macro arguments count.
    pub fn calls_then_try(&self, name: &str) -> Vec<usize> {
        self.ident_tokens(name)
            .into_iter()
            .filter(|&i| self.try_after_call(self.toks[i].range.start).is_some())
            .map(|i| self.toks[i].range.start)
            .collect()
    }

    /// For a call `name(…)` whose name starts at byte `at`: the token index of a `?` right
    /// after it (or after its `.await`).
    pub fn try_after_call(&self, at: usize) -> Option<usize> {
        let i = self.tok_at(at)?;
        if self.toks.get(i + 1)?.kind != TokKind::Open(Delimiter::Parenthesis) {
            return None;
        }
        let mut depth = 0usize;
        let mut close = None;
        for (k, t) in self.toks.iter().enumerate().skip(i + 1) {
            match t.kind {
                TokKind::Open(_) => depth += 1,
                TokKind::Close(_) => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let mut next = close? + 1;
        if self.is_punct(next, '.') && self.is_ident(next + 1, "await") {
            next += 2;
        }
        self.is_punct(next, '?').then_some(next)
    }

    /// The identifier starting at byte `at`.
    pub fn ident_name_at(&self, at: usize) -> Option<String> {
        match &self.toks.get(self.tok_at(at)?)?.kind {
            TokKind::Ident(n) => Some(n.clone()),
            _ => None,
        }
    }

    /// Every syntax node of interest, collected once per question.
    pub fn index(&self) -> Index<'_> {
        let mut index = Index::default();
        index.visit_file(&self.file);
        index
    }

    /// The whole lines holding `range` (from the start of its first line to past the newline
    /// of its last), when nothing but whitespace shares those lines with it (a trailing `//`
    /// comment may follow).
    pub fn own_lines(&self, range: Range<usize>) -> Option<Range<usize>> {
        let text = &*self.text;
        let start = syntax::line_start(text, range.start);
        if !text[start..range.start].trim().is_empty() {
            return None;
        }
        let end = syntax::line_end(text, range.end.saturating_sub(1).max(range.start));
        let rest = text[range.end..end].trim();
        if !(rest.is_empty() || rest.starts_with("//")) {
            return None;
        }
        Some(start..end)
    }

    /// Whether a string or char literal spans more than one line inside `range` (re-indenting
    /// those lines would change the literal).
    pub fn has_multiline_literal(&self, range: Range<usize>) -> bool {
        self.toks.iter().any(|t| {
            t.kind == TokKind::Lit
                && syntax::contains(&range, &t.range)
                && self.src(t.range.clone()).contains('\n')
        })
    }

    /// The indentation unit of the file: a tab when indented lines start with tabs, else
    /// four spaces.
    pub fn indent_unit(&self) -> &'static str {
        let tabbed = self
            .text
            .lines()
            .find(|l| l.starts_with([' ', '\t']))
            .is_some_and(|l| l.starts_with('\t'));
        if tabbed {
            "\t"
        } else {
            "    "
        }
    }

    /// The lines `range` covers, quoted for an in-words proposal (at most `max` lines).
    pub fn quote(&self, range: Range<usize>, max: usize) -> Vec<QuotedLine> {
        let first = syntax::line_number(&self.text, range.start);
        let last = syntax::line_number(&self.text, range.end.saturating_sub(1).max(range.start));
        (first..=last.min(first + max.saturating_sub(1)))
            .filter_map(|n| {
                syntax::line_text(&self.text, n).map(|t| QuotedLine {
                    file: self.name.clone(),
                    number: n,
                    text: t.to_string(),
                })
            })
            .collect()
    }

    /// An edit of this file.
    pub fn edit(&self, range: Range<usize>, replacement: impl Into<String>) -> Edit {
        Edit {
            file: self.name.clone(),
            start: range.start,
            end: range.end,
            replacement: replacement.into(),
        }
    }
}

/// Byte offsets (in the literal's source text) of inline format arguments naming `name`:
/// `{name}` and `{name:…}`, not `{{name}}`.
fn inline_format_args(lit: &str, name: &str) -> Vec<usize> {
    let bytes = lit.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{' {
            if bytes.get(i + 1) == Some(&b'{') {
                i += 2;
                continue;
            }
            let rest = &lit[i + 1..];
            if rest.starts_with(name) {
                let after = rest.as_bytes().get(name.len());
                if matches!(after, Some(b'}') | Some(b':')) {
                    out.push(i + 1);
                }
            }
        }
        i += 1;
    }
    out
}

/// A method call read from tokens: `receiver.method(args)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MethodCallToks {
    pub method: String,
    /// Where the method name starts.
    pub method_start: usize,
    /// Just past the closing parenthesis.
    pub end: usize,
    /// Between the parentheses.
    pub args: Range<usize>,
}

/// A function-like item: a free function or a method.
#[derive(Clone)]
pub(super) struct FnItem<'a> {
    pub sig: &'a Signature,
    pub block: &'a Block,
    /// `pub`, `pub(crate)`, …: callers may live outside this file.
    pub public: bool,
    /// The `Self` type of the enclosing `impl`, for methods.
    pub self_ty: Option<&'a Type>,
    /// The whole item.
    pub range: Range<usize>,
}

/// The nodes of a file the recipes look at, in source order (outer before inner).
#[derive(Default)]
pub(super) struct Index<'a> {
    pub exprs: Vec<&'a Expr>,
    pub blocks: Vec<&'a Block>,
    pub locals: Vec<&'a Local>,
    pub fns: Vec<FnItem<'a>>,
    pub structs: Vec<&'a syn::ItemStruct>,
    pub aliases: Vec<&'a syn::ItemType>,
    /// Out-of-line `mod name;` declarations: code in other files that may call ours.
    pub outline_mods: usize,
    impl_stack: Vec<&'a Type>,
}

impl<'a> Visit<'a> for Index<'a> {
    fn visit_expr(&mut self, e: &'a Expr) {
        self.exprs.push(e);
        visit::visit_expr(self, e);
    }
    fn visit_block(&mut self, b: &'a Block) {
        self.blocks.push(b);
        visit::visit_block(self, b);
    }
    fn visit_local(&mut self, l: &'a Local) {
        self.locals.push(l);
        visit::visit_local(self, l);
    }
    fn visit_item_fn(&mut self, f: &'a ItemFn) {
        self.fns.push(FnItem {
            sig: &f.sig,
            block: &f.block,
            public: !matches!(f.vis, syn::Visibility::Inherited),
            self_ty: None,
            range: node_range(f),
        });
        // A nested fn does not see the enclosing impl's `Self`.
        let saved = std::mem::take(&mut self.impl_stack);
        visit::visit_item_fn(self, f);
        self.impl_stack = saved;
    }
    fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
        self.impl_stack.push(&i.self_ty);
        visit::visit_item_impl(self, i);
        self.impl_stack.pop();
    }
    fn visit_impl_item_fn(&mut self, f: &'a ImplItemFn) {
        self.fns.push(FnItem {
            sig: &f.sig,
            block: &f.block,
            public: !matches!(f.vis, syn::Visibility::Inherited),
            self_ty: self.impl_stack.last().copied(),
            range: node_range(f),
        });
        visit::visit_impl_item_fn(self, f);
    }
    fn visit_item_struct(&mut self, s: &'a syn::ItemStruct) {
        self.structs.push(s);
        visit::visit_item_struct(self, s);
    }
    fn visit_item_type(&mut self, t: &'a syn::ItemType) {
        self.aliases.push(t);
        visit::visit_item_type(self, t);
    }
    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        if m.content.is_none() {
            self.outline_mods += 1;
        }
        visit::visit_item_mod(self, m);
    }
}

impl<'a> Index<'a> {
    /// The innermost function item holding byte `at`.
    pub fn fn_at(&self, at: usize) -> Option<FnItem<'a>> {
        self.fns
            .iter()
            .filter(|f| f.range.contains(&at))
            .min_by_key(|f| f.range.len())
            .cloned()
    }

    /// The function called `name` (free functions first, then methods).
    pub fn fn_named(&self, name: &str) -> Option<FnItem<'a>> {
        let mut matching = self.fns.iter().filter(|f| f.sig.ident == name);
        let first = matching.next().cloned()?;
        // Two functions of that name (methods of different types): not sure which is meant.
        if matching.next().is_some() {
            return None;
        }
        Some(first)
    }

    /// The innermost block holding the range.
    pub fn block_at(&self, range: &Range<usize>) -> Option<&'a Block> {
        self.blocks
            .iter()
            .filter(|b| {
                let r = node_range(**b);
                r.start < range.start && range.end < r.end
            })
            .min_by_key(|b| node_range(**b).len())
            .copied()
    }

    /// The innermost expression whose range is exactly `range`.
    pub fn expr_exact(&self, range: &Range<usize>) -> Option<&'a Expr> {
        self.exprs
            .iter()
            .rev()
            .find(|e| node_range(**e) == *range)
            .copied()
    }

    /// The innermost expression holding `range` that `pred` accepts.
    pub fn expr_around(
        &self,
        range: &Range<usize>,
        pred: impl Fn(&Expr) -> bool,
    ) -> Option<&'a Expr> {
        self.exprs
            .iter()
            .filter(|e| syntax::contains(&node_range(**e), range) && pred(e))
            .min_by_key(|e| node_range(**e).len())
            .copied()
    }

    /// The `.await` whose `await` keyword (rustc's and clippy's span) or whole expression
    /// (our source check's span) is `range`.
    pub fn await_at(&self, range: &Range<usize>) -> Option<&'a syn::ExprAwait> {
        self.exprs.iter().find_map(|e| match e {
            Expr::Await(a) if node_range(&a.await_token) == *range || node_range(*e) == *range => {
                Some(a)
            }
            _ => None,
        })
    }

    /// The `let` that declares a binding at exactly `range` (its identifier).
    pub fn local_declaring(&self, range: &Range<usize>) -> Option<&'a Local> {
        self.locals
            .iter()
            .find(|l| {
                pat_ident_node(&l.pat)
                    .is_some_and(|p| node_range(p) == *range || node_range(&p.ident) == *range)
            })
            .copied()
    }

    /// The nearest `let name …` before `before`, in a block that also holds `before`.
    pub fn local_named_before(&self, name: &str, before: usize) -> Option<&'a Local> {
        self.blocks
            .iter()
            .filter(|b| node_range(**b).contains(&before))
            .flat_map(|b| b.stmts.iter())
            .filter_map(|s| match s {
                Stmt::Local(l) => Some(l),
                _ => None,
            })
            .filter(|l| {
                node_range(*l).end <= before && pat_ident(&l.pat).is_some_and(|id| id == name)
            })
            .max_by_key(|l| node_range(*l).start)
    }

    /// The struct called `name`.
    pub fn struct_named(&self, name: &str) -> Option<&'a syn::ItemStruct> {
        self.structs.iter().find(|s| s.ident == name).copied()
    }

    /// Whether byte `at` runs in an async context: the innermost fn, closure or async block
    /// around it is async.
    pub fn is_async_at(&self, at: usize) -> bool {
        let mut best: Option<(usize, bool)> = None;
        let mut consider = |range: Range<usize>, is_async: bool| {
            if range.contains(&at) && best.is_none_or(|(len, _)| range.len() < len) {
                best = Some((range.len(), is_async));
            }
        };
        for f in &self.fns {
            consider(node_range(f.block), f.sig.asyncness.is_some());
        }
        for e in &self.exprs {
            match e {
                Expr::Async(a) => consider(node_range(&a.block), true),
                Expr::Closure(c) => consider(node_range(&*c.body), c.asyncness.is_some()),
                _ => {}
            }
        }
        best.is_some_and(|(_, a)| a)
    }
}

/// Whether a syntax node names the identifier `name` (macro bodies are not looked into).
pub(super) fn names_ident(
    visit_node: impl FnOnce(&mut dyn FnMut(&syn::Ident)),
    name: &str,
) -> bool {
    let mut found = false;
    visit_node(&mut |i: &syn::Ident| found |= i == name);
    found
}

/// Calls `f` for every identifier of a type.
pub(super) fn type_idents(ty: &Type, f: &mut dyn FnMut(&syn::Ident)) {
    struct V<'f>(&'f mut dyn FnMut(&syn::Ident));
    impl<'a> Visit<'a> for V<'_> {
        fn visit_ident(&mut self, i: &'a syn::Ident) {
            (self.0)(i);
        }
    }
    V(f).visit_type(ty);
}

/// Calls `f` for every identifier of an expression.
pub(super) fn expr_idents(expr: &Expr, f: &mut dyn FnMut(&syn::Ident)) {
    struct V<'f>(&'f mut dyn FnMut(&syn::Ident));
    impl<'a> Visit<'a> for V<'_> {
        fn visit_ident(&mut self, i: &'a syn::Ident) {
            (self.0)(i);
        }
    }
    V(f).visit_expr(expr);
}

/// The identifier a pattern binds when it is a plain `name`, `mut name` or `name: T`.
pub(super) fn pat_ident(pat: &Pat) -> Option<&syn::Ident> {
    pat_ident_node(pat).map(|p| &p.ident)
}

/// The `name` / `mut name` pattern of a plain binding (also under a type annotation).
pub(super) fn pat_ident_node(pat: &Pat) -> Option<&syn::PatIdent> {
    match pat {
        Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => Some(p),
        Pat::Type(t) => pat_ident_node(&t.pat),
        _ => None,
    }
}

/// The type annotation of a `let`, if written.
pub(super) fn local_type(local: &Local) -> Option<&Type> {
    match &local.pat {
        Pat::Type(t) => Some(&t.ty),
        _ => None,
    }
}

/// `(statement index, statement)` of the statement of `block` that holds `range`.
pub(super) fn stmt_holding<'a>(
    block: &'a Block,
    range: &Range<usize>,
) -> Option<(usize, &'a Stmt)> {
    block
        .stmts
        .iter()
        .enumerate()
        .find(|(_, s)| syntax::contains(&node_range(*s), range))
}

/// The last segment of a path expression or type path.
pub(super) fn last_segment(path: &syn::Path) -> Option<&syn::PathSegment> {
    path.segments.last()
}

/// The path of a call's function when it is a plain path (`f`, `Rc::new`, `std::rc::Rc::new`).
pub(super) fn call_path(expr: &Expr) -> Option<&syn::Path> {
    match expr {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) if p.qself.is_none() => Some(&p.path),
            _ => None,
        },
        _ => None,
    }
}

/// The expression with parentheses, `.await` and `?` taken off.
pub(super) fn strip_await_try(mut expr: &Expr) -> &Expr {
    loop {
        expr = match expr {
            Expr::Paren(p) => &p.expr,
            Expr::Await(a) => &a.base,
            Expr::Try(t) => &t.expr,
            Expr::Group(g) => &g.expr,
            _ => return expr,
        };
    }
}

/// The name of the function an expression calls: `f(…)`, `path::f(…)`, `self.f(…)`.
pub(super) fn called_fn_name(expr: &Expr) -> Option<String> {
    match strip_await_try(expr) {
        Expr::Call(_) => call_path(strip_await_try(expr))
            .and_then(last_segment)
            .map(|s| s.ident.to_string()),
        Expr::MethodCall(m) => Some(m.method.to_string()),
        _ => None,
    }
}

/// Rewrites whole lines: the lines `lines` covers, each prefixed with `extra` indentation
/// (empty lines stay empty).
pub(super) fn indent_lines(text: &str, extra: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            out.push_str(line.trim_start_matches([' ', '\t']));
        } else {
            out.push_str(extra);
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::MemorySources;

    fn code(text: &str) -> Code {
        Code::load(&MemorySources::default().with("a.rs", text), "a.rs").unwrap()
    }

    #[test]
    fn uses_are_classified() {
        let text = "fn f(name: &str) {\n    let n = name.len();\n    println!(\"{name} {}\", name);\n    g(&name, *name, name.field, x.name, name::y);\n    assert!(name);\n}\n";
        let c = code(text);
        let kinds: Vec<UseKind> = c
            .var_uses("name", 0..text.len())
            .into_iter()
            .map(|u| u.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![
                UseKind::Receiver,
                UseKind::Format,
                UseKind::Format,
                UseKind::Borrowed,
                UseKind::Deref,
                UseKind::FieldBase,
                UseKind::OtherMacro,
            ]
        );
    }

    #[test]
    fn inline_format_args_skip_escaped_braces() {
        assert_eq!(
            inline_format_args("\"{{x}} {x} {x:?} {xy}\"", "x"),
            vec![8, 12]
        );
    }

    #[test]
    fn declarations_are_not_uses() {
        let text = "fn f() { let mut x = 1; let y: u8 = x; }";
        let c = code(text);
        let uses = c.var_uses("x", 0..text.len());
        assert_eq!(uses.len(), 1);
        assert_eq!(&text[uses[0].range.clone()], "x");
        assert_eq!(uses[0].range.start, text.rfind('x').unwrap());
    }

    #[test]
    fn bom_and_shebang_files_are_declined() {
        let s = MemorySources::default()
            .with("a.rs", "\u{feff}fn main() {}")
            .with("b.rs", "#!/usr/bin/env run\nfn main() {}")
            .with("c.rs", "#![allow(dead_code)]\nfn main() {}");
        assert!(Code::load(&s, "a.rs").is_none());
        assert!(Code::load(&s, "b.rs").is_none());
        assert!(Code::load(&s, "c.rs").is_some());
    }

    #[test]
    fn async_context() {
        let text = "fn s() { let c = || 1; }\nasync fn a() { let b = async { 1 }; }\nfn t() { let f = async { let g = || 2; }; }";
        let c = code(text);
        let idx = c.index();
        assert!(!idx.is_async_at(text.find("|| 1").unwrap()));
        assert!(idx.is_async_at(text.find("let b").unwrap()));
        assert!(idx.is_async_at(text.find("let g").unwrap()));
        assert!(!idx.is_async_at(text.find("|| 2").unwrap() + 3));
    }

    #[test]
    fn own_lines_need_the_line_to_themselves() {
        let text = "fn f() {\n    let a = 1; // note\n    let b = 2; let c = 3;\n}\n";
        let c = code(text);
        let a = text.find("let a").unwrap();
        let r = c.own_lines(a..a + "let a = 1;".len()).unwrap();
        assert_eq!(&text[r], "    let a = 1; // note\n");
        let b = text.find("let b").unwrap();
        assert!(c.own_lines(b..b + "let b = 2;".len()).is_none());
    }
}
