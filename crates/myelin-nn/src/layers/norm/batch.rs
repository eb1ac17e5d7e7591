//! Batch normalisation: [`BatchNorm1d`], [`BatchNorm2d`] and [`BatchNorm3d`], one
//! implementation ([`BatchNorm`]) for every number of spatial dimensions.

use myelin_tensor::{Element, Tensor};

use super::{affine, affine_parameters, channel_shape};
use crate::error::{NnError, Result};
use crate::module::{parameter, Module};

/// The options of PyTorch's `_BatchNorm` constructors, with PyTorch's defaults
/// (`eps=1e-5, momentum=0.1, affine=True, track_running_stats=True`).
///
/// ```
/// use myelin_nn::layers::{BatchNorm2d, BatchNormOptions};
///
/// // nn.BatchNorm2d(8, momentum=None, affine=False)
/// let bn = BatchNorm2d::<f32>::with_options(
///     8,
///     BatchNormOptions { momentum: None, affine: false, ..Default::default() },
/// )?;
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchNormOptions {
    /// Added to the variance before the square root.
    pub eps: f64,
    /// Weight of the new batch statistic in the running averages; `None` keeps a
    /// cumulative (equal-weight) average over all batches seen, as in PyTorch.
    pub momentum: Option<f64>,
    /// Learnable per-channel `weight` (ones) and `bias` (zeros).
    pub affine: bool,
    /// Keep `running_mean`, `running_var` and `num_batches_tracked` buffers and use
    /// them in evaluation mode. Without them, evaluation uses batch statistics too.
    pub track_running_stats: bool,
}

impl Default for BatchNormOptions {
    fn default() -> Self {
        BatchNormOptions {
            eps: 1e-5,
            momentum: Some(0.1),
            affine: true,
            track_running_stats: true,
        }
    }
}

/// The running statistics of a batch norm that tracks them.
struct RunningStats<T: Element> {
    mean: Tensor<T>,
    var: Tensor<T>,
    /// A 0-d tensor; saved to safetensors as `I64`, like PyTorch's integer buffer (see
    /// [`crate::serialize`]).
    num_batches_tracked: Tensor<T>,
}

/// PyTorch's `nn.BatchNorm{D}d`: per-channel normalisation over the batch and the
/// spatial dimensions, with running statistics. Use it through the aliases
/// [`BatchNorm1d`] (`[N, C]` or `[N, C, L]` input), [`BatchNorm2d`] (`[N, C, H, W]`)
/// and [`BatchNorm3d`] (`[N, C, D, H, W]`).
///
/// * **Training** (and evaluation without running statistics): each channel is
///   normalised with the mean and the **biased** variance over every dimension except
///   the channel dimension 1: `y = (x − mean)/√(var + eps)·weight + bias`. With
///   `track_running_stats`, each training forward adds one to `num_batches_tracked` and
///   updates `r ← (1 − f)·r + f·stat`, with `f = momentum`, or `f = 1/num_batches_tracked`
///   when `momentum` is `None` (a cumulative average); `running_var` takes the
///   **unbiased** batch variance, as in PyTorch. One value per channel (for example a
///   `[1, C]` batch) is an error ("Expected more than 1 value per channel when
///   training"); an empty batch gives an empty output and leaves the running mean and
///   variance unchanged (the counter still advances), as in PyTorch.
/// * **Evaluation** with running statistics: normalised with `running_mean` and
///   `running_var`; the statistics do not change.
///
/// The batch statistics are built from differentiable tensor ops (mean, square, sqrt,
/// broadcasting), so gradients of any order flow through the batch statistics to the
/// input and to `weight` and `bias`.
///
/// `state_dict` names, as in PyTorch: parameters `weight` and `bias` (`[C]`, only when
/// `affine`), buffers `running_mean` (zeros), `running_var` (ones) and
/// `num_batches_tracked` (a 0-d counter; only when `track_running_stats`). Myelin
/// tensors hold only `f32`/`f64`, so the counter is a 0-d `T` tensor (exact up to 2^24
/// batches in `f32`); [`crate::serialize::save`] writes it as `I64` and loads `I64`
/// back, so checkpoints match PyTorch's byte for byte in dtype.
///
/// ```
/// use myelin_nn::{layers::BatchNorm2d, Module};
/// use myelin_tensor::Tensor;
///
/// let mut bn = BatchNorm2d::<f64>::new(2)?;
/// // Channel 0 holds 0, 1, 2, 3 and channel 1 holds 10, 10, 10, 10 (one sample, 2×2).
/// let x = Tensor::from_vec(vec![0.0, 1.0, 2.0, 3.0, 10.0, 10.0, 10.0, 10.0], &[1, 2, 2, 2])?;
/// let y = bn.forward(&x)?;
/// assert!((y.to_vec()[0] + 1.5 / (1.25f64 + 1e-5).sqrt()).abs() < 1e-12);
/// let names: Vec<String> = bn.state_dict().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
/// assert!((bn.named_buffers()[0].1.to_vec()[0] - 0.15).abs() < 1e-12); // 0.1 · 1.5
/// assert_eq!(bn.num_batches_tracked(), 1);
/// bn.eval();
/// assert_eq!(bn.forward(&Tensor::zeros(&[1, 2, 1, 1]))?.shape(), &[1, 2, 1, 1]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct BatchNorm<T: Element, const D: usize> {
    num_features: usize,
    options: BatchNormOptions,
    weight: Option<Tensor<T>>,
    bias: Option<Tensor<T>>,
    running: Option<RunningStats<T>>,
    training: bool,
}

