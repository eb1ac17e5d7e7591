//! What a study runs: the signal-propagation grid and the training setup.
//!
//! Loaded from TOML or JSON (`--config FILE`); every field is optional and defaults to the
//! full study. Example (TOML):
//!
//! ```toml
//! activations = ["relu", "tanh", "selu", "mish2", "expr(x * sigmoid(1.702 * x))"]
//! inits = ["xavier_normal", "kaiming_normal"]
//! depths = [10, 50]
//! widths = [256]
//! seeds = [0, 1]
//!
//! [custom_activations]         # user-defined activations, usable by name above
//! mish2 = "x * tanh(softplus(x))"
//!
//! [training]
//! depths = [10, 30]
//! width = 64
//! epochs = 20
//!
//! [tuning]
//! optimizer = "adamw"          # or "sgd" (with `momentum`)
//! lrs = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
//! seeds = [0, 1, 2]
//! epochs = 20
//! patience = 4
//! init = "recommended"         # or "critical", or one spec for every activation
//!
//! [tuning.depths]
//! mlp = [4, 48]
//! resmlp_ln = [16]
//! rnn = [10, 30]               # sequence lengths of the adding problem
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use myelin_activations::{Activation, Elementwise, InitFamily};
use serde::{Deserialize, Serialize};

use super::arch::Arch;
use super::training::OptimizerKind;
use crate::error::LabError;
use crate::init_spec::{Gain, InitKind, InitSpec};
use crate::probe::Precision;
use crate::spectrum::SpectrumStudyConfig;
use crate::trainability::TrainabilityConfig;

/// The whole study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StudyConfig {
    /// Activation specs of the signal-propagation grid: built-in specs, `expr(...)`
    /// expressions, or names defined in [`StudyConfig::custom_activations`].
    pub activations: Vec<String>,
    /// User-defined activations by name: `name = "<expression in x>"` (the language of
    /// `expr(...)`, see [`myelin_activations::custom`]). Registered before any spec is
    /// parsed, so every list of activations in the configuration can use the names.
    pub custom_activations: BTreeMap<String, String>,
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
    /// Standard deviation σ_b of every bias at initialisation, in the signal grid and in
    /// every training run (0: no biases in the grid, zero biases in training). `gain=critical`
    /// initialisers are resolved for `σ_b² = bias_std²`.
    pub bias_std: f64,
    /// The fixed-learning-rate training runs (recommended inits and the contrasts).
    pub training: TrainingConfig,
    /// The fair, tuned comparison: a learning-rate sweep × seeds per (activation,
    /// architecture, depth).
    pub tuning: TuningConfig,
    /// Singular values of input–output Jacobians (dynamical isometry).
    pub spectrum: SpectrumStudyConfig,
    /// The trainability heat map (accuracy over σ_w² × depth against 6 ξ_c).
    pub trainability: TrainabilityConfig,
}

/// The tuned comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TuningConfig {
    /// Run it at all.
    pub enabled: bool,
    /// Activations compared (empty: the grid's).
    pub activations: Vec<String>,
    /// Also train `identity` in the plain MLP (the "no non-linearity" baseline of claim a).
    pub identity_baseline: bool,
    /// Depths per architecture (`mlp`, `resmlp`, `resmlp_ln`, `cnn`: layers/blocks; `rnn`:
    /// sequence lengths of the adding problem). Architectures not listed are not trained.
    pub depths: BTreeMap<Arch, Vec<usize>>,
    /// Hidden width of the MLPs.
    pub width: usize,
    /// Channels of the CNN.
    pub cnn_channels: usize,
    /// Hidden units of the RNN.
    pub rnn_hidden: usize,
    /// The optimiser of every sweep run.
    pub optimizer: OptimizerKind,
    /// Learning rates of the sweep (empty: five log-spaced defaults for the optimiser, see
    /// [`TuningConfig::learning_rates`]).
    pub lrs: Vec<f64>,
    /// Seeds; every (cell, learning rate) is trained once per seed.
    pub seeds: Vec<u64>,
    /// The epoch budget, the same for every run.
    pub epochs: usize,
    /// Early stopping: epochs without a validation improvement before a run stops.
    pub patience: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// SGD momentum.
    pub momentum: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Initialiser policy: `recommended` ([`training_init`]), `critical` (every
    /// activation's recommended family at `gain=critical`), or one initialiser spec.
    pub init: String,
    /// Digits training samples used (0: all).
    pub max_train_samples: usize,
    /// Training sequences of the adding problem.
    pub rnn_train_sequences: usize,
    /// Element type.
    pub dtype: Precision,
}

