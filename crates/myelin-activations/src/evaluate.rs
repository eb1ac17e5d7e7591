//! Evaluating an [`Elementwise`] activation: value, derivative, second derivative, and the
//! derivative with respect to a learnable parameter.

use myelin_tensor::Element;

use crate::spec::Elementwise;
use crate::tensor_ops::unary::{Kernel, KernelVisitor};

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
    /// the ELU family, identical to [`Elementwise::derivative`] for the rest (the `df` of
    /// the activation's kernel, as used in backward).
    #[inline]
    pub fn derivative_given_output<T: Element>(&self, x: T, y: T) -> T {
        self.visit_kernel(
            T::from_f64(self.parameter_or_zero()),
            DerivativeGivenOutput(x, y),
        )
    }

    /// The initial value of the learnable parameter, or 0 (unused) when there is none.
    fn parameter_or_zero(&self) -> f64 {
        self.learnable_parameter().map_or(0.0, |p| p.initial_value)
    }

    /// `f(x, p)` with the learnable parameter set to `parameter`; for activations without
    /// one, `parameter` is ignored and this is `f(x)`.
    #[inline]
    pub fn value_with_parameter<T: Element>(&self, x: T, parameter: T) -> T {
        self.visit_kernel(parameter, Value(x))
    }

    /// `∂f/∂x (x, p)` with the learnable parameter set to `parameter` (ignored when there is
    /// none).
    #[inline]
    pub fn derivative_with_parameter<T: Element>(&self, x: T, parameter: T) -> T {
        self.visit_kernel(parameter, Derivative(x))
    }

    /// `∂²f/∂x² (x, p)` with the learnable parameter set to `parameter`.
    #[inline]
    pub fn second_derivative_with_parameter<T: Element>(&self, x: T, parameter: T) -> T {
        self.visit_kernel(parameter, SecondDerivative(x))
    }
}

/// Evaluates a kernel's `f` at one point.
struct Value<T>(T);
/// Evaluates a kernel's `f′` at one point.
struct Derivative<T>(T);
/// Evaluates a kernel's `f″` at one point.
struct SecondDerivative<T>(T);
/// Evaluates a kernel's backward `df(x, y)` at one point.
struct DerivativeGivenOutput<T>(T, T);

impl<T: Element> KernelVisitor<T> for Value<T> {
    type Output = T;
    #[inline(always)]
    fn visit<K: Kernel<T>>(self, kernel: K) -> T {
        kernel.f(self.0)
    }
}

impl<T: Element> KernelVisitor<T> for Derivative<T> {
    type Output = T;
    #[inline(always)]
    fn visit<K: Kernel<T>>(self, kernel: K) -> T {
        kernel.first(self.0)
    }
}

impl<T: Element> KernelVisitor<T> for SecondDerivative<T> {
    type Output = T;
    #[inline(always)]
    fn visit<K: Kernel<T>>(self, kernel: K) -> T {
        kernel.second(self.0)
    }
}

impl<T: Element> KernelVisitor<T> for DerivativeGivenOutput<T> {
    type Output = T;
    #[inline(always)]
    fn visit<K: Kernel<T>>(self, kernel: K) -> T {
        kernel.df(self.0, self.1)
    }
}
