//! The logistic family: sigmoid, log-sigmoid and hard sigmoid.

use super::{constant, propagate_nan, sigmoid_curvature, sigmoid_slope};
use myelin_tensor::Element;

/// Logistic sigmoid: `σ(x) = 1 / (1 + e^{−x})`.
///
/// Range `(0, 1)`. Use it for gates (LSTM/GRU) and for probabilities of independent
/// binary outcomes. Saturates on both sides (`σ'(x) ≈ e^{−|x|}`), so deep stacks of
/// sigmoids suffer vanishing gradients; its output is not zero-centred. Evaluated as
/// `e^{−|x|}/(1+e^{−|x|})` on the negative side so nothing overflows.
#[inline(always)]
pub fn sigmoid<T: Element>(x: T) -> T {
    x.vsigmoid()
}

/// Sigmoid derivative: `σ'(x) = σ(x)·σ(−x)` (equal to `σ(1−σ)` but accurate for
/// large `x`, where `1 − σ` would cancel). Maximum `1/4` at `x = 0`.
#[inline(always)]
pub fn sigmoid_derivative<T: Element>(x: T) -> T {
    sigmoid_slope(x)
}

/// Sigmoid derivative from the output `y = σ(x)`: `y·(1 − y)`. Cheaper, but only
/// absolutely (not relatively) accurate when `y` is close to 1.
#[inline(always)]
pub fn sigmoid_derivative_from_output<T: Element>(y: T) -> T {
    y * (T::one() - y)
}

/// Sigmoid second derivative: `σ''(x) = σ'(x)·(1 − 2σ(x)) = −σ'(x)·tanh(x/2)`.
#[inline(always)]
pub fn sigmoid_second_derivative<T: Element>(x: T) -> T {
    sigmoid_curvature(x)
}

/// Log-sigmoid: `f(x) = ln σ(x) = −softplus(−x) = min(x, 0) − ln(1 + e^{−|x|})`.
///
/// Range `(−∞, 0)`. The numerically safe way to get `ln σ(x)` (e.g. for logistic
/// losses); for very negative `x` it is ≈ `x`, for very positive `x` ≈ `−e^{−x}`.
#[inline(always)]
pub fn log_sigmoid<T: Element>(x: T) -> T {
    x.min_nan(T::zero()) - (-x.abs()).vexp().vln_1p()
}

/// Log-sigmoid derivative: `f'(x) = σ(−x) = 1 − σ(x)`, in `(0, 1)`.
#[inline(always)]
pub fn log_sigmoid_derivative<T: Element>(x: T) -> T {
    (-x).vsigmoid()
}

/// Log-sigmoid second derivative: `f''(x) = −σ'(x)`.
#[inline(always)]
pub fn log_sigmoid_second_derivative<T: Element>(x: T) -> T {
    -sigmoid_slope(x)
}

/// Hard sigmoid (PyTorch's `Hardsigmoid`): `f(x) = relu6(x + 3)/6 = clamp(x/6 + 1/2, 0, 1)`.
///
/// Range `[0, 1]`. A cheap piecewise-linear stand-in for `σ` (MobileNetV3). Note that its
/// slope `1/6` differs from `σ'(0) = 1/4`, and it is exactly flat outside `[−3, 3]`.
#[inline(always)]
pub fn hardsigmoid<T: Element>(x: T) -> T {
    (x / constant(6.0) + constant(0.5))
        .max_nan(T::zero())
        .min_nan(T::one())
}

/// Hard sigmoid derivative: `1/6` on the open interval `(−3, 3)`, `0` elsewhere
/// (including at `±3`, like PyTorch).
#[inline(always)]
pub fn hardsigmoid_derivative<T: Element>(x: T) -> T {
    let inside = x > constant(-3.0) && x < constant(3.0);
    propagate_nan(
        x,
        if inside {
            constant(1.0 / 6.0)
        } else {
            T::zero()
        },
    )
}

/// Hard sigmoid second derivative: `0` everywhere.
#[inline(always)]
pub fn hardsigmoid_second_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, T::zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, check_derivatives};

    #[test]
    fn values() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert_close(sigmoid(-745.0), 5e-324, 0.0, "σ(−745)");
        assert_eq!(sigmoid(800.0f32), 1.0);
        assert_close(log_sigmoid(-1000.0), -1000.0, 1e-15, "logσ(−1000)");
        // ln σ(40) = −ln(1 + e^{−40}) ≈ −e^{−40}.
        assert_close(
            log_sigmoid(40.0) / -(-40.0f64).exp(),
            1.0,
            1e-15,
            "logσ(40)",
        );
        assert_eq!(hardsigmoid(-3.0), 0.0);
        assert_eq!(hardsigmoid(3.0), 1.0);
        assert_eq!(hardsigmoid(1.5), 0.75);
        assert!(hardsigmoid(f32::NAN).is_nan());
        assert!(log_sigmoid(f64::NAN).is_nan());
    }

    #[test]
    fn sigmoid_derivative_is_relatively_accurate_in_the_right_tail() {
        let x: f64 = 40.0;
        let expected = (-x).exp() / (1.0 + (-x).exp()).powi(2);
        assert_close(sigmoid_derivative(x) / expected, 1.0, 1e-14, "σ'(40)");
        assert_close(
            sigmoid_derivative_from_output(sigmoid(2.0)),
            sigmoid_derivative(2.0),
            1e-15,
            "from output",
        );
    }

    #[test]
    fn kinks() {
        assert_eq!(hardsigmoid_derivative(-3.0), 0.0);
        assert_eq!(hardsigmoid_derivative(3.0), 0.0);
        assert_eq!(hardsigmoid_derivative(0.0), 1.0 / 6.0);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        check_derivatives(
            "sigmoid",
            sigmoid,
            sigmoid_derivative,
            Some(&sigmoid_second_derivative),
            &[],
        );
        check_derivatives(
            "log_sigmoid",
            log_sigmoid,
            log_sigmoid_derivative,
            Some(&log_sigmoid_second_derivative),
            &[],
        );
        check_derivatives(
            "hardsigmoid",
            hardsigmoid,
            hardsigmoid_derivative,
            Some(&hardsigmoid_second_derivative),
            &[-3.0, 3.0],
        );
    }
}
