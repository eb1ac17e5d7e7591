//! `myelin spectrum`: the singular values of one deep stack's input–output Jacobian
//! (dynamical isometry), measured through the engine's backward pass, beside the
//! mean-field / free-probability prediction of their mean and spread.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use myelin_activations::Activation;
use myelin_lab::init_spec::InitSpec;
use myelin_lab::plot::{PanelGrid, Series};
use myelin_lab::spectrum::{spectrum, SpectrumConfig};

use super::{CliResult, Run};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SpectrumFormat {
    /// Summary: mean and normalised variance of σ², measured and predicted; percentiles.
    Table,
    /// CSV: index,singular_value (descending).
    Csv,
    /// JSON: configuration, singular values, moments and the prediction.
    Json,
}

/// `myelin spectrum …`
#[derive(Debug, Args)]
pub struct SpectrumCommand {
    /// Activation after every layer, e.g. `tanh`, `relu`, `expr(tanh(x) + 0.1 * sin(x))`.
    #[arg(long, default_value = "tanh")]
    act: String,
    /// Weight initialiser, e.g. `orthogonal(gain=critical)`, `xavier_normal(gain=critical)`,
    /// `kaiming_normal`; `gain=critical` puts the stack on the edge of chaos at `--bias-std`.
    #[arg(long, default_value = "orthogonal(gain=critical)")]
    init: String,
    /// Number of layers L.
    #[arg(long, default_value_t = 32)]
    depth: usize,
    /// Width N (the Jacobian is N×N).
    #[arg(long, default_value_t = 256)]
    width: usize,
    /// Seed of the weights, biases and input.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Standard deviation σ_b of the biases (0: no bias). Default 0.01 (σ_b² = 10⁻⁴): tanh
    /// on the edge of chaos then has a small q*, where orthogonal weights reach isometry.
    #[arg(long, default_value_t = 0.01)]
    bias_std: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: SpectrumFormat,
    /// Also draw the sorted singular values as an SVG.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
}

impl Run for SpectrumCommand {
    fn run(self) -> CliResult {
        let config = SpectrumConfig {
            activation: self.act.parse::<Activation>()?,
            init: self.init.parse::<InitSpec>()?,
            depth: self.depth,
            width: self.width,
            seed: self.seed,
            bias_std: self.bias_std,
        };
        let result = spectrum(&config)?;
        match self.format {
            SpectrumFormat::Table => print!("{}", result.to_table()),
            SpectrumFormat::Csv => print!("{}", result.to_csv()),
            SpectrumFormat::Json => println!("{}", result.to_json()?),
        }
        if let Some(path) = &self.plot {
            let n = result.singular_values.len() as f64;
            let points = result
                .singular_values
                .iter()
                .enumerate()
                .map(|(i, &s)| ((i as f64 + 0.5) / n, s))
                .collect();
            PanelGrid::new(format!("Singular values of J, {}", result.label()), 1)
                .panel_size(800, 560)
                .x_label("rank / N")
                .y_label("singular value σ")
                .log_y(true)
                .panel(
                    format!("N = {}", result.width),
                    vec![
                        Series::solid("measured", points),
                        Series::dashed("isometry (σ = 1)", vec![(0.0, 1.0), (1.0, 1.0)]),
                    ],
                )
                .write_svg(path)?;
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    }
}
