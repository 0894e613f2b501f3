//! `--fix`: applies our machine-applicable fixes to the user's files the way `cargo fix`
//! applies rustc's, then lets the ordinary live run show what remains.
//!
//! 1. The tree must be safe to rewrite ([`vcs`]: git, nothing uncommitted, unless allowed).
//! 2. A quiet check ([`observe`]) runs the usual pipeline (cargo's json, matching, the fix
//!    stage, the source checks) and collects each explained diagnostic's fix, when it is
//!    `MachineApplicable`, with the text each file had.
//! 3. The fixes are applied to those texts with rustfix ([`rewrite`]) and written
//!    atomically, never over a file that changed since the check ([`files`]).
//! 4. A second check judges them ([`verify`]): a unit of fixes (the fixes sharing files)
//!    stays only if the diagnostics it targeted are gone and no error or warning appeared;
//!    otherwise its files are put back. When several units were checked together and
//!    something appeared where none of them wrote, each is tried again on its own.
//! 5. While new fixes appear (a fix that collided with another one, a diagnostic rustc
//!    reports once the first is fixed), this repeats, at most [`ROUNDS`] times, as cargo fix
//!    does.
//!
//! One line per change goes to stderr (`Fixed …`, `Not fixed …`). The caller then runs the
//! live check, whose output and exit status are the run's.
//!
//! This module and [`files`] write the user's files; [`vcs`] runs git.

pub mod files;
pub mod observe;
pub mod rewrite;
pub mod vcs;
pub mod verify;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::cli::Options;
use crate::error::Error;
use crate::project::{current_dir, LiveProject};
use crate::rules::Rulebook;
use crate::say;

use files::{NotWritten, Written};
use observe::{Observation, Planned};
use verify::{Outcome, Unit};

/// Rounds of fixing (apply, then check), as many as `cargo fix` allows itself.
pub const ROUNDS: usize = 4;

/// Fixes tried one at a time, at most, to find which of several units broke a check
/// together (each try is one more check).
pub const ALONE: usize = 16;

/// Something `--fix` did, reported as one line on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A fix was applied and kept.
    Fixed {
        location: String,
        title: String,
        rule: String,
    },
    /// A fix was not applied, or was undone (`restored`: its files were put back).
    NotFixed {
        location: String,
        title: String,
        rule: String,
        why: String,
        restored: bool,
    },
}

impl Change {
    fn fixed(planned: &Planned) -> Self {
        Change::Fixed {
            location: planned.location(),
            title: planned.fix.title.clone(),
            rule: planned.rule.clone(),
        }
    }

    fn not_fixed(planned: &Planned, why: String, restored: bool) -> Self {
        Change::NotFixed {
            location: planned.location(),
            title: planned.fix.title.clone(),
            rule: planned.rule.clone(),
            why,
            restored,
        }
    }

    /// The status word and the rest of the line.
    pub fn line(&self) -> (&'static str, String) {
        match self {
            Change::Fixed {
                location,
                title,
                rule,
            } => ("Fixed", format!("{location}: {title} [{rule}]")),
            Change::NotFixed {
                location,
                title,
                rule,
                why,
                restored,
            } => {
                let tail = if *restored { ", file restored" } else { "" };
                (
                    "Not fixed",
                    format!("{location}: {title} [{rule}]: {why}{tail}"),
                )
            }
        }
    }
}

/// Runs a check of the project as it is on disk now.
pub trait Checker {
    fn check(&mut self) -> Result<Observation, Error>;
}

/// The real check: cargo, quietly, through the pipeline.
struct Cargo<'a> {
    options: &'a Options,
    book: &'a Rulebook,
}

impl Checker for Cargo<'_> {
    fn check(&mut self) -> Result<Observation, Error> {
        observe::check(self.options, self.book)
    }
}

