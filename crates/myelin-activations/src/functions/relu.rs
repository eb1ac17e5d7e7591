//! The rectifier family: ReLU, leaky ReLU, PReLU, ReLU6 and squared ReLU.
//!
//! All are piecewise linear (or piecewise quadratic) with a kink at 0; their second
//! derivatives are 0 on the linear pieces.

use super::{constant, propagate_nan};
use myelin_tensor::Element;

/// ReLU: `f(x) = max(x, 0)`.
///
/// Range `[0, ∞)`. The default choice for hidden layers of feed-forward and convolutional
/// nets: cheap, non-saturating for `x > 0`. Limitation: units whose input stays negative
/// get zero gradient ("dead ReLUs").
#[inline(always)]
pub fn relu<T: Element>(x: T) -> T {
    x.max_nan(T::zero())
}

/// ReLU derivative: `1` for `x > 0`, `0` for `x ≤ 0` (PyTorch: `relu'(0) = 0`).
#[inline(always)]
pub fn relu_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, if x > T::zero() { T::one() } else { T::zero() })
}

/// ReLU second derivative: `0` everywhere (except NaN → NaN).
#[inline(always)]
pub fn relu_second_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, T::zero())
}

/// Leaky ReLU: `f(x) = x` for `x > 0`, `slope · x` otherwise (PyTorch default slope
/// `0.01`; any sign is accepted — a negative slope makes it non-monotonic).
///
/// Keeps a small gradient for negative inputs so units cannot die.
#[inline(always)]
pub fn leaky_relu<T: Element>(x: T, slope: T) -> T {
    if x > T::zero() {
        x
    } else {
        x * slope
    }
}

/// Leaky ReLU derivative: `1` for `x > 0`, `slope` for `x ≤ 0` (so `f'(0) = slope`,
/// like PyTorch).
#[inline(always)]
pub fn leaky_relu_derivative<T: Element>(x: T, slope: T) -> T {
    propagate_nan(x, if x > T::zero() { T::one() } else { slope })
}

/// Leaky ReLU second derivative: `0` everywhere.
#[inline(always)]
pub fn leaky_relu_second_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, T::zero())
}

/// PReLU: leaky ReLU whose negative slope `weight` is learned (PyTorch initialises it to
/// `0.25`, one weight per channel or a single shared one). `f(x, w) = x` for `x > 0`,
/// `w · x` otherwise.
#[inline(always)]
pub fn prelu<T: Element>(x: T, weight: T) -> T {
    leaky_relu(x, weight)
}

/// PReLU `∂f/∂x`: `1` for `x > 0`, `weight` for `x ≤ 0` (`f'(0) = weight`).
#[inline(always)]
pub fn prelu_derivative<T: Element>(x: T, weight: T) -> T {
    leaky_relu_derivative(x, weight)
}

/// PReLU `∂f/∂w`: `0` for `x > 0`, `x` for `x ≤ 0`. Summed over the elements sharing a
/// weight, this is the weight's gradient.
#[inline(always)]
pub fn prelu_weight_derivative<T: Element>(x: T) -> T {
    if x > T::zero() {
        T::zero()
    } else {
        x
    }
}

/// PReLU `∂²f/∂x²`: `0` everywhere.
#[inline(always)]
pub fn prelu_second_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, T::zero())
}

/// ReLU6: `f(x) = min(max(x, 0), 6)`, i.e. `hardtanh(x, 0, 6)`.
///
/// Range `[0, 6]`; the cap keeps activations small for low-precision (mobile) inference.
#[inline(always)]
pub fn relu6<T: Element>(x: T) -> T {
    x.max_nan(T::zero()).min_nan(constant(6.0))
}

/// ReLU6 derivative: `1` on the open interval `(0, 6)`, `0` elsewhere — including at the
/// edges `0` and `6`, as PyTorch's `hardtanh_backward`.
#[inline(always)]
pub fn relu6_derivative<T: Element>(x: T) -> T {
    let inside = x > T::zero() && x < constant(6.0);
    propagate_nan(x, if inside { T::one() } else { T::zero() })
}

/// ReLU6 second derivative: `0` everywhere.
#[inline(always)]
pub fn relu6_second_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, T::zero())
}

