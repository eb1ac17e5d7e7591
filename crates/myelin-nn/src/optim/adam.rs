//! Adam (`torch.optim.Adam`) and the update shared with [`AdamW`](super::AdamW).

use super::{
    check_non_negative, check_params, check_unit_interval, collect_grads, for_each_update,
    grad_term, lerp, AdamW, Optimizer,
};
use crate::error::Result;
use myelin_tensor::{Element, Tensor};

/// Hyper-parameters of [`Adam`], with PyTorch's names and defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamConfig {
    /// Learning rate (default `1e-3`).
    pub lr: f64,
    /// Coefficients (β₁, β₂) of the running averages of the gradient and its square
    /// (default `(0.9, 0.999)`).
    pub betas: (f64, f64),
    /// Term added to the denominator (default `1e-8`).
    pub eps: f64,
    /// Weight decay λ (default 0): an L2 penalty `λ·w` added to the gradient, or, with
    /// `decoupled_weight_decay`, a shrink `w ← w·(1 − lr·λ)` before the update.
    pub weight_decay: f64,
    /// Use the AMSGrad variant (default false).
    pub amsgrad: bool,
    /// Maximise the objective instead of minimising it (default false).
    pub maximize: bool,
    /// Decouple the weight decay from the gradient (PyTorch 2.x's
    /// `decoupled_weight_decay`, default false). When true, `Adam` is exactly
    /// [`AdamW`](super::AdamW) with the same hyper-parameters.
    pub decoupled_weight_decay: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
            decoupled_weight_decay: false,
        }
    }
}

config_builder!(AdamConfig {
    betas,
    eps: f64,
    weight_decay: f64,
    amsgrad: bool,
    maximize: bool
});

impl AdamConfig {
    /// Sets `decoupled_weight_decay` (PyTorch 2.x; `true` makes Adam behave as AdamW).
    ///
    /// ```
    /// use myelin_nn::optim::{Adam, AdamConfig, AdamW, AdamWConfig, Optimizer};
    /// use myelin_tensor::Tensor;
    /// let run = |opt: &mut dyn Optimizer<f64>, w: &Tensor<f64>| {
    ///     for _ in 0..3 {
    ///         opt.zero_grad();
    ///         (w * w).sum().backward().unwrap();
    ///         opt.step().unwrap();
    ///     }
    ///     w.to_vec()
    /// };
    /// let (a, b) = (Tensor::<f64>::ones(&[2]).requires_grad_(true), Tensor::<f64>::ones(&[2]).requires_grad_(true));
    /// let cfg = AdamConfig::new(0.1).weight_decay(0.5).decoupled_weight_decay(true);
    /// let mut adam = Adam::new(vec![a.clone()], cfg)?;
    /// let mut adamw = AdamW::new(vec![b.clone()], AdamWConfig::new(0.1).weight_decay(0.5))?;
    /// assert_eq!(run(&mut adam, &a), run(&mut adamw, &b));
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    pub fn decoupled_weight_decay(mut self, decoupled: bool) -> Self {
        self.decoupled_weight_decay = decoupled;
        self
    }

    pub(super) fn validate(&self, name: &str) -> Result<()> {
        check_non_negative(name, "learning rate", self.lr)?;
        check_non_negative(name, "epsilon value", self.eps)?;
        check_unit_interval(name, "beta parameter at index 0", self.betas.0)?;
        check_unit_interval(name, "beta parameter at index 1", self.betas.1)?;
        check_non_negative(name, "weight_decay value", self.weight_decay)
    }
}

/// Per-parameter Adam state.
#[derive(Clone, Debug, Default)]
pub(super) struct AdamState<T> {
    /// Number of steps this parameter has taken.
    pub(super) step: u64,
    /// First moment m.
    pub(super) exp_avg: Vec<T>,
    /// Second moment v.
    pub(super) exp_avg_sq: Vec<T>,
    /// Running maximum of v (AMSGrad only).
    pub(super) max_exp_avg_sq: Vec<T>,
}

