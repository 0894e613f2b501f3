//! The runtime-entry and Cargo.toml families' fixes on the recorded streams of their trigger
//! fixtures (tokio, smol, async-std, trpl, futures). Compilation of the fixed fixtures:
//! `scripts/try-fix-fixb`.

use crate::fixb_support;

use fixb_support::*;

fn manifest(member: &str) -> String {
    format!("[ROOT]/{member}/Cargo.toml")
}

#[test]
fn async_main_under_tokio_gets_the_attribute() {
    let member = "async_main_without_runtime";
    let cases = cases_of(member, member, false);
    let fix = cases[0].fix();
    assert_eq!(fix.applicability, MACHINE);
    // The workspace's tokio has `full`: no Cargo.toml edit.
    assert!(
        fix.edits.iter().all(|e| e.file == main_rs(member)),
        "{fix:?}"
    );
    let text = fixed(&main_rs(member), fix);
    assert_line(&text, 8, "#[tokio::main]");
    assert_line(
        &text,
        9,
        "async fn main() { // explain-async: async_main_without_runtime",
    );
}

#[test]
fn async_main_under_other_runtimes_runs_in_block_on() {
    for (member, call) in [
        ("runtime__smol_async_main", "smol::block_on(async {"),
        (
            "runtime__async_std_async_main",
            "async_std::task::block_on(async {",
        ),
        ("runtime__trpl_async_main", "trpl::block_on(async {"),
        (
            "runtime__futures_async_main",
            "futures::executor::block_on(async {",
        ),
    ] {
        let cases = cases_of(member, "async_main_without_runtime", false);
        let fix = cases[0].fix();
        assert_eq!(fix.applicability, MACHINE, "{member}");
        let text = fixed(&main_rs(member), fix);
        assert!(parses(&text), "{text}");
        let main_line = text
            .lines()
            .position(|l| l.starts_with("fn main("))
            .unwrap_or_else(|| panic!("{text}"));
        assert_line(&text, main_line + 2, call);
        assert!(
            !text.lines().any(|l| l.starts_with("async fn main")),
            "{text}"
        );
        // Never a runtime the package does not use.
        for other in [
            "tokio::",
            "smol::",
            "async_std::",
            "trpl::",
            "futures::executor",
        ] {
            if !call.starts_with(other) {
                let before =
                    std::fs::read_to_string(fixtures_dir().join(member).join("src/main.rs"))
                        .unwrap();
                assert_eq!(
                    text.matches(other).count(),
                    before.matches(other).count(),
                    "{member}: {other}"
                );
            }
        }
    }
}

#[test]
fn tokio_main_without_macros_enables_macros() {
    let member = "tokio_main_without_macros";
    let cases = cases_of(member, member, false);
    let fix = cases[0].fix();
    assert_eq!(fix.applicability, MACHINE);
    let text = fixed(&manifest(member), fix);
    assert!(
        text.contains(r#"tokio = { version = "1", default-features = false, features = ["rt-multi-thread", "macros"] }"#),
        "{text}"
    );
}

#[test]
fn tokio_main_without_multi_thread_enables_it() {
    let member = "tokio_main_without_multi_thread";
    let cases = cases_of(member, member, false);
    let fix = cases[0].fix();
    assert_eq!(fix.applicability, MACHINE);
    let text = fixed(&manifest(member), fix);
    assert!(
        text.contains(r#"features = ["macros", "rt", "rt-multi-thread"] }"#),
        "{text}"
    );
}

#[test]
fn current_thread_flavor_is_the_fallback() {
    // Without a readable manifest the Cargo.toml edit is impossible; the attribute's flavor is.
    let member = "tokio_main_without_multi_thread";
    let d = &stream_diagnostics(member)[0];
    let mut d = d.clone();
    d.manifest_path = Some("[ROOT]/nowhere/Cargo.toml".into());
    let package = package(member);
    let sources = FixtureSources::new();
    let captures = Default::default();
    let input = cargo_explain_async::fix::Input {
        diagnostic: &d,
        captures: &captures,
        package: Some(&package),
        sources: &sources,
    };
    let names = vec![
        "tokio_features".to_string(),
        "current_thread_flavor".to_string(),
    ];
    let Some(cargo_explain_async::fix::Proposal::Edits(fix)) =
        cargo_explain_async::fix::propose(&names, &input)
    else {
        panic!("no fallback");
    };
    assert_eq!(fix.applicability, MAYBE);
    let text = fixed(&main_rs(member), &fix);
    assert_line(&text, 7, "#[tokio::main(flavor = \"current_thread\")] // explain-async: tokio_main_without_multi_thread");
}

#[test]
fn tokio_feature_missing_enables_every_feature_the_file_needs() {
    let member = "tokio_feature_missing";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 4);
    let first = fixed(&manifest(member), cases[0].fix());
    assert!(
        first.contains(r#"features = ["macros", "rt", "io-std", "io-util", "sync", "time"] }"#),
        "{first}"
    );
    // Each diagnostic's fix is the same edit: applying any one fixes the build.
    for case in &cases {
        assert_eq!(case.fix().edits, cases[0].fix().edits);
        assert_eq!(case.fix().applicability, MACHINE);
    }
}

#[test]
fn await_in_sync_main_is_left_to_words_when_main_is_not_the_frame() {
    // `await_outside_async`'s main is async already; the sync fns get words (see the await
    // family), never an attribute on the wrong function.
    let cases = cases_of("await_outside_async", "await_outside_async", false);
    for case in &cases {
        assert!(matches!(
            case.proposal,
            Some(cargo_explain_async::fix::Proposal::InWords { .. })
        ));
    }
}
