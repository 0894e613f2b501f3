//! The await family's fixes on the recorded streams of their trigger fixtures: each
//! diagnostic's proposal, applied to the fixture's own source, gives the expected lines.
//! (Compilation of the fixed fixtures: `scripts/try-fix-fixb`.)

use crate::fixb_support;

use cargo_explain_async::fix::Applicability;
use fixb_support::*;

/// Every case of `rule` in its fixture gets edits of `applicability`; after each, line
/// `line` reads `expected`.
fn expect_edits(rule: &str, expected: &[(usize, &str)], applicability: Applicability) {
    let member = rule;
    let cases = cases_of(member, rule, false);
    assert_eq!(cases.len(), expected.len(), "{rule}: number of diagnostics");
    for (case, (line, text)) in cases.iter().zip(expected) {
        let fix = case.fix();
        assert_eq!(
            fix.applicability, applicability,
            "{rule} line {line}: {}",
            fix.title
        );
        let fixed = fixed(&main_rs(member), fix);
        assert!(
            parses(&fixed),
            "{rule}: fixed file does not parse:\n{fixed}"
        );
        assert_line(&fixed, *line, text);
    }
}

#[test]
fn future_used_as_value() {
    expect_edits(
        "future_used_as_value",
        &[
            (19, "let retries: u32 = get_retry_count().await; // explain-async: future_used_as_value"),
            (20, "greet(fetch_username().await); // explain-async: future_used_as_value"),
        ],
        MACHINE,
    );
}

#[test]
fn method_called_on_future() {
    expect_edits(
        "method_called_on_future",
        &[
            (25, "let name = get_user(1).await.display_name().to_owned(); // explain-async: method_called_on_future"),
            (26, "let size = fetch_body().await.len(); // explain-async: method_called_on_future"),
        ],
        MACHINE,
    );
}

#[test]
fn field_accessed_on_future() {
    expect_edits(
        "field_accessed_on_future",
        &[(
            16,
            "let name = get_user(1).await.name; // explain-async: field_accessed_on_future",
        )],
        MACHINE,
    );
}

#[test]
fn operator_on_future() {
    expect_edits(
        "operator_on_future",
        &[(15, "let total = count_admins().await + count_members().await; // explain-async: operator_on_future")],
        MACHINE,
    );
}

#[test]
fn future_not_display() {
    expect_edits(
        "future_not_display",
        &[(
            11,
            "println!(\"status: {}\", fetch_status().await); // explain-async: future_not_display",
        )],
        MACHINE,
    );
}

#[test]
fn future_not_iterator() {
    expect_edits(
        "future_not_iterator",
        &[(
            11,
            "for order in list_orders().await { // explain-async: future_not_iterator",
        )],
        MACHINE,
    );
}

#[test]
fn question_mark_on_future() {
    expect_edits(
        "question_mark_on_future",
        &[(
            13,
            "let token = fetch_token(user_id).await?; // explain-async: question_mark_on_future",
        )],
        MACHINE,
    );
}

#[test]
fn unused_future() {
    expect_edits(
        "unused_future",
        &[
            (13, "save_session(42).await; // explain-async: unused_future"),
            (14, "tokio::time::sleep(Duration::from_millis(10)).await; // explain-async: unused_future"),
        ],
        MACHINE,
    );
}

#[test]
fn clippy_let_underscore_future() {
    expect_edits(
        "clippy_let_underscore_future",
        &[(
            9,
            "send_audit_event(\"login\").await; // explain-async: clippy_let_underscore_future",
        )],
        MACHINE,
    );
}

#[test]
fn clippy_async_yields_async() {
    expect_edits(
        "clippy_async_yields_async",
        &[(
            11,
            "fetch_count().await // explain-async: clippy_async_yields_async",
        )],
        MAYBE,
    );
}

#[test]
fn prefix_await() {
    expect_edits(
        "prefix_await",
        &[(
            10,
            "let greeting = fetch_greeting().await; // explain-async: prefix_await",
        )],
        MACHINE,
    );
}

#[test]
fn await_on_non_future() {
    let cases = cases_of("await_on_non_future", "await_on_non_future", false);
    assert_eq!(cases.len(), 2);
    let fixed_port = fixed(&main_rs("await_on_non_future"), cases[0].fix());
    assert_line(
        &fixed_port,
        10,
        "parse_port(\"8080\") // explain-async: await_on_non_future",
    );
    assert_eq!(cases[0].fix().applicability, MACHINE);
    // The blocking `std::fs` call becomes its runtime twin, which is a future.
    let fixed_fs = fixed(&main_rs("await_on_non_future"), cases[1].fix());
    assert_line(
        &fixed_fs,
        15,
        "tokio::fs::read_to_string(\"app.toml\").await.unwrap_or_default() // explain-async: await_on_non_future blocking_call_in_async",
    );
    assert_eq!(cases[1].fix().applicability, MACHINE);
}

#[test]
fn await_outside_async_is_in_words_except_in_main() {
    let cases = cases_of("await_outside_async", "await_outside_async", false);
    assert_eq!(cases.len(), 3);
    let (text, lines) = cases[0].words();
    assert!(text.contains("`load_score` is a plain fn"), "{text}");
    assert!(lines.iter().any(|l| l.number == 13), "{lines:?}");
    let (text, _) = cases[1].words();
    assert!(text.contains("plain closure"), "{text}");
    let (text, _) = cases[2].words();
    assert!(text.contains("`Drop::drop` is never async"), "{text}");
    assert!(text.contains("tokio::spawn(close_socket())"), "{text}");
}
