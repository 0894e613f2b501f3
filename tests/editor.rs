//! The json format as rust-analyzer reads it (`rust-analyzer.check.overrideCommand`): every
//! stdout line parses as a `cargo_metadata::Message`; an explained diagnostic carries the
//! explanation as a span-less `help` child (rust-analyzer appends those to the diagnostic's
//! text) and at the end of `rendered`; and lines arrive one at a time, flushed as they are
//! produced, not when the run ends.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use cargo_metadata::Message;

#[test]
fn every_json_line_is_a_cargo_message_with_the_explanation_as_a_help_child() {
    let mut explained = 0;
    let mut streams: Vec<_> = std::fs::read_dir(common::streams_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    streams.sort();
    for stream in streams {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"))
            .arg("--from")
            .arg(&stream)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let input = std::fs::read(&stream).unwrap();
        assert_eq!(
            out.stdout.split(|b| *b == b'\n').count(),
            input.split(|b| *b == b'\n').count(),
            "{}: one output line per input line",
            stream.display()
        );
        for line in out.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let text = std::str::from_utf8(line).unwrap();
            let message: Message = serde_json::from_str(text).unwrap_or_else(|e| {
                panic!("{}: not a cargo message ({e}): {text}", stream.display())
            });
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let Some(ours) = value.get("explain_async") else {
                continue;
            };
            explained += 1;
            let Message::CompilerMessage(msg) = message else {
                panic!("explain_async on a line that is not a compiler message: {text}");
            };
            let body = ours["text"].as_str().unwrap();
            // Our explanation is the first child we add: span-less, so rust-analyzer appends
            // it to the main text. A fix, when there is one, follows it as a child whose
            // primary spans carry the suggestion (rust-analyzer's quick fix).
            let original = value["message"]["children"].as_array().unwrap().len();
            let ours_at = msg
                .message
                .children
                .iter()
                .position(|c| c.spans.is_empty() && c.message.ends_with(body))
                .expect("a span-less child carries the explanation");
            let help = &msg.message.children[ours_at];
            assert!(ours_at + 2 >= original, "our children come last");
            assert_eq!(
                help.level,
                cargo_metadata::diagnostic::DiagnosticLevel::Help
            );
            // rust-analyzer shows the primary label only when no span-less child exists; for a
            // diagnostic that had none, the label opens our child, so nothing is lost.
            let had_spanless = msg.message.children[..ours_at]
                .iter()
                .any(|c| !c.spans.iter().any(|s| s.is_primary));
            let label = msg
                .message
                .spans
                .iter()
                .find(|s| s.is_primary)
                .and_then(|s| s.label.clone());
            match label {
                Some(label) if !had_spanless => {
                    assert_eq!(help.message, format!("{label}\n{body}"))
                }
                _ => assert_eq!(help.message, body),
            }
            assert!(body.contains("In Python terms"));
            for fix in &msg.message.children[ours_at + 1..] {
                assert!(fix.spans.iter().all(|s| s.is_primary
                    && s.suggested_replacement.is_some()
                    && s.suggestion_applicability.is_some()));
            }
            let rendered = msg.message.rendered.as_deref().unwrap();
            assert!(
                rendered.ends_with(&format!("{body}\n")),
                "appended to rendered"
            );
        }
    }
    assert!(
        explained > 20,
        "only {explained} explained lines over every stream"
    );
}

/// `--from -` (like a live cargo run) writes each line as soon as it is processed: the first
/// answer arrives while the input is still open.
#[test]
fn json_lines_are_flushed_one_by_one() {
    let stream =
        std::fs::read_to_string(common::streams_dir().join("rc_held_across_await.jsonl")).unwrap();
    let lines: Vec<&str> = stream.lines().collect();
    assert!(lines.len() >= 2);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-explain-async"))
        .args(["--from", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    for line in &lines {
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        let got = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a line of output for each line of input, before the input ends");
        let _: Message = serde_json::from_str(&got).unwrap();
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
