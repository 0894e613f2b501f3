//! How each runtime spells the things fixes write: spawn, sleep, block_on, join, an async
//! mutex, async file I/O, a blocking-work pool. Chosen from the package's direct dependencies
//! (cargo metadata), else from the crate paths its source names. A spelling is `None` when the
//! runtime, as the package depends on it, has no such API: the recipe then says so in words
//! instead of inventing a crate.
//!
//! Every spelling here was checked against the crate's source (tokio 1.54, smol 2.0,
//! async-std 1.13, trpl 0.3, futures 0.3): see each field's comment.

use crate::context::{PackageContext, Runtime};

/// The spellings for one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeApi {
    pub runtime: Runtime,
    /// Whether `futures` is a direct dependency (its combinators and macros may be named).
    pub has_futures: bool,
    /// Tokio features enabled by the declaration (with `full` expanded), when tokio is a
    /// direct dependency.
    pub tokio_features: Option<Vec<String>>,
}

/// The features tokio's `full` feature turns on (tokio 1.54 `Cargo.toml`).
const TOKIO_FULL: &[&str] = &[
    "fs",
    "io-util",
    "io-std",
    "macros",
    "net",
    "parking_lot",
    "process",
    "rt",
    "rt-multi-thread",
    "signal",
    "sync",
    "time",
];

impl RuntimeApi {
    /// The API for a package: its preferred direct runtime dependency, else the runtime its
    /// source names (`tokio::`, `smol::`, …), else Tokio.
    pub fn for_package(package: Option<&PackageContext>, source: Option<&str>) -> Self {
        let declared =
            package.and_then(|p| p.runtimes.iter().copied().find(|r| *r != Runtime::Futures));
        let has_futures = package.map_or_else(
            || source.is_some_and(|s| s.contains("futures::")),
            |p| p.runtimes.contains(&Runtime::Futures),
        );
        let runtime = declared
            .or_else(|| source.and_then(runtime_named_in))
            .or_else(|| has_futures.then_some(Runtime::Futures))
            .unwrap_or(Runtime::Tokio);
        let tokio_features = package.and_then(|p| p.tokio.as_ref()).map(|dep| {
            let mut features: Vec<String> = Vec::new();
            for f in &dep.features {
                if f == "full" {
                    features.extend(TOKIO_FULL.iter().map(|s| s.to_string()));
                } else {
                    features.push(f.clone());
                }
            }
            features.sort();
            features.dedup();
            features
        });
        RuntimeApi {
            runtime,
            has_futures,
            tokio_features,
        }
    }

    /// Whether tokio's `feature` is on. Without project context the answer is "yes": the
    /// declaration cannot be read, so the fix is written as if the feature were there.
    pub fn tokio_has(&self, feature: &str) -> bool {
        self.tokio_features
            .as_ref()
            .is_none_or(|f| f.iter().any(|x| x == feature))
    }

    /// The function that starts a task (`Send` required).
    pub fn spawn(&self) -> Option<&'static str> {
        Some(match self.runtime {
            Runtime::Tokio => "tokio::spawn",
            Runtime::Smol => "smol::spawn",
            Runtime::AsyncStd => "async_std::task::spawn",
            // trpl 0.3: `pub use tokio::task::spawn as spawn_task`.
            Runtime::Trpl => "trpl::spawn_task",
            Runtime::Futures => return None,
        })
    }

    /// How `async fn main` gets a runtime: an attribute, or a sync `main` calling a
    /// `block_on`-style function.
    pub fn main_entry(&self) -> MainEntry {
        match self.runtime {
            Runtime::Tokio => MainEntry::Attribute("#[tokio::main]"),
            Runtime::Smol => MainEntry::BlockOn("smol::block_on"),
            // `#[async_std::main]` needs the `attributes` feature; `block_on` always exists.
            Runtime::AsyncStd => MainEntry::BlockOn("async_std::task::block_on"),
            // trpl 0.3 keeps `run` (the Book's name) beside `block_on`.
            Runtime::Trpl => MainEntry::BlockOn("trpl::run"),
            Runtime::Futures => MainEntry::BlockOn("futures::executor::block_on"),
        }
    }

    /// An async sleep for a `std::time::Duration`, as a call to `.await`.
    pub fn sleep(&self) -> Option<&'static str> {
        Some(match self.runtime {
            Runtime::Tokio => "tokio::time::sleep",
            Runtime::Smol => "smol::Timer::after",
            Runtime::AsyncStd => "async_std::task::sleep",
            Runtime::Trpl => "trpl::sleep",
            Runtime::Futures => return None,
        })
    }

    /// The async twin of `std::fs` (a module path), if the runtime has one.
    pub fn fs(&self) -> Option<&'static str> {
        Some(match self.runtime {
            Runtime::Tokio => "tokio::fs",
            Runtime::Smol => "smol::fs",
            Runtime::AsyncStd => "async_std::fs",
            Runtime::Trpl | Runtime::Futures => return None,
        })
    }

    /// The function that runs a blocking closure on a thread pool and gives a future.
    pub fn spawn_blocking(&self) -> Option<&'static str> {
        Some(match self.runtime {
            Runtime::Tokio => "tokio::task::spawn_blocking",
            Runtime::Smol => "smol::unblock",
            Runtime::AsyncStd => "async_std::task::spawn_blocking",
            Runtime::Trpl | Runtime::Futures => return None,
        })
    }

    /// An async mutex type whose guard may be held across `.await`.
    pub fn async_mutex(&self) -> Option<&'static str> {
        match self.runtime {
            Runtime::Tokio => Some("tokio::sync::Mutex"),
            Runtime::Smol => Some("smol::lock::Mutex"),
            Runtime::AsyncStd => Some("async_std::sync::Mutex"),
            Runtime::Trpl | Runtime::Futures => self.has_futures.then_some("futures::lock::Mutex"),
        }
    }

    /// A macro that awaits several futures together (`name!(a, b)`), if one can be named.
    pub fn join_macro(&self) -> Option<&'static str> {
        match self.runtime {
            Runtime::Tokio if self.tokio_has("macros") => Some("tokio::join!"),
            // trpl 0.3: `pub use futures::join`.
            Runtime::Trpl => Some("trpl::join!"),
            _ => self.has_futures.then_some("futures::join!"),
        }
    }
}

