//! The file's top-level `use` items, and the edits that swap one imported name for another
//! (`use std::rc::Rc;` → `use std::sync::Arc;`) or add an import where the others are. An
//! import is never duplicated, and a name another import already takes is never added.

use std::ops::Range;

use syn::{Item, ItemUse, UseTree};

use super::body::Code;
use crate::fix::syntax::{self, node_range};
use crate::fix::Edit;

/// One imported name of a top-level `use` item.
#[derive(Debug, Clone)]
pub(super) struct Leaf {
    /// The whole `use` item.
    pub item: Range<usize>,
    /// `pub use`, `#[cfg] use`, …: never edited.
    pub plain: bool,
    /// The path before the name (`["std", "sync"]`).
    pub path: Vec<String>,
    /// The imported name, `*` for a glob.
    pub name: String,
    /// The name it is known by (`as` renames it).
    pub alias: String,
    /// When the name is one member of a `{…}` group: the member's range, the ranges of the
    /// group's other members, and the group's range (braces included).
    pub group: Option<Group>,
}

/// A name's place in a `{…}` group.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub member: Range<usize>,
    pub others: Vec<Range<usize>>,
    pub braces: Range<usize>,
}

/// Every imported name of the file's top-level `use` items.
pub(super) fn leaves(code: &Code) -> Vec<Leaf> {
    let mut out = Vec::new();
    for item in &code.file.items {
        if let Item::Use(u) = item {
            let plain = u.attrs.is_empty()
                && matches!(u.vis, syn::Visibility::Inherited)
                && u.leading_colon.is_none();
            walk(u, &u.tree, Vec::new(), None, plain, &mut out);
        }
    }
    out
}

fn walk(
    item: &ItemUse,
    tree: &UseTree,
    path: Vec<String>,
    group: Option<Group>,
    plain: bool,
    out: &mut Vec<Leaf>,
) {
    let leaf = |name: String, alias: String, group: Option<Group>| Leaf {
        item: node_range(item),
        plain,
        path: path.clone(),
        name,
        alias,
        group,
    };
    match tree {
        UseTree::Path(p) => {
            let mut next = path.clone();
            next.push(p.ident.to_string());
            walk(item, &p.tree, next, group, plain, out);
        }
        UseTree::Name(n) => out.push(leaf(n.ident.to_string(), n.ident.to_string(), group)),
        UseTree::Rename(r) => out.push(leaf(r.ident.to_string(), r.rename.to_string(), group)),
        UseTree::Glob(_) => out.push(leaf("*".into(), "*".into(), group)),
        UseTree::Group(g) => {
            let members: Vec<Range<usize>> = g.items.iter().map(node_range).collect();
            for (i, member) in g.items.iter().enumerate() {
                let group = Group {
                    member: members[i].clone(),
                    others: members
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, r)| r.clone())
                        .collect(),
                    braces: node_range(g),
                };
                walk(item, member, path.clone(), Some(group), plain, out);
            }
        }
    }
}

/// Splits `"std::sync::Arc"` into its module path and name.
fn split(full: &str) -> (Vec<String>, String) {
    let mut parts: Vec<String> = full.split("::").map(str::to_string).collect();
    let name = parts.pop().unwrap_or_default();
    (parts, name)
}

/// Whether `full` (`"std::sync::Arc"`) is imported under its own name (or by a glob of its
/// module).
pub(super) fn is_imported(leaves: &[Leaf], full: &str) -> bool {
    let (path, name) = split(full);
    leaves
        .iter()
        .any(|l| l.path == path && (l.name == "*" || (l.name == name && l.alias == name)))
}

/// Whether some other import (or an item of the file) already takes the name `full` would
/// be known by.
pub(super) fn name_taken(code: &Code, leaves: &[Leaf], full: &str) -> bool {
    let (path, name) = split(full);
    let imported_elsewhere = leaves.iter().any(|l| l.alias == name && l.path != path);
    let defined_here = code.file.items.iter().any(|item| match item {
        Item::Struct(s) => s.ident == name,
        Item::Enum(e) => e.ident == name,
        Item::Type(t) => t.ident == name,
        Item::Trait(t) => t.ident == name,
        Item::Fn(f) => f.sig.ident == name,
        Item::Mod(m) => m.ident == name,
        _ => false,
    });
    imported_elsewhere || defined_here
}