impl Default for TuningConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            activations: Vec::new(),
            identity_baseline: true,
            depths: [
                (Arch::Mlp, vec![4, 48]),
                (Arch::ResMlp, vec![16]),
                (Arch::ResMlpLn, vec![16]),
                (Arch::Cnn, vec![3]),
                (Arch::Rnn, vec![10, 30]),
            ]
            .into_iter()
            .collect(),
            width: 32,
            cnn_channels: 8,
            rnn_hidden: 32,
            optimizer: OptimizerKind::AdamW,
            lrs: Vec::new(),
            seeds: vec![0, 1, 2],
            epochs: 20,
            patience: 4,
            batch_size: 64,
            momentum: 0.9,
            weight_decay: 0.01,
            init: "recommended".into(),
            max_train_samples: 0,
            rnn_train_sequences: 2000,
            dtype: Precision::F32,
        }
    }
}

impl TuningConfig {
    /// The sweep's learning rates: `lrs`, or by default five log-spaced values around the
    /// optimiser's usual range (AdamW 1e-4 … 1e-2, SGD 1e-3 … 1e-1).
    pub fn learning_rates(&self) -> Vec<f64> {
        if !self.lrs.is_empty() {
            return self.lrs.clone();
        }
        let base = match self.optimizer {
            OptimizerKind::AdamW => 1e-4,
            OptimizerKind::Sgd => 1e-3,
        };
        (0..5).map(|k| base * 10f64.powf(k as f64 / 2.0)).collect()
    }

    /// The width of an architecture's hidden layers.
    pub fn width_of(&self, arch: Arch) -> usize {
        match arch {
            Arch::Cnn => self.cnn_channels,
            Arch::Rnn => self.rnn_hidden,
            _ => self.width,
        }
    }
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
            custom_activations: BTreeMap::new(),
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
            bias_std: 0.0,
            training: TrainingConfig::default(),
            tuning: TuningConfig::default(),
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
    /// stacks, one seed, two epochs on part of the data; a tuned comparison of two learning
    /// rates × two seeds on tiny networks of every architecture (not five rates: it only
    /// exercises the code paths).
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
            tuning: TuningConfig {
                depths: [
                    (Arch::Mlp, vec![2, 6]),
                    (Arch::ResMlp, vec![4]),
                    (Arch::ResMlpLn, vec![4]),
                    (Arch::Cnn, vec![2]),
                    (Arch::Rnn, vec![6]),
                ]
                .into_iter()
                .collect(),
                width: 16,
                cnn_channels: 4,
                rnn_hidden: 8,
                lrs: vec![1e-3, 1e-2],
                seeds: vec![0, 1],
                epochs: 2,
                patience: 1,
                max_train_samples: 300,
                rnn_train_sequences: 100,
                ..TuningConfig::default()
            },
            spectrum: SpectrumStudyConfig::quick(),
            trainability: TrainabilityConfig::quick(),
            ..Self::default()
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
        if !(self.bias_std.is_finite() && self.bias_std >= 0.0) {
            return Err(LabError::InvalidConfig(format!(
                "bias_std must be finite and ≥ 0 (got {})",
                self.bias_std
            )));
        }
        let u = &self.tuning;
        if u.enabled {
            self.tuning_activations()?;
            if u.seeds.is_empty() || u.epochs == 0 || u.batch_size == 0 {
                return bad(
                    "tuning seeds must not be empty, and epochs and batch_size must be positive",
                );
            }
            if u.depths.values().any(|d| d.contains(&0)) {
                return bad("tuning depths must be positive");
            }
            if u.width == 0 || u.cnn_channels == 0 || u.rnn_hidden == 0 {
                return bad("tuning width, cnn_channels and rnn_hidden must be positive");
            }
            if u.learning_rates()
                .iter()
                .any(|lr| !(lr.is_finite() && *lr > 0.0))
            {
                return Err(LabError::InvalidConfig(format!(
                    "tuning lrs must be positive and finite (got {:?})",
                    u.lrs
                )));
            }
            for a in self.tuning_activations()? {
                training_init(&a, &u.init, self.bias_std)?;
            }
        }
        Ok(())
    }

    /// The activations of the tuned comparison (without the identity baseline).
    pub fn tuning_activations(&self) -> Result<Vec<Activation>, LabError> {
        self.register_custom_activations()?;
        if self.tuning.activations.is_empty() {
            self.parsed_activations()
        } else {
            parse_activations(&self.tuning.activations)
        }
    }

    /// Registers [`StudyConfig::custom_activations`] (idempotent: the same name with the same
    /// expression is accepted again; a name that clashes is an error naming it).
    pub fn register_custom_activations(&self) -> Result<(), LabError> {
        for (name, expression) in &self.custom_activations {
            myelin_activations::register_expr(name, expression).map_err(|e| {
                LabError::InvalidConfig(format!("custom_activations.{name} = {expression:?}: {e}"))
            })?;
        }
        Ok(())
    }

    /// The grid's activations, parsed; softmax-like ones are rejected.
    pub fn parsed_activations(&self) -> Result<Vec<Activation>, LabError> {
        self.register_custom_activations()?;
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
        self.register_custom_activations()?;
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
    match e.recommended_init() {
        InitFamily::He => InitSpec::new(InitKind::KaimingNormal),
        InitFamily::LeCun => InitSpec::new(InitKind::LecunNormal),
        InitFamily::Glorot => InitSpec::new(InitKind::XavierNormal),
    }
}

