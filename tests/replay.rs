//! Fast layer: replays the recorded `cargo check --message-format=json` streams of every
//! fixture crate through the matcher. Every `// explain-async: <rule>` marker must fire its
//! rule on that line, and nothing else may fire: not on near misses, not on the negative
//! controls. Toolchain-independent; re-record with `scripts/record-streams.sh`.

mod common;

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
        let expected = common::markers(member);
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