/// PyTorch's `nn.BatchNorm1d`, for `[N, C]` or `[N, C, L]` input (see [`BatchNorm`]).
pub type BatchNorm1d<T> = BatchNorm<T, 1>;
/// PyTorch's `nn.BatchNorm2d`, for `[N, C, H, W]` input (see [`BatchNorm`]).
pub type BatchNorm2d<T> = BatchNorm<T, 2>;
/// PyTorch's `nn.BatchNorm3d`, for `[N, C, D, H, W]` input (see [`BatchNorm`]).
pub type BatchNorm3d<T> = BatchNorm<T, 3>;

impl<T: Element, const D: usize> BatchNorm<T, D> {
    /// Batch norm over `num_features` channels with PyTorch's defaults (eps 1e-5,
    /// momentum 0.1, affine, tracking running statistics).
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `num_features` is 0.
    pub fn new(num_features: usize) -> Result<Self> {
        Self::with_options(num_features, BatchNormOptions::default())
    }

    /// Batch norm with chosen [`BatchNormOptions`].
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `num_features` is 0, `eps` is negative or not
    /// finite, `momentum` is outside `[0, 1]`, or `D` is not 1, 2 or 3.
    pub fn with_options(num_features: usize, options: BatchNormOptions) -> Result<Self> {
        let momentum_ok = options.momentum.is_none_or(|m| (0.0..=1.0).contains(&m));
        let eps_ok = options.eps >= 0.0 && options.eps.is_finite();
        if num_features == 0 || !eps_ok || !momentum_ok || !(1..=3).contains(&D) {
            return Err(NnError::InvalidArgument(format!(
                "{}: need num_features >= 1, a finite eps >= 0 and momentum in [0, 1] or None, got num_features = {num_features}, eps = {}, momentum = {:?}",
                Self::name(),
                options.eps,
                options.momentum
            )));
        }
        let c = num_features;
        let (weight, bias) = if options.affine {
            (
                Some(parameter(vec![T::one(); c], &[c])?),
                Some(parameter(vec![T::zero(); c], &[c])?),
            )
        } else {
            (None, None)
        };
        let running = options.track_running_stats.then(|| RunningStats {
            mean: Tensor::zeros(&[c]),
            var: Tensor::ones(&[c]),
            num_batches_tracked: Tensor::zeros(&[]),
        });
        Ok(BatchNorm {
            num_features,
            options,
            weight,
            bias,
            running,
            training: true,
        })
    }

    /// The number of channels `C`.
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// The options the layer was built with.
    pub fn options(&self) -> BatchNormOptions {
        self.options
    }

    /// How many training batches have updated the running statistics (0 when the
    /// layer does not track them).
    pub fn num_batches_tracked(&self) -> usize {
        self.running.as_ref().map_or(0, |r| {
            r.num_batches_tracked
                .item()
                .map_or(0, |v| v.to_f64() as usize)
        })
    }

    /// `BatchNorm1d`, `BatchNorm2d` or `BatchNorm3d`.
    fn name() -> String {
        format!("BatchNorm{D}d")
    }

