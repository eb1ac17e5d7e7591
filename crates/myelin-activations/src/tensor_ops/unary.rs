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

use std::marker::PhantomData;
use std::sync::Arc;

use myelin_tensor::{Element, Tensor, TensorByDtype, UnaryFn};

use crate::error::ActivationError;
use crate::functions::step::Surrogate;
use crate::functions::{elu, gelu, identity, relu, shrink, sigmoid, softplus, step, swish, tanh};
use crate::spec::Elementwise;

/// Defines `$name<T>` (the function) and `$prime<T>` (its derivative as a function), both
/// `UnaryFn<T>` with the listed parameters stored as `T`.
macro_rules! activation_fn {
    (
        $(#[$doc:meta])*
        $name:ident, $prime:ident, $label:literal, [$($p:ident),*],
        f: |$x:ident| $f:expr,
        df: |$dx:ident, $y:ident| $df:expr,
        d1: |$x1:ident| $d1:expr,
        d2: |$x2:ident| $d2:expr $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name<T> {
            $(
                #[doc = concat!("The `", stringify!($p), "` parameter.")]
                pub $p: T,
            )*
            _element: PhantomData<T>,
        }

        impl<T: Element> $name<T> {
            /// The function with these parameters.
            #[allow(clippy::new_without_default)]
            pub fn new($($p: T),*) -> Self {
                $name { $($p,)* _element: PhantomData }
            }
        }

        #[doc = concat!("The derivative of [`", stringify!($name), "`] as a function (its `df` is the second derivative).")]
        #[derive(Clone, Copy, Debug)]
        pub struct $prime<T> {
            $(
                #[doc = concat!("The `", stringify!($p), "` parameter.")]
                pub $p: T,
            )*
            _element: PhantomData<T>,
        }

        impl<T: Element> UnaryFn<T> for $name<T> {
            fn name(&self) -> &'static str {
                $label
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn f(&self, $x: T) -> T {
                let $name { $($p,)* .. } = *self;
                $f
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn df(&self, $dx: T, $y: T) -> T {
                let $name { $($p,)* .. } = *self;
                $df
            }
            fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
                Some(Arc::new($prime { $($p: self.$p,)* _element: PhantomData }))
            }
        }

        impl<T: Element> UnaryFn<T> for $prime<T> {
            fn name(&self) -> &'static str {
                concat!($label, "_backward")
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn f(&self, $x1: T) -> T {
                let $prime { $($p,)* .. } = *self;
                $d1
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn df(&self, $x2: T, _y: T) -> T {
                let $prime { $($p,)* .. } = *self;
                $d2
            }
        }
    };
}

activation_fn!(/// `x`.
    Identity, IdentityPrime, "identity", [],
    f: |x| identity::identity(x),
    df: |x, y| identity::identity_derivative(x),
    d1: |x| identity::identity_derivative(x),
    d2: |x| identity::identity_second_derivative(x));

activation_fn!(/// `max(x, 0)`; `relu'(0) = 0`.
    Relu, ReluPrime, "relu", [],
    f: |x| relu::relu(x),
    df: |x, y| relu::relu_derivative(x),
    d1: |x| relu::relu_derivative(x),
    d2: |x| relu::relu_second_derivative(x));

activation_fn!(/// Leaky ReLU with a fixed slope; `f'(0) = slope`.
    LeakyRelu, LeakyReluPrime, "leaky_relu", [slope],
    f: |x| relu::leaky_relu(x, slope),
    df: |x, y| relu::leaky_relu_derivative(x, slope),
    d1: |x| relu::leaky_relu_derivative(x, slope),
    d2: |x| relu::leaky_relu_second_derivative(x));

activation_fn!(/// PReLU with its weight frozen at a value (no parameter tensor supplied).
    PreluFixed, PreluFixedPrime, "prelu", [weight],
    f: |x| relu::prelu(x, weight),
    df: |x, y| relu::prelu_derivative(x, weight),
    d1: |x| relu::prelu_derivative(x, weight),
    d2: |x| relu::prelu_second_derivative(x));

activation_fn!(/// `clamp(x, 0, 6)`; derivative 0 at both edges.
    Relu6, Relu6Prime, "relu6", [],
    f: |x| relu::relu6(x),
    df: |x, y| relu::relu6_derivative(x),
    d1: |x| relu::relu6_derivative(x),
    d2: |x| relu::relu6_second_derivative(x));

activation_fn!(/// `max(x, 0)²`.
    SquaredRelu, SquaredReluPrime, "squared_relu", [],
    f: |x| relu::squared_relu(x),
    df: |x, y| relu::squared_relu_derivative(x),
    d1: |x| relu::squared_relu_derivative(x),
    d2: |x| relu::squared_relu_second_derivative(x));

activation_fn!(/// The logistic sigmoid; backward reuses the output (`y(1 − y)`).
    Sigmoid, SigmoidPrime, "sigmoid", [],
    f: |x| sigmoid::sigmoid(x),
    df: |x, y| sigmoid::sigmoid_derivative_from_output(y),
    d1: |x| sigmoid::sigmoid_derivative(x),
    d2: |x| sigmoid::sigmoid_second_derivative(x));

activation_fn!(/// `ln σ(x)`.
    LogSigmoid, LogSigmoidPrime, "log_sigmoid", [],
    f: |x| sigmoid::log_sigmoid(x),
    df: |x, y| sigmoid::log_sigmoid_derivative(x),
    d1: |x| sigmoid::log_sigmoid_derivative(x),
    d2: |x| sigmoid::log_sigmoid_second_derivative(x));

activation_fn!(/// `clamp(x/6 + 1/2, 0, 1)`.
    HardSigmoid, HardSigmoidPrime, "hardsigmoid", [],
    f: |x| sigmoid::hardsigmoid(x),
    df: |x, y| sigmoid::hardsigmoid_derivative(x),
    d1: |x| sigmoid::hardsigmoid_derivative(x),
    d2: |x| sigmoid::hardsigmoid_second_derivative(x));

activation_fn!(/// `tanh x`; backward reuses the output (`1 − y²`).
    Tanh, TanhPrime, "tanh", [],
    f: |x| tanh::tanh(x),
    df: |x, y| tanh::tanh_derivative_from_output(y),
    d1: |x| tanh::tanh_derivative(x),
    d2: |x| tanh::tanh_second_derivative(x));

activation_fn!(/// `x − tanh x`.
    TanhShrink, TanhShrinkPrime, "tanhshrink", [],
    f: |x| tanh::tanhshrink(x),
    df: |x, y| tanh::tanhshrink_derivative(x),
    d1: |x| tanh::tanhshrink_derivative(x),
    d2: |x| tanh::tanhshrink_second_derivative(x));

activation_fn!(/// `x/(1 + |x|)`.
    Softsign, SoftsignPrime, "softsign", [],
    f: |x| tanh::softsign(x),
    df: |x, y| tanh::softsign_derivative(x),
    d1: |x| tanh::softsign_derivative(x),
    d2: |x| tanh::softsign_second_derivative(x));

activation_fn!(/// `clamp(x, min, max)`; derivative 0 at both edges.
    HardTanh, HardTanhPrime, "hardtanh", [min, max],
    f: |x| tanh::hardtanh(x, min, max),
    df: |x, y| tanh::hardtanh_derivative(x, min, max),
    d1: |x| tanh::hardtanh_derivative(x, min, max),
    d2: |x| tanh::hardtanh_second_derivative(x));

activation_fn!(/// ELU; backward reuses the output (`y + α` on the negative side).
    Elu, EluPrime, "elu", [alpha],
    f: |x| elu::elu(x, alpha),
    df: |x, y| elu::elu_derivative_from_output(x, y, alpha),
    d1: |x| elu::elu_derivative(x, alpha),
    d2: |x| elu::elu_second_derivative(x, alpha));

activation_fn!(/// CELU.
    Celu, CeluPrime, "celu", [alpha],
    f: |x| elu::celu(x, alpha),
    df: |x, y| elu::celu_derivative(x, alpha),
    d1: |x| elu::celu_derivative(x, alpha),
    d2: |x| elu::celu_second_derivative(x, alpha));

activation_fn!(/// SELU; backward reuses the output.
    Selu, SeluPrime, "selu", [],
    f: |x| elu::selu(x),
    df: |x, y| elu::selu_derivative_from_output(x, y),
    d1: |x| elu::selu_derivative(x),
    d2: |x| elu::selu_second_derivative(x));

activation_fn!(/// Exact GELU `x·Φ(x)`.
    Gelu, GeluPrime, "gelu", [],
    f: |x| gelu::gelu(x),
    df: |x, y| gelu::gelu_derivative(x),
    d1: |x| gelu::gelu_derivative(x),
    d2: |x| gelu::gelu_second_derivative(x));

activation_fn!(/// GELU, tanh approximation.
    GeluTanh, GeluTanhPrime, "gelu_tanh", [],
    f: |x| gelu::gelu_tanh(x),
    df: |x, y| gelu::gelu_tanh_derivative(x),
    d1: |x| gelu::gelu_tanh_derivative(x),
    d2: |x| gelu::gelu_tanh_second_derivative(x));

activation_fn!(/// `x·σ(1.702x)`.
    QuickGelu, QuickGeluPrime, "quick_gelu", [],
    f: |x| gelu::quick_gelu(x),
    df: |x, y| gelu::quick_gelu_derivative(x),
    d1: |x| gelu::quick_gelu_derivative(x),
    d2: |x| gelu::quick_gelu_second_derivative(x));

activation_fn!(/// `x·σ(x)`.
    Silu, SiluPrime, "silu", [],
    f: |x| swish::silu(x),
    df: |x, y| swish::silu_derivative(x),
    d1: |x| swish::silu_derivative(x),
    d2: |x| swish::silu_second_derivative(x));

activation_fn!(/// `x·σ(βx)` with a fixed β (or a learnable β frozen at its value).
    Swish, SwishPrime, "swish", [beta],
    f: |x| swish::swish(x, beta),
    df: |x, y| swish::swish_derivative(x, beta),
    d1: |x| swish::swish_derivative(x, beta),
    d2: |x| swish::swish_second_derivative(x, beta));

activation_fn!(/// `x·tanh(softplus(x))`.
    Mish, MishPrime, "mish", [],
    f: |x| swish::mish(x),
    df: |x, y| swish::mish_derivative(x),
    d1: |x| swish::mish_derivative(x),
    d2: |x| swish::mish_second_derivative(x));

activation_fn!(/// `x·relu6(x + 3)/6`.
    HardSwish, HardSwishPrime, "hardswish", [],
    f: |x| swish::hardswish(x),
    df: |x, y| swish::hardswish_derivative(x),
    d1: |x| swish::hardswish_derivative(x),
    d2: |x| swish::hardswish_second_derivative(x));

activation_fn!(/// `ln(1 + e^{βx})/β`, linear above the threshold.
    Softplus, SoftplusPrime, "softplus", [beta, threshold],
    f: |x| softplus::softplus(x, beta, threshold),
    df: |x, y| softplus::softplus_derivative(x, beta, threshold),
    d1: |x| softplus::softplus_derivative(x, beta, threshold),
    d2: |x| softplus::softplus_second_derivative(x, beta, threshold));

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

activation_fn!(/// PyTorch's `Threshold`: `x` above the threshold, `value` otherwise.
    Threshold, ThresholdPrime, "threshold", [threshold, value],
    f: |x| step::threshold(x, threshold, value),
    df: |x, y| step::threshold_derivative(x, threshold),
    d1: |x| step::threshold_derivative(x, threshold),
    d2: |x| step::threshold_second_derivative(x));

activation_fn!(/// Soft shrinkage by λ.
    SoftShrink, SoftShrinkPrime, "softshrink", [lambda],
    f: |x| shrink::softshrink(x, lambda),
    df: |x, y| shrink::softshrink_derivative(x, lambda),
    d1: |x| shrink::softshrink_derivative(x, lambda),
    d2: |x| shrink::shrink_second_derivative(x));

activation_fn!(/// Hard shrinkage at λ.
    HardShrink, HardShrinkPrime, "hardshrink", [lambda],
    f: |x| shrink::hardshrink(x, lambda),
    df: |x, y| shrink::hardshrink_derivative(x, lambda),
    d1: |x| shrink::hardshrink_derivative(x, lambda),
    d2: |x| shrink::shrink_second_derivative(x));

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

/// Runs `$body` with `$func` bound to the concrete [`UnaryFn`] of the elementwise
/// activation `$e` (parameters converted to `$T`; a learnable parameter frozen at
/// `$parameter`). One `match`, outside any per-element loop.
macro_rules! with_unary_fn {
    ($e:expr, $T:ty, $parameter:expr, |$func:ident| $body:expr) => {{
        let c = <$T as Element>::from_f64;
        let parameter: $T = $parameter;
        match *$e {
            Elementwise::Identity => {
                let $func = Identity::<$T>::new();
                $body
            }
            Elementwise::Relu => {
                let $func = Relu::<$T>::new();
                $body
            }
            Elementwise::LeakyRelu { slope } => {
                let $func = LeakyRelu::<$T>::new(c(slope));
                $body
            }
            Elementwise::Prelu { .. } => {
                let $func = PreluFixed::<$T>::new(parameter);
                $body
            }
            Elementwise::Relu6 => {
                let $func = Relu6::<$T>::new();
                $body
            }
            Elementwise::SquaredRelu => {
                let $func = SquaredRelu::<$T>::new();
                $body
            }
            Elementwise::Sigmoid => {
                let $func = Sigmoid::<$T>::new();
                $body
            }
            Elementwise::LogSigmoid => {
                let $func = LogSigmoid::<$T>::new();
                $body
            }
            Elementwise::HardSigmoid => {
                let $func = HardSigmoid::<$T>::new();
                $body
            }
            Elementwise::Tanh => {
                let $func = Tanh::<$T>::new();
                $body
            }
            Elementwise::TanhShrink => {
                let $func = TanhShrink::<$T>::new();
                $body
            }
            Elementwise::Softsign => {
                let $func = Softsign::<$T>::new();
                $body
            }
            Elementwise::HardTanh { min, max } => {
                let $func = HardTanh::<$T>::new(c(min), c(max));
                $body
            }
            Elementwise::Elu { alpha } => {
                let $func = Elu::<$T>::new(c(alpha));
                $body
            }
            Elementwise::Celu { alpha } => {
                let $func = Celu::<$T>::new(c(alpha));
                $body
            }
            Elementwise::Selu => {
                let $func = Selu::<$T>::new();
                $body
            }
            Elementwise::Gelu => {
                let $func = Gelu::<$T>::new();
                $body
            }
            Elementwise::GeluTanh => {
                let $func = GeluTanh::<$T>::new();
                $body
            }
            Elementwise::QuickGelu => {
                let $func = QuickGelu::<$T>::new();
                $body
            }
            Elementwise::Silu => {
                let $func = Silu::<$T>::new();
                $body
            }
            Elementwise::Swish { beta } => {
                let beta = match beta {
                    crate::spec::SwishBeta::Fixed(beta) => c(beta),
                    crate::spec::SwishBeta::Learnable { .. } => parameter,
                };
                let $func = Swish::<$T>::new(beta);
                $body
            }
            Elementwise::Mish => {
                let $func = Mish::<$T>::new();
                $body
            }
            Elementwise::HardSwish => {
                let $func = HardSwish::<$T>::new();
                $body
            }
            Elementwise::Softplus { beta, threshold } => {
                let $func = Softplus::<$T>::new(c(beta), c(threshold));
                $body
            }
            Elementwise::BinaryStep {
                threshold,
                surrogate,
            } => match surrogate {
                Surrogate::None => {
                    let $func = BinaryStep::<$T>::new(c(threshold));
                    $body
                }
                Surrogate::StraightThrough => {
                    let $func = BinaryStepSte::<$T>::new(c(threshold));
                    $body
                }
                Surrogate::Sigmoid { sharpness } => {
                    let $func = BinaryStepSigmoid::<$T>::new(c(threshold), c(sharpness));
                    $body
                }
            },
            Elementwise::Threshold { threshold, value } => {
                let $func = Threshold::<$T>::new(c(threshold), c(value));
                $body
            }
            Elementwise::SoftShrink { lambda } => {
                let $func = SoftShrink::<$T>::new(c(lambda));
                $body
            }
            Elementwise::HardShrink { lambda } => {
                let $func = HardShrink::<$T>::new(c(lambda));
                $body
            }
        }
    }};
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
    Ok(with_unary_fn!(
        e,
        T,
        T::from_f64(frozen_parameter(e)),
        |func| x.map_unary(func)
    ))
}

/// The activation as a boxed [`UnaryFn`] (learnable parameters frozen at their initial
/// value). Every call through the box is dynamic, so prefer [`apply_elementwise`] for
/// tensors; this is for callers that need to store or compose the function.
///
/// # Panics
/// If the parameters are invalid ([`Elementwise::validate`]).
pub fn unary_fn<T: Element>(e: &Elementwise) -> Arc<dyn UnaryFn<T>> {
    e.validate().unwrap_or_else(|err| panic!("{err}"));
    with_unary_fn!(
        e,
        T,
        T::from_f64(frozen_parameter(e)),
        |func| Arc::new(func) as Arc<dyn UnaryFn<T>>
    )
}
