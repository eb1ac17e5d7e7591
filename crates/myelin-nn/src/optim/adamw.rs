//! AdamW: Adam with decoupled weight decay (`torch.optim.AdamW`).

use super::adam::{AdamConfig, AdamCore};
use crate::error::Result;
use myelin_tensor::{Element, Tensor};

/// Hyper-parameters of [`AdamW`], with PyTorch's names and defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamWConfig {
    /// Learning rate (default `1e-3`).
    pub lr: f64,
    /// Coefficients (β₁, β₂) of the running averages (default `(0.9, 0.999)`).
    pub betas: (f64, f64),
    /// Term added to the denominator (default `1e-8`).
    pub eps: f64,
    /// Decoupled weight decay λ (default `1e-2`).
    pub weight_decay: f64,
    /// Use the AMSGrad variant (default false).
    pub amsgrad: bool,
    /// Maximise the objective instead of minimising it (default false).
    pub maximize: bool,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 1e-2,
            amsgrad: false,
            maximize: false,
        }
    }
}

config_builder!(AdamWConfig {
    betas,
    eps: f64,
    weight_decay: f64,
    amsgrad: bool,
    maximize: bool
});

impl From<AdamWConfig> for AdamConfig {
    fn from(c: AdamWConfig) -> AdamConfig {
        AdamConfig {
            lr: c.lr,
            betas: c.betas,
            eps: c.eps,
            weight_decay: c.weight_decay,
            amsgrad: c.amsgrad,
            maximize: c.maximize,
            decoupled_weight_decay: true,
        }
    }
}

/// AdamW: `torch.optim.AdamW`, Adam with decoupled weight decay.
///
/// Identical to [`Adam`](super::Adam) except that the weight decay does not enter the
/// gradient; instead every step first shrinks the parameter:
///
/// ```text
/// θ ← θ · (1 − lr · λ)
/// m ← β₁ m + (1 − β₁) g ;  v ← β₂ v + (1 − β₂) g² ;  v̂ ← max(v̂, v) if amsgrad
/// θ ← θ − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// A parameter without a gradient is skipped entirely, including the decay (as in
/// PyTorch).
///
/// ```
/// use myelin_nn::optim::{AdamW, AdamWConfig, Optimizer};
/// use myelin_tensor::Tensor;
///
/// let w = Tensor::<f64>::from_vec(vec![2.0], &[1])?.requires_grad_(true);
/// let mut opt = AdamW::new(vec![w.clone()], AdamWConfig::new(0.1).weight_decay(0.5))?;
/// (&w * 0.0).sum().backward()?; // zero gradient: only the decay acts
/// opt.step()?;
/// assert!((w.to_vec()[0] - 2.0 * (1.0 - 0.1 * 0.5)).abs() < 1e-12);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct AdamW<T: Element> {
    pub(super) core: AdamCore<T>,
    pub(super) config: AdamWConfig,
}

impl<T: Element> AdamW<T> {
    /// An optimiser for `params`.
    ///
    /// Errors on an invalid parameter list (see the [module docs](super)) or invalid
    /// hyper-parameters (negative or non-finite `lr`, `eps`, `weight_decay`; a beta
    /// outside `[0, 1)`).
    pub fn new(params: Vec<Tensor<T>>, config: AdamWConfig) -> Result<Self> {
        Ok(AdamW {
            core: AdamCore::new("AdamW", params, config.clone().into(), true)?,
            config,
        })
    }

    /// The hyper-parameters (with the current learning rate).
    pub fn config(&self) -> &AdamWConfig {
        &self.config
    }
}
