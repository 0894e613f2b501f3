//! Every recipe, by the name rule files use in `[[fix]] recipe = "…"`. One file per family;
//! each recipe is a [`Recipe`](super::Recipe) with its own unit tests beside it.

pub mod await_;
pub mod blocking;
pub mod locate;
pub mod manifest;
pub mod misc;
pub mod pin;
pub mod runtime_entry;

use super::Recipe;

/// `(name, recipe)`, sorted by name (a test checks), looked up by [`get`].
pub const RECIPES: &[(&str, Recipe)] = &[
    ("annotate_error_type", misc::annotate_error_type),
    ("append_await", await_::append_await),
    ("async_main_entry", runtime_entry::async_main_entry),
    ("async_twin", blocking::async_twin),
    ("await_context_words", await_::await_context_words),
    ("box_pin", pin::box_pin),
    ("current_thread_flavor", manifest::current_thread_flavor),
    ("impl_future_return", pin::impl_future_return),
    ("impl_trait_param", misc::impl_trait_param),
    ("pin_future", pin::pin_future),
    ("prefix_await", await_::prefix_await),
    ("remove_await", await_::remove_await),
    ("remove_unused_async", misc::remove_unused_async),
    ("spawn_handler", blocking::spawn_handler),
    ("tokio_features", manifest::tokio_features),
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
