//! The human format's own lines (our blocks, notes and summary) fit 100 columns and never
//! carry raw control characters, for every recorded stream; rustc's lines are untouched.

use crate::common;

use std::process::Command;

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
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"))
            .args(["--color", "always", "--from"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
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
            if !ours {
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
