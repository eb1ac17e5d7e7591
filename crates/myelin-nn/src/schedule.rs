//! Learning-rate schedules with `torch.optim.lr_scheduler` names and semantics:
//! [`StepLR`], [`ExponentialLR`], [`CosineAnnealingLR`], [`LinearLR`] (alias
//! [`LinearWarmup`]) and [`ReduceLROnPlateau`].
//!
//! As in PyTorch, creating a scheduler for an optimiser (`with_optimizer`) reads the
//! optimiser's learning rate as the base rate and immediately sets the optimiser to the
//! epoch-0 rate — for a [`LinearLR`] warm-up that is `start_factor · lr`, so the first
//! epoch already trains warmed-up. Each [`LrScheduler::step`] advances one epoch and
//! returns the learning rate for it, and [`LrScheduler::step_optimizer`] also writes it
//! into the optimiser, like calling `scheduler.step()` after each epoch in PyTorch:
//!
//! ```
//! use myelin_nn::optim::{Optimizer, Sgd, SgdConfig};
//! use myelin_nn::schedule::{LinearLR, LrScheduler};
//! use myelin_tensor::Tensor;
//!
//! let w = Tensor::<f32>::zeros(&[2]).requires_grad_(true);
//! let mut opt = Sgd::new(vec![w], SgdConfig::new(0.1))?;
//! let mut sched = LinearLR::with_optimizer(&mut opt, 0.5, 1.0, 2)?;
//! let mut seen = vec![];
//! for _epoch in 0..4 {
//!     seen.push(opt.lr());
//!     // ... train one epoch with `opt` ...
//!     sched.step_optimizer(&mut opt);
//! }
//! for (got, want) in seen.iter().zip([0.05, 0.075, 0.1, 0.1]) {
//!     assert!((got - want).abs() < 1e-15, "{seen:?}");
//! }
//! # Ok::<(), myelin_nn::NnError>(())
//! ```
//!
//! `new(base_lr, …)` builds the same schedule without touching an optimiser (to query
//! [`LrScheduler::lr_at`]); to drive an optimiser with it, call
//! [`LrScheduler::attach`] (or use [`crate::train::fit_scheduled`], which does) before
//! the first epoch, or epoch 0 runs at the optimiser's unscheduled rate.
//!
//! The epoch-indexed schedules are evaluated in PyTorch's closed form
//! ([`LrScheduler::lr_at`]) from the base learning rate, so they can also be queried
//! for any epoch without stepping. Deviation from PyTorch: PyTorch's `step()` uses a
//! "chainable" recursive form that multiplies the optimiser's *current* learning rate;
//! it agrees with the closed form (to rounding, about 1e-16 relative; checked against
//! torch's sequences in `tests/schedule_reference.rs`) unless something else changes
//! the learning rate between steps, in which case PyTorch compounds the change and
//! Myelin overrides it.

use crate::error::{NnError, Result};
use crate::optim::Optimizer;
use myelin_tensor::Element;

mod state;
pub use state::{SchedulerState, SchedulerStateDict};

/// An epoch-indexed learning-rate schedule.
pub trait LrScheduler {
    /// The learning rate at `epoch` (closed form; epoch 0 is the base rate's epoch).
    fn lr_at(&self, epoch: usize) -> f64;

    /// The current epoch: 0 after construction, +1 per [`step`](LrScheduler::step)
    /// (PyTorch's `last_epoch`).
    fn last_epoch(&self) -> usize;

    /// Sets the current epoch (used by [`step`](LrScheduler::step)).
    fn set_last_epoch(&mut self, epoch: usize);

    /// The learning rate of the current epoch (PyTorch's `get_last_lr()[0]`).
    fn lr(&self) -> f64 {
        self.lr_at(self.last_epoch())
    }

    /// Advances one epoch and returns its learning rate.
    fn step(&mut self) -> f64 {
        let next = self.last_epoch().saturating_add(1);
        self.set_last_epoch(next);
        self.lr_at(next)
    }

    /// Sets the optimiser's learning rate to the current epoch's rate (what PyTorch's
    /// scheduler constructor does at epoch 0).
    fn attach<T: Element>(&self, optimizer: &mut dyn Optimizer<T>)
    where
        Self: Sized,
    {
        optimizer.set_lr(self.lr());
    }

