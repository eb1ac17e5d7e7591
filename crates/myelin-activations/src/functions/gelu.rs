//! The Gaussian-error-linear-unit family: exact GELU, its tanh approximation and
//! "quick GELU".

use super::swish::{swish, swish_derivative, swish_second_derivative};
use super::{constant, sigmoid_curvature, sigmoid_slope};
use myelin_tensor::Element;

/// `1/√2`.
const FRAC_1_SQRT_2: f64 = std::f64::consts::FRAC_1_SQRT_2;
/// `1/√(2π)`, the standard normal density at 0.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_677_939_946_059_934_4;
/// `√(2/π)`.
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_355_879_892_119_868_8;
/// The cubic coefficient of the tanh approximation.
const GELU_TANH_CUBIC: f64 = 0.044_715;
/// The sigmoid slope used by quick GELU.
pub const QUICK_GELU_BETA: f64 = 1.702;

/// Standard normal CDF `Φ(x) = ½·erfc(−x/√2)`: accurate in the left tail (no `1 − ...`).
#[inline(always)]
fn normal_cdf<T: Element>(x: T) -> T {
    constant::<T>(0.5) * (-x * constant(FRAC_1_SQRT_2)).verfc()
}

/// Standard normal density `φ(x) = e^{−x²/2}/√(2π)`.
#[inline(always)]
fn normal_density<T: Element>(x: T) -> T {
    constant::<T>(FRAC_1_SQRT_2PI) * (constant::<T>(-0.5) * x * x).vexp()
}

/// Exact GELU: `f(x) = x·Φ(x)`, `Φ` the standard normal CDF (PyTorch's default
/// `torch.nn.GELU()`).
///
/// Range `[≈ −0.17, ∞)`, minimum `≈ −0.16997` at `x ≈ −0.7518`. A smooth, non-monotonic,
/// self-gated ReLU; the standard choice in transformers (BERT, ViT). `Φ` is computed as
/// `½·erfc(−x/√2)`, so the tiny negative tail (`gelu(−10) ≈ −7.6e−23`) keeps full
/// relative precision instead of collapsing to 0.
#[inline(always)]
pub fn gelu<T: Element>(x: T) -> T {
    x * normal_cdf(x)
}

/// GELU derivative: `Φ(x) + x·φ(x)`.
#[inline(always)]
pub fn gelu_derivative<T: Element>(x: T) -> T {
    normal_cdf(x) + x * normal_density(x)
}

/// GELU second derivative: `φ(x)·(2 − x²)`.
#[inline(always)]
pub fn gelu_second_derivative<T: Element>(x: T) -> T {
    normal_density(x) * (constant::<T>(2.0) - x * x)
}

/// The inner argument `2u = 2√(2/π)(x + 0.044715x³)` of the tanh approximation, and its
/// first and second derivatives.
#[inline(always)]
fn gelu_tanh_argument<T: Element>(x: T) -> (T, T, T) {
    let c = constant::<T>(2.0 * SQRT_2_OVER_PI);
    let k = constant::<T>(GELU_TANH_CUBIC);
    let x2 = x * x;
    let argument = c * (x + k * x2 * x);
    let slope = c * (T::one() + constant::<T>(3.0) * k * x2);
    let curvature = c * constant::<T>(6.0) * k * x;
    (argument, slope, curvature)
}

/// Tanh-approximated GELU: `f(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))`
/// (`torch.nn.GELU(approximate='tanh')`, used by GPT-2).
///
/// Evaluated through the identity `½(1 + tanh u) = σ(2u)` as `x·σ(2u)`, which avoids the
/// cancellation in `1 + tanh u` for negative `x`. Differs from exact GELU by at most
/// `≈ 5e−4`.
#[inline(always)]
pub fn gelu_tanh<T: Element>(x: T) -> T {
    let (argument, _, _) = gelu_tanh_argument(x);
    x * argument.vsigmoid()
}

