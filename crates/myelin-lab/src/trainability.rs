//! Which depths train? A reproduction of Schoenholz et al. (2017, figure 6) on the digits
//! data: validation accuracy over a grid of `σ_w²` × depth for tanh, with the depth scale
//! `6 ξ_c` of [`crate::critical::depth_scales`] drawn over it.
//!
//! Every network is `64 → width × depth → 10` with the activation after every hidden layer,
//! weights iid `N(0, σ_w²/fan_in)` and biases iid `N(0, σ_b²)` in every layer (the read-out
//! included), trained with SGD + momentum on cross-entropy. Mean-field theory says that a
//! perturbation of the input correlation decays like `exp(−l/ξ_c)`; Schoenholz et al. found
//! that networks deeper than about `6 ξ_c` cannot be trained, because the input's structure
//! no longer reaches the output (and its gradient no longer reaches the input). `ξ_c`
//! diverges on the edge of chaos, so the trainable region is a ridge around the critical
//! `σ_w²`.
//!
//! The grid's runs are independent and run in parallel (rayon); each is deterministic per
//! seed.

use myelin_activations::Activation;
use myelin_nn::data::MiniBatches;
use myelin_nn::layers::{ActivationLayer, Linear, Sequential};
use myelin_nn::loss::{cross_entropy, Reduction};
use myelin_nn::optim::{Sgd, SgdConfig};
use myelin_nn::train::{accuracy, batch_to_tensor, dataset_to_tensor};
use myelin_nn::{Module, Optimizer};
use myelin_tensor::{no_grad, seeded_rng, Element, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::critical::{critical_point, depth_scales};
use crate::error::LabError;
use crate::probe::{derive_seed, fmt_num, fmt_short, Precision};
use crate::study::training::{load_digits, DigitsData};

/// The grid and how each network is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainabilityConfig {
    /// Run it at all (as part of the study).
    pub enabled: bool,
    /// The activation (elementwise; tanh in the paper).
    pub activation: String,
    /// Weight variances `σ_w²` (columns of the heat map).
    pub sigma_w2: Vec<f64>,
    /// Numbers of hidden layers (rows of the heat map).
    pub depths: Vec<usize>,
    /// Bias variance `σ_b²` (0.05 in the paper).
    pub sigma_b2: f64,
    /// Hidden width.
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
    /// Use only this many training samples (0: all).
    pub max_train_samples: usize,
}

impl Default for TrainabilityConfig {
    /// The full study's grid: 9 `σ_w²` from 0.5 to 4.5 × depths 4–96.
    fn default() -> Self {
        Self {
            enabled: true,
            activation: "tanh".into(),
            sigma_w2: vec![0.5, 1.0, 1.5, 1.75, 2.0, 2.5, 3.0, 3.75, 4.5],
            depths: vec![4, 8, 16, 32, 64, 96],
            sigma_b2: 0.05,
            width: 48,
            epochs: 4,
            batch_size: 32,
            lr: 0.01,
            momentum: 0.9,
            seed: 0,
            dtype: Precision::F32,
            max_train_samples: 0,
        }
    }
}

impl TrainabilityConfig {
    /// The seconds-long grid of `--quick`: 3 `σ_w²` × 2 depths, one epoch on 300 samples.
    pub fn quick() -> Self {
        Self {
            sigma_w2: vec![0.5, 1.75, 4.0],
            depths: vec![2, 12],
            width: 16,
            epochs: 1,
            max_train_samples: 300,
            ..Self::default()
        }
    }

    /// Checks the grid and the training settings.
    pub fn validate(&self) -> Result<(), LabError> {
        let activation: Activation = self.activation.parse()?;
        if !activation.is_elementwise() {
            return Err(LabError::InvalidConfig(format!(
                "trainability: `{activation}` is not elementwise"
            )));
        }
        let bad = |what: String| Err(LabError::InvalidConfig(format!("trainability: {what}")));
        if self.sigma_w2.is_empty() || self.depths.is_empty() {
            return bad(format!(
                "the grid is empty ({} sigma_w^2 values, {} depths)",
                self.sigma_w2.len(),
                self.depths.len()
            ));
        }
        if let Some(s) = self.sigma_w2.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return bad(format!("sigma_w^2 must be finite and > 0, got {s}"));
        }
        if self.depths.contains(&0) || self.width == 0 || self.batch_size == 0 {
            return bad(format!(
                "depths, width and batch_size must be ≥ 1 (depths {:?}, width {}, batch_size {})",
                self.depths, self.width, self.batch_size
            ));
        }
        if !(self.sigma_b2.is_finite() && self.sigma_b2 >= 0.0) {
            return bad(format!(
                "sigma_b^2 must be finite and ≥ 0, got {}",
                self.sigma_b2
            ));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad(format!("lr must be finite and > 0, got {}", self.lr));
        }
        Ok(())
    }
}

