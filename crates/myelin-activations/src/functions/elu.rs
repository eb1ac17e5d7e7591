//! The exponential-linear family: ELU, CELU and SELU.
//!
//! All three are linear for `x > 0` and an exponential curve `α(eˣ − 1)` (possibly
//! rescaled) for `x ≤ 0`. The exponential is evaluated at `min(x, 0)` only, with
//! `exp_m1`, so `elu(−1e−10) = −1e−10` to full precision and huge positive inputs never
//! reach `exp`.

use super::constant;
use myelin_tensor::Element;

/// SELU's `α = 1.6732632423543772848170429916717`.
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_284_817_042_991_671_7;
/// SELU's scale `λ = 1.0507009873554804934193349852946`.
pub const SELU_SCALE: f64 = 1.050_700_987_355_480_493_419_334_985_294_6;

/// ELU: `f(x) = x` for `x > 0`, `α(eˣ − 1)` for `x ≤ 0` (PyTorch default `α = 1`).
///
/// Range `(−α, ∞)` for `α > 0`. Negative outputs push mean activations towards 0, and
/// the curve saturates smoothly to `−α`. C¹ only when `α = 1` (otherwise the slope jumps
/// from `α` to 1 at 0). Any finite `α` is accepted, as in PyTorch.
#[inline(always)]
pub fn elu<T: Element>(x: T, alpha: T) -> T {
    // Both sides computed, then selected: branch-free, so the kernel vectorises.
    let negative = alpha * x.min_nan(T::zero()).vexp_m1();
    if x > T::zero() {
        x
    } else {
        negative
    }
}

/// ELU derivative: `1` for `x > 0`, `α·eˣ` for `x ≤ 0` (so `elu'(0) = α`, like PyTorch).
#[inline(always)]
pub fn elu_derivative<T: Element>(x: T, alpha: T) -> T {
    let negative = alpha * x.min_nan(T::zero()).vexp();
    if x > T::zero() {
        T::one()
    } else {
        negative
    }
}

/// ELU derivative from the output `y`: `1` for `x > 0`, `y + α` for `x ≤ 0`.
#[inline(always)]
pub fn elu_derivative_from_output<T: Element>(x: T, y: T, alpha: T) -> T {
    if x > T::zero() {
        T::one()
    } else {
        y + alpha
    }
}

/// ELU second derivative: `0` for `x > 0`, `α·eˣ` for `x ≤ 0`.
#[inline(always)]
pub fn elu_second_derivative<T: Element>(x: T, alpha: T) -> T {
    let negative = alpha * x.min_nan(T::zero()).vexp();
    if x > T::zero() {
        T::zero()
    } else {
        negative
    }
}

/// CELU: `f(x) = max(0, x) + min(0, α(e^{x/α} − 1))` (PyTorch default `α = 1`).
///
/// Range `(−α, ∞)`. The ELU variant that is continuously differentiable for every
/// `α > 0` (slope 1 on both sides of 0). Requires `α > 0` (checked by the spec).
#[inline(always)]
pub fn celu<T: Element>(x: T, alpha: T) -> T {
    let negative = alpha * (x.min_nan(T::zero()) / alpha).vexp_m1();
    if x > T::zero() {
        x
    } else {
        negative
    }
}

/// CELU derivative: `1` for `x > 0`, `e^{x/α}` for `x ≤ 0` (`celu'(0) = 1`, as PyTorch).
#[inline(always)]
pub fn celu_derivative<T: Element>(x: T, alpha: T) -> T {
    let negative = (x.min_nan(T::zero()) / alpha).vexp();
    if x > T::zero() {
        T::one()
    } else {
        negative
    }
}

/// CELU second derivative: `0` for `x > 0`, `e^{x/α}/α` for `x ≤ 0`.
#[inline(always)]
pub fn celu_second_derivative<T: Element>(x: T, alpha: T) -> T {
    let negative = (x.min_nan(T::zero()) / alpha).vexp() / alpha;
    if x > T::zero() {
        T::zero()
    } else {
        negative
    }
}

/// SELU: `f(x) = λ·x` for `x > 0`, `λα(eˣ − 1)` for `x ≤ 0`, with the fixed constants
/// [`SELU_ALPHA`] and [`SELU_SCALE`].
///
/// Range `(−λα, ∞) ≈ (−1.7581, ∞)`. The constants make `N(0, 1)` inputs produce outputs
/// with mean 0 and variance 1, so with LeCun-normal weights ("self-normalising
/// networks") activations stay standardised without batch norm. Not differentiable at 0
/// (slope `λα` on the left, `λ` on the right).
#[inline(always)]
pub fn selu<T: Element>(x: T) -> T {
    constant::<T>(SELU_SCALE) * elu(x, constant(SELU_ALPHA))
}

