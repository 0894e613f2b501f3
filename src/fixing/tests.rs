//! The fixing loop over a toy compiler: files in a temporary directory, and a checker that
//! "compiles" them by looking for words. Each word of a rule is a diagnostic with a fix of
//! that word; `BROKEN` is an error without a fix (what a bad fix brings), and `Sealed` in
//! `src/b.rs` breaks `src/c.rs` (an error where no fix wrote).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::observe::{Key, Observation, Seen};
use super::rewrite::tests::planned;
use super::*;

/// `(word, message, replacement of the word)`.
type Rule = (&'static str, &'static str, &'static str);

/// Runs after each check with the workspace root (a user editing while `--fix` runs).
type Hook = Box<dyn FnMut(&Path)>;

struct Toy {
    root: PathBuf,
    rules: Vec<Rule>,
    after_check: Option<Hook>,
    built: bool,
}

const FILES: &[&str] = &["src/a.rs", "src/b.rs", "src/c.rs"];

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

impl Checker for Toy {
    fn check(&mut self) -> Result<Observation, Error> {
        let mut obs = Observation {
            built: self.built,
            ..Observation::default()
        };
        let texts: BTreeMap<String, Arc<str>> = FILES
            .iter()
            .filter_map(|f| {
                let text = fs::read_to_string(self.root.join(f)).ok()?;
                Some((f.to_string(), Arc::from(text)))
            })
            .collect();
        let key = |file: &str, message: &str| Key {
            file: file.into(),
            level: "error",
            code: None,
            message: message.into(),
        };
        for (file, text) in &texts {
            for (word, message, replacement) in &self.rules {
                for (at, _) in text.match_indices(word) {
                    let line = line_of(text, at);
                    let mut p = planned(
                        &texts,
                        file,
                        message,
                        &[(file.as_str(), at, at + word.len(), replacement)],
                    );
                    p.line = line;
                    p.rule = format!("toy_{message}");
                    obs.fixes.push(p);
                    obs.seen.push(Seen {
                        key: key(file, message),
                        line,
                    });
                }
            }
            for (at, _) in text.match_indices("BROKEN") {
                obs.seen.push(Seen {
                    key: key(file, "mismatched types"),
                    line: line_of(text, at),
                });
            }
        }
        if texts.get("src/b.rs").is_some_and(|t| t.contains("Sealed")) {
            obs.seen.push(Seen {
                key: key("src/c.rs", "cannot find `Sealed`"),
                line: 1,
            });
        }
        obs.texts = texts;
        if let Some(hook) = &mut self.after_check {
            hook(&self.root);
        }
        Ok(obs)
    }
}

fn toy(name: &str, files: &[(&str, &str)], rules: &[Rule]) -> Toy {
    let root = std::env::temp_dir().join(format!(
        "explain-async-fixing-{name}-{}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(root.join("src")).unwrap();
    for (file, text) in files {
        fs::write(root.join(file), text).unwrap();
    }
    Toy {
        root,
        rules: rules.to_vec(),
        after_check: None,
        built: true,
    }
}

fn run(toy: &mut Toy) -> (Tally, Vec<String>) {
    let mut lines = Vec::new();
    let root = toy.root.clone();
    let tally = fix(toy, &root, &mut |c| {
        let (word, rest) = c.line();
        lines.push(format!("{word} {rest}"));
    })
    .unwrap();
    (tally, lines)
}

fn read(toy: &Toy, file: &str) -> String {
    fs::read_to_string(toy.root.join(file)).unwrap()
}

const GOOD: Rule = ("Good", "good", "Fine");
const BAD: Rule = ("Bad", "bad", "BROKEN");

#[test]
fn keeps_a_fix_that_removes_its_diagnostic() {
    let mut t = toy("good", &[("src/a.rs", "fn a() {\n    Good;\n}\n")], &[GOOD]);
    let (tally, lines) = run(&mut t);
    assert_eq!(read(&t, "src/a.rs"), "fn a() {\n    Fine;\n}\n");
    assert_eq!(lines, vec!["Fixed src/a.rs:2: fix good [toy_good]"]);
    assert_eq!((tally.fixed, tally.not_fixed, tally.proposed), (1, 0, 1));
    // Check, verify (which finds nothing more to do).
    assert_eq!(tally.checks, 2);
    let _ = fs::remove_dir_all(&t.root);
}

#[test]
fn restores_a_file_whose_fix_brings_an_error() {
    let text = "fn a() {\n    Bad;\n}\n";
    let mut t = toy("bad", &[("src/a.rs", text)], &[BAD]);
    let (tally, lines) = run(&mut t);
    assert_eq!(read(&t, "src/a.rs"), text);
    assert_eq!(
        lines,
        vec![
            "Not fixed src/a.rs:2: fix bad [toy_bad]: the fixed code gets `error: mismatched \
             types` at src/a.rs:2, file restored"
        ]
    );
    assert_eq!((tally.fixed, tally.not_fixed), (0, 1));
    // Check, verify; the next check finds only the rejected fix.
    assert_eq!(tally.checks, 3);
    let _ = fs::remove_dir_all(&t.root);
}

#[test]
fn a_fix_that_leaves_its_diagnostic_is_undone() {
    // The replacement still holds the word: the diagnostic is still reported.
    let text = "Stuck\n";
    let mut t = toy(
        "stuck",
        &[("src/a.rs", text)],
        &[("Stuck", "stuck", "Stuck ")],
    );
    let (_, lines) = run(&mut t);
    assert_eq!(read(&t, "src/a.rs"), text);
    assert_eq!(
        lines,
        vec![
            "Not fixed src/a.rs:1: fix stuck [toy_stuck]: the check still reports `error: \
             stuck`, file restored"
        ]
    );
    let _ = fs::remove_dir_all(&t.root);
}

#[test]
fn collisions_wait_for_the_next_round() {
    let rules = [
        ("Outer(Inner)", "outer", "Outer2(Inner)"),
        ("Inner", "inner", "Fine"),
    ];
    let mut t = toy("rounds", &[("src/a.rs", "Outer(Inner)\n")], &rules);
    let (tally, lines) = run(&mut t);
    assert_eq!(read(&t, "src/a.rs"), "Outer2(Fine)\n");
    assert_eq!(
        lines,
        vec![
            "Fixed src/a.rs:1: fix outer [toy_outer]",
            "Fixed src/a.rs:1: fix inner [toy_inner]",
        ]
    );
    assert_eq!(tally.fixed, 2);
    let _ = fs::remove_dir_all(&t.root);
}

#[test]
fn fixes_failing_together_are_tried_alone() {
    let mut t = toy("alone", &[("src/a.rs", "Good\nBad\n")], &[GOOD, BAD]);
    let (tally, lines) = run(&mut t);
    assert_eq!(read(&t, "src/a.rs"), "Fine\nBad\n");
    assert_eq!(
        lines,
        vec![
            "Fixed src/a.rs:1: fix good [toy_good]",
            "Not fixed src/a.rs:2: fix bad [toy_bad]: the fixed code gets `error: mismatched \
             types` at src/a.rs:2, file restored",
        ]
    );
    assert_eq!((tally.fixed, tally.not_fixed), (1, 1));
    let _ = fs::remove_dir_all(&t.root);
}

#[test]
fn an_error_where_no_fix_wrote_is_traced_to_its_unit() {
    let files = [
        ("src/a.rs", "Good\n"),
        ("src/b.rs", "Leak\n"),
        ("src/c.rs", "\n"),
    ];
    let mut t = toy("elsewhere", &files, &[GOOD, ("Leak", "leak", "Sealed")]);
    let (_, lines) = run(&mut t);
    assert_eq!(read(&t, "src/a.rs"), "Fine\n");
    assert_eq!(read(&t, "src/b.rs"), "Leak\n");
    assert_eq!(
        lines,
        vec![
            "Fixed src/a.rs:1: fix good [toy_good]",
            "Not fixed src/b.rs:1: fix leak [toy_leak]: the fixed code gets `error: cannot \
             find `Sealed`` at src/c.rs:1, file restored",
        ]
    );
    let _ = fs::remove_dir_all(&t.root);
}

#[test]
fn a_file_changed_since_the_check_is_not_touched() {
    let mut t = toy("changed", &[("src/a.rs", "Good\n")], &[GOOD]);
    let mut once = true;
    t.after_check = Some(Box::new(move |root| {
        if std::mem::take(&mut once) {
            fs::write(root.join("src/a.rs"), "Good // the user's edit\n").unwrap();
        }
    }));
    let (tally, lines) = run(&mut t);
    assert_eq!(read(&t, "src/a.rs"), "Good // the user's edit\n");
    assert_eq!(
        lines,
        vec![
            "Not fixed src/a.rs:1: fix good [toy_good]: src/a.rs changed on disk since the \
             check, so it was not touched"
        ]
    );
    assert_eq!(tally.fixed, 0);
    let _ = fs::remove_dir_all(&t.root);
}

#[test]
fn nothing_is_written_when_cargo_did_not_build() {
    let mut t = toy("unbuilt", &[("src/a.rs", "Good\n")], &[GOOD]);
    t.built = false;
    let (tally, lines) = run(&mut t);
    assert_eq!(read(&t, "src/a.rs"), "Good\n");
    assert!(lines.is_empty());
    assert_eq!(tally.checks, 1);
    let _ = fs::remove_dir_all(&t.root);
}

#[test]
fn an_interrupted_check_undoes_the_round_and_stops() {
    let mut t = toy("stopped", &[("src/a.rs", "Good\n")], &[GOOD]);
    struct Interrupted(Toy, usize);
    impl Checker for Interrupted {
        fn check(&mut self) -> Result<Observation, Error> {
            let mut obs = self.0.check()?;
            self.1 += 1;
            if self.1 == 2 {
                obs.stopped = Some(130);
                obs.built = false;
            }
            Ok(obs)
        }
    }
    t.built = true;
    let root = t.root.clone();
    let mut checker = Interrupted(t, 0);
    let mut lines = Vec::new();
    let tally = fix(&mut checker, &root, &mut |c| lines.push(c.line().1)).unwrap();
    assert_eq!(tally.stopped, Some(130));
    assert_eq!(read(&checker.0, "src/a.rs"), "Good\n");
    assert_eq!(
        lines,
        vec!["src/a.rs:1: fix good [toy_good]: the check was interrupted, file restored"]
    );
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn one_line_per_change_when_a_file_is_checked_twice() {
    let mut t = toy("twice", &[("src/a.rs", "Good\n")], &[GOOD, GOOD]);
    let (tally, lines) = run(&mut t);
    assert_eq!(read(&t, "src/a.rs"), "Fine\n");
    assert_eq!(lines, vec!["Fixed src/a.rs:1: fix good [toy_good]"]);
    assert_eq!(tally.fixed, 1);
    let _ = fs::remove_dir_all(&t.root);
}

#[test]
fn files_outside_the_workspace_are_never_written() {
    let t = toy("outside", &[("src/a.rs", "Good\n")], &[GOOD]);
    // The checker names the file by a path that climbs out of the root.
    struct Outside(Toy);
    impl Checker for Outside {
        fn check(&mut self) -> Result<Observation, Error> {
            let mut obs = self.0.check()?;
            for p in &mut obs.fixes {
                for e in &mut p.fix.edits {
                    e.file = format!("../x/{}", e.file);
                }
                for e in &mut p.placed {
                    e.edit.file = format!("../x/{}", e.edit.file);
                }
            }
            obs.texts = obs
                .texts
                .into_iter()
                .map(|(f, t)| (format!("../x/{f}"), t))
                .collect();
            Ok(obs)
        }
    }
    let root = t.root.clone();
    let mut outside = Outside(t);
    let mut lines = Vec::new();
    fix(&mut outside, &root, &mut |c| lines.push(c.line().1)).unwrap();
    assert_eq!(read(&outside.0, "src/a.rs"), "Good\n");
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("is outside the workspace"), "{lines:?}");
    let _ = fs::remove_dir_all(&root);
}
