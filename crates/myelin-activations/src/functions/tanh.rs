//! The hyperbolic-tangent family: tanh, tanhshrink, softsign and hardtanh.

use super::{constant, propagate_nan};
use myelin_tensor::Element;

/// `sech²(x) = 4e^{−2|x|}/(1 + e^{−2|x|})²`: no overflow, relatively accurate in the tails.
#[inline(always)]
fn sech_squared<T: Element>(x: T) -> T {
    let e = (constant::<T>(-2.0) * x.abs()).vexp();
    let denominator = T::one() + e;
    constant::<T>(4.0) * e / (denominator * denominator)
}

/// Hyperbolic tangent: `tanh(x) = (e^x − e^{−x})/(e^x + e^{−x})`.
///
/// Range `(−1, 1)`, zero-centred, `tanh'(0) = 1`. The classic recurrent-net activation.
/// Saturates on both sides (`tanh' ≈ 4e^{−2|x|}`), hence vanishing gradients when deep.
#[inline(always)]
pub fn tanh<T: Element>(x: T) -> T {
    x.vtanh()
}

/// Tanh derivative: `1 − tanh²(x) = sech²(x)`, computed from `e^{−2|x|}` so it keeps
/// full relative accuracy in the tails.
#[inline(always)]
pub fn tanh_derivative<T: Element>(x: T) -> T {
    sech_squared(x)
}

/// Tanh derivative from the output `y = tanh(x)`: `1 − y²` (cheaper; only absolutely
/// accurate when `|y| → 1`).
#[inline(always)]
pub fn tanh_derivative_from_output<T: Element>(y: T) -> T {
    T::one() - y * y
}

/// Tanh second derivative: `−2·tanh(x)·sech²(x)`.
#[inline(always)]
pub fn tanh_second_derivative<T: Element>(x: T) -> T {
    constant::<T>(-2.0) * x.vtanh() * sech_squared(x)
}

/// Tanhshrink: `f(x) = x − tanh(x)`.
///
/// Range `(−∞, ∞)`; flat (`≈ x³/3`) near 0 and `≈ x ∓ 1` far away — a smooth soft
/// shrinkage. Near 0 the subtraction cancels, so for `|x| < 0.05` the Taylor series of
/// `x − tanh x` is used to keep full relative precision.
#[inline(always)]
pub fn tanhshrink<T: Element>(x: T) -> T {
    if x.abs() < constant(0.05) {
        // x − tanh x = x³/3 − 2x⁵/15 + 17x⁷/315 − 62x⁹/2835 + 1382x¹¹/155925 − ...
        let x2 = x * x;
        let series = constant::<T>(1.0 / 3.0)
            - x2 * (constant::<T>(2.0 / 15.0)
                - x2 * (constant::<T>(17.0 / 315.0)
                    - x2 * (constant::<T>(62.0 / 2835.0) - x2 * constant::<T>(1382.0 / 155925.0))));
        x * x2 * series
    } else {
        x - x.vtanh()
    }
}

/// Tanhshrink derivative: `1 − sech²(x) = tanh²(x)` (0 at the origin).
#[inline(always)]
pub fn tanhshrink_derivative<T: Element>(x: T) -> T {
    let t = x.vtanh();
    t * t
}

/// Tanhshrink second derivative: `2·tanh(x)·sech²(x)`.
#[inline(always)]
pub fn tanhshrink_second_derivative<T: Element>(x: T) -> T {
    constant::<T>(2.0) * x.vtanh() * sech_squared(x)
}

/// Softsign: `f(x) = x/(1 + |x|)`.
///
/// Range `(−1, 1)`, zero-centred, like tanh but approaching ±1 only polynomially, so it
/// saturates more gently. Only C¹: the second derivative jumps at 0.
#[inline(always)]
pub fn softsign<T: Element>(x: T) -> T {
    x / (T::one() + x.abs())
}

/// Softsign derivative: `1/(1 + |x|)²`.
#[inline(always)]
pub fn softsign_derivative<T: Element>(x: T) -> T {
    let d = T::one() + x.abs();
    T::one() / (d * d)
}

