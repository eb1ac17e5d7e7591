//! One [`UnaryFn`] per elementwise activation, each monomorphic (no `match` on the
//! [`Elementwise`] enum inside the per-element loop), so the engine's fused kernels
//! inline and vectorise the scalar functions of [`crate::functions`].
//!
//! Every function `Foo` comes with `FooPrime`, its derivative as a function: `Foo`'s
//! [`UnaryFn::derivative`] returns `FooPrime`, whose `df` is the second derivative. That is
//! what the engine needs for gradients of gradients (`create_graph`), so `gradgradcheck`
//! passes through every activation (for piecewise-linear ones the second derivative is 0
//! almost everywhere).
//!
//! [`apply_elementwise`] dispatches on the enum **once** per call and then runs
//! `x.map_unary(ConcreteFn { .. })`.

use std::sync::Arc;

use myelin_tensor::{Element, Tensor, TensorByDtype, UnaryFn};

use crate::error::ActivationError;
use crate::functions::step;
use crate::functions::step::Surrogate;
use crate::spec::Elementwise;

pub use crate::table::kernels::*;

/// An activation's monomorphic function: a [`UnaryFn`] (value, backward `df(x, y)`, and
/// its derivative as a function for double backward) that can also evaluate `f′` and `f″`
/// at a point. Every row of [`crate::table`] defines one (or several, chosen by a
/// parameter, like the binary step's surrogates).
pub trait Kernel<T: Element>: UnaryFn<T> + Copy {
    /// `f′(x)`.
    fn first(&self, x: T) -> T;
    /// `f″(x)` (almost everywhere; see [`crate::functions`]).
    fn second(&self, x: T) -> T;
}

/// Something done with an activation's [`Kernel`] ([`Elementwise::visit_kernel`]): the
/// kernel's concrete type is known inside `visit`, so per-element loops there inline it.
pub trait KernelVisitor<T: Element> {
    /// What the visit returns.
    type Output;
    /// Uses the kernel.
    fn visit<K: Kernel<T>>(self, kernel: K) -> Self::Output;
}

activation_fn!(/// Binary step whose backward reports the true derivative, 0.
    BinaryStep, BinaryStepPrime, "binary_step", [threshold],
    f: |x| step::binary_step(x, threshold),
    df: |x, y| step::binary_step_derivative(x, threshold, Surrogate::None),
    d1: |x| step::binary_step_derivative(x, threshold, Surrogate::None),
    d2: |x| step::binary_step_second_derivative(x, threshold, Surrogate::None));

activation_fn!(/// Binary step whose backward is the straight-through estimator (1 within ±1 of the threshold).
    BinaryStepSte, BinaryStepStePrime, "binary_step", [threshold],
    f: |x| step::binary_step(x, threshold),
    df: |x, y| step::binary_step_derivative(x, threshold, Surrogate::StraightThrough),
    d1: |x| step::binary_step_derivative(x, threshold, Surrogate::StraightThrough),
    d2: |x| step::binary_step_second_derivative(x, threshold, Surrogate::StraightThrough));

activation_fn!(/// Binary step whose backward is the derivative of a steep sigmoid `k·σ'(k(x − t))`.
    BinaryStepSigmoid, BinaryStepSigmoidPrime, "binary_step", [threshold, sharpness],
    f: |x| step::binary_step(x, threshold),
    df: |x, y| sigmoid_surrogate(x, threshold, sharpness),
    d1: |x| sigmoid_surrogate(x, threshold, sharpness),
    d2: |x| sigmoid_surrogate_slope(x, threshold, sharpness));

/// The sigmoid surrogate with its sharpness already converted (no enum in the loop).
#[inline(always)]
fn sigmoid_surrogate<T: Element>(x: T, threshold: T, sharpness: T) -> T {
    let shifted = x - threshold;
    if shifted.is_nan() {
        return shifted;
    }
    let z = sharpness * shifted;
    sharpness * z.vsigmoid() * (-z).vsigmoid()
}

