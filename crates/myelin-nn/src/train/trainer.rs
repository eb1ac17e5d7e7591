//! [`Trainer`]: a general training loop over any [`TensorDataset`] with any loss (a
//! closure), metrics, a learning-rate schedule, epoch-end callbacks (early stopping,
//! logging) and a progress bar drawn only on a terminal.
//!
//! ```
//! use myelin_nn::data::TensorDataset;
//! use myelin_nn::layers::mlp;
//! use myelin_nn::loss::{mse_loss, Reduction};
//! use myelin_nn::optim::{Adam, AdamConfig};
//! use myelin_nn::train::{Control, EarlyStopping, Trainer};
//! use myelin_nn::Module;
//! use myelin_tensor::Tensor;
//!
//! // y = 2x - 1 on [-1, 1]
//! let x = Tensor::<f32>::linspace(-1.0, 1.0, 64).reshape(&[64, 1]);
//! let y = &x * 2.0 - 1.0;
//! let data = TensorDataset::new(x, y)?;
//! let mut model = mlp::<f32>(&[1, 16, 1], "tanh".parse()?, "xavier_uniform".parse()?, 0)?;
//! let mut opt = Adam::new(model.parameters(), AdamConfig::new(0.02))?;
//! let logs = Trainer::new(200, 16)?
//!     .shuffle(1)
//!     .loss(|pred, target| mse_loss(pred, target, Reduction::Mean))
//!     .metric("mae", |pred: &Tensor<f32>, target: &Tensor<f32>| {
//!         Ok(f64::from((pred - target).abs().mean().item()?))
//!     })
//!     .callback(EarlyStopping::new("val_loss", 10, 0.0))
//!     .callback(|log: &myelin_nn::train::EpochLog| {
//!         if log.epoch % 50 == 0 { println!("{log}"); }
//!         Control::Continue
//!     })
//!     .fit(&mut model, &mut opt, &data, Some(&data))?;
//! assert!(logs.last().unwrap().val_loss.unwrap() < 1e-3);
//! # Ok::<(), myelin_nn::NnError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use myelin_tensor::{no_grad, Element, Tensor};

use super::fit::progress_bar;
use crate::data::{MiniBatches, TensorDataset};
use crate::error::{NnError, Result};
use crate::module::Module;
use crate::optim::Optimizer;
use crate::schedule::LrScheduler;

type LossFn<'a, T> = Box<dyn Fn(&Tensor<T>, &Tensor<T>) -> Result<Tensor<T>> + 'a>;
type MetricFn<'a, T> = Box<dyn Fn(&Tensor<T>, &Tensor<T>) -> Result<f64> + 'a>;

/// What a callback tells the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop after this epoch.
    Stop,
}

/// One epoch's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochLog {
    /// The epoch index (counting from the trainer's start epoch).
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (weighted by batch size).
    pub train_loss: f64,
    /// Loss on the validation set, when one was given.
    pub val_loss: Option<f64>,
    /// Metrics by name, on the validation set when given, else on the training set.
    pub metrics: BTreeMap<String, f64>,
    /// The learning rate used during the epoch.
    pub lr: f64,
}

impl EpochLog {
    /// A value by name: `"train_loss"`, `"val_loss"` or a metric's name.
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "train_loss" => Some(self.train_loss),
            "val_loss" => self.val_loss,
            _ => self.metrics.get(name).copied(),
        }
    }
}

impl fmt::Display for EpochLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "epoch {:>4}  train_loss {:.6}",
            self.epoch, self.train_loss
        )?;
        if let Some(v) = self.val_loss {
            write!(f, "  val_loss {v:.6}")?;
        }
        for (k, v) in &self.metrics {
            write!(f, "  {k} {v:.6}")?;
        }
        write!(f, "  lr {:.3e}", self.lr)
    }
}

/// Runs at the end of every epoch; any `FnMut(&EpochLog) -> Control` is one.
pub trait Callback {
    /// Sees the epoch's log; [`Control::Stop`] ends training after it.
    fn on_epoch_end(&mut self, log: &EpochLog) -> Control;
}

impl<F: FnMut(&EpochLog) -> Control> Callback for F {
    fn on_epoch_end(&mut self, log: &EpochLog) -> Control {
        self(log)
    }
}

/// Stops when `monitor` (`"val_loss"`, `"train_loss"` or a metric, lower is better)
/// has not improved by more than `min_delta` for `patience` epochs (Keras'
/// `EarlyStopping`).
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    monitor: String,
    patience: usize,
    min_delta: f64,
    best: f64,
    bad_epochs: usize,
    best_epoch: Option<usize>,
}

impl EarlyStopping {
    /// Watches `monitor`.
    pub fn new(monitor: &str, patience: usize, min_delta: f64) -> Self {
        EarlyStopping {
            monitor: monitor.into(),
            patience,
            min_delta,
            best: f64::INFINITY,
            bad_epochs: 0,
            best_epoch: None,
        }
    }

    /// The epoch with the best value so far.
    pub fn best_epoch(&self) -> Option<usize> {
        self.best_epoch
    }
}

impl Callback for EarlyStopping {
    fn on_epoch_end(&mut self, log: &EpochLog) -> Control {
        let Some(value) = log.get(&self.monitor) else {
            return Control::Continue;
        };
        if value < self.best - self.min_delta {
            self.best = value;
            self.bad_epochs = 0;
            self.best_epoch = Some(log.epoch);
            Control::Continue
        } else {
            self.bad_epochs += 1;
            if self.bad_epochs >= self.patience {
                Control::Stop
            } else {
                Control::Continue
            }
        }
    }
}