    /// Advances one epoch and sets the optimiser's learning rate to the new value,
    /// which it returns. (For a `dyn LrScheduler`, write `opt.set_lr(sched.step())`.)
    fn step_optimizer<T: Element>(&mut self, optimizer: &mut dyn Optimizer<T>) -> f64
    where
        Self: Sized,
    {
        let lr = self.step();
        optimizer.set_lr(lr);
        lr
    }
}

fn check_lr(name: &str, what: &str, lr: f64) -> Result<()> {
    if lr.is_finite() && lr >= 0.0 {
        Ok(())
    } else {
        Err(NnError::InvalidArgument(format!(
            "{name}: {what} must be finite and >= 0, got {lr}"
        )))
    }
}

macro_rules! epoch_accessors {
    () => {
        fn last_epoch(&self) -> usize {
            self.last_epoch
        }
        fn set_last_epoch(&mut self, epoch: usize) {
            self.last_epoch = epoch;
        }
    };
}

/// Multiplies the learning rate by `gamma` every `step_size` epochs:
/// `lr(e) = base_lr · gamma^⌊e / step_size⌋` (`torch.optim.lr_scheduler.StepLR`).
///
/// ```
/// use myelin_nn::schedule::{LrScheduler, StepLR};
/// let s = StepLR::new(1.0, 3, 0.1)?;
/// assert_eq!(s.lr_at(2), 1.0);
/// assert!((s.lr_at(3) - 0.1).abs() < 1e-15);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct StepLR {
    base_lr: f64,
    step_size: usize,
    gamma: f64,
    last_epoch: usize,
}

impl StepLR {
    /// A schedule starting at `base_lr`. Errors if `step_size` is 0 or `base_lr` or
    /// `gamma` is negative or non-finite.
    pub fn new(base_lr: f64, step_size: usize, gamma: f64) -> Result<Self> {
        check_lr("StepLR", "base_lr", base_lr)?;
        check_lr("StepLR", "gamma", gamma)?;
        if step_size == 0 {
            return Err(NnError::InvalidArgument(
                "StepLR: step_size must be at least 1".into(),
            ));
        }
        Ok(StepLR {
            base_lr,
            step_size,
            gamma,
            last_epoch: 0,
        })
    }
}

impl StepLR {
    /// PyTorch's constructor: the schedule for `optimizer`, whose current learning rate
    /// becomes the base rate; sets the optimiser to the epoch-0 rate at once.
    ///
    /// # Errors
    /// As for [`StepLR::new`].
    pub fn with_optimizer<T: Element>(
        optimizer: &mut dyn Optimizer<T>,
        step_size: usize,
        gamma: f64,
    ) -> Result<Self> {
        let schedule = StepLR::new(optimizer.lr(), step_size, gamma)?;
        schedule.attach(optimizer);
        Ok(schedule)
    }
}

impl LrScheduler for StepLR {
    fn lr_at(&self, epoch: usize) -> f64 {
        self.base_lr * powu(self.gamma, epoch / self.step_size)
    }
    epoch_accessors!();
}

/// Multiplies the learning rate by `gamma` every epoch: `lr(e) = base_lr · gamma^e`
/// (`torch.optim.lr_scheduler.ExponentialLR`).
///
/// ```
/// use myelin_nn::schedule::{ExponentialLR, LrScheduler};
/// let s = ExponentialLR::new(2.0, 0.5)?;
/// assert_eq!(s.lr_at(3), 0.25);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentialLR {
    base_lr: f64,
    gamma: f64,
    last_epoch: usize,
}

impl ExponentialLR {
    /// A schedule starting at `base_lr`. Errors if `base_lr` or `gamma` is negative or
    /// non-finite.
    pub fn new(base_lr: f64, gamma: f64) -> Result<Self> {
        check_lr("ExponentialLR", "base_lr", base_lr)?;
        check_lr("ExponentialLR", "gamma", gamma)?;
        Ok(ExponentialLR {
            base_lr,
            gamma,
            last_epoch: 0,
        })
    }
}

impl ExponentialLR {
    /// PyTorch's constructor: the schedule for `optimizer`, whose current learning rate
    /// becomes the base rate; sets the optimiser to the epoch-0 rate at once.
    ///
    /// # Errors
    /// As for [`ExponentialLR::new`].
    pub fn with_optimizer<T: Element>(
        optimizer: &mut dyn Optimizer<T>,
        gamma: f64,
    ) -> Result<Self> {
        let schedule = ExponentialLR::new(optimizer.lr(), gamma)?;
        schedule.attach(optimizer);
        Ok(schedule)
    }
}

