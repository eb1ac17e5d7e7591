//! The self-gated family: SiLU, swish, mish and hard swish — `x` times a gate in `[0, 1]`.

use super::{constant, sigmoid_curvature, sigmoid_slope};
use myelin_tensor::Element;

/// SiLU: `f(x) = x·σ(x)` (`torch.nn.SiLU`), swish with `β = 1`.
///
/// Range `[≈ −0.2785, ∞)` (minimum at `x ≈ −1.2785`). Smooth, non-monotonic, self-gated;
/// used in EfficientNet and many LLM MLPs (SwiGLU).
#[inline(always)]
pub fn silu<T: Element>(x: T) -> T {
    x * x.vsigmoid()
}

/// SiLU derivative: `σ(x) + x·σ'(x)`.
#[inline(always)]
pub fn silu_derivative<T: Element>(x: T) -> T {
    swish_derivative(x, T::one())
}

/// SiLU second derivative: `2σ'(x) + x·σ''(x)`.
#[inline(always)]
pub fn silu_second_derivative<T: Element>(x: T) -> T {
    swish_second_derivative(x, T::one())
}

/// Swish: `f(x, β) = x·σ(βx)`, with `β` fixed or learned.
///
/// Interpolates between `x/2` (`β = 0`) and ReLU (`β → ∞`); `β = 1` is SiLU and
/// `β = 1.702` quick GELU. The spec requires `β > 0`; the formula itself works for any β.
#[inline(always)]
pub fn swish<T: Element>(x: T, beta: T) -> T {
    x * (beta * x).vsigmoid()
}

/// Swish `∂f/∂x = σ(βx) + βx·σ'(βx)`.
#[inline(always)]
pub fn swish_derivative<T: Element>(x: T, beta: T) -> T {
    let z = beta * x;
    z.vsigmoid() + z * sigmoid_slope(z)
}

/// Swish `∂f/∂β = x²·σ'(βx)` — the gradient of a learnable β.
#[inline(always)]
pub fn swish_beta_derivative<T: Element>(x: T, beta: T) -> T {
    x * x * sigmoid_slope(beta * x)
}

/// Swish `∂²f/∂x² = 2β·σ'(βx) + β²x·σ''(βx)`.
#[inline(always)]
pub fn swish_second_derivative<T: Element>(x: T, beta: T) -> T {
    let z = beta * x;
    beta * (constant::<T>(2.0) * sigmoid_slope(z) + z * sigmoid_curvature(z))
}

/// `tanh(softplus(x))` and `sech²(softplus(x))`, both computed without overflow.
///
/// With `n = (1 + eˣ)²`: `tanh(ln(1 + eˣ)) = (n − 1)/(n + 1)` and `sech² = 4n/(n + 1)²`.
/// For `x > 0` everything is rewritten in `t = e^{−x}`, for `x ≤ 0` in `e = eˣ`.
#[inline(always)]
fn tanh_softplus_and_sech_squared<T: Element>(x: T) -> (T, T) {
    let one = T::one();
    let two = constant::<T>(2.0);
    if x > T::zero() {
        let t = (-x).vexp();
        let a = one + t; // n = a²/t²
        let denominator = a * a + t * t;
        let gate = (one + two * t) / (one + two * t + two * t * t);
        let sech_squared = constant::<T>(4.0) * a * a * t * t / (denominator * denominator);
        (gate, sech_squared)
    } else {
        let e = x.vexp();
        let a = one + e; // n = a²
        let numerator = e * (e + two);
        let gate = numerator / (numerator + two);
        let denominator = a * a + one;
        let sech_squared = constant::<T>(4.0) * a * a / (denominator * denominator);
        (gate, sech_squared)
    }
}

/// Mish: `f(x) = x·tanh(softplus(x)) = x·tanh(ln(1 + eˣ))` (`torch.nn.Mish`).
///
/// Range `[≈ −0.3088, ∞)` (minimum at `x ≈ −1.1924`). Smooth, non-monotonic, self-gated;
/// similar to SiLU with a slightly stronger negative dip. The gate is computed by a
/// rational formula in `e^{∓x}`, so no `ln`/`tanh` round trip loses precision and
/// nothing overflows.
#[inline(always)]
pub fn mish<T: Element>(x: T) -> T {
    x * tanh_softplus_and_sech_squared(x).0
}

/// Mish derivative: `g(x) + x·sech²(softplus(x))·σ(x)` with `g = tanh(softplus(x))`.
#[inline(always)]
pub fn mish_derivative<T: Element>(x: T) -> T {
    let (gate, sech_squared) = tanh_softplus_and_sech_squared(x);
    gate + x * sech_squared * x.vsigmoid()
}

