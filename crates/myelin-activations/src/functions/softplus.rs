//! Softplus with PyTorch's `beta` and `threshold` semantics, and its algebraic sibling
//! squareplus.

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

/// `√(x² + b)` without overflow for huge `|x|`: `|x|·√(1 + (b/x)/x)` for `|x| > 1`.
#[inline(always)]
fn squareplus_root<T: Element>(x: T, b: T) -> T {
    let small = (x * x + b).sqrt();
    let large = x.abs() * (T::one() + b / x / x).sqrt();
    if x.abs() > T::one() {
        large
    } else {
        small
    }
}

/// Squareplus (Barron 2021, "Squareplus: a softplus-like algebraic rectifier"):
/// `f(x) = (x + √(x² + b))/2`, `b > 0` (default 4).
///
/// Range `(0, ∞)`, `f(0) = √b/2`; tends to `max(x, 0)` as `b → 0`. A smooth ReLU like
/// softplus, but algebraic: no exponential or logarithm, and no threshold switch, so it is
/// C∞ everywhere. For `x < 0` it is evaluated as `b/(2(√(x² + b) − x))`, which has no
/// cancellation (`squareplus(−1e8, 4) = 1e−8` exactly, not 0), and the square root never
/// overflows (`√(x² + b)` is computed as `|x|·√(1 + b/x²)` for `|x| > 1`).
#[inline(always)]
pub fn squareplus<T: Element>(x: T, b: T) -> T {
    let root = squareplus_root(x, b);
    let half = constant::<T>(0.5);
    let positive = (x + root) * half;
    let negative = b / (root - x) * half;
    if x < T::zero() {
        negative
    } else {
        positive
    }
}

/// Squareplus derivative: `(1 + x/√(x² + b))/2`, in `(0, 1)`; for `x < 0` evaluated as
/// `b/(2√(x² + b)(√(x² + b) − x))` (no cancellation).
#[inline(always)]
pub fn squareplus_derivative<T: Element>(x: T, b: T) -> T {
    let root = squareplus_root(x, b);
    let half = constant::<T>(0.5);
    let positive = (T::one() + x / root) * half;
    let negative = b / (root * (root - x)) * half;
    if x < T::zero() {
        negative
    } else {
        positive
    }
}

/// Squareplus second derivative: `b/(2(x² + b)^{3/2})`, positive everywhere (peak
/// `1/(2√b)` at 0).
#[inline(always)]
pub fn squareplus_second_derivative<T: Element>(x: T, b: T) -> T {
    let root = squareplus_root(x, b);
    b / (root * root * root) * constant::<T>(0.5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, check_derivatives};

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
    fn squareplus_values() {
        // f(0) = √b/2; f(x) − f(−x) = x (the odd part is x/2 + x/2).
        assert_close(squareplus(0.0, 4.0), 1.0, 1e-16, "f(0), b = 4");
        assert_close(
            squareplus(0.0, 2.0),
            std::f64::consts::SQRT_2 / 2.0,
            1e-16,
            "b = 2",
        );
        for x in [0.3, 1.7, 12.0, 1e3] {
            assert_close(
                squareplus(x, 4.0) - squareplus(-x, 4.0),
                x,
                1e-15,
                "odd part",
            );
        }
        // The negative tail keeps full relative precision: b/(2(√(x²+b) − x)) ≈ b/(4|x|).
        assert_close(squareplus(-1e8f64, 4.0) / 1e-8, 1.0, 1e-15, "-1e8");
        let tail = 2.0 / (1e3 * ((1.0 + 4e-6f64).sqrt() + 1.0));
        assert_close(squareplus(-1e3f64, 4.0) / tail, 1.0, 1e-15, "tail");
        // No overflow in x² for huge inputs, in either precision.
        assert_eq!(squareplus(1e200f64, 4.0), 1e200);
        assert_eq!(squareplus(3e30f32, 4.0), 3e30);
        assert_eq!(squareplus_derivative(1e200f64, 4.0), 1.0);
        assert!(squareplus_derivative(-1e200f64, 4.0) >= 0.0);
        assert!(squareplus(f64::NAN, 4.0).is_nan());
        assert!(squareplus_derivative(f64::NAN, 4.0).is_nan());
        assert!(squareplus_second_derivative(f64::NAN, 4.0).is_nan());
        // f″(0) = 1/(2√b).
        assert_close(
            squareplus_second_derivative(0.0, 4.0),
            0.25,
            1e-16,
            "f''(0)",
        );
        assert_close(
            squareplus_derivative(-3.0, 4.0),
            (1.0 - 3.0 / 13f64.sqrt()) / 2.0,
            1e-15,
            "f'(-3)",
        );
    }

    #[test]
    fn squareplus_derivatives_match_finite_differences() {
        for b in [4.0, 0.25, 9.0] {
            check_derivatives(
                "squareplus",
                |x| squareplus(x, b),
                |x| squareplus_derivative(x, b),
                Some(&|x| squareplus_second_derivative(x, b)),
                &[],
            );
        }
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
