//! Applying any edits to any text: never panics, never changes bytes outside the edited
//! ranges, always leaves valid UTF-8 (or refuses), and the preview never panics either.
#![no_main]

use cargo_explain_async::fix::{apply, preview, Edit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first bytes choose edits; the rest is the text.
    if data.len() < 2 {
        return;
    }
    let n = usize::from(data[0] % 4) + 1;
    let header = (1 + n * 3).min(data.len());
    let text = String::from_utf8_lossy(&data[header..]).into_owned();
    let len = text.len().max(1);
    let mut edits = Vec::new();
    for chunk in data[1..header].chunks(3) {
        let [a, b, c] = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let start = usize::from(a) * len / 256;
        let end = start + usize::from(b) * (len - start) / 256;
        let replacement = "é\n}".chars().cycle().take(usize::from(c % 5)).collect();
        edits.push(Edit {
            file: "f.rs".into(),
            start,
            end,
            replacement,
        });
    }
    let _ = preview(&text, &edits, 1);
    if let Ok(out) = apply(&text, &edits) {
        let first = edits.iter().map(|e| e.start).min().unwrap_or(0);
        let last = edits.iter().map(|e| e.end).max().unwrap_or(0);
        assert_eq!(&out.as_bytes()[..first], &text.as_bytes()[..first]);
        let tail = &text.as_bytes()[last..];
        assert!(out.as_bytes().ends_with(tail));
    }
});
