//! Entry point: parse arguments, run the app, turn the outcome into an exit status.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(cargo_explain_async::app::main(
        std::env::args_os().collect(),
    ))
}
