//! Softplus with PyTorch's `beta` and `threshold` semantics.

use super::{constant, sigmoid_slope};
use myelin_tensor::Element;

/// Softplus: `f(x) = ln(1 + e^{βx})/β`, switching to the identity `f(x) = x` where
/// `βx > threshold` (`torch.nn.Softplus(beta=1, threshold=20)`).
///
/// Range `(0, ∞)`. A smooth ReLU; also the standard way to map a real number to a
/// positive one (variances, rates). Below the threshold it is evaluated exactly and
/// overflow-free as `(max(βx, 0) + ln(1 + e^{−|βx|}))/β`, so `softplus(−100) = e^{−100}·(1 −
/// …) = 3.720075976020836e−44` instead of 0. Limitation (inherited from PyTorch): the switch
/// at `βx = threshold` is a jump of `ln(1 + e^{−threshold})/β ≈ 2e−9` for the defaults.
/// The spec requires `β > 0`.
#[inline(always)]
pub fn softplus<T: Element>(x: T, beta: T, threshold: T) -> T {
    let z = beta * x;
    // Both sides computed, then selected: branch-free, so the kernel vectorises.
    let smooth = (z.max_nan(T::zero()) + (-z.abs()).vexp().vln_1p()) / beta;
    if z > threshold {
        x
    } else {
        smooth
    }
}

/// Softplus derivative: `σ(βx)` below the threshold, `1` above it.
#[inline(always)]
pub fn softplus_derivative<T: Element>(x: T, beta: T, threshold: T) -> T {
    let z = beta * x;
    let smooth = z.vsigmoid();
    if z > threshold {
        T::one()
    } else {
        smooth
    }
}

/// Softplus second derivative: `β·σ'(βx)` below the threshold, `0` above it.
#[inline(always)]
pub fn softplus_second_derivative<T: Element>(x: T, beta: T, threshold: T) -> T {
    let z = beta * x;
    let smooth = beta * sigmoid_slope(z);
    if z > threshold {
        T::zero()
    } else {
        smooth
    }
}

/// PyTorch's default `beta`.
pub const SOFTPLUS_DEFAULT_BETA: f64 = 1.0;
/// PyTorch's default `threshold`.
pub const SOFTPLUS_DEFAULT_THRESHOLD: f64 = 20.0;

/// Softplus with PyTorch's defaults (`β = 1`, threshold 20).
#[inline(always)]
pub fn softplus_default<T: Element>(x: T) -> T {
    softplus(
        x,
        constant(SOFTPLUS_DEFAULT_BETA),
        constant(SOFTPLUS_DEFAULT_THRESHOLD),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::test_support::{assert_close, check_derivatives};

    #[test]
    fn exact_values() {
        assert_eq!(softplus_default(-100.0f64), 3.720_075_976_020_836e-44);
        assert_close(softplus_default(0.0), std::f64::consts::LN_2, 1e-16, "ln 2");
        assert_eq!(softplus_default(25.0), 25.0);
        assert_eq!(softplus_default(1e4f32), 1e4);
        assert_eq!(softplus_default(-1e4f32), 0.0);
        // Below the threshold: ln(1 + e^{19.5}).
        assert_close(
            softplus_default(19.5),
            19.5 + (-19.5f64).exp().ln_1p(),
            1e-16,
            "19.5",
        );
        // β scales the input and the output.
        assert_close(
            softplus(1.0, 2.0, 20.0),
            (1.0 + 2f64.exp()).ln() / 2.0,
            1e-15,
            "β=2",
        );
        // The threshold applies to βx: with β = 2, x = 11 is linear, x = 9 is not.
        assert_eq!(softplus(11.0, 2.0, 20.0), 11.0);
        assert!(softplus(9.0, 2.0, 20.0) > 9.0);
        assert!(softplus_default(f64::NAN).is_nan());
        assert!(softplus_derivative(f64::NAN, 1.0, 20.0).is_nan());
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for (beta, threshold) in [(1.0, 20.0), (2.0, 20.0), (0.5, 5.0)] {
            check_derivatives(
                "softplus",
                |x| softplus(x, beta, threshold),
                |x| softplus_derivative(x, beta, threshold),
                Some(&|x| softplus_second_derivative(x, beta, threshold)),
                &[threshold / beta],
            );
        }
    }
}
