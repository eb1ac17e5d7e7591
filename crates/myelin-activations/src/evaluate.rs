//! Evaluating an [`Elementwise`] activation: value, derivative, second derivative, and the
//! derivative with respect to a learnable parameter.

use myelin_tensor::Element;

use crate::functions::{elu, gelu, identity, relu, shrink, sigmoid, softplus, step, swish, tanh};
use crate::spec::{Elementwise, SwishBeta};

/// A learnable parameter of an activation (PReLU's slope, swish's β).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LearnableParameter {
    /// The parameter's name: `"weight"` (PReLU) or `"beta"` (swish).
    pub name: &'static str,
    /// Its initial value.
    pub initial_value: f64,
    /// How many independent copies (PReLU's `num_parameters`; 1 for swish).
    pub count: usize,
}

impl Elementwise {
    /// `f(x)`, using learnable parameters at their initial value.
    #[inline]
    pub fn value<T: Element>(&self, x: T) -> T {
        self.value_with_parameter(x, T::from_f64(self.parameter_or_zero()))
    }

    /// `f'(x)` (the derivative used in backward; see the `functions` module for the
    /// conventions at kinks and for the binary step's surrogate).
    #[inline]
    pub fn derivative<T: Element>(&self, x: T) -> T {
        self.derivative_with_parameter(x, T::from_f64(self.parameter_or_zero()))
    }

    /// `f''(x)`: the derivative of [`Elementwise::derivative`] almost everywhere (0 on linear
    /// pieces, the one-sided value at kinks). Check `meta().smoothness` to know whether `f`
    /// is genuinely twice differentiable.
    #[inline]
    pub fn second_derivative<T: Element>(&self, x: T) -> T {
        self.second_derivative_with_parameter(x, T::from_f64(self.parameter_or_zero()))
    }

    /// `f'(x)` given the already computed output `y = f(x)`; cheaper for sigmoid, tanh and
    /// the ELU family, identical to [`Elementwise::derivative`] for the rest.
    #[inline]
    pub fn derivative_given_output<T: Element>(&self, x: T, y: T) -> T {
        let c = T::from_f64;
        match *self {
            Elementwise::Sigmoid => sigmoid::sigmoid_derivative_from_output(y),
            Elementwise::Tanh => tanh::tanh_derivative_from_output(y),
            Elementwise::Elu { alpha } => elu::elu_derivative_from_output(x, y, c(alpha)),
            Elementwise::Selu => elu::selu_derivative_from_output(x, y),
            _ => self.derivative(x),
        }
    }

    /// The learnable parameter, if the activation has one: PReLU's `weight` and
    /// `swish(beta=learnable)`'s `beta`.
    pub fn learnable_parameter(&self) -> Option<LearnableParameter> {
        match *self {
            Elementwise::Prelu {
                init,
                num_parameters,
            } => Some(LearnableParameter {
                name: "weight",
                initial_value: init,
                count: num_parameters,
            }),
            Elementwise::Swish {
                beta: SwishBeta::Learnable { init },
            } => Some(LearnableParameter {
                name: "beta",
                initial_value: init,
                count: 1,
            }),
            _ => None,
        }
    }

    /// The initial value of the learnable parameter, or 0 (unused) when there is none.
    fn parameter_or_zero(&self) -> f64 {
        self.learnable_parameter().map_or(0.0, |p| p.initial_value)
    }

