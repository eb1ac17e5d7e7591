//! Training deep networks while watching their gradients.
//!
//! Each run trains one [`Arch`] (by default the MLP `64 → width × depth → 10` on the
//! embedded digits data; residual MLPs and a CNN on digits; a recurrent net on the adding
//! problem) with SGD + momentum or AdamW, and records per epoch: training loss, validation
//! and test loss and accuracy, the per-layer gradient norm `‖∂L/∂H_l‖` of every watched
//! hidden tensor (root mean square over the epoch's steps, from hooks on the engine's
//! backward pass; per time step for the RNN), the global gradient norm, and the fraction of
//! dead units per layer on the validation set. A non-finite loss stops the run and is
//! recorded as divergence; with `patience`, the run also stops once validation has not
//! improved for that many epochs (early stopping; see [`super::tuning::best_epoch`]).

use std::sync::{Arc, Mutex};

use myelin_activations::Activation;
use myelin_nn::data::{digits, split, Dataset, MiniBatches, SplitConfig, Standardizer};
use myelin_nn::loss::{cross_entropy, mse_loss, Reduction};
use myelin_nn::optim::{AdamW, AdamWConfig, Sgd, SgdConfig};
use myelin_nn::train::{accuracy, batch_to_tensor, dataset_to_tensor};
use myelin_nn::{clip_grad_norm, Optimizer};
use myelin_tensor::{no_grad, Element, Tensor};
use serde::{Deserialize, Serialize};

use super::adding::{epoch_batches, tolerance_accuracy, AddingData};
use super::arch::{Arch, Input, Net, NetSpec};
use super::tuning::better_on_validation;
use crate::error::LabError;
use crate::init_spec::InitSpec;
use crate::probe::Precision;
use crate::stats::{dead_fraction, tensor_norm};

/// The optimiser of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// SGD with the run's momentum.
    Sgd,
    /// AdamW (β = 0.9, 0.999; the run's weight decay).
    #[serde(rename = "adamw")]
    AdamW,
}

impl OptimizerKind {
    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::AdamW => "adamw",
        }
    }
}

impl std::fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OptimizerKind::Sgd => "SGD + momentum",
            OptimizerKind::AdamW => "AdamW",
        })
    }
}

/// Why a training run is part of the study.
///
/// Serialised (JSON, CSV) and printed as the lower-case phrases of the report:
/// `recommended`, `bad init`, `high lr`, `high lr + clip`, `sweep`.
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
    /// One point of the tuned comparison's sweep (learning rate × seed).
    #[serde(rename = "sweep")]
    Sweep,
}

impl Role {
    /// The phrase used in files and the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Recommended => "recommended",
            Role::BadInit => "bad init",
            Role::HighLr => "high lr",
            Role::HighLrClip => "high lr + clip",
            Role::Sweep => "sweep",
        }
    }

    /// Whether the run is one of the fixed-lr contrasts (bad init, high lr, clipping).
    pub fn is_contrast(self) -> bool {
        matches!(self, Role::BadInit | Role::HighLr | Role::HighLrClip)
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
    /// Training samples used (0: all; for the RNN, the number of training sequences).
    pub max_train_samples: usize,
    /// The architecture.
    #[serde(default = "default_arch")]
    pub arch: Arch,
    /// The optimiser.
    #[serde(default = "default_optimizer")]
    pub optimizer: OptimizerKind,
    /// AdamW's decoupled weight decay (ignored by SGD).
    #[serde(default)]
    pub weight_decay: f64,
    /// Stop after this many epochs without a validation improvement (none: run all).
    #[serde(default)]
    pub patience: Option<usize>,
    /// Standard deviation of the biases at initialisation (σ_b; 0: zero biases).
    #[serde(default)]
    pub bias_std: f64,
}

fn default_arch() -> Arch {
    Arch::Mlp
}

