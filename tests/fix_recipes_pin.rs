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

// Issue 13 (pinning, streams and combinators).

#[test]
fn two_async_fn_calls_in_arms_are_each_boxed() {
    let member = "distinct_async_block_types__two_async_fns";
    let cases = cases_of(member, "distinct_async_block_types", false);
    assert_eq!(cases.len(), 2);
    let text = fixed(&main_rs(member), cases[0].fix());
    assert_line(&text, 19, "Box::pin(read_cache(key))");
    // The `match`: rustc points at one arm, every arm is boxed.
    let text = fixed(&main_rs(member), cases[1].fix());
    assert_line(&text, 28, "0 => Box::pin(read_cache(key)),");
    assert_line(&text, 30, "_ => Box::pin(read_network(key)),");
    assert!(cases.iter().all(|c| c.fix().applicability == MACHINE));
}

#[test]
fn an_async_fn_call_where_a_boxed_future_is_expected_is_boxed() {
    let member = "async_block_where_boxed_future_expected__async_fn_call";
    let cases = cases_of(member, "async_block_where_boxed_future_expected", false);
    assert_eq!(cases.len(), 2);
    let text = fixed(&main_rs(member), cases[0].fix());
    assert_line(
        &text,
        18,
        "run: Box::pin(compute(n)), // explain-async: async_block_where_boxed_future_expected",
    );
    let text = fixed(&main_rs(member), cases[1].fix());
    assert_line(
        &text,
        23,
        "Box::pin(compute(n)) // explain-async: async_block_where_boxed_future_expected",
    );
    assert!(cases.iter().all(|c| c.fix().applicability == MACHINE));
}

#[test]
fn the_stream_ext_import_is_the_one_of_a_direct_dependency() {
    for (member, line) in [
        ("stream_next_without_ext_trait", "use futures::StreamExt;"),
        (
            "stream_next_without_ext_trait__tokio_stream",
            "use tokio_stream::StreamExt;",
        ),
        // rustc also offers `use futures_util::stream::stream::StreamExt;` here.
        ("runtime__trpl_stream_next", "use trpl::StreamExt;"),
    ] {
        let cases = cases_of(member, "stream_next_without_ext_trait", false);
        let fix = cases[0].fix();
        assert_eq!(fix.applicability, MACHINE, "{member}");
        assert_line(&fixed(&main_rs(member), fix), 3, line);
    }
}

#[test]
fn futures_select_gets_pinned_futures() {
    let member = "unpinned_future_in_futures_select";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 6);
    // The arguments (two) and the `.await` (two) of `select(…)`: one edit.
    for case in &cases[..4] {
        assert_eq!(case.fix().edits, cases[0].fix().edits);
    }
    assert_line(
        &fixed(&main_rs(member), cases[0].fix()),
        14,
        "match future::select(Box::pin(ping(1)), Box::pin(pong(2))).await { // explain-async: unpinned_future_in_futures_select",
    );
    let text = fixed(&main_rs(member), cases[4].fix());
    assert_line(&text, 20, "let mut a = std::pin::pin!(ping(3).fuse());");
    assert_line(&text, 21, "let mut b = std::pin::pin!(pong(4).fuse());");
    assert!(cases.iter().all(|c| c.fix().applicability == MACHINE));
}

#[test]
fn boxed_futures_in_futures_unordered_become_pinned_boxes() {
    let member = "unpinned_boxed_futures_in_stream";
    let cases = cases_of(member, member, false);
    let text = fixed(&main_rs(member), cases[0].fix());
    assert_line(
        &text,
        16,
        "let mut jobs: FuturesUnordered<std::pin::Pin<Box<dyn Future<Output = u32>>>> = FuturesUnordered::new();",
    );
    assert_line(&text, 17, "jobs.push(Box::pin(ping(5)));");
    assert_line(&text, 18, "jobs.push(Box::pin(pong(6)));");
    assert_eq!(cases[0].fix().applicability, MACHINE);
}

#[test]
fn a_stream_that_is_not_unpin_is_pinned_where_it_is_made() {
    let member = "unpinned_stream_next";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 2);
    for case in &cases {
        assert_line(
            &fixed(&main_rs(member), case.fix()),
            10,
            "let mut steps = std::pin::pin!(stream::unfold(3u32, step));",
        );
    }
}

#[test]
fn dyn_async_fn_parameter_becomes_impl_and_the_rest_is_in_words() {
    let member = "async_fn_trait_as_dyn";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 3);
    let by_line = |n: usize| cases.iter().find(|c| c.line() == n).unwrap();
    assert_line(
        &fixed(&main_rs(member), by_line(5).fix()),
        5,
        "async fn run_twice(step: &impl AsyncFn(u32) -> u32) -> u32 { // explain-async: async_fn_trait_as_dyn",
    );
    for line in [10, 13] {
        let (text, lines) = by_line(line).words();
        assert!(text.contains("Box::pin(async move"), "{text}");
        assert_eq!(lines[0].number, line);
    }
}

#[test]
fn a_future_awaited_twice_and_a_for_over_a_stream_are_in_words() {
    let cases = cases_of("future_awaited_twice", "future_awaited_twice", false);
    let (text, lines) = cases[0].words();
    assert!(text.contains("line 9 consumed `pending`"), "{text}");
    assert_eq!(
        lines.iter().map(|l| l.number).collect::<Vec<_>>(),
        vec![9, 10]
    );
    let (text, _) = cases[1].words();
    assert!(text.contains("`job.as_mut()`"), "{text}");
    let cases = cases_of("stream_used_as_iterator", "stream_used_as_iterator", false);
    let (text, lines) = cases[0].words();
    assert!(
        text.contains("`while let Some(p) = prices.next().await {`"),
        "{text}"
    );
    assert!(text.contains("`use futures::StreamExt;`"), "{text}");
    assert_eq!(lines[0].number, 8);
}

#[test]
fn a_tokio_receiver_read_as_a_stream_gets_recv() {
    let member = "channel_receiver_used_as_stream";
    let cases = cases_of(member, member, false);
    assert_eq!(cases.len(), 2);
    let by_line = |n: usize| cases.iter().find(|c| c.line() == n).unwrap();
    let fix = by_line(7).fix();
    assert_eq!(fix.applicability, MACHINE);
    assert_line(
        &fixed(&main_rs(member), fix),
        7,
        "while let Some(v) = rx.recv().await { // explain-async: channel_receiver_used_as_stream",
    );
    let (text, lines) = by_line(15).words();
    assert!(
        text.contains("`while let Some(v) = rx.recv().await {`"),
        "{text}"
    );
    assert_eq!(lines[0].number, 15);
}
