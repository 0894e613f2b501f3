//! The list of source checks, and one file per check (`<check_id>.rs`), clippy's
//! `methods/<lint>.rs` in small. Each file holds what the check looks for, a
//! `check(cx, node)` that the walk ([`super::walker`]) calls at every expression and block,
//! and its own unit tests. `declare_checks!` turns the list below into the [`Check`] type:
//! its id, its code and its entry point. How to add one: [`crate::lints`].

use std::fmt;

use super::walker::{CheckContext, Node};

// A `mod` line stays outside the macro, where rustfmt (which does not look into macro calls)
// can find the file.
mod blocking_call_in_async;
mod cancel_unsafe_call_in_loop;
mod future_never_awaited;
mod futures_awaited_one_by_one;
mod lock_held_across_await;
mod sequential_accept_loop;

/// Builds [`Check`] from `Variant => module` lines, the module's name being the check's id.
macro_rules! declare_checks {
    ($($(#[doc = $doc:literal])* $variant:ident => $module:ident,)+) => {
        /// A source check.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Check {
            $($(#[doc = $doc])* $variant,)+
        }

        impl Check {
            /// Every check, in list order.
            pub const ALL: &'static [Check] = &[$(Check::$variant),+];

            /// The check's id: the name of its file, the id of the rule that explains it and
            /// the name used in `allow(...)`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Check::$variant => stringify!($module),)+
                }
            }

            /// Runs the check on one node of the walk.
            pub(crate) fn run<'ast>(self, cx: &mut CheckContext<'ast, '_>, node: Node<'ast>) {
                match self {
                    $(Check::$variant => $module::check(cx, node),)+
                }
            }
        }
    };
}

// The list. A new check goes at the end: the order is `Check`'s order, which sorts findings
// that start at the same place.
declare_checks! {
    /// A known blocking call (`std::thread::sleep`, `std::fs::*`, …) inside async code.
    BlockingCallInAsync => blocking_call_in_async,
    /// A loop that awaits `.accept()` and then awaits handling of the connection inline.
    SequentialAcceptLoop => sequential_accept_loop,
    /// An async lock guard still alive at a later, unrelated `.await`.
    LockHeldAcrossAwait => lock_held_across_await,
    /// A future bound to a name that nothing awaits, spawns, joins or polls.
    FutureNeverAwaited => future_never_awaited,
    /// Futures created together and then awaited one after the other.
    FuturesAwaitedOneByOne => futures_awaited_one_by_one,
    /// A call tokio documents as not cancel safe, raced in a `select!` loop or retried after
    /// `timeout` drops it.
    CancelUnsafeCallInLoop => cancel_unsafe_call_in_loop,
}

/// Prefix of the codes our findings carry; tells them apart from rustc's in a stream.
pub const CODE_PREFIX: &str = "explain_async::";

impl Check {
    /// The diagnostic code findings carry (`explain_async::<id>`).
    pub fn code(self) -> String {
        format!("{CODE_PREFIX}{}", self.id())
    }

    /// The check with this id.
    pub fn from_id(id: &str) -> Option<Check> {
        Check::ALL.iter().copied().find(|c| c.id() == id)
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;
    use crate::rules::Rulebook;

    #[test]
    fn every_file_is_listed_and_has_its_rule() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lints/checks");
        let files: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .filter_map(|p| Some(p.file_stem()?.to_str()?.to_string()))
            .filter(|stem| stem != "mod")
            .collect();
        let listed: BTreeSet<String> = Check::ALL.iter().map(|c| c.id().to_string()).collect();
        assert_eq!(files, listed, "files in {} vs the list", dir.display());
        let book = Rulebook::builtin().unwrap();
        for check in Check::ALL {
            assert!(
                book.get(check.id()).is_some(),
                "no rule explains `{check}`: write explanations/{check}.md"
            );
            assert_eq!(Check::from_id(check.id()), Some(*check));
        }
    }
}
