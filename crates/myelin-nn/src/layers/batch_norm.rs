//! `BatchNorm1d`: per-feature normalisation over the batch, with running statistics.

use myelin_tensor::{Element, Tensor};

use crate::error::{NnError, Result};
use crate::module::{parameter, Module};

/// PyTorch's `nn.BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True,
/// track_running_stats=True)` for `[N, C]` input.
///
/// * Training: each feature is normalised with the batch mean and the **biased** batch
///   variance; the running statistics are updated as `r ← (1 − momentum)·r +
///   momentum·stat` with the **unbiased** batch variance for `running_var`, as PyTorch
///   does. A batch of one sample is an error ("Expected more than 1 value per channel
///   when training").
/// * Evaluation: normalised with `running_mean` / `running_var`.
///
/// Parameters `weight` (ones) and `bias` (zeros); buffers `running_mean` (zeros) and
/// `running_var` (ones). PyTorch's integer `num_batches_tracked` buffer is not exported
/// (it is only used when `momentum=None`, which this layer does not offer); read it with
/// [`BatchNorm1d::num_batches_tracked`]. Deviation: `[N, C, L]` input is not supported.
///
/// ```
/// use myelin_nn::{layers::BatchNorm1d, Module};
/// use myelin_tensor::Tensor;
///
/// let mut bn = BatchNorm1d::<f64>::new(1)?;
/// let x = Tensor::from_vec(vec![1.0, 3.0], &[2, 1])?;
/// let y = bn.forward(&x)?;
/// assert!((y.to_vec()[0] + 1.0).abs() < 1e-4); // (1 − 2)/√(1 + eps)
/// let buffers = bn.named_buffers();
/// assert_eq!(buffers[0].1.to_vec(), vec![0.2]); // 0.9·0 + 0.1·2
/// assert!((buffers[1].1.to_vec()[0] - 1.1).abs() < 1e-12); // 0.9·1 + 0.1·2 (unbiased)
/// bn.eval();
/// assert!(bn.forward(&Tensor::from_vec(vec![1.0], &[1, 1])?).is_ok());
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct BatchNorm1d<T: Element> {
    num_features: usize,
    eps: f64,
    momentum: f64,
    weight: Option<Tensor<T>>,
    bias: Option<Tensor<T>>,
    running_mean: Tensor<T>,
    running_var: Tensor<T>,
    num_batches_tracked: std::sync::atomic::AtomicUsize,
    training: bool,
}

impl<T: Element> BatchNorm1d<T> {
    /// Batch norm over `num_features` features, eps 1e-5, momentum 0.1, affine.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `num_features` is 0.
    pub fn new(num_features: usize) -> Result<Self> {
        Self::with_options(num_features, 1e-5, 0.1, true)
    }

    /// Batch norm with chosen `eps`, `momentum` and affine parameters or not.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `num_features` is 0, `eps` is negative or
    /// not finite, or `momentum` is outside `[0, 1]`.
    pub fn with_options(
        num_features: usize,
        eps: f64,
        momentum: f64,
        affine: bool,
    ) -> Result<Self> {
        if num_features == 0 || !(eps >= 0.0 && eps.is_finite()) || !(0.0..=1.0).contains(&momentum)
        {
            return Err(NnError::InvalidArgument(format!(
                "BatchNorm1d: need num_features >= 1, finite eps >= 0 and momentum in [0, 1], got {num_features}, eps = {eps}, momentum = {momentum}"
            )));
        }
        let c = num_features;
        let (weight, bias) = if affine {
            (
                Some(parameter(vec![T::one(); c], &[c])?),
                Some(parameter(vec![T::zero(); c], &[c])?),
            )
        } else {
            (None, None)
        };
        Ok(BatchNorm1d {
            num_features,
            eps,
            momentum,
            weight,
            bias,
            running_mean: Tensor::zeros(&[c]),
            running_var: Tensor::ones(&[c]),
            num_batches_tracked: std::sync::atomic::AtomicUsize::new(0),
            training: true,
        })
    }

    /// How many training batches have updated the running statistics.
    pub fn num_batches_tracked(&self) -> usize {
        self.num_batches_tracked
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn update_running(&self, mean: &Tensor<T>, biased_var: &Tensor<T>, n: usize) -> Result<()> {
        let m = T::from_f64(self.momentum);
        let keep = T::one() - m;
        let correction = T::from_f64(n as f64 / (n as f64 - 1.0));
        let mean = mean.to_vec();
        let var = biased_var.to_vec();
        self.running_mean.update_data(|r| {
            for (r, &v) in r.iter_mut().zip(&mean) {
                *r = keep * *r + m * v;
            }
        })?;
        self.running_var.update_data(|r| {
            for (r, &v) in r.iter_mut().zip(&var) {
                *r = keep * *r + m * v * correction;
            }
        })?;
        self.num_batches_tracked
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

impl<T: Element> Module<T> for BatchNorm1d<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        if x.ndim() != 2 || x.shape()[1] != self.num_features {
            return Err(NnError::Shape {
                op: self.describe(),
                detail: format!(
                    "expected input [N, {}], got {:?}",
                    self.num_features,
                    x.shape()
                ),
            });
        }
        let n = x.shape()[0];
        let normalized = if self.training {
            if n <= 1 {
                return Err(NnError::Shape {
                    op: self.describe(),
                    detail: format!(
                        "Expected more than 1 value per channel when training, got input size {:?}",
                        x.shape()
                    ),
                });
            }
            let mean = x.mean_dims(&[0], false)?;
            let centered = x.try_sub(&mean)?;
            let var = centered.square().mean_dims(&[0], false)?;
            self.update_running(&mean.detach(), &var.detach(), n)?;
            centered.try_div(&var.add_scalar(self.eps).sqrt())?
        } else {
            let std = self.running_var.add_scalar(self.eps).sqrt();
            x.try_sub(&self.running_mean)?.try_div(&std)?
        };
        let mut y = normalized;
        if let Some(w) = &self.weight {
            y = y.try_mul(w)?;
        }
        if let Some(b) = &self.bias {
            y = y.try_add(b)?;
        }
        Ok(y)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        let mut named = Vec::new();
        if let Some(w) = &self.weight {
            named.push(("weight".to_string(), w.clone()));
        }
        if let Some(b) = &self.bias {
            named.push(("bias".to_string(), b.clone()));
        }
        named
    }

    fn named_buffers(&self) -> Vec<(String, Tensor<T>)> {
        vec![
            ("running_mean".to_string(), self.running_mean.clone()),
            ("running_var".to_string(), self.running_var.clone()),
        ]
    }

    fn train(&mut self, mode: bool) {
        self.training = mode;
    }

    fn is_training(&self) -> bool {
        self.training
    }

    fn describe(&self) -> String {
        format!(
            "BatchNorm1d({}, eps={}, momentum={}, affine={})",
            self.num_features,
            self.eps,
            self.momentum,
            self.weight.is_some()
        )
    }
}
