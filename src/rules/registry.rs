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

builtin![];
