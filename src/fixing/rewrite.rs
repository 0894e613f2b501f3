//! Our fixes applied to the texts the check read, by `rustfix` (the crate `cargo fix` applies
//! rustc's suggestions with). Each fix reaches rustfix as a minimal diagnostic whose only
//! child is our suggestion child, exactly as the json format emits it (one file's share of
//! it at a time), so rustc's own suggestions are never applied. A fix applies whole or not at
//! all: when one of its replacements collides with a fix applied before it, every file it
//! touched goes back to the state before it, and it waits for the next round.

use std::collections::{BTreeMap, HashSet};

use rustfix::{CodeFix, Filter};

use super::observe::{Observation, Planned};
use crate::fix::Placed;
use crate::render::json::suggestion_child;

/// The result of applying some of an observation's fixes.
#[derive(Debug, Default)]
pub struct Rewritten {
    /// The new text of every file that changed, by rustc's file name.
    pub texts: BTreeMap<String, String>,
    /// The fixes applied (indices into the observation's fixes).
    pub applied: Vec<usize>,
    /// Fixes that collided with one applied before them: tried again after the next check.
    pub deferred: Vec<usize>,
    /// Fixes that cannot be applied at all, and why.
    pub broken: Vec<(usize, String)>,
}

/// The minimal rustc diagnostic for one file's share of a fix: the target's message, code
/// and level, no spans of its own, and our suggestion child as the only child.
pub fn minimal_diagnostic(planned: &Planned, placed: &[Placed]) -> Option<String> {
    let child = suggestion_child(&planned.fix, placed)?;
    let code = match &planned.target.code {
        Some(code) => serde_json::json!({ "code": code, "explanation": null }),
        None => serde_json::Value::Null,
    };
    Some(format!(
        r#"{{"message":{},"code":{},"level":{},"spans":[],"children":[{child}],"rendered":null}}"#,
        serde_json::to_string(&planned.target.message).ok()?,
        code,
        serde_json::to_string(planned.target.level).ok()?,
    ))
}

/// One file's placed edits, in order, with insertions at one point joined into one
/// (rustfix refuses a second insertion where one is already recorded; our edits allow it and
/// keep the order given).
fn share(planned: &Planned, file: &str) -> Vec<Placed> {
    let mut mine: Vec<Placed> = planned
        .placed
        .iter()
        .filter(|p| p.edit.file == file)
        .cloned()
        .collect();
    mine.sort_by_key(|p| (p.edit.start, p.edit.end));
    let mut out: Vec<Placed> = Vec::with_capacity(mine.len());
    for p in mine {
        match out.last_mut() {
            Some(last)
                if last.edit.start == last.edit.end
                    && p.edit.start == p.edit.end
                    && last.edit.start == p.edit.start =>
            {
                last.edit.replacement.push_str(&p.edit.replacement);
            }
            _ => out.push(p),
        }
    }
    out
}

/// The files a fix edits, each once, in the order of its edits.
pub fn files_of(planned: &Planned) -> Vec<&str> {
    let mut files: Vec<&str> = Vec::new();
    for edit in &planned.fix.edits {
        if !files.contains(&edit.file.as_str()) {
            files.push(&edit.file);
        }
    }
    files
}

/// Applies the fixes `which` (indices into `observation.fixes`, in that order) to the texts
/// the check read.
pub fn rewrite(observation: &Observation, which: &[usize]) -> Rewritten {
    let mut out = Rewritten::default();
    let mut fixes: BTreeMap<String, CodeFix> = BTreeMap::new();
    for &index in which {
        let Some(planned) = observation.fixes.get(index) else {
            continue;
        };
        match apply_one(observation, planned, &mut fixes) {
            Ok(()) => out.applied.push(index),
            Err(Failure::Collides) => out.deferred.push(index),
            Err(Failure::Broken(why)) => out.broken.push((index, why)),
        }
    }
    for (file, fix) in fixes {
        if !fix.modified() {
            continue;
        }
        match fix.finish() {
            Ok(text) if observation.texts.get(&file).is_some_and(|t| **t != *text) => {
                out.texts.insert(file, text);
            }
            Ok(_) => {}
            Err(e) => {
                // Not reachable from valid UTF-8 edits on char boundaries; reported, not hidden.
                let touched: HashSet<usize> = out
                    .applied
                    .iter()
                    .copied()
                    .filter(|&i| files_of(&observation.fixes[i]).contains(&file.as_str()))
                    .collect();
                out.applied.retain(|i| !touched.contains(i));
                out.broken
                    .extend(touched.into_iter().map(|i| (i, format!("rustfix: {e}"))));
            }
        }
    }
    out
}

enum Failure {
    Collides,
    Broken(String),
}