/// The shared Adam/AdamW machinery.
pub(super) struct AdamCore<T: Element> {
    pub(super) name: &'static str,
    pub(super) params: Vec<Tensor<T>>,
    pub(super) config: AdamConfig,
    /// Decoupled (AdamW) instead of L2 (Adam) weight decay.
    pub(super) decoupled: bool,
    pub(super) state: Vec<Option<AdamState<T>>>,
    grads: Vec<Option<Tensor<T>>>,
}

impl<T: Element> AdamCore<T> {
    pub(super) fn new(
        name: &'static str,
        params: Vec<Tensor<T>>,
        config: AdamConfig,
        decoupled: bool,
    ) -> Result<Self> {
        check_params(name, &params)?;
        config.validate(name)?;
        let n = params.len();
        Ok(AdamCore {
            name,
            params,
            config,
            decoupled,
            state: vec![None; n],
            grads: Vec::with_capacity(n),
        })
    }

    pub(super) fn step(&mut self) -> Result<()> {
        collect_grads(self.name, &self.params, &mut self.grads)?;
        let c = &self.config;
        let (lr, (beta1, beta2)) = (c.lr, c.betas);
        let b2 = T::from_f64(beta2);
        let one_minus_b1 = T::from_f64(1.0 - beta1);
        let one_minus_b2 = T::from_f64(1.0 - beta2);
        let eps = T::from_f64(c.eps);
        let wd = T::from_f64(c.weight_decay);
        let decay_factor = T::from_f64(1.0 - lr * c.weight_decay);
        let use_l2 = !self.decoupled && c.weight_decay != 0.0;
        let use_decoupled = self.decoupled && c.weight_decay != 0.0;
        let (amsgrad, maximize) = (c.amsgrad, c.maximize);
        let states = &mut self.state;
        for_each_update(&self.params, &mut self.grads, |i, w, g| {
            let n = w.len();
            let s = states[i].get_or_insert_with(|| AdamState {
                step: 0,
                exp_avg: vec![T::zero(); n],
                exp_avg_sq: vec![T::zero(); n],
                max_exp_avg_sq: if amsgrad {
                    vec![T::zero(); n]
                } else {
                    Vec::new()
                },
            });
            s.step += 1;
            let t = s.step as f64;
            let bias_correction1 = 1.0 - beta1.powf(t);
            let bias_correction2 = 1.0 - beta2.powf(t);
            let neg_step_size = T::from_f64(-(lr / bias_correction1));
            let bc2_sqrt = T::from_f64(bias_correction2.sqrt());
            let h = AdamScalars {
                one_minus_b1,
                b2,
                one_minus_b2,
                eps,
                wd,
                decay_factor,
                neg_step_size,
                bc2_sqrt,
            };
            let (m, v, vmax) = (
                &mut s.exp_avg[..],
                &mut s.exp_avg_sq[..],
                &mut s.max_exp_avg_sq[..],
            );
            dispatch_bools!(adam_kernel [] [maximize, use_l2, use_decoupled, amsgrad] (w, g, m, v, vmax, h));
        })
    }

    pub(super) fn zero_grad(&mut self) {
        for p in &self.params {
            p.zero_grad();
        }
    }
}

#[derive(Clone, Copy)]
struct AdamScalars<T> {
    one_minus_b1: T,
    b2: T,
    one_minus_b2: T,
    eps: T,
    wd: T,
    decay_factor: T,
    neg_step_size: T,
    bc2_sqrt: T,
}

/// One Adam/AdamW update (PyTorch's `_single_tensor_adam`), specialised on the options.
#[inline(always)]
fn adam_kernel<
    T: Element,
    const MAXIMIZE: bool,
    const L2: bool,
    const DECOUPLED: bool,
    const AMSGRAD: bool,
