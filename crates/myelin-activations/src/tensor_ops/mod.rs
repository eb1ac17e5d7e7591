//! Every activation as a differentiable tensor op, built only on `myelin-tensor`'s public
//! custom-op API.
//!
//! * [`apply`] (or [`Activation::apply`]): one call for any activation, with an optional
//!   learnable parameter tensor.
//! * [`ActivationOp`]: an activation together with the parameter it owns (PReLU's weights,
//!   swish's β), created at its initial value with `requires_grad`.
//! * [`unary`]: one monomorphic [`UnaryFn`](myelin_tensor::UnaryFn) per elementwise
//!   activation with its derivative tower (second-order gradients work);
//!   [`apply_elementwise`] and [`unary_fn`].
//! * [`softmax()`] / [`log_softmax()`] along any dim.
//!
//! ```
//! use myelin_activations::{Activation, ActivationOp};
//! use myelin_tensor::Tensor;
//!
//! let act: Activation = "gelu".parse().unwrap();
//! let x = Tensor::<f64>::from_vec(vec![-1.0, 0.0, 2.0], &[3]).unwrap().requires_grad_(true);
//! let y = act.apply(&x, None).unwrap();
//! y.sum().backward().unwrap();
//! assert!((x.grad().unwrap().to_vec()[1] - 0.5).abs() < 1e-15);
//!
//! // PReLU owns its weight (one per channel along dim 1, initialised to 0.25).
//! let prelu = ActivationOp::<f64>::new("prelu(num_parameters=2)".parse().unwrap());
//! let x = Tensor::<f64>::from_vec(vec![-4.0, -8.0, 1.0, 2.0], &[2, 2]).unwrap();
//! prelu.forward(&x).unwrap().sum().backward().unwrap();
//! assert_eq!(prelu.parameter().unwrap().grad().unwrap().to_vec(), vec![-4.0, -8.0]);
//! ```
//!
//! # Binary step and surrogate gradients
//!
//! `binary_step` is a hard step in the forward pass whatever its surrogate; the backward
//! pass reports the surrogate instead of the true derivative (0): `surrogate=none` (default,
//! no gradient), `ste` (1 within ±1 of the threshold) or `sigmoid(k)` (`k·σ'(k(x − t))`).
//! A gradient check of a step with a surrogate therefore fails by design.

mod learnable;
mod softmax;
pub mod unary;

pub use learnable::{PreluFn, SwishBetaFn};
pub use softmax::{log_softmax, softmax};
pub use unary::{apply_elementwise, try_apply_elementwise, unary_fn};

use myelin_tensor::{Element, Tensor};

use crate::error::ActivationError;
use crate::spec::{Activation, Elementwise, SwishBeta};

/// Applies `act` to `x`.
///
/// `parameter` is the learnable parameter for PReLU (its `num_parameters` weights: one
/// shared, or one per channel along dim 1 of an `[N, C, …]` input) and for
/// `swish(beta=learnable)` (β, one element). When it is `None` the parameter is frozen at
/// its initial value (no gradient for it). Giving a parameter to an activation that has
/// none is an error.
///
/// Elementwise activations are one fused op; softmax and log-softmax act along their `dim`.
///
/// The activation's parameters are checked first ([`Activation::validate`]), so one
/// built directly with invalid values is an error here, as its text form is in the
/// parser:
///
/// ```
/// use myelin_activations::{apply, spec::{Activation, Elementwise}};
/// use myelin_tensor::Tensor;
/// let bad = Activation::Elementwise(Elementwise::HardTanh { min: 2.0, max: 1.0 });
/// let err = apply(&bad, &Tensor::<f64>::zeros(&[2]), None).unwrap_err().to_string();
/// assert!(err.contains("hardtanh") && err.contains("min"), "{err}");
/// ```
pub fn apply<T: Element>(
    act: &Activation,
    x: &Tensor<T>,
    parameter: Option<&Tensor<T>>,
) -> Result<Tensor<T>, ActivationError> {
    act.validate()?;
    match act {
        Activation::Elementwise(e) => match (e.learnable_parameter(), parameter) {
            (_, None) => try_apply_elementwise(e, x),
            (Some(_), Some(p)) => apply_learnable(e, x, p),
            (None, Some(_)) => Err(ActivationError::Parameter {
                activation: e.name().to_string(),
                detail: "has no learnable parameter, but one was given".into(),
            }),
        },
        Activation::Softmax { dim } | Activation::LogSoftmax { dim } => {
            if parameter.is_some() {
                return Err(ActivationError::Parameter {
                    activation: act.name().to_string(),
                    detail: "has no learnable parameter, but one was given".into(),
                });
            }
            Ok(match act {
                Activation::Softmax { .. } => softmax(x, *dim)?,
                _ => log_softmax(x, *dim)?,
            })
        }
    }
}

