//! What a type's spelling tells about it, without type information: whether it is surely
//! `Send + Sync`, surely `Send`, or surely `Clone + 'static`. Knows the standard library's
//! common types and the user's own non-generic structs in the same file (through their
//! fields, or `#[derive(Clone)]`). Anything else is "not known", and recipes that need the
//! answer decline or lower their applicability.

use syn::{GenericArgument, PathArguments, Type};

use super::body::Index;

/// The property asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    /// `Send + Sync` (what `Arc<T>` needs of `T` to be `Send`).
    SendSync,
    /// `Send` (what `Mutex<T>` needs of `T` to be `Send + Sync`).
    Send,
    /// `Clone + 'static`, with a clone that copies the value (or shares it, for `Arc`).
    CloneStatic,
}

/// Leaf types of the standard library that are `Send + Sync + Clone + 'static`.
const PLAIN: &[&str] = &[
    "bool",
    "char",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f32",
    "f64",
    "String",
    "PathBuf",
    "OsString",
    "Duration",
    "Instant",
    "SystemTime",
    "IpAddr",
    "Ipv4Addr",
    "Ipv6Addr",
    "SocketAddr",
];

/// Unsized leaves that are `Send + Sync` (behind a reference or a box).
const UNSIZED: &[&str] = &["str", "Path", "OsStr"];

/// Containers that have the property when every type argument has it.
const CONTAINERS: &[&str] = &[
    "Vec",
    "VecDeque",
    "Option",
    "Result",
    "Box",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "BinaryHeap",
    "LinkedList",
];

/// Atomics: `Send + Sync`, not `Clone`.
const ATOMICS: &[&str] = &[
    "AtomicBool",
    "AtomicU8",
    "AtomicU16",
    "AtomicU32",
    "AtomicU64",
    "AtomicUsize",
    "AtomicI8",
    "AtomicI16",
    "AtomicI32",
    "AtomicI64",
    "AtomicIsize",
];

/// Parses a type as rustc prints it (`Rc<Vec<&str>>`, `std::cell::Ref<'_, String>`).
pub(super) fn parse(ty: &str) -> Option<Type> {
    syn::parse_str::<Type>(ty).ok()
}

/// Whether `ty` surely has the property `want`.
pub(super) fn has(ty: &Type, want: Want, index: Option<&Index<'_>>) -> bool {
    has_depth(ty, want, index, 0)
}

fn has_depth(ty: &Type, want: Want, index: Option<&Index<'_>>, depth: usize) -> bool {
    if depth > 6 {
        return false;
    }
    let all = |types: &mut dyn Iterator<Item = &Type>| {
        let mut ok = true;
        for t in types {
            ok &= has_depth(t, want, index, depth + 1);
        }
        ok
    };
    match ty {
        Type::Paren(p) => has_depth(&p.elem, want, index, depth + 1),
        Type::Group(g) => has_depth(&g.elem, want, index, depth + 1),
        Type::Tuple(t) => all(&mut t.elems.iter()),
        Type::Array(a) => has_depth(&a.elem, want, index, depth + 1),
        Type::Slice(s) => want != Want::CloneStatic && has_depth(&s.elem, want, index, depth + 1),
        Type::Reference(r) => match want {
            // `&T` is `Send + Sync` when `T` is `Sync`; `&mut T` when `T` is both.
            Want::SendSync | Want::Send => {
                has_depth(&r.elem, Want::SendSync, index, depth + 1) || unsized_leaf(&r.elem)
            }
            // A copy of a reference still borrows: only `&'static` lives on its own.
            Want::CloneStatic => {
                r.mutability.is_none()
                    && r.lifetime.as_ref().is_some_and(|l| l.ident == "static")
                    && (has_depth(&r.elem, Want::SendSync, index, depth + 1)
                        || unsized_leaf(&r.elem))
            }
        },
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            let name = last.ident.to_string();
            let args: Vec<&Type> = match &last.arguments {
                PathArguments::None => Vec::new(),
                PathArguments::AngleBracketed(a) => {
                    let mut out = Vec::new();
                    for arg in &a.args {
                        match arg {
                            GenericArgument::Type(t) => out.push(t),
                            GenericArgument::Lifetime(_) => {}
                            _ => return false,
                        }
                    }
                    out
                }
                PathArguments::Parenthesized(_) => return false,
            };
            if PLAIN.contains(&name.as_str()) {
                return args.is_empty();
            }
            if UNSIZED.contains(&name.as_str()) {
                return want != Want::CloneStatic && args.is_empty();
            }
            if ATOMICS.contains(&name.as_str()) {
                return want != Want::CloneStatic && args.is_empty();
            }
            if CONTAINERS.contains(&name.as_str()) {
                return !args.is_empty() && all(&mut args.iter().copied());
            }
            if name == "Cow" {
                return want != Want::CloneStatic && all(&mut args.iter().copied());
            }
            match name.as_str() {
                // `Arc<T>`: Send + Sync when T is both; its clone shares, whatever T is.
                "Arc" => {
                    args.len() == 1
                        && if want == Want::CloneStatic {
                            static_type(args[0], index, depth + 1)
                        } else {
                            has_depth(args[0], Want::SendSync, index, depth + 1)
                        }
                }
                // `Mutex<T>` / `RwLock<T>`: Sync when T is Send (RwLock: Send + Sync).
                "Mutex" => {
                    want != Want::CloneStatic
                        && args.len() == 1
                        && has_depth(args[0], Want::Send, index, depth + 1)
                }
                "RwLock" => {
                    want != Want::CloneStatic
                        && args.len() == 1
                        && has_depth(args[0], Want::SendSync, index, depth + 1)
                }
                _ if args.is_empty() && p.path.segments.len() == 1 => {
                    user_struct(&name, want, index, depth)
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// `str`, `Path`, `OsStr`, `[T]`: behind a reference only.
fn unsized_leaf(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| UNSIZED.contains(&s.ident.to_string().as_str())),
        _ => false,
    }
}

/// Whether a type is surely `'static` (no references other than `&'static`, no type
/// parameters): the known types above, as far as their arguments go.
fn static_type(ty: &Type, index: Option<&Index<'_>>, depth: usize) -> bool {
    has_depth(ty, Want::CloneStatic, index, depth)
        || has_depth(ty, Want::SendSync, index, depth) && !mentions_reference(ty)
}

fn mentions_reference(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_type_reference(&mut self, _: &'a syn::TypeReference) {
            self.0 = true;
        }
        fn visit_lifetime(&mut self, _: &'a syn::Lifetime) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::visit_type(&mut finder, ty);
    finder.0
}

/// A non-generic struct of this file, through its fields (`SendSync`, `Send`) or its
/// `#[derive(Clone)]` and fields (`CloneStatic`).
fn user_struct(name: &str, want: Want, index: Option<&Index<'_>>, depth: usize) -> bool {
    let Some(item) = index.and_then(|i| i.struct_named(name)) else {
        return false;
    };
    if !item.generics.params.is_empty() {
        return false;
    }
    if want == Want::CloneStatic && !derives(item, "Clone") {
        return false;
    }
    item.fields
        .iter()
        .all(|f| has_depth(&f.ty, want, index, depth + 1))
}

/// Whether the struct has `#[derive(…, name, …)]`.
pub(super) fn derives(item: &syn::ItemStruct, name: &str) -> bool {
    item.attrs.iter().any(|a| match &a.meta {
        syn::Meta::List(list) if list.path.is_ident("derive") => list
            .tokens
            .clone()
            .into_iter()
            .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i == name)),
        _ => false,
    })
}

/// The name of the type's outermost path segment (`Rc` for `std::rc::Rc<u32>`).
pub(super) fn head(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Paren(p) => head(&p.elem),
        Type::Group(g) => head(&g.elem),
        _ => None,
    }
}