    /// `f(x, p)` with the learnable parameter set to `parameter`; for activations without
    /// one, `parameter` is ignored and this is `f(x)`.
    #[inline]
    pub fn value_with_parameter<T: Element>(&self, x: T, parameter: T) -> T {
        let c = T::from_f64;
        match *self {
            Elementwise::Identity => identity::identity(x),
            Elementwise::Relu => relu::relu(x),
            Elementwise::LeakyRelu { slope } => relu::leaky_relu(x, c(slope)),
            Elementwise::Prelu { .. } => relu::prelu(x, parameter),
            Elementwise::Relu6 => relu::relu6(x),
            Elementwise::SquaredRelu => relu::squared_relu(x),
            Elementwise::Sigmoid => sigmoid::sigmoid(x),
            Elementwise::LogSigmoid => sigmoid::log_sigmoid(x),
            Elementwise::HardSigmoid => sigmoid::hardsigmoid(x),
            Elementwise::Tanh => tanh::tanh(x),
            Elementwise::TanhShrink => tanh::tanhshrink(x),
            Elementwise::Softsign => tanh::softsign(x),
            Elementwise::HardTanh { min, max } => tanh::hardtanh(x, c(min), c(max)),
            Elementwise::Elu { alpha } => elu::elu(x, c(alpha)),
            Elementwise::Celu { alpha } => elu::celu(x, c(alpha)),
            Elementwise::Selu => elu::selu(x),
            Elementwise::Gelu => gelu::gelu(x),
            Elementwise::GeluTanh => gelu::gelu_tanh(x),
            Elementwise::QuickGelu => gelu::quick_gelu(x),
            Elementwise::Silu => swish::silu(x),
            Elementwise::Swish { beta } => swish::swish(x, swish_beta(beta, parameter)),
            Elementwise::Mish => swish::mish(x),
            Elementwise::HardSwish => swish::hardswish(x),
            Elementwise::Softplus { beta, threshold } => {
                softplus::softplus(x, c(beta), c(threshold))
            }
            Elementwise::BinaryStep { threshold, .. } => step::binary_step(x, c(threshold)),
            Elementwise::Threshold { threshold, value } => {
                step::threshold(x, c(threshold), c(value))
            }
            Elementwise::SoftShrink { lambda } => shrink::softshrink(x, c(lambda)),
            Elementwise::HardShrink { lambda } => shrink::hardshrink(x, c(lambda)),
        }
    }

    /// `∂f/∂x (x, p)` with the learnable parameter set to `parameter` (ignored when there is
    /// none).
    #[inline]
    pub fn derivative_with_parameter<T: Element>(&self, x: T, parameter: T) -> T {
        let c = T::from_f64;
        match *self {
            Elementwise::Identity => identity::identity_derivative(x),
            Elementwise::Relu => relu::relu_derivative(x),
            Elementwise::LeakyRelu { slope } => relu::leaky_relu_derivative(x, c(slope)),
            Elementwise::Prelu { .. } => relu::prelu_derivative(x, parameter),
            Elementwise::Relu6 => relu::relu6_derivative(x),
            Elementwise::SquaredRelu => relu::squared_relu_derivative(x),
            Elementwise::Sigmoid => sigmoid::sigmoid_derivative(x),
            Elementwise::LogSigmoid => sigmoid::log_sigmoid_derivative(x),
            Elementwise::HardSigmoid => sigmoid::hardsigmoid_derivative(x),
            Elementwise::Tanh => tanh::tanh_derivative(x),
            Elementwise::TanhShrink => tanh::tanhshrink_derivative(x),
            Elementwise::Softsign => tanh::softsign_derivative(x),
            Elementwise::HardTanh { min, max } => tanh::hardtanh_derivative(x, c(min), c(max)),
            Elementwise::Elu { alpha } => elu::elu_derivative(x, c(alpha)),
            Elementwise::Celu { alpha } => elu::celu_derivative(x, c(alpha)),
            Elementwise::Selu => elu::selu_derivative(x),
            Elementwise::Gelu => gelu::gelu_derivative(x),
            Elementwise::GeluTanh => gelu::gelu_tanh_derivative(x),
            Elementwise::QuickGelu => gelu::quick_gelu_derivative(x),
            Elementwise::Silu => swish::silu_derivative(x),
            Elementwise::Swish { beta } => swish::swish_derivative(x, swish_beta(beta, parameter)),
            Elementwise::Mish => swish::mish_derivative(x),
            Elementwise::HardSwish => swish::hardswish_derivative(x),
            Elementwise::Softplus { beta, threshold } => {
                softplus::softplus_derivative(x, c(beta), c(threshold))
            }
            Elementwise::BinaryStep {
                threshold,
                surrogate,
            } => step::binary_step_derivative(x, c(threshold), surrogate),
            Elementwise::Threshold { threshold, .. } => step::threshold_derivative(x, c(threshold)),
            Elementwise::SoftShrink { lambda } => shrink::softshrink_derivative(x, c(lambda)),
            Elementwise::HardShrink { lambda } => shrink::hardshrink_derivative(x, c(lambda)),
        }
    }

