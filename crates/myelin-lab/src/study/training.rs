//! Training deep MLPs on the embedded digits data while watching their gradients.
//!
//! Each run trains `64 → width × depth → 10` (biases, the activation after every hidden
//! layer) with SGD + momentum and cross-entropy, and records per epoch: training loss,
//! validation loss and accuracy, the per-layer gradient norm `‖∂L/∂H_l‖` of every hidden
//! pre-activation (root mean square over the epoch's steps, from hooks on the engine's
//! backward pass), the global gradient norm, and the fraction of dead units per layer on the
//! validation set. A non-finite loss stops the run and is recorded as divergence.

use std::sync::{Arc, Mutex};

use myelin_activations::Activation;
use myelin_nn::data::{digits, split, Dataset, MiniBatches, SplitConfig, Standardizer};
use myelin_nn::layers::Mlp;
use myelin_nn::loss::{cross_entropy, Reduction};
use myelin_nn::optim::{Sgd, SgdConfig};
use myelin_nn::train::{accuracy, batch_to_tensor, dataset_to_tensor};
use myelin_nn::{clip_grad_norm, Module, Optimizer};
use myelin_tensor::{no_grad, Element};
use serde::{Deserialize, Serialize};

use crate::error::LabError;
use crate::init_spec::InitSpec;
use crate::probe::Precision;
use crate::stats::{dead_fraction, tensor_norm};

/// Why a training run is part of the study.
///
/// Serialised (JSON, CSV) and printed as the lower-case phrases of the report:
/// `recommended`, `bad init`, `high lr`, `high lr + clip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    /// An activation with its recommended initialiser.
    #[serde(rename = "recommended")]
    Recommended,
    /// ReLU with an initialiser that does not preserve the gradient norm.
    #[serde(rename = "bad init")]
    BadInit,
    /// ReLU at a deliberately too-high learning rate.
    #[serde(rename = "high lr")]
    HighLr,
    /// The high-learning-rate run with global-norm gradient clipping.
    #[serde(rename = "high lr + clip")]
    HighLrClip,
}