fn default_optimizer() -> OptimizerKind {
    OptimizerKind::Sgd
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
    /// Validation accuracy (adding problem: the fraction within 0.04 of the target).
    #[serde(with = "crate::json_float::scalar")]
    pub val_accuracy: f64,
    /// Test loss.
    #[serde(with = "crate::json_float::scalar", default = "nan")]
    pub test_loss: f64,
    /// Test accuracy.
    #[serde(with = "crate::json_float::scalar", default = "nan")]
    pub test_accuracy: f64,
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

fn nan() -> f64 {
    f64::NAN
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
    /// For MLPs: how far the trained network is from an affine map on the validation set,
    /// `‖f((a+b)/2) − (f(a)+f(b))/2‖ / ‖f((a+b)/2)‖` over pairs of validation rows (0 up to
    /// rounding for an affine map); NaN for the other architectures.
    #[serde(with = "crate::json_float::scalar", default = "nan")]
    pub midpoint_residual: f64,
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
    /// Test part (only ever used to report the accuracy at the epoch and learning rate
    /// chosen on validation).
    pub test: Dataset,
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
        test: scaler.transformed(&parts.test)?,
    })
}

/// Sequences of the adding problem used when a run sets no `max_train_samples`.
pub const ADDING_TRAIN: usize = 1000;
/// Validation (and, separately, test) sequences of the adding problem.
pub const ADDING_EVAL: usize = 250;

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

/// One mini-batch: inputs and targets.
type Batch<T> = (Input<T>, Target<T>);

/// What a batch or a split is scored against.
enum Target<T: Element> {
    Labels(Vec<usize>),
    Values(Tensor<T>),
}

/// A whole evaluation split, fed at once.
struct Split<T: Element> {
    x: Input<T>,
    target: Target<T>,
}

fn loss_of<T: Element>(output: &Tensor<T>, target: &Target<T>) -> Result<Tensor<T>, LabError> {
    Ok(match target {
        Target::Labels(l) => cross_entropy(output, l, Reduction::Mean)?,
        Target::Values(y) => mse_loss(output, y, Reduction::Mean)?,
    })
}

fn accuracy_of<T: Element>(output: &Tensor<T>, target: &Target<T>) -> Result<f64, LabError> {
    Ok(match target {
        Target::Labels(l) => accuracy(output, l)?,
        Target::Values(y) => {
            let p: Vec<f64> = output.to_vec().into_iter().map(Element::to_f64).collect();
            let t: Vec<f64> = y.to_vec().into_iter().map(Element::to_f64).collect();
            tolerance_accuracy(&p, &t)
        }
    })
}

enum Optim<T: Element> {
    Sgd(Sgd<T>),
    AdamW(AdamW<T>),
}

impl<T: Element> Optim<T> {
    fn new(config: &TrainRunConfig, params: Vec<Tensor<T>>) -> Result<Self, LabError> {
        Ok(match config.optimizer {
            OptimizerKind::Sgd => Optim::Sgd(Sgd::new(
                params,
                SgdConfig::new(config.lr).momentum(config.momentum),
            )?),
            OptimizerKind::AdamW => Optim::AdamW(AdamW::new(
                params,
                AdamWConfig::new(config.lr).weight_decay(config.weight_decay),
            )?),
        })
    }
    fn step(&mut self) -> Result<(), LabError> {
        match self {
            Optim::Sgd(o) => o.step()?,
            Optim::AdamW(o) => o.step()?,
        }
        Ok(())
    }
    fn zero_grad(&mut self) {
        match self {
            Optim::Sgd(o) => o.zero_grad(),
            Optim::AdamW(o) => o.zero_grad(),
        }
    }
}

/// The run's data: mini-batches per epoch and the two evaluation splits.
struct TaskData<'a, T: Element> {
    digits_train: Option<Dataset>,
    batches: MiniBatches,
    adding: Option<AddingData>,
    validation: Split<T>,
    test: Split<T>,
    validation_rows: usize,
    classes: usize,
    inputs: usize,
    config: &'a TrainRunConfig,
}