    /// `∂²f/∂x² (x, p)` with the learnable parameter set to `parameter`.
    #[inline]
    pub fn second_derivative_with_parameter<T: Element>(&self, x: T, parameter: T) -> T {
        let c = T::from_f64;
        match *self {
            Elementwise::Identity => identity::identity_second_derivative(x),
            Elementwise::Relu => relu::relu_second_derivative(x),
            Elementwise::LeakyRelu { .. } => relu::leaky_relu_second_derivative(x),
            Elementwise::Prelu { .. } => relu::prelu_second_derivative(x),
            Elementwise::Relu6 => relu::relu6_second_derivative(x),
            Elementwise::SquaredRelu => relu::squared_relu_second_derivative(x),
            Elementwise::Sigmoid => sigmoid::sigmoid_second_derivative(x),
            Elementwise::LogSigmoid => sigmoid::log_sigmoid_second_derivative(x),
            Elementwise::HardSigmoid => sigmoid::hardsigmoid_second_derivative(x),
            Elementwise::Tanh => tanh::tanh_second_derivative(x),
            Elementwise::TanhShrink => tanh::tanhshrink_second_derivative(x),
            Elementwise::Softsign => tanh::softsign_second_derivative(x),
            Elementwise::HardTanh { .. } => tanh::hardtanh_second_derivative(x),
            Elementwise::Elu { alpha } => elu::elu_second_derivative(x, c(alpha)),
            Elementwise::Celu { alpha } => elu::celu_second_derivative(x, c(alpha)),
            Elementwise::Selu => elu::selu_second_derivative(x),
            Elementwise::Gelu => gelu::gelu_second_derivative(x),
            Elementwise::GeluTanh => gelu::gelu_tanh_second_derivative(x),
            Elementwise::QuickGelu => gelu::quick_gelu_second_derivative(x),
            Elementwise::Silu => swish::silu_second_derivative(x),
            Elementwise::Swish { beta } => {
                swish::swish_second_derivative(x, swish_beta(beta, parameter))
            }
            Elementwise::Mish => swish::mish_second_derivative(x),
            Elementwise::HardSwish => swish::hardswish_second_derivative(x),
            Elementwise::Softplus { beta, threshold } => {
                softplus::softplus_second_derivative(x, c(beta), c(threshold))
            }
            Elementwise::BinaryStep {
                threshold,
                surrogate,
            } => step::binary_step_second_derivative(x, c(threshold), surrogate),
            Elementwise::Threshold { .. } => step::threshold_second_derivative(x),
            Elementwise::SoftShrink { .. } | Elementwise::HardShrink { .. } => {
                shrink::shrink_second_derivative(x)
            }
        }
    }

    /// `∂f/∂p (x, p)` for the learnable parameter `p` (PReLU: `x` for `x ≤ 0`, else 0;
    /// swish: `x²σ'(βx)`), or `None` when the activation has no learnable parameter.
    #[inline]
    pub fn parameter_derivative<T: Element>(&self, x: T, parameter: T) -> Option<T> {
        match *self {
            Elementwise::Prelu { .. } => Some(relu::prelu_weight_derivative(x)),
            Elementwise::Swish {
                beta: SwishBeta::Learnable { .. },
            } => Some(swish::swish_beta_derivative(x, parameter)),
            _ => None,
        }
    }
}

/// The β to use: the learned value for a learnable β, the constant otherwise.
#[inline]
fn swish_beta<T: Element>(beta: SwishBeta, parameter: T) -> T {
    match beta {
        SwishBeta::Fixed(beta) => T::from_f64(beta),
        SwishBeta::Learnable { .. } => parameter,
    }
}