/// Softsign second derivative: `−2·sign(x)/(1 + |x|)³`, taken as `0` at `x = 0`
/// (the average of the one-sided values `∓2`).
#[inline(always)]
pub fn softsign_second_derivative<T: Element>(x: T) -> T {
    let d = T::one() + x.abs();
    let sign = if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else {
        propagate_nan(x, T::zero())
    };
    constant::<T>(-2.0) * sign / (d * d * d)
}

/// Hardtanh: `f(x) = clamp(x, min, max)` (PyTorch default `min = −1`, `max = 1`).
///
/// Range `[min, max]`. A cheap piecewise-linear tanh; gradient is exactly 0 outside the
/// interval, so saturated units stop learning. Requires `min ≤ max` (checked by the spec).
#[inline(always)]
pub fn hardtanh<T: Element>(x: T, min: T, max: T) -> T {
    x.max_nan(min).min_nan(max)
}

/// Hardtanh derivative: `1` on the open interval `(min, max)`, `0` elsewhere, including
/// the edges (PyTorch's `hardtanh_backward`).
#[inline(always)]
pub fn hardtanh_derivative<T: Element>(x: T, min: T, max: T) -> T {
    propagate_nan(
        x,
        if x > min && x < max {
            T::one()
        } else {
            T::zero()
        },
    )
}

/// Hardtanh second derivative: `0` everywhere.
#[inline(always)]
pub fn hardtanh_second_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, T::zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, check_derivatives};

    #[test]
    fn values() {
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(softsign(3.0), 0.75);
        assert_eq!(softsign(-1.0f32), -0.5);
        assert_eq!(hardtanh(5.0, -1.0, 1.0), 1.0);
        assert_eq!(hardtanh(-0.5, -1.0, 1.0), -0.5);
        assert_eq!(hardtanh(-7.0, -2.0, 2.0), -2.0);
        assert!(hardtanh(f64::NAN, -1.0, 1.0).is_nan());
    }

    #[test]
    fn tanhshrink_is_relatively_accurate_near_zero() {
        for x in [1e-8f64, 1e-3, 0.01, 0.049, -0.03] {
            // Reference: the series to many more terms, evaluated directly.
            let x2 = x * x;
            let reference = x
                * x2
                * (1.0 / 3.0 - 2.0 / 15.0 * x2 + 17.0 / 315.0 * x2 * x2
                    - 62.0 / 2835.0 * x2.powi(3)
                    + 1382.0 / 155925.0 * x2.powi(4)
                    - 21844.0 / 6081075.0 * x2.powi(5));
            assert_close(tanhshrink(x) / reference, 1.0, 1e-14, "tanhshrink");
        }
        // Continuity across the switch at |x| = 0.05.
        let below: f64 = tanhshrink(0.05 - 1e-12);
        let above = tanhshrink(0.05 + 1e-12);
        assert!((below - above).abs() < 1e-14);
    }

    #[test]
    fn tanh_derivative_tail_accuracy() {
        let x: f64 = 15.0;
        assert_close(
            tanh_derivative(x) / (1.0 / x.cosh().powi(2)),
            1.0,
            1e-14,
            "sech²(15)",
        );
        assert_close(
            tanh_derivative_from_output(tanh(0.3)),
            tanh_derivative(0.3),
            1e-15,
            "from output",
        );
    }

    #[test]
    fn kinks() {
        assert_eq!(hardtanh_derivative(-1.0, -1.0, 1.0), 0.0);
        assert_eq!(hardtanh_derivative(1.0, -1.0, 1.0), 0.0);
        assert_eq!(hardtanh_derivative(0.0, -1.0, 1.0), 1.0);
        assert_eq!(softsign_second_derivative(0.0), 0.0);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        check_derivatives(
            "tanh",
            tanh,
            tanh_derivative,
            Some(&tanh_second_derivative),
            &[],
        );
        check_derivatives(
            "tanhshrink",
            tanhshrink,
            tanhshrink_derivative,
            Some(&tanhshrink_second_derivative),
            &[],
        );
        check_derivatives(
            "softsign",
            softsign,
            softsign_derivative,
            Some(&softsign_second_derivative),
            &[0.0],
        );
        check_derivatives(
            "hardtanh",
            |x| hardtanh(x, -2.0, 2.0),
            |x| hardtanh_derivative(x, -2.0, 2.0),
            Some(&hardtanh_second_derivative),
            &[-2.0, 2.0],
        );
    }
}