/// Mish second derivative: `s·σ·(2 + x·(σ(−x) − 2gσ))` with `s = sech²(softplus(x))`,
/// `σ = σ(x)`, `g = tanh(softplus(x))`.
#[inline(always)]
pub fn mish_second_derivative<T: Element>(x: T) -> T {
    let (gate, sech_squared) = tanh_softplus_and_sech_squared(x);
    let sigma = x.vsigmoid();
    let two = constant::<T>(2.0);
    sech_squared * sigma * (two + x * ((-x).vsigmoid() - two * gate * sigma))
}

/// Hard swish: `f(x) = x·relu6(x + 3)/6` (`torch.nn.Hardswish`, MobileNetV3):
/// `0` for `x ≤ −3`, `x` for `x ≥ 3`, `x(x + 3)/6` in between.
///
/// Range `[−0.375, ∞)` (minimum at `x = −1.5`). A cheap piecewise-quadratic swish;
/// continuous but its slope jumps at `±3` (from 0 to −½ and from 3/2 to 1).
#[inline(always)]
pub fn hardswish<T: Element>(x: T) -> T {
    let gate = (x + constant(3.0))
        .max_nan(T::zero())
        .min_nan(constant(6.0))
        / constant(6.0);
    x * gate
}

/// Hard swish derivative: `0` for `x ≤ −3`, `(2x + 3)/6` on `(−3, 3)`, `1` for `x ≥ 3`
/// (so `0` at −3 and `1` at +3, the values the outer pieces give).
#[inline(always)]
pub fn hardswish_derivative<T: Element>(x: T) -> T {
    if x.is_nan() {
        x
    } else if x <= constant(-3.0) {
        T::zero()
    } else if x >= constant(3.0) {
        T::one()
    } else {
        (constant::<T>(2.0) * x + constant(3.0)) / constant(6.0)
    }
}

/// Hard swish second derivative: `1/3` on `(−3, 3)`, `0` elsewhere.
#[inline(always)]
pub fn hardswish_second_derivative<T: Element>(x: T) -> T {
    if x.is_nan() {
        x
    } else if x > constant(-3.0) && x < constant(3.0) {
        constant(1.0 / 3.0)
    } else {
        T::zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, check_derivatives};

    #[test]
    fn mish_matches_its_definition() {
        for x in [-30.0f64, -5.0, -1.19, -0.3, 0.0, 0.4, 2.0, 8.0, 30.0] {
            let softplus = x.max(0.0) + (-x.abs()).exp().ln_1p();
            assert_close(mish(x), x * softplus.tanh(), 1e-14, "mish");
        }
        assert_eq!(mish(1e4f32), 1e4);
        assert!(mish(f64::NAN).is_nan());
        assert!(mish_derivative(f64::NAN).is_nan());
    }

    #[test]
    fn swish_family_values() {
        assert_close(silu(1.0), 1.0 / (1.0 + (-1.0f64).exp()), 1e-16, "silu(1)");
        assert_close(
            swish(2.0, 0.5),
            2.0 / (1.0 + (-1.0f64).exp()),
            1e-16,
            "swish",
        );
        assert_eq!(swish(-1e4f32, 1.0), 0.0);
        assert_eq!(hardswish(-3.0), 0.0);
        assert_eq!(hardswish(3.0), 3.0);
        assert_eq!(hardswish(-1.5), -0.375);
    }

    #[test]
    fn hardswish_kinks() {
        assert_eq!(hardswish_derivative(-3.0), 0.0);
        assert_eq!(hardswish_derivative(3.0), 1.0);
        assert_eq!(hardswish_derivative(0.0), 0.5);
    }

    #[test]
    fn swish_beta_derivative_matches_finite_differences() {
        for x in [-4.0, -1.0, -0.1, 0.3, 2.5, 9.0] {
            for beta in [0.5, 1.0, 3.0] {
                let h = 1e-6;
                let numeric = (swish(x, beta + h) - swish(x, beta - h)) / (2.0 * h);
                assert_close(swish_beta_derivative(x, beta), numeric, 1e-7, "∂swish/∂β");
            }
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        check_derivatives(
            "silu",
            silu,
            silu_derivative,
            Some(&silu_second_derivative),
            &[],
        );
        for beta in [0.5, 1.0, 2.0] {
            check_derivatives(
                "swish",
                |x| swish(x, beta),
                |x| swish_derivative(x, beta),
                Some(&|x| swish_second_derivative(x, beta)),
                &[],
            );
        }
        check_derivatives(
            "mish",
            mish,
            mish_derivative,
            Some(&mish_second_derivative),
            &[],
        );
        check_derivatives(
            "hardswish",
            hardswish,
            hardswish_derivative,
            Some(&hardswish_second_derivative),
            &[-3.0, 3.0],
        );
    }
}
