//! `sin` and `cos` as [`UnaryFn`]s. Their derivatives cycle (sin → cos → −sin → −cos →
//! sin), so every order of gradient works through them.

use std::sync::Arc;

use crate::autograd::custom::UnaryFn;
use crate::element::Element;
use crate::ops::unary::unary_fn;
use crate::tensor::Tensor;

unary_fn!(/// sin(x).
    Sin, "sin", f: |x| x.sin(), df: |x, y| x.cos(), derivative: Some(Arc::new(Cos)));
unary_fn!(/// cos(x).
    Cos, "cos", f: |x| x.cos(), df: |x, y| -x.sin(), derivative: Some(Arc::new(NegSin)));
unary_fn!(/// −sin(x), the derivative of cos.
    NegSin, "cos_backward", f: |x| -x.sin(), df: |x, y| -x.cos(), derivative: Some(Arc::new(NegCos)));
unary_fn!(/// −cos(x), the second derivative of cos.
    NegCos, "cos_backward_backward", f: |x| -x.cos(), df: |x, y| x.sin(), derivative: Some(Arc::new(Sin)));

impl<T: Element> Tensor<T> {
    /// Elementwise sine (radians).
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![0.0, std::f64::consts::FRAC_PI_2], &[2]).unwrap();
    /// assert_eq!(x.sin().to_vec(), vec![0.0, 1.0]);
    /// ```
    pub fn sin(&self) -> Tensor<T> {
        self.map_unary(Sin)
    }

    /// Elementwise cosine (radians).
    pub fn cos(&self) -> Tensor<T> {
        self.map_unary(Cos)
    }
}
