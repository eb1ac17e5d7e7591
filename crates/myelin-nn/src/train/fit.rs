//! The training loop and evaluation.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use myelin_tensor::{no_grad, Element};

use super::convert::{batch_to_tensor, correct, rows_to_tensor};
use super::history::{EpochStats, History};
use crate::data::{Dataset, MiniBatches};
use crate::error::{NnError, Result};
use crate::loss::{cross_entropy, cross_entropy_smoothed, Reduction};
use crate::module::Module;
use crate::optim::Optimizer;
use crate::schedule::LrScheduler;

/// Settings of [`fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct FitConfig {
    /// Passes over the training data.
    pub epochs: usize,
    /// Samples per mini-batch (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Seed of the per-epoch shuffle ([`MiniBatches::shuffle`]).
    pub seed: u64,
    /// Label smoothing of the cross-entropy loss (0 = none).
    pub label_smoothing: f64,
    /// Show a progress bar (only ever drawn when stderr is a terminal).
    pub progress: bool,
}

impl FitConfig {
    /// `epochs` epochs of batches of `batch_size`, seed 0, no label smoothing, progress
    /// bar on (when stderr is a terminal).
    pub fn new(epochs: usize, batch_size: usize) -> Self {
        FitConfig {
            epochs,
            batch_size,
            seed: 0,
            label_smoothing: 0.0,
            progress: true,
        }
    }

    /// The shuffle seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Label smoothing ε of the loss.
    pub fn label_smoothing(mut self, epsilon: f64) -> Self {
        self.label_smoothing = epsilon;
        self
    }

    /// Whether to show a progress bar on a terminal.
    pub fn progress(mut self, show: bool) -> Self {
        self.progress = show;
        self
    }
}

pub(super) fn progress_bar(show: bool, total: usize) -> Option<ProgressBar> {
    if !show || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} batches {msg}") {
        bar.set_style(style);
    }
    Some(bar)
}

/// Trains a classifier with mini-batch cross-entropy (on its `[N, C]` logits) and
/// `optimizer`, for `config.epochs` epochs over `train` shuffled with `config.seed`,
/// evaluating on `validation` (if any) after every epoch.
///
/// Each step is PyTorch's `zero_grad(); loss.backward(); step()`. The model is in
/// training mode during the epoch and in evaluation mode while validating; on return it
/// is back in the mode it started in. Non-finite losses are recorded, not treated as
/// errors (a diverging run is a result too).
///
/// # Errors
/// [`NnError::InvalidArgument`] for `epochs = 0`, `batch_size = 0` or empty training
/// data; any error of the model (e.g. a shape mismatch), the loss (a label ≥ the
/// number of logits) or the optimiser.
///
/// See the [module documentation](crate::train) for an example.
pub fn fit<T: Element>(
    model: &mut dyn Module<T>,
    optimizer: &mut dyn Optimizer<T>,
    train: &Dataset,
    validation: Option<&Dataset>,
    config: &FitConfig,
) -> Result<History> {
    fit_impl(model, optimizer, None, train, validation, config)
}

/// [`fit`] with an epoch-indexed learning-rate schedule, as PyTorch's loop
/// `for epoch: train(); scheduler.step()`: epoch `e` trains with `scheduler`'s rate for
/// epoch `e`. The scheduler's current rate is written into the optimiser before the
/// first epoch (PyTorch's scheduler constructor does this, so a [`LinearLR`] warm-up's
/// first epoch runs at `start_factor · lr`), and the scheduler steps after every epoch.
/// [`EpochStats::lr`](super::EpochStats::lr) records the rate of each epoch.
///
/// ```
/// use myelin_nn::data::Dataset;
/// use myelin_nn::layers::Linear;
/// use myelin_nn::optim::{Optimizer, Sgd, SgdConfig};
/// use myelin_nn::schedule::LinearLR;
/// use myelin_nn::train::{fit_scheduled, FitConfig};
/// use myelin_nn::Module;
/// let data = Dataset::new(vec![0.0, 1.0, 1.0, 0.0], vec![1, 0], 2, 2)?;
/// let mut model = Linear::<f64>::new(2, 2, true, 0)?;
/// let mut opt = Sgd::new(model.parameters(), SgdConfig::new(0.1))?;
/// let mut warmup = LinearLR::new(opt.lr(), 0.25, 1.0, 3)?;
/// let h = fit_scheduled(&mut model, &mut opt, &mut warmup, &data, None, &FitConfig::new(4, 2))?;
/// let lrs: Vec<f64> = h.epochs.iter().map(|e| e.lr).collect();
/// for (got, want) in lrs.iter().zip([0.025, 0.05, 0.075, 0.1]) {
///     assert!((got - want).abs() < 1e-15, "{lrs:?}");
/// }
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
///
/// [`LinearLR`]: crate::schedule::LinearLR
///
/// # Errors
/// As for [`fit`].
pub fn fit_scheduled<T: Element>(
    model: &mut dyn Module<T>,
    optimizer: &mut dyn Optimizer<T>,
    scheduler: &mut dyn LrScheduler,
    train: &Dataset,
    validation: Option<&Dataset>,
    config: &FitConfig,
) -> Result<History> {
    fit_impl(model, optimizer, Some(scheduler), train, validation, config)
}