impl LrScheduler for ExponentialLR {
    fn lr_at(&self, epoch: usize) -> f64 {
        self.base_lr * powu(self.gamma, epoch)
    }
    epoch_accessors!();
}

/// Cosine annealing from `base_lr` down to `eta_min` over `t_max` epochs, in PyTorch's
/// closed form `lr(e) = η_min + (base_lr − η_min) · (1 + cos(π e / T_max)) / 2`
/// (`torch.optim.lr_scheduler.CosineAnnealingLR`, without restarts). After `t_max`
/// epochs the rate rises again along the same cosine, as in PyTorch.
///
/// ```
/// use myelin_nn::schedule::{CosineAnnealingLR, LrScheduler};
/// let s = CosineAnnealingLR::new(1.0, 10, 0.0)?;
/// assert!((s.lr_at(5) - 0.5).abs() < 1e-15);
/// assert!(s.lr_at(10).abs() < 1e-15);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CosineAnnealingLR {
    base_lr: f64,
    t_max: usize,
    eta_min: f64,
    last_epoch: usize,
}

impl CosineAnnealingLR {
    /// A schedule starting at `base_lr`. Errors if `t_max` is 0 or `base_lr` or
    /// `eta_min` is negative or non-finite.
    pub fn new(base_lr: f64, t_max: usize, eta_min: f64) -> Result<Self> {
        check_lr("CosineAnnealingLR", "base_lr", base_lr)?;
        check_lr("CosineAnnealingLR", "eta_min", eta_min)?;
        if t_max == 0 {
            return Err(NnError::InvalidArgument(
                "CosineAnnealingLR: T_max must be at least 1".into(),
            ));
        }
        Ok(CosineAnnealingLR {
            base_lr,
            t_max,
            eta_min,
            last_epoch: 0,
        })
    }
}

impl CosineAnnealingLR {
    /// PyTorch's constructor: the schedule for `optimizer`, whose current learning rate
    /// becomes the base rate; sets the optimiser to the epoch-0 rate at once.
    ///
    /// # Errors
    /// As for [`CosineAnnealingLR::new`].
    pub fn with_optimizer<T: Element>(
        optimizer: &mut dyn Optimizer<T>,
        t_max: usize,
        eta_min: f64,
    ) -> Result<Self> {
        let schedule = CosineAnnealingLR::new(optimizer.lr(), t_max, eta_min)?;
        schedule.attach(optimizer);
        Ok(schedule)
    }
}

impl LrScheduler for CosineAnnealingLR {
    fn lr_at(&self, epoch: usize) -> f64 {
        // Reduce modulo the period 2·T_max first, so huge epochs keep full precision.
        let period = 2 * (self.t_max as u128);
        let e = (epoch as u128 % period) as f64;
        self.eta_min
            + (self.base_lr - self.eta_min)
                * (1.0 + (std::f64::consts::PI * e / self.t_max as f64).cos())
                / 2.0
    }
    epoch_accessors!();
}

/// Linear change of the learning-rate factor from `start_factor` to `end_factor` over
/// `total_iters` epochs, constant afterwards:
/// `lr(e) = base_lr · (s + (f − s) · min(e, total_iters) / total_iters)`
/// (`torch.optim.lr_scheduler.LinearLR`; with the default `end_factor = 1` this is a
/// linear warm-up, hence the alias [`LinearWarmup`]).
///
/// ```
/// use myelin_nn::schedule::{LinearWarmup, LrScheduler};
/// let s = LinearWarmup::warmup(0.1, 0.25, 3)?; // 0.025 → 0.1 over 3 epochs
/// let lrs: Vec<f64> = (0..5).map(|e| s.lr_at(e)).collect();
/// assert!((lrs[0] - 0.025).abs() < 1e-15 && (lrs[1] - 0.05).abs() < 1e-15);
/// assert!((lrs[3] - 0.1).abs() < 1e-15 && (lrs[4] - 0.1).abs() < 1e-15);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LinearLR {
    base_lr: f64,
    start_factor: f64,
    end_factor: f64,
    total_iters: usize,
    last_epoch: usize,
}

/// [`LinearLR`] under the name used for its common purpose, learning-rate warm-up.
pub type LinearWarmup = LinearLR;