impl Role {
    /// The phrase used in files and the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Recommended => "recommended",
            Role::BadInit => "bad init",
            Role::HighLr => "high lr",
            Role::HighLrClip => "high lr + clip",
        }
    }

    /// Whether the run is one of the contrasts (everything but [`Role::Recommended`]).
    pub fn is_contrast(self) -> bool {
        self != Role::Recommended
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRunConfig {
    /// Short unique name, used for file names and legends.
    pub name: String,
    /// Why the run is there.
    pub role: Role,
    /// Activation spec.
    pub activation: String,
    /// Initialiser spec.
    pub init: String,
    /// Number of hidden layers.
    pub depth: usize,
    /// Hidden width.
    pub width: usize,
    /// Epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// SGD learning rate.
    pub lr: f64,
    /// SGD momentum.
    pub momentum: f64,
    /// Global-norm clipping threshold, if any.
    pub clip_norm: Option<f64>,
    /// Seed.
    pub seed: u64,
    /// Element type.
    pub dtype: Precision,
    /// Training samples used (0: all).
    pub max_train_samples: usize,
}

/// Measurements after one epoch (epoch 0 = before training).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number; 0 is the untrained network.
    pub epoch: usize,
    /// Mean training loss over the epoch's steps (NaN for epoch 0).
    #[serde(with = "crate::json_float::scalar")]
    pub train_loss: f64,
    /// Validation loss.
    #[serde(with = "crate::json_float::scalar")]
    pub val_loss: f64,
    /// Validation accuracy.
    #[serde(with = "crate::json_float::scalar")]
    pub val_accuracy: f64,
    /// RMS over the epoch's steps of the global parameter-gradient norm (before clipping).
    #[serde(with = "crate::json_float::scalar")]
    pub grad_norm_total: f64,
    /// RMS over steps of `‖∂L/∂H_l‖` for every hidden layer `l = 1..depth` (empty at epoch 0).
    #[serde(with = "crate::json_float::vec")]
    pub layer_grad_norms: Vec<f64>,
    /// Dead fraction of every hidden layer on the validation set.
    #[serde(with = "crate::json_float::vec")]
    pub dead_fractions: Vec<f64>,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRunResult {
    /// What was run.
    pub config: TrainRunConfig,
    /// One record per epoch, starting with epoch 0.
    pub epochs: Vec<EpochRecord>,
    /// `(epoch, step)` of the first non-finite loss, if the run diverged.
    pub diverged_at: Option<(usize, usize)>,
    /// Wall-clock seconds. Not serialised: result files hold only what the configuration
    /// and seeds determine (timings go to the run manifest), so they are identical
    /// whatever the machine or thread count.
    #[serde(skip)]
    pub seconds: f64,
}

impl TrainRunResult {
    /// Final validation accuracy (of the last finite epoch; 0 if none).
    pub fn final_accuracy(&self) -> f64 {
        self.epochs
            .iter()
            .rev()
            .find(|e| e.val_loss.is_finite())
            .map_or(0.0, |e| e.val_accuracy)
    }

    /// The last record.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }

    /// `log10(G_1 / G_L)` over the hidden layers in the first epoch.
    pub fn first_epoch_log10_ratio(&self) -> f64 {
        self.epochs.get(1).map_or(f64::NAN, |e| {
            match (e.layer_grad_norms.first(), e.layer_grad_norms.last()) {
                (Some(&a), Some(&b)) => crate::probe::log10_ratio(a, b),
                _ => f64::NAN,
            }
        })
    }
}

/// The digits data: standardised (statistics of the training part), split 70/15/15 stratified.
#[derive(Debug, Clone)]
pub struct DigitsData {
    /// Training part.
    pub train: Dataset,
    /// Validation part.
    pub validation: Dataset,
}

/// Loads and prepares the embedded digits data with a fixed split seed.
pub fn load_digits(split_seed: u64) -> Result<DigitsData, LabError> {
    let all = digits()?;
    let parts = split(
        &all,
        &SplitConfig::new(0.7, 0.15, 0.15)
            .stratified()
            .seed(split_seed),
    )?;
    let scaler = Standardizer::fit(&parts.train)?;
    Ok(DigitsData {
        train: scaler.transformed(&parts.train)?,
        validation: scaler.transformed(&parts.validation)?,
    })
}

/// Trains one run.
pub fn train_run(
    config: &TrainRunConfig,
    data: &DigitsData,
    on_epoch: &(dyn Fn() + Sync),
) -> Result<TrainRunResult, LabError> {
    match config.dtype {
        Precision::F32 => train_typed::<f32>(config, data, on_epoch),
        Precision::F64 => train_typed::<f64>(config, data, on_epoch),
    }
}

fn train_typed<T: Element>(
    config: &TrainRunConfig,
    data: &DigitsData,
    on_epoch: &(dyn Fn() + Sync),
) -> Result<TrainRunResult, LabError> {
    let start = std::time::Instant::now();
    let activation: Activation = config.activation.parse()?;
    let init: InitSpec = config.init.parse()?;
    let train = if config.max_train_samples > 0 && config.max_train_samples < data.train.len() {
        let indices: Vec<usize> = (0..config.max_train_samples).collect();
        data.train.subset(&indices)?
    } else {
        data.train.clone()
    };
    let mut widths = vec![train.n_features()];
    widths.extend(std::iter::repeat_n(config.width, config.depth));
    widths.push(train.n_classes().max(data.validation.n_classes()));
    let model = Mlp::new(&widths, activation)
        .init(init)
        .seed(config.seed)
        .build::<T>()?;
    let params = model.parameters();
    let mut optimizer = Sgd::new(
        params.clone(),
        SgdConfig::new(config.lr).momentum(config.momentum),
    )?;
    let batches = MiniBatches::new(config.batch_size)?.shuffle(config.seed);
    let val_x = dataset_to_tensor::<T>(&data.validation)?;
    let depth = config.depth;

    let mut epochs = vec![evaluate_epoch(&model, &val_x, &data.validation, depth, 0)?];
    epochs[0].train_loss = f64::NAN;
    let mut diverged_at = None;

    for epoch in 1..=config.epochs {
        let sums = Arc::new(Mutex::new(vec![0.0f64; depth]));
        let mut loss_sum = 0.0;
        let mut total_sq = 0.0;
        let mut steps = 0usize;
        for (step, batch) in batches.epoch(&train, epoch as u64).enumerate() {
            let x = batch_to_tensor::<T>(&batch)?;
            let outputs = model.forward_all(&x)?;
            // Children alternate Linear, activation: the hidden pre-activations are the
            // outputs of children 0, 2, 4, … → outputs[1], outputs[3], ….
            for layer in 0..depth {
                let store = Arc::clone(&sums);
                outputs[1 + 2 * layer].register_hook(move |g| {
                    let n = tensor_norm(g);
                    store.lock().unwrap_or_else(|e| e.into_inner())[layer] += n * n;
                    None
                });
            }
            let logits = outputs.last().expect("at least the input");
            let loss = cross_entropy(logits, &batch.labels, Reduction::Mean)?;
            let value = Element::to_f64(loss.item()?);
            if !value.is_finite() {
                diverged_at = Some((epoch, step));
                break;
            }
            loss.backward()?;
            drop(outputs);
            let total = match config.clip_norm {
                Some(max) => clip_grad_norm(&params, max, 2.0, false)?,
                None => params
                    .iter()
                    .filter_map(|p| p.grad())
                    .map(|g| tensor_norm(&g).powi(2))
                    .sum::<f64>()
                    .sqrt(),
            };
            optimizer.step()?;
            optimizer.zero_grad();
            loss_sum += value;
            total_sq += total * total;
            steps += 1;
        }
        let mut record = evaluate_epoch(&model, &val_x, &data.validation, depth, epoch)?;
        let n = steps.max(1) as f64;
        record.train_loss = if steps > 0 { loss_sum / n } else { f64::NAN };
        record.grad_norm_total = (total_sq / n).sqrt();
        record.layer_grad_norms = sums
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|s| (s / n).sqrt())
            .collect();
        if diverged_at.is_some() {
            record.train_loss = f64::NAN;
            record.val_loss = f64::NAN;
        }
        epochs.push(record);
        on_epoch();
        if diverged_at.is_some() {
            for _ in epoch + 1..=config.epochs {
                on_epoch();
            }
            break;
        }
    }
    Ok(TrainRunResult {
        config: config.clone(),
        epochs,
        diverged_at,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn evaluate_epoch<T: Element>(
    model: &myelin_nn::layers::Sequential<T>,
    val_x: &myelin_tensor::Tensor<T>,
    validation: &Dataset,
    depth: usize,
    epoch: usize,
) -> Result<EpochRecord, LabError> {
    let _guard = no_grad();
    let outputs = model.forward_all(val_x)?;
    let logits = outputs.last().expect("outputs");
    let val_loss =
        Element::to_f64(cross_entropy(logits, validation.labels(), Reduction::Mean)?.item()?);
    let val_accuracy = accuracy(logits, validation.labels())?;
    let rows = validation.len();
    let dead_fractions = (0..depth)
        .map(|layer| {
            let h = &outputs[1 + 2 * layer];
            let cols = h.shape()[1];
            h.with_contiguous_data(|d| dead_fraction(d, rows, cols))
        })
        .collect();
    Ok(EpochRecord {
        epoch,
        train_loss: f64::NAN,
        val_loss,
        val_accuracy,
        grad_norm_total: f64::NAN,
        layer_grad_norms: Vec::new(),
        dead_fractions,
    })
}
