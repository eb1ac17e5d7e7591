//! `myelin trainability`: Schoenholz et al.'s trainability map on the digits data —
//! validation accuracy over σ_w² × depth — beside the depth scale 6 ξ_c.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use myelin_lab::study::report::isometry::heat_map;
use myelin_lab::trainability::{run_trainability, TrainabilityConfig};

use super::{CliResult, Run};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TrainabilityFormat {
    /// The heat map as a text table, `*` where depth > 6 ξ_c.
    Table,
    /// CSV: sigma_w2,depth,accuracy,initial_accuracy,train_loss,diverged,xi_c,six_xi_c.
    Csv,
    /// JSON: configuration, cells and the ξ_c curve.
    Json,
}

/// `myelin trainability …`
#[derive(Debug, Args)]
pub struct TrainabilityCommand {
    /// Activation of every hidden layer.
    #[arg(long, default_value = "tanh")]
    act: String,
    /// Comma-separated σ_w² values (default: the study's grid, 0.5 … 4.5).
    #[arg(long, value_delimiter = ',')]
    sigma_w2: Option<Vec<f64>>,
    /// Comma-separated numbers of hidden layers (default: 4,8,16,32,64,96).
    #[arg(long, value_delimiter = ',')]
    depths: Option<Vec<usize>>,
    /// Bias variance σ_b².
    #[arg(long, default_value_t = 0.05)]
    sigma_b2: f64,
    /// Hidden width.
    #[arg(long, default_value_t = 48)]
    width: usize,
    /// Epochs.
    #[arg(long, default_value_t = 4)]
    epochs: usize,
    /// SGD learning rate.
    #[arg(long, default_value_t = 0.01)]
    lr: f64,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The seconds-long grid (3 σ_w² × 2 depths, one epoch on 300 samples).
    #[arg(long)]
    quick: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: TrainabilityFormat,
    /// Also draw the heat map with the 6 ξ_c curve as an SVG.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
}

impl Run for TrainabilityCommand {
    fn run(self) -> CliResult {
        let base = if self.quick {
            TrainabilityConfig::quick()
        } else {
            TrainabilityConfig {
                width: self.width,
                epochs: self.epochs,
                ..TrainabilityConfig::default()
            }
        };
        let config = TrainabilityConfig {
            activation: self.act.clone(),
            sigma_w2: self.sigma_w2.clone().unwrap_or(base.sigma_w2.clone()),
            depths: self.depths.clone().unwrap_or(base.depths.clone()),
            sigma_b2: self.sigma_b2,
            lr: self.lr,
            seed: self.seed,
            ..base
        };
        let result = run_trainability(&config)?;
        match self.format {
            TrainabilityFormat::Table => print!("{}", result.to_table()),
            TrainabilityFormat::Csv => print!("{}", result.to_csv()),
            TrainabilityFormat::Json => println!("{}", result.to_json()?),
        }
        if let Some(path) = &self.plot {
            heat_map(&result).write_svg(path)?;
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    }
}