fn apply_learnable<T: Element>(
    e: &Elementwise,
    x: &Tensor<T>,
    parameter: &Tensor<T>,
) -> Result<Tensor<T>, ActivationError> {
    let count = parameter.numel();
    let mismatch = |detail: String| ActivationError::Parameter {
        activation: e.name().to_string(),
        detail,
    };
    match *e {
        Elementwise::Prelu { num_parameters, .. } => {
            if count != num_parameters {
                return Err(mismatch(format!(
                    "{count} weights given, but the spec says num_parameters={num_parameters}"
                )));
            }
            let view = if count == 1 {
                parameter.try_reshape(&[])?
            } else {
                // PyTorch: the channel dim is dim 1; inputs of rank < 2 have one channel.
                let channels = if x.ndim() >= 2 { x.shape()[1] } else { 1 };
                if channels != count {
                    return Err(mismatch(format!("{count} weights for {channels} channels")));
                }
                let mut shape = vec![1; x.ndim()];
                shape[1] = count;
                parameter.try_reshape(&shape)?
            };
            Ok(learnable::apply_learnable(x, &view, PreluFn)?)
        }
        Elementwise::Swish {
            beta: SwishBeta::Learnable { .. },
        } => {
            if count != 1 {
                return Err(mismatch(format!("beta must have 1 element, got {count}")));
            }
            let view = parameter.try_reshape(&[])?;
            Ok(learnable::apply_learnable(x, &view, SwishBetaFn)?)
        }
        _ => unreachable!("only called for activations with a learnable parameter"),
    }
}

impl Activation {
    /// [`apply`] as a method: `act.apply(&x, None)`.
    pub fn apply<T: Element>(
        &self,
        x: &Tensor<T>,
        parameter: Option<&Tensor<T>>,
    ) -> Result<Tensor<T>, ActivationError> {
        apply(self, x, parameter)
    }
}

/// An activation with the learnable parameter it owns, ready to use as a layer.
///
/// [`ActivationOp::new`] creates PReLU's weight (shape `[num_parameters]`, every entry the
/// spec's `init`, PyTorch's 0.25 by default) or swish's β (shape `[1]`) with
/// `requires_grad`; activations without parameters own nothing.
#[derive(Clone)]
pub struct ActivationOp<T: Element> {
    spec: Activation,
    parameter: Option<Tensor<T>>,
}

impl<T: Element> std::fmt::Debug for ActivationOp<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActivationOp")
            .field("spec", &self.spec.to_string())
            .field("parameter", &self.parameter.as_ref().map(|p| p.to_vec()))
            .finish()
    }
}

impl<T: Element> ActivationOp<T> {
    /// [`ActivationOp::new`], checking the spec's parameters first
    /// ([`Activation::validate`]).
    pub fn try_new(spec: Activation) -> Result<Self, ActivationError> {
        spec.validate()?;
        Ok(ActivationOp::new(spec))
    }

    /// The activation with its parameter (if any) at the initial value. The initial value
    /// is deterministic, so no random seed is needed. The spec is not checked here (use
    /// [`ActivationOp::try_new`] for that); invalid parameters are reported by
    /// [`forward`](ActivationOp::forward).
    pub fn new(spec: Activation) -> Self {
        let parameter = spec
            .as_elementwise()
            .and_then(|e| e.learnable_parameter())
            .map(|p| {
                Tensor::<T>::full(&[p.count], T::from_f64(p.initial_value)).requires_grad_(true)
            });
        ActivationOp { spec, parameter }
    }

    /// The activation with a given parameter tensor (e.g. loaded from a checkpoint).
    /// Checks the element count against the spec.
    pub fn with_parameter(spec: Activation, parameter: Tensor<T>) -> Result<Self, ActivationError> {
        spec.validate()?;
        let expected = spec
            .as_elementwise()
            .and_then(|e| e.learnable_parameter())
            .ok_or_else(|| ActivationError::Parameter {
                activation: spec.name().to_string(),
                detail: "has no learnable parameter, but one was given".into(),
            })?;
        if parameter.numel() != expected.count {
            return Err(ActivationError::Parameter {
                activation: spec.name().to_string(),
                detail: format!(
                    "expected {} value(s) for `{}`, got {}",
                    expected.count,
                    expected.name,
                    parameter.numel()
                ),
            });
        }
        Ok(ActivationOp {
            spec,
            parameter: Some(parameter),
        })
    }

    /// The activation.
    pub fn spec(&self) -> &Activation {
        &self.spec
    }

    /// The learnable parameter, if the activation has one.
    pub fn parameter(&self) -> Option<&Tensor<T>> {
        self.parameter.as_ref()
    }

    /// The learnable parameters (empty or one tensor), for optimisers.
    pub fn parameters(&self) -> Vec<Tensor<T>> {
        self.parameter.iter().cloned().collect()
    }

    /// The name of the learnable parameter (`"weight"`, `"beta"`), if any.
    pub fn parameter_name(&self) -> Option<&'static str> {
        self.spec
            .as_elementwise()
            .and_then(|e| e.learnable_parameter())
            .map(|p| p.name)
    }

    /// Applies the activation (with the owned parameter) to `x`.
    pub fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>, ActivationError> {
        apply(&self.spec, x, self.parameter.as_ref())
    }
}
