//! Helpers shared by the lab's integration tests: scratch directories and quiet study
//! options.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use myelin_lab::study::StudyOptions;

/// A per-process directory under the system temp dir (left as it is).
pub fn scratch_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("myelin-lab-{}-{name}", std::process::id()))
}

/// [`scratch_path`], emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = scratch_path(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Study options writing to `dir` without a progress bar.
pub fn quiet(dir: &Path) -> StudyOptions {
    StudyOptions {
        progress: false,
        ..StudyOptions::new(dir)
    }
}

/// Writes `text` to `file` in the emptied scratch directory `dir_name`; returns its path.
pub fn write_scratch_file(dir_name: &str, file: &str, text: &str) -> PathBuf {
    let dir = scratch(dir_name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

/// The numbers of a JSON array (panics on anything else: a test helper).
pub fn json_numbers(value: &serde_json::Value) -> Vec<f64> {
    let array = value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"));
    array.iter().map(|v| v.as_f64().unwrap()).collect()
}
