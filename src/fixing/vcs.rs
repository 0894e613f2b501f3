//! The version-control gate in front of `--fix`, the way `cargo fix` has it (cargo's
//! `check_version_control` in `src/cargo/ops/fix/mod.rs`): `--fix` rewrites files in place,
//! so it runs only where git can give the user's own work back, or where the user said
//! it may (`--allow-no-vcs`, `--allow-dirty`, `--allow-staged`).
//!
//! Classification, as cargo's: every path `git status` reports (untracked ones included,
//! ignored ones not) whose only change is in the index is *staged*; anything with a change
//! in the working tree, untracked or in conflict is *dirty*, even if part of it is staged.
//! `--allow-dirty` also allows staged changes, as in cargo. Git is asked through its
//! command line (`git status --porcelain=v1 -z`), whose paths are relative to the
//! repository's top level whatever the current directory.
//!
//! Only git is known here; cargo also accepts a Mercurial checkout. Under any other VCS,
//! `--allow-no-vcs` is the way through.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::Error;

/// What the user allowed on the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    pub allow_dirty: bool,
    pub allow_staged: bool,
    pub allow_no_vcs: bool,
}

/// How one reported path stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Changed only in the index (`git add` done, nothing changed since).
    Staged,
    /// Changed in the working tree, untracked, or in conflict.
    Dirty,
}

/// The paths of `git status --porcelain=v1 -z` output with their state, in git's order.
/// Each entry is `XY PATH`; a rename or copy is followed by the original path as an entry of
/// its own, which is skipped. `X` is the index's change, `Y` the working tree's; `??` is
/// untracked and `!!` ignored (not asked for, skipped if present).
pub fn classify(porcelain: &[u8]) -> Vec<(String, State)> {
    let mut out = Vec::new();
    let mut entries = porcelain.split(|b| *b == 0).filter(|e| !e.is_empty());
    while let Some(entry) = entries.next() {
        let (Some(&x), Some(&y)) = (entry.first(), entry.get(1)) else {
            continue;
        };
        let path = String::from_utf8_lossy(entry.get(3..).unwrap_or_default()).into_owned();
        if matches!(x, b'R' | b'C') {
            // The original path of a rename or copy comes next, on its own.
            entries.next();
        }
        let state = match (x, y) {
            (b'!', b'!') => continue,
            (b'?', b'?') => State::Dirty,
            // Unmerged paths (`U` on either side, or both sides added or deleted).
            (b'U', _) | (_, b'U') | (b'A', b'A') | (b'D', b'D') => State::Dirty,
            (_, b' ') => State::Staged,
            _ => State::Dirty,
        };
        out.push((path, state));
    }
    out
}

/// The paths that `policy` does not allow, or `None` when nothing stands in the way.
pub fn refused(paths: &[(String, State)], policy: Policy) -> Option<Vec<(String, State)>> {
    let allow_staged = policy.allow_staged || policy.allow_dirty;
    let blocked: Vec<(String, State)> = paths
        .iter()
        .filter(|(_, state)| match state {
            State::Dirty => !policy.allow_dirty,
            State::Staged => !allow_staged,
        })
        .cloned()
        .collect();
    (!blocked.is_empty()).then_some(blocked)
}

/// The refusal for a tree with changes `--fix` would mix its own into: dirty paths first,
/// then staged ones, as cargo lists them.
pub fn dirty_tree_error(blocked: &[(String, State)]) -> Error {
    let mut list = String::new();
    for wanted in [State::Dirty, State::Staged] {
        for (path, state) in blocked.iter().filter(|(_, s)| *s == wanted) {
            let word = match state {
                State::Dirty => "dirty",
                State::Staged => "staged",
            };
            list.push_str(&format!("\n  * {path} ({word})"));
        }
    }
    Error::Refused(format!(
        "--fix rewrites files in place, and this working tree has changes that are not \
         committed; commit or stash them so the fixes can be reviewed and undone on their \
         own, or pass --allow-dirty (any change) or --allow-staged (changes already added \
         to the index):\n{list}"
    ))
}

/// The refusal outside a git checkout.
pub fn no_vcs_error(root: &Path) -> Error {
    Error::Refused(format!(
        "{} is not inside a git checkout, and --fix rewrites files in place with nothing to \
         undo them from; pass --allow-no-vcs to fix it anyway",
        root.display()
    ))
}

