//! The one place that speaks to the user on stderr (outside cargo's and rustc's own text):
//! each message is one line opened by its level, like cargo's (`error: …`, `warning: …`,
//! `note: …`). A failed write to stderr is ignored: there is nowhere left to report it.

use std::io::Write;

fn say(level: &str, message: &str) {
    let _ = writeln!(std::io::stderr(), "{level}: {message}");
}

/// An error that ends the run (the caller returns the exit status).
pub fn error(message: &str) {
    say("error", message);
}

/// Something the user should know that does not stop the run.
pub fn warning(message: &str) {
    say("warning", message);
}

/// Information (a user rule replacing a built-in one).
pub fn note(message: &str) {
    say("note", message);
}

/// A status line opened by a word, as cargo's `Fixed src/main.rs (1 fix)` (`--fix`: one
/// line per change).
pub fn status(word: &str, message: &str) {
    let _ = writeln!(std::io::stderr(), "{word} {message}");
}
