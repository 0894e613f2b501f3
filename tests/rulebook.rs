//! The built-in rulebook is complete and well-formed: every file in `explanations/` is
//! registered and parses, ids are unique, every rule has a triggering fixture crate and a
//! near miss, and README's rule table is current.

mod common;

use std::collections::BTreeSet;

use cargo_explain_async::rules::{builtin_rules, registry::BUILTIN, Rulebook};

#[test]
fn every_explanation_file_is_registered_and_valid() {
    let dir = common::repo().join("explanations");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let registered: Vec<&str> = BUILTIN.iter().map(|(id, _)| *id).collect();
    let registered_set: BTreeSet<String> = registered.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        registered.len(),
        registered_set.len(),
        "an id is registered twice"
    );
    let missing: Vec<_> = on_disk.difference(&registered_set).collect();
    assert!(
        missing.is_empty(),
        "not registered in src/rules/registry.rs: {missing:?}"
    );
    let mut sorted = registered.clone();
    sorted.sort_unstable();
    assert_eq!(registered, sorted, "keep the registry sorted by id");
    // Parsing validates ids, sections, regexes and placeholders.
    let rules = builtin_rules().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules.len(), on_disk.len());
    Rulebook::builtin().unwrap();
}

#[test]
fn every_rule_has_a_trigger_and_a_near_miss() {
    let members: BTreeSet<String> = common::members().into_iter().collect();
    for (id, _) in BUILTIN {
        assert!(
            members.contains(*id),
            "rule `{id}` has no fixture crate tests/fixtures/{id}"
        );
        assert!(
            members.iter().any(|m| m.starts_with(&format!("{id}__"))),
            "rule `{id}` has no near-miss crate tests/fixtures/{id}__<variant>"
        );
        let marks = common::markers(id);
        assert!(
            marks.iter().any(|(_, _, r)| r == id),
            "fixture `{id}` has no `// explain-async: {id}` marker"
        );
    }
}

#[test]
fn readme_rule_table_is_current() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let book = Rulebook::builtin().unwrap();
    let table = cargo_explain_async::render::catalog::markdown_table(&book);
    let begin = "<!-- rule-table:begin -->\n";
    let end = "<!-- rule-table:end -->";
    let start = readme
        .find(begin)
        .expect("README has a rule-table:begin marker")
        + begin.len();
    let stop = readme
        .find(end)
        .expect("README has a rule-table:end marker");
    if readme[start..stop] != table {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{}{}", &readme[..start], table, &readme[stop..]);
            std::fs::write(common::repo().join("README.md"), updated).unwrap();
        } else {
            panic!(
                "README's rule table is stale; run `UPDATE_README=1 cargo test --test rulebook`"
            );
        }
    }
}