/// How `main` is made to run an async body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MainEntry {
    /// An attribute on `async fn main` (`#[tokio::main]`).
    Attribute(&'static str),
    /// A function called from a sync `main`: `fn main() { f(async { … }) }`.
    BlockOn(&'static str),
}

/// The runtime a source file names, by the first of `tokio::`, `smol::`, `async_std::`,
/// `trpl::` it uses.
fn runtime_named_in(source: &str) -> Option<Runtime> {
    [
        ("trpl::", Runtime::Trpl),
        ("smol::", Runtime::Smol),
        ("async_std::", Runtime::AsyncStd),
        ("tokio::", Runtime::Tokio),
    ]
    .into_iter()
    .filter_map(|(needle, rt)| source.find(needle).map(|at| (at, rt)))
    .min_by_key(|(at, _)| *at)
    .map(|(_, rt)| rt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::TokioDep;

    fn package(runtimes: Vec<Runtime>, tokio_features: Option<&[&str]>) -> PackageContext {
        PackageContext {
            name: "app".into(),
            runtimes,
            tokio: tokio_features.map(|f| TokioDep {
                req: "1".into(),
                features: f.iter().map(|s| s.to_string()).collect(),
                default_features: true,
            }),
            in_workspace: false,
        }
    }

    #[test]
    fn the_declared_runtime_decides() {
        let trpl = package(vec![Runtime::Trpl], None);
        let api = RuntimeApi::for_package(Some(&trpl), Some("use tokio::x;"));
        assert_eq!(api.runtime, Runtime::Trpl);
        assert_eq!(api.main_entry(), MainEntry::BlockOn("trpl::run"));
        assert_eq!(api.async_mutex(), None);
        let smol = package(vec![Runtime::Smol, Runtime::Futures], None);
        let api = RuntimeApi::for_package(Some(&smol), None);
        assert_eq!(api.spawn(), Some("smol::spawn"));
        assert_eq!(api.join_macro(), Some("futures::join!"));
        let futures_only = package(vec![Runtime::Futures], None);
        let api = RuntimeApi::for_package(Some(&futures_only), None);
        assert_eq!(api.runtime, Runtime::Futures);
        assert_eq!(api.spawn(), None);
    }

    #[test]
    fn tokio_features_expand_full() {
        let tokio = package(vec![Runtime::Tokio], Some(&["full"]));
        let api = RuntimeApi::for_package(Some(&tokio), None);
        assert!(api.tokio_has("rt-multi-thread"));
        let bare = package(vec![Runtime::Tokio], Some(&["rt"]));
        let api = RuntimeApi::for_package(Some(&bare), None);
        assert!(!api.tokio_has("macros"));
        assert_eq!(api.join_macro(), None);
    }

    #[test]
    fn without_context_the_source_decides() {
        let api = RuntimeApi::for_package(None, Some("fn main() { smol::block_on(async {}) }"));
        assert_eq!(api.runtime, Runtime::Smol);
        assert_eq!(RuntimeApi::for_package(None, None).runtime, Runtime::Tokio);
    }
}
