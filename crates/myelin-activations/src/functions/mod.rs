//! Scalar activation functions: value `f(x)`, derivative `f'(x)` and second derivative
//! `f''(x)`, generic over [`Element`] (`f32` and `f64`).
//!
//! Conventions shared by every family:
//!
//! * **NaN in, NaN out** — for values and for derivatives.
//! * **Kinks follow PyTorch's backward**: the derivative at a point where the function is
//!   not differentiable is the value PyTorch's autograd returns there (documented on each
//!   function).
//! * **Second derivatives are "almost everywhere"**: `*_second_derivative` is the derivative
//!   of the `*_derivative` function wherever that is differentiable, and the one-sided value
//!   (usually 0 on linear pieces) at kinks. That makes double backward consistent with
//!   backward. Whether the function is genuinely twice differentiable is recorded in
//!   [`crate::meta`] (`smoothness`).
//! * **No overflow on an unselected branch**: exponentials are only evaluated on arguments
//!   that cannot overflow, so no `inf · 0` or `inf − inf` ever leaks into a result.
//!
//! Parameters (slopes, `alpha`, `beta`, ...) are passed as `T`; validation of their ranges
//! lives in [`crate::spec`], so these functions accept any value and simply compute.

pub mod elu;
pub mod gelu;
pub mod identity;
pub mod relu;
pub mod shrink;
pub mod sigmoid;
pub mod softmax;
pub mod softplus;
pub mod step;
pub mod swish;
pub mod tanh;

use myelin_tensor::Element;

/// Converts an `f64` constant into the element type.
#[inline(always)]
pub(crate) fn constant<T: Element>(value: f64) -> T {
    T::from_f64(value)
}

/// Returns `x` itself when it is NaN (so NaN propagates), otherwise `value`.
#[inline(always)]
pub(crate) fn propagate_nan<T: Element>(x: T, value: T) -> T {
    if x.is_nan() {
        x
    } else {
        value
    }
}

/// `σ'(z) = σ(z)·σ(−z)`, accurate in both tails (no `1 − σ` cancellation).
#[inline(always)]
pub(crate) fn sigmoid_slope<T: Element>(z: T) -> T {
    z.vsigmoid() * (-z).vsigmoid()
}

/// `σ''(z) = σ'(z)·(1 − 2σ(z)) = −σ'(z)·tanh(z/2)`.
#[inline(always)]
pub(crate) fn sigmoid_curvature<T: Element>(z: T) -> T {
    -sigmoid_slope(z) * (z * constant::<T>(0.5)).vtanh()
}