/// Squared ReLU: `f(x) = max(x, 0)²` (used in Primer-style transformers).
///
/// Range `[0, ∞)`; continuously differentiable (C¹). Grows quadratically, so it can
/// overflow for huge inputs (`1e4` in `f32` gives `1e8`, fine).
#[inline(always)]
pub fn squared_relu<T: Element>(x: T) -> T {
    let r = relu(x);
    r * r
}

/// Squared ReLU derivative: `2·max(x, 0)` (0 at the kink, from both sides).
#[inline(always)]
pub fn squared_relu_derivative<T: Element>(x: T) -> T {
    constant::<T>(2.0) * relu(x)
}

/// Squared ReLU second derivative: `2` for `x > 0`, `0` for `x ≤ 0`.
#[inline(always)]
pub fn squared_relu_second_derivative<T: Element>(x: T) -> T {
    propagate_nan(
        x,
        if x > T::zero() {
            constant(2.0)
        } else {
            T::zero()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_derivatives;

    #[test]
    fn values() {
        assert_eq!(relu(-2.0), 0.0);
        assert_eq!(relu(3.5f32), 3.5);
        assert_eq!(leaky_relu(-2.0, 0.01), -0.02);
        assert_eq!(leaky_relu(-2.0, -0.5), 1.0);
        assert_eq!(prelu(-4.0, 0.25), -1.0);
        assert_eq!(relu6(7.0), 6.0);
        assert_eq!(relu6(-1.0), 0.0);
        assert_eq!(relu6(2.5), 2.5);
        assert_eq!(squared_relu(3.0), 9.0);
        assert_eq!(squared_relu(-3.0), 0.0);
        assert_eq!(squared_relu(1e4f32), 1e8);
    }

    #[test]
    fn nan_propagates() {
        assert!(relu(f64::NAN).is_nan());
        assert!(relu_derivative(f64::NAN).is_nan());
        assert!(leaky_relu(f32::NAN, 0.1).is_nan());
        assert!(relu6(f64::NAN).is_nan());
        assert!(relu6_derivative(f64::NAN).is_nan());
        assert!(squared_relu_second_derivative(f64::NAN).is_nan());
    }

    #[test]
    fn derivatives_at_kinks_follow_pytorch() {
        assert_eq!(relu_derivative(0.0), 0.0);
        assert_eq!(leaky_relu_derivative(0.0, 0.01), 0.01);
        assert_eq!(prelu_derivative(0.0, 0.25), 0.25);
        assert_eq!(prelu_weight_derivative(0.0), 0.0);
        assert_eq!(relu6_derivative(0.0), 0.0);
        assert_eq!(relu6_derivative(6.0), 0.0);
        assert_eq!(squared_relu_derivative(0.0), 0.0);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        check_derivatives(
            "relu",
            relu,
            relu_derivative,
            Some(&relu_second_derivative),
            &[0.0],
        );
        for slope in [0.01, 0.2, -0.3] {
            check_derivatives(
                "leaky_relu",
                |x| leaky_relu(x, slope),
                |x| leaky_relu_derivative(x, slope),
                Some(&leaky_relu_second_derivative),
                &[0.0],
            );
        }
        check_derivatives(
            "prelu",
            |x| prelu(x, 0.25),
            |x| prelu_derivative(x, 0.25),
            Some(&prelu_second_derivative),
            &[0.0],
        );
        check_derivatives(
            "relu6",
            relu6,
            relu6_derivative,
            Some(&relu6_second_derivative),
            &[0.0, 6.0],
        );
        check_derivatives(
            "squared_relu",
            squared_relu,
            squared_relu_derivative,
            Some(&squared_relu_second_derivative),
            &[0.0],
        );
    }

    #[test]
    fn prelu_weight_derivative_matches_finite_differences() {
        for x in [-3.0f64, -0.5, 0.7, 2.0] {
            let h = 1e-6;
            let numeric = (prelu(x, 0.25 + h) - prelu(x, 0.25 - h)) / (2.0 * h);
            assert!((prelu_weight_derivative(x) - numeric).abs() < 1e-8);
        }
    }
}
