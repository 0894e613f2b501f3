//! Entry point: parse arguments, run the app, turn the outcome into an exit status.
#![forbid(unsafe_code)]

/// mimalloc instead of the system allocator: a fifth less CPU on a long stream (Cargo.toml
/// says why, BENCHMARKS.md gives the figures).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let argv: Vec<_> = std::env::args_os().collect();
    // The watchdog that stops cargo if we are killed is this binary too (src/cargo/watchdog.rs).
    #[cfg(unix)]
    if cargo_explain_async::cargo::watchdog::requested(&argv) {
        return cargo_explain_async::cargo::watchdog::main().into();
    }
    std::process::ExitCode::from(cargo_explain_async::app::main(argv))
}