/// Tanh-GELU derivative: `σ(2u) + x·σ'(2u)·(2u)'` with `(2u)' = 2√(2/π)(1 + 3·0.044715x²)`.
#[inline(always)]
pub fn gelu_tanh_derivative<T: Element>(x: T) -> T {
    let (argument, slope, _) = gelu_tanh_argument(x);
    argument.vsigmoid() + x * sigmoid_slope(argument) * slope
}

/// Tanh-GELU second derivative:
/// `2σ'(2u)(2u)' + x·(σ''(2u)((2u)')² + σ'(2u)(2u)'')`.
#[inline(always)]
pub fn gelu_tanh_second_derivative<T: Element>(x: T) -> T {
    let (argument, slope, curvature) = gelu_tanh_argument(x);
    let s1 = sigmoid_slope(argument);
    let s2 = sigmoid_curvature(argument);
    constant::<T>(2.0) * s1 * slope + x * (s2 * slope * slope + s1 * curvature)
}

/// Quick GELU: `f(x) = x·σ(1.702x)` (OpenAI CLIP), i.e. swish with `β = 1.702`.
///
/// A cheaper GELU approximation (max error `≈ 0.02`, larger than the tanh form). No
/// PyTorch module; written `x * torch.sigmoid(1.702 * x)`.
#[inline(always)]
pub fn quick_gelu<T: Element>(x: T) -> T {
    swish(x, constant(QUICK_GELU_BETA))
}

/// Quick GELU derivative: `σ(βx) + βx·σ'(βx)` with `β = 1.702`.
#[inline(always)]
pub fn quick_gelu_derivative<T: Element>(x: T) -> T {
    swish_derivative(x, constant(QUICK_GELU_BETA))
}

/// Quick GELU second derivative: `2βσ'(βx) + β²x·σ''(βx)` with `β = 1.702`.
#[inline(always)]
pub fn quick_gelu_second_derivative<T: Element>(x: T) -> T {
    swish_second_derivative(x, constant(QUICK_GELU_BETA))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, check_derivatives};

    #[test]
    fn values() {
        // Φ(1) = 0.8413447460685429.
        assert_close(gelu(1.0), 0.841_344_746_068_542_9, 1e-15, "gelu(1)");
        assert_close(gelu(-1.0), -0.158_655_253_931_457_05, 1e-15, "gelu(−1)");
        // Left tail: −10·Φ(−10) with Φ(−10) = 7.619853024160527e−24.
        assert_close(
            gelu(-10.0) / -7.619_853_024_160_527e-23,
            1.0,
            1e-13,
            "gelu(−10)",
        );
        assert_eq!(gelu(0.0), 0.0);
        assert!(gelu(f64::NAN).is_nan());
        // Reference from the textbook tanh formula.
        for x in [-3.0f64, -0.5, 0.25, 2.0] {
            let u = SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x.powi(3));
            let textbook = 0.5 * x * (1.0 + u.tanh());
            assert_close(gelu_tanh(x), textbook, 1e-15, "gelu_tanh");
            let sigma = 1.0 / (1.0 + (-QUICK_GELU_BETA * x).exp());
            assert_close(quick_gelu(x), x * sigma, 1e-15, "quick_gelu");
        }
        // The tanh form is within 5e−4 of the exact one.
        for i in -100..=100 {
            let x = i as f64 * 0.06;
            assert!((gelu_tanh(x) - gelu(x)).abs() < 5e-4);
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        check_derivatives(
            "gelu",
            gelu,
            gelu_derivative,
            Some(&gelu_second_derivative),
            &[],
        );
        check_derivatives(
            "gelu_tanh",
            gelu_tanh,
            gelu_tanh_derivative,
            Some(&gelu_tanh_second_derivative),
            &[],
        );
        check_derivatives(
            "quick_gelu",
            quick_gelu,
            quick_gelu_derivative,
            Some(&quick_gelu_second_derivative),
            &[],
        );
    }
}