    /// The input layouts this layer accepts, for error messages.
    fn expected_layout(&self) -> String {
        let c = self.num_features;
        match D {
            1 => format!("[N, {c}] or [N, {c}, L]"),
            2 => format!("[N, {c}, H, W]"),
            _ => format!("[N, {c}, D, H, W]"),
        }
    }

    fn check_input(&self, x: &Tensor<T>) -> Result<()> {
        let rank_ok = x.ndim() == D + 2 || (D == 1 && x.ndim() == 2);
        if !rank_ok || x.shape()[1] != self.num_features {
            return Err(NnError::Shape {
                op: self.describe(),
                detail: format!(
                    "expected input {}, got {:?}",
                    self.expected_layout(),
                    x.shape()
                ),
            });
        }
        Ok(())
    }

    /// Folds one batch's (detached) mean and biased variance into the running
    /// statistics, with `count` values per channel.
    fn update_running(
        &self,
        running: &RunningStats<T>,
        mean: &Tensor<T>,
        biased_var: &Tensor<T>,
        count: usize,
    ) -> Result<()> {
        running
            .num_batches_tracked
            .update_data(|n| n[0] = n[0] + T::one())?;
        if count == 0 {
            return Ok(());
        }
        let factor = match self.options.momentum {
            Some(m) => m,
            None => 1.0 / running.num_batches_tracked.item()?.to_f64(),
        };
        let (f, keep) = (T::from_f64(factor), T::from_f64(1.0 - factor));
        let correction = T::from_f64(count as f64 / (count as f64 - 1.0));
        let mean = mean.to_vec();
        let var = biased_var.to_vec();
        running.mean.update_data(|r| {
            for (r, &v) in r.iter_mut().zip(&mean) {
                *r = keep * *r + f * v;
            }
        })?;
        running.var.update_data(|r| {
            for (r, &v) in r.iter_mut().zip(&var) {
                *r = keep * *r + f * v * correction;
            }
        })?;
        Ok(())
    }
}

impl<T: Element, const D: usize> Module<T> for BatchNorm<T, D> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        self.check_input(x)?;
        let stat_shape = channel_shape(self.num_features, x.ndim());
        let eps = self.options.eps;
        let normalized = match &self.running {
            Some(running) if !self.training => {
                let mean = running.mean.try_reshape(&stat_shape)?;
                let std = running.var.try_reshape(&stat_shape)?.add_scalar(eps).sqrt();
                x.try_sub(&mean)?.try_div(&std)?
            }
            running => {
                let count = x.numel() / self.num_features;
                if count == 1 {
                    return Err(NnError::Shape {
                        op: self.describe(),
                        detail: format!(
                            "Expected more than 1 value per channel when training, got input size {:?}",
                            x.shape()
                        ),
                    });
                }
                let dims: Vec<isize> = std::iter::once(0).chain(2..x.ndim() as isize).collect();
                let mean = x.try_mean_dims(&dims, true)?;
                let centered = x.try_sub(&mean)?;
                let var = centered.square().try_mean_dims(&dims, true)?;
                if let Some(running) = running {
                    self.update_running(running, &mean.detach(), &var.detach(), count)?;
                }
                centered.try_div(&var.add_scalar(eps).sqrt())?
            }
        };
        affine(
            normalized,
            self.weight.as_ref(),
            self.bias.as_ref(),
            &stat_shape,
        )
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        affine_parameters(self.weight.as_ref(), self.bias.as_ref())
    }

    fn named_buffers(&self) -> Vec<(String, Tensor<T>)> {
        self.running.as_ref().map_or_else(Vec::new, |r| {
            vec![
                ("running_mean".to_string(), r.mean.clone()),
                ("running_var".to_string(), r.var.clone()),
                (
                    "num_batches_tracked".to_string(),
                    r.num_batches_tracked.clone(),
                ),
            ]
        })
    }

    training_flag!();

    fn describe(&self) -> String {
        let momentum = self
            .options
            .momentum
            .map_or_else(|| "None".to_string(), |m| m.to_string());
        format!(
            "{}({}, eps={}, momentum={momentum}, affine={}, track_running_stats={})",
            Self::name(),
            self.num_features,
            self.options.eps,
            self.options.affine,
            self.options.track_running_stats
        )
    }
}