impl LinearLR {
    /// PyTorch's `LinearLR(start_factor, end_factor, total_iters)` (PyTorch defaults
    /// are `1/3`, `1.0` and `5`). Errors unless `0 < start_factor ≤ 1`,
    /// `0 ≤ end_factor ≤ 1` and `total_iters ≥ 1`, or if `base_lr` is negative or
    /// non-finite.
    pub fn new(
        base_lr: f64,
        start_factor: f64,
        end_factor: f64,
        total_iters: usize,
    ) -> Result<Self> {
        check_lr("LinearLR", "base_lr", base_lr)?;
        if !(start_factor > 0.0 && start_factor <= 1.0) {
            return Err(NnError::InvalidArgument(format!(
                "LinearLR: start_factor must be > 0 and <= 1, got {start_factor}"
            )));
        }
        if !(0.0..=1.0).contains(&end_factor) {
            return Err(NnError::InvalidArgument(format!(
                "LinearLR: end_factor must be between 0 and 1, got {end_factor}"
            )));
        }
        if total_iters == 0 {
            return Err(NnError::InvalidArgument(
                "LinearLR: total_iters must be at least 1".into(),
            ));
        }
        Ok(LinearLR {
            base_lr,
            start_factor,
            end_factor,
            total_iters,
            last_epoch: 0,
        })
    }

    /// A warm-up from `base_lr · start_factor` to `base_lr` over `warmup_epochs`
    /// (`end_factor = 1`).
    pub fn warmup(base_lr: f64, start_factor: f64, warmup_epochs: usize) -> Result<Self> {
        LinearLR::new(base_lr, start_factor, 1.0, warmup_epochs)
    }
}

impl LinearLR {
    /// PyTorch's constructor: the schedule for `optimizer`, whose current learning rate
    /// becomes the base rate; sets the optimiser to the epoch-0 rate at once.
    ///
    /// # Errors
    /// As for [`LinearLR::new`].
    pub fn with_optimizer<T: Element>(
        optimizer: &mut dyn Optimizer<T>,
        start_factor: f64,
        end_factor: f64,
        total_iters: usize,
    ) -> Result<Self> {
        let schedule = LinearLR::new(optimizer.lr(), start_factor, end_factor, total_iters)?;
        schedule.attach(optimizer);
        Ok(schedule)
    }
}

impl LrScheduler for LinearLR {
    fn lr_at(&self, epoch: usize) -> f64 {
        let e = epoch.min(self.total_iters) as f64;
        self.base_lr
            * (self.start_factor
                + (self.end_factor - self.start_factor) * e / self.total_iters as f64)
    }
    epoch_accessors!();
}

/// `x^n` for a non-negative integer power of any size.
fn powu(x: f64, n: usize) -> f64 {
    match i32::try_from(n) {
        Ok(n) => x.powi(n),
        Err(_) => x.powf(n as f64),
    }
}

/// Whether [`ReduceLROnPlateau`] watches a metric that should go down or up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PlateauMode {
    /// Lower is better (a loss). PyTorch's `mode="min"` (the default).
    #[default]
    Min,
    /// Higher is better (an accuracy). PyTorch's `mode="max"`.
    Max,
}

/// How [`ReduceLROnPlateau`] decides that a metric improved on the best so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ThresholdMode {
    /// Relative: better than `best · (1 ∓ threshold)`. PyTorch's `"rel"` (default).
    #[default]
    Rel,
    /// Absolute: better than `best ∓ threshold`. PyTorch's `"abs"`.
    Abs,
}

/// Settings of [`ReduceLROnPlateau`], with PyTorch's names and defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct PlateauConfig {
    /// Minimise or maximise the metric (default [`PlateauMode::Min`]).
    pub mode: PlateauMode,
    /// Factor the learning rate is multiplied by on a plateau (default 0.1, must be
    /// in `[0, 1)`).
    pub factor: f64,
    /// Number of epochs without improvement tolerated before reducing (default 10).
    pub patience: usize,
    /// Minimum change that counts as improvement (default 1e-4).
    pub threshold: f64,
    /// Relative or absolute threshold (default [`ThresholdMode::Rel`]).
    pub threshold_mode: ThresholdMode,
    /// Epochs to wait after a reduction before counting bad epochs again (default 0).
    pub cooldown: usize,
    /// Lower bound of the learning rate (default 0).
    pub min_lr: f64,
    /// Reductions smaller than this are skipped (default 1e-8).
    pub eps: f64,
}

impl Default for PlateauConfig {
    fn default() -> Self {
        PlateauConfig {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
        }
    }
}

