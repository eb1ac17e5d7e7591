//! Crash-safe file output: write a sibling temporary file, then rename it into place.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::LabError;

/// Writes `contents` to `path` so that readers see either the old file or the complete new
/// one, never a partial write: the data goes to `path.tmp` first and is then renamed.
/// Missing parent directories are created.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), LabError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LabError::Io { path, source }
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let temporary = temporary_path(path);
    fs::write(&temporary, contents).map_err(io_error(&temporary))?;
    fs::rename(&temporary, path).map_err(|source| {
        let _ = fs::remove_file(&temporary);
        LabError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// `dir/name.ext` → `dir/name.ext.tmp`.
fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_support::scratch_dir;

    #[test]
    fn writes_the_file_and_leaves_no_temporary() {
        let dir = scratch_dir("atomic-ok");
        let target = dir.join("nested").join("plot.svg");
        write_atomically(&target, b"first").unwrap();
        write_atomically(&target, b"second").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "second");
        assert!(!temporary_path(&target).exists());
    }

    #[test]
    fn reports_io_failures_with_the_path() {
        let dir = scratch_dir("atomic-fail");
        let blocker = dir.join("not-a-directory");
        fs::write(&blocker, b"x").unwrap();
        let error = write_atomically(&blocker.join("plot.svg"), b"data").unwrap_err();
        match error {
            LabError::Io { path, .. } => assert!(path.starts_with(&blocker)),
            other => panic!("expected an I/O error, got {other:?}"),
        }
    }
}