/// Where a new `use` line goes: after the last top-level `use`, else after the inner
/// attributes and `//!` docs, else at the top.
fn insertion_point(code: &Code) -> usize {
    let text = &*code.text;
    if let Some(last) = code
        .file
        .items
        .iter()
        .filter(|i| matches!(i, Item::Use(_)))
        .map(node_range)
        .max_by_key(|r| r.end)
    {
        return syntax::line_end(text, last.end.saturating_sub(1));
    }
    code.file
        .attrs
        .iter()
        .filter(|a| matches!(a.style, syn::AttrStyle::Inner(_)))
        .map(|a| syntax::line_end(text, node_range(a).end.saturating_sub(1)))
        .max()
        .unwrap_or(0)
}

/// The edit that adds `use {full};` (nothing when it is already imported), right after the
/// `use` item `after` when given.
pub(super) fn add(
    code: &Code,
    leaves: &[Leaf],
    full: &str,
    after: Option<&Range<usize>>,
) -> Option<Edit> {
    if is_imported(leaves, full) {
        return None;
    }
    let text = &*code.text;
    let at = after.map_or_else(
        || insertion_point(code),
        |r| syntax::line_end(text, r.end.saturating_sub(1)),
    );
    let mut line = format!("use {full};\n");
    if at > 0 && !text[..at].ends_with('\n') {
        line.insert(0, '\n');
    }
    Some(code.edit(at..at, line))
}

/// The edits that make `new` (`"std::sync::Arc"`) available where `old` (`"std::rc::Rc"`)
/// was imported. `old_still_used`: whether the file still names `old` after the fix (then
/// its import stays). `None` when `new`'s name is taken by another import or item.
pub(super) fn swap(code: &Code, old: &str, new: &str, old_still_used: bool) -> Option<Vec<Edit>> {
    let leaves = leaves(code);
    let (old_path, old_name) = split(old);
    // The old import goes away when its name is no longer used: it does not take the name.
    let others: Vec<Leaf> = leaves
        .iter()
        .filter(|l| old_still_used || !(l.path == old_path && l.name == old_name))
        .cloned()
        .collect();
    if name_taken(code, &others, new) {
        return None;
    }
    let old_leaf = leaves
        .iter()
        .find(|l| l.path == old_path && l.name == old_name && l.alias == old_name);
    let new_imported = is_imported(&leaves, new);
    let mut edits = Vec::new();
    match old_leaf {
        Some(leaf) if !old_still_used && leaf.plain => match &leaf.group {
            None => {
                let lines = code.own_lines(leaf.item.clone())?;
                let replacement = if new_imported {
                    String::new()
                } else {
                    let indent = syntax::indent_at(&code.text, leaf.item.start);
                    format!("{indent}use {new};\n")
                };
                edits.push(code.edit(lines, replacement));
            }
            Some(group) => {
                edits.extend(remove_member(code, group));
                edits.extend(add(code, &leaves, new, Some(&leaf.item)));
            }
        },
        Some(leaf) => edits.extend(add(code, &leaves, new, Some(&leaf.item))),
        None => edits.extend(add(code, &leaves, new, None)),
    }
    Some(edits)
}

/// Removes a member from its group; a group left with one member loses its braces.
pub(super) fn remove_member(code: &Code, group: &Group) -> Vec<Edit> {
    if group.others.len() == 1 {
        let keep = code.src(group.others[0].clone()).to_string();
        return vec![code.edit(group.braces.clone(), keep)];
    }
    let member = &group.member;
    // `a, member, b` → `a, b`: up to the next member; the last one from the previous.
    let next = group
        .others
        .iter()
        .map(|r| r.start)
        .filter(|s| *s >= member.end)
        .min();
    let previous = group
        .others
        .iter()
        .map(|r| r.end)
        .filter(|e| *e <= member.start)
        .max();
    match (next, previous) {
        (Some(next), _) => vec![code.edit(member.start..next, "")],
        (None, Some(previous)) => vec![code.edit(previous..member.end, "")],
        (None, None) => vec![code.edit(member.clone(), "")],
    }
}