/// `--fix`: checks the tree may be rewritten, applies and verifies the fixes, and reports
/// each change on stderr. The caller then runs the final, visible check, unless this
/// returns an exit status: a signal stopped cargo (Ctrl-C), and the run ends with it.
pub fn run(options: &Options) -> Result<Option<u8>, Error> {
    let project = LiveProject::start(options.cargo.clone(), false, None);
    let root = project
        .get()
        .map(|c| c.workspace_root.clone())
        .unwrap_or_else(current_dir);
    let policy = vcs::Policy {
        allow_dirty: options.allow_dirty,
        allow_staged: options.allow_staged,
        allow_no_vcs: options.allow_no_vcs,
    };
    vcs::check(&root, policy)?;
    // The same rulebook the live run loads (its notes are printed by that run).
    let mut dirs = options.rules.clone();
    if let Some(context) = project.get() {
        dirs.extend(context.rule_dirs.iter().cloned());
    }
    let book = Rulebook::load(&dirs)?;
    let mut checker = Cargo {
        options,
        book: &book,
    };
    let tally = fix(&mut checker, &root, &mut |change| {
        let (word, rest) = change.line();
        say::status(word, &rest);
    })?;
    if tally.stopped.is_none() && tally.built && tally.proposed == 0 {
        say::note("--fix found no machine-applicable fix to apply");
    }
    Ok(tally.stopped)
}

/// How a `--fix` run went.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Distinct fixes proposed over all rounds.
    pub proposed: usize,
    pub fixed: usize,
    pub not_fixed: usize,
    /// Checks run.
    pub checks: usize,
    /// Whether the first check got as far as building (else cargo could not read the
    /// project, and the final check will say why).
    pub built: bool,
    /// Cargo's status when a signal stopped one of the checks (nothing is left half done:
    /// what that round wrote was put back).
    pub stopped: Option<u8>,
}

/// What identifies a fix from one check to the next: its rule, title, diagnostic and each
/// edit by the line it starts on, the text it replaces and its replacement, but not by byte
/// offsets (another fix in the same file moves them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FixId {
    rule: String,
    title: String,
    target: observe::Key,
    edits: Vec<(String, String, String, String)>,
}

fn fix_id(observation: &Observation, planned: &Planned) -> FixId {
    let edits = planned
        .fix
        .edits
        .iter()
        .map(|e| {
            let text = observation.texts.get(&e.file);
            let line = text
                .and_then(|t| {
                    let from = t.get(..e.start)?.rfind('\n').map_or(0, |i| i + 1);
                    let to = t
                        .get(e.start..)?
                        .find('\n')
                        .map_or(t.len(), |i| e.start + i);
                    t.get(from..to)
                })
                .unwrap_or_default();
            let replaced = text.and_then(|t| t.get(e.start..e.end)).unwrap_or_default();
            (
                e.file.clone(),
                line.to_string(),
                replaced.to_string(),
                e.replacement.clone(),
            )
        })
        .collect();
    FixId {
        rule: planned.rule.clone(),
        title: planned.fix.title.clone(),
        target: planned.target.clone(),
        edits,
    }
}

/// The fixes `applied` (indices into `observation.fixes`) in units: fixes that share a file
/// (edited, or holding their diagnostic) are one unit, kept or undone together.
fn units(observation: &Observation, applied: &[usize]) -> Vec<(Vec<usize>, BTreeSet<String>)> {
    let mut out: Vec<(Vec<usize>, BTreeSet<String>)> = Vec::new();
    for &index in applied {
        let planned = &observation.fixes[index];
        let mut files: BTreeSet<String> = rewrite::files_of(planned)
            .into_iter()
            .map(str::to_string)
            .collect();
        if !planned.target.file.is_empty() {
            files.insert(planned.target.file.clone());
        }
        let mut fixes = vec![index];
        // Merge every unit sharing a file with this fix.
        let mut i = 0;
        while i < out.len() {
            if out[i].1.iter().any(|f| files.contains(f)) {
                let (more, their_files) = out.remove(i);
                fixes.extend(more);
                files.extend(their_files);
            } else {
                i += 1;
            }
        }
        fixes.sort_unstable();
        out.push((fixes, files));
    }
    out
}

