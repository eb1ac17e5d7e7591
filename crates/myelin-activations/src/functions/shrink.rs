//! Shrinkage operators: soft and hard shrink (sparse coding, denoising).

use super::propagate_nan;
use myelin_tensor::Element;

/// Soft shrink: `f(x) = x − λ` for `x > λ`, `x + λ` for `x < −λ`, `0` otherwise
/// (`torch.nn.Softshrink(lambd=0.5)`).
///
/// Range `(−∞, ∞)`. The proximal operator of `λ|x|` (ISTA, wavelet denoising): kills
/// small values and moves the rest towards 0 by λ. Requires `λ ≥ 0` (checked by the spec).
#[inline(always)]
pub fn softshrink<T: Element>(x: T, lambda: T) -> T {
    if x > lambda {
        x - lambda
    } else if x < -lambda {
        x + lambda
    } else {
        propagate_nan(x, T::zero())
    }
}

/// Soft shrink derivative: `1` for `|x| > λ`, `0` for `|x| ≤ λ` (0 at `±λ`, as PyTorch).
#[inline(always)]
pub fn softshrink_derivative<T: Element>(x: T, lambda: T) -> T {
    shrink_mask(x, lambda)
}

/// Hard shrink: `f(x) = x` for `|x| > λ`, `0` otherwise (`torch.nn.Hardshrink(lambd=0.5)`).
///
/// Range `(−∞, ∞)` minus `(−λ, λ)∖{0}`. The proximal operator of the ℓ₀ penalty: keeps large
/// values unchanged. Discontinuous at `±λ` (jumps by λ). Requires `λ ≥ 0`.
#[inline(always)]
pub fn hardshrink<T: Element>(x: T, lambda: T) -> T {
    if x >= -lambda && x <= lambda {
        T::zero()
    } else {
        x
    }
}

/// Hard shrink derivative: `1` for `|x| > λ`, `0` for `|x| ≤ λ` (0 at `±λ`, as PyTorch).
#[inline(always)]
pub fn hardshrink_derivative<T: Element>(x: T, lambda: T) -> T {
    shrink_mask(x, lambda)
}

/// Second derivative of either shrink: `0` everywhere.
#[inline(always)]
pub fn shrink_second_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, T::zero())
}

/// `1` where `|x| > λ`, else `0`; NaN stays NaN.
#[inline(always)]
fn shrink_mask<T: Element>(x: T, lambda: T) -> T {
    propagate_nan(
        x,
        if x > lambda || x < -lambda {
            T::one()
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
    fn values_and_kinks() {
        assert_eq!(softshrink(2.0, 0.5), 1.5);
        assert_eq!(softshrink(-2.0, 0.5), -1.5);
        assert_eq!(softshrink(0.3, 0.5), 0.0);
        assert_eq!(hardshrink(0.5, 0.5), 0.0);
        assert_eq!(hardshrink(0.6, 0.5), 0.6);
        assert_eq!(hardshrink(-0.6f32, 0.5), -0.6);
        assert_eq!(softshrink_derivative(0.5, 0.5), 0.0);
        assert_eq!(softshrink_derivative(-0.5, 0.5), 0.0);
        assert_eq!(hardshrink_derivative(0.5, 0.5), 0.0);
        assert_eq!(hardshrink_derivative(0.51, 0.5), 1.0);
        assert!(softshrink(f64::NAN, 0.5).is_nan());
        assert!(hardshrink(f64::NAN, 0.5).is_nan());
        assert!(hardshrink_derivative(f64::NAN, 0.5).is_nan());
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for lambda in [0.5, 1.5] {
            check_derivatives(
                "softshrink",
                |x| softshrink(x, lambda),
                |x| softshrink_derivative(x, lambda),
                Some(&shrink_second_derivative),
                &[-lambda, lambda],
            );
            check_derivatives(
                "hardshrink",
                |x| hardshrink(x, lambda),
                |x| hardshrink_derivative(x, lambda),
                Some(&shrink_second_derivative),
                &[-lambda, lambda],
            );
        }
    }
}