/// Derivative of [`sigmoid_surrogate`]: `k²·σ''(k(x − t))`.
#[inline(always)]
fn sigmoid_surrogate_slope<T: Element>(x: T, threshold: T, sharpness: T) -> T {
    let shifted = x - threshold;
    if shifted.is_nan() {
        return shifted;
    }
    let z = sharpness * shifted;
    let slope = z.vsigmoid() * (-z).vsigmoid();
    -sharpness * sharpness * slope * (z * T::from_f64(0.5)).vtanh()
}

/// Applies the kernel to a tensor as one fused op.
struct MapUnary<'a, T: Element>(&'a Tensor<T>);

impl<T: Element> KernelVisitor<T> for MapUnary<'_, T> {
    type Output = Tensor<T>;
    fn visit<K: Kernel<T>>(self, kernel: K) -> Tensor<T> {
        self.0.map_unary(kernel)
    }
}

/// Boxes the kernel.
struct Boxed;

impl<T: Element> KernelVisitor<T> for Boxed {
    type Output = Arc<dyn UnaryFn<T>>;
    fn visit<K: Kernel<T>>(self, kernel: K) -> Arc<dyn UnaryFn<T>> {
        Arc::new(kernel)
    }
}

/// The initial value of the learnable parameter (0 when there is none).
fn frozen_parameter(e: &Elementwise) -> f64 {
    e.learnable_parameter().map_or(0.0, |p| p.initial_value)
}

/// Applies an elementwise activation as one fused, differentiable op. A learnable parameter
/// (PReLU's weight, swish's β) is frozen at its initial value; use
/// [`crate::apply`] or [`crate::ActivationOp`] to learn it.
///
/// # Panics
/// If the parameters are invalid ([`Elementwise::validate`]), with the same message
/// [`try_apply_elementwise`] returns.
pub fn apply_elementwise<T: Element>(e: &Elementwise, x: &Tensor<T>) -> Tensor<T> {
    try_apply_elementwise(e, x).unwrap_or_else(|err| panic!("{err}"))
}

/// [`apply_elementwise`], returning an error for invalid parameters (for example
/// `HardTanh { min: 2, max: 1 }`) instead of panicking.
pub fn try_apply_elementwise<T: Element>(
    e: &Elementwise,
    x: &Tensor<T>,
) -> Result<Tensor<T>, ActivationError> {
    // Branch on the dtype here, so the ~60 fused kernels behind `map_unary` are compiled
    // once in this crate, not again in every crate that applies an activation.
    match x.by_dtype() {
        TensorByDtype::F32(x) => apply_elementwise_f32(e, x).map(Tensor::from_dtype),
        TensorByDtype::F64(x) => apply_elementwise_f64(e, x).map(Tensor::from_dtype),
    }
}

#[inline(never)]
fn apply_elementwise_f32(e: &Elementwise, x: &Tensor<f32>) -> Result<Tensor<f32>, ActivationError> {
    apply_elementwise_typed(e, x)
}

#[inline(never)]
fn apply_elementwise_f64(e: &Elementwise, x: &Tensor<f64>) -> Result<Tensor<f64>, ActivationError> {
    apply_elementwise_typed(e, x)
}

fn apply_elementwise_typed<T: Element>(
    e: &Elementwise,
    x: &Tensor<T>,
) -> Result<Tensor<T>, ActivationError> {
    e.validate()?;
    Ok(e.visit_kernel(T::from_f64(frozen_parameter(e)), MapUnary(x)))
}

/// The activation as a boxed [`UnaryFn`] (learnable parameters frozen at their initial
/// value). Every call through the box is dynamic, so prefer [`apply_elementwise`] for
/// tensors; this is for callers that need to store or compose the function.
///
/// # Panics
/// If the parameters are invalid ([`Elementwise::validate`]).
pub fn unary_fn<T: Element>(e: &Elementwise) -> Arc<dyn UnaryFn<T>> {
    e.validate().unwrap_or_else(|err| panic!("{err}"));
    e.visit_kernel(T::from_f64(frozen_parameter(e)), Boxed)
}
