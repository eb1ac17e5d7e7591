//! The identity ("linear") activation.

use super::propagate_nan;
use myelin_tensor::Element;

/// Identity: `f(x) = x`. Range `(−∞, ∞)`.
///
/// Use it for output layers of regressions or to switch an activation off in an
/// experiment. A stack of linear layers with identity activations is still linear.
#[inline(always)]
pub fn identity<T: Element>(x: T) -> T {
    x
}

/// Identity derivative: `1` everywhere.
#[inline(always)]
pub fn identity_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, T::one())
}

/// Identity second derivative: `0` everywhere.
#[inline(always)]
pub fn identity_second_derivative<T: Element>(x: T) -> T {
    propagate_nan(x, T::zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_derivatives;

    #[test]
    fn identity_is_exact() {
        assert_eq!(identity(-3.25f32), -3.25);
        assert!(identity_derivative(f64::NAN).is_nan());
        check_derivatives(
            "identity",
            identity,
            identity_derivative,
            Some(&identity_second_derivative),
            &[],
        );
    }
}