impl<'a, T: Element> TaskData<'a, T> {
    fn new(config: &'a TrainRunConfig, data: &DigitsData) -> Result<Self, LabError> {
        let batches = MiniBatches::new(config.batch_size)?.shuffle(config.seed);
        if config.arch.is_recurrent() {
            let train = if config.max_train_samples > 0 {
                config.max_train_samples
            } else {
                ADDING_TRAIN
            };
            // The data depend on the sequence length and the split seed, not on the run's
            // seed: every seed and learning rate sees the same sequences.
            let adding = AddingData::generate(
                train,
                ADDING_EVAL,
                config.depth,
                0xadd0 + config.depth as u64,
            );
            let split = |set: &super::adding::AddingSet| {
                let rows: Vec<usize> = (0..set.len()).collect();
                let (x, y) = set.tensors::<T>(&rows);
                Split {
                    x: Input::Sequence(x),
                    target: Target::Values(y),
                }
            };
            return Ok(Self {
                digits_train: None,
                batches,
                validation: split(&adding.validation),
                test: split(&adding.test),
                validation_rows: adding.validation.len(),
                adding: Some(adding),
                classes: 1,
                inputs: 2,
                config,
            });
        }
        let train = if config.max_train_samples > 0 && config.max_train_samples < data.train.len() {
            let indices: Vec<usize> = (0..config.max_train_samples).collect();
            data.train.subset(&indices)?
        } else {
            data.train.clone()
        };
        let split = |d: &Dataset| -> Result<Split<T>, LabError> {
            Ok(Split {
                x: Input::Flat(dataset_to_tensor::<T>(d)?),
                target: Target::Labels(d.labels().to_vec()),
            })
        };
        Ok(Self {
            classes: train.n_classes().max(data.validation.n_classes()),
            inputs: train.n_features(),
            digits_train: Some(train),
            batches,
            adding: None,
            validation: split(&data.validation)?,
            test: split(&data.test)?,
            validation_rows: data.validation.len(),
            config,
        })
    }

    fn epoch(&self, epoch: usize) -> Result<Vec<Batch<T>>, LabError> {
        if let Some(train) = &self.digits_train {
            return self
                .batches
                .epoch(train, epoch as u64)
                .map(|b| {
                    Ok((
                        Input::Flat(batch_to_tensor::<T>(&b)?),
                        Target::Labels(b.labels.clone()),
                    ))
                })
                .collect();
        }
        let adding = self.adding.as_ref().expect("recurrent runs have sequences");
        Ok(epoch_batches(
            adding.train.len(),
            self.config.batch_size,
            self.config.seed,
            epoch as u64,
        )
        .into_iter()
        .map(|rows| {
            let (x, y) = adding.train.tensors::<T>(&rows);
            (Input::Sequence(x), Target::Values(y))
        })
        .collect())
    }
}