/// The single type argument of a path type (`u32` of `Rc<u32>`).
pub(super) fn only_arg(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let PathArguments::AngleBracketed(a) = &p.path.segments.last()?.arguments else {
        return None;
    };
    let mut types = a.args.iter().filter_map(|g| match g {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let first = types.next()?;
    types.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::recipes::body::Code;
    use crate::fix::MemorySources;

    fn known(ty: &str, want: Want) -> bool {
        has(&parse(ty).unwrap(), want, None)
    }

    #[test]
    fn standard_types() {
        assert!(known("u32", Want::SendSync));
        assert!(known("Vec<&str>", Want::SendSync));
        assert!(known("std::vec::Vec<std::string::String>", Want::SendSync));
        assert!(known("HashMap<String, Vec<u8>>", Want::SendSync));
        assert!(!known("RefCell<u32>", Want::SendSync));
        assert!(!known("Rc<u32>", Want::SendSync));
        assert!(!known("T", Want::SendSync));
        assert!(known("Mutex<Vec<u32>>", Want::SendSync));
        assert!(known("String", Want::CloneStatic));
        assert!(!known("&'a str", Want::CloneStatic));
        assert!(known("&'static str", Want::CloneStatic));
        assert!(known("Arc<Mutex<u32>>", Want::CloneStatic));
        assert!(!known("Arc<&'a str>", Want::CloneStatic));
        assert!(!known("AtomicU32", Want::CloneStatic));
    }

    #[test]
    fn user_structs_through_their_fields() {
        let text = "#[derive(Debug, Clone)]\nstruct A { n: u32, s: String }\nstruct B { p: *const u8 }\nstruct C { a: A }\n";
        let code = Code::load(&MemorySources::default().with("a.rs", text), "a.rs").unwrap();
        let index = code.index();
        let t = |s: &str, w| has(&parse(s).unwrap(), w, Some(&index));
        assert!(t("A", Want::SendSync));
        assert!(t("A", Want::CloneStatic));
        assert!(!t("B", Want::SendSync));
        assert!(t("C", Want::SendSync));
        assert!(!t("C", Want::CloneStatic), "C does not derive Clone");
    }

    #[test]
    fn heads_and_args() {
        let ty = parse("std::rc::Rc<Vec<u8>>").unwrap();
        assert_eq!(head(&ty).as_deref(), Some("Rc"));
        assert_eq!(head(only_arg(&ty).unwrap()).as_deref(), Some("Vec"));
    }
}