>(
    w: &mut [T],
    g: &[T],
    m: &mut [T],
    v: &mut [T],
    vmax: &mut [T],
    h: AdamScalars<T>,
) {
    let n = w.len();
    let (g, m, v) = (&g[..n], &mut m[..n], &mut v[..n]);
    let vmax = if AMSGRAD { &mut vmax[..n] } else { vmax };
    for j in 0..n {
        let mut wj = w[j];
        if DECOUPLED {
            wj = wj * h.decay_factor;
        }
        let d = grad_term::<T, MAXIMIZE, L2>(g[j], wj, h.wd);
        let mj = lerp(m[j], d, h.one_minus_b1);
        let vj = v[j] * h.b2 + h.one_minus_b2 * d * d;
        m[j] = mj;
        v[j] = vj;
        let second = if AMSGRAD {
            let mx = vmax[j].max_nan(vj);
            vmax[j] = mx;
            mx
        } else {
            vj
        };
        let denom = second.sqrt() / h.bc2_sqrt + h.eps;
        w[j] = wj + h.neg_step_size * (mj / denom);
    }
}

/// Adam: `torch.optim.Adam`.
///
/// For each parameter θ with gradient g (negated when `maximize`), at its step t:
///
/// ```text
/// g ← g + λ θ                               if weight_decay λ ≠ 0 (L2 penalty)
/// m ← β₁ m + (1 − β₁) g                      (computed as lerp(m, g, 1 − β₁))
/// v ← β₂ v + (1 − β₂) g²
/// v̂ ← max(v̂, v)                             if amsgrad (then v̂ replaces v below)
/// θ ← θ − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// The step count t is per parameter, so a parameter that first gets a gradient late
/// starts its bias correction from t = 1, as in PyTorch.
///
/// ```
/// use myelin_nn::optim::{Adam, AdamConfig, Optimizer};
/// use myelin_tensor::Tensor;
///
/// let w = Tensor::<f64>::from_vec(vec![3.0], &[1])?.requires_grad_(true);
/// let mut opt = Adam::new(vec![w.clone()], AdamConfig::new(0.1))?;
/// (&w * &w).sum().backward()?;
/// opt.step()?;
/// // The first Adam step moves each coordinate by about lr, whatever the gradient's size.
/// assert!((w.to_vec()[0] - 2.9).abs() < 1e-8);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Adam<T: Element> {
    pub(super) core: AdamCore<T>,
}

impl<T: Element> Adam<T> {
    /// An optimiser for `params`.
    ///
    /// Errors on an invalid parameter list (see the [module docs](super)) or invalid
    /// hyper-parameters (negative or non-finite `lr`, `eps`, `weight_decay`; a beta
    /// outside `[0, 1)`).
    pub fn new(params: Vec<Tensor<T>>, config: AdamConfig) -> Result<Self> {
        let decoupled = config.decoupled_weight_decay;
        Ok(Adam {
            core: AdamCore::new("Adam", params, config, decoupled)?,
        })
    }

    /// The hyper-parameters (with the current learning rate).
    pub fn config(&self) -> &AdamConfig {
        &self.core.config
    }
}

/// What Adam and AdamW share beyond the core: the parameter list, the step counts and
/// the [`Optimizer`] impl. `$sync` keeps a wrapper's own config in step with the
/// learning rate.
macro_rules! adam_family {
    ($($ty:ident |$this:ident, $lr:ident| $sync:expr;)*) => {$(
        impl<T: Element> $ty<T> {
            /// The parameters, in the order given.
            pub fn params(&self) -> &[Tensor<T>] {
                &self.core.params
            }

            /// How many steps parameter `index` has taken (0 until it first has a
            /// gradient).
            pub fn step_count(&self, index: usize) -> u64 {
                self.core
                    .state
                    .get(index)
                    .and_then(|s| s.as_ref())
                    .map_or(0, |s| s.step)
            }
        }

        impl<T: Element> Optimizer<T> for $ty<T> {
            fn step(&mut self) -> Result<()> {
                self.core.step()
            }
            fn zero_grad(&mut self) {
                self.core.zero_grad()
            }
            fn lr(&self) -> f64 {
                self.core.config.lr
            }
            fn set_lr(&mut self, lr: f64) {
                self.core.config.lr = lr;
                let ($this, $lr) = (&mut *self, lr);
                $sync
            }
        }
    )*};
}

adam_family! {
    Adam |_this, _lr| {};
    AdamW |this, lr| this.config.lr = lr;
}