fn train_typed<T: Element>(
    config: &TrainRunConfig,
    data: &DigitsData,
    on_epoch: &(dyn Fn() + Sync),
) -> Result<TrainRunResult, LabError> {
    let start = std::time::Instant::now();
    let activation: Activation = config.activation.parse()?;
    let spec: InitSpec = config.init.parse()?;
    let init = crate::critical::resolve_init(
        &spec,
        &activation,
        config.bias_std * config.bias_std,
        config.width,
        config.width,
    )?;
    let task = TaskData::<T>::new(config, data)?;
    let model = Net::<T>::build(&NetSpec {
        arch: config.arch,
        activation: &activation,
        init: &init,
        depth: config.depth,
        width: config.width,
        inputs: task.inputs,
        outputs: task.classes,
        bias_std: config.bias_std,
        seed: config.seed,
    })?;
    let params = model.parameters();
    let mut optimizer = Optim::new(config, params.clone())?;

    let mut epochs = vec![evaluate_epoch(&model, &task, 0)?];
    epochs[0].train_loss = f64::NAN;
    let mut diverged_at = None;
    let mut best = epochs[0].clone();
    let mut since_best = 0usize;

    for epoch in 1..=config.epochs {
        let mut sums: Option<Arc<Mutex<Vec<f64>>>> = None;
        let mut loss_sum = 0.0;
        let mut total_sq = 0.0;
        let mut steps = 0usize;
        for (step, (x, target)) in task.epoch(epoch)?.into_iter().enumerate() {
            let forward = model.forward(&x)?;
            let store = sums
                .get_or_insert_with(|| Arc::new(Mutex::new(vec![0.0f64; forward.watched.len()])))
                .clone();
            for (layer, h) in forward.watched.iter().enumerate() {
                let store = Arc::clone(&store);
                h.register_hook(move |g| {
                    let n = tensor_norm(g);
                    store.lock().unwrap_or_else(|e| e.into_inner())[layer] += n * n;
                    None
                });
            }
            let loss = loss_of(&forward.output, &target)?;
            let value = Element::to_f64(loss.item()?);
            if !value.is_finite() {
                diverged_at = Some((epoch, step));
                break;
            }
            loss.backward()?;
            drop(forward);
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
        let mut record = evaluate_epoch(&model, &task, epoch)?;
        let n = steps.max(1) as f64;
        record.train_loss = if steps > 0 { loss_sum / n } else { f64::NAN };
        record.grad_norm_total = (total_sq / n).sqrt();
        record.layer_grad_norms = match &sums {
            Some(s) => {
                let guard = s.lock().unwrap_or_else(|e| e.into_inner());
                guard.iter().map(|s| (s / n).sqrt()).collect()
            }
            None => Vec::new(),
        };
        if diverged_at.is_some() {
            record.train_loss = f64::NAN;
            record.val_loss = f64::NAN;
            record.test_loss = f64::NAN;
        }
        if better_on_validation(&record, &best) {
            best = record.clone();
            since_best = 0;
        } else {
            since_best += 1;
        }
        epochs.push(record);
        on_epoch();
        let stop = diverged_at.is_some() || config.patience.is_some_and(|p| since_best >= p);
        if stop {
            for _ in epoch + 1..=config.epochs {
                on_epoch();
            }
            break;
        }
    }
    let midpoint_residual = match (&task.validation.x, config.arch) {
        (Input::Flat(x), Arch::Mlp) => midpoint_residual(&model, x)?,
        _ => f64::NAN,
    };
    Ok(TrainRunResult {
        config: config.clone(),
        epochs,
        diverged_at,
        midpoint_residual,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// `‖f((a+b)/2) − (f(a)+f(b))/2‖ / ‖f((a+b)/2)‖` with `a` the rows of `x` and `b` the
/// same rows shifted by one.
fn midpoint_residual<T: Element>(model: &Net<T>, x: &Tensor<T>) -> Result<f64, LabError> {
    let _guard = no_grad();
    let (rows, cols) = (x.shape()[0], x.shape()[1]);
    let a: Vec<f64> = x.to_vec().into_iter().map(Element::to_f64).collect();
    let shifted: Vec<f64> = (0..rows * cols)
        .map(|i| a[(i + cols) % (rows * cols)])
        .collect();
    let to =
        |v: Vec<f64>| Tensor::from_vec(v.into_iter().map(T::from_f64).collect(), &[rows, cols]);
    let mid: Vec<f64> = a.iter().zip(&shifted).map(|(p, q)| 0.5 * (p + q)).collect();
    let out = |v: Vec<f64>| -> Result<Vec<f64>, LabError> {
        let f = model.forward(&Input::Flat(to(v)?))?;
        Ok(f.output.to_vec().into_iter().map(Element::to_f64).collect())
    };
    let (fa, fb, fm) = (out(a.clone())?, out(shifted)?, out(mid)?);
    let num: f64 = fm
        .iter()
        .zip(fa.iter().zip(&fb))
        .map(|(m, (p, q))| (m - 0.5 * (p + q)).powi(2))
        .sum();
    let den: f64 = fm.iter().map(|m| m * m).sum();
    Ok((num / den).sqrt())
}

fn evaluate_epoch<T: Element>(
    model: &Net<T>,
    task: &TaskData<'_, T>,
    epoch: usize,
) -> Result<EpochRecord, LabError> {
    let _guard = no_grad();
    let forward = model.forward(&task.validation.x)?;
    let val_loss = Element::to_f64(loss_of(&forward.output, &task.validation.target)?.item()?);
    let val_accuracy = accuracy_of(&forward.output, &task.validation.target)?;
    let rows = task.validation_rows;
    let dead_fractions = forward
        .pre_activations
        .iter()
        .map(|h| {
            let cols = h.numel() / rows.max(1);
            h.with_contiguous_data(|d| dead_fraction(d, rows, cols))
        })
        .collect();
    drop(forward);
    let test = model.forward(&task.test.x)?;
    let test_loss = Element::to_f64(loss_of(&test.output, &task.test.target)?.item()?);
    let test_accuracy = accuracy_of(&test.output, &task.test.target)?;
    Ok(EpochRecord {
        epoch,
        train_loss: f64::NAN,
        val_loss,
        val_accuracy,
        test_loss,
        test_accuracy,
        grad_norm_total: f64::NAN,
        layer_grad_norms: Vec::new(),
        dead_fractions,
    })
}
