//! The human format's own lines (our blocks, notes and summary) fit 100 columns and never
//! carry raw control characters, for every recorded stream, rendered in-process; rustc's
//! lines and the user's code in a diff are shown whole.

use crate::common;

use cargo_explain_async::render::Format;

use cargo_explain_async::render::human::{
    strip_ansi, BLOCK_BODY, BLOCK_FOOT, BLOCK_HEAD, SUMMARY_HEAD,
};

#[test]
fn our_lines_fit_100_columns() {
    let mut checked = 0;
    for entry in std::fs::read_dir(common::streams_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        // In-process, with the fixtures as the project, so blocks carry their fixes.
        let stream = std::fs::read(&path).unwrap();
        let text = crate::rule_blocks::render_with(&stream, Format::Human, true);
        for line in text.lines() {
            let plain = strip_ansi(line);
            let ours = [
                BLOCK_HEAD,
                BLOCK_BODY,
                BLOCK_FOOT,
                SUMMARY_HEAD,
                "    read more: ",
            ]
            .iter()
            .any(|p| plain.starts_with(p));
            // Lines of the user's code (the diff, quoted lines) are shown whole, as rustc
            // shows them; our own text fits.
            if !ours || common::is_block_code_line(&plain) {
                continue;
            }
            checked += 1;
            let width = plain.chars().count();
            assert!(width <= 100, "{}: {width} columns: {plain}", path.display());
            assert!(
                !plain.chars().any(|c| c.is_control()),
                "{}: control character in {plain:?}",
                path.display()
            );
        }
    }
    assert!(checked > 500, "too few of our lines seen ({checked})");
}
