//! `myelin probe`: build one deep stack, measure signal and gradient per layer through the
//! engine's own backward pass, and print the mean-field prediction beside it.

use clap::{Args, ValueEnum};
use myelin_activations::Activation;
use myelin_lab::init_spec::InitSpec;
use myelin_lab::probe::{probe, Precision, ProbeConfig};

use super::{CliResult, Run};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProbeFormat {
    /// Aligned table with the theory beside each measurement, and the summary.
    Table,
    /// CSV: layer,q,act_mean,act_var,grad_norm,weight_grad_norm,dead_fraction.
    Csv,
    /// JSON: configuration, per-layer fields, summary and the prediction.
    Json,
}

/// Element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProbeDtype {
    /// 32-bit floats.
    F32,
    /// 64-bit floats.
    F64,
}

/// `myelin probe …`
#[derive(Debug, Args)]
pub struct ProbeCommand {
    /// Activation after every layer, e.g. `relu`, `tanh`, `leaky_relu(slope=0.2)`, or a
    /// user-defined one: `expr(x * tanh(softplus(x)))` (see `myelin act --help`).
    #[arg(long, default_value = "relu")]
    act: String,
    /// Weight initialiser: xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal,
    /// lecun_normal, orthogonal, normal(std), torch_default; optionally
    /// `(gain=G|auto|critical)`: `critical` solves for the edge of chaos (χ₁ = 1 at the
    /// variance fixed point) of the activation at the given `--bias-std`.
    #[arg(long, default_value = "kaiming_normal")]
    init: String,
    /// Number of layers L.
    #[arg(long, default_value_t = 50)]
    depth: usize,
    /// Width N of every layer.
    #[arg(long, default_value_t = 256)]
    width: usize,
    /// Batch size B.
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Seed of weights, input and readout.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Standard deviation σ_b of the biases, drawn N(0, σ_b²) (0: no bias).
    #[arg(long, default_value_t = 0.0)]
    bias_std: f64,
    /// Element type.
    #[arg(long, value_enum, default_value = "f64")]
    dtype: ProbeDtype,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ProbeFormat,
}

impl Run for ProbeCommand {
    fn run(self) -> CliResult {
        let config = ProbeConfig {
            activation: self.act.parse::<Activation>()?,
            init: self.init.parse::<InitSpec>()?,
            depth: self.depth,
            width: self.width,
            batch: self.batch,
            seed: self.seed,
            precision: match self.dtype {
                ProbeDtype::F32 => Precision::F32,
                ProbeDtype::F64 => Precision::F64,
            },
            bias_std: self.bias_std,
        };
        let result = probe(&config)?;
        match self.format {
            ProbeFormat::Table => print!("{}", result.to_table()),
            ProbeFormat::Csv => print!("{}", result.to_csv()),
            ProbeFormat::Json => println!("{}", result.to_json()?),
        }
        Ok(())
    }
}