/// One trained network of the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainabilityCell {
    /// `σ_w²`.
    pub sigma_w2: f64,
    /// Hidden layers.
    pub depth: usize,
    /// Validation accuracy after the last epoch (of the last finite epoch if it diverged).
    #[serde(with = "crate::json_float::scalar")]
    pub accuracy: f64,
    /// Validation accuracy before training.
    #[serde(with = "crate::json_float::scalar")]
    pub initial_accuracy: f64,
    /// Mean training loss of the last epoch (NaN if it diverged).
    #[serde(with = "crate::json_float::scalar")]
    pub train_loss: f64,
    /// Whether the loss became non-finite.
    pub diverged: bool,
}

/// `6 ξ_c` at one `σ_w²`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DepthScalePoint {
    /// `σ_w²`.
    pub sigma_w2: f64,
    /// `ξ_c` (∞ on the edge of chaos).
    #[serde(with = "crate::json_float::scalar")]
    pub xi_c: f64,
}

/// The heat map and the theory curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainabilityResult {
    /// What was run.
    pub config: TrainabilityConfig,
    /// One cell per `(σ_w², depth)`, `σ_w²`-major in grid order.
    pub cells: Vec<TrainabilityCell>,
    /// `ξ_c` on a fine `σ_w²` grid spanning the heat map (for the `6 ξ_c` curve).
    pub curve: Vec<DepthScalePoint>,
    /// `ξ_c` at each grid `σ_w²`.
    pub grid_xi_c: Vec<DepthScalePoint>,
    /// The critical `σ_w²` at this `σ_b²`, if the activation has one.
    #[serde(default)]
    pub critical_sigma_w2: Option<f64>,
    /// Wall-clock seconds (not deterministic; informational).
    #[serde(default)]
    pub seconds: f64,
}

/// Header of [`TrainabilityResult::to_csv`].
pub const CSV_HEADER: &str =
    "sigma_w2,depth,accuracy,initial_accuracy,train_loss,diverged,xi_c,six_xi_c";

impl TrainabilityResult {
    /// The cell at `(σ_w², depth)`.
    pub fn cell(&self, sigma_w2: f64, depth: usize) -> Option<&TrainabilityCell> {
        self.cells
            .iter()
            .find(|c| c.sigma_w2 == sigma_w2 && c.depth == depth)
    }

    /// `ξ_c` at grid value `σ_w²`.
    pub fn xi_c(&self, sigma_w2: f64) -> f64 {
        self.grid_xi_c
            .iter()
            .find(|p| p.sigma_w2 == sigma_w2)
            .map_or(f64::NAN, |p| p.xi_c)
    }

