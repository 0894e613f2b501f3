//! Every recipe, by the name rule files use in `[[fix]] recipe = "…"`. One file per family;
//! each recipe is a [`Recipe`](super::Recipe) with its own unit tests beside it.

use super::Recipe;

mod cancel_unsafe_call_in_loop;
#[cfg(test)]
mod check_findings;
mod future_never_awaited;
mod futures_awaited_one_by_one;

/// `(name, recipe)`, sorted by name (a test checks), looked up by [`get`].
pub const RECIPES: &[(&str, Recipe)] = &[
    (
        "await_forgotten_future",
        future_never_awaited::await_forgotten_future,
    ),
    (
        "join_awaited_futures",
        futures_awaited_one_by_one::join_awaited_futures,
    ),
    (
        "pin_cancel_unsafe_future",
        cancel_unsafe_call_in_loop::pin_cancel_unsafe_future,
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
