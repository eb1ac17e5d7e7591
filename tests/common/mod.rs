//! Running the real `myelin` binary from the integration tests.
#![allow(dead_code)]

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