    /// The whole result as pretty JSON.
    pub fn to_json(&self) -> Result<String, LabError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Every cell as CSV ([`CSV_HEADER`]).
    pub fn to_csv(&self) -> String {
        let mut out = format!("{CSV_HEADER}\n");
        for c in &self.cells {
            let xi = self.xi_c(c.sigma_w2);
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                fmt_num(c.sigma_w2),
                c.depth,
                fmt_num(c.accuracy),
                fmt_num(c.initial_accuracy),
                fmt_num(c.train_loss),
                c.diverged,
                fmt_num(xi),
                fmt_num(6.0 * xi)
            ));
        }
        out
    }

    /// How well `6 ξ_c` separates trained from untrained cells: `(agree, total)`, where a
    /// cell agrees when it is trained (accuracy ≥ `threshold`) exactly when its depth is
    /// ≤ `6 ξ_c`.
    pub fn agreement(&self, threshold: f64) -> (usize, usize) {
        let agree = self
            .cells
            .iter()
            .filter(|c| {
                let inside = (c.depth as f64) <= 6.0 * self.xi_c(c.sigma_w2);
                (c.accuracy >= threshold) == inside
            })
            .count();
        (agree, self.cells.len())
    }

    /// The heat map as a text table: one row per depth, one column per `σ_w²`, accuracy in
    /// percent, `*` where the depth exceeds `6 ξ_c`.
    pub fn to_table(&self) -> String {
        let c = &self.config;
        let mut out = format!(
            "trainability: {} on digits, sigma_b^2 = {}, width {}, {} epochs, lr {}, batch {} ({:.1} s)\n",
            c.activation,
            fmt_short(c.sigma_b2),
            c.width,
            c.epochs,
            c.lr,
            c.batch_size,
            self.seconds
        );
        if let Some(s) = self.critical_sigma_w2 {
            out.push_str(&format!("edge of chaos at sigma_w^2 = {}\n", fmt_short(s)));
        }
        out.push_str("validation accuracy in %; * marks depth > 6 xi_c\n\n");
        out.push_str(&format!("{:>12}", "depth \\ s_w2"));
        for s in &c.sigma_w2 {
            out.push_str(&format!("{:>8}", fmt_short(*s)));
        }
        out.push('\n');
        out.push_str(&format!("{:>12}", "6 xi_c"));
        for s in &c.sigma_w2 {
            out.push_str(&format!("{:>8}", fmt_short(6.0 * self.xi_c(*s))));
        }
        out.push('\n');
        for &d in &c.depths {
            out.push_str(&format!("{d:>12}"));
            for &s in &c.sigma_w2 {
                let text = match self.cell(s, d) {
                    Some(cell) => {
                        let mark = if d as f64 > 6.0 * self.xi_c(s) {
                            "*"
                        } else {
                            " "
                        };
                        format!("{:.1}{mark}", 100.0 * cell.accuracy)
                    }
                    None => "—".into(),
                };
                out.push_str(&format!("{text:>8}"));
            }
            out.push('\n');
        }
        out
    }
}

/// `ξ_c` of `activation` at `(σ_w², σ_b²)`; NaN where the variance has no fixed point.
pub fn correlation_depth_scale(activation: &Activation, sigma_w2: f64, sigma_b2: f64) -> f64 {
    depth_scales(activation, sigma_w2, sigma_b2).map_or(f64::NAN, |d| d.xi_c)
}

/// Trains one network of the grid.
pub fn train_cell(
    config: &TrainabilityConfig,
    data: &DigitsData,
    sigma_w2: f64,
    depth: usize,
) -> Result<TrainabilityCell, LabError> {
    match config.dtype {
        Precision::F32 => train_typed::<f32>(config, data, sigma_w2, depth),
        Precision::F64 => train_typed::<f64>(config, data, sigma_w2, depth),
    }
}

/// `64 → width × depth → 10` with Gaussian weights `N(0, σ_w²/fan_in)` and biases
/// `N(0, σ_b²)`, the activation after every hidden layer.
pub fn build_network<T: Element>(
    activation: Activation,
    widths: &[usize],
    sigma_w2: f64,
    sigma_b2: f64,
    seed: u64,
) -> Result<Sequential<T>, LabError> {
    let mut rng = seeded_rng(seed);
    let mut model = Sequential::new();
    let layers = widths.len() - 1;
    for (i, pair) in widths.windows(2).enumerate() {
        let (fan_in, fan_out) = (pair[0], pair[1]);
        let w_scale = Tensor::<T>::scalar(T::from_f64((sigma_w2 / fan_in as f64).sqrt()));
        let b_scale = Tensor::<T>::scalar(T::from_f64(sigma_b2.sqrt()));
        let w = &Tensor::<T>::randn(&[fan_out, fan_in], &mut rng) * &w_scale;
        let b = &Tensor::<T>::randn(&[fan_out], &mut rng) * &b_scale;
        model.push(Box::new(Linear::from_tensors(w, Some(b))?));
        if i + 1 < layers {
            model.push(Box::new(ActivationLayer::new(activation)?));
        }
    }
    Ok(model)
}

