//! The rule loader over arbitrary rule files: never panics; a rule that parses can be filled
//! and laid out as plain text.
#![no_main]

use std::collections::BTreeMap;

use cargo_explain_async::matching::Explanation;
use cargo_explain_async::render::plain_text;
use cargo_explain_async::rules::parse::parse_rule;
use cargo_explain_async::rules::Origin;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let origin = Origin::File("fuzz.md".into());
    if let Ok(rule) = parse_rule(text, "fuzz", origin) {
        let e = Explanation::from_rule(&rule, &BTreeMap::new());
        let _ = plain_text(&e);
    }
});
