//! Name resolution through `use` items, per scope, without type information.
//!
//! A path as written (`thread::sleep`, `sleep`, `fs::read`) is turned into the full path it
//! names (`std::thread::sleep`, …) using the `use` items visible where it is written: those of
//! the enclosing blocks and of the enclosing module (an inline `mod` does not see its
//! parent's imports). A name that no `use` brings in is either local (a single segment:
//! unresolved, so no check fires) or an absolute crate path (`std::fs::read`,
//! `reqwest::blocking::get`). Glob imports resolve a single name only when the glob is the
//! only one in sight, so two globs never make us guess.

use std::collections::{HashMap, HashSet};

use syn::{Item, UseTree};

/// The imports of one scope (a module or a block).
#[derive(Debug, Default, Clone)]
pub struct UseScope {
    /// Local name → full path it stands for.
    names: HashMap<String, Vec<String>>,
    /// Paths imported with `::*`.
    globs: Vec<Vec<String>>,
    /// Names of items defined here (`fn read() {}`): they shadow glob imports.
    locals: HashSet<String>,
    /// Whether names of the enclosing scope are visible (blocks: yes; modules: no).
    inherits: bool,
}

impl UseScope {
    /// The imports among `items` (the `use` and `extern crate` items of a module or block).
    pub fn from_items<'a>(items: impl IntoIterator<Item = &'a Item>, inherits: bool) -> Self {
        let mut scope = UseScope {
            inherits,
            ..UseScope::default()
        };
        for item in items {
            match item {
                Item::Use(u) => scope.add_tree(&mut Vec::new(), &u.tree),
                Item::ExternCrate(e) => {
                    let name = e.ident.to_string();
                    if let Some((_, alias)) = &e.rename {
                        scope.names.insert(alias.to_string(), vec![name]);
                    }
                }
                other => {
                    if let Some(name) = item_name(other) {
                        scope.locals.insert(name);
                    }
                }
            }
        }
        scope
    }

    fn add_tree(&mut self, prefix: &mut Vec<String>, tree: &UseTree) {
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add_tree(prefix, &p.tree);
                prefix.pop();
            }
            UseTree::Name(n) => {
                let ident = n.ident.to_string();
                if ident == "self" {
                    if let Some(last) = prefix.last() {
                        self.names.insert(last.clone(), prefix.clone());
                    }
                } else {
                    let mut full = prefix.clone();
                    full.push(ident.clone());
                    self.names.insert(ident, full);
                }
            }
            UseTree::Rename(r) => {
                let alias = r.rename.to_string();
                if alias == "_" {
                    return;
                }
                let mut full = prefix.clone();
                if r.ident != "self" {
                    full.push(r.ident.to_string());
                }
                if !full.is_empty() {
                    self.names.insert(alias, full);
                }
            }
            UseTree::Glob(_) => self.globs.push(prefix.clone()),
            UseTree::Group(g) => {
                for tree in &g.items {
                    self.add_tree(prefix, tree);
                }
            }
        }
    }
}

