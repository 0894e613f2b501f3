//! Every recipe, by the name rule files use in `[[fix]] recipe = "…"`. One file per family;
//! each recipe is a [`Recipe`](super::Recipe) with its own unit tests beside it.

use super::Recipe;

mod body;
pub mod guards;
mod held;
mod imports;
pub mod lifetimes;
pub mod send;
#[cfg(test)]
mod testing;
mod types;

/// `(name, recipe)`, sorted by name (a test checks), looked up by [`get`].
pub const RECIPES: &[(&str, Recipe)] = &[
    ("async_move", lifetimes::async_move),
    ("async_mutex", guards::async_mutex),
    ("box_dyn_error_send_sync", send::box_dyn_error_send_sync),
    ("cell_to_atomic", send::cell_to_atomic),
    ("clone_into_task", lifetimes::clone_into_task),
    ("guard_in_words", guards::guard_in_words),
    ("rc_to_arc", send::rc_to_arc),
    ("refcell_to_mutex", send::refcell_to_mutex),
    (
        "release_guard_before_await",
        guards::release_guard_before_await,
    ),
    ("send_in_words", send::send_in_words),
    ("static_in_words", lifetimes::static_in_words),
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