fn apply_one(
    observation: &Observation,
    planned: &Planned,
    fixes: &mut BTreeMap<String, CodeFix>,
) -> Result<(), Failure> {
    let files = files_of(planned);
    let mut suggestions = Vec::new();
    for file in &files {
        let Some(text) = observation.texts.get(*file) else {
            return Err(Failure::Broken(format!("{file} could not be read")));
        };
        let json = minimal_diagnostic(planned, &share(planned, file))
            .ok_or_else(|| Failure::Broken("the fix could not be serialized".into()))?;
        let found = rustfix::get_suggestions_from_json(
            &json,
            &HashSet::new(),
            Filter::MachineApplicableOnly,
        )
        .map_err(|e| Failure::Broken(format!("rustfix could not read the fix: {e}")))?;
        if found.is_empty() {
            return Err(Failure::Broken(
                "rustfix found no replacement in the fix".into(),
            ));
        }
        fixes
            .entry(file.to_string())
            .or_insert_with(|| CodeFix::new(text));
        suggestions.push((file.to_string(), found));
    }
    // Keep each touched file's state, so that a collision in any of them undoes the fix in
    // all of them.
    let saved: Vec<(String, CodeFix)> = files
        .iter()
        .filter_map(|f| fixes.get(*f).map(|c| (f.to_string(), c.clone())))
        .collect();
    for (file, found) in &suggestions {
        let Some(code) = fixes.get_mut(file) else {
            continue;
        };
        for suggestion in found {
            for solution in &suggestion.solutions {
                for replacement in &solution.replacements {
                    let one = rustfix::Solution {
                        message: solution.message.clone(),
                        replacements: vec![replacement.clone()],
                    };
                    match code.apply_solution(&one) {
                        Ok(()) => {}
                        // The same replacement made by an earlier fix (two fixes adding one
                        // `use` line): already there, as rustfix's own `apply_suggestions`
                        // treats it.
                        Err(rustfix::Error::AlreadyReplaced {
                            is_identical: true, ..
                        }) => {}
                        Err(rustfix::Error::AlreadyReplaced { .. }) => {
                            for (f, c) in saved {
                                fixes.insert(f, c);
                            }
                            return Err(Failure::Collides);
                        }
                        Err(e) => {
                            for (f, c) in saved {
                                fixes.insert(f, c);
                            }
                            return Err(Failure::Broken(format!("rustfix: {e}")));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::fix::{Applicability, Edit, Fix};
    use crate::fixing::observe::Key;
    use std::sync::Arc;

    /// A planned fix of `edits` (`(file, start, end, replacement)`) over `texts`, for
    /// diagnostic `message` in `file`, placed the way the fix stage places them.
    pub fn planned(
        texts: &BTreeMap<String, Arc<str>>,
        file: &str,
        message: &str,
        edits: &[(&str, usize, usize, &str)],
    ) -> Planned {
        let fix = Fix {
            title: format!("fix {message}"),
            applicability: Applicability::MachineApplicable,
            edits: edits
                .iter()
                .map(|(f, s, e, r)| Edit {
                    file: f.to_string(),
                    start: *s,
                    end: *e,
                    replacement: r.to_string(),
                })
                .collect(),
        };
        let placed = fix
            .edits
            .iter()
            .map(|e| crate::fix::place(&texts[&e.file], e))
            .collect();
        Planned {
            rule: "test_rule".into(),
            fix,
            placed,
            target: Key {
                file: file.into(),
                level: "error",
                code: None,
                message: message.into(),
            },
            line: 1,
        }
    }

    fn observation(texts: &[(&str, &str)]) -> Observation {
        Observation {
            texts: texts
                .iter()
                .map(|(f, t)| (f.to_string(), Arc::from(*t)))
                .collect(),
            built: true,
            ..Observation::default()
        }
    }

    const MAIN: &str =
        "use std::rc::Rc;\n\nfn main() {\n    let a = Rc::new(1);\n    let b = Rc::new(2);\n}\n";

    fn at(text: &str, needle: &str) -> usize {
        text.find(needle).unwrap()
    }

    #[test]
    fn applies_like_our_own_edit_application() {
        let mut obs = observation(&[("src/main.rs", MAIN)]);
        let a = at(MAIN, "Rc::new(1)");
        let import = at(MAIN, "rc::Rc");
        obs.fixes.push(planned(
            &obs.texts,
            "src/main.rs",
            "a",
            &[
                ("src/main.rs", import, import + 6, "sync::Arc"),
                ("src/main.rs", a, a + 2, "Arc"),
            ],
        ));
        let out = rewrite(&obs, &[0]);
        assert_eq!(out.applied, vec![0]);
        let expected = crate::fix::apply(MAIN, &obs.fixes[0].fix.edits).unwrap();
        assert_eq!(out.texts["src/main.rs"], expected);
        assert!(expected.contains("use std::sync::Arc;") && expected.contains("Arc::new(1)"));
    }

    #[test]
    fn identical_replacements_are_shared_and_collisions_wait() {
        let mut obs = observation(&[("src/main.rs", MAIN)]);
        let import = at(MAIN, "rc::Rc");
        let a = at(MAIN, "Rc::new(1)");
        let b = at(MAIN, "Rc::new(2)");
        let add_use = ("src/main.rs", 0, 0, "use std::sync::Arc;\n");
        obs.fixes.push(planned(
            &obs.texts,
            "src/main.rs",
            "a",
            &[add_use, ("src/main.rs", a, a + 2, "Arc")],
        ));
        // The same `use` line, and its own change: both apply.
        obs.fixes.push(planned(
            &obs.texts,
            "src/main.rs",
            "b",
            &[add_use, ("src/main.rs", b, b + 2, "Arc")],
        ));
        // Overlaps the first fix's change: undone whole (its import edit too), deferred.
        obs.fixes.push(planned(
            &obs.texts,
            "src/main.rs",
            "c",
            &[
                ("src/main.rs", import, import + 6, "sync::Arc"),
                ("src/main.rs", a, a + 6, "Arc::new"),
            ],
        ));
        let out = rewrite(&obs, &[0, 1, 2]);
        assert_eq!(out.applied, vec![0, 1]);
        assert_eq!(out.deferred, vec![2]);
        let text = &out.texts["src/main.rs"];
        assert_eq!(text.matches("use std::sync::Arc;").count(), 1, "{text}");
        assert!(text.contains("use std::rc::Rc;"), "{text}");
        assert!(text.contains("Arc::new(1)") && text.contains("Arc::new(2)"));
    }

    #[test]
    fn insertions_at_one_point_keep_their_order() {
        let mut obs = observation(&[("src/main.rs", MAIN)]);
        obs.fixes.push(planned(
            &obs.texts,
            "src/main.rs",
            "a",
            &[
                ("src/main.rs", 0, 0, "use a;\n"),
                ("src/main.rs", 0, 0, "use b;\n"),
            ],
        ));
        let out = rewrite(&obs, &[0]);
        assert_eq!(out.applied, vec![0]);
        assert!(out.texts["src/main.rs"].starts_with("use a;\nuse b;\nuse std::rc::Rc;"));
    }

    #[test]
    fn a_fix_over_two_files_is_whole_or_nothing() {
        let manifest = "[dependencies]\ntokio = \"1\"\n";
        let mut obs = observation(&[("src/main.rs", MAIN), ("Cargo.toml", manifest)]);
        let a = at(MAIN, "Rc::new(1)");
        let dep = at(manifest, "\"1\"");
        obs.fixes.push(planned(
            &obs.texts,
            "src/main.rs",
            "first",
            &[("src/main.rs", a, a + 2, "Arc")],
        ));
        obs.fixes.push(planned(
            &obs.texts,
            "src/main.rs",
            "both",
            &[
                (
                    "Cargo.toml",
                    dep,
                    dep + 3,
                    "{ version = \"1\", features = [\"full\"] }",
                ),
                ("src/main.rs", a, a + 1, "X"),
            ],
        ));
        let out = rewrite(&obs, &[0, 1]);
        assert_eq!(out.applied, vec![0]);
        assert_eq!(out.deferred, vec![1]);
        // The manifest edit of the deferred fix was undone with it.
        assert!(!out.texts.contains_key("Cargo.toml"));
        let alone = rewrite(&obs, &[1]);
        assert_eq!(alone.applied, vec![1]);
        assert!(alone.texts["Cargo.toml"].contains("features = [\"full\"]"));
        assert!(alone.texts["src/main.rs"].contains("Xc::new(1)"));
    }

    #[test]
    fn only_our_child_reaches_rustfix() {
        let obs = observation(&[("src/main.rs", MAIN)]);
        let a = at(MAIN, "Rc::new(1)");
        let p = planned(
            &obs.texts,
            "src/main.rs",
            "m",
            &[("src/main.rs", a, a + 2, "Arc")],
        );
        let json = minimal_diagnostic(&p, &p.placed).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["spans"], serde_json::json!([]));
        assert_eq!(value["children"].as_array().unwrap().len(), 1);
        let span = &value["children"][0]["spans"][0];
        assert_eq!(span["suggestion_applicability"], "MachineApplicable");
        assert_eq!(span["is_primary"], true);
        assert_eq!(span["line_start"], 4);
    }
}