/// The name an item defines, for the items that can be called or hold associated items.
fn item_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Fn(i) => &i.sig.ident,
        Item::Struct(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::Mod(i) => &i.ident,
        Item::Const(i) => &i.ident,
        Item::Static(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Union(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::Macro(i) => i.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

/// The stack of visible scopes, innermost last.
#[derive(Debug, Default)]
pub struct Resolver {
    scopes: Vec<UseScope>,
}

/// Roots that name the current crate or `Self`: whatever follows is local.
const LOCAL_ROOTS: &[&str] = &["crate", "self", "super", "Self"];

impl Resolver {
    pub fn push(&mut self, scope: UseScope) {
        self.scopes.push(scope);
    }

    pub fn pop(&mut self) {
        self.scopes.pop();
    }

    /// The visible scopes, innermost first (stopping after a module scope).
    fn visible(&self) -> impl Iterator<Item = &UseScope> {
        let mut done = false;
        self.scopes.iter().rev().take_while(move |s| {
            let take = !done;
            done = done || !s.inherits;
            take
        })
    }

    fn lookup(&self, name: &str) -> Option<&Vec<String>> {
        self.visible().find_map(|s| s.names.get(name))
    }

    /// The full path `segments` stands for, or `None` when it is local or unknown.
    pub fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let (first, rest) = segments.split_first()?;
        if LOCAL_ROOTS.contains(&first.as_str()) {
            return None;
        }
        let mut full: Vec<String> = match self.lookup(first) {
            Some(path) => path.iter().chain(rest).cloned().collect(),
            None if rest.is_empty() => {
                // A single name no `use` brings in: a local item, unless one glob supplies it.
                if self.visible().any(|s| s.locals.contains(first)) {
                    return None;
                }
                let globs: Vec<&Vec<String>> = self.visible().flat_map(|s| &s.globs).collect();
                match globs.as_slice() {
                    [only] if !only.is_empty() => {
                        only.iter().chain(std::iter::once(first)).cloned().collect()
                    }
                    _ => return None,
                }
            }
            None => segments.to_vec(),
        };
        // `use std::fs; use fs::File;` (uniform paths): resolve the new first segment again.
        for _ in 0..4 {
            let head = full.first()?;
            if LOCAL_ROOTS.contains(&head.as_str()) {
                return None;
            }
            match self.lookup(head) {
                Some(path) if path.first() != Some(head) => {
                    full = path.iter().chain(&full[1..]).cloned().collect();
                }
                _ => break,
            }
        }
        Some(full)
    }

    /// Resolves a `syn::Path` (ignoring generic arguments); `None` for qualified `<T as X>`
    /// paths handled by the caller, local or unknown names.
    pub fn resolve_path(&self, path: &syn::Path) -> Option<Vec<String>> {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolve(&segments)
    }
}

/// `a::b::c` as one string.
pub fn join(path: &[String]) -> String {
    path.join("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(src: &str) -> Resolver {
        let file = syn::parse_file(src).unwrap();
        let mut r = Resolver::default();
        r.push(UseScope::from_items(&file.items, false));
        r
    }

    fn res(r: &Resolver, path: &str) -> Option<String> {
        let segs: Vec<String> = path.split("::").map(String::from).collect();
        r.resolve(&segs).map(|p| join(&p))
    }

    #[test]
    fn resolves_through_use_items() {
        let r = resolver(
            "use std::thread; use std::fs::{self, File as F}; use tokio::time::sleep; \
             use std::io::*; use fs::OpenOptions;",
        );
        assert_eq!(
            res(&r, "thread::sleep").as_deref(),
            Some("std::thread::sleep")
        );
        assert_eq!(res(&r, "fs::read").as_deref(), Some("std::fs::read"));
        assert_eq!(res(&r, "F::open").as_deref(), Some("std::fs::File::open"));
        assert_eq!(res(&r, "sleep").as_deref(), Some("tokio::time::sleep"));
        assert_eq!(res(&r, "stdin").as_deref(), Some("std::io::stdin"));
        assert_eq!(
            res(&r, "OpenOptions").as_deref(),
            Some("std::fs::OpenOptions")
        );
        assert_eq!(res(&r, "std::fs::write").as_deref(), Some("std::fs::write"));
        assert_eq!(res(&r, "crate::fs::read"), None);
        assert_eq!(res(&r, "self::x"), None);
    }

    #[test]
    fn two_globs_resolve_nothing() {
        let r = resolver("use std::fs::*; use tokio::fs::*;");
        assert_eq!(res(&r, "read_to_string"), None);
        let r = resolver("fn sleep() {}");
        assert_eq!(res(&r, "sleep"), None);
        let r = resolver("use std::fs::*; fn read() {}");
        assert_eq!(res(&r, "read"), None);
        assert_eq!(res(&r, "write").as_deref(), Some("std::fs::write"));
    }

    #[test]
    fn modules_do_not_inherit_blocks_do() {
        let mut r = resolver("use std::thread::sleep;");
        r.push(UseScope::default()); // a block: inherits = false by default here
        assert_eq!(res(&r, "sleep"), None);
        r.pop();
        r.push(UseScope {
            inherits: true,
            ..UseScope::default()
        });
        assert_eq!(res(&r, "sleep").as_deref(), Some("std::thread::sleep"));
    }
}
