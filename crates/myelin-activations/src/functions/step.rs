//! Step functions: the binary step (with optional surrogate gradients) and PyTorch's
//! `Threshold`.

use super::{constant, propagate_nan, sigmoid_curvature, sigmoid_slope};
use myelin_tensor::Element;

/// Which gradient the binary step reports in the backward pass.
///
/// The true derivative of a step is 0 everywhere (and undefined at the jump), so a net of
/// steps cannot learn by gradient descent. A *surrogate* replaces it in backward while the
/// forward pass stays a hard step (binarised and spiking networks).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Surrogate {
    /// The true derivative: `0` everywhere. Spec text `none`.
    None,
    /// Straight-through estimator: gradient `1` where `|x − threshold| ≤ 1`, else `0`
    /// (the derivative of `hardtanh` centred on the threshold). Spec text `ste`.
    StraightThrough,
    /// The derivative of a steep sigmoid, `k·σ'(k(x − threshold))`, peak `k/4`. Spec text
    /// `sigmoid(k)`; `k > 0`.
    Sigmoid {
        /// Steepness `k`.
        sharpness: f64,
    },
}

/// Binary (Heaviside) step: `f(x) = 1` for `x ≥ threshold`, else `0`.
///
/// Range `{0, 1}`. Forward-only in spirit: its true derivative is 0, see [`Surrogate`].
#[inline(always)]
pub fn binary_step<T: Element>(x: T, threshold: T) -> T {
    propagate_nan(x, if x >= threshold { T::one() } else { T::zero() })
}

/// The gradient the binary step reports: `0` everywhere for [`Surrogate::None`] (the true
/// derivative away from the jump; PyTorch's `heaviside` has no gradient at all), or the
/// chosen surrogate.
#[inline(always)]
pub fn binary_step_derivative<T: Element>(x: T, threshold: T, surrogate: Surrogate) -> T {
    let shifted = x - threshold;
    let gradient = match surrogate {
        Surrogate::None => T::zero(),
        Surrogate::StraightThrough => {
            if shifted.abs() <= T::one() {
                T::one()
            } else {
                T::zero()
            }
        }
        Surrogate::Sigmoid { sharpness } => {
            let k = constant::<T>(sharpness);
            k * sigmoid_slope(k * shifted)
        }
    };
    propagate_nan(shifted, gradient)
}

/// Derivative of [`binary_step_derivative`] (for double backward): `0` for `None` and the
/// straight-through estimator, `k²·σ''(k(x − threshold))` for the sigmoid surrogate.
#[inline(always)]
pub fn binary_step_second_derivative<T: Element>(x: T, threshold: T, surrogate: Surrogate) -> T {
    let shifted = x - threshold;
    let curvature = match surrogate {
        Surrogate::None | Surrogate::StraightThrough => T::zero(),
        Surrogate::Sigmoid { sharpness } => {
            let k = constant::<T>(sharpness);
            k * k * sigmoid_curvature(k * shifted)
        }
    };
    propagate_nan(shifted, curvature)
}

/// PyTorch's `Threshold(threshold, value)`: `f(x) = x` for `x > threshold`, else `value`.
///
/// Range `{value} ∪ (threshold, ∞)`. With `value = threshold = 0` it is ReLU; otherwise it
/// jumps at the threshold. NaN input gives NaN (as PyTorch: `x ≤ th` is false for NaN).
#[inline(always)]
pub fn threshold<T: Element>(x: T, threshold: T, value: T) -> T {
    if x <= threshold {
        value
    } else {
        x
    }
}

/// Threshold derivative: `1` for `x > threshold`, `0` otherwise (0 at the threshold).
#[inline(always)]
pub fn threshold_derivative<T: Element>(x: T, threshold: T) -> T {
    propagate_nan(x, if x > threshold { T::one() } else { T::zero() })
}

/// Threshold second derivative: `0` everywhere.
#[inline(always)]
pub fn threshold_second_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, T::zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, check_derivatives};

    #[test]
    fn values() {
        assert_eq!(binary_step(0.0, 0.0), 1.0);
        assert_eq!(binary_step(-1e-300, 0.0), 0.0);
        assert_eq!(binary_step(2.0f32, 2.5), 0.0);
        assert!(binary_step(f64::NAN, 0.0).is_nan());
        assert_eq!(threshold(0.1, 0.1, -5.0), -5.0);
        assert_eq!(threshold(0.2, 0.1, -5.0), 0.2);
        assert!(threshold(f64::NAN, 0.1, -5.0).is_nan());
    }

    #[test]
    fn step_gradients() {
        for x in [-3.0, -0.5, 0.0, 0.5, 3.0] {
            assert_eq!(binary_step_derivative(x, 0.0, Surrogate::None), 0.0);
        }
        let ste = Surrogate::StraightThrough;
        assert_eq!(binary_step_derivative(1.0, 0.0, ste), 1.0);
        assert_eq!(binary_step_derivative(-1.0, 0.0, ste), 1.0);
        assert_eq!(binary_step_derivative(1.01, 0.0, ste), 0.0);
        assert_eq!(binary_step_derivative(2.5, 2.0, ste), 1.0);
        let sigmoid = Surrogate::Sigmoid { sharpness: 4.0 };
        assert_eq!(binary_step_derivative(0.0, 0.0, sigmoid), 1.0);
        assert_close(
            binary_step_derivative(0.5, 0.0, sigmoid),
            4.0 * (2.0f64).exp() / (1.0 + (2.0f64).exp()).powi(2),
            1e-15,
            "sigmoid surrogate",
        );
        assert!(binary_step_derivative(f64::NAN, 0.0, Surrogate::None).is_nan());
        assert_eq!(threshold_derivative(0.1, 0.1), 0.0);
    }

    #[test]
    fn surrogate_curvature_matches_finite_differences() {
        let sigmoid = Surrogate::Sigmoid { sharpness: 3.0 };
        check_derivatives(
            "sigmoid surrogate",
            |x| binary_step_derivative(x, 0.5, sigmoid),
            |x| binary_step_second_derivative(x, 0.5, sigmoid),
            None,
            &[],
        );
    }

    #[test]
    fn threshold_derivative_matches_finite_differences() {
        check_derivatives(
            "threshold",
            |x| threshold(x, 1.0, -2.0),
            |x| threshold_derivative(x, 1.0),
            Some(&threshold_second_derivative),
            &[1.0],
        );
    }
}