/// Checks the tree holding `root` (the workspace root) against `policy`, with git.
pub fn check(root: &Path, policy: Policy) -> Result<(), Error> {
    if policy.allow_no_vcs {
        return Ok(());
    }
    if !in_git_checkout(root) {
        return Err(no_vcs_error(root));
    }
    if policy.allow_dirty {
        return Ok(());
    }
    let status = git(root, &["status", "--porcelain=v1", "-z"])
        .ok_or_else(|| Error::Refused(format!("`git status` failed in {}", root.display())))?;
    match refused(&classify(&status), policy) {
        Some(blocked) => Err(dirty_tree_error(&blocked)),
        None => Ok(()),
    }
}

/// Whether `root` is in a git work tree and not a path that checkout ignores (cargo counts
/// an ignored directory, such as one under `target/`, as having no VCS).
fn in_git_checkout(root: &Path) -> bool {
    let inside = git(root, &["rev-parse", "--is-inside-work-tree"])
        .is_some_and(|out| out.starts_with(b"true"));
    if !inside {
        return false;
    }
    // `git check-ignore -q .` exits 0 when the directory is ignored, 1 when it is not.
    let ignored = Command::new("git")
        .args(["check-ignore", "-q", "."])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    !ignored
}

/// Runs git in `dir`; its stdout when it succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(dirty: bool, staged: bool) -> Policy {
        Policy {
            allow_dirty: dirty,
            allow_staged: staged,
            allow_no_vcs: false,
        }
    }

    #[test]
    fn classifies_like_cargo() {
        // Real output of git 2.47: ` M` modified, `M ` staged, `MM` staged then modified
        // again, a staged rename (new name, then the old one), an untracked directory and
        // file, a conflict.
        let out = b" M a\0M  b\0MM c\0R  e\0d\0?? newdir/\0?? y\0UU z\0A  n\0";
        assert_eq!(
            classify(out),
            vec![
                ("a".into(), State::Dirty),
                ("b".into(), State::Staged),
                ("c".into(), State::Dirty),
                ("e".into(), State::Staged),
                ("newdir/".into(), State::Dirty),
                ("y".into(), State::Dirty),
                ("z".into(), State::Dirty),
                ("n".into(), State::Staged),
            ]
        );
        assert!(classify(b"").is_empty());
        assert!(classify(b"!! ignored\0").is_empty());
    }

    #[test]
    fn policy_decides_what_blocks() {
        let paths = classify(b" M a\0M  b\0");
        let blocked = refused(&paths, policy(false, false)).unwrap();
        assert_eq!(blocked.len(), 2);
        // --allow-staged lets the staged one through only.
        assert_eq!(
            refused(&paths, policy(false, true)).unwrap(),
            vec![("a".to_string(), State::Dirty)]
        );
        // --allow-dirty allows staged changes too, as cargo's does.
        assert_eq!(refused(&paths, policy(true, false)), None);
        assert_eq!(refused(&[], policy(false, false)), None);
        let text = dirty_tree_error(&blocked).to_string();
        assert!(text.contains("\n  * a (dirty)\n  * b (staged)"), "{text}");
        assert!(text.contains("--allow-dirty"), "{text}");
    }

    fn run_git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn checks_a_real_repository() {
        let dir = std::env::temp_dir().join(format!("explain-async-vcs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let no_vcs = check(&dir, Policy::default());
        // The temporary directory may itself sit in a checkout on some machines.
        if !in_git_checkout(&dir) {
            assert!(matches!(no_vcs, Err(Error::Refused(_))));
            assert!(check(
                &dir,
                Policy {
                    allow_no_vcs: true,
                    ..Policy::default()
                }
            )
            .is_ok());
        }
        run_git(&dir, &["init", "-q"]);
        std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
        std::fs::write(dir.join(".gitignore"), "/target\n").unwrap();
        // Untracked files are dirty.
        let err = check(&dir, Policy::default()).unwrap_err().to_string();
        assert!(err.contains("src/ (dirty)"), "{err}");
        run_git(&dir, &["add", "."]);
        let err = check(&dir, Policy::default()).unwrap_err().to_string();
        assert!(err.contains("src/main.rs (staged)"), "{err}");
        assert!(check(&dir, policy(false, true)).is_ok());
        run_git(&dir, &["commit", "-qm", "init"]);
        assert!(check(&dir, Policy::default()).is_ok());
        // An ignored directory counts as having no VCS, as in cargo.
        std::fs::create_dir_all(dir.join("target/copy")).unwrap();
        assert!(!in_git_checkout(&dir.join("target/copy")));
        std::fs::write(dir.join("src/main.rs"), "fn main() { }\n").unwrap();
        let err = check(&dir.join("src"), Policy::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("src/main.rs (dirty)"), "{err}");
        assert!(check(&dir, policy(true, false)).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