/// Whether the theory recommends the critical initialiser over [`recommended_init`] for
/// this activation: the smooth unbounded ones (ELU, GELU, SiLU, softplus, Mish, …). With
/// He/Kaiming (σ_w² = 2) their χ₁ (the per-layer factor of the squared gradient) is below
/// 1, so gradients vanish exponentially with depth; `gain=critical` puts
/// them at χ₁ = 1 (see [`crate::critical`]). ReLU / leaky ReLU with Kaiming and SELU with
/// LeCun already sit at their fixed points; the saturating ones (sigmoid, tanh, …) keep
/// Glorot/Xavier, as practised (the article's claims are about them as practised).
pub fn prefers_critical(activation: &Activation) -> bool {
    recommended_init(activation).kind == InitKind::KaimingNormal
        && !matches!(
            activation.as_elementwise(),
            Some(Elementwise::Relu) | Some(Elementwise::LeakyRelu { .. })
        )
}

/// Depth at which [`theory_gain`] flattens the mean-field prediction.
pub const THEORY_GAIN_DEPTH: usize = 50;

/// For activations without an attracting edge of chaos (GELU and SiLU: their only critical
/// points are repelling): the `kaiming_normal` gain `g` (σ_w² = g², scanned over
/// 1.00, 1.02, …, 2.20) whose mean-field prediction over [`THEORY_GAIN_DEPTH`] layers keeps
/// both the gradient ratio and the forward variance flattest, i.e. minimises
/// `|log10(G_1/G_L)| + |log10 q_L|` (with `σ_b² = bias_std²`).
///
/// # Errors
/// Softmax-like activations (the theory needs elementwise ones).
pub fn theory_gain(activation: &Activation, bias_std: f64) -> Result<InitSpec, LabError> {
    type Cache = std::sync::Mutex<BTreeMap<(String, u64), InitSpec>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let key = (activation.to_string(), bias_std.to_bits());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(spec) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(*spec);
    }
    let mut best = (f64::INFINITY, 2f64.sqrt());
    for k in 0..=60 {
        let gain = f64::from(100 + 2 * k) / 100.0;
        let p = crate::theory::predict_activation_with_bias(
            activation,
            gain * gain,
            bias_std * bias_std,
            THEORY_GAIN_DEPTH,
        )?;
        let q_last = p.q.last().copied().unwrap_or(f64::NAN);
        let score = p.log10_grad_ratio.abs() + q_last.log10().abs();
        if score.is_finite() && score < best.0 {
            best = (score, gain);
        }
    }
    let spec = InitSpec::new(InitKind::KaimingNormal).with_gain(Gain::Explicit(best.1));
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, spec);
    Ok(spec)
}