/// Puts written files back; a file the user changed again meanwhile is left alone, and the
/// reason gains a word about it.
fn put_back(written: &[Written], why: &mut String) {
    for w in written {
        match files::restore(w) {
            Ok(()) => {}
            Err(NotWritten::Changed) => why.push_str(&format!(
                " ({} changed again since it was fixed, so it was left as it is)",
                w.file
            )),
            Err(NotWritten::Failed(e)) => {
                why.push_str(&format!(" (could not put {} back: {e})", w.file));
            }
        }
    }
}

/// The fixing loop over any checker: applies, verifies, keeps or restores, reports each
/// change through `report`.
pub fn fix(
    checker: &mut dyn Checker,
    root: &Path,
    report: &mut dyn FnMut(&Change),
) -> Result<Tally, Error> {
    let mut tally = Tally::default();
    let mut proposed: HashSet<FixId> = HashSet::new();
    let mut rejected: HashSet<FixId> = HashSet::new();
    // Fixes to try one at a time (they failed, or were unclear, together with others).
    let mut alone: Vec<FixId> = Vec::new();
    let mut alone_left = ALONE;
    let mut rounds = 0;
    let mut current: Option<Observation> = None;
    let mut check = |tally: &mut Tally| {
        tally.checks += 1;
        checker.check()
    };
    loop {
        let observation = match current.take() {
            Some(o) => o,
            None => check(&mut tally)?,
        };
        if tally.checks == 1 {
            tally.built = observation.built;
        }
        if observation.stopped.is_some() {
            tally.stopped = observation.stopped;
            break;
        }
        if !observation.built {
            // Cargo could not even build (a broken manifest): the live run says why.
            break;
        }
        let ids: Vec<FixId> = observation
            .fixes
            .iter()
            .map(|p| fix_id(&observation, p))
            .collect();
        for id in &ids {
            if proposed.insert(id.clone()) {
                tally.proposed += 1;
            }
        }
        let candidates: Vec<usize> = (0..ids.len())
            .filter(|&i| !rejected.contains(&ids[i]))
            .collect();
        let single = candidates
            .iter()
            .copied()
            .find(|&i| alone.contains(&ids[i]));
        let batch = match single {
            Some(i) if alone_left > 0 => {
                alone_left -= 1;
                alone.retain(|id| *id != ids[i]);
                vec![i]
            }
            Some(_) => {
                // Out of tries: what is left is reported, not applied.
                for &i in &candidates {
                    if alone.contains(&ids[i]) {
                        let why = "it failed together with other fixes and was not tried \
                                   alone (too many); run --fix again"
                            .to_string();
                        report(&Change::not_fixed(&observation.fixes[i], why, false));
                        tally.not_fixed += 1;
                        rejected.insert(ids[i].clone());
                    }
                }
                alone.clear();
                current = Some(observation);
                continue;
            }
            None => {
                // Fixes no longer proposed cannot be tried again.
                alone.clear();
                if rounds == ROUNDS {
                    for &i in &candidates {
                        let why = format!("{ROUNDS} rounds of fixes were applied; run --fix again");
                        report(&Change::not_fixed(&observation.fixes[i], why, false));
                        tally.not_fixed += 1;
                    }
                    break;
                }
                rounds += 1;
                candidates
            }
        };
        if batch.is_empty() {
            break;
        }
        let solo = single.is_some();
        let rejected_before = rejected.len();
        let rewritten = rewrite::rewrite(&observation, &batch);
        for (i, why) in &rewritten.broken {
            report(&Change::not_fixed(
                &observation.fixes[*i],
                why.clone(),
                false,
            ));
            tally.not_fixed += 1;
            rejected.insert(ids[*i].clone());
        }
        // Write each unit whole, or not at all.
        let mut applied: Vec<(Vec<usize>, BTreeSet<String>, Vec<Written>)> = Vec::new();
        for (fixes, unit_files) in units(&observation, &rewritten.applied) {
            let mut written: Vec<Written> = Vec::new();
            let mut failure: Option<String> = None;
            for file in &unit_files {
                let (Some(after), Some(before)) =
                    (rewritten.texts.get(file), observation.texts.get(file))
                else {
                    continue;
                };
                let outcome = files::resolve(root, file)
                    .map_err(NotWritten::Failed)
                    .and_then(|path: PathBuf| files::replace(file, &path, before, after.clone()));
                match outcome {
                    Ok(w) => written.push(w),
                    Err(NotWritten::Changed) => {
                        failure = Some(format!(
                            "{file} changed on disk since the check, so it was not touched"
                        ));
                    }
                    Err(NotWritten::Failed(e)) => {
                        failure = Some(format!("{file} could not be written: {e}"));
                    }
                }
                if failure.is_some() {
                    break;
                }
            }
            match failure {
                Some(mut why) => {
                    let restored = !written.is_empty();
                    put_back(&written, &mut why);
                    for &i in &fixes {
                        report(&Change::not_fixed(
                            &observation.fixes[i],
                            why.clone(),
                            restored,
                        ));
                        tally.not_fixed += 1;
                        rejected.insert(ids[i].clone());
                    }
                }
                None => applied.push((fixes, unit_files, written)),
            }
        }
        if applied.is_empty() {
            // Nothing on disk changed: the same observation still holds. Another round only
            // helps if something was ruled out (what collided with it may apply now).
            if rewritten.deferred.is_empty() || rejected.len() == rejected_before {
                break;
            }
            current = Some(observation);
            continue;
        }
        let after = check(&mut tally)?;
        if after.stopped.is_some() {
            // Interrupted before the fixes could be judged: none of them stays.
            for (fixes, _, written) in &applied {
                let mut why = "the check was interrupted".to_string();
                put_back(written, &mut why);
                for &i in fixes {
                    report(&Change::not_fixed(&observation.fixes[i], why.clone(), true));
                    tally.not_fixed += 1;
                }
            }
            tally.stopped = after.stopped;
            break;
        }
        let judged: Vec<Unit> = applied
            .iter()
            .map(|(fixes, unit_files, _)| Unit {
                files: unit_files.clone(),
                targets: fixes
                    .iter()
                    .map(|&i| observation.fixes[i].target.clone())
                    .collect(),
            })
            .collect();
        let outcomes = verify::judge(&observation, &after, &judged);
        let mut restored_any = false;
        for ((fixes, _, written), outcome) in applied.iter().zip(outcomes) {
            match outcome {
                Outcome::Kept => {
                    // One line per change: the same file compiled for two targets gives
                    // the same diagnostic, and fix, twice.
                    let mut said = HashSet::new();
                    for &i in fixes {
                        let change = Change::fixed(&observation.fixes[i]);
                        if said.insert(change.line()) {
                            report(&change);
                            tally.fixed += 1;
                        }
                    }
                }
                Outcome::Failed(mut why) => {
                    put_back(written, &mut why);
                    restored_any = true;
                    if fixes.len() == 1 || solo {
                        for &i in fixes {
                            report(&Change::not_fixed(&observation.fixes[i], why.clone(), true));
                            tally.not_fixed += 1;
                            rejected.insert(ids[i].clone());
                        }
                    } else {
                        alone.extend(fixes.iter().map(|&i| ids[i].clone()));
                    }
                }
                Outcome::Unclear(mut why) => {
                    put_back(written, &mut why);
                    restored_any = true;
                    alone.extend(fixes.iter().map(|&i| ids[i].clone()));
                }
            }
        }
        // The check after still describes the disk unless something was put back.
        current = (!restored_any).then_some(after);
    }
    Ok(tally)
}

#[cfg(test)]
mod tests;
