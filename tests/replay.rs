//! Fast layer: replays the recorded `cargo check --message-format=json` streams of every
//! fixture crate through the matcher. Every `// explain-async: <rule>` marker must fire its
//! rule on that line, and nothing else may fire: not on near misses, not on the negative
//! controls. Toolchain-independent; re-record with `scripts/record-streams.sh`. Markers of our
//! own source checks are left to `tests/lints.rs`: cargo's streams never contain them.

use crate::common;

use cargo_explain_async::diagnostic::{classify, Event, Line};
use cargo_explain_async::matching::unknown_async;
use cargo_explain_async::rules::Rulebook;

#[test]
fn every_marker_fires_and_nothing_else() {
    let book = Rulebook::builtin().unwrap();
    let mut failures = Vec::new();
    let members = common::members();
    assert!(members.len() >= 40, "fixture workspace looks incomplete");
    for member in &members {
        let path = common::streams_dir().join(format!("{member}.jsonl"));
        let stream = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("no recorded stream {}: {e}", path.display()));
        // Markers of the source checks belong to the lint layer (tests/lints.rs).
        let expected = common::markers_of(member, false);
        let found = common::findings(&book, &stream);
        if expected != found {
            failures.push(format!(
                "{member}:\n  expected:\n{}\n  found:\n{}",
                common::show(&expected),
                common::show(&found)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn controls_have_errors_but_no_explanations() {
    let book = Rulebook::builtin().unwrap();
    for member in common::members()
        .iter()
        .filter(|m| m.starts_with("control__"))
    {
        let stream = std::fs::read(common::streams_dir().join(format!("{member}.jsonl"))).unwrap();
        let text = String::from_utf8_lossy(&stream);
        assert!(
            text.contains("\"reason\":\"compiler-message\""),
            "control {member} should produce a diagnostic to stay meaningful"
        );
        assert!(
            common::findings(&book, &stream).is_empty(),
            "{member} got an explanation"
        );
        for raw in stream.split_inclusive(|b| *b == b'\n') {
            if let Event::Diagnostic(d) = classify(Line { raw }) {
                assert_eq!(
                    unknown_async(&book, &d),
                    None,
                    "{member}: async note on a non-async error"
                );
            }
        }
    }
}

#[test]
fn unexplained_async_errors_get_a_pointer_to_the_closest_rules() {
    let book = Rulebook::builtin().unwrap();
    // An async error no rule covers (E0706-style wording, hand-made): message mentions `async`.
    let line = br#"{"reason":"compiler-message","package_id":"x","target":{"src_path":"/x/src/main.rs"},"message":{"message":"functions in traits cannot be declared `async`","code":{"code":"E0706","explanation":null},"level":"error","spans":[],"children":[],"rendered":"error[E0706]: functions in traits cannot be declared `async`\n"}}"#;
    let Event::Diagnostic(d) = classify(Line { raw: line }) else {
        panic!("not a diagnostic")
    };
    let closest = unknown_async(&book, &d).expect("async-related");
    assert!(closest.len() <= 3);
}

/// Older rustc/clippy wordings (tests/streams/drift/<rule>.jsonl, hand-made): every
/// diagnostic is explained by `<rule>` or covered by the cascade of one that is, and the
/// rule fires at least once.
#[test]
fn older_wordings_still_match() {
    use cargo_explain_async::matching::{find, Cascades};
    let book = Rulebook::builtin().unwrap();
    let dir = common::streams_dir().join("drift");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "drift streams missing");
    let mut failures = Vec::new();
    for path in files {
        let rule = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            book.rules().iter().any(|r| r.id == rule),
            "{rule}: no such rule"
        );
        let stream = std::fs::read(&path).unwrap();
        let mut cascades = Cascades::default();
        let mut fired = 0;
        for raw in stream.split_inclusive(|b| *b == b'\n') {
            let Event::Diagnostic(d) = classify(Line { raw }) else {
                continue;
            };
            let (found, covered) = cascades.judge(&book, &d, find(&book, &d));
            match found {
                Some(f) if book.rule(f.rule).id == rule => fired += 1,
                Some(f) => failures.push(format!(
                    "{rule}: `{}` explained by {}",
                    d.rustc.message,
                    book.rule(f.rule).id
                )),
                None if covered => {}
                None => failures.push(format!("{rule}: `{}` not explained", d.rustc.message)),
            }
        }
        if fired == 0 {
            failures.push(format!("{rule}: never fired"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