/// The initialiser a training run of `activation` uses under `policy`:
///
/// * `recommended`: [`recommended_init`], except where [`prefers_critical`]: there
///   `gain=critical` when the activation has an edge of chaos at `σ_b² = bias_std²`, else
///   the theory's flattest Kaiming gain ([`theory_gain`]; GELU, SiLU);
/// * `critical`: the recommended family at `gain=critical` for every activation that has
///   an edge of chaos (the others as under `recommended`);
/// * anything else: parsed as one initialiser spec for every activation.
///
/// # Errors
/// An unparsable spec.
pub fn training_init(
    activation: &Activation,
    policy: &str,
    bias_std: f64,
) -> Result<InitSpec, LabError> {
    let base = recommended_init(activation);
    let critical = base.with_gain(Gain::Critical);
    let has_edge = crate::critical::critical_point(activation, bias_std * bias_std).is_ok();
    Ok(match policy {
        "recommended" | "critical" if prefers_critical(activation) && has_edge => critical,
        "recommended" | "critical" if prefers_critical(activation) => {
            theory_gain(activation, bias_std)?
        }
        "recommended" => base,
        "critical" if has_edge => critical,
        "critical" => base,
        spec => spec.parse::<InitSpec>()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_inits_follow_the_theory() {
        let t = |a: &str, p: &str| {
            training_init(&a.parse().unwrap(), p, 0.0)
                .unwrap()
                .to_string()
        };
        assert_eq!(t("relu", "recommended"), "kaiming_normal");
        assert_eq!(t("leaky_relu", "recommended"), "kaiming_normal");
        assert_eq!(t("selu", "recommended"), "lecun_normal");
        assert_eq!(t("tanh", "recommended"), "xavier_normal");
        // GELU and SiLU have no attracting edge of chaos: the theory's flattest gain, which
        // is above He's √2 (plain Kaiming makes their gradients vanish).
        for a in ["gelu", "silu"] {
            let spec = training_init(&a.parse().unwrap(), "recommended", 0.0).unwrap();
            let Gain::Explicit(g) = spec.gain else {
                panic!("{a}: {spec}")
            };
            assert!(g > 2f64.sqrt() && g <= 2.2, "{a}: gain {g}");
            let act: Activation = a.parse().unwrap();
            let flat = |g: f64| {
                let p = crate::theory::predict_activation(&act, g * g, THEORY_GAIN_DEPTH).unwrap();
                p.log10_grad_ratio.abs() + p.q.last().unwrap().log10().abs()
            };
            assert!(flat(g) < flat(2f64.sqrt()), "{a}: flatter than Kaiming");
            assert!(
                flat(g) <= flat(g + 0.02) && flat(g) <= flat(g - 0.02),
                "{a}: a minimum"
            );
        }
        assert_eq!(t("tanh", "critical"), "xavier_normal(gain=critical)");
        assert_eq!(t("gelu", "orthogonal"), "orthogonal");
        assert!(training_init(&"relu".parse().unwrap(), "nonsense", 0.0).is_err());
    }

    #[test]
    fn tuning_config_from_toml_and_defaults() {
        let c: StudyConfig = toml::from_str(
            "bias_std = 0.05\n[tuning]\noptimizer = \"sgd\"\nseeds = [4, 5, 6]\n[tuning.depths]\nmlp = [3]\nrnn = [7]\n",
        )
        .unwrap();
        c.validate().unwrap();
        assert_eq!(c.bias_std, 0.05);
        assert_eq!(c.tuning.optimizer, OptimizerKind::Sgd);
        assert_eq!(
            c.tuning.depths.keys().copied().collect::<Vec<_>>(),
            vec![Arch::Mlp, Arch::Rnn]
        );
        let lrs = c.tuning.learning_rates();
        assert_eq!(lrs.len(), 5);
        assert!((lrs[0] - 1e-3).abs() < 1e-15 && (lrs[4] - 1e-1).abs() < 1e-12);
        assert!((lrs[1] / lrs[0] - 10f64.sqrt()).abs() < 1e-12, "log-spaced");
        let bad = StudyConfig {
            bias_std: -1.0,
            ..StudyConfig::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("bias_std"));
        let mut bad = StudyConfig::default();
        bad.tuning.lrs = vec![0.01, -1.0];
        assert!(bad.validate().unwrap_err().to_string().contains("lrs"));
        assert!(toml::from_str::<StudyConfig>("[tuning.depths]\ntransformer = [3]\n").is_err());
    }

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
