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
    /// The package's trpl may be older than 0.3: only `trpl::run` is sure to exist.
    pub trpl_run_only: bool,
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
            trpl_run_only: package.is_some_and(|p| p.trpl_run_only),
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
            // trpl 0.3 renamed `run` to `block_on` (its doc comment on `run` says so) and keeps
            // `run` only for older copies of the Book; 0.1 and 0.2 have only `run`.
            Runtime::Trpl if self.trpl_run_only => MainEntry::BlockOn("trpl::run"),
            Runtime::Trpl => MainEntry::BlockOn("trpl::block_on"),
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

    /// What follows a spawn call so that the task keeps running when its handle is dropped:
    /// smol's `Task` cancels its future on drop (async-task 4.7 `Drop for Task`), so it needs
    /// `.detach()`; tokio's, async-std's and trpl's handles detach on drop.
    pub fn detach(&self) -> &'static str {
        match self.runtime {
            Runtime::Smol => ".detach()",
            _ => "",
        }
    }

    /// What follows `spawn_blocking(..).await` to get the closure's value: tokio's
    /// `JoinHandle<T>` resolves to `Result<T, JoinError>` (an error only if the closure
    /// panicked), smol's `unblock` task and async-std's handle to `T` itself.
    pub fn blocking_result_unwrap(&self) -> &'static str {
        match self.runtime {
            Runtime::Tokio => ".unwrap()",
            _ => "",
        }
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

    /// How to spawn a task that is not `Send`, if the runtime has a way: tokio 1.54
    /// `task::spawn_local` inside a `task::LocalSet` (feature `rt`), smol 2.0's
    /// `LocalExecutor::spawn` (its executor must be run), async-std 1.13's
    /// `task::spawn_local` (feature `unstable`), futures 0.3's `LocalSpawnExt::spawn_local` on
    /// an `executor::LocalPool`'s spawner. trpl 0.3 re-exports none of these.
    pub fn spawn_local(&self) -> Option<LocalSpawn> {
        Some(match self.runtime {
            Runtime::Tokio => LocalSpawn {
                call: "tokio::task::spawn_local",
                within: Some("tokio::task::LocalSet"),
                feature: (!self.tokio_has("rt")).then_some("rt"),
            },
            Runtime::Smol => LocalSpawn {
                call: "smol::LocalExecutor::spawn",
                within: Some("smol::LocalExecutor"),
                feature: None,
            },
            Runtime::AsyncStd => LocalSpawn {
                call: "async_std::task::spawn_local",
                within: None,
                feature: Some("unstable"),
            },
            Runtime::Futures if self.has_futures => LocalSpawn {
                call: "futures::task::LocalSpawnExt::spawn_local",
                within: Some("futures::executor::LocalPool"),
                feature: None,
            },
            Runtime::Trpl | Runtime::Futures => return None,
        })
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

/// How a runtime runs a task that is not `Send`: on one thread, through `call`, inside
/// `within` (an executor or set that must be running) when it needs one, behind `feature`
/// (of the runtime's crate) when that is not on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalSpawn {
    pub call: &'static str,
    pub within: Option<&'static str>,
    pub feature: Option<&'static str>,
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
            trpl_run_only: false,
        }
    }

    #[test]
    fn the_declared_runtime_decides() {
        let trpl = package(vec![Runtime::Trpl], None);
        let api = RuntimeApi::for_package(Some(&trpl), Some("use tokio::x;"));
        assert_eq!(api.runtime, Runtime::Trpl);
        assert_eq!(api.main_entry(), MainEntry::BlockOn("trpl::block_on"));
        assert_eq!(api.async_mutex(), None);
        // A trpl before 0.3 (the Book's first printings) has only `run`.
        let old_trpl = PackageContext {
            trpl_run_only: true,
            ..trpl.clone()
        };
        let api = RuntimeApi::for_package(Some(&old_trpl), None);
        assert_eq!(api.main_entry(), MainEntry::BlockOn("trpl::run"));
        let smol = package(vec![Runtime::Smol, Runtime::Futures], None);
        let api = RuntimeApi::for_package(Some(&smol), None);
        assert_eq!(api.spawn(), Some("smol::spawn"));
        assert_eq!(api.detach(), ".detach()");
        assert_eq!(api.blocking_result_unwrap(), "");
        assert_eq!(api.join_macro(), Some("futures::join!"));
        let futures_only = package(vec![Runtime::Futures], None);
        let api = RuntimeApi::for_package(Some(&futures_only), None);
        assert_eq!(api.runtime, Runtime::Futures);
        assert_eq!(api.spawn(), None);
        assert_eq!(
            api.spawn_local().map(|l| l.within),
            Some(Some("futures::executor::LocalPool"))
        );
        let trpl = package(vec![Runtime::Trpl], None);
        assert_eq!(
            RuntimeApi::for_package(Some(&trpl), None).spawn_local(),
            None
        );
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
