//! The user's files as `--fix` writes them: where a file named by rustc lives (only inside
//! the workspace), written atomically (a temporary file in the same directory, renamed over
//! the old one, so a reader never sees half a file), never over content that changed since
//! the check read it, and put back the same way when a fix is undone.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Where `file`, spelled as rustc spells it, lives: relative names are relative to the
/// workspace root, and may not climb out of it; the one absolute name a fix may edit is a
/// manifest inside the workspace (cargo gives `manifest_path` absolute).
pub fn resolve(root: &Path, file: &str) -> Result<PathBuf, String> {
    let path = Path::new(file);
    if path.is_absolute() {
        let inside = |p: &Path| fs::canonicalize(p).ok();
        let within = match (inside(path), inside(root)) {
            (Some(p), Some(r)) => p.starts_with(r),
            _ => false,
        };
        if within && path.file_name().is_some_and(|n| n == "Cargo.toml") {
            return Ok(path.to_path_buf());
        }
        return Err(format!("{file} is outside the workspace"));
    }
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!("{file} is outside the workspace"));
    }
    Ok(root.join(path))
}

/// Writes `contents` to `path` through a temporary file in the same directory, renamed into
/// place; the old file's permissions are kept. Nothing is left behind on failure.
pub fn write_atomic(path: &Path, contents: &str) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.explain-async-fix-{}.tmp",
        std::process::id()
    ));
    let result = (|| {
        let mut file = File::options().write(true).create_new(true).open(&temp)?;
        file.write_all(contents.as_bytes())?;
        if let Ok(meta) = fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// A file rewritten by `--fix`: what it held before and what was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// rustc's spelling (for messages).
    pub file: String,
    pub path: PathBuf,
    pub before: String,
    pub after: String,
}

/// Why a file was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotWritten {
    /// Its content is no longer what the check read (someone is editing it).
    Changed,
    /// It could not be read or written (the message says why).
    Failed(String),
}

/// Replaces `before` by `after` in the file at `path`, but only if the file still holds
/// exactly `before`.
pub fn replace(
    file: &str,
    path: &Path,
    before: &str,
    after: String,
) -> Result<Written, NotWritten> {
    let now = fs::read_to_string(path).map_err(|e| NotWritten::Failed(e.to_string()))?;
    if now != before {
        return Err(NotWritten::Changed);
    }
    write_atomic(path, &after).map_err(|e| NotWritten::Failed(e.to_string()))?;
    Ok(Written {
        file: file.to_string(),
        path: path.to_path_buf(),
        before: before.to_string(),
        after,
    })
}

/// Puts a rewritten file back as it was, unless it changed again since we wrote it (then
/// the newer content is left alone and `Err` says so).
pub fn restore(written: &Written) -> Result<(), NotWritten> {
    let now = fs::read_to_string(&written.path).map_err(|e| NotWritten::Failed(e.to_string()))?;
    if now != written.after {
        return Err(NotWritten::Changed);
    }
    write_atomic(&written.path, &written.before).map_err(|e| NotWritten::Failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("explain-async-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("src")).unwrap();
        dir
    }

    #[test]
    fn resolves_only_inside_the_workspace() {
        let root = temp_dir("resolve");
        fs::write(root.join("Cargo.toml"), "[package]\n").unwrap();
        assert_eq!(
            resolve(&root, "src/main.rs").unwrap(),
            root.join("src/main.rs")
        );
        assert!(resolve(&root, "../elsewhere/src/main.rs").is_err());
        let manifest = root.join("Cargo.toml");
        assert_eq!(
            resolve(&root, &manifest.to_string_lossy()).unwrap(),
            manifest
        );
        // Absolute names outside the workspace (a registry crate) are never written.
        assert!(resolve(&root.join("src"), &manifest.to_string_lossy()).is_err());
        assert!(resolve(&root, "/usr/lib/rustlib/src/lib.rs").is_err());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn writes_atomically_and_restores() {
        let root = temp_dir("write");
        let path = root.join("src/main.rs");
        fs::write(&path, "use std::rc::Rc;\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        // Content that changed since the check is not touched.
        assert_eq!(
            replace("src/main.rs", &path, "fn main() {}\n", "x".into()),
            Err(NotWritten::Changed)
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "use std::rc::Rc;\n");
        let written = replace(
            "src/main.rs",
            &path,
            "use std::rc::Rc;\n",
            "use std::sync::Arc;\n".into(),
        )
        .unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "use std::sync::Arc;\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        // No temporary file is left next to it.
        let names: Vec<_> = fs::read_dir(root.join("src"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("main.rs")]);
        restore(&written).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "use std::rc::Rc;\n");
        // A file edited again after we wrote it is left as the user made it.
        let written = replace("src/main.rs", &path, "use std::rc::Rc;\n", "a\n".into()).unwrap();
        fs::write(&path, "user's\n").unwrap();
        assert_eq!(restore(&written), Err(NotWritten::Changed));
        assert_eq!(fs::read_to_string(&path).unwrap(), "user's\n");
        let _ = fs::remove_dir_all(&root);
    }
}
