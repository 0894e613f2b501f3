//! `async_trait_on_impl`: a trait carries `#[async_trait]` and an impl of it in the same file
//! does not (E0195 on the impl's method). The impl gets the trait's attribute, spelled as the
//! trait spells it (`#[async_trait]`, `#[async_trait::async_trait]`, `#[async_trait(?Send)]`),
//! so the names it uses resolve as they do for the trait.

use super::locate::{span_range, Source};
use crate::fix::syntax::{self, node_range};
use crate::fix::{Applicability, Edit, Fix, Input, Proposal};

/// The `#[async_trait…]` attribute of `attrs`, as written.
fn async_trait_attr<'s>(src: &'s Source, attrs: &[syn::Attribute]) -> Option<&'s str> {
    attrs.iter().find_map(|a| {
        let last = a.path().segments.last()?;
        (last.ident == "async_trait").then(|| &src.text[node_range(a)])
    })
}

pub fn async_trait_on_impl(input: &Input<'_>) -> Option<Proposal> {
    let (span, src) = Source::primary(input)?;
    let at = span_range(span);
    let imp = src.ast.items.iter().find_map(|item| match item {
        syn::Item::Impl(i) if syntax::contains(&node_range(i), &at) => Some(i),
        _ => None,
    })?;
    if async_trait_attr(&src, &imp.attrs).is_some() {
        return None;
    }
    let (path, _) = imp.trait_.as_ref()?;
    let trait_name = path.segments.last()?.ident.to_string();
    let attr = src.ast.items.iter().find_map(|item| match item {
        syn::Item::Trait(t) if t.ident == trait_name => async_trait_attr(&src, &t.attrs),
        _ => None,
    })?;
    let start = node_range(imp).start;
    let line = syntax::line_start(&src.text, start);
    let indent = syntax::indent_at(&src.text, start);
    Some(Proposal::Edits(Fix {
        title: format!("Put `{attr}` on this impl of `{trait_name}`, as on the trait"),
        applicability: Applicability::MachineApplicable,
        edits: vec![Edit {
            file: src.file.clone(),
            start: line,
            end: line,
            replacement: format!("{indent}{attr}\n"),
        }],
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{diagnostic, span, FILE};
    use super::*;
    use crate::fix::MemorySources;
    use std::collections::BTreeMap;

    fn run(text: &str) -> Option<Proposal> {
        let d = diagnostic(
            "error",
            Some("E0195"),
            "lifetime parameters or bounds on method `load` do not match the trait declaration",
            vec![span(
                text,
                "load(&self) {",
                0,
                Some("lifetimes do not match method in trait"),
                true,
            )],
            vec![],
        );
        let sources = MemorySources::default().with(FILE, text);
        let captures = BTreeMap::new();
        async_trait_on_impl(&Input {
            diagnostic: &d,
            captures: &captures,
            package: None,
            sources: &sources,
        })
    }

    #[test]
    fn copies_the_traits_attribute_onto_the_impl() {
        let text = "#[async_trait::async_trait(?Send)]\ntrait Store {\n    async fn load(&self);\n}\nstruct D;\nimpl Store for D {\n    async fn load(&self) {}\n}\n";
        let Some(Proposal::Edits(fix)) = run(text) else {
            panic!("no edit")
        };
        let fixed = crate::fix::apply(text, &fix.edits).unwrap();
        assert!(
            fixed.contains("#[async_trait::async_trait(?Send)]\nimpl Store for D {"),
            "{fixed}"
        );
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
    }

    #[test]
    fn nothing_when_the_impl_has_it_or_the_trait_lacks_it() {
        let both = "#[async_trait]\ntrait Store {\n    async fn load(&self);\n}\nstruct D;\n#[async_trait]\nimpl Store for D {\n    fn load(&self) {}\n}\n";
        assert_eq!(run(both), None);
        let neither = "trait Store {\n    async fn load(&self);\n}\nstruct D;\nimpl Store for D {\n    async fn load(&self) {}\n}\n";
        assert_eq!(run(neither), None);
    }
}
