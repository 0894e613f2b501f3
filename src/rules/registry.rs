//! The built-in rulebook: every file in `explanations/` is listed here by hand and embedded
//! with `include_str!`, so an installed binary needs no files. A test fails when a file in
//! `explanations/` is missing from this list (see `tests/rulebook.rs`).

macro_rules! builtin {
    ($($id:ident),* $(,)?) => {
        /// `(id, file text)` for every built-in rule, in id order.
        pub const BUILTIN: &[(&str, &str)] = &[
            $((stringify!($id), include_str!(concat!("../../explanations/", stringify!($id), ".md"))),)*
        ];
    };
}

builtin![
    async_block_may_outlive_function,
    async_block_where_boxed_future_expected,
    async_main_without_runtime,
    async_trait_method_as_dyn,
    await_on_non_future,
    await_outside_async,
    blocking_call_in_async,
    borrowed_value_in_spawned_task,
    boxed_error_held_across_await,
    cancel_unsafe_call_in_loop,
    clippy_async_yields_async,
    clippy_await_holding_lock,
    clippy_await_holding_refcell_ref,
    clippy_future_not_send,
    clippy_large_futures,
    clippy_let_underscore_future,
    clippy_unused_async,
    distinct_async_block_types,
    field_accessed_on_future,
    future_never_awaited,
    future_not_display,
    future_not_iterator,
    future_used_as_value,
    futures_awaited_one_by_one,
    lock_held_across_await,
    method_called_on_future,
    non_send_captured_by_spawn,
    non_send_held_across_await,
    non_send_returned_from_spawn,
    non_sync_held_across_await,
    operator_on_future,
    prefix_await,
    question_mark_on_future,
    rc_held_across_await,
    recursive_async_fn,
    refcell_borrow_held_across_await,
    reference_escapes_into_spawned_task,
    sequential_accept_loop,
    std_mutex_guard_held_across_await,
    tokio_feature_missing,
    tokio_main_without_macros,
    tokio_main_without_multi_thread,
    unboxed_dyn_future_return,
    unpinned_boxed_future_awaited,
    unpinned_future_in_select,
    unpinned_futures_in_join_all,
    untyped_error_in_async_block,
    unused_future,
];
