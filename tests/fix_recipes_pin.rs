//! The pinning family's fixes on the recorded streams of their trigger fixtures (tokio,
//! futures, smol, async-std, trpl). Compilation of the fixed fixtures: `scripts/try-fix-fixb`.

use crate::fixb_support;

use fixb_support::*;

#[test]
fn recursive_async_fn_boxes_the_recursive_call() {
    let member = "recursive_async_fn";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 2);
    let text = fixed(&main_rs(member), cases[0].fix());
    assert_line(&text, 10, "Box::pin(count_down(n - 1)).await + 1");
    let text = fixed(&main_rs(member), cases[1].fix());
    assert_line(&text, 22, "total += Box::pin(child.size()).await;");
    assert!(cases.iter().all(|c| c.fix().applicability == MACHINE));
}

#[test]
fn join_all_gets_pinned_boxes() {
    for (member, line, expected) in [
        ("unpinned_futures_in_join_all", 17, "futures::future::join_all(downloads.into_iter().map(Box::into_pin)).await; // explain-async: unpinned_futures_in_join_all"),
        ("runtime__trpl_join_all", 16, "trpl::join_all(futures.into_iter().map(Box::into_pin)).await; // explain-async: unpinned_futures_in_join_all"),
    ] {
        let cases = cases_of(member, "unpinned_futures_in_join_all", false);
        assert_eq!(cases.len(), 3, "{member}");
        // The three diagnostics (argument, call, `.await`) propose one edit.
        for case in &cases {
            assert_eq!(case.fix().edits, cases[0].fix().edits, "{member}");
            assert_eq!(case.fix().applicability, MACHINE);
        }
        assert_line(&fixed(&main_rs(member), cases[0].fix()), line, expected);
    }
}

#[test]
fn an_awaited_box_is_pinned_first() {
    for (member, line, expected) in [
        (
            "unpinned_boxed_future_awaited",
            6,
            "Box::into_pin(job).await; // explain-async: unpinned_boxed_future_awaited",
        ),
        (
            "runtime__smol_boxed_future_awaited",
            7,
            "Box::into_pin(job).await; // explain-async: unpinned_boxed_future_awaited",
        ),
        (
            "runtime__async_std_boxed_future_awaited",
            7,
            "Box::into_pin(job).await; // explain-async: unpinned_boxed_future_awaited",
        ),
        (
            "runtime__futures_boxed_future_awaited",
            6,
            "Box::into_pin(job).await // explain-async: unpinned_boxed_future_awaited",
        ),
    ] {
        let cases = cases_of(member, "unpinned_boxed_future_awaited", false);
        let fix = cases[0].fix();
        assert_eq!(fix.applicability, MACHINE, "{member}");
        // rustc's own "remove the `.await`" is not what this is.
        assert_line(&fixed(&main_rs(member), fix), line, expected);
    }
}

#[test]
fn async_block_where_a_boxed_future_is_expected() {
    let member = "async_block_where_boxed_future_expected";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 2);
    let text = fixed(&main_rs(member), cases[0].fix());
    assert_line(&text, 19, "run: Box::pin(async { println!(\"working\") }), // explain-async: async_block_where_boxed_future_expected");
    let text = fixed(&main_rs(member), cases[1].fix());
    assert_line(
        &text,
        27,
        "false => Box::pin(async { 2 }), // explain-async: async_block_where_boxed_future_expected",
    );
    assert!(cases.iter().all(|c| c.fix().applicability == MACHINE));
}

#[test]
fn distinct_async_blocks_share_one_boxed_type() {
    let member = "distinct_async_block_types";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 3);
    let boxed = "std::pin::Pin<Box<dyn std::future::Future<Output = _> + '_>>";
    let text = fixed(&main_rs(member), cases[0].fix());
    assert_line(
        &text,
        11,
        &format!("let pending: {boxed} = if use_cache {{"),
    );
    assert_line(&text, 12, "Box::pin(async { String::from(\"cached\") })");
    assert_line(
        &text,
        14,
        "Box::pin(async { load(\"users\").await }) // explain-async: distinct_async_block_types",
    );
    let text = fixed(&main_rs(member), cases[1].fix());
    assert_line(
        &text,
        21,
        &format!("let pending: {boxed} = match source {{"),
    );
    assert_line(&text, 23, "_ => Box::pin(async { load(\"network\").await }), // explain-async: distinct_async_block_types");
    let text = fixed(&main_rs(member), cases[2].fix());
    assert_line(
        &text,
        30,
        &format!("let mut jobs: Vec<{boxed}> = Vec::new();"),
    );
    assert_line(
        &text,
        31,
        "jobs.push(Box::pin(async { load(\"a\").await }));",
    );
    assert!(cases.iter().all(|c| c.fix().applicability == MACHINE));
}

#[test]
fn unboxed_dyn_future_return_becomes_impl() {
    let member = "unboxed_dyn_future_return";
    let cases = cases_of(member, member, false);
    let fix = cases[0].fix();
    assert_eq!(fix.applicability, MACHINE);
    assert_line(
        &fixed(&main_rs(member), fix),
        5,
        "fn fetch_score(user: u32) -> impl Future<Output = u32> { // explain-async: unboxed_dyn_future_return",
    );
}

#[test]
fn select_in_a_loop_pins_the_future_before_the_loop() {
    let member = "unpinned_future_in_select";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 6);
    let first = fixed(&main_rs(member), cases[0].fix());
    assert_line(
        &first,
        20,
        "let mut deadline = std::pin::pin!(tokio::time::sleep(Duration::from_secs(1)));",
    );
    let last = fixed(&main_rs(member), cases[5].fix());
    assert_line(
        &last,
        31,
        "let mut download = std::pin::pin!(long_download());",
    );
    assert!(cases.iter().all(|c| c.fix().applicability == MACHINE));
}