/// How many times the file names `name` outside its `use` items and outside `except`.
pub(super) fn uses_outside_imports(code: &Code, name: &str, except: &[Range<usize>]) -> usize {
    let items: Vec<Range<usize>> = code
        .file
        .items
        .iter()
        .filter(|i| matches!(i, Item::Use(_)))
        .map(node_range)
        .collect();
    code.ident_tokens(name)
        .into_iter()
        .map(|i| code.toks[i].range.clone())
        .filter(|r| !items.iter().any(|it| syntax::contains(it, r)))
        .filter(|r| !except.iter().any(|e| syntax::contains(e, r)))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::{apply, MemorySources};

    fn code(text: &str) -> Code {
        Code::load(&MemorySources::default().with("a.rs", text), "a.rs").unwrap()
    }

    fn swapped(text: &str, old: &str, new: &str, still: bool) -> String {
        let c = code(text);
        let edits = swap(&c, old, new, still).unwrap();
        apply(text, &edits).unwrap()
    }

    #[test]
    fn a_simple_import_is_replaced_when_the_old_name_is_gone() {
        let text = "//! Doc.\nuse std::rc::Rc;\nuse std::time::Duration;\nfn main() {}\n";
        assert_eq!(
            swapped(text, "std::rc::Rc", "std::sync::Arc", false),
            "//! Doc.\nuse std::sync::Arc;\nuse std::time::Duration;\nfn main() {}\n"
        );
        assert_eq!(
            swapped(text, "std::rc::Rc", "std::sync::Arc", true),
            "//! Doc.\nuse std::rc::Rc;\nuse std::sync::Arc;\nuse std::time::Duration;\nfn main() {}\n"
        );
    }

    #[test]
    fn an_existing_import_is_not_duplicated() {
        let text = "use std::rc::Rc;\nuse std::sync::{Arc, Mutex};\nfn main() {}\n";
        assert_eq!(
            swapped(text, "std::rc::Rc", "std::sync::Arc", false),
            "use std::sync::{Arc, Mutex};\nfn main() {}\n"
        );
    }

    #[test]
    fn group_members_are_removed_cleanly() {
        let text = "use std::sync::{Arc, Mutex};\nfn main() {}\n";
        assert_eq!(
            swapped(text, "std::sync::Mutex", "tokio::sync::Mutex", false),
            "use std::sync::Arc;\nuse tokio::sync::Mutex;\nfn main() {}\n"
        );
        let text = "use std::sync::{Mutex, Arc, RwLock};\nfn main() {}\n";
        assert_eq!(
            swapped(text, "std::sync::Mutex", "tokio::sync::Mutex", false),
            "use std::sync::{Arc, RwLock};\nuse tokio::sync::Mutex;\nfn main() {}\n"
        );
        let text = "use std::sync::{Arc, RwLock, Mutex};\nfn main() {}\n";
        assert_eq!(
            swapped(text, "std::sync::Mutex", "tokio::sync::Mutex", false),
            "use std::sync::{Arc, RwLock};\nuse tokio::sync::Mutex;\nfn main() {}\n"
        );
    }

    #[test]
    fn a_taken_name_declines() {
        let c = code("use std::sync::Mutex;\nuse std::rc::Rc;\nfn main() {}\n");
        assert!(swap(&c, "std::rc::Rc", "tokio::sync::Mutex", false).is_none());
    }

    #[test]
    fn without_imports_the_line_goes_after_inner_attributes() {
        let text = "//! Doc.\n#![allow(dead_code)]\n\nfn main() {}\n";
        let c = code(text);
        let leaves = leaves(&c);
        let e = add(&c, &leaves, "std::sync::Arc", None).unwrap();
        assert_eq!(
            apply(text, [&e]).unwrap(),
            "//! Doc.\n#![allow(dead_code)]\nuse std::sync::Arc;\n\nfn main() {}\n"
        );
    }
}
