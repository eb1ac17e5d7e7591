//! What a study runs: the signal-propagation grid and the training setup.
//!
//! Loaded from TOML or JSON (`--config FILE`); every field is optional and defaults to the
//! full study. Example (TOML):
//!
//! ```toml
//! activations = ["relu", "tanh", "selu"]
//! inits = ["xavier_normal", "kaiming_normal"]
//! depths = [10, 50]
//! widths = [256]
//! seeds = [0, 1]
//!
//! [training]
//! depths = [10, 30]
//! width = 64
//! epochs = 20
//! ```

use std::path::Path;

use myelin_activations::{Activation, Elementwise};
use serde::{Deserialize, Serialize};

use crate::error::LabError;
use crate::init_spec::{InitKind, InitSpec};
use crate::probe::Precision;
use crate::spectrum::SpectrumStudyConfig;
use crate::trainability::TrainabilityConfig;

/// The whole study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StudyConfig {
    /// Activation specs of the signal-propagation grid.
    pub activations: Vec<String>,
    /// Initialiser specs of the grid.
    pub inits: Vec<String>,
    /// Depths of the grid.
    pub depths: Vec<usize>,
    /// Widths of the grid (each probe is N×N).
    pub widths: Vec<usize>,
    /// Batch size of every probe.
    pub batch: usize,
    /// Seeds; every configuration is run once per seed.
    pub seeds: Vec<u64>,
    /// Element type of the probes.
    pub dtype: Precision,
    /// Values kept per sampled layer for the activation histograms.
    pub histogram_samples: usize,
    /// The training runs.
    pub training: TrainingConfig,
    /// Singular values of input–output Jacobians (dynamical isometry).
    pub spectrum: SpectrumStudyConfig,
    /// The trainability heat map (accuracy over σ_w² × depth against 6 ξ_c).
    pub trainability: TrainabilityConfig,
}

/// Training deep MLPs on the embedded digits data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainingConfig {
    /// Run the training part at all.
    pub enabled: bool,
    /// Activations trained with their recommended initialiser (empty: the grid's).
    pub activations: Vec<String>,
    /// Numbers of hidden layers.
    pub depths: Vec<usize>,
    /// Width of every hidden layer.
    pub width: usize,
    /// Passes over the training set.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// SGD learning rate.
    pub lr: f64,
    /// SGD momentum.
    pub momentum: f64,
    /// Seed of the weights, the split and the batch order.
    pub seed: u64,
    /// Element type.
    pub dtype: Precision,
    /// Add the contrast runs: ReLU with bad initialisers, and a high learning rate with
    /// and without gradient clipping.
    pub contrasts: bool,
    /// Depth of the contrast runs with a bad initialiser.
    pub contrast_depth: usize,
    /// The deliberately too-high learning rate of the clipping contrast.
    pub high_lr: f64,
    /// Depth of the clipping contrast.
    pub high_lr_depth: usize,
    /// Global-norm threshold of the clipped run.
    pub clip_norm: f64,
    /// Use only this many training samples (0: all); keeps smoke runs fast.
    pub max_train_samples: usize,
}

impl Default for StudyConfig {
    fn default() -> Self {
        Self {
            activations: [
                "sigmoid",
                "tanh",
                "relu",
                "leaky_relu",
                "elu",
                "selu",
                "gelu",
                "silu",
            ]
            .map(String::from)
            .to_vec(),
            inits: [
                "xavier_normal",
                "kaiming_normal",
                "lecun_normal",
                "orthogonal",
                "torch_default",
            ]
            .map(String::from)
            .to_vec(),
            depths: vec![10, 20, 50, 100],
            widths: vec![256],
            batch: 256,
            seeds: vec![0, 1, 2],
            dtype: Precision::F64,
            histogram_samples: 8192,
            training: TrainingConfig::default(),
            spectrum: SpectrumStudyConfig::default(),
            trainability: TrainabilityConfig::default(),
        }
    }
}

impl Default for TrainingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            activations: Vec::new(),
            depths: vec![10, 30],
            width: 64,
            epochs: 20,
            batch_size: 64,
            lr: 0.003,
            momentum: 0.9,
            seed: 0,
            dtype: Precision::F32,
            contrasts: true,
            contrast_depth: 30,
            high_lr: 0.2,
            high_lr_depth: 10,
            clip_norm: 1.0,
            max_train_samples: 0,
        }
    }
}

impl StudyConfig {
    /// The seconds-long smoke run (`--quick`): four activations, two initialisers, small
    /// stacks, one seed, two epochs on part of the data.
    pub fn quick() -> Self {
        Self {
            activations: ["sigmoid", "tanh", "relu", "selu"]
                .map(String::from)
                .to_vec(),
            inits: ["xavier_normal", "kaiming_normal"]
                .map(String::from)
                .to_vec(),
            depths: vec![5, 10],
            widths: vec![32],
            batch: 32,
            seeds: vec![0],
            dtype: Precision::F64,
            histogram_samples: 1024,
            training: TrainingConfig {
                depths: vec![4],
                width: 32,
                epochs: 2,
                contrast_depth: 6,
                high_lr_depth: 4,
                max_train_samples: 400,
                ..TrainingConfig::default()
            },
            spectrum: SpectrumStudyConfig::quick(),
            trainability: TrainabilityConfig::quick(),
        }
    }

