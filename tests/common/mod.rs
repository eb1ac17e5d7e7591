//! Running the real `myelin` binary from the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `myelin ARGS…`.
pub fn myelin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_myelin"))
        .args(args)
        .output()
        .expect("the myelin binary runs")
}

/// The standard output of a run that must have succeeded.
pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// An empty scratch directory path for this test process (removed if it exists).
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myelin-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
