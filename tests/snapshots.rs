//! Snapshot tests: the real binary renders recorded streams (`--from`) in every format.
//! Snapshots live in `snapshots/replay/<case>@<format>.snap`; review with `cargo insta review`.

use crate::common;

use std::process::Command;

fn render(stream: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"))
        .arg("--from")
        .arg(stream)
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_format_on_recorded_streams() {
    let _bound = common::snapshot_settings("replay").bind_to_scope();
    for case in common::SNAPSHOT_CASES {
        let stream = common::streams_dir().join(format!("{case}.jsonl"));
        for (format, args) in [
            ("human", &["--color", "never"][..]),
            ("short", &["--format", "short", "--color", "never"][..]),
            ("json", &["--format", "json"][..]),
        ] {
            insta::assert_snapshot!(format!("{case}@{format}"), render(&stream, args));
        }
    }
}

#[test]
fn colored_human_output_keeps_rustc_colors() {
    let _bound = common::snapshot_settings("replay").bind_to_scope();
    for case in [
        "rc_held_across_await",
        "unused_future",
        "control__sync_mismatch",
    ] {
        let stream = common::streams_dir().join(format!("ansi/{case}.jsonl"));
        let out = render(&stream, &["--color", "always"]);
        insta::assert_snapshot!(format!("{case}@human-color"), out);
    }
}
