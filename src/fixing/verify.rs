//! Whether applied fixes did what they claim, from the check before and the check after:
//! each fix's diagnostic is gone, and no error or warning appeared that was not there before.
//! Diagnostics are compared by [`Key`] and counted (a file can hold the same message twice);
//! line numbers are not compared, since a fix moves the lines below it. Pure.

use std::collections::{BTreeMap, BTreeSet};

use super::observe::{Key, Observation};

/// What one unit of fixes (the fixes that share files) changed, as the judge needs it.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    /// The files its fixes edit and the files their diagnostics are in.
    pub files: BTreeSet<String>,
    /// The diagnostics its fixes are for (once per fix).
    pub targets: Vec<Key>,
}

/// The verdict on one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its diagnostics are gone and nothing new appeared in its files.
    Kept,
    /// It did not do what it claims; why, in words.
    Failed(String),
    /// It looks right, but something new appeared in a file of no unit, and several units
    /// were checked together: which one caused it is not known.
    Unclear(String),
}

fn counts(observation: &Observation) -> BTreeMap<&Key, usize> {
    let mut out = BTreeMap::new();
    for seen in &observation.seen {
        *out.entry(&seen.key).or_default() += 1;
    }
    out
}

/// Where `key` is first reported in `observation`, as `file:line`.
fn place(observation: &Observation, key: &Key) -> String {
    let line = observation
        .seen
        .iter()
        .find(|s| &s.key == key)
        .map_or(0, |s| s.line);
    if key.file.is_empty() {
        return "no file".into();
    }
    format!("{}:{line}", key.file)
}

/// Judges every unit applied between `before` and `after`.
pub fn judge(before: &Observation, after: &Observation, units: &[Unit]) -> Vec<Outcome> {
    if !after.built {
        let why = match &after.cargo_error {
            Some(line) => format!("cargo could not check the fixed code (`{line}`)"),
            None => "cargo could not check the fixed code".to_string(),
        };
        return units.iter().map(|_| Outcome::Failed(why.clone())).collect();
    }
    let was = counts(before);
    let now = counts(after);
    let had = |k: &Key| was.get(k).copied().unwrap_or(0);
    let new: Vec<&Key> = now
        .iter()
        .filter(|(k, n)| **n > had(k))
        .map(|(k, _)| *k)
        .collect();
    let mut claimed = vec![false; new.len()];
    let mut outcomes: Vec<Outcome> = units
        .iter()
        .map(|unit| {
            let mut wanted: BTreeMap<&Key, usize> = BTreeMap::new();
            for target in &unit.targets {
                *wanted.entry(target).or_default() += 1;
            }
            let mut why = None;
            for (key, n) in &wanted {
                if now.get(key).copied().unwrap_or(0) + n > had(key) {
                    why = Some(format!("the check still reports `{}`", key.headline()));
                    break;
                }
            }
            for (i, key) in new.iter().enumerate() {
                if unit.files.contains(&key.file) {
                    claimed[i] = true;
                    why.get_or_insert_with(|| {
                        format!(
                            "the fixed code gets `{}` at {}",
                            key.headline(),
                            place(after, key)
                        )
                    });
                }
            }
            why.map_or(Outcome::Kept, Outcome::Failed)
        })
        .collect();
    if let Some(i) = claimed.iter().position(|c| !c) {
        let key = new[i];
        let why = format!(
            "the fixed code gets `{}` at {}",
            key.headline(),
            place(after, key)
        );
        let alone = units.len() == 1;
        for outcome in &mut outcomes {
            if *outcome == Outcome::Kept {
                *outcome = if alone {
                    Outcome::Failed(why.clone())
                } else {
                    Outcome::Unclear(why.clone())
                };
            }
        }
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixing::observe::Seen;

    fn key(file: &str, level: &'static str, message: &str) -> Key {
        Key {
            file: file.into(),
            level,
            code: None,
            message: message.into(),
        }
    }

    fn obs(seen: &[Key]) -> Observation {
        Observation {
            seen: seen
                .iter()
                .map(|k| Seen {
                    key: k.clone(),
                    line: 3,
                })
                .collect(),
            built: true,
            ..Observation::default()
        }
    }

    fn unit(files: &[&str], targets: &[Key]) -> Unit {
        Unit {
            files: files.iter().map(|f| f.to_string()).collect(),
            targets: targets.to_vec(),
        }
    }

    #[test]
    fn keeps_a_fix_that_removed_its_diagnostic() {
        let send = key("a/src/main.rs", "error", "future cannot be sent");
        let other = key("a/src/main.rs", "warning", "unused variable: `x`");
        let before = obs(&[send.clone(), send.clone(), other.clone()]);
        // One of two identical diagnostics fixed: the count went down by one.
        let after = obs(&[send.clone(), other.clone()]);
        let u = unit(&["a/src/main.rs"], std::slice::from_ref(&send));
        assert_eq!(
            judge(&before, &after, std::slice::from_ref(&u)),
            vec![Outcome::Kept]
        );
        // Two fixes claimed for two diagnostics but only one went away.
        let two = unit(&["a/src/main.rs"], &[send.clone(), send.clone()]);
        assert!(matches!(
            judge(&before, &after, &[two])[0],
            Outcome::Failed(ref why) if why.contains("still reports `error: future cannot be sent`")
        ));
        // Nothing changed at all.
        assert!(matches!(
            judge(&before, &before, &[u])[0],
            Outcome::Failed(_)
        ));
    }

    #[test]
    fn a_new_error_or_warning_fails_the_unit_it_is_in() {
        let send = key("a/src/main.rs", "error", "future cannot be sent");
        let before = obs(std::slice::from_ref(&send));
        let unused = key("a/src/main.rs", "warning", "unused import: `std::rc::Rc`");
        let after = obs(&[unused]);
        let a = unit(&["a/src/main.rs"], std::slice::from_ref(&send));
        let b = unit(&["b/src/main.rs"], &[]);
        let outcomes = judge(&before, &after, &[a, b]);
        assert!(
            matches!(&outcomes[0], Outcome::Failed(why) if why.contains("`warning: unused import: `std::rc::Rc`` at a/src/main.rs:3")),
            "{outcomes:?}"
        );
        // The warning is in the first unit's file: the second one is not blamed.
        assert_eq!(outcomes[1], Outcome::Kept);
    }

    #[test]
    fn news_in_a_file_of_no_unit_blame_a_lone_unit_or_leave_it_unclear() {
        let send = key("a/src/main.rs", "error", "future cannot be sent");
        let before = obs(std::slice::from_ref(&send));
        let elsewhere = key("c/src/lib.rs", "error", "mismatched types");
        let after = obs(&[elsewhere]);
        let a = unit(&["a/src/main.rs"], std::slice::from_ref(&send));
        assert!(matches!(
            judge(&before, &after, std::slice::from_ref(&a))[0],
            Outcome::Failed(ref why) if why.contains("c/src/lib.rs:3")
        ));
        let b = unit(&["b/src/main.rs"], &[]);
        let outcomes = judge(&before, &after, &[a, b]);
        assert!(outcomes.iter().all(|o| matches!(o, Outcome::Unclear(_))));
    }

    #[test]
    fn a_check_that_did_not_build_fails_everything() {
        let before = obs(&[]);
        let mut after = obs(&[]);
        after.built = false;
        after.cargo_error = Some("error: failed to parse manifest".into());
        let outcomes = judge(&before, &after, &[Unit::default()]);
        assert_eq!(
            outcomes,
            vec![Outcome::Failed(
                "cargo could not check the fixed code (`error: failed to parse manifest`)".into()
            )]
        );
    }
}
