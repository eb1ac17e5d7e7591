//! Subcommands of the `myelin` binary, one file each.
//!
//! Every subcommand is a clap type implementing [`Run`]; `src/main.rs` lists them with
//! [`commands!`], which builds the top-level `Cli` enum and its dispatch. Errors go to
//! stderr as `error: …` with exit status 1 (clap's own usage errors exit with 2).

pub mod act;
pub mod probe;
pub mod spectrum;
pub mod study;
pub mod trainability;

use std::error::Error;
use std::process::ExitCode;

/// What a subcommand returns.
pub type CliResult = Result<(), Box<dyn Error>>;

/// A runnable subcommand.
pub trait Run {
    /// Runs the subcommand, writing its output to stdout.
    fn run(self) -> CliResult;
}

/// Prints an error (if any) to stderr and turns the result into the process exit code.
pub fn finish(result: CliResult) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Declares the top-level `Cli` enum from `Variant(Type)` lines (attributes and doc
/// comments pass through to clap) and a `run` method dispatching to [`Run::run`].
macro_rules! commands {
    ($( $(#[$attr:meta])* $variant:ident($ty:ty), )+) => {
        /// Myelin: a deep-learning engine in Rust with a gradient-flow laboratory.
        #[derive(clap::Parser)]
        #[command(name = "myelin", version, about)]
        enum Cli {
            $( $(#[$attr])* $variant($ty), )+
        }

        impl Cli {
            fn run(self) -> $crate::cli::CliResult {
                match self {
                    $( Cli::$variant(command) => $crate::cli::Run::run(command), )+
                }
            }
        }
    };
}
pub(crate) use commands;