    /// Reads a TOML (`.toml`) or JSON (anything else) file; missing fields take the
    /// defaults of the full study.
    pub fn load(path: &Path) -> Result<Self, LabError> {
        let text = std::fs::read_to_string(path).map_err(|source| LabError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let parse_error = |message: String| LabError::ConfigFile {
            path: path.to_path_buf(),
            message,
        };
        let config: StudyConfig = if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?
        } else {
            serde_json::from_str(&text).map_err(|e| parse_error(e.to_string()))?
        };
        config.validate().map_err(|e| parse_error(e.to_string()))?;
        Ok(config)
    }

    /// Parses every spec and checks the sizes.
    pub fn validate(&self) -> Result<(), LabError> {
        self.parsed_activations()?;
        self.parsed_inits()?;
        self.training_activations()?;
        let bad = |what: &str| Err(LabError::InvalidConfig(what.to_string()));
        if self.depths.is_empty() || self.depths.contains(&0) {
            return bad("depths must be a non-empty list of positive numbers");
        }
        if self.widths.is_empty() || self.widths.contains(&0) {
            return bad("widths must be a non-empty list of positive numbers");
        }
        if self.batch == 0 {
            return bad("batch must be positive");
        }
        if self.seeds.is_empty() {
            return bad("seeds must not be empty");
        }
        let t = &self.training;
        if t.enabled {
            if t.width == 0 || t.batch_size == 0 || t.depths.contains(&0) {
                return bad("training width, batch_size and depths must be positive");
            }
            if !(t.lr.is_finite() && t.lr > 0.0 && t.high_lr.is_finite() && t.high_lr > 0.0) {
                return bad("training learning rates must be positive");
            }
        }
        if self.spectrum.enabled && (self.spectrum.width == 0 || self.spectrum.depths.contains(&0))
        {
            return bad("spectrum width and depths must be positive");
        }
        if self.trainability.enabled {
            self.trainability.validate()?;
        }
        Ok(())
    }

    /// The grid's activations, parsed; softmax-like ones are rejected.
    pub fn parsed_activations(&self) -> Result<Vec<Activation>, LabError> {
        parse_activations(&self.activations)
    }

    /// The grid's initialisers, parsed.
    pub fn parsed_inits(&self) -> Result<Vec<InitSpec>, LabError> {
        if self.inits.is_empty() {
            return Err(LabError::InvalidConfig("inits must not be empty".into()));
        }
        self.inits
            .iter()
            .map(|s| s.parse::<InitSpec>().map_err(LabError::from))
            .collect()
    }

    /// The activations of the training runs.
    pub fn training_activations(&self) -> Result<Vec<Activation>, LabError> {
        if self.training.activations.is_empty() {
            self.parsed_activations()
        } else {
            parse_activations(&self.training.activations)
        }
    }
}

fn parse_activations(specs: &[String]) -> Result<Vec<Activation>, LabError> {
    if specs.is_empty() {
        return Err(LabError::InvalidConfig(
            "activations must not be empty".into(),
        ));
    }
    specs
        .iter()
        .map(|s| {
            let a: Activation = s.parse()?;
            if !a.is_elementwise() {
                return Err(LabError::InvalidConfig(format!(
                    "`{a}` is not elementwise; the study needs per-unit activations"
                )));
            }
            Ok(a)
        })
        .collect()
}

/// The initialiser practitioners start with for an activation: He/Kaiming (σ_w² = 2) for
/// the ReLU family and the other unbounded activations (GELU, SiLU, ELU, …), LeCun normal for
/// SELU (its self-normalising fixed point), Glorot/Xavier for the bounded, saturating ones.
///
/// (`gain=auto`, the forward-moment-preserving gain, is not used: for SiLU it gives
/// σ_w² ≈ 2.8, deep in the chaotic phase — the study's training runs showed it diverge.)
pub fn recommended_init(activation: &Activation) -> InitSpec {
    let Some(e) = activation.as_elementwise() else {
        return InitSpec::new(InitKind::XavierNormal);
    };
    match e {
        Elementwise::Relu => InitSpec::new(InitKind::KaimingNormal),
        Elementwise::Selu => InitSpec::new(InitKind::LecunNormal),
        Elementwise::Sigmoid
        | Elementwise::Tanh
        | Elementwise::Softsign
        | Elementwise::HardTanh { .. }
        | Elementwise::HardSigmoid
        | Elementwise::LogSigmoid
        | Elementwise::Identity
        | Elementwise::TanhShrink
        | Elementwise::BinaryStep { .. }
        | Elementwise::SoftShrink { .. }
        | Elementwise::HardShrink { .. } => InitSpec::new(InitKind::XavierNormal),
        _ => InitSpec::new(InitKind::KaimingNormal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_quick_validate() {
        StudyConfig::default().validate().unwrap();
        StudyConfig::quick().validate().unwrap();
    }

    #[test]
    fn partial_toml_and_json_fill_defaults() {
        let c: StudyConfig = toml::from_str("depths = [3]\n[training]\nepochs = 1\n").unwrap();
        assert_eq!(c.depths, vec![3]);
        assert_eq!(c.training.epochs, 1);
        assert_eq!(c.inits, StudyConfig::default().inits);
        let j: StudyConfig = serde_json::from_str(r#"{"seeds":[7],"dtype":"f32"}"#).unwrap();
        assert_eq!(j.seeds, vec![7]);
        assert_eq!(j.dtype, Precision::F32);
        assert!(toml::from_str::<StudyConfig>("depth = [3]").is_err());
    }

    #[test]
    fn recommendations() {
        let r = |s: &str| recommended_init(&s.parse().unwrap()).to_string();
        assert_eq!(r("relu"), "kaiming_normal");
        assert_eq!(r("selu"), "lecun_normal");
        assert_eq!(r("tanh"), "xavier_normal");
        assert_eq!(r("gelu"), "kaiming_normal");
    }
}