/// Reduces the learning rate when a metric stops improving
/// (`torch.optim.lr_scheduler.ReduceLROnPlateau`).
///
/// Each [`step`](ReduceLROnPlateau::step) takes the epoch's metric. It counts the
/// epochs since the best value (an improvement must beat the best by the threshold);
/// when that count exceeds `patience`, the rate becomes `max(lr · factor, min_lr)`
/// (skipped if that changes it by no more than `eps`), the count restarts, and for
/// `cooldown` epochs bad epochs are not counted. A NaN metric is never an improvement.
///
/// ```
/// use myelin_nn::schedule::{PlateauConfig, ReduceLROnPlateau};
/// let mut s = ReduceLROnPlateau::new(1.0, PlateauConfig { patience: 1, factor: 0.5, ..Default::default() })?;
/// let lrs: Vec<f64> = [3.0, 2.0, 2.0, 2.0, 2.0].iter().map(|&loss| s.step(loss)).collect();
/// assert_eq!(lrs, vec![1.0, 1.0, 1.0, 0.5, 0.5]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ReduceLROnPlateau {
    config: PlateauConfig,
    lr: f64,
    best: f64,
    num_bad_epochs: usize,
    cooldown_counter: usize,
    last_epoch: usize,
}

impl ReduceLROnPlateau {
    /// PyTorch's constructor: a scheduler for `optimizer`, starting from its current
    /// learning rate (which it leaves unchanged, as PyTorch does).
    ///
    /// # Errors
    /// As for [`ReduceLROnPlateau::new`].
    pub fn with_optimizer<T: Element>(
        optimizer: &dyn Optimizer<T>,
        config: PlateauConfig,
    ) -> Result<Self> {
        ReduceLROnPlateau::new(optimizer.lr(), config)
    }

    /// A scheduler for an optimiser whose learning rate is now `lr`.
    ///
    /// Errors if `factor` is outside `[0, 1)`, or `lr`, `threshold`, `min_lr` or `eps`
    /// is negative or non-finite.
    pub fn new(lr: f64, config: PlateauConfig) -> Result<Self> {
        let name = "ReduceLROnPlateau";
        check_lr(name, "lr", lr)?;
        check_lr(name, "threshold", config.threshold)?;
        check_lr(name, "min_lr", config.min_lr)?;
        check_lr(name, "eps", config.eps)?;
        if !(0.0..1.0).contains(&config.factor) {
            return Err(NnError::InvalidArgument(format!(
                "{name}: factor must be >= 0 and < 1.0, got {}",
                config.factor
            )));
        }
        let best = match config.mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        };
        Ok(ReduceLROnPlateau {
            config,
            lr,
            best,
            num_bad_epochs: 0,
            cooldown_counter: 0,
            last_epoch: 0,
        })
    }

    /// Records one epoch's `metric` and returns the learning rate to use next.
    pub fn step(&mut self, metric: f64) -> f64 {
        self.last_epoch = self.last_epoch.saturating_add(1);
        if self.is_better(metric) {
            self.best = metric;
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.config.patience {
            let new_lr = (self.lr * self.config.factor).max(self.config.min_lr);
            if self.lr - new_lr > self.config.eps {
                self.lr = new_lr;
            }
            self.cooldown_counter = self.config.cooldown;
            self.num_bad_epochs = 0;
        }
        self.lr
    }

    /// Like [`step`](ReduceLROnPlateau::step), but starts from the optimiser's current
    /// learning rate (as PyTorch reads it from the optimiser) and writes the result
    /// back into it.
    pub fn step_optimizer<T: Element>(
        &mut self,
        metric: f64,
        optimizer: &mut dyn Optimizer<T>,
    ) -> f64 {
        self.lr = optimizer.lr();
        let lr = self.step(metric);
        optimizer.set_lr(lr);
        lr
    }

    /// The current learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The best metric seen so far (±∞ before the first step).
    pub fn best(&self) -> f64 {
        self.best
    }

    /// Consecutive epochs without improvement, as counted now.
    pub fn num_bad_epochs(&self) -> usize {
        self.num_bad_epochs
    }

    /// Epochs stepped so far.
    pub fn last_epoch(&self) -> usize {
        self.last_epoch
    }

    /// The settings.
    pub fn config(&self) -> &PlateauConfig {
        &self.config
    }

    fn is_better(&self, a: f64) -> bool {
        let (best, t) = (self.best, self.config.threshold);
        match (self.config.mode, self.config.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - t),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - t,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (t + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + t,
        }
    }
}