/// A training loop (see the [module docs](self)). Each step is PyTorch's
/// `zero_grad(); loss.backward(); step()`; the model is in training mode for the
/// epoch and in evaluation mode (under `no_grad`) for validation, and is left in
/// training mode.
pub struct Trainer<'a, T: Element> {
    epochs: usize,
    start_epoch: usize,
    batches: MiniBatches,
    loss: Option<LossFn<'a, T>>,
    metrics: Vec<(String, MetricFn<'a, T>)>,
    callbacks: Vec<Box<dyn Callback + 'a>>,
    scheduler: Option<&'a mut dyn LrScheduler>,
    progress: bool,
}

impl<'a, T: Element> Trainer<'a, T> {
    /// `epochs` epochs of batches of `batch_size`, in data order, no loss yet.
    pub fn new(epochs: usize, batch_size: usize) -> Result<Self> {
        Ok(Trainer {
            epochs,
            start_epoch: 0,
            batches: MiniBatches::new(batch_size)?,
            loss: None,
            metrics: Vec::new(),
            callbacks: Vec::new(),
            scheduler: None,
            progress: true,
        })
    }

    /// Shuffles every epoch from `(seed, epoch)`.
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.batches = self.batches.shuffle(seed);
        self
    }

    /// Starts at epoch `epoch` (the epochs run are `epoch..epochs`): for resuming, so the
    /// shuffles continue the interrupted run's sequence.
    pub fn start_epoch(mut self, epoch: usize) -> Self {
        self.start_epoch = epoch;
        self
    }

    /// The loss `loss(prediction, target)`, a scalar tensor.
    pub fn loss(mut self, loss: impl Fn(&Tensor<T>, &Tensor<T>) -> Result<Tensor<T>> + 'a) -> Self {
        self.loss = Some(Box::new(loss));
        self
    }

    /// A metric `metric(prediction, target)` reported under `name`.
    pub fn metric(
        mut self,
        name: &str,
        metric: impl Fn(&Tensor<T>, &Tensor<T>) -> Result<f64> + 'a,
    ) -> Self {
        self.metrics.push((name.into(), Box::new(metric)));
        self
    }

    /// A callback run after each epoch.
    pub fn callback(mut self, callback: impl Callback + 'a) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }

    /// A schedule stepped after every epoch (`opt.set_lr(scheduler.step())`).
    pub fn scheduler(mut self, scheduler: &'a mut dyn LrScheduler) -> Self {
        self.scheduler = Some(scheduler);
        self
    }

    /// Whether to draw a progress bar (only ever on a terminal; default on).
    pub fn progress(mut self, show: bool) -> Self {
        self.progress = show;
        self
    }

    /// Trains `model` with `optimizer` on `train`, validating on `validation` after
    /// each epoch; returns one log per epoch run.
    ///
    /// # Errors
    /// No loss set, a non-scalar loss, or an error from the model, loss or optimiser.
    pub fn fit(
        mut self,
        model: &mut dyn Module<T>,
        optimizer: &mut dyn Optimizer<T>,
        train: &TensorDataset<T>,
        validation: Option<&TensorDataset<T>>,
    ) -> Result<Vec<EpochLog>> {
        let loss_fn = self.loss.take().ok_or_else(|| {
            NnError::InvalidArgument("Trainer::fit: no loss; call .loss(…) first".into())
        })?;
        let mut logs = Vec::new();
        let n_batches = self.batches.num_batches(train.len());
        for epoch in self.start_epoch..self.epochs {
            model.train(true);
            let bar = progress_bar(self.progress, n_batches);
            let lr = optimizer.lr();
            let (mut total, mut count) = (0.0, 0usize);
            for batch in train.batches(&self.batches, epoch as u64) {
                let (x, y) = batch?;
                optimizer.zero_grad();
                let loss = loss_fn(&model.forward(&x)?, &y)?;
                let value = loss.item().map_err(|_| {
                    NnError::InvalidArgument(format!(
                        "Trainer::fit: the loss must be a scalar, got shape {:?}",
                        loss.shape()
                    ))
                })?;
                loss.backward()?;
                optimizer.step()?;
                total += value.to_f64() * x.shape()[0] as f64;
                count += x.shape()[0];
                if let Some(bar) = &bar {
                    bar.inc(1);
                    bar.set_message(format!("epoch {epoch} loss {:.4}", total / count as f64));
                }
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let (val_loss, metrics) =
                self.evaluate(model, &loss_fn, validation.unwrap_or(train))?;
            model.train(true);
            let log = EpochLog {
                epoch,
                train_loss: if count > 0 {
                    total / count as f64
                } else {
                    f64::NAN
                },
                val_loss: validation.map(|_| val_loss),
                metrics,
                lr,
            };
            if let Some(s) = self.scheduler.as_deref_mut() {
                optimizer.set_lr(s.step());
            }
            // Every callback sees every epoch, even after one asked to stop.
            let mut stop = false;
            for callback in &mut self.callbacks {
                stop |= callback.on_epoch_end(&log) == Control::Stop;
            }
            logs.push(log);
            if stop {
                break;
            }
        }
        Ok(logs)
    }

    /// Loss and metrics of the whole `data` in evaluation mode, without a graph.
    fn evaluate(
        &self,
        model: &mut dyn Module<T>,
        loss_fn: &LossFn<'a, T>,
        data: &TensorDataset<T>,
    ) -> Result<(f64, BTreeMap<String, f64>)> {
        model.eval();
        let _guard = no_grad();
        let pred = model.forward(data.inputs())?;
        let loss = loss_fn(&pred, data.targets())?.item()?.to_f64();
        let metrics = self
            .metrics
            .iter()
            .map(|(name, m)| Ok((name.clone(), m(&pred, data.targets())?)))
            .collect::<Result<_>>()?;
        Ok((loss, metrics))
    }
}