/// SELU derivative: `λ` for `x > 0`, `λα·eˣ` for `x ≤ 0` (`selu'(0) = λα`, as PyTorch).
#[inline(always)]
pub fn selu_derivative<T: Element>(x: T) -> T {
    constant::<T>(SELU_SCALE) * elu_derivative(x, constant(SELU_ALPHA))
}

/// SELU derivative from the output `y`: `λ` for `x > 0`, `y + λα` for `x ≤ 0`.
#[inline(always)]
pub fn selu_derivative_from_output<T: Element>(x: T, y: T) -> T {
    if x > T::zero() {
        constant(SELU_SCALE)
    } else {
        y + constant(SELU_SCALE * SELU_ALPHA)
    }
}

/// SELU second derivative: `0` for `x > 0`, `λα·eˣ` for `x ≤ 0`.
#[inline(always)]
pub fn selu_second_derivative<T: Element>(x: T) -> T {
    constant::<T>(SELU_SCALE) * elu_second_derivative(x, constant(SELU_ALPHA))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, check_derivatives};

    #[test]
    fn tiny_negative_inputs_keep_full_precision() {
        // expm1(−h) = −h + h²/2 − …; the h² term must survive.
        assert_close(
            elu(-1e-10, 1.0) / (-1e-10 + 5e-21),
            1.0,
            1e-15,
            "elu(−1e−10)",
        );
        assert_close(
            celu(-1e-12, 0.5) / (-1e-12 + 1e-24),
            1.0,
            1e-15,
            "celu(−1e−12)",
        );
        assert_close(
            selu(-1e-10) / ((-1e-10 + 5e-21) * SELU_SCALE * SELU_ALPHA),
            1.0,
            1e-15,
            "selu",
        );
        assert_close((elu(-1e-7f32, 1.0) / -1e-7) as f64, 1.0, 1e-6, "elu f32");
    }

    #[test]
    fn values() {
        assert_eq!(elu(2.0, 0.5), 2.0);
        assert_close(
            elu(-1.0, 0.5),
            0.5 * ((-1.0f64).exp() - 1.0),
            1e-16,
            "elu(−1)",
        );
        assert_close(
            celu(-1.0, 2.0),
            2.0 * ((-0.5f64).exp() - 1.0),
            1e-16,
            "celu(−1)",
        );
        assert_close(selu(1.0), SELU_SCALE, 1e-16, "selu(1)");
        assert_close(selu(-1e4), -SELU_SCALE * SELU_ALPHA, 1e-15, "selu(−1e4)");
        assert!(elu(f64::NAN, 1.0).is_nan());
        assert!(selu_derivative(f32::NAN).is_nan());
    }

    #[test]
    fn kinks_follow_pytorch() {
        assert_eq!(elu_derivative(0.0, 0.7), 0.7);
        assert_eq!(celu_derivative(0.0, 0.7), 1.0);
        assert_close(
            selu_derivative(0.0),
            SELU_SCALE * SELU_ALPHA,
            1e-16,
            "selu'(0)",
        );
        assert_eq!(elu_derivative_from_output(0.0, elu(0.0, 0.7), 0.7), 0.7);
    }

    #[test]
    fn derivatives_from_output_agree() {
        for x in [-3.0, -0.2, 0.5, 4.0] {
            assert_close(
                elu_derivative_from_output(x, elu(x, 1.3), 1.3),
                elu_derivative(x, 1.3),
                1e-15,
                "elu",
            );
            assert_close(
                selu_derivative_from_output(x, selu(x)),
                selu_derivative(x),
                1e-15,
                "selu",
            );
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for alpha in [1.0, 0.5, 2.0] {
            check_derivatives(
                "elu",
                |x| elu(x, alpha),
                |x| elu_derivative(x, alpha),
                Some(&|x| elu_second_derivative(x, alpha)),
                &[0.0],
            );
            check_derivatives(
                "celu",
                |x| celu(x, alpha),
                |x| celu_derivative(x, alpha),
                Some(&|x| celu_second_derivative(x, alpha)),
                &[0.0],
            );
        }
        check_derivatives(
            "selu",
            selu,
            selu_derivative,
            Some(&selu_second_derivative),
            &[0.0],
        );
    }
}
