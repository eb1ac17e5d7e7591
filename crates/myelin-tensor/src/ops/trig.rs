//! `sin` and `cos` as [`UnaryFn`]s. Their derivatives cycle (sin → cos → −sin → −cos →
//! sin), so every order of gradient works through them.

use std::sync::Arc;

use crate::autograd::custom::UnaryFn;
use crate::element::Element;
use crate::tensor::Tensor;

/// Defines one member of the sine/cosine derivative cycle.
macro_rules! trig_fn {
    ($(#[$doc:meta])* $name:ident, $label:literal, f: |$x:ident| $f:expr, df: |$dx:ident| $df:expr, next: $next:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;
        impl<T: Element> UnaryFn<T> for $name {
            fn name(&self) -> &'static str {
                $label
            }
            #[inline(always)]
            fn f(&self, $x: T) -> T {
                $f
            }
            #[inline(always)]
            fn df(&self, $dx: T, _y: T) -> T {
                $df
            }
            fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
                Some(Arc::new($next))
            }
        }
    };
}

trig_fn!(/// sin(x).
    Sin, "sin", f: |x| x.sin(), df: |x| x.cos(), next: Cos);
trig_fn!(/// cos(x).
    Cos, "cos", f: |x| x.cos(), df: |x| -x.sin(), next: NegSin);
trig_fn!(/// −sin(x), the derivative of cos.
    NegSin, "cos_backward", f: |x| -x.sin(), df: |x| -x.cos(), next: NegCos);
trig_fn!(/// −cos(x), the second derivative of cos.
    NegCos, "cos_backward_backward", f: |x| -x.cos(), df: |x| x.sin(), next: Sin);

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
