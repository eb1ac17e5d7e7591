//! RMSprop (`torch.optim.RMSprop`).

use super::{
    check_non_negative, check_params, collect_grads, for_each_update, grad_term, lerp, state_for,
    Optimizer,
};
use crate::error::Result;
use myelin_tensor::{Element, Tensor};

/// Hyper-parameters of [`RmsProp`], with PyTorch's names and defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct RmsPropConfig {
    /// Learning rate (default `1e-2`).
    pub lr: f64,
    /// Smoothing constant α of the running average of g² (default `0.99`).
    pub alpha: f64,
    /// Term added to the denominator (default `1e-8`).
    pub eps: f64,
    /// L2 penalty λ added to the gradient (default 0).
    pub weight_decay: f64,
    /// Momentum factor (default 0).
    pub momentum: f64,
    /// Normalise by an estimate of the gradient's variance instead of its second
    /// moment (default false).
    pub centered: bool,
    /// Maximise the objective instead of minimising it (default false).
    pub maximize: bool,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        RmsPropConfig {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
        }
    }
}

config_builder!(RmsPropConfig {
    alpha: f64,
    eps: f64,
    weight_decay: f64,
    momentum: f64,
    centered: bool,
    maximize: bool
});

/// Per-parameter RMSprop state.
#[derive(Clone, Debug, Default)]
pub(super) struct RmsPropState<T> {
    pub(super) square_avg: Vec<T>,
    pub(super) grad_avg: Option<Vec<T>>,
    pub(super) momentum_buffer: Option<Vec<T>>,
}

/// RMSprop: `torch.optim.RMSprop`.
///
/// For each parameter θ with gradient g (negated when `maximize`):
///
/// ```text
/// g ← g + λ θ                          if weight_decay λ ≠ 0
/// v ← α v + (1 − α) g²
/// if centered:  ḡ ← α ḡ + (1 − α) g   (as lerp(ḡ, g, 1 − α));  d ← √(v − ḡ²) + ε
/// else:         d ← √v + ε
/// if momentum μ > 0:  b ← μ b + g / d;  θ ← θ − lr · b
/// else:               θ ← θ − lr · g / d
/// ```
///
/// ```
/// use myelin_nn::optim::{Optimizer, RmsProp, RmsPropConfig};
/// use myelin_tensor::Tensor;
///
/// let w = Tensor::<f64>::from_vec(vec![1.0], &[1])?.requires_grad_(true);
/// let mut opt = RmsProp::new(vec![w.clone()], RmsPropConfig::new(0.01).alpha(0.75))?;
/// (&w * &w).sum().backward()?; // g = 2, v = 0.25·4 = 1
/// opt.step()?;
/// assert!((w.to_vec()[0] - (1.0 - 0.01 * 2.0 / (1.0 + 1e-8))).abs() < 1e-15);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct RmsProp<T: Element> {
    params: Vec<Tensor<T>>,
    config: RmsPropConfig,
    pub(super) state: Vec<Option<RmsPropState<T>>>,
    grads: Vec<Option<Tensor<T>>>,
}

impl<T: Element> RmsProp<T> {
    /// An optimiser for `params`.
    ///
    /// Errors on an invalid parameter list (see the [module docs](super)) or on a
    /// negative or non-finite `lr`, `alpha`, `eps`, `momentum` or `weight_decay`.
    pub fn new(params: Vec<Tensor<T>>, config: RmsPropConfig) -> Result<Self> {
        check_params("RMSprop", &params)?;
        check_non_negative("RMSprop", "learning rate", config.lr)?;
        check_non_negative("RMSprop", "epsilon value", config.eps)?;
        check_non_negative("RMSprop", "momentum value", config.momentum)?;
        check_non_negative("RMSprop", "weight_decay value", config.weight_decay)?;
        check_non_negative("RMSprop", "alpha value", config.alpha)?;
        let n = params.len();
        Ok(RmsProp {
            params,
            config,
            state: vec![None; n],
            grads: Vec::with_capacity(n),
        })
    }

    /// The parameters, in the order given.
    pub fn params(&self) -> &[Tensor<T>] {
        &self.params
    }

    /// The hyper-parameters (with the current learning rate).
    pub fn config(&self) -> &RmsPropConfig {
        &self.config
    }
}

#[derive(Clone, Copy)]
struct RmsPropScalars<T> {
    neg_lr: T,
    alpha: T,
    one_minus_alpha: T,
    eps: T,
    wd: T,
    mu: T,
}

/// One RMSprop update (PyTorch's `_single_tensor_rmsprop`), specialised on the options.
#[inline(always)]
fn rmsprop_kernel<
    T: Element,
    const MAXIMIZE: bool,
    const WD: bool,
    const CENTERED: bool,
    const MOMENTUM: bool,
>(
    w: &mut [T],
    g: &[T],
    sq: &mut [T],
    ga: &mut [T],
    buf: &mut [T],
    h: RmsPropScalars<T>,
) {
    let n = w.len();
    let (g, sq) = (&g[..n], &mut sq[..n]);
    let ga = if CENTERED { &mut ga[..n] } else { ga };
    let buf = if MOMENTUM { &mut buf[..n] } else { buf };
    for j in 0..n {
        let d = grad_term::<T, MAXIMIZE, WD>(g[j], w[j], h.wd);
        let s = sq[j] * h.alpha + h.one_minus_alpha * d * d;
        sq[j] = s;
        let avg = if CENTERED {
            let a = lerp(ga[j], d, h.one_minus_alpha);
            ga[j] = a;
            (s + (-T::one()) * a * a).sqrt() + h.eps
        } else {
            s.sqrt() + h.eps
        };
        if MOMENTUM {
            let b = buf[j] * h.mu + d / avg;
            buf[j] = b;
            w[j] = w[j] + h.neg_lr * b;
        } else {
            w[j] = w[j] + h.neg_lr * (d / avg);
        }
    }
}

impl<T: Element> Optimizer<T> for RmsProp<T> {
    fn step(&mut self) -> Result<()> {
        collect_grads("RMSprop", &self.params, &mut self.grads)?;
        let c = &self.config;
        let neg_lr = T::from_f64(-c.lr);
        let alpha = T::from_f64(c.alpha);
        let one_minus_alpha = T::from_f64(1.0 - c.alpha);
        let eps = T::from_f64(c.eps);
        let wd = T::from_f64(c.weight_decay);
        let mu = T::from_f64(c.momentum);
        let use_wd = c.weight_decay != 0.0;
        let use_momentum = c.momentum > 0.0;
        let (centered, maximize) = (c.centered, c.maximize);
        let states = &mut self.state;
        for_each_update(&self.params, &mut self.grads, |i, w, g| {
            let n = w.len();
            let s = states[i].get_or_insert_with(|| RmsPropState {
                square_avg: vec![T::zero(); n],
                grad_avg: None,
                momentum_buffer: None,
            });
            let sq = &mut s.square_avg[..];
            let ga: &mut [T] = if centered {
                state_for(&mut s.grad_avg, n, T::zero())
            } else {
                &mut []
            };
            let buf: &mut [T] = if use_momentum {
                state_for(&mut s.momentum_buffer, n, T::zero())
            } else {
                &mut []
            };
            let h = RmsPropScalars {
                neg_lr,
                alpha,
                one_minus_alpha,
                eps,
                wd,
                mu,
            };
            dispatch_bools!(rmsprop_kernel [] [maximize, use_wd, centered, use_momentum] (w, g, sq, ga, buf, h));
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
