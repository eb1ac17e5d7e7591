//! Optimisers: [`Sgd`], [`Adam`], [`AdamW`], [`RmsProp`] and [`Adagrad`], following
//! `torch.optim` names, defaults and update formulas exactly.
//!
//! An optimiser is built from the parameters it updates (leaf tensors, normally with
//! `requires_grad`) and a config struct. Each [`Optimizer::step`] reads every
//! parameter's accumulated gradient ([`Tensor::grad`]) and updates the parameter's
//! values in place with [`Tensor::update_data`]. The update is not recorded on the
//! autodiff graph, and because a [`Tensor`] is a shared handle, the model that owns the
//! same parameters sees the new values at once. A parameter whose gradient is `None`
//! is skipped, exactly like PyTorch: its state is not created and its step count does
//! not advance.
//!
//! Optimiser state (momentum buffers, running averages) is kept per parameter as a
//! plain `Vec<T>` of the parameter's element type, like PyTorch keeps state in the
//! parameter's dtype; scalar coefficients (bias corrections, step sizes) are computed
//! in `f64` and rounded to `T` once per step. The inner loops work on slices, build no
//! tensors, and are compiled once per combination of options (const generics), so they
//! have no per-element branches and vectorise: on a small MLP with 2,442 `f32`
//! parameters a step takes about 0.4 µs (SGD) to 2.5 µs (Adam) in release builds.
//!
//! ```
//! use myelin_nn::optim::{Optimizer, Sgd, SgdConfig};
//! use myelin_tensor::Tensor;
//!
//! let w = Tensor::<f64>::from_vec(vec![1.0, -2.0], &[2])?.requires_grad_(true);
//! let mut opt = Sgd::new(vec![w.clone()], SgdConfig::new(0.1))?;
//! for _ in 0..100 {
//!     opt.zero_grad();
//!     let loss = (&w * &w).sum(); // minimum at w = 0
//!     loss.backward()?;
//!     opt.step()?;
//! }
//! assert!(w.to_vec().iter().all(|v| v.abs() < 1e-6));
//! # Ok::<(), myelin_nn::NnError>(())
//! ```
//!
//! Parameter groups (per-group learning rate and weight decay) are [`Groups`];
//! checkpoints of the optimiser state are [`StateDict`]. Deviations from PyTorch: the `foreach`/`fused`/`capturable`/`differentiable` flags do not exist (the
//! single-tensor algorithm is the one implemented). A parameter list that is empty,
//! contains a non-leaf or non-contiguous tensor, or contains the same storage twice is
//! rejected at construction (PyTorch rejects the first two and only warns about
//! duplicates, which would be updated twice).

/// Calls `$f::<T, b1, b2, …>$args` with each runtime `bool` turned into a const
/// generic argument, so every inner loop is compiled without per-element branches
/// (and vectorises).
macro_rules! dispatch_bools {
    ($f:ident [$($c:tt)*] [] $args:tt) => { $f::<T, $($c)*> $args };
    ($f:ident [$($c:tt)*] [$b:expr $(, $rest:expr)*] $args:tt) => {
        if $b {
            dispatch_bools!($f [$($c)* true,] [$($rest),*] $args)
        } else {
            dispatch_bools!($f [$($c)* false,] [$($rest),*] $args)
        }
    };
}

/// The builder methods of an optimiser config, PyTorch's keyword arguments one line
/// each: `new(lr)` (the defaults with learning rate `lr`), a setter per listed field, and
/// `betas(beta1, beta2)` where `betas` is listed first.
macro_rules! config_builder {
    ($config:ident { betas, $($field:ident: $ty:ty),* $(,)? }) => {
        impl $config {
            /// Sets `betas`, the coefficients (β₁, β₂) of the running averages.
            pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
                self.betas = (beta1, beta2);
                self
            }
        }
        config_builder!($config { $($field: $ty),* });
    };
    ($config:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        impl $config {
            /// The defaults with learning rate `lr`.
            pub fn new(lr: f64) -> Self {
                $config {
                    lr,
                    ..Default::default()
                }
            }
            $(
                #[doc = concat!("Sets `", stringify!($field), "`.")]
                pub fn $field(mut self, $field: $ty) -> Self {
                    self.$field = $field;
                    self
                }
            )*
        }
    };
}

mod adagrad;
mod adam;
mod adamw;
mod groups;
mod rmsprop;
mod sgd;
mod state;

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use adamw::{AdamW, AdamWConfig};
pub use groups::{weight_decay_groups, Groups, ParamGroup};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use sgd::{Sgd, SgdConfig};
pub use state::{OptimizerState, ParamState, StateDict};

use crate::error::{NnError, Result};
use myelin_tensor::{Element, Tensor};

/// The interface every optimiser implements (PyTorch's `torch.optim.Optimizer`).
///
/// The trait is object safe, so schedulers and training loops can take
/// `&mut dyn Optimizer<T>`.
pub trait Optimizer<T: Element> {
    /// Performs one update of every parameter that has a gradient.
    ///
    /// Errors (and changes nothing) if a gradient's shape differs from its
    /// parameter's.
    fn step(&mut self) -> Result<()>;

