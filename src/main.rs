//! The `myelin` command line: a thin dispatcher over the subcommands in `src/cli/`.
//!
//! Adding a subcommand: write `src/cli/<name>.rs` with a clap type implementing
//! [`cli::Run`], declare it in `src/cli/mod.rs`, and add one variant below.

mod cli;

use clap::Parser;

cli::commands! {
    /// Activation functions: list, evaluate, tabulate and plot them.
    #[command(subcommand)]
    Act(cli::act::ActCommand),
    /// Measure one deep stack layer by layer (signal, gradient, dead units) beside the mean-field prediction.
    Probe(cli::probe::ProbeCommand),
    /// Singular values of one deep stack's input-output Jacobian (dynamical isometry) beside the theory.
    Spectrum(cli::spectrum::SpectrumCommand),
    /// Accuracy over sigma_w^2 x depth on digits (Schoenholz et al.'s trainability map) against 6 xi_c.
    Trainability(cli::trainability::TrainabilityCommand),
    /// The gradient-flow study: signal grid, training runs, plots and report.md (default: study-out/).
    Study(cli::study::StudyCommand),
}

fn main() -> std::process::ExitCode {
    cli::finish(Cli::parse().run())
}
