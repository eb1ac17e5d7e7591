//! Activations with a learnable parameter: PReLU (`f(x, w) = x` for `x > 0`, `w·x`
//! otherwise) and swish with a learned β (`f(x, β) = x·σ(βx)`).
//!
//! Both are a [`BinaryFn`] of the input and a broadcast view of the parameter (PReLU's
//! per-channel weight reshaped to `[1, C, 1, …]`), applied with the engine's public
//! custom-op API ([`Tensor::map_binary`]): one fused broadcasting forward, one fused
//! backward per input, the parameter's gradient summed to its shape by the engine.
//! [`BinaryFn::partials`] gives the partial derivatives as `BinaryFn`s of their own, so
//! gradients of gradients work: PReLU's tower is exact to any order (its second
//! derivatives are the indicator of `x ≤ 0` and zero), swish's goes to second order (its
//! full Hessian in `x` and `β`); a third order through swish is an error naming the op.

use std::sync::Arc;

use myelin_tensor::{BinaryFn, Element, Tensor};

use crate::functions::{constant, relu, sigmoid_curvature, sigmoid_slope, swish};

/// `Some([∂f/∂a, ∂f/∂b])` for [`BinaryFn::partials`].
fn partials<T: Element>(
    df_da: impl BinaryFn<T>,
    df_db: impl BinaryFn<T>,
) -> Option<[Arc<dyn BinaryFn<T>>; 2]> {
    Some([Arc::new(df_da), Arc::new(df_db)])
}

/// A unit struct implementing [`BinaryFn`] for every element type from four expressions
/// in `(a, b)` (value, `∂f/∂a`, `∂f/∂b`) and its partials.
macro_rules! binary_fn {
    ($(#[$doc:meta])* $vis:vis $name:ident = $label:literal,
     |$a:ident, $b:ident| $f:expr, $da:expr, $db:expr, partials: $partials:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        $vis struct $name;

        #[allow(unused_variables)]
        impl<T: Element> BinaryFn<T> for $name {
            fn name(&self) -> &'static str {
                $label
            }
            #[inline(always)]
            fn f(&self, $a: T, $b: T) -> T {
                $f
            }
            #[inline(always)]
            fn df_da(&self, $a: T, $b: T) -> T {
                $da
            }
            #[inline(always)]
            fn df_db(&self, $a: T, $b: T) -> T {
                $db
            }
            fn partials(&self) -> Option<[Arc<dyn BinaryFn<T>>; 2]> {
                $partials
            }
        }
    };
}

/// `1` for `x ≤ 0`, `0` for `x > 0`: PReLU's mixed partial `∂²f/∂x∂w`.
#[inline(always)]
fn negative_side<T: Element>(x: T) -> T {
    if x > T::zero() {
        T::zero()
    } else {
        T::one()
    }
}

binary_fn!(
    /// PReLU as a function of the input `a` and the (broadcast) weight `b`, with partial
    /// derivatives to any order.
    ///
    /// ```
    /// use myelin_activations::tensor_ops::PreluFn;
    /// use myelin_tensor::{gradgradcheck, GradCheckOptions, Tensor};
    /// let x = Tensor::<f64>::from_vec(vec![-1.5, 0.5, -0.2, 2.0], &[2, 2]).unwrap().requires_grad_(true);
    /// let w = Tensor::<f64>::from_vec(vec![0.25, -0.1], &[1, 2]).unwrap().requires_grad_(true);
    /// let f = |xs: &[Tensor<f64>]| Ok(xs[0].try_map_binary(&xs[1], PreluFn)?.powi(2).sum());
    /// gradgradcheck(f, &[x, w], GradCheckOptions::default()).unwrap();
    /// ```
    pub PreluFn = "prelu",
    |a, b| relu::prelu(a, b),
    relu::prelu_derivative(a, b),
    relu::prelu_weight_derivative(a),
    partials: partials(PreluDx, PreluDw)
);

binary_fn!(
    /// PReLU `∂f/∂x`: `1` for `x > 0`, `w` otherwise.
    PreluDx = "prelu_dx",
    |a, b| relu::prelu_derivative(a, b),
    relu::prelu_second_derivative(a),
    negative_side(a),
    partials: partials(Zero, NegativeSide)
);

binary_fn!(
    /// PReLU `∂f/∂w`: `0` for `x > 0`, `x` otherwise.
    PreluDw = "prelu_dw",
    |a, b| relu::prelu_weight_derivative(a),
    negative_side(a),
    T::zero(),
    partials: partials(NegativeSide, Zero)
);

binary_fn!(
    /// The indicator of `x ≤ 0` (piecewise constant: zero partials).
    NegativeSide = "prelu_negative_side",
    |a, b| negative_side(a),
    T::zero(),
    T::zero(),
    partials: partials(Zero, Zero)
);

binary_fn!(
    /// The zero function (its own partials).
    Zero = "zero",
    |a, b| T::zero(),
    T::zero(),
    T::zero(),
    partials: partials(Zero, Zero)
);

/// Swish `∂²f/∂x∂β = x·(2σ'(βx) + βx·σ''(βx))`.
#[inline(always)]
fn swish_mixed_derivative<T: Element>(x: T, beta: T) -> T {
    let z = beta * x;
    x * (constant::<T>(2.0) * sigmoid_slope(z) + z * sigmoid_curvature(z))
}

/// Swish `∂²f/∂β² = x³·σ''(βx)`.
#[inline(always)]
fn swish_beta_second_derivative<T: Element>(x: T, beta: T) -> T {
    x * x * x * sigmoid_curvature(beta * x)
}

binary_fn!(
    /// Swish as a function of the input `a` and a learned β `b`, with partial derivatives
    /// to second order.
    pub SwishBetaFn = "swish",
    |a, b| swish::swish(a, b),
    swish::swish_derivative(a, b),
    swish::swish_beta_derivative(a, b),
    partials: partials(SwishDx, SwishDbeta)
);

binary_fn!(
    /// Swish `∂f/∂x = σ(βx) + βx·σ'(βx)`.
    SwishDx = "swish_dx",
    |a, b| swish::swish_derivative(a, b),
    swish::swish_second_derivative(a, b),
    swish_mixed_derivative(a, b),
    partials: None
);

binary_fn!(
    /// Swish `∂f/∂β = x²·σ'(βx)`.
    SwishDbeta = "swish_dbeta",
    |a, b| swish::swish_beta_derivative(a, b),
    swish_mixed_derivative(a, b),
    swish_beta_second_derivative(a, b),
    partials: None
);

/// `f(x, p)` with `p` already shaped to broadcast against `x`.
pub(crate) fn apply_learnable<T: Element, F: BinaryFn<T>>(
    x: &Tensor<T>,
    p: &Tensor<T>,
    func: F,
) -> myelin_tensor::Result<Tensor<T>> {
    x.try_map_binary(p, func)
}