    /// Clears every parameter's gradient (PyTorch's default `set_to_none=True`).
    fn zero_grad(&mut self);

    /// The current learning rate.
    fn lr(&self) -> f64;

    /// Sets the learning rate used by the following steps (schedulers call this).
    /// The value is not validated; a negative or non-finite rate gives the updates
    /// that formula gives.
    fn set_lr(&mut self, lr: f64);
}

/// Checks a parameter list the way `torch.optim.Optimizer.__init__` does, plus
/// the requirements of in-place slice updates.
pub(crate) fn check_params<T: Element>(name: &str, params: &[Tensor<T>]) -> Result<()> {
    if params.is_empty() {
        return Err(NnError::InvalidArgument(format!(
            "{name}: got an empty parameter list"
        )));
    }
    for (i, p) in params.iter().enumerate() {
        if !p.is_leaf() {
            return Err(NnError::InvalidArgument(format!(
                "{name}: parameter {i} (shape {:?}) is not a leaf tensor; optimise the leaf it was computed from",
                p.shape()
            )));
        }
        if !p.is_contiguous() {
            return Err(NnError::InvalidArgument(format!(
                "{name}: parameter {i} (shape {:?}, strides {:?}) is not contiguous",
                p.shape(),
                p.strides()
            )));
        }
        if let Some(j) = params[..i].iter().position(|q| q.shares_storage_with(p)) {
            return Err(NnError::InvalidArgument(format!(
                "{name}: parameters {j} and {i} share storage (the same parameter listed twice?)"
            )));
        }
    }
    Ok(())
}

/// Checks that `value` is finite and at least 0.
pub(crate) fn check_non_negative(name: &str, what: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(NnError::InvalidArgument(format!(
            "{name}: invalid {what} {value}, need a finite value >= 0"
        )))
    }
}

/// Checks that `value` lies in `[0, 1)`.
pub(crate) fn check_unit_interval(name: &str, what: &str, value: f64) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(NnError::InvalidArgument(format!(
            "{name}: invalid {what} {value}, need 0 <= {what} < 1"
        )))
    }
}

/// Fetches every parameter's gradient into `grads` (reused between steps, so a step
/// allocates nothing) and checks the shapes, so that a bad gradient is reported
/// before any parameter changes.
pub(crate) fn collect_grads<T: Element>(
    name: &str,
    params: &[Tensor<T>],
    grads: &mut Vec<Option<Tensor<T>>>,
) -> Result<()> {
    grads.clear();
    for (i, p) in params.iter().enumerate() {
        let g = p.grad();
        if let Some(g) = &g {
            if g.shape() != p.shape() {
                grads.clear();
                return Err(NnError::InvalidArgument(format!(
                    "{name}: the gradient of parameter {i} has shape {:?}, the parameter has shape {:?}",
                    g.shape(),
                    p.shape()
                )));
            }
        }
        grads.push(g);
    }
    Ok(())
}

/// Runs `update(index, weights, grad)` for every parameter whose gradient (from
/// [`collect_grads`]) is present, then drops the gradient handles.
pub(crate) fn for_each_update<T: Element>(
    params: &[Tensor<T>],
    grads: &mut Vec<Option<Tensor<T>>>,
    mut update: impl FnMut(usize, &mut [T], &[T]),
) -> Result<()> {
    let mut result = Ok(());
    for (i, (p, g)) in params.iter().zip(grads.iter()).enumerate() {
        let Some(g) = g else { continue };
        let r = if g.shares_storage_with(p) {
            // Reading and writing one storage at once would deadlock; copy first.
            let values = g.to_vec();
            p.update_data(|w| update(i, w, &values))
        } else {
            g.with_contiguous_data(|gs| p.update_data(|w| update(i, w, gs)))
        };
        if let Err(e) = r {
            result = Err(e.into());
            break;
        }
    }
    grads.clear();
    result
}

/// `torch.lerp(start, end, weight)` with PyTorch's CPU formula (exact at both ends).
#[inline(always)]
pub(crate) fn lerp<T: Element>(start: T, end: T, weight: T) -> T {
    if weight.abs() < T::from_f64(0.5) {
        start + weight * (end - start)
    } else {
        end - (end - start) * (T::one() - weight)
    }
}

/// The gradient as the update formulas see it: negated when maximising, plus the L2
/// term `λ w` when weight decay is on.
#[inline(always)]
pub(crate) fn grad_term<T: Element, const MAXIMIZE: bool, const WD: bool>(g: T, w: T, wd: T) -> T {
    let d = if MAXIMIZE { -g } else { g };
    if WD {
        d + wd * w
    } else {
        d
    }
}

/// Allocates per-parameter state lazily: `state` for a parameter with `n` elements,
/// filled with `init`, on first use.
#[inline]
pub(crate) fn state_for<T: Element>(slot: &mut Option<Vec<T>>, n: usize, init: T) -> &mut [T] {
    slot.get_or_insert_with(|| vec![init; n])
}
