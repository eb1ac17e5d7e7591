//! `floor`, `ceil` and `round`: piecewise constant, so their gradient is zero
//! everywhere (PyTorch's convention, including at the jumps). `sign` lives with the
//! other unary ops.

use std::sync::Arc;

use crate::autograd::custom::UnaryFn;
use crate::element::Element;
use crate::ops::unary::{unary_fn, Zero};
use crate::tensor::Tensor;

// Piecewise constant: derivative 0, and so every higher derivative.
unary_fn!(/// ⌊x⌋.
    Floor, "floor", f: |x| x.floor(), df: |x, y| T::zero(), derivative: Some(Arc::new(Zero)));
unary_fn!(/// ⌈x⌉.
    Ceil, "ceil", f: |x| x.ceil(), df: |x, y| T::zero(), derivative: Some(Arc::new(Zero)));
unary_fn!(/// x rounded to the nearest integer, halves to even (PyTorch's `round`).
    Round, "round", f: |x| round_half_even(x), df: |x, y| T::zero(),
    derivative: Some(Arc::new(Zero)));

#[inline(always)]
fn round_half_even<T: Element>(x: T) -> T {
    let r = x.round(); // halves away from zero
    if (r - x).abs() == T::from_f64(0.5) {
        T::from_f64(2.0) * (x * T::from_f64(0.5)).round()
    } else {
        r
    }
}

impl<T: Element> Tensor<T> {
    /// The largest integer ≤ x, elementwise (`torch.floor`); gradient 0.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![-1.5, 0.2, 2.0], &[3]).unwrap();
    /// assert_eq!(x.floor().to_vec(), vec![-2.0, 0.0, 2.0]);
    /// ```
    pub fn floor(&self) -> Tensor<T> {
        self.map_unary(Floor)
    }
    /// The smallest integer ≥ x, elementwise (`torch.ceil`); gradient 0.
    pub fn ceil(&self) -> Tensor<T> {
        self.map_unary(Ceil)
    }
    /// Rounds to the nearest integer with halves to even, like `torch.round`
    /// (`round(2.5) = 2`, `round(3.5) = 4`); gradient 0.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f32>::from_vec(vec![0.5, 1.5, 2.5, -2.5, 2.6], &[5]).unwrap();
    /// assert_eq!(x.round().to_vec(), vec![0.0, 2.0, 2.0, -2.0, 3.0]);
    /// ```
    pub fn round(&self) -> Tensor<T> {
        self.map_unary(Round)
    }
}
