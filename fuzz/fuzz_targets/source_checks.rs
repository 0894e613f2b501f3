//! The source checks over arbitrary Rust source: never panic (a file syn rejects is skipped).
#![no_main]

use cargo_explain_async::lints::analyze_source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = analyze_source(text, true);
    }
});
