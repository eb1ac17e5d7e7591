//! Adagrad (`torch.optim.Adagrad`).

use super::{
    check_non_negative, check_params, collect_grads, for_each_update, grad_term, Optimizer,
};
use crate::error::Result;
use myelin_tensor::{Element, Tensor};

/// Hyper-parameters of [`Adagrad`], with PyTorch's names and defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct AdagradConfig {
    /// Learning rate (default `1e-2`).
    pub lr: f64,
    /// Learning-rate decay η: step t uses `lr / (1 + (t − 1) η)` (default 0).
    pub lr_decay: f64,
    /// L2 penalty λ added to the gradient (default 0).
    pub weight_decay: f64,
    /// Starting value of the sum of squared gradients (default 0).
    pub initial_accumulator_value: f64,
    /// Term added to the denominator (default `1e-10`).
    pub eps: f64,
    /// Maximise the objective instead of minimising it (default false).
    pub maximize: bool,
}

impl Default for AdagradConfig {
    fn default() -> Self {
        AdagradConfig {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

config_builder!(AdagradConfig {
    lr_decay: f64,
    weight_decay: f64,
    initial_accumulator_value: f64,
    eps: f64,
    maximize: bool
});

/// Adagrad: `torch.optim.Adagrad`.
///
/// For each parameter θ with gradient g (negated when `maximize`), at its step t:
///
/// ```text
/// g ← g + λ θ                          if weight_decay λ ≠ 0
/// η_t ← lr / (1 + (t − 1) · lr_decay)
/// s ← s + g²                           (s starts at initial_accumulator_value)
/// θ ← θ − η_t · g / (√s + ε)
/// ```
///
/// ```
/// use myelin_nn::optim::{Adagrad, AdagradConfig, Optimizer};
/// use myelin_tensor::Tensor;
///
/// let w = Tensor::<f64>::from_vec(vec![1.0], &[1])?.requires_grad_(true);
/// let mut opt = Adagrad::new(vec![w.clone()], AdagradConfig::new(0.5))?;
/// (&w * &w).sum().backward()?; // g = 2, s = 4
/// opt.step()?; // θ = 1 − 0.5 · 2 / 2
/// assert!((w.to_vec()[0] - 0.5).abs() < 1e-9);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Adagrad<T: Element> {
    params: Vec<Tensor<T>>,
    config: AdagradConfig,
    pub(super) steps: Vec<u64>,
    pub(super) sums: Vec<Option<Vec<T>>>,
    grads: Vec<Option<Tensor<T>>>,
}

impl<T: Element> Adagrad<T> {
    /// An optimiser for `params`.
    ///
    /// Errors on an invalid parameter list (see the [module docs](super)) or on a
    /// negative or non-finite `lr`, `lr_decay`, `weight_decay`,
    /// `initial_accumulator_value` or `eps`.
    pub fn new(params: Vec<Tensor<T>>, config: AdagradConfig) -> Result<Self> {
        check_params("Adagrad", &params)?;
        check_non_negative("Adagrad", "learning rate", config.lr)?;
        check_non_negative("Adagrad", "lr_decay value", config.lr_decay)?;
        check_non_negative("Adagrad", "weight_decay value", config.weight_decay)?;
        check_non_negative(
            "Adagrad",
            "initial_accumulator_value",
            config.initial_accumulator_value,
        )?;
        check_non_negative("Adagrad", "epsilon value", config.eps)?;
        let n = params.len();
        Ok(Adagrad {
            params,
            config,
            steps: vec![0; n],
            sums: vec![None; n],
            grads: Vec::with_capacity(n),
        })
    }

    /// The parameters, in the order given.
    pub fn params(&self) -> &[Tensor<T>] {
        &self.params
    }

    /// The hyper-parameters (with the current learning rate).
    pub fn config(&self) -> &AdagradConfig {
        &self.config
    }

    /// How many steps parameter `index` has taken (0 until it first has a gradient).
    pub fn step_count(&self, index: usize) -> u64 {
        self.steps.get(index).copied().unwrap_or(0)
    }
}

/// One Adagrad update (PyTorch's `_single_tensor_adagrad`), specialised on the options.
#[inline(always)]
fn adagrad_kernel<T: Element, const MAXIMIZE: bool, const WD: bool>(
    w: &mut [T],
    g: &[T],
    sum: &mut [T],
    neg_clr: T,
    wd: T,
    eps: T,
) {
    let n = w.len();
    let (g, sum) = (&g[..n], &mut sum[..n]);
    for j in 0..n {
        let d = grad_term::<T, MAXIMIZE, WD>(g[j], w[j], wd);
        let s = sum[j] + d * d;
        sum[j] = s;
        w[j] = w[j] + neg_clr * (d / (s.sqrt() + eps));
    }
}

impl<T: Element> Optimizer<T> for Adagrad<T> {
    fn step(&mut self) -> Result<()> {
        collect_grads("Adagrad", &self.params, &mut self.grads)?;
        let c = &self.config;
        let (lr, lr_decay) = (c.lr, c.lr_decay);
        let wd = T::from_f64(c.weight_decay);
        let eps = T::from_f64(c.eps);
        let init = T::from_f64(c.initial_accumulator_value);
        let (use_wd, maximize) = (c.weight_decay != 0.0, c.maximize);
        let (steps, sums) = (&mut self.steps, &mut self.sums);
        for_each_update(&self.params, &mut self.grads, |i, w, g| {
            steps[i] += 1;
            let clr = lr / (1.0 + (steps[i] - 1) as f64 * lr_decay);
            let neg_clr = T::from_f64(-clr);
            let s = sums[i].get_or_insert_with(|| vec![init; w.len()]);
            dispatch_bools!(adagrad_kernel [] [maximize, use_wd] (w, g, s, neg_clr, wd, eps));
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
