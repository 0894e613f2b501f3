//! cargo explain-async: runs `cargo check`, keeps every compiler message exactly as rustc
//! wrote it, and explains async mistakes beneath them in Python asyncio terms.
//!
//! Data flows one way: [`cargo`] (spawn, stream) → [`diagnostic`] (one owned message) →
//! [`matching`] (rulebook × diagnostic → verdict) → [`fix`] (the user's code, rewritten) →
//! [`render`] (one module per format), driven line by line by [`stream`]. Processes, files
//! and the environment are touched only by [`cargo`], [`project`], [`output`], [`say`], the
//! source checks' thread in [`lints`] and `--fix` in [`fixing`] (git, and the user's files:
//! it applies the fix stage's edits, then re-runs the pipeline to verify them); [`app`]
//! only dispatches.
#![forbid(unsafe_code)]

pub mod app;
pub mod cargo;
pub mod cli;
pub mod context;
pub mod diagnostic;
pub mod error;
pub mod exit;
pub mod fix;
pub mod fixing;
pub mod hash;
pub mod lints;
pub mod matching;
pub mod output;
pub mod project;
pub mod render;
pub mod rules;
pub mod say;
pub mod stream;
