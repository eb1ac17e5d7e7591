//! Stochastic gradient descent with momentum (`torch.optim.SGD`).

use super::{
    check_non_negative, check_params, collect_grads, for_each_update, grad_term, state_for,
    Optimizer,
};
use crate::error::{NnError, Result};
use myelin_tensor::{Element, Tensor};

/// Hyper-parameters of [`Sgd`], with PyTorch's names and defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct SgdConfig {
    /// Learning rate (PyTorch default `1e-3`).
    pub lr: f64,
    /// Momentum factor μ (default 0: no momentum buffer).
    pub momentum: f64,
    /// Dampening τ for momentum (default 0).
    pub dampening: f64,
    /// L2 penalty λ added to the gradient (default 0).
    pub weight_decay: f64,
    /// Nesterov momentum (default false; needs `momentum > 0` and `dampening == 0`).
    pub nesterov: bool,
    /// Maximise the objective instead of minimising it (default false).
    pub maximize: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }
}

config_builder!(SgdConfig {
    momentum: f64,
    dampening: f64,
    weight_decay: f64,
    nesterov: bool,
    maximize: bool
});

/// Stochastic gradient descent, optionally with (Nesterov) momentum and weight decay:
/// `torch.optim.SGD`.
///
/// For each parameter θ with gradient g (negated when `maximize`), at step t:
///
/// ```text
/// g ← g + λ θ                          if weight_decay λ ≠ 0
/// if μ ≠ 0:
///     b ← g                            at the parameter's first step
///     b ← μ b + (1 − τ) g              afterwards
///     g ← g + μ b  if nesterov,  else g ← b
/// θ ← θ − lr · g
/// ```
///
/// Note PyTorch's first-step rule: the momentum buffer starts as the raw gradient,
/// without dampening.
///
/// ```
/// use myelin_nn::optim::{Optimizer, Sgd, SgdConfig};
/// use myelin_tensor::Tensor;
///
/// let w = Tensor::<f64>::from_vec(vec![1.0], &[1])?.requires_grad_(true);
/// let mut opt = Sgd::new(vec![w.clone()], SgdConfig::new(0.1).momentum(0.9))?;
/// (&w * &w).sum().backward()?; // g = 2
/// opt.step()?; // b = 2, w = 1 − 0.1·2
/// assert!((w.to_vec()[0] - 0.8).abs() < 1e-15);
/// opt.step()?; // same gradient again: b = 0.9·2 + 2 = 3.8, w = 0.8 − 0.38
/// assert!((w.to_vec()[0] - 0.42).abs() < 1e-15);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Sgd<T: Element> {
    params: Vec<Tensor<T>>,
    config: SgdConfig,
    pub(super) momentum_buffers: Vec<Option<Vec<T>>>,
    grads: Vec<Option<Tensor<T>>>,
}

impl<T: Element> Sgd<T> {
    /// An optimiser for `params`.
    ///
    /// Errors on an invalid parameter list (see the [module docs](super)) or invalid
    /// hyper-parameters: negative or non-finite `lr`, `momentum`, `weight_decay`,
    /// `dampening`, or `nesterov` without momentum or with dampening.
    pub fn new(params: Vec<Tensor<T>>, config: SgdConfig) -> Result<Self> {
        check_params("SGD", &params)?;
        check_non_negative("SGD", "learning rate", config.lr)?;
        check_non_negative("SGD", "momentum value", config.momentum)?;
        check_non_negative("SGD", "weight_decay value", config.weight_decay)?;
        if !config.dampening.is_finite() {
            return Err(NnError::InvalidArgument(format!(
                "SGD: invalid dampening {}",
                config.dampening
            )));
        }
        if config.nesterov && (config.momentum <= 0.0 || config.dampening != 0.0) {
            return Err(NnError::InvalidArgument(
                "SGD: Nesterov momentum requires a momentum and zero dampening".into(),
            ));
        }
        let n = params.len();
        Ok(Sgd {
            params,
            config,
            momentum_buffers: vec![None; n],
            grads: Vec::with_capacity(n),
        })
    }

    /// The parameters, in the order given.
    pub fn params(&self) -> &[Tensor<T>] {
        &self.params
    }

    /// The hyper-parameters (with the current learning rate).
    pub fn config(&self) -> &SgdConfig {
        &self.config
    }

    /// The momentum buffer of parameter `index`, once it exists.
    pub fn momentum_buffer(&self, index: usize) -> Option<&[T]> {
        self.momentum_buffers.get(index)?.as_deref()
    }
}

#[derive(Clone, Copy)]
struct SgdScalars<T> {
    lr: T,
    mu: T,
    one_minus_damp: T,
    wd: T,
}

/// One SGD update of `w` (PyTorch's `_single_tensor_sgd`), specialised on the options.
#[inline(always)]
fn sgd_kernel<
    T: Element,
    const MAXIMIZE: bool,
    const WD: bool,
    const MOMENTUM: bool,
    const NESTEROV: bool,
    const FIRST: bool,
>(
    w: &mut [T],
    g: &[T],
    buf: &mut [T],
    h: SgdScalars<T>,
) {
    let n = w.len();
    let g = &g[..n];
    if MOMENTUM {
        let buf = &mut buf[..n];
        for ((w, &g), b) in w.iter_mut().zip(g).zip(buf.iter_mut()) {
            let d = grad_term::<T, MAXIMIZE, WD>(g, *w, h.wd);
            *b = if FIRST {
                d
            } else {
                *b * h.mu + h.one_minus_damp * d
            };
            let d = if NESTEROV { d + h.mu * *b } else { *b };
            *w = *w - h.lr * d;
        }
    } else {
        for (w, &g) in w.iter_mut().zip(g) {
            let d = grad_term::<T, MAXIMIZE, WD>(g, *w, h.wd);
            *w = *w - h.lr * d;
        }
    }
}

impl<T: Element> Optimizer<T> for Sgd<T> {
    fn step(&mut self) -> Result<()> {
        collect_grads("SGD", &self.params, &mut self.grads)?;
        let c = &self.config;
        let lr = T::from_f64(c.lr);
        let mu = T::from_f64(c.momentum);
        let one_minus_damp = T::from_f64(1.0 - c.dampening);
        let wd = T::from_f64(c.weight_decay);
        let (use_wd, use_momentum, nesterov, maximize) = (
            c.weight_decay != 0.0,
            c.momentum != 0.0,
            c.nesterov,
            c.maximize,
        );
        let buffers = &mut self.momentum_buffers;
        for_each_update(&self.params, &mut self.grads, |i, w, g| {
            let first = buffers[i].is_none();
            let buf: &mut [T] = if use_momentum {
                state_for(&mut buffers[i], w.len(), T::zero())
            } else {
                &mut []
            };
            let h = SgdScalars {
                lr,
                mu,
                one_minus_damp,
                wd,
            };
            dispatch_bools!(sgd_kernel [] [maximize, use_wd, use_momentum, nesterov, first] (w, g, buf, h));
        })
    }

    fn zero_grad(&mut self) {
        for p in &self.params {
            p.zero_grad();
        }
    }

    fn lr(&self) -> f64 {
        self.config.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.config.lr = lr;
    }
}