fn train_typed<T: Element>(
    config: &TrainabilityConfig,
    data: &DigitsData,
    sigma_w2: f64,
    depth: usize,
) -> Result<TrainabilityCell, LabError> {
    let activation: Activation = config.activation.parse()?;
    let train = if config.max_train_samples > 0 && config.max_train_samples < data.train.len() {
        let indices: Vec<usize> = (0..config.max_train_samples).collect();
        data.train.subset(&indices)?
    } else {
        data.train.clone()
    };
    let mut widths = vec![train.n_features()];
    widths.extend(std::iter::repeat_n(config.width, depth));
    widths.push(train.n_classes().max(data.validation.n_classes()));
    // One weight stream per cell, so a cell does not depend on which others are run.
    let seed = derive_seed(config.seed, (depth as u64) << 32 ^ sigma_w2.to_bits());
    let model = build_network::<T>(activation, &widths, sigma_w2, config.sigma_b2, seed)?;
    let mut optimizer = Sgd::new(
        model.parameters(),
        SgdConfig::new(config.lr).momentum(config.momentum),
    )?;
    let batches = MiniBatches::new(config.batch_size)?.shuffle(config.seed);
    let val_x = dataset_to_tensor::<T>(&data.validation)?;
    let evaluate = |model: &Sequential<T>| -> Result<f64, LabError> {
        let _guard = no_grad();
        Ok(accuracy(&model.forward(&val_x)?, data.validation.labels())?)
    };
    let initial_accuracy = evaluate(&model)?;
    let mut accuracy_now = initial_accuracy;
    let mut train_loss = f64::NAN;
    let mut diverged = false;
    'epochs: for epoch in 1..=config.epochs {
        let (mut sum, mut steps) = (0.0, 0usize);
        for batch in batches.epoch(&train, epoch as u64) {
            let x = batch_to_tensor::<T>(&batch)?;
            let loss = cross_entropy(&model.forward(&x)?, &batch.labels, Reduction::Mean)?;
            let value = Element::to_f64(loss.item()?);
            if !value.is_finite() {
                diverged = true;
                train_loss = f64::NAN;
                break 'epochs;
            }
            loss.backward()?;
            optimizer.step()?;
            optimizer.zero_grad();
            sum += value;
            steps += 1;
        }
        train_loss = sum / steps.max(1) as f64;
        accuracy_now = evaluate(&model)?;
    }
    Ok(TrainabilityCell {
        sigma_w2,
        depth,
        accuracy: accuracy_now,
        initial_accuracy,
        train_loss,
        diverged,
    })
}

/// Points of the fine `σ_w²` grid the `6 ξ_c` curve is drawn on.
const CURVE_POINTS: usize = 121;

