//! The `myelin` command line: a thin dispatcher over the subcommands in `src/cli/`.
//!
//! Adding a subcommand: write `src/cli/<name>.rs` with a clap type implementing
//! [`cli::Run`], declare it in `src/cli/mod.rs`, and add one variant below.

mod cli;

use clap::Parser;

cli::commands! {
    /// Activation functions: list, evaluate, tabulate and plot them.
    ///
    /// Every command that takes an activation spec also takes a user-defined one:
    /// `expr(<expression in x>)` with + - * / ^ (or **), unary minus, numbers, pi,
    /// parentheses, exp log log1p expm1 sqrt abs sin cos tanh sigmoid erf erfc softplus,
    /// min(a, b), max(a, b), and every elementwise activation by name with its parameters
    /// after the input: `expr(x * tanh(softplus(x)))`, `expr(gelu(x) + leaky_relu(x, 0.1))`.
    /// Derivatives (to the 4th order) come from differentiating the expression; parse
    /// errors point at the column.
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
