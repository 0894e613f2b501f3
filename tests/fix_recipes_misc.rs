//! The untyped-error, dyn-async-trait and clippy async lints' fixes on the recorded streams
//! of their trigger fixtures. Compilation of the fixed fixtures: `scripts/try-fix-fixb`.

use crate::fixb_support;

use fixb_support::*;

#[test]
fn untyped_error_names_the_error_of_the_question_marked_call() {
    let member = "untyped_error_in_async_block";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 2);
    let text = fixed(&main_rs(member), cases[0].fix());
    assert_line(&text, 13, "Ok::<_, std::io::Error>(page.len())");
    let text = fixed(&main_rs(member), cases[1].fix());
    assert_line(&text, 22, "Ok::<_, std::io::Error>(page.len())");
    assert!(cases.iter().all(|c| c.fix().applicability == MACHINE));
}

#[test]
fn dyn_async_trait_parameter_becomes_impl() {
    let member = "async_trait_method_as_dyn";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 2);
    for case in &cases {
        let fix = case.fix();
        assert_eq!(fix.applicability, MACHINE);
        assert_eq!(fix.edits, cases[0].fix().edits);
        assert_line(
            &fixed(&main_rs(member), fix),
            17,
            "async fn greet(store: &impl Storage) -> String { // explain-async: async_trait_method_as_dyn",
        );
    }
}

#[test]
fn unused_async_drops_async_and_the_awaits() {
    let member = "clippy_unused_async";
    let cases = cases_of(member, member, false);
    let fix = cases[0].fix();
    assert_eq!(fix.applicability, MACHINE);
    let text = fixed(&main_rs(member), fix);
    assert_line(
        &text,
        5,
        "fn format_greeting(name: &str) -> String { // explain-async: clippy_unused_async",
    );
    assert_line(&text, 11, "println!(\"{}\", format_greeting(\"ada\"));");
}

#[test]
fn large_future_is_boxed() {
    let member = "clippy_large_futures";
    let cases = cases_of(member, member, false);
    let fix = cases[0].fix();
    assert_eq!(fix.applicability, MACHINE);
    assert_line(
        &fixed(&main_rs(member), fix),
        15,
        "println!(\"{}\", Box::pin(checksum()).await); // explain-async: clippy_large_futures",
    );
}