/// Trains the whole grid (in parallel) and computes the `ξ_c` curve.
pub fn run_trainability(config: &TrainabilityConfig) -> Result<TrainabilityResult, LabError> {
    config.validate()?;
    let start = std::time::Instant::now();
    let activation: Activation = config.activation.parse()?;
    let data = load_digits(config.seed)?;
    let mut jobs: Vec<(f64, usize)> = config
        .sigma_w2
        .iter()
        .flat_map(|&s| config.depths.iter().map(move |&d| (s, d)))
        .collect();
    let order: Vec<(f64, usize)> = {
        let mut sorted = jobs.clone();
        sorted.sort_by_key(|&(_, d)| std::cmp::Reverse(d));
        sorted
    };
    let trained: Vec<TrainabilityCell> = order
        .par_iter()
        .map(|&(s, d)| {
            // Grad mode is per thread; a stolen job must not inherit another's no_grad.
            let _grad = myelin_tensor::set_grad_enabled(true);
            train_cell(config, &data, s, d)
        })
        .collect::<Result<_, _>>()?;
    let cells = jobs
        .drain(..)
        .map(|(s, d)| {
            trained
                .iter()
                .find(|c| c.sigma_w2 == s && c.depth == d)
                .cloned()
                .expect("every job was trained")
        })
        .collect();
    let (lo, hi) = config
        .sigma_w2
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &s| (a.min(s), b.max(s)));
    let curve = (0..CURVE_POINTS)
        .map(|k| lo + (hi - lo) * k as f64 / (CURVE_POINTS - 1) as f64)
        .map(|s| DepthScalePoint {
            sigma_w2: s,
            xi_c: correlation_depth_scale(&activation, s, config.sigma_b2),
        })
        .collect();
    let grid_xi_c = config
        .sigma_w2
        .iter()
        .map(|&s| DepthScalePoint {
            sigma_w2: s,
            xi_c: correlation_depth_scale(&activation, s, config.sigma_b2),
        })
        .collect();
    Ok(TrainabilityResult {
        config: config.clone(),
        cells,
        curve,
        grid_xi_c,
        critical_sigma_w2: critical_point(&activation, config.sigma_b2)
            .ok()
            .map(|p| p.sigma_w2),
        seconds: start.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_has_the_requested_weight_and_bias_variances() {
        let model =
            build_network::<f64>("tanh".parse().unwrap(), &[400, 300, 10], 2.0, 0.05, 1).unwrap();
        let params = model.parameters();
        assert_eq!(params.len(), 4);
        let var = |t: &Tensor<f64>| {
            let v = t.to_vec();
            v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64
        };
        assert_eq!(params[0].shape(), [300, 400]);
        assert!((var(&params[0]) * 400.0 / 2.0 - 1.0).abs() < 0.02);
        assert!((var(&params[1]) / 0.05 - 1.0).abs() < 0.3);
        assert!((var(&params[2]) * 300.0 / 2.0 - 1.0).abs() < 0.1);
        // Activation only between the linear layers: Linear, tanh, Linear.
        assert_eq!(model.len(), 3);
    }

    #[test]
    fn ordered_phase_depth_scale_is_minus_one_over_log_chi() {
        // σ_b² = 0, σ_w² < 1: q* = 0, χ₁ = σ_w² (tanh'(0) = 1), so ξ_c = −1/ln σ_w².
        let tanh: Activation = "tanh".parse().unwrap();
        let xi = correlation_depth_scale(&tanh, 0.5, 0.0);
        assert!((xi - 1.0 / 2f64.ln()).abs() < 1e-6, "{xi}");
        // ξ_c peaks at the edge of chaos.
        let critical = critical_point(&tanh, 0.05).unwrap().sigma_w2;
        let near = correlation_depth_scale(&tanh, critical * 1.02, 0.05);
        let far = correlation_depth_scale(&tanh, critical * 2.0, 0.05);
        assert!(near > 3.0 * far, "{near} vs {far}");
    }

    #[test]
    fn tiny_grid_trains_near_the_edge_and_not_deep_in_the_ordered_phase() {
        let config = TrainabilityConfig {
            sigma_w2: vec![0.3, 1.75],
            depths: vec![2, 24],
            width: 16,
            epochs: 4,
            lr: 0.05,
            max_train_samples: 400,
            ..TrainabilityConfig::default()
        };
        let r = run_trainability(&config).unwrap();
        assert_eq!(r.cells.len(), 4);
        assert_eq!((r.cells[1].sigma_w2, r.cells[1].depth), (0.3, 24));
        // Deep in the ordered phase (6 ξ_c ≈ 5 < 24) the input never reaches the output.
        assert!(6.0 * r.xi_c(0.3) < 24.0);
        let dead = r.cell(0.3, 24).unwrap();
        assert!(dead.accuracy < 0.3, "{dead:?}");
        let shallow = r.cell(1.75, 2).unwrap();
        assert!(shallow.accuracy > 0.6, "{shallow:?}");
        let csv = r.to_csv();
        assert_eq!(csv.lines().count(), 5);
        assert!(csv.lines().nth(2).unwrap().starts_with("0.3,24,"), "{csv}");
        assert!(r.to_table().contains('*'));
        let (agree, total) = r.agreement(0.5);
        assert_eq!(total, 4);
        assert!(agree >= 3, "{}", r.to_table());
    }

    #[test]
    fn bad_grids_are_errors() {
        let e = TrainabilityConfig {
            depths: vec![],
            ..TrainabilityConfig::quick()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("trainability") && e.contains("0 depths"), "{e}");
        let e = TrainabilityConfig {
            sigma_w2: vec![1.0, -2.0],
            ..TrainabilityConfig::quick()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("-2"), "{e}");
        let e = TrainabilityConfig {
            activation: "softmax".into(),
            ..TrainabilityConfig::quick()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("softmax"), "{e}");
    }
}
