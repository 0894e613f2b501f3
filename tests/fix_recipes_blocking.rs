//! The blocking-call and accept-loop fixes on the findings of our own source checks in their
//! trigger fixtures: each fixed file parses and the check no longer fires on the fixed line.
//! (Compilation of the fixed fixtures: `scripts/try-fix-fixb`.)

use crate::fixb_support;

use cargo_explain_async::fix::Proposal;
use cargo_explain_async::lints::{analyze_source, Check};
use fixb_support::*;

/// Lines where `check` fires in `text`.
fn firing(text: &str, check: Check) -> Vec<usize> {
    analyze_source(text, false)
        .unwrap()
        .findings
        .iter()
        .filter(|f| f.check == check)
        .map(|f| f.primary().lo.line)
        .collect()
}

#[test]
fn blocking_calls_get_twins_or_the_blocking_pool() {
    let member = "blocking_call_in_async";
    let cases = cases_of(member, member, true);
    let mut seen = Vec::new();
    for case in &cases {
        let line = case.line();
        match &case.proposal {
            Some(Proposal::Edits(fix)) => {
                let text = fixed_here(case);
                assert!(parses(&text), "line {line}:\n{text}");
                let file = case.diagnostic.user_span().unwrap().file_name.clone();
                let before = std::fs::read_to_string(fixtures_dir().join(&file)).unwrap();
                assert_eq!(
                    firing(&text, Check::BlockingCallInAsync).len() + 1,
                    firing(&before, Check::BlockingCallInAsync).len(),
                    "line {line} still blocks:\n{text}"
                );
                // A removed `use` line above shifts the fixed line up.
                let removed = before.lines().count() - text.lines().count();
                let fixed_line = text.lines().nth(line - 1 - removed).unwrap_or_default();
                seen.push((line, fix.applicability, fixed_line.trim().to_string()));
            }
            Some(Proposal::InWords { text, lines }) => {
                assert!(lines.iter().any(|l| l.number == line), "{lines:?}");
                seen.push((line, MAYBE, format!("words: {text}")));
            }
            None => panic!("line {line}: no proposal"),
        }
    }
    let expect = |line: usize, text: &str| {
        let (_, _, got) = seen
            .iter()
            .find(|(l, _, _)| *l == line)
            .unwrap_or_else(|| panic!("no case at {line}: {seen:?}"));
        assert!(got.starts_with(text), "line {line}: {got}");
    };
    // `use std::thread;` stays (thread::spawn uses it); `use std::thread::sleep;` goes with
    // the only call that used it (line 16).
    let line16 = fixed_here(cases.iter().find(|c| c.line() == 16).unwrap());
    assert!(!line16.contains("use std::thread::sleep;"), "{line16}");
    assert!(line16.contains("use std::thread;"), "{line16}");
    expect(15, "tokio::time::sleep(Duration::from_millis(50)).await;");
    expect(16, "tokio::time::sleep(Duration::from_millis(50)).await;");
    expect(21, "let text = tokio::fs::read_to_string(path).await?;");
    // `File::open(path)` has no same-typed twin, and `path` is borrowed: words.
    expect(22, "words: `std::fs::File::open(path)` blocks");
    expect(
        29,
        "let value = tokio::task::spawn_blocking(move || rx.recv()).await.unwrap().unwrap();",
    );
    expect(
        30,
        "tokio::task::spawn_blocking(move || worker.join()).await.unwrap().unwrap();",
    );
    // A method chain moves to the pool whole.
    expect(37, ".output()).await.unwrap()");
    expect(45, "tokio::time::sleep(Duration::from_millis(10)).await;");
    let twins: Vec<_> = seen
        .iter()
        .filter(|(l, _, _)| [15, 16, 21, 45].contains(l))
        .collect();
    assert!(twins.iter().all(|(_, a, _)| *a == MACHINE), "{twins:?}");
}

#[test]
fn a_twin_removes_the_import_it_leaves_unused() {
    let member = "blocking_call_in_async";
    let cases = cases_of(member, member, true);
    let config = cases
        .iter()
        .find(|c| {
            c.diagnostic
                .user_span()
                .unwrap()
                .file_name
                .ends_with("config.rs")
        })
        .expect("the finding in config.rs");
    let fix = config.fix();
    assert_eq!(fix.applicability, MACHINE);
    let text = fixed_here(config);
    assert!(!text.contains("use std::fs::write;"), "{text}");
    assert!(
        text.contains("    tokio::fs::write(\"/dev/null\", b\"reloaded\").await"),
        "{text}"
    );
}

#[test]
fn accept_loops_spawn_the_handling() {
    let member = "sequential_accept_loop";
    let cases = cases_of(member, member, true);
    assert_eq!(cases.len(), 3);
    for case in &cases {
        let fix = case.fix();
        assert_eq!(fix.applicability, MAYBE, "{}", fix.title);
        let text = fixed_here(case);
        assert!(parses(&text), "{text}");
        assert!(
            !firing(&text, Check::SequentialAcceptLoop).contains(&case.line()),
            "still sequential:\n{text}"
        );
        let before = std::fs::read_to_string(fixtures_dir().join(main_rs(member))).unwrap();
        assert_eq!(
            firing(&text, Check::SequentialAcceptLoop).len() + 1,
            firing(&before, Check::SequentialAcceptLoop).len()
        );
        assert!(
            text.lines()
                .nth(case.line() - 1)
                .unwrap()
                .trim_start()
                .starts_with("tokio::spawn(async move {"),
            "{text}"
        );
    }
    let first = fixed_here(&cases[0]);
    assert!(
        first.contains(
            "        tokio::spawn(async move {\n            handle(socket).await\n        });"
        ),
        "{first}"
    );
}
