//! Every recipe, by the name rule files use in `[[fix]] recipe = "…"`. One file per family;
//! each recipe is a [`Recipe`](super::Recipe) with its own unit tests beside it.

pub mod await_;
pub mod blocking;
pub mod guards;
pub mod lifetimes;
pub mod locate;
pub mod manifest;
pub mod misc;
pub mod not_a_future;
pub mod pin;
pub mod runtime_entry;
pub mod send;

mod async_closures;
mod async_trait_attr;
mod body;
mod cancel_unsafe_call_in_loop;
#[cfg(test)]
mod check_findings;
mod combinators;
mod future_never_awaited;
mod futures_awaited_one_by_one;
mod held;
mod imports;
mod select_moved;
mod streams;
mod suggestion;
#[cfg(test)]
mod testing;
mod types;
mod words;

use super::Recipe;

/// `(name, recipe)`, sorted by name (a test checks), looked up by [`get`].
pub const RECIPES: &[(&str, Recipe)] = &[
    ("add_async", runtime_entry::add_async),
    ("annotate_error_type", misc::annotate_error_type),
    ("append_await", await_::append_await),
    (
        "async_closure_bound_in_words",
        words::async_closure_bound_in_words,
    ),
    (
        "async_closure_to_block",
        not_a_future::async_closure_to_block,
    ),
    ("async_fn_dyn", async_closures::async_fn_dyn),
    ("async_main_entry", runtime_entry::async_main_entry),
    ("async_move", lifetimes::async_move),
    ("async_mutex", guards::async_mutex),
    ("async_trait_on_impl", async_trait_attr::async_trait_on_impl),
    (
        "async_trait_send_in_words",
        words::async_trait_send_in_words,
    ),
    ("async_twin", blocking::async_twin),
    ("await_context_words", await_::await_context_words),
    (
        "await_forgotten_future",
        future_never_awaited::await_forgotten_future,
    ),
    (
        "awaited_twice_in_words",
        combinators::awaited_twice_in_words,
    ),
    (
        "blocking_capture_in_words",
        words::blocking_capture_in_words,
    ),
    ("box_dyn_error_send_sync", send::box_dyn_error_send_sync),
    ("box_pin", pin::box_pin),
    ("caller_lifetime_in_words", words::caller_lifetime_in_words),
    ("cell_to_atomic", send::cell_to_atomic),
    ("clone_into_task", lifetimes::clone_into_task),
    ("closure_future_in_words", words::closure_future_in_words),
    ("current_thread_flavor", manifest::current_thread_flavor),
    ("escaping_borrow_in_words", words::escaping_borrow_in_words),
    ("guard_in_words", guards::guard_in_words),
    ("impl_future_return", pin::impl_future_return),
    ("impl_trait_param", misc::impl_trait_param),
    ("import_stream_ext", streams::import_stream_ext),
    (
        "join_awaited_futures",
        futures_awaited_one_by_one::join_awaited_futures,
    ),
    ("local_executor_in_words", words::local_executor_in_words),
    ("non_future_closure", not_a_future::non_future_closure),
    ("non_future_to_spawn", not_a_future::non_future_to_spawn),
    ("pin_boxed_items", combinators::pin_boxed_items),
    (
        "pin_cancel_unsafe_future",
        cancel_unsafe_call_in_loop::pin_cancel_unsafe_future,
    ),
    ("pin_future", pin::pin_future),
    ("pin_select_futures", combinators::pin_select_futures),
    ("pin_stream", streams::pin_stream),
    ("poll_by_mut_ref", select_moved::poll_by_mut_ref),
    ("prefix_await", await_::prefix_await),
    ("rc_to_arc", send::rc_to_arc),
    ("receiver_recv", streams::receiver_recv),
    ("refcell_to_mutex", send::refcell_to_mutex),
    (
        "release_guard_before_await",
        guards::release_guard_before_await,
    ),
    ("remove_await", await_::remove_await),
    ("remove_main_attribute", not_a_future::remove_main_attribute),
    ("remove_unused_async", misc::remove_unused_async),
    ("result_tail_for_block", misc::result_tail_for_block),
    ("rustc_suggestion", suggestion::rustc_suggestion),
    ("send_in_words", send::send_in_words),
    ("set_edition", manifest::set_edition),
    ("spawn_handler", blocking::spawn_handler),
    ("static_in_words", lifetimes::static_in_words),
    ("stream_loop_in_words", streams::stream_loop_in_words),
    ("tokio_features", manifest::tokio_features),
    (
        "trait_object_send_in_words",
        words::trait_object_send_in_words,
    ),
];

/// The recipe called `name`.
pub fn get(name: &str) -> Option<Recipe> {
    RECIPES
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| RECIPES[i].1)
}

/// Whether a recipe of that name exists (the rule loader rejects unknown names).
pub fn exists(name: &str) -> bool {
    get(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_and_unique() {
        for pair in RECIPES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
    }
}
