//! `// explain-async: allow(<check_id>, …)` comments.
//!
//! - At the end of a line of code, the comment silences findings whose primary span starts
//!   on that line, or whose enclosing statement or item starts there.
//! - On a line of its own, it silences findings inside the statement or item that follows
//!   (blank lines, other comments and attributes such as `#[tokio::main]` may sit between).

use std::collections::HashMap;

use super::{Check, CheckFinding};

const MARK: &str = "// explain-async: allow(";

/// The allow comments of one file.
#[derive(Debug, Default)]
pub struct Allows {
    /// Trailing comments: line → checks.
    on_line: HashMap<usize, Vec<Check>>,
    /// Comments on their own line: the lines they cover, `(first, last)`, with their
    /// checks. `first` is the line after the comment, `last` the first line of code below.
    above: Vec<(usize, usize, Vec<Check>)>,
}

/// The checks named by an allow comment in `line`, and whether code precedes it.
fn parse(line: &str) -> Option<(bool, Vec<Check>)> {
    let at = line.find(MARK)?;
    let rest = &line[at + MARK.len()..];
    let inner = &rest[..rest.find(')')?];
    let checks: Vec<Check> = inner
        .split(',')
        .filter_map(|name| Check::from_id(name.trim()))
        .collect();
    let code_before = !line[..at].trim().is_empty();
    Some((code_before, checks))
}

/// A line that is not yet the code an own-line comment refers to.
fn is_preamble(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with("//") || t.starts_with("#[") || t.starts_with("/*")
}

impl Allows {
    /// Finds every allow comment in `text`. A cheap text scan: the marker is rare.
    pub fn scan(text: &str) -> Self {
        let mut allows = Allows::default();
        if !text.contains(MARK) {
            return allows;
        }
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((code_before, checks)) = parse(line) else {
                continue;
            };
            let n = i + 1;
            if code_before {
                allows.on_line.entry(n).or_default().extend(checks);
            } else {
                let last = lines[i + 1..]
                    .iter()
                    .position(|l| !is_preamble(l))
                    .map_or(lines.len(), |k| n + 1 + k);
                allows.above.push((n + 1, last, checks));
            }
        }
        allows
    }

    /// Whether an allow comment silences `finding`.
    pub fn silences(&self, finding: &CheckFinding) -> bool {
        let check = finding.check;
        let primary = finding.primary();
        let lines = (primary.lo.line..=primary.hi.line).chain(finding.enclosing.iter().copied());
        for line in lines {
            if self.on_line.get(&line).is_some_and(|c| c.contains(&check)) {
                return true;
            }
            if self
                .above
                .iter()
                .any(|(first, last, c)| (*first..=*last).contains(&line) && c.contains(&check))
            {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::{Label, Pos};

    fn finding(check: Check, line: usize, enclosing: Vec<usize>) -> CheckFinding {
        let p = Pos { line, column: 4 };
        CheckFinding {
            check,
            message: String::new(),
            labels: vec![Label {
                lo: p,
                hi: p,
                text: String::new(),
                primary: true,
            }],
            notes: Vec::new(),
            enclosing,
        }
    }

    #[test]
    fn trailing_and_above() {
        let text = "fn a() {\n    x(); // explain-async: allow(blocking_call_in_async)\n}\n\
                    // explain-async: allow(lock_held_across_await, sequential_accept_loop)\n\
                    #[tokio::main]\nasync fn main() {\n    y();\n}\n";
        let allows = Allows::scan(text);
        assert!(allows.silences(&finding(Check::BlockingCallInAsync, 2, vec![1, 2])));
        assert!(!allows.silences(&finding(Check::LockHeldAcrossAwait, 2, vec![1, 2])));
        // The item starts at its attribute (line 5); the finding is inside it.
        assert!(allows.silences(&finding(Check::LockHeldAcrossAwait, 7, vec![5, 7])));
        assert!(allows.silences(&finding(Check::SequentialAcceptLoop, 7, vec![5, 7])));
        assert!(!allows.silences(&finding(Check::BlockingCallInAsync, 7, vec![5, 7])));
    }

    #[test]
    fn allow_comments_silence_whole_statements_and_items() {
        let src = r#"
async fn a() {
    std::thread::sleep(d); // explain-async: allow(blocking_call_in_async)
    // explain-async: allow(blocking_call_in_async)
    let _ = std::fs::read(
        "x",
    );
}
// explain-async: allow(blocking_call_in_async)
#[tokio::main]
async fn main() {
    std::thread::sleep(d);
}
async fn b() { std::thread::sleep(d); }
"#;
        assert_eq!(
            crate::lints::found(src),
            vec![("blocking_call_in_async", 14)]
        );
    }

    #[test]
    fn unknown_names_are_ignored() {
        let allows = Allows::scan("x(); // explain-async: allow(nonsense)\n");
        assert!(!allows.silences(&finding(Check::BlockingCallInAsync, 1, vec![1])));
    }
}
