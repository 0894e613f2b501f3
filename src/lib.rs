//! cargo explain-async: runs `cargo check`, keeps every compiler message exactly as rustc
//! wrote it, and explains async mistakes beneath them in Python asyncio terms.
//!
//! Data flows one way: [`cargo`] (spawn, stream) → [`diagnostic`] (one owned message) →
//! [`matching`] (rulebook × diagnostic → finding) → [`render`] (one module per format).
//! Only [`app`] and [`cargo`] touch processes, the environment or stdout.
#![forbid(unsafe_code)]

pub mod app;
pub mod cargo;
pub mod cli;
pub mod context;
pub mod diagnostic;
pub mod error;
pub mod exit;
pub mod fix;
pub mod lints;
pub mod matching;
pub mod render;
pub mod rules;
pub mod stream;