fn fit_impl<T: Element>(
    model: &mut dyn Module<T>,
    optimizer: &mut dyn Optimizer<T>,
    mut scheduler: Option<&mut dyn LrScheduler>,
    train: &Dataset,
    validation: Option<&Dataset>,
    config: &FitConfig,
) -> Result<History> {
    if config.epochs == 0 || train.is_empty() {
        return Err(NnError::InvalidArgument(format!(
            "fit: need at least one epoch and a non-empty training set, got {} epochs and {} samples",
            config.epochs,
            train.len()
        )));
    }
    let batches = MiniBatches::new(config.batch_size)?.shuffle(config.seed);
    let was_training = model.is_training();
    let bar = progress_bar(
        config.progress,
        config.epochs * batches.num_batches(train.len()),
    );
    let mut history = History::default();
    if let Some(s) = scheduler.as_deref() {
        optimizer.set_lr(s.lr());
    }
    let result = (|| {
        for epoch in 0..config.epochs {
            let start = Instant::now();
            let lr = optimizer.lr();
            model.train(true);
            let (mut loss_sum, mut hits) = (0.0, 0usize);
            for batch in batches.epoch(train, epoch as u64) {
                let x = batch_to_tensor::<T>(&batch)?;
                let logits = model.forward(&x)?;
                let loss = cross_entropy_smoothed(
                    &logits,
                    &batch.labels,
                    config.label_smoothing,
                    Reduction::Mean,
                )?;
                optimizer.zero_grad();
                loss.backward()?;
                optimizer.step()?;
                loss_sum += Element::to_f64(loss.item()?) * batch.len() as f64;
                hits += correct(&logits, &batch.labels)?;
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
            }
            let n = train.len() as f64;
            let (val_loss, val_accuracy) = match validation {
                Some(v) => {
                    let (l, a) = evaluate(model, v)?;
                    (Some(l), Some(a))
                }
                None => (None, None),
            };
            let stats = EpochStats {
                epoch,
                train_loss: loss_sum / n,
                train_accuracy: hits as f64 / n,
                val_loss,
                val_accuracy,
                seconds: start.elapsed().as_secs_f64(),
                lr,
            };
            if let Some(bar) = &bar {
                bar.set_message(format!(
                    "epoch {} loss {:.4} acc {:.3}",
                    epoch + 1,
                    stats.train_loss,
                    stats.train_accuracy
                ));
            }
            history.epochs.push(stats);
            if let Some(s) = scheduler.as_deref_mut() {
                optimizer.set_lr(s.step());
            }
        }
        Ok(())
    })();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    model.train(was_training);
    result.map(|()| history)
}

/// Mean cross-entropy loss and accuracy of a classifier on `data`, computed in
/// evaluation mode without recording a graph (`no_grad`), in chunks of 1024 samples.
/// The model's mode is restored afterwards.
///
/// # Errors
/// [`NnError::InvalidArgument`] for an empty data set; errors of the model or the loss.
///
/// ```
/// use myelin_nn::{data::Dataset, layers::Linear, train::evaluate};
/// use myelin_tensor::Tensor;
/// // Logits = x itself: the first row predicts class 1, the second class 0.
/// let mut model = Linear::<f64>::from_tensors(Tensor::eye(2), None)?;
/// let data = Dataset::new(vec![0.0, 1.0, 1.0, 0.0], vec![1, 1], 2, 2)?;
/// let (loss, accuracy) = evaluate(&mut model, &data)?;
/// assert_eq!(accuracy, 0.5);
/// let expected = (1.0 + 1f64.exp()).ln() - 0.5; // mean of log(1+e) − 1 and log(1+e)
/// assert!((loss - expected).abs() < 1e-12);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn evaluate<T: Element>(model: &mut dyn Module<T>, data: &Dataset) -> Result<(f64, f64)> {
    const CHUNK: usize = 1024;
    if data.is_empty() {
        return Err(NnError::InvalidArgument(
            "evaluate: the data set is empty".into(),
        ));
    }
    let was_training = model.is_training();
    model.eval();
    let result = (|| {
        let _guard = no_grad();
        let d = data.n_features();
        let (mut loss_sum, mut hits) = (0.0, 0usize);
        for start in (0..data.len()).step_by(CHUNK) {
            let end = (start + CHUNK).min(data.len());
            let x = rows_to_tensor::<T>(&data.features()[start * d..end * d], end - start, d)?;
            let labels = &data.labels()[start..end];
            let logits = model.forward(&x)?;
            let batch_loss = cross_entropy(&logits, labels, Reduction::Sum)?.item()?;
            loss_sum += Element::to_f64(batch_loss);
            hits += correct(&logits, labels)?;
        }
        let n = data.len() as f64;
        Ok((loss_sum / n, hits as f64 / n))
    })();
    model.train(was_training);
    result
}
