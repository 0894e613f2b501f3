//! The one integration-test binary (`cargo test --test integration`), in ripgrep's layout:
//! each file beside this one is a module of it, so the library is linked into one test
//! executable instead of one per file, and the tests of every file run in one process, in
//! parallel. `Cargo.toml` sets `autotests = false`; a file here that is not declared below
//! would never be compiled, which `every_test_file_is_a_module` catches.
//!
//! Run one file's tests with a filter: `cargo test --test integration replay::`.

mod common;

mod caches;
mod custom_rules;
mod editor;
mod fix;
mod fix_recipes_await;
mod fix_recipes_blocking;
mod fix_recipes_misc;
mod fix_recipes_pin;
mod fix_recipes_runtime;
mod fix_recipes_sendsync;
mod fixb_support;
mod fuzz;
mod human_layout;
mod lints;
mod lints_corpus;
mod live;
mod machine_formats;
mod new_rule;
mod precommit;
mod replay;
mod robustness;
mod rule_blocks;
mod rulebook;
mod snapshots;

/// Every `tests/*.rs` file is a module of this binary (with `autotests = false`, cargo would
/// otherwise leave a new one out silently).
#[test]
fn every_test_file_is_a_module() {
    let root = common::repo().join("tests");
    let this = std::fs::read_to_string(root.join("tests.rs")).unwrap();
    let declared: std::collections::BTreeSet<String> = this
        .lines()
        .filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';'))
        .map(str::to_string)
        .collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let is_module = (path.is_file() && path.extension().is_some_and(|e| e == "rs"))
            || path.join("mod.rs").is_file();
        if is_module && stem != "tests" && !declared.contains(stem) {
            missing.push(stem.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "declare these in tests/tests.rs with `mod <name>;`: {missing:?}"
    );
}
